/* change-verb.c: one locked change as an agent, for merge, split, spam, purge. */
#include <stdio.h>

#include "change-verb.h"
#include "desk.h"
#include "event.h"

int
change_verb_begin(const char *store_dir, const char *verb, const char *as, desk_store **st,
		  const desk_agent **me, desk_change **c)
{
	desk_err err = { 0 };
	desk_status s;
	int rc;

	*st = NULL;
	*c = NULL;
	if ((rc = desk_open_as(store_dir, verb, as, st, me)) != 0)
		return rc;
	if ((s = change_begin(*st, c, &err)) != DESK_OK) {
		desk_close_store(*st);
		*st = NULL;
		return desk_error(s, "%s: %s", verb, err.msg);
	}
	return 0;
}

int
change_verb_end(const char *verb, desk_store *st, desk_change *c, int rc)
{
	desk_err err = { 0 };

	if (c != NULL && rc == 0) {
		desk_status s = change_commit(c, &err);

		if (s != DESK_OK)
			rc = desk_error(s, "%s: %s", verb, err.msg);
	} else if (c != NULL) {
		change_abort(c);
	}
	desk_close_store(st);
	return rc;
}

desk_status
change_verb_event(desk_store *st, desk_change *c, const ticket_info *t, const desk_agent *me,
		  const char *event, const xset *set, const char *line, const char *extra, const char *more,
		  desk_err *err)
{
	xset *full = xset_copy(set);
	desk_block b = { t->number, t->queue, event, full, NULL, extra };
	char *body = g_strconcat(line, "\n", more != NULL ? "\n" : "", more != NULL ? more : "", NULL);
	char *subject = g_strdup_printf("%s: %s", event, line);
	GMimeMessage *msg = event_message_new(st, t, me->name, me->address, NULL, subject, NULL, body);
	desk_status s;

	g_mime_object_set_header(GMIME_OBJECT(msg), "Auto-Submitted", "auto-generated", NULL);
	xset_add(full, "by", me->login);
	s = change_deliver(c, &b, msg, err);
	g_object_unref(msg);
	g_free(subject);
	g_free(body);
	xset_free(full);
	return s;
}
