/* desk-reopen.c: desk reopen N: a solved or closed ticket open again. */
#include <string.h>

#include "apply.h"
#include "desk.h"

static desk_status
decide(desk_change *c, const ticket_info *t, const desk_agent *me, void *ud, apply_event *ev, desk_err *err)
{
	(void)c;
	(void)ud;
	return reopen_decide(t, me, ev, err);
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
