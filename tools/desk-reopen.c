/* desk-reopen.c: desk reopen N: a solved or closed ticket open again. */
#include <string.h>

#include "apply.h"
#include "desk.h"

static desk_status
decide(desk_change *c, const ticket_info *t, const desk_agent *me, void *ud, apply_event *ev, desk_err *err)
{
	(void)c;
	(void)ud;
	if (strcmp(t->status, "solved") != 0 && strcmp(t->status, "closed") != 0)
		return desk_fail(err, DESK_USAGE, "the ticket is %s, not solved or closed", t->status);
	ev->event = "reopen";
	ev->set = g_strdup("status=open");
	ev->line = g_strdup_printf("%s reopened the ticket", me->login);
	return DESK_OK;
}

int
verb_reopen(const char *store_dir, int argc, char **argv)
{
	char *as = NULL;
	GOptionEntry entries[] = { APPLY_AS_OPTION(as), { NULL, 0, 0, 0, NULL, NULL, NULL } };
	GArray *tickets = NULL;
	int rc = desk_parse("reopen", "N...", "Open solved or closed tickets again.", entries, &argc, &argv);

	if (rc < 0 && (tickets = apply_ticket_args("reopen", argc, argv, 1)) == NULL)
		rc = 64;
	if (rc < 0)
		rc = apply_tickets(store_dir, "reopen", as, tickets, decide, NULL);
	if (tickets != NULL)
		g_array_unref(tickets);
	g_free(as);
	return rc;
}
