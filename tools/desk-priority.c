/* desk-priority.c: desk priority N low|normal|high|urgent. */
#include <string.h>

#include "apply.h"
#include "desk.h"

static desk_status
decide(desk_change *c, const ticket_info *t, const desk_agent *me, void *ud, apply_event *ev, desk_err *err)
{
	(void)c;
	return priority_decide(t, me, ud, ev, err);
}

int
verb_priority(const char *store_dir, int argc, char **argv)
{
	char *as = NULL;
	GOptionEntry entries[] = { APPLY_AS_OPTION(as), { NULL, 0, 0, 0, NULL, NULL, NULL } };
	GArray *tickets = NULL;
	int rc = desk_parse("priority", "N... PRIORITY", "Set the priority of tickets: low, normal, high, urgent.",
			    entries, &argc, &argv);

	if (rc >= 0)
		goto out;
	if (argc < 3 || !ticket_priority_valid(argv[argc - 1])) {
		rc = desk_error(DESK_USAGE, "priority: usage: desk priority N... low|normal|high|urgent");
		goto out;
	}
	if ((tickets = apply_ticket_args("priority", argc - 1, argv, 1)) == NULL)
		rc = 64;
	else
		rc = apply_tickets(store_dir, "priority", as, tickets, decide, argv[argc - 1]);
out:
	if (tickets != NULL)
		g_array_unref(tickets);
	g_free(as);
	return rc;
}
