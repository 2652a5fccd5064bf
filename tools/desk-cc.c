/* desk-cc.c: desk cc N add|remove ADDR: the ticket's participants. */
#include <string.h>

#include "apply.h"
#include "desk.h"

typedef struct cc_ctx {
	gboolean add;
	char *addr;
} cc_ctx;

static desk_status
decide(desk_change *c, const ticket_info *t, const desk_agent *me, void *ud, apply_event *ev, desk_err *err)
{
	cc_ctx *x = ud;

	(void)c;
	return cc_decide(t, me, x->add, x->addr, ev, err);
}

int
verb_cc(const char *store_dir, int argc, char **argv)
{
	char *as = NULL;
	GOptionEntry entries[] = { APPLY_AS_OPTION(as), { NULL, 0, 0, 0, NULL, NULL, NULL } };
	GArray *tickets = NULL;
	cc_ctx x = { FALSE, NULL };
	int rc = desk_parse("cc", "N add|remove ADDRESS", "Add or remove a participant of a ticket: replies\n"
			    "go to them in Cc, and their mail changes the ticket like the requester's.",
			    entries, &argc, &argv);

	if (rc >= 0)
		goto out;
	if (argc != 4 || (strcmp(argv[2], "add") != 0 && strcmp(argv[2], "remove") != 0)) {
		rc = desk_error(DESK_USAGE, "cc: usage: desk cc N add|remove ADDRESS");
		goto out;
	}
	x.add = strcmp(argv[2], "add") == 0;
	x.addr = g_ascii_strdown(argv[3], -1);
	if (!actions_address_ok(x.addr)) {
		rc = desk_error(DESK_USAGE, "cc: bad address '%s'", argv[3]);
		goto out;
	}
	if ((tickets = apply_ticket_args("cc", 2, argv, 1)) == NULL)
		rc = 64;
	else
		rc = apply_tickets(store_dir, "cc", as, tickets, decide, &x);
out:
	if (tickets != NULL)
		g_array_unref(tickets);
	g_free(x.addr);
	g_free(as);
	return rc;
}
