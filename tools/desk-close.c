/* desk-close.c: desk close N: the ticket is solved (closed after the
 * cool-off, by desk autoclose). */
#include "apply.h"
#include "desk.h"

static desk_status
decide(desk_change *c, const ticket_info *t, const desk_agent *me, void *ud, apply_event *ev, desk_err *err)
{
	(void)c;
	(void)ud;
	return status_decide(t, me, "solved", ev, err);
}

int
verb_close(const char *store_dir, int argc, char **argv)
{
	char *as = NULL;
	GOptionEntry entries[] = { APPLY_AS_OPTION(as), { NULL, 0, 0, 0, NULL, NULL, NULL } };
	GArray *tickets = NULL;
	int rc = desk_parse("close", "N...", "Mark tickets solved; desk autoclose closes them after\n"
			    "desk.autoclose_hours.", entries, &argc, &argv);

	if (rc < 0 && (tickets = apply_ticket_args("close", argc, argv, 1)) == NULL)
		rc = 64;
	if (rc < 0)
		rc = apply_tickets(store_dir, "close", as, tickets, decide, NULL);
	if (tickets != NULL)
		g_array_unref(tickets);
	g_free(as);
	return rc;
}
