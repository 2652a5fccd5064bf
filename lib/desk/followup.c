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

static followup_item *
item_of(notmuch_message_t *m)
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
	it->path = g_strdup(notmuch_message_get_filename(m));
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

/* The messages tagged followup, oldest first, through *db: a read-only
 * handle left open for the handlers (the caller destroys it). */
static desk_status
collect(desk_store *st, GPtrArray *items, notmuch_database_t **db, desk_err *err)
{
	notmuch_query_t *q;
	notmuch_messages_t *ms = NULL;
	desk_status s = index_open(st, FALSE, db, err);

	if (s != DESK_OK)
		return s;
	q = notmuch_query_create(*db, "tag:followup");
	notmuch_query_set_sort(q, NOTMUCH_SORT_OLDEST_FIRST);
	if (notmuch_query_search_messages(q, &ms) == NOTMUCH_STATUS_SUCCESS) {
		for (; notmuch_messages_valid(ms) && items->len < 1000; notmuch_messages_move_to_next(ms)) {
			notmuch_message_t *m = notmuch_messages_get(ms);
			followup_item *it = item_of(m);

			it->db = *db;
			g_ptr_array_add(items, it);
			notmuch_message_destroy(m);
		}
	}
	notmuch_query_destroy(q);
	return DESK_OK;
}

static desk_status
untag(desk_store *st, GPtrArray *items, desk_err *err)
{
	notmuch_database_t *db = NULL;
	int lockfd = -1;
	desk_status s = store_lock(st, st->cfg->lock_timeout * 1000, &lockfd, err);

	if (s == DESK_OK)
		s = index_open(st, TRUE, &db, err);
	for (guint i = 0; s == DESK_OK && i < items->len; i++) {
		followup_item *it = items->pdata[i];
		notmuch_message_t *m = NULL;

		if (notmuch_database_find_message(db, it->message_id, &m) == NOTMUCH_STATUS_SUCCESS && m != NULL) {
			notmuch_message_remove_tag(m, "followup");
			notmuch_message_destroy(m);
		}
	}
	if (db != NULL && notmuch_database_close(db) != NOTMUCH_STATUS_SUCCESS && s == DESK_OK)
		s = desk_fail(err, DESK_TEMPFAIL, "index commit failed");
	/* no longer owed: a reindex from now on does not do them again */
	for (guint i = 0; s == DESK_OK && i < items->len; i++)
		owed_done(st, ((followup_item *)items->pdata[i])->path);
	if (s == DESK_OK)
		s = owed_sync(st, err);
	if (db != NULL)
		notmuch_database_destroy(db);
	if (lockfd >= 0)
		store_unlock(lockfd);
	return s;
}

/* Handle what is tagged, in rounds until nothing is (each round's handlers
 * open changes, which may index more fresh mail), ten at most. */
static desk_status
run_rounds(desk_store *st, guint *done, desk_err *err)
{
	desk_status s = DESK_OK;
	guint n;

	for (int round = 0; s == DESK_OK && round < 10; round++) {
		GPtrArray *items = g_ptr_array_new_with_free_func(item_free);
		notmuch_database_t *db = NULL;

		s = collect(st, items, &db, err);
		for (guint i = 0; s == DESK_OK && i < items->len; i++) {
			followup_item *it = items->pdata[i];

			bymail_followup(st, it);
			link_followup(st, it);
			route_followup(st, it);
			ack_followup(st, it);
			notify_followup(st, it);
			hooks_followup(st, it);
		}
		if (db != NULL)
			notmuch_database_destroy(db);
		if (s == DESK_OK && items->len > 0)
			s = untag(st, items, err);
		if (s == DESK_OK && done != NULL)
			*done += items->len;
		n = items->len;
		g_ptr_array_unref(items);
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
