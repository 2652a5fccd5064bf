/* hooks.c: the journal of event hook runs, STORE/var/hooks/ID (see hooks.h):
 * recorded by the follow-up of an event, listed, read and written. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "evtype.h"
#include "hooks.h"
#include "log.h"
#include "ticket.h"
#include "xset.h"

#define JOURNAL_DIR STORE_VAR "/hooks"
#define GROUP "run"
/* Longest value of a fact kept (from mail: a requester, a subject). */
#define FACT_MAX 998

void
hook_run_free(hook_run *r)
{
	if (r == NULL)
		return;
	g_free(r->id);
	g_free(r->event);
	g_free(r->hook);
	g_free(r->message);
	g_free(r->message_id);
	g_free(r->queue);
	g_free(r->status);
	g_free(r->owner);
	g_free(r->priority);
	g_free(r->requester);
	g_free(r->subject);
	g_free(r->by);
	g_free(r->stored_event);
	g_free(r->last);
	g_free(r);
}

char *
hooks_journal_dir(const char *store_dir)
{
	char *dir = g_build_filename(store_dir, JOURNAL_DIR, NULL);

	/* made on first use: the owner's runner and agents' verbs both write it */
	if (!g_file_test(dir, G_FILE_TEST_IS_DIR) && mkdir(dir, 02770) == 0)
		chmod(dir, 02770);
	return dir;
}

/* Whether NAME can be an event's or a hook's file name: not hidden, no
 * slash, not an editor's or dpkg's leftover. */
static gboolean
name_ok(const char *name)
{
	return name != NULL && *name != '\0' && *name != '.' && strchr(name, '/') == NULL &&
	       !g_str_has_suffix(name, "~") && strstr(name, ".dpkg-") == NULL && strlen(name) < 128;
}

/* V as one bounded line: control characters become spaces. Caller frees. */
static char *
fact(const char *v)
{
	char *s = g_strndup(v != NULL ? v : "", FACT_MAX);

	for (char *p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return s;
}

static void
set_str(GKeyFile *kf, const char *key, const char *v)
{
	char *f = fact(v);

	g_key_file_set_string(kf, GROUP, key, f);
	g_free(f);
}

static char *
get_str(GKeyFile *kf, const char *key)
{
	char *v = g_key_file_get_string(kf, GROUP, key, NULL);

	return v != NULL ? v : g_strdup("");
}

hook_run *
hooks_read(const char *store_dir, const char *id)
{
	char *dir = g_build_filename(store_dir, JOURNAL_DIR, NULL), *path = g_build_filename(dir, id, NULL);
	GKeyFile *kf = g_key_file_new();
	hook_run *r = NULL;

	if (name_ok(id) && g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL)) {
		r = g_new0(hook_run, 1);
		r->id = g_strdup(id);
		r->event = get_str(kf, "event");
		r->hook = get_str(kf, "hook");
		r->ticket = (guint)g_key_file_get_uint64(kf, GROUP, "ticket", NULL);
		r->message = get_str(kf, "message");
		r->message_id = get_str(kf, "message-id");
		r->queue = get_str(kf, "queue");
		r->status = get_str(kf, "status");
		r->owner = get_str(kf, "owner");
		r->priority = get_str(kf, "priority");
		r->requester = get_str(kf, "requester");
		r->subject = get_str(kf, "subject");
		r->by = get_str(kf, "by");
		r->stored_event = get_str(kf, "stored-event");
		r->created = g_key_file_get_int64(kf, GROUP, "created", NULL);
		r->due = g_key_file_get_int64(kf, GROUP, "due", NULL);
		r->attempts = g_key_file_get_integer(kf, GROUP, "attempts", NULL);
		r->failed = g_key_file_get_boolean(kf, GROUP, "failed", NULL);
		r->last = get_str(kf, "last");
	}
	g_key_file_free(kf);
	g_free(path);
	g_free(dir);
	return r;
}

