/* followup.c: run the follow-ups of freshly indexed mail, once. */
#include <string.h>

#include "followup.h"
#include "hooks.h"
#include "index.h"
#include "log.h"
#include "owed.h"

static const char *
prop(notmuch_message_t *m, const char *key)
{
	const char *v = NULL;

	return notmuch_message_get_property(m, key, &v) == NOTMUCH_STATUS_SUCCESS ? v : NULL;
}

static void
item_free(gpointer p)
{
	followup_item *it = p;

	g_free(it->path);
	g_free(it->message_id);
	g_free(it->match);
	g_free(it->tags);
	g_free(it->event);
	g_free(it->set);
	g_free(it->from);
	g_free(it->from_name);
	g_free(it);
}

/* The item of M, the message of the stored file PATH. */
static followup_item *
item_of(notmuch_message_t *m, const char *path)
{
	followup_item *it = g_new0(followup_item, 1);
	notmuch_tags_t *tags = notmuch_message_get_tags(m);
	GString *t = g_string_new(NULL);
	const char *v = prop(m, "desk.ticket");

	for (; notmuch_tags_valid(tags); notmuch_tags_move_to_next(tags))
		g_string_append_printf(t, " %s", notmuch_tags_get(tags));
	notmuch_tags_destroy(tags);
	g_string_append_c(t, ' ');
	it->tags = g_string_free(t, FALSE);
	it->path = g_strdup(path);
	it->date = notmuch_message_get_date(m);
	it->message_id = g_strdup(notmuch_message_get_message_id(m));
	it->ticket = v != NULL ? (guint)g_ascii_strtoull(v, NULL, 10) : 0;
	it->match = g_strdup(prop(m, "desk.match") ?: "");
	it->event = g_strdup(prop(m, "desk.event"));
	it->set = index_get_text(m, "desk.set");
	it->from = index_get_text(m, "desk.from") ?: g_strdup("");
	it->from_name = index_get_text(m, "desk.name") ?: g_strdup("");
	return it;
}

gboolean
followup_has_tag(const followup_item *item, const char *tag)
{
	char *t = g_strdup_printf(" %s ", tag);
	gboolean yes = strstr(item->tags, t) != NULL;

	g_free(t);
	return yes;
}

/* Oldest first, as the mail came; the file's name between equals. */
static gint
by_date(gconstpointer a, gconstpointer b)
{
	const followup_item *x = *(followup_item *const *)a, *y = *(followup_item *const *)b;

	if (x->date != y->date)
		return x->date < y->date ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* The messages owed a follow-up (STORE/followup/) that the index has,
 * oldest first, through *db: a read-only handle left open for the
 * handlers (the caller destroys it). A name whose file the index does not
 * have yet (its batch did not commit) waits for a later run. */
static desk_status
collect(desk_store *st, GPtrArray *items, notmuch_database_t **db, GHashTable *acked, desk_err *err)
{
	GPtrArray *names;
	desk_status s = index_open(st, FALSE, db, err);

	if (s != DESK_OK)
		return s;
	names = owed_list(st);
	for (guint i = 0; i < names->len && items->len < 1000; i++) {
		char *path = owed_path(st, names->pdata[i]);
		notmuch_message_t *m = NULL;

		if (notmuch_database_find_message_by_filename(*db, path, &m) == NOTMUCH_STATUS_SUCCESS &&
		    m != NULL) {
			followup_item *it = item_of(m, path);

			it->db = *db;
			it->acked = acked;
			g_ptr_array_add(items, it);
			notmuch_message_destroy(m);
		}
		g_free(path);
	}
	g_ptr_array_unref(names);
	g_ptr_array_sort(items, by_date);
	return DESK_OK;
}

/* ITEMS were handled: no longer owed, and a reindex from now on does not
 * do them again. */
static desk_status
done_with(desk_store *st, GPtrArray *items, desk_err *err)
{
	for (guint i = 0; i < items->len; i++)
		owed_done(st, ((followup_item *)items->pdata[i])->path);
	return owed_sync(st, err);
}

/* Handle what is owed, in rounds until nothing is (each round's handlers
 * open changes, which may index more fresh mail), ten at most. */
static desk_status
run_rounds(desk_store *st, guint *done, desk_err *err)
{
	desk_status s = DESK_OK;
	guint n;

	for (int round = 0; s == DESK_OK && round < 10; round++) {
		GPtrArray *items = g_ptr_array_new_with_free_func(item_free);
		GHashTable *acked = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
		notmuch_database_t *db = NULL;

		s = collect(st, items, &db, acked, err);
		for (guint i = 0; s == DESK_OK && i < items->len; i++) {
			followup_item *it = items->pdata[i];

			bymail_followup(st, it);
			link_followup(st, it);
			route_followup(st, it);
			ack_followup(st, it);
			notify_followup(st, it);
			survey_followup(st, it);
			hooks_followup(st, it);
		}
		if (db != NULL)
			notmuch_database_destroy(db);
		if (s == DESK_OK && items->len > 0)
			s = done_with(st, items, err);
		if (s == DESK_OK && done != NULL)
			*done += items->len;
		n = items->len;
		g_ptr_array_unref(items);
		g_hash_table_destroy(acked);
		if (n == 0)
			break;
	}
	return s;
}

desk_status
followup_run(desk_store *st, guint *done, desk_err *err)
{
	int lockfd = -1;
	desk_status s;

	if (done != NULL)
		*done = 0;
	s = store_lock_file(st, "followup.lock", st->cfg->lock_timeout * 1000, &lockfd, err);
	if (s != DESK_OK)
		return s;
	st->followup_owed = FALSE;
	s = run_rounds(st, done, err);
	if (s == DESK_OK)
		st->followup_owed = FALSE;  /* the handlers' own fresh mail was in the rounds */
	store_unlock(lockfd);
	return s;
}
