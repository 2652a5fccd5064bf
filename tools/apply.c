/* apply.c: run a change verb over tickets, one locked change. */
#include <stdio.h>

#include "apply.h"
#include "desk.h"
#include "output.h"
#include "ticket-args.h"

GArray *
apply_ticket_args(const char *verb, int argc, char **argv, int first)
{
	GArray *a = g_array_new(FALSE, FALSE, sizeof(guint));

	for (int i = first; i < argc; i++) {
		if (!ticket_args_add(argv[i], a)) {
			g_array_unref(a);
			return NULL;
		}
	}
	if (a->len == 0) {
		desk_error(DESK_USAGE, "%s: which ticket? (a number, '-' for stdin, or a message file)", verb);
		g_array_unref(a);
		return NULL;
	}
	return a;
}

static int
apply_one(desk_change *c, guint n, const desk_agent *me, apply_fn fn, void *ud, const char *verb)
{
	ticket_info *t = NULL;
	apply_event ev = { 0 };
	desk_err err = { 0 };
	guint via = 0;
	desk_status s = change_ticket(c, n, &t, &via, &err);

	if (s == DESK_OK && via != 0)  /* desk merge: say where it went */
		printf("%u: merged into %u: acting on %u\n", n, t->number, t->number);
	if (s == DESK_OK)
		s = fn(c, t, me, ud, &ev, &err);
	if (s == DESK_OK && ev.event != NULL)
		s = change_event(c, t, me, ev.event, ev.set, ev.line, &err);
	if (s == DESK_OK)
		printf("%u: %s\n", t->number, ev.line != NULL ? out_safe(ev.line) : "unchanged");
	xset_free(ev.set);
	g_free(ev.line);
	ticket_info_free(t);
	return s == DESK_OK ? 0 : desk_error(s, "%s %u: %s", verb, n, err.msg);
}

int
apply_tickets(const char *store_dir, const char *verb, const char *as, GArray *tickets, apply_fn fn,
	      void *ud)
{
	desk_store *st = NULL;
	const desk_agent *me = NULL;
	desk_change *c = NULL;
	desk_err err = { 0 };
	desk_status s;
	int rc;

	if ((rc = desk_open_as(store_dir, verb, as, &st, &me)) != 0)
		return rc;
	if ((s = change_begin(st, &c, &err)) != DESK_OK) {
		rc = desk_error(s, "%s: %s", verb, err.msg);
		desk_close_store(st);
		return rc;
	}
	for (guint i = 0; i < tickets->len; i++) {
		int one = apply_one(c, g_array_index(tickets, guint, i), me, fn, ud, verb);

		if (rc == 0)
			rc = one;
	}
	s = change_commit(c, &err);
	if (s != DESK_OK && rc == 0)
		rc = desk_error(s, "%s: %s", verb, err.msg);
	desk_close_store(st);
	return rc;
}
