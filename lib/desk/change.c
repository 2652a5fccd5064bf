/* change.c: read-decide-write of ticket state under the store lock. */
#include <string.h>

#include "change.h"
#include "event.h"
#include "index.h"

struct desk_change {
	desk_store *st;
	int lockfd;
	notmuch_database_t *db;
};

/* Index everything in mail/new (the lock is held); what is owed a
 * follow-up sets st->followup_owed, for the caller to run. */
static desk_status
catch_up(desk_change *c, desk_err *err)
{
	desk_store *st = c->st;
	desk_status s = DESK_OK;

	for (int round = 0; s == DESK_OK && round < 1000; round++) {
		index_result r;

		s = index_pending_locked(st, NULL, st->cfg->index_batch, &r, err);
		if (s == DESK_DATAERR)
			s = DESK_OK;
		if (r.left == 0 || r.indexed + r.duplicates + r.rewritten == 0) {
			index_result_clear(&r);
			break;
		}
		index_result_clear(&r);
	}
	return s;
}

desk_status
change_begin(desk_store *st, desk_change **out, desk_err *err)
{
	desk_change *c = g_new0(desk_change, 1);
	desk_status s;

	*out = NULL;
	c->st = st;
	s = store_lock(st, st->cfg->lock_timeout * 1000, &c->lockfd, err);
	if (s != DESK_OK) {
		g_free(c);
		return s;
	}
	if ((s = catch_up(c, err)) == DESK_OK)
		s = index_open(st, FALSE, &c->db, err);
	if (s != DESK_OK) {
		change_abort(c);
		return s;
	}
	*out = c;
	return DESK_OK;
}

notmuch_database_t *
change_db(desk_change *c)
{
	return c->db;
}

desk_status
change_ticket(desk_change *c, guint n, ticket_info **out, guint *merged_from, desk_err *err)
{
	desk_status s = ticket_info_get(c->db, n, out, err);

	if (merged_from != NULL)
		*merged_from = 0;
	for (int hops = 0; s == DESK_OK && (*out)->merged_into != 0 && hops < 20; hops++) {
		guint into = (*out)->merged_into;

		if (merged_from != NULL)
			*merged_from = n;
		ticket_info_free(*out);
		s = ticket_info_get(c->db, into, out, err);
	}
	return s;
}

desk_status
change_event(desk_change *c, const ticket_info *t, const desk_agent *by, const char *event,
	     const xset *set, const char *line, desk_err *err)
{
	xset *full = xset_copy(set);
	desk_block b = { t->number, t->queue, event, full, NULL, NULL };
	char *body = g_strconcat(line, "\n", NULL);
	char *subject = g_strdup_printf("%s: %s", event, line);
	const char *addr = by != NULL ? by->address : event_desk_address(c->st, t->queue);
	GMimeMessage *msg = event_message_new(c->st, t, by != NULL ? by->name : "maildesk", addr, NULL,
					      subject, NULL, body);
	desk_status s;

	g_mime_object_set_header(GMIME_OBJECT(msg), "Auto-Submitted", "auto-generated", NULL);
	xset_add(full, "by", by != NULL ? by->login : "system");
	s = event_deliver(c->st, &b, msg, NULL, err);
	g_object_unref(msg);
	g_free(subject);
	g_free(body);
	xset_free(full);
	return s;
}

desk_status
change_deliver(desk_change *c, const desk_block *b, GMimeMessage *msg, desk_err *err)
{
	return event_deliver(c->st, b, msg, NULL, err);
}

desk_status
change_commit(desk_change *c, desk_err *err)
{
	desk_status s;

	notmuch_database_destroy(c->db);
	c->db = NULL;
	s = catch_up(c, err);
	change_abort(c);
	return s;
}

void
change_abort(desk_change *c)
{
	if (c == NULL)
		return;
	if (c->db != NULL)
		notmuch_database_destroy(c->db);
	store_unlock(c->lockfd);
	g_free(c);
}

desk_status
change_finish(desk_change *c, desk_status s, desk_err *err)
{
	if (c == NULL)
		return s;
	if (s == DESK_OK)
		return change_commit(c, err);
	change_abort(c);
	return s;
}
