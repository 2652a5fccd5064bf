/* actions.c: the decisions of the ticket changes agents make. */
#include <string.h>

#include "actions.h"
#include "config.h"

desk_status
assign_decide(const ticket_info *t, const desk_agent *me, const char *to, gboolean force,
	      apply_event *ev, desk_err *err)
{
	if (strcmp(t->owner, to) == 0) {
		if (*to != '\0' && strcmp(to, me->login) == 0) {
			ev->line = g_strdup("already yours");  /* nothing to do: no error, pipelines go on */
			return DESK_OK;
		}
		return *to != '\0' ? desk_fail(err, DESK_USAGE, "already assigned to %s", to) : DESK_OK;
	}
	if (*t->owner != '\0' && strcmp(t->owner, me->login) != 0 && !force)
		return desk_fail(err, DESK_USAGE, "already assigned to %s (--force to take it over)", t->owner);
	ev->event = *to != '\0' ? "assign" : "unassign";
	ev->set = xset_new();
	xset_add(ev->set, "owner", to);
	if (*to == '\0')
		ev->line = g_strdup_printf("%s unassigned %s", me->login, t->owner);
	else if (strcmp(to, me->login) == 0)
		ev->line = g_strdup_printf("%s took the ticket", me->login);
	else
		ev->line = g_strdup_printf("%s assigned to %s", me->login, to);
	return DESK_OK;
}

desk_status
status_decide(const ticket_info *t, const desk_agent *me, const char *to, apply_event *ev, desk_err *err)
{
	if (strcmp(t->status, "spam") == 0 || strcmp(t->status, "merged") == 0)
		return desk_fail(err, DESK_USAGE, "the ticket is %s", t->status);
	if (strcmp(t->status, to) == 0)
		return DESK_OK;
	ev->event = "status";
	ev->set = xset_new();
	xset_add(ev->set, "status", to);
	ev->line = g_strdup_printf("%s set status %s", me->login, to);
	return DESK_OK;
}

desk_status
reopen_decide(const ticket_info *t, const desk_agent *me, apply_event *ev, desk_err *err)
{
	if (strcmp(t->status, "solved") != 0 && strcmp(t->status, "closed") != 0)
		return desk_fail(err, DESK_USAGE, "the ticket is %s, not solved or closed", t->status);
	ev->event = "reopen";
	ev->set = xset_new();
	xset_add(ev->set, "status", "open");
	ev->line = g_strdup_printf("%s reopened the ticket", me->login);
	return DESK_OK;
}

desk_status
priority_decide(const ticket_info *t, const desk_agent *me, const char *to, apply_event *ev, desk_err *err)
{
	(void)err;
	if (strcmp(t->priority, to) == 0)
		return DESK_OK;
	ev->event = "priority";
	ev->set = xset_new();
	xset_add(ev->set, "priority", to);
	ev->line = g_strdup_printf("%s set priority %s", me->login, to);
	return DESK_OK;
}

desk_status
queue_decide(const ticket_info *t, const desk_agent *me, const char *to, apply_event *ev, desk_err *err)
{
	(void)err;
	if (strcmp(t->queue, to) == 0)
		return DESK_OK;
	ev->event = "queue";
	ev->set = xset_new();
	xset_add(ev->set, "queue", to);
	ev->line = g_strdup_printf("%s moved the ticket to queue %s", me->login, to);
	return DESK_OK;
}

static gboolean
has(char **tags, const char *t)
{
	for (; tags != NULL && *tags != NULL; tags++)
		if (strcmp(*tags, t) == 0)
			return TRUE;
	return FALSE;
}

desk_status
tag_decide(const ticket_info *t, const desk_agent *me, char **changes, apply_event *ev, desk_err *err)
{
	xset *set = xset_new();
	GString *line = g_string_new(NULL);

	(void)err;
	for (char **ch = changes; *ch != NULL; ch++) {
		gboolean add = **ch == '+';

		if (add == has(t->tags, *ch + 1))
			continue;
		xset_add(set, "tag", *ch);
		g_string_append_printf(line, " %s", *ch);
	}
	if (xset_len(set) > 0) {
		ev->event = "tag";
		ev->set = set;
		ev->line = g_strdup_printf("%s tagged%s", me->login, line->str);
	} else {
		xset_free(set);
	}
	g_string_free(line, TRUE);
	return DESK_OK;
}

desk_status
cc_decide(const ticket_info *t, const desk_agent *me, gboolean add, const char *addr, apply_event *ev,
	  desk_err *err)
{
	(void)err;
	if (has(t->cc, addr) == add)
		return DESK_OK;
	ev->event = "cc";
	char *v = g_strdup_printf("%c%s", add ? '+' : '-', addr);

	ev->set = xset_new();
	xset_add(ev->set, "cc", v);
	g_free(v);
	ev->line = g_strdup_printf("%s %s %s %s the participants", me->login, add ? "added" : "removed", addr,
				   add ? "to" : "from");
	return DESK_OK;
}

gboolean
actions_address_ok(const char *a)
{
	const char *at = strchr(a, '@');

	if (at == NULL || at == a || at[1] == '\0' || strlen(a) > 254 || strchr(at + 1, '@') != NULL)
		return FALSE;
	for (; *a != '\0'; a++)
		if ((guchar)*a <= ' ' || strchr("<>()[],;:\\\"=", *a) != NULL)
			return FALSE;
	return TRUE;
}

gboolean
actions_queue_known(const GPtrArray *addresses, const char *q)
{
	for (guint i = 0; i < addresses->len; i++)
		if (strcmp(((desk_address *)addresses->pdata[i])->queue, q) == 0)
			return TRUE;
	return FALSE;
}
