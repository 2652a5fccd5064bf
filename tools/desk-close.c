/* desk-close.c: desk close N: the ticket is solved (closed after the
 * cool-off, by desk autoclose); with --template, a closing mail from that
 * template goes to the requester (the reply machinery, status solved). */
#include "apply.h"
#include "desk.h"
#include "reply.h"

static desk_status
decide(desk_change *c, const ticket_info *t, const desk_agent *me, void *ud, apply_event *ev, desk_err *err)
{
	(void)c;
	(void)ud;
	return status_decide(t, me, "solved", ev, err);
}

/* Each ticket solved by a reply from template TPL. */
static int
close_with_template(const char *store_dir, const char *as, GArray *tickets, const char *tpl, gboolean force)
{
	desk_store *st = NULL;
	const desk_agent *me = NULL;
	int rc = desk_open_as(store_dir, "close", as, &st, &me);

	if (rc != 0)
		return rc;
	for (guint i = 0; i < tickets->len; i++) {
		reply_opts o = { NULL, tpl, FALSE, NULL, NULL, force, "solved", FALSE, NULL, FALSE };
		int one = reply_run(st, me, g_array_index(tickets, guint, i), &o);

		if (rc == 0)
			rc = one;
	}
	desk_close_store(st);
	return rc;
}

int
verb_close(const char *store_dir, int argc, char **argv)
{
	char *as = NULL, *tpl = NULL;
	gboolean force = FALSE;
	GOptionEntry entries[] = {
		APPLY_AS_OPTION(as),
		{ "template", 't', 0, G_OPTION_ARG_STRING, &tpl, "Also mail the requester template NAME (e.g. close)", "NAME" },
		{ "force", 'f', 0, G_OPTION_ARG_NONE, &force, "With --template: send even if the requester wrote since you last looked", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	GArray *tickets = NULL;
	int rc = desk_parse("close", "N...", "Mark tickets solved; desk autoclose closes them after\n"
			    "desk.autoclose_hours. --template NAME also mails the requester.", entries, &argc, &argv);

	if (rc < 0 && (tickets = apply_ticket_args("close", argc, argv, 1)) == NULL)
		rc = 64;
	if (rc < 0 && tpl != NULL)
		rc = close_with_template(store_dir, as, tickets, tpl, force);
	else if (rc < 0)
		rc = apply_tickets(store_dir, "close", as, tickets, decide, NULL);
	if (tickets != NULL)
		g_array_unref(tickets);
	g_free(as);
	g_free(tpl);
	return rc;
}
