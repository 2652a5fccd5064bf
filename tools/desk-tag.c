/* desk-tag.c: desk tag N +x -y: add and remove ticket tags. */
#include <string.h>

#include "apply.h"
#include "desk.h"

static desk_status
decide(desk_change *c, const ticket_info *t, const desk_agent *me, void *ud, apply_event *ev, desk_err *err)
{
	(void)c;
	return tag_decide(t, me, ud, ev, err);
}

/* Tags are lower case: CHANGE ("+VIP") is made so, and the agent told. */
static void
lower_case(char *change)
{
	char *low = g_ascii_strdown(change, -1);

	if (strcmp(low, change) != 0) {
		desk_warn("tag: '%s' taken as '%s' (tags are lower case)", change + 1, low + 1);
		memcpy(change, low, strlen(low));
	}
	g_free(low);
}

int
verb_tag(const char *store_dir, int argc, char **argv)
{
	char *as = NULL;
	GOptionEntry entries[] = { APPLY_AS_OPTION(as), { NULL, 0, 0, 0, NULL, NULL, NULL } };
	GPtrArray *changes = g_ptr_array_new();
	GArray *tickets = g_array_new(FALSE, FALSE, sizeof(guint));
	int rc;

	/* -TAG is not an option: take the tag changes out before parsing */
	for (int i = 1; i < argc; i++) {
		if ((argv[i][0] == '+' || argv[i][0] == '-') && g_ascii_isalnum(argv[i][1])) {
			g_ptr_array_add(changes, argv[i]);
			memmove(argv + i, argv + i + 1, (argc - i) * sizeof *argv);
			argc--, i--;
		}
	}
	rc = desk_parse("tag", "N... +TAG|-TAG...", "Add (+) and remove (-) tags of tickets; notmuch\n"
			"queries see them as tag:TAG on the ticket. Tags are lower case: +VIP is +vip.", entries, &argc, &argv);
	for (guint i = 0; rc < 0 && i < changes->len; i++)
		lower_case(changes->pdata[i]);
	for (guint i = 0; rc < 0 && i < changes->len; i++)
		if (!ticket_tag_valid((char *)changes->pdata[i] + 1))
			rc = desk_error(DESK_USAGE, "tag: bad tag '%s' (a-z 0-9 . _ -, not one of maildesk's own)",
					(char *)changes->pdata[i] + 1);
	for (int i = 1; rc < 0 && i < argc; i++) {
		GArray *one = apply_ticket_args("tag", i + 1, argv, i);

		if (one == NULL)
			rc = 64;
		else
			g_array_append_vals(tickets, one->data, one->len), g_array_unref(one);
	}
	if (rc < 0 && (changes->len == 0 || tickets->len == 0))
		rc = desk_error(DESK_USAGE, "tag: usage: desk tag N... +TAG|-TAG...");
	g_ptr_array_add(changes, NULL);
	if (rc < 0)
		rc = apply_tickets(store_dir, "tag", as, tickets, decide, changes->pdata);
	g_array_unref(tickets);
	g_ptr_array_unref(changes);
	g_free(as);
	return rc;
}
