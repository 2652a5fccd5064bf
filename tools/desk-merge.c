/* desk-merge.c: desk merge FROM INTO: FROM's messages belong to INTO from
 * then on. Two events in one change: "merged-into=INTO" in FROM (the fold
 * makes it status merged) and "merged-from=FROM" in INTO (a link, which
 * ticket_get follows to show FROM's messages in INTO). Later mail for FROM
 * lands in INTO (lib/store/thread.c follows the merge); files are not touched. */
#include <stdio.h>
#include <string.h>

#include "apply.h"
#include "change-verb.h"
#include "desk.h"
#include "ticket-args.h"

/* "merged-from=FROM", and the tickets merged into FROM before, so that
 * INTO shows theirs too. Caller g_free()s. */
static xset *
merged_from_set(const ticket_info *from)
{
	xset *set = xset_new();

	xset_add_uint(set, "merged-from", from->number);
	for (char **l = from->links; *l != NULL; l++)
		if (g_str_has_prefix(*l, "merged-from="))
			xset_add(set, "merged-from", *l + strlen("merged-from="));
	return set;
}

static desk_status
merge(desk_store *st, desk_change *c, const desk_agent *me, guint nfrom, guint ninto, desk_err *err)
{
	ticket_info *from = NULL, *into = NULL;
	guint via = 0;
	char *line = NULL, *back = NULL;
	xset *set = NULL, *mset = NULL;
	desk_status s = ticket_info_get(change_db(c), nfrom, &from, err);

	if (s == DESK_OK && from->merged_into != 0)
		s = desk_fail(err, DESK_USAGE, "ticket %u is already merged into %u", nfrom, from->merged_into);
	else if (s == DESK_OK && strcmp(from->status, "purged") == 0)
		s = desk_fail(err, DESK_USAGE, "ticket %u is purged", nfrom);
	if (s == DESK_OK)
		s = change_ticket(c, ninto, &into, &via, err);
	if (s == DESK_OK && into->number == nfrom)
		s = desk_fail(err, DESK_USAGE, via != 0 ? "ticket %u was merged into %u: that would be a cycle"
						      : "cannot merge ticket %u into itself",
			      ninto, nfrom);
	else if (s == DESK_OK && strcmp(into->status, "purged") == 0)
		s = desk_fail(err, DESK_USAGE, "ticket %u is purged", into->number);
	if (s != DESK_OK)
		goto out;
	if (via != 0)
		printf("%u: was merged into %u: merging into %u\n", ninto, into->number, into->number);
	line = g_strdup_printf("%s merged #%u into #%u", me->login, nfrom, into->number);
	set = xset_new();
	xset_add_uint(set, "merged-into", into->number);
	back = g_strdup_printf("%s merged #%u into this ticket", me->login, nfrom);
	mset = merged_from_set(from);
	s = change_verb_event(st, c, from, me, "merge", set, line, NULL, NULL, err);
	if (s == DESK_OK)
		s = change_verb_event(st, c, into, me, "merge", mset, back, NULL, NULL, err);
	if (s == DESK_OK)
		printf("%u: merged into %u (its mail goes to %u from now on)\n", nfrom, into->number, into->number);
out:
	ticket_info_free(from);
	ticket_info_free(into);
	g_free(line);
	xset_free(set);
	g_free(back);
	xset_free(mset);
	return s;
}

int
verb_merge(const char *store_dir, int argc, char **argv)
{
	char *as = NULL;
	GOptionEntry entries[] = { APPLY_AS_OPTION(as), { NULL, 0, 0, 0, NULL, NULL, NULL } };
	desk_store *st = NULL;
	const desk_agent *me = NULL;
	desk_change *c = NULL;
	desk_err err = { 0 };
	guint from, into;
	int rc = desk_parse("merge", "FROM INTO",
			    "Merge ticket FROM into ticket INTO: FROM's messages show in INTO, later\n"
			    "mail for FROM lands in INTO, FROM shows as merged. FROM may be a message\n"
			    "file carrying X-Desk-Ticket, or '-' for one on stdin.", entries, &argc, &argv);

	if (rc >= 0)
		goto out;
	if (argc != 3) {
		rc = desk_error(DESK_USAGE, "merge: usage: desk merge FROM INTO");
		goto out;
	}
	if ((from = ticket_arg_one(argv[1])) == 0 || (into = ticket_arg_one(argv[2])) == 0) {
		rc = 64;
		goto out;
	}
	if (from == into) {
		rc = desk_error(DESK_USAGE, "merge: cannot merge ticket %u into itself", from);
		goto out;
	}
	if ((rc = change_verb_begin(store_dir, "merge", as, &st, &me, &c)) != 0)
		goto out;
	desk_status s = merge(st, c, me, from, into, &err);

	rc = s == DESK_OK ? 0 : desk_error(s, "merge %u %u: %s", from, into, err.msg);
	rc = change_verb_end("merge", st, c, rc);
out:
	g_free(as);
	return rc;
}
