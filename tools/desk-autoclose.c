/* desk-autoclose.c: desk autoclose: solved tickets become closed after the
 * cool-off (autoclose_hours), by an event of the system. Idempotent; meant
 * for a systemd timer or cron (contrib/systemd/maildesk-autoclose.*). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "change.h"
#include "clock.h"
#include "desk.h"
#include "output.h"
#include "survey-send.h"
#include "term.h"

/* Close (or with DRY_RUN only name) the solved tickets solved before
 * BEFORE; *closed gets how many. */
static desk_status
autoclose(desk_store *st, gint64 before, int hours, gboolean dry_run, guint *closed, desk_err *err)
{
	ticket_filter f = { .statuses = "solved", .sort = SORT_AGE };
	GPtrArray *tickets = NULL;
	desk_change *c = NULL;
	desk_status s = change_begin(st, &c, err);

	*closed = 0;
	if (s == DESK_OK)
		s = ticket_list(change_db(c), &f, &tickets, NULL, err);
	for (guint i = 0; s == DESK_OK && i < tickets->len; i++) {
		const ticket_info *t = tickets->pdata[i];
		char *when, *line;

		if (t->solved_at == 0 || t->solved_at > before)
			continue;
		when = out_iso8601(t->solved_at);
		line = g_strdup_printf("closed automatically, solved for %d hours or more", hours);
		if (!dry_run) {
			xset *set = xset_new();

			xset_add(set, "status", "closed");
			s = change_event(c, t, NULL, "status", set, line, err);
			xset_free(set);
		}
		if (s == DESK_OK) {
			printf("%u: %s (solved %s)\n", t->number, dry_run ? "would close" : "closed", when);
			(*closed)++;
		}
		g_free(line);
		g_free(when);
	}
	if (tickets != NULL)
		g_ptr_array_unref(tickets);
	return change_finish(c, s, err);
}

/* The satisfaction surveys that are due (survey.enabled, desk-survey(1)). */
static desk_status
surveys(desk_store *st, gboolean dry_run, desk_err *err)
{
	GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
	guint n = 0;
	desk_status s = survey_send_due(st, dry_run, lines, &n, err);

	for (guint i = 0; i < lines->len; i++) {
		char *safe = term_safe(lines->pdata[i], TERM_LINE);

		printf("%s\n", safe);
		g_free(safe);
	}
	g_ptr_array_unref(lines);
	return s;
}

int
verb_autoclose(const char *store_dir, int argc, char **argv)
{
	gboolean dry_run = FALSE;
	int hours = -1;
	GOptionEntry entries[] = {
		{ "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run, "Print what would be closed, change nothing", NULL },
		{ "hours", 0, 0, G_OPTION_ARG_INT, &hours, "Close tickets solved this many hours ago or more (default: autoclose_hours)", "H" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	desk_store *st = NULL;
	desk_err err = { 0 };
	guint closed = 0;
	desk_status s;
	int rc = desk_parse("autoclose", "", "Close the tickets that have been solved for autoclose_hours\n"
			    "(maildesk.conf, default 72) or more, and send the satisfaction surveys\n"
			    "that are due (survey.enabled, desk-survey(1)). Run it from a timer; a\n"
			    "second run closes and sends nothing new.", entries, &argc, &argv);

	if (rc >= 0)
		return rc;
	if (argc > 1)
		return desk_error(DESK_USAGE, "autoclose takes no arguments (see desk autoclose --help)");
	if (hours < -1 || hours > 24 * 365 * 100)
		return desk_error(DESK_USAGE, "autoclose: --hours must be from 0 to %d", 24 * 365 * 100);
	if ((rc = desk_open_store(store_dir, &st)) != 0)
		return rc;
	if (hours < 0)
		hours = MAX(st->cfg->autoclose_hours, 0);
	s = autoclose(st, desk_now() - (gint64)hours * 3600, hours, dry_run, &closed, &err);
	if (s == DESK_OK)
		s = surveys(st, dry_run, &err);
	desk_close_store(st);
	if (s != DESK_OK)
		return desk_error(s, "autoclose: %s", err.msg);
	return 0;
}
