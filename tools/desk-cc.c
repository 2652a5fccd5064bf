/* desk-cc.c: desk cc N add|remove ADDR | list: the ticket's participants. */
#include <stdio.h>
#include <string.h>

#include "apply.h"
#include "desk.h"
#include "index.h"
#include "output.h"
#include "ticket-args.h"

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

/* desk cc N list: the requester, then the participants agents added. */
static int
cc_list(const char *store_dir, guint n)
{
	desk_store *st = NULL;
	notmuch_database_t *db = NULL;
	ticket_info *t = NULL;
	desk_err err = { 0 };
	desk_status s;
	int rc = desk_open_store(store_dir, &st);

	if (rc != 0)
		return rc;
	s = index_open(st, FALSE, &db, &err);
	if (s == DESK_OK)
		s = ticket_info_get(db, n, &t, &err);
	if (s != DESK_OK) {
		rc = desk_error(s, "cc %u: %s", n, err.msg);
	} else {
		if (t->merged_into != 0)
			desk_warn("cc %u: merged into %u: its participants are those of %u", n, t->merged_into,
				  t->merged_into);
		if (t->requester != NULL && *t->requester != '\0')
			printf("requester %s\n", out_safe(t->requester));
		for (char **c = t->cc; c != NULL && *c != NULL; c++)
			printf("cc        %s\n", out_safe(*c));
	}
	ticket_info_free(t);
	if (db != NULL)
		notmuch_database_destroy(db);
	desk_close_store(st);
	return rc;
}

int
verb_cc(const char *store_dir, int argc, char **argv)
{
	char *as = NULL;
	GOptionEntry entries[] = { APPLY_AS_OPTION(as), { NULL, 0, 0, 0, NULL, NULL, NULL } };
	GArray *tickets = NULL;
	cc_ctx x = { FALSE, NULL };
	int rc = desk_parse("cc", "N add|remove ADDRESS | N list", "Add or remove a participant of a ticket: replies\n"
			    "go to them in Cc, and their mail changes the ticket like the requester's.\n"
			    "list prints the requester and the participants, one a line.",
			    entries, &argc, &argv);

	if (rc >= 0)
		goto out;
	if (argc == 3 && strcmp(argv[2], "list") == 0) {
		guint n = ticket_arg_one(argv[1]);

		rc = n != 0 ? cc_list(store_dir, n) : 64;
		goto out;
	}
	if (argc != 4 || (strcmp(argv[2], "add") != 0 && strcmp(argv[2], "remove") != 0)) {
		rc = desk_error(DESK_USAGE, "cc: usage: desk cc N add|remove ADDRESS, or desk cc N list");
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
