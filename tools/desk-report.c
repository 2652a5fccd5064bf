/* desk-report.c: desk report: the desk's figures for a period, from the
 * stored messages and events alone (lib/store/report.h), as text, CSV,
 * JSON or an HTML page. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "desk.h"
#include "index.h"
#include "output.h"
#include "report-out.h"
#include "when.h"

typedef struct report_args {
	char *since, *until, *queue, *agent, *by, *format, *html, *mail, *hours;
	gboolean weekly, monthly;
} report_args;

static void
args_clear(report_args *a)
{
	g_free(a->since);
	g_free(a->until);
	g_free(a->queue);
	g_free(a->agent);
	g_free(a->by);
	g_free(a->format);
	g_free(a->html);
	g_free(a->mail);
	g_free(a->hours);
}

/* OPTS from A (CFG: the desk's); 0 or the exit code. */
static int
opts_of(const report_args *a, const desk_config *cfg, report_opts *o)
{
	const char *tz = cfg->timezone;
	gint64 now = desk_now();
	const char *f = a->format;

	o->queue = a->queue;
	o->agent = a->agent;
	o->by = a->by;
	o->timezone = tz;
	o->cfg = cfg;
	if (a->hours != NULL && strcmp(a->hours, "business") != 0 && strcmp(a->hours, "wall") != 0)
		return desk_error(DESK_USAGE, "report: --hours %s: not business or wall", a->hours);
	o->business = a->hours != NULL && strcmp(a->hours, "business") == 0;
	if ((a->weekly || a->monthly) && (a->since != NULL || a->until != NULL || (a->weekly && a->monthly)))
		return desk_error(DESK_USAGE, "report: --weekly and --monthly are periods of their own: "
				  "one of them, without --since or --until");
	if (a->weekly || a->monthly)
		report_last_period(now, tz, a->monthly, &o->since, &o->until);
	if (a->since != NULL && !when_parse(a->since, now, &o->since))
		return desk_error(DESK_USAGE, "report: --since %s: not a date, a time or an age such as 7d", a->since);
	if (a->until != NULL && !when_parse(a->until, now, &o->until))
		return desk_error(DESK_USAGE, "report: --until %s: not a date, a time or an age such as 7d", a->until);
	if (o->until != 0 && o->until <= o->since)
		return desk_error(DESK_USAGE, "report: --until is not after --since");
	if (o->by != NULL && !report_by_valid(o->by))
		return desk_error(DESK_USAGE, "report: --by %s: not day, week, month, queue, agent or tag", o->by);
	if (f != NULL && strcmp(f, "text") != 0 && strcmp(f, "csv") != 0 && strcmp(f, "json") != 0)
		return desk_error(DESK_USAGE, "report: --format %s: not text, csv or json", f);
	return 0;
}

/* Where to mail the report: --mail, else report_to for --weekly and
 * --monthly; NULL: print it. */
static const char *
mail_to(const report_args *a, desk_store *st)
{
	if (a->mail != NULL)
		return a->mail;
	if ((a->weekly || a->monthly) && *st->cfg->report_to != '\0')
		return st->cfg->report_to;
	return NULL;
}

static int
print_report(const report_args *a, desk_store *st, const report *r)
{
	GError *gerr = NULL;
	const char *to = mail_to(a, st);
	desk_err err = { 0 };

	if (to != NULL) {
		if (report_mail(st, r, a->by, to, &err) != DESK_OK)
			return desk_error(err.status, "report: %s", err.msg);
		if (a->html == NULL && a->format == NULL)
			return 0;
	}

	if (a->html != NULL && !report_write_html(r, a->html, &gerr)) {
		int rc = desk_error(DESK_TEMPFAIL, "report: %s: %s", a->html, gerr->message);

		g_error_free(gerr);
		return rc;
	}
	if (a->format == NULL && a->html != NULL)
		return 0;
	if (a->format == NULL || strcmp(a->format, "text") == 0)
		report_print_text(stdout, r, a->by);
	else if (strcmp(a->format, "csv") == 0)
		report_print_csv(stdout, r);
	else
		out_json(report_json(r));
	return fflush(stdout) == 0 ? 0 : desk_error(DESK_TEMPFAIL, "report: cannot write: %s", g_strerror(errno));
}

int
verb_report(const char *store_dir, int argc, char **argv)
{
	report_args a = { 0 };
	GOptionEntry entries[] = {
		{ "since", 0, 0, G_OPTION_ARG_STRING, &a.since, "The period starts at WHEN (default: the beginning)",
		  "WHEN" },
		{ "until", 0, 0, G_OPTION_ARG_STRING, &a.until, "The period ends before WHEN (default: now)", "WHEN" },
		{ "queue", 'q', 0, G_OPTION_ARG_STRING, &a.queue, "Only tickets in queue Q", "Q" },
		{ "agent", 'a', 0, G_OPTION_ARG_STRING, &a.agent, "Only tickets agent LOGIN owns", "LOGIN" },
		{ "by", 0, 0, G_OPTION_ARG_STRING, &a.by, "Figures (satisfaction too) per day, week, month, queue, agent or tag", "KEY" },
		{ "hours", 0, 0, G_OPTION_ARG_STRING, &a.hours,
		  "Durations in wall-clock time (default) or business hours of the SLA calendars", "wall|business" },
		{ "format", 'f', 0, G_OPTION_ARG_STRING, &a.format, "text (default), csv or json", "FMT" },
		{ "html", 0, 0, G_OPTION_ARG_FILENAME, &a.html, "Write a self-contained HTML page with charts to FILE",
		  "FILE" },
		{ "mail", 0, 0, G_OPTION_ARG_STRING, &a.mail, "Mail the report (text, the HTML page attached) to ADDR",
		  "ADDR" },
		{ "weekly", 0, 0, G_OPTION_ARG_NONE, &a.weekly,
		  "The last whole week (Monday to Monday); mailed to report_to without --mail", NULL },
		{ "monthly", 0, 0, G_OPTION_ARG_NONE, &a.monthly,
		  "The last whole calendar month; mailed to report_to without --mail", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	report_opts o = { 0 };
	desk_store *st = NULL;
	notmuch_database_t *db = NULL;
	report *r = NULL;
	desk_err err = { 0 };
	desk_status s;
	int rc = desk_parse("report", "",
			    "The desk's figures for a period: volume, response and resolution times,\n"
			    "first-contact resolution, reopens, backlog and backlog over time, SLA\n"
			    "attainment, KB deflection, per agent. Computed from the stored messages\n"
			    "and events alone; see desk-report(1) for each definition.",
			    entries, &argc, &argv);

	if (rc >= 0)
		goto out;
	if (argc > 1) {
		rc = desk_error(DESK_USAGE, "report: unexpected argument %s (see desk report --help)", argv[1]);
		goto out;
	}
	if ((rc = desk_open_store(store_dir, &st)) != 0 || (rc = opts_of(&a, st->cfg, &o)) != 0)
		goto out;
	s = index_open(st, FALSE, &db, &err);
	if (s == DESK_OK)
		s = report_compute(db, &o, &r, &err);
	if (s != DESK_OK) {
		rc = desk_error(s, "report: %s", err.msg);
		goto out;
	}
	rc = print_report(&a, st, r);
out:
	report_free(r);
	if (db != NULL)
		notmuch_database_destroy(db);
	desk_close_store(st);
	args_clear(&a);
	return rc;
}
