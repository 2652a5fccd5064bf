/* desk-unassign.c: desk unassign N: a ticket back to nobody. */
#include "apply.h"
#include "desk.h"

static desk_status
decide(desk_change *c, const ticket_info *t, const desk_agent *me, void *ud, apply_event *ev, desk_err *err)
{
	(void)c;
	return assign_decide(t, me, "", *(gboolean *)ud, ev, err);
}

int
verb_unassign(const char *store_dir, int argc, char **argv)
{
	char *as = NULL;
	gboolean force = FALSE;
	GOptionEntry entries[] = {
		APPLY_AS_OPTION(as),
		{ "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Also when another agent has it", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	GArray *tickets = NULL;
	int rc = desk_parse("unassign", "N...", "Take the owner off tickets (yours, or with --force\n"
			    "anyone's).", entries, &argc, &argv);

	if (rc < 0 && (tickets = apply_ticket_args("unassign", argc, argv, 1)) == NULL)
		rc = 64;
	if (rc < 0)
		rc = apply_tickets(store_dir, "unassign", as, tickets, decide, &force);
	if (tickets != NULL)
		g_array_unref(tickets);
	g_free(as);
	return rc;
}
