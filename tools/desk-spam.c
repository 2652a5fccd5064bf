/* desk-spam.c: desk spam N [--block] [--undo]: hide tickets as spam (an
 * event "status=spam"; desk list shows them only with --status spam) and,
 * with --block, refuse their requester at SMTP time from then on
 * (STORE/blocked, lib/store/blocklist.h; the event records "block=ADDR" too). */
#include <stdio.h>
#include <string.h>

#include "apply.h"
#include "blocklist.h"
#include "desk.h"

typedef struct spam_ctx {
	desk_store *st;
	gboolean block, undo;
} spam_ctx;

/* The block list change for ticket T (the store lock is held by the change). */
static desk_status
block(spam_ctx *sc, const ticket_info *t, gboolean add, gboolean *changed, desk_err *err)
{
	*changed = FALSE;
	if (*t->requester == '\0')
		return desk_fail(err, DESK_USAGE, "ticket %u has no requester address to block", t->number);
	return blocklist_change(sc->st, t->requester, add, changed, err);
}

static desk_status
decide(desk_change *c, const ticket_info *t, const desk_agent *me, void *ud, apply_event *ev, desk_err *err)
{
	spam_ctx *sc = ud;
	gboolean is_spam = strcmp(t->status, "spam") == 0, changed = FALSE;
	desk_status s = DESK_OK;

	(void)c;
	if (strcmp(t->status, "purged") == 0)
		return desk_fail(err, DESK_USAGE, "the ticket is purged");
	if (sc->block && (s = block(sc, t, !sc->undo, &changed, err)) != DESK_OK)
		return s;
	if (is_spam == !sc->undo && !changed)
		return DESK_OK;
	ev->event = sc->undo ? "not-spam" : "spam";
	ev->set = xset_new();
	xset_add(ev->set, "status", sc->undo ? "open" : "spam");
	if (changed)
		xset_add(ev->set, sc->undo ? "unblock" : "block", t->requester);
	ev->line = g_strdup_printf("%s %s%s%s", me->login, sc->undo ? "took the ticket out of spam" : "marked the ticket as spam",
				   changed ? (sc->undo ? " and unblocked " : " and blocked ") : "",
				   changed ? t->requester : "");
	return DESK_OK;
}

int
verb_spam(const char *store_dir, int argc, char **argv)
{
	char *as = NULL;
	gboolean block = FALSE, undo = FALSE;
	GOptionEntry entries[] = {
		APPLY_AS_OPTION(as),
		{ "block", 'b', 0, G_OPTION_ARG_NONE, &block, "Also refuse the requester's mail at SMTP time", NULL },
		{ "undo", 'u', 0, G_OPTION_ARG_NONE, &undo, "Not spam after all: open it again (with --block: unblock)", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	GArray *tickets = NULL;
	spam_ctx sc = { NULL, FALSE, FALSE };
	int rc = desk_parse("spam", "N...",
			    "Hide tickets as spam: desk list shows them only with --status spam.\n"
			    "With --block, mail from the requester is refused at SMTP time.", entries, &argc, &argv);

	if (rc >= 0)
		goto out;
	if ((tickets = apply_ticket_args("spam", argc, argv, 1)) == NULL) {
		rc = 64;
		goto out;
	}
	if ((rc = desk_open_store(store_dir, &sc.st)) != 0)
		goto out;
	sc.block = block;
	sc.undo = undo;
	rc = apply_tickets(store_dir, "spam", as, tickets, decide, &sc);
out:
	if (tickets != NULL)
		g_array_unref(tickets);
	desk_close_store(sc.st);
	g_free(as);
	return rc;
}
