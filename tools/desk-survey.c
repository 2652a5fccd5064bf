/* desk-survey.c: desk survey: send the satisfaction surveys that are due,
 * and the requesters who asked for none (doc/desk-survey.1). */
#include <stdio.h>
#include <string.h>

#include "desk.h"
#include "survey-send.h"
#include "survey.h"
#include "term.h"

static int
survey_send(desk_store *st, gboolean dry_run)
{
	GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
	desk_err err = { 0 };
	guint n = 0;
	desk_status s = survey_send_due(st, dry_run, lines, &n, &err);

	for (guint i = 0; i < lines->len; i++) {
		char *safe = term_safe(lines->pdata[i], TERM_LINE);

		printf("%s\n", safe);
		g_free(safe);
	}
	g_ptr_array_unref(lines);
	if (s != DESK_OK)
		return desk_error(s, "survey send: %s", err.msg);
	if (!st->cfg->survey_enabled)
		desk_warn("survey send: surveys are off ([survey] enabled = false in maildesk.conf)");
	return 0;
}

/* desk survey optout|optin ADDR...: each address on or off the list. */
static int
survey_list_change(desk_store *st, gboolean add, int argc, char **argv)
{
	int rc = 0;

	for (int i = 2; i < argc; i++) {
		desk_err err = { 0 };
		gboolean changed = FALSE;
		desk_status s = survey_optout_change(st, argv[i], add, &changed, &err);

		if (s != DESK_OK)
			rc = desk_error(s, "survey %s: %s", add ? "optout" : "optin", err.msg);
		else
			printf("%s: %s%s\n", argv[i], add ? "no surveys" : "surveys again", changed ? "" : " (already)");
	}
	return rc;
}

static int
survey_optouts(desk_store *st)
{
	char **list = survey_optout_list(st);

	for (char **a = list; *a != NULL; a++) {
		char *safe = term_safe(*a, TERM_LINE);

		printf("%s\n", safe);
		g_free(safe);
	}
	g_strfreev(list);
	return 0;
}

int
verb_survey(const char *store_dir, int argc, char **argv)
{
	gboolean dry_run = FALSE;
	GOptionEntry entries[] = {
		{ "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run, "send: print what would be sent, send nothing", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	desk_store *st = NULL;
	const char *sub;
	int rc = desk_parse("survey", "send | optout ADDR... | optin ADDR... | optouts",
			    "Satisfaction surveys ([survey] of maildesk.conf). send: mail the survey of\n"
			    "each ticket solved survey.delay_hours ago, once per ticket (desk autoclose\n"
			    "does it too). optout, optin: put addresses on or off the list of\n"
			    "requesters who get no survey. optouts: print that list.",
			    entries, &argc, &argv);

	if (rc >= 0)
		return rc;
	sub = argc >= 2 ? argv[1] : "";
	if (!((strcmp(sub, "send") == 0 && argc == 2) || (strcmp(sub, "optouts") == 0 && argc == 2) ||
	      ((strcmp(sub, "optout") == 0 || strcmp(sub, "optin") == 0) && argc >= 3)))
		return desk_error(DESK_USAGE, "survey: usage: desk survey send [--dry-run] | optout ADDR... | "
				  "optin ADDR... | optouts");
	if ((rc = desk_open_store(store_dir, &st)) != 0)
		return rc;
	if (strcmp(sub, "send") == 0)
		rc = survey_send(st, dry_run);
	else if (strcmp(sub, "optouts") == 0)
		rc = survey_optouts(st);
	else
		rc = survey_list_change(st, strcmp(sub, "optout") == 0, argc, argv);
	desk_close_store(st);
	return rc;
}
