/* desk-status.c: desk status N STATUS: open, pending, on-hold, solved, closed. */
#include <string.h>

#include "apply.h"
#include "desk.h"

static desk_status
decide(desk_change *c, const ticket_info *t, const desk_agent *me, void *ud, apply_event *ev, desk_err *err)
{
	(void)c;
	return status_decide(t, me, ud, ev, err);
}

int
verb_status(const char *store_dir, int argc, char **argv)
{
	char *as = NULL;
	GOptionEntry entries[] = { APPLY_AS_OPTION(as), { NULL, 0, 0, 0, NULL, NULL, NULL } };
	GArray *tickets = NULL;
	const char *to;
	int rc = desk_parse("status", "N... STATUS",
			    "Set the status of tickets: open, pending (waiting on the requester),\n"
			    "on-hold (waiting on a third party), solved or closed.", entries, &argc, &argv);

	if (rc >= 0)
		goto out;
	if (argc < 3) {
		rc = desk_error(DESK_USAGE, "status: usage: desk status N... STATUS");
		goto out;
	}
	to = argv[argc - 1];
	if (!ticket_status_valid(to) || strcmp(to, "new") == 0) {
		rc = desk_error(DESK_USAGE, "status: unknown status '%s' (open, pending, on-hold, solved, closed)", to);
		goto out;
	}
	if ((tickets = apply_ticket_args("status", argc - 1, argv, 1)) == NULL)
		rc = 64;
	else
		rc = apply_tickets(store_dir, "status", as, tickets, decide, (void *)to);
out:
	if (tickets != NULL)
		g_array_unref(tickets);
	g_free(as);
	return rc;
}
