/* split.c: messages given to another ticket by a "split" event, in the
 * index only (the Maildir keeps every file as it was delivered). */
#include <stdio.h>
#include <string.h>

#include "evlist.h"
#include "index.h"
#include "log.h"
#include "split.h"

/* Give the message ID to ticket TO; FIRST: it is TO's first message. */
static void
move_one(notmuch_database_t *db, const char *id, guint to, guint from, gboolean first,
	 GHashTable *touched)
{
	notmuch_message_t *m = NULL;
	const char *was = NULL;
	char num[16];

	if (notmuch_database_find_message(db, id, &m) != NOTMUCH_STATUS_SUCCESS || m == NULL)
		return;
	notmuch_message_get_property(m, "desk.ticket", &was);
	if (touched != NULL && was != NULL)
		g_hash_table_add(touched, GUINT_TO_POINTER((guint)g_ascii_strtoull(was, NULL, 10)));
	snprintf(num, sizeof num, "%u", to);
	notmuch_message_freeze(m);
	index_set_prop(m, "desk.ticket", num);
	if (first) {
		char *match = g_strdup_printf("new; split from %u", from);

		index_set_prop(m, "desk.match", match);
		g_free(match);
	}
	notmuch_message_thaw(m);
	notmuch_message_destroy(m);
}

void
split_apply(notmuch_database_t *db, const char *path, guint n, const char *set, GHashTable *touched)
{
	char *digest = evlist_set_value(set, "moved"), *to = evlist_set_value(set, "split-to");
	GPtrArray *ids = NULL;
	desk_err err = { 0 };
	guint m = to != NULL ? (guint)g_ascii_strtoull(to, NULL, 10) : 0;

	if (digest != NULL && m != 0 && evlist_read(path, SPLIT_HEADER, digest, &ids, &err) != DESK_OK)
		desk_log(LOG_WARNING, "split event %s ignored: %s", path, err.msg);
	for (guint i = 0; ids != NULL && i < ids->len; i++)
		move_one(db, ids->pdata[i], m, n, i == 0, touched);
	if (ids != NULL && touched != NULL)
		g_hash_table_add(touched, GUINT_TO_POINTER(m));
	if (ids != NULL)
		g_ptr_array_unref(ids);
	g_free(digest);
	g_free(to);
}

typedef struct split_ev {
	gint64 time;
	guint ticket;
	char *path, *set;
} split_ev;

static void
split_ev_free(gpointer p)
{
	split_ev *e = p;

	g_free(e->path);
	g_free(e->set);
	g_free(e);
}

static gint
by_time(gconstpointer a, gconstpointer b)
{
	const split_ev *x = *(split_ev *const *)a, *y = *(split_ev *const *)b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return strcmp(x->path, y->path);
}

desk_status
split_replay(notmuch_database_t *db, desk_err *err)
{
	notmuch_query_t *q = notmuch_query_create(db, "tag:event and property:desk.event=split");
	notmuch_messages_t *ms = NULL;
	GPtrArray *evs = g_ptr_array_new_with_free_func(split_ev_free);
	notmuch_status_t ns;

	if (q == NULL)
		return desk_fail(err, DESK_SOFTWARE, "index: out of memory");
	if ((ns = notmuch_query_search_messages(q, &ms)) != NOTMUCH_STATUS_SUCCESS) {
		notmuch_query_destroy(q);
		g_ptr_array_unref(evs);
		return desk_fail(err, DESK_TEMPFAIL, "index: split events: %s", notmuch_status_to_string(ns));
	}
	for (; notmuch_messages_valid(ms); notmuch_messages_move_to_next(ms)) {
		notmuch_message_t *m = notmuch_messages_get(ms);
		const char *t = NULL;
		char *set = index_get_text(m, "desk.set");
		split_ev *e = g_new0(split_ev, 1);

		notmuch_message_get_property(m, "desk.ticket", &t);
		e->ticket = t != NULL ? (guint)g_ascii_strtoull(t, NULL, 10) : 0;
		e->time = index_message_time(m);
		e->path = g_strdup(notmuch_message_get_filename(m));
		e->set = set != NULL ? set : g_strdup("");
		g_ptr_array_add(evs, e);
		notmuch_message_destroy(m);
	}
	notmuch_query_destroy(q);
	g_ptr_array_sort(evs, by_time);
	for (guint i = 0; i < evs->len; i++) {
		split_ev *e = evs->pdata[i];

		split_apply(db, e->path, e->ticket, e->set, NULL);
	}
	g_ptr_array_unref(evs);
	return DESK_OK;
}
