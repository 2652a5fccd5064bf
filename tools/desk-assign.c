/* desk-assign.c: desk assign N AGENT: give a ticket to an agent. */
#include <string.h>

#include "apply.h"
#include "desk.h"

typedef struct assign_ctx {
	const desk_agent *to;
	gboolean force;
} assign_ctx;

static desk_status
decide(desk_change *c, const ticket_info *t, const desk_agent *me, void *ud, apply_event *ev, desk_err *err)
{
	assign_ctx *a = ud;

	(void)c;
	return assign_decide(t, me, a->to->login, a->force, ev, err);
}

int
verb_assign(const char *store_dir, int argc, char **argv)
{
	char *as = NULL;
	gboolean force = FALSE;
	GOptionEntry entries[] = {
		APPLY_AS_OPTION(as),
		{ "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Take it from the agent who has it", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	desk_store *st = NULL;
	GArray *tickets = NULL;
	assign_ctx a = { NULL, FALSE };
	int rc = desk_parse("assign", "N... AGENT", "Assign tickets to an agent. N may be '-' (numbers on\n"
			    "stdin) or a message file carrying X-Desk-Ticket.", entries, &argc, &argv);

	if (rc >= 0)
		goto out;
	if (argc < 3) {
		rc = desk_error(DESK_USAGE, "assign: usage: desk assign N... AGENT");
		goto out;
	}
	if ((rc = desk_open_store(store_dir, &st)) != 0)
		goto out;
	a.to = agent_find(st->cfg->agents, argv[argc - 1]);
	a.force = force;
	if (a.to == NULL) {
		rc = desk_error(DESK_USAGE, "assign: '%s' is not an agent (desk agent list)", argv[argc - 1]);
		goto out;
	}
	if ((tickets = apply_ticket_args("assign", argc - 1, argv, 1)) == NULL) {
		rc = 64;
		goto out;
	}
	rc = apply_tickets(store_dir, "assign", as, tickets, decide, &a);
out:
	if (tickets != NULL)
		g_array_unref(tickets);
	desk_close_store(st);
	g_free(as);
	return rc;
}
