/* desk-assign.c: desk assign N AGENT: give a ticket to an agent. */
#include <string.h>

#include "apply.h"
#include "desk.h"

typedef struct assign_ctx {
	const desk_agent *to;
	gboolean force;
} assign_ctx;

/* Shared by assign, take and unassign: an owner other than the acting
 * agent and the new one is only replaced with --force, so two agents
 * acting at once cannot both win. */
desk_status
assign_decide(const ticket_info *t, const desk_agent *me, const char *to, gboolean force,
	      apply_event *ev, desk_err *err)
{
	if (strcmp(t->owner, to) == 0) {
		if (*to != '\0' && strcmp(to, me->login) == 0)
			return desk_fail(err, DESK_USAGE, "already yours");
		return *to != '\0' ? desk_fail(err, DESK_USAGE, "already assigned to %s", to) : DESK_OK;
	}
	if (*t->owner != '\0' && strcmp(t->owner, me->login) != 0 && !force)
		return desk_fail(err, DESK_USAGE, "already assigned to %s (--force to take it over)", t->owner);
	ev->event = *to != '\0' ? "assign" : "unassign";
	ev->set = g_strdup_printf("owner=%s", to);
	if (*to == '\0')
		ev->line = g_strdup_printf("%s unassigned %s", me->login, t->owner);
	else if (strcmp(to, me->login) == 0)
		ev->line = g_strdup_printf("%s took the ticket", me->login);
	else
		ev->line = g_strdup_printf("%s assigned to %s", me->login, to);
	return DESK_OK;
}

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
	store_free(st);
	g_free(as);
	return rc;
}
