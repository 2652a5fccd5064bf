/* owed.c: the follow-ups still owed, as names in STORE/followup/ of the
 * files of mail/cur (see owed.h). */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "owed.h"

#define OWED_DIR "followup"

/* STORE/followup, made when missing (stores from before it existed): the
 * indexer and agents' verbs both write it. */
static char *
owed_dir(desk_store *st)
{
	char *dir = g_build_filename(st->dir, OWED_DIR, NULL);

	if (!g_file_test(dir, G_FILE_TEST_IS_DIR) && mkdir(dir, 02770) == 0)
		chmod(dir, 02770); /* not narrowed by the umask: agents share it */
	return dir;
}

static char *
owed_name(desk_store *st, const char *cur)
{
	char *dir = owed_dir(st), *base = g_path_get_basename(cur);
	char *p = g_build_filename(dir, base, NULL);

	g_free(base);
	g_free(dir);
	return p;
}

desk_status
owed_add(desk_store *st, const char *cur, desk_err *err)
{
	char *p = owed_name(st, cur);
	desk_status s = DESK_OK;

	if (link(cur, p) != 0 && errno != EEXIST)
		s = desk_fail(err, DESK_TEMPFAIL, "link %s: %s", p, g_strerror(errno));
	g_free(p);
	return s;
}

void
owed_done(desk_store *st, const char *cur)
{
	char *p = owed_name(st, cur);

	if (unlink(p) != 0 && errno != ENOENT)
		desk_log(LOG_WARNING, "%s: %s", p, g_strerror(errno));
	g_free(p);
}

desk_status
owed_sync(desk_store *st, desk_err *err)
{
	char *dir = owed_dir(st);
	desk_status s = store_sync_dir(dir, err);

	g_free(dir);
	return s;
}

static gint
by_name(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

GPtrArray *
owed_list(desk_store *st)
{
	char *dir = owed_dir(st);
	GDir *d = g_dir_open(dir, 0, NULL);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL)
		g_ptr_array_add(names, g_strdup(name));
	if (d != NULL)
		g_dir_close(d);
	g_free(dir);
	g_ptr_array_sort(names, by_name);
	return names;
}

char *
owed_path(desk_store *st, const char *name)
{
	return g_build_filename(st->maildir, "cur", name, NULL);
}

/* Whether DB has the file mail/cur/NAME. */
static gboolean
indexed(desk_store *st, notmuch_database_t *db, const char *name)
{
	char *cur = owed_path(st, name);
	notmuch_message_t *m = NULL;
	gboolean found = notmuch_database_find_message_by_filename(db, cur, &m) == NOTMUCH_STATUS_SUCCESS &&
			 m != NULL;

	if (m != NULL)
		notmuch_message_destroy(m);
	g_free(cur);
	return found;
}

desk_status
owed_prune(desk_store *st, notmuch_database_t *db, desk_err *err)
{
	char *dir = owed_dir(st);
	GPtrArray *names = owed_list(st);
	guint kept = 0, gone = 0;

	for (guint i = 0; i < names->len; i++) {
		if (indexed(st, db, names->pdata[i])) {
			kept++;
		} else {
			char *p = g_build_filename(dir, names->pdata[i], NULL);

			unlink(p);
			g_free(p);
			gone++;
		}
	}
	g_ptr_array_unref(names);
	g_free(dir);
	if (kept + gone > 0)
		desk_log(LOG_INFO, "follow-ups still owed: %u (%u names of files no longer stored removed)", kept,
			 gone);
	return gone > 0 ? owed_sync(st, err) : DESK_OK;
}
