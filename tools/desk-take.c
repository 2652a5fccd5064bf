/* desk-take.c: desk take N: assign a ticket to yourself. */
#include "apply.h"
#include "desk.h"

static desk_status
decide(desk_change *c, const ticket_info *t, const desk_agent *me, void *ud, apply_event *ev, desk_err *err)
{
	(void)c;
	return assign_decide(t, me, me->login, *(gboolean *)ud, ev, err);
}

int
verb_take(const char *store_dir, int argc, char **argv)
{
	char *as = NULL;
	gboolean force = FALSE;
	GOptionEntry entries[] = {
		APPLY_AS_OPTION(as),
		{ "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Take it from the agent who has it", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	GArray *tickets = NULL;
	int rc = desk_parse("take", "N...", "Assign tickets to yourself. When another agent has one,\n"
			    "it stays theirs unless --force; one you have already is no change (exit 0).", entries, &argc, &argv);

	if (rc < 0 && (tickets = apply_ticket_args("take", argc, argv, 1)) == NULL)
		rc = 64;
	if (rc < 0)
		rc = apply_tickets(store_dir, "take", as, tickets, decide, &force);
	if (tickets != NULL)
		g_array_unref(tickets);
	g_free(as);
	return rc;
}