static char *
to_text(const hook_run *r, gsize *len)
{
	GKeyFile *kf = g_key_file_new();
	char *text;

	set_str(kf, "event", r->event);
	set_str(kf, "hook", r->hook);
	g_key_file_set_uint64(kf, GROUP, "ticket", r->ticket);
	set_str(kf, "message", r->message);
	set_str(kf, "message-id", r->message_id);
	set_str(kf, "queue", r->queue);
	set_str(kf, "status", r->status);
	set_str(kf, "owner", r->owner);
	set_str(kf, "priority", r->priority);
	set_str(kf, "requester", r->requester);
	set_str(kf, "subject", r->subject);
	set_str(kf, "by", r->by);
	set_str(kf, "stored-event", r->stored_event);
	g_key_file_set_int64(kf, GROUP, "created", r->created);
	g_key_file_set_int64(kf, GROUP, "due", r->due);
	g_key_file_set_integer(kf, GROUP, "attempts", r->attempts);
	g_key_file_set_boolean(kf, GROUP, "failed", r->failed);
	set_str(kf, "last", r->last);
	text = g_key_file_to_data(kf, len, NULL);
	g_key_file_free(kf);
	return text;
}

desk_status
hooks_write(const char *store_dir, const hook_run *r, gboolean sync, desk_err *err)
{
	char *dir = hooks_journal_dir(store_dir), *path = g_build_filename(dir, r->id, NULL);
	char *tmp = g_strdup_printf("%s/.%s.%d.tmp", dir, r->id, (int)getpid());
	gsize len;
	char *text = to_text(r, &len);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0660);
	desk_status s = DESK_OK;

	if (fd < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) != 0)
		s = desk_fail(err, DESK_TEMPFAIL, "%s: %s", tmp, g_strerror(errno));
	if (fd >= 0) {
		fchmod(fd, 0660);
		close(fd);
	}
	if (s == DESK_OK && rename(tmp, path) != 0)
		s = desk_fail(err, DESK_TEMPFAIL, "rename %s: %s", path, g_strerror(errno));
	if (s != DESK_OK)
		unlink(tmp);
	if (s == DESK_OK && sync)
		s = store_sync_dir(dir, err);
	g_free(text);
	g_free(tmp);
	g_free(path);
	g_free(dir);
	return s;
}

void
hooks_remove(const char *store_dir, const char *id)
{
	char *path = g_build_filename(store_dir, JOURNAL_DIR, id, NULL);

	if (unlink(path) != 0 && errno != ENOENT)
		desk_log(LOG_WARNING, "%s: %s", path, g_strerror(errno));
	g_free(path);
}

static gint
by_created(gconstpointer a, gconstpointer b)
{
	const hook_run *x = *(hook_run *const *)a, *y = *(hook_run *const *)b;

	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return strcmp(x->id, y->id);
}

desk_status
hooks_list(const char *store_dir, GPtrArray **out, desk_err *err)
{
	char *dir = g_build_filename(store_dir, JOURNAL_DIR, NULL);
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;

	*out = g_ptr_array_new_with_free_func((GDestroyNotify)hook_run_free);
	if (d == NULL && errno != ENOENT) {
		desk_status s = desk_fail(err, DESK_TEMPFAIL, "%s: %s", dir, g_strerror(errno));

		g_free(dir);
		return s;
	}
	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		hook_run *r = name_ok(name) ? hooks_read(store_dir, name) : NULL;

		if (r != NULL)
			g_ptr_array_add(*out, r);
	}
	if (d != NULL)
		g_dir_close(d);
	g_ptr_array_sort(*out, by_created);
	g_free(dir);
	return DESK_OK;
}

gboolean
hooks_due(const char *store_dir)
{
	GPtrArray *runs = NULL;
	gboolean due = FALSE;
	gint64 now = desk_now();

	if (hooks_list(store_dir, &runs, NULL) == DESK_OK)
		for (guint i = 0; i < runs->len && !due; i++) {
			const hook_run *r = runs->pdata[i];

			due = !r->failed && r->due <= now;
		}
	g_ptr_array_unref(runs);
	return due;
}

/* The run's ID: the same for the same message, event and hook, so that a
 * follow-up done twice (a crash before it was taken off) records it once. */
static char *
run_id(const char *message_id, const char *event, const char *hook)
{
	GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
	char *id;

	g_checksum_update(c, (const guchar *)message_id, (gssize)strlen(message_id) + 1);
	g_checksum_update(c, (const guchar *)event, (gssize)strlen(event) + 1);
	g_checksum_update(c, (const guchar *)hook, (gssize)strlen(hook));
	id = g_strndup(g_checksum_get_string(c), 16);
	g_checksum_free(c);
	return id;
}

/* A run of HOOK for ITEM, with the facts of ticket T (may be NULL). */
static hook_run *
run_new(desk_store *st, const followup_item *item, const char *event, const char *hook, const ticket_info *t)
{
	hook_run *r = g_new0(hook_run, 1);
	size_t n = strlen(st->dir);

	r->id = run_id(item->message_id, event, hook);
	r->event = g_strdup(event);
	r->hook = g_strdup(hook);
	r->ticket = item->ticket;
	r->message = g_strdup(strncmp(item->path, st->dir, n) == 0 && item->path[n] == '/' ? item->path + n + 1
											   : item->path);
	r->message_id = g_strdup(item->message_id);
	r->queue = g_strdup(t != NULL && t->queue != NULL ? t->queue : "");
	r->status = g_strdup(t != NULL && t->status != NULL ? t->status : "");
	r->owner = g_strdup(t != NULL && t->owner != NULL ? t->owner : "");
	r->priority = g_strdup(t != NULL && t->priority != NULL ? t->priority : "");
	r->requester = g_strdup(t != NULL && t->requester != NULL ? t->requester : "");
	r->subject = g_strdup(t != NULL && t->subject != NULL ? t->subject : "");
	r->by = item->set != NULL ? xset_lookup(item->set, "by") : NULL;
	if (r->by == NULL)
		r->by = g_strdup("");
	r->stored_event = g_strdup(item->event != NULL ? item->event : "");
	r->created = r->due = desk_now();
	r->last = g_strdup("");
	return r;
}

static gint
by_name(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The hooks installed for EVENT (file names in STORE/hooks/EVENT.d),
 * sorted; NULL when there are none. */
static GPtrArray *
installed(const char *store_dir, const char *event)
{
	char *sub = g_strconcat(event, ".d", NULL), *dir = g_build_filename(store_dir, "hooks", sub, NULL);
	GDir *d = name_ok(event) ? g_dir_open(dir, 0, NULL) : NULL;
	GPtrArray *names = NULL;
	const char *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		if (!name_ok(name))
			continue;
		if (names == NULL)
			names = g_ptr_array_new_with_free_func(g_free);
		g_ptr_array_add(names, g_strdup(name));
	}
	if (d != NULL)
		g_dir_close(d);
	if (names != NULL)
		g_ptr_array_sort(names, by_name);
	g_free(dir);
	g_free(sub);
	return names;
}

/* Record run R unless it is recorded already; TRUE if it was written. */
static gboolean
record(desk_store *st, const hook_run *r)
{
	char *path = g_build_filename(st->dir, JOURNAL_DIR, r->id, NULL);
	desk_err err = { 0 };
	gboolean fresh = !g_file_test(path, G_FILE_TEST_EXISTS);

	if (fresh && hooks_write(st->dir, r, FALSE, &err) != DESK_OK) {
		desk_log(LOG_WARNING, "ticket %u: hook %s.d/%s not recorded: %s", r->ticket, r->event, r->hook,
			 err.msg);
		fresh = FALSE;
	}
	g_free(path);
	return fresh;
}

void
hooks_followup(desk_store *st, const followup_item *item)
{
	const char *event = evtype_hook_name(item->event, item->match);
	GPtrArray *hooks = item->ticket != 0 ? installed(st->dir, event) : NULL;
	ticket_info *t = NULL;
	desk_err err = { 0 };
	guint n = 0;
	char *dir;

	if (hooks == NULL)
		return;
	if (ticket_info_get(item->db, item->ticket, &t, &err) != DESK_OK)
		desk_log(LOG_WARNING, "ticket %u: hooks get no state: %s", item->ticket, err.msg);
	for (guint i = 0; i < hooks->len; i++) {
		hook_run *r = run_new(st, item, event, hooks->pdata[i], t);

		n += record(st, r);
		hook_run_free(r);
	}
	dir = hooks_journal_dir(st->dir);
	if (n > 0 && store_sync_dir(dir, &err) != DESK_OK)
		desk_log(LOG_WARNING, "hooks: %s", err.msg);
	if (n > 0) {
		st->hooks_owed = TRUE;
		desk_log(LOG_DEBUG, "ticket %u: %u run(s) of hooks %s.d recorded", item->ticket, n, event);
	}
	g_free(dir);
	ticket_info_free(t);
	g_ptr_array_unref(hooks);
}
