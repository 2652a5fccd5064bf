/* report-out.c: desk report as aligned text, CSV and JSON (report-out.h).
 * Durations are seconds in CSV and JSON, readable in text. */
#include <string.h>

#include "output.h"
#include "report-out.h"

char *
report_duration(double seconds)
{
	gint64 s = (gint64)(seconds + 0.5);

	if (s < 60)
		return g_strdup_printf("%" G_GINT64_FORMAT "s", s);
	if (s < 3600)
		return g_strdup_printf("%" G_GINT64_FORMAT "m%02" G_GINT64_FORMAT "s", s / 60, s % 60);
	if (s < 86400)
		return g_strdup_printf("%" G_GINT64_FORMAT "h%02" G_GINT64_FORMAT "m", s / 3600, s % 3600 / 60);
	return g_strdup_printf("%" G_GINT64_FORMAT "d%02" G_GINT64_FORMAT "h", s / 86400, s % 86400 / 3600);
}

static unsigned
percent(guint part, guint whole)
{
	return whole > 0 ? (unsigned)((200u * part + whole) / (2u * whole)) : 0;
}

/* "n=N  mean M  median D  p90 P", or "none". */
static void
print_stat(FILE *out, const char *name, const report_stat *st, const char *extra)
{
	char *m = report_duration(st->mean), *d = report_duration(st->median), *p = report_duration(st->p90);

	if (st->n == 0)
		fprintf(out, "%-26s none%s\n", name, extra);
	else
		fprintf(out, "%-26s n=%-5u mean %-7s median %-7s p90 %s%s\n", name, st->n, m, d, p, extra);
	g_free(m);
	g_free(d);
	g_free(p);
}

static void
print_figures(FILE *out, const report_figures *f)
{
	char *extra = g_strdup_printf("  (%u unanswered, %u dated before the question)", f->unanswered, f->skewed);

	fprintf(out, "%-26s %u\n", "Tickets opened", f->opened);
	print_stat(out, "First response", &f->first_response, extra);
	print_stat(out, "Next response", &f->next_response, "");
	print_stat(out, "Resolution", &f->resolution, "");
	fprintf(out, "%-26s %u of %u solved (%u%%)\n", "First-contact resolution", f->fcr, f->solved,
		percent(f->fcr, f->solved));
	fprintf(out, "%-26s %u of %u solved (%u%%)\n", "Reopened", f->reopened, f->solved_any,
		percent(f->reopened, f->solved_any));
	fprintf(out, "%-26s %u", "Backlog at the end", f->backlog);
	for (guint i = 0; i < REPORT_AGES; i++)
		fprintf(out, "%s%s %u", i ? ", " : ":  ", report_age_names[i], f->aging[i]);
	fputc('\n', out);
	g_free(extra);
}

static void
print_counts(FILE *out, const char *name, GPtrArray *counts)
{
	fprintf(out, "\nVolume by %s\n", name);
	if (counts->len == 0)
		fprintf(out, "  (none)\n");
	for (guint i = 0; i < counts->len; i++) {
		const report_count *c = counts->pdata[i];

		fprintf(out, "  %-30s %6u\n", out_safe(c->key), c->n);
	}
}

static void
print_agents(FILE *out, GPtrArray *agents)
{
	fprintf(out, "\nAgents\n  %-20s %8s %8s %8s  %s\n", "AGENT", "HANDLED", "REPLIES", "SOLVED",
		"MEDIAN FIRST RESPONSE");
	if (agents->len == 0)
		fprintf(out, "  (none)\n");
	for (guint i = 0; i < agents->len; i++) {
		const report_agent *a = agents->pdata[i];
		char *d = a->first_response.n ? report_duration(a->first_response.median) : g_strdup("-");

		fprintf(out, "  %-20s %8u %8u %8u  %s\n", out_safe(a->login), a->handled, a->replies, a->solved, d);
		g_free(d);
	}
}

static void
print_groups(FILE *out, GPtrArray *groups, const char *by)
{
	fprintf(out, "\nBy %s\n  %-20s %7s %7s %7s %-10s %-10s\n", by, "KEY", "OPENED", "SOLVED", "BACKLOG",
		"MED.FIRST", "MED.RESOL");
	for (guint i = 0; i < groups->len; i++) {
		const report_group *g = groups->pdata[i];
		char *fr = g->fig.first_response.n ? report_duration(g->fig.first_response.median) : g_strdup("-");
		char *rs = g->fig.resolution.n ? report_duration(g->fig.resolution.median) : g_strdup("-");

		fprintf(out, "  %-20s %7u %7u %7u %-10s %-10s\n", out_safe(g->key), g->fig.opened, g->fig.solved,
			g->fig.backlog, fr, rs);
		report_csat_group_text(out, g->csat);
		g_free(fr);
		g_free(rs);
	}
}

static char *
trend_tickets(const report_trend *t)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < t->tickets->len; i++)
		g_string_append_printf(s, "%s%u", i ? " " : "", g_array_index(t->tickets, guint, i));
	return g_string_free(s, FALSE);
}

static void
print_trends(FILE *out, GPtrArray *trends)
{
	fprintf(out, "\nRising topics (the last 7 days against the 7 before)\n  %-30s %5s %5s  %s\n", "TOPIC", "LAST",
		"PREV", "TICKETS");
	if (trends->len == 0)
		fprintf(out, "  (none)\n");
	for (guint i = 0; i < trends->len; i++) {
		const report_trend *t = trends->pdata[i];
		char *k = g_strconcat(t->kind, ":", t->key, NULL), *n = trend_tickets(t);

		fprintf(out, "  %-30s %5u %5u  %s\n", out_safe(k), t->last, t->prev, n);
		g_free(k);
		g_free(n);
	}
}

static void
print_sla(FILE *out, const report *r)
{
	if (!r->sla_configured) {
		fprintf(out, "%-26s not available: %s\n", "SLA attainment", REPORT_SLA_NONE);
		return;
	}
	fprintf(out, "\nSLA attainment (cycles begun in the period)\n  %-20s %-15s %6s %8s %7s  %s\n", "POLICY",
		"TARGET", "MET", "BREACHED", "PENDING", "ATTAINED");
	for (guint i = 0; i < r->sla->len; i++) {
		const report_sla *a = r->sla->pdata[i];
		char *pct = a->attained >= 0 ? g_strdup_printf("%.1f%%", a->attained) : g_strdup("-");

		fprintf(out, "  %-20s %-15s %6u %8u %7u  %s\n", out_safe(a->policy), a->target, a->met, a->breached,
			a->pending, pct);
		g_free(pct);
	}
}

static void
print_deflection(FILE *out, const report_deflection *d)
{
	fprintf(out, "\nKB deflection (solved with no agent reply)\n");
	fprintf(out, "  %-30s %u of %u (%.1f%%)\n", "acknowledgement offered KB", d->offered_deflected, d->offered,
		d->offered_rate);
	fprintf(out, "  %-30s %u of %u (%.1f%%)\n", "acknowledgement offered none", d->plain_deflected, d->plain,
		d->plain_rate);
}

static void
print_series(FILE *out, const report *r)
{
	fprintf(out, "\nBacklog over time (at the end of each %s)\n  %-12s %7s", r->backlog_unit, "END OF",
		"BACKLOG");
	for (guint i = 0; i < REPORT_AGES; i++)
		fprintf(out, " %6s", report_age_names[i]);
	fputc('\n', out);
	if (r->backlog_series->len == 0)
		fprintf(out, "  (none)\n");
	for (guint i = 0; i < r->backlog_series->len; i++) {
		const report_point *p = r->backlog_series->pdata[i];

		fprintf(out, "  %-12s %7u", p->key, p->backlog);
		for (guint k = 0; k < REPORT_AGES; k++)
			fprintf(out, " %6u", p->aging[k]);
		fputc('\n', out);
	}
}

/* "Incidents": each burst of similar new tickets recorded in the period
 * (desk triage incidents), a problem of the desk. */
static void
print_incidents(FILE *out, GPtrArray *incidents)
{
	fprintf(out, "\n%-26s %u\n", "Incidents", incidents != NULL ? incidents->len : 0);
	for (guint i = 0; incidents != NULL && i < incidents->len; i++) {
		const incident *inc = incidents->pdata[i];
		char *when = out_iso8601(inc->time);

		fprintf(out, "  %s  #%u:", when, inc->first);
		for (guint k = 0; k < inc->tickets->len; k++)
			fprintf(out, " #%u", g_array_index(inc->tickets, guint, k));
		fprintf(out, "\n");
		g_free(when);
	}
}

void
report_print_text(FILE *out, const report *r, const char *by)
{
	char *s = r->since > 0 ? out_iso8601(r->since) : g_strdup("the beginning"), *u = out_iso8601(r->until);

	fprintf(out, "Report from %s to %s\n", s, u);
	fprintf(out, "Durations in %s\n\n", strcmp(r->hours, "business") == 0 ? "business hours" : "wall-clock time");
	print_figures(out, &r->all);
	fprintf(out, "%-26s %u spam, %u merged, %u purged\n", "Left out", r->spam, r->merged, r->purged);
	print_sla(out, r);
	print_deflection(out, &r->deflection);
	print_series(out, r);
	for (guint v = 0; v < VOL_N; v++)
		print_counts(out, report_vol_names[v], r->volume[v]);
	report_csat_text(out, r);
	print_agents(out, r->agents);
	print_trends(out, r->trends);
	print_incidents(out, r->incidents);
	if (r->groups != NULL)
		print_groups(out, r->groups, by);
	g_free(s);
	g_free(u);
}

/* A CSV field: quoted when it holds a comma, a quote or a line break. */
static void
csv_field(FILE *out, const char *v)
{
	if (strpbrk(v, ",\"\r\n") == NULL) {
		fputs(v, out);
		return;
	}
	fputc('"', out);
	for (; *v != '\0'; v++) {
		if (*v == '"')
			fputc('"', out);
		fputc(*v, out);
	}
	fputc('"', out);
}

void
report_csv_row(FILE *out, const char *section, const char *key, const char *figure, double value)
{
	csv_field(out, section);
	fputc(',', out);
	csv_field(out, key);
	fprintf(out, ",%s,%.10g\n", figure, value);
}

static void
csv_stat(FILE *out, const char *section, const char *key, const char *name, const report_stat *st)
{
	char *f[4] = { g_strconcat(name, "_count", NULL), g_strconcat(name, "_mean", NULL),
		       g_strconcat(name, "_median", NULL), g_strconcat(name, "_p90", NULL) };

	report_csv_row(out, section, key, f[0], st->n);
	report_csv_row(out, section, key, f[1], st->mean);
	report_csv_row(out, section, key, f[2], st->median);
	report_csv_row(out, section, key, f[3], st->p90);
	for (int i = 0; i < 4; i++)
		g_free(f[i]);
}

static void
csv_figures(FILE *out, const char *section, const char *key, const report_figures *f)
{
	report_csv_row(out, section, key, "opened", f->opened);
	csv_stat(out, section, key, "first_response", &f->first_response);
	report_csv_row(out, section, key, "unanswered", f->unanswered);
	report_csv_row(out, section, key, "skewed", f->skewed);
	csv_stat(out, section, key, "next_response", &f->next_response);
	csv_stat(out, section, key, "resolution", &f->resolution);
	report_csv_row(out, section, key, "solved", f->solved);
	report_csv_row(out, section, key, "fcr", f->fcr);
	report_csv_row(out, section, key, "solved_any", f->solved_any);
	report_csv_row(out, section, key, "reopened", f->reopened);
	report_csv_row(out, section, key, "backlog", f->backlog);
	for (guint i = 0; i < REPORT_AGES; i++) {
		char *n = g_strconcat("backlog_", report_age_names[i], NULL);

		report_csv_row(out, section, key, n, f->aging[i]);
		g_free(n);
	}
}

/* The SLA, KB deflection and backlog over time rows. */
static void
csv_more(FILE *out, const report *r)
{
	char *section = g_strconcat("backlog_", r->backlog_unit, NULL);
	const report_deflection *d = &r->deflection;

	for (guint i = 0; i < r->sla->len; i++) {
		const report_sla *a = r->sla->pdata[i];
		char *k = g_strconcat(a->policy, "/", a->target, NULL);

		report_csv_row(out, "sla", k, "met", a->met);
		report_csv_row(out, "sla", k, "breached", a->breached);
		report_csv_row(out, "sla", k, "pending", a->pending);
		if (a->attained >= 0)
			report_csv_row(out, "sla", k, "attained_percent", a->attained);
		g_free(k);
	}
	report_csv_row(out, "kb_deflection", "offered", "tickets", d->offered);
	report_csv_row(out, "kb_deflection", "offered", "deflected", d->offered_deflected);
	report_csv_row(out, "kb_deflection", "offered", "rate_percent", d->offered_rate);
	report_csv_row(out, "kb_deflection", "not_offered", "tickets", d->plain);
	report_csv_row(out, "kb_deflection", "not_offered", "deflected", d->plain_deflected);
	report_csv_row(out, "kb_deflection", "not_offered", "rate_percent", d->plain_rate);
	report_csv_row(out, "incidents", "", "count", r->incidents != NULL ? r->incidents->len : 0);
	for (guint i = 0; r->incidents != NULL && i < r->incidents->len; i++) {
		const incident *inc = r->incidents->pdata[i];
		char k[16];

		snprintf(k, sizeof k, "%u", inc->first);
		report_csv_row(out, "incident", k, "tickets", inc->tickets->len);
	}
	for (guint i = 0; i < r->backlog_series->len; i++) {
		const report_point *p = r->backlog_series->pdata[i];

		report_csv_row(out, section, p->key, "backlog", p->backlog);
		for (guint k = 0; k < REPORT_AGES; k++) {
			char *n = g_strconcat("backlog_", report_age_names[k], NULL);

			report_csv_row(out, section, p->key, n, p->aging[k]);
			g_free(n);
		}
	}
	g_free(section);
}

void
report_print_csv(FILE *out, const report *r)
{
	fprintf(out, "section,key,figure,value\n");
	report_csv_row(out, "period", "", "since", (double)r->since);
	report_csv_row(out, "period", "", "until", (double)r->until);
	report_csv_row(out, "period", "", strcmp(r->hours, "business") == 0 ? "hours_business" : "hours_wall", 1);
	csv_figures(out, "all", "", &r->all);
	report_csv_row(out, "left_out", "", "spam", r->spam);
	report_csv_row(out, "left_out", "", "merged", r->merged);
	report_csv_row(out, "left_out", "", "purged", r->purged);
	report_csat_csv(out, r);
	for (guint v = 0; v < VOL_N; v++) {
		char *section = g_strconcat("volume_", report_vol_names[v], NULL);

		for (guint i = 0; i < r->volume[v]->len; i++) {
			const report_count *c = r->volume[v]->pdata[i];

			report_csv_row(out, section, c->key, "tickets", c->n);
		}
		g_free(section);
	}
	for (guint i = 0; i < r->agents->len; i++) {
		const report_agent *a = r->agents->pdata[i];

		report_csv_row(out, "agent", a->login, "handled", a->handled);
		report_csv_row(out, "agent", a->login, "replies", a->replies);
		report_csv_row(out, "agent", a->login, "solved", a->solved);
		csv_stat(out, "agent", a->login, "first_response", &a->first_response);
	}
	for (guint i = 0; r->groups != NULL && i < r->groups->len; i++) {
		const report_group *g = r->groups->pdata[i];

		csv_figures(out, "group", g->key, &g->fig);
		report_csat_group_csv(out, g->key, g->csat);
	}
	for (guint i = 0; i < r->trends->len; i++) {
		const report_trend *t = r->trends->pdata[i];
		char *k = g_strconcat(t->kind, ":", t->key, NULL);

		report_csv_row(out, "trend", k, "last", t->last);
		report_csv_row(out, "trend", k, "prev", t->prev);
		g_free(k);
	}
	csv_more(out, r);
}

static void
json_uint(JsonBuilder *b, const char *name, guint v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, v);
}

/* Member NAME: the numbers of TICKETS (GArray of guint). */
static void
json_tickets(JsonBuilder *b, const char *name, const GArray *tickets)
{
	json_builder_set_member_name(b, name);
	json_builder_begin_array(b);
	for (guint i = 0; i < tickets->len; i++)
		json_builder_add_int_value(b, g_array_index(tickets, guint, i));
	json_builder_end_array(b);
}

static void
json_stat(JsonBuilder *b, const char *name, const report_stat *st)
{
	json_builder_set_member_name(b, name);
	json_builder_begin_object(b);
	json_uint(b, "count", st->n);
	json_builder_set_member_name(b, "mean");
	json_builder_add_double_value(b, st->mean);
	json_builder_set_member_name(b, "median");
	json_builder_add_double_value(b, st->median);
	json_builder_set_member_name(b, "p90");
	json_builder_add_double_value(b, st->p90);
	json_builder_end_object(b);
}

static void
json_figures(JsonBuilder *b, const report_figures *f)
{
	json_uint(b, "opened", f->opened);
	json_stat(b, "first_response", &f->first_response);
	json_uint(b, "unanswered", f->unanswered);
	json_uint(b, "skewed", f->skewed);
	json_stat(b, "next_response", &f->next_response);
	json_stat(b, "resolution", &f->resolution);
	json_uint(b, "solved", f->solved);
	json_uint(b, "fcr", f->fcr);
	json_uint(b, "solved_any", f->solved_any);
	json_uint(b, "reopened", f->reopened);
	json_builder_set_member_name(b, "backlog");
	json_builder_begin_object(b);
	json_uint(b, "total", f->backlog);
	for (guint i = 0; i < REPORT_AGES; i++)
		json_uint(b, report_age_names[i], f->aging[i]);
	json_builder_end_object(b);
}

static void
json_volume(JsonBuilder *b, const report *r)
{
	json_builder_set_member_name(b, "volume");
	json_builder_begin_object(b);
	for (guint v = 0; v < VOL_N; v++) {
		json_builder_set_member_name(b, report_vol_names[v]);
		json_builder_begin_object(b);
		for (guint i = 0; i < r->volume[v]->len; i++) {
			const report_count *c = r->volume[v]->pdata[i];

			json_uint(b, c->key, c->n);
		}
		json_builder_end_object(b);
	}
	json_builder_end_object(b);
}

static void
json_agents(JsonBuilder *b, GPtrArray *agents)
{
	json_builder_set_member_name(b, "agents");
	json_builder_begin_array(b);
	for (guint i = 0; i < agents->len; i++) {
		const report_agent *a = agents->pdata[i];

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "agent");
		json_builder_add_string_value(b, a->login);
		json_uint(b, "handled", a->handled);
		json_uint(b, "replies", a->replies);
		json_uint(b, "solved", a->solved);
		json_stat(b, "first_response", &a->first_response);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

static void
json_groups(JsonBuilder *b, GPtrArray *groups)
{
	json_builder_set_member_name(b, "groups");
	if (groups == NULL) {
		json_builder_add_null_value(b);
		return;
	}
	json_builder_begin_array(b);
	for (guint i = 0; i < groups->len; i++) {
		const report_group *g = groups->pdata[i];

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "key");
		json_builder_add_string_value(b, g->key);
		json_figures(b, &g->fig);
		report_csat_group_json(b, g->csat);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

static void
json_trends(JsonBuilder *b, GPtrArray *trends)
{
	json_builder_set_member_name(b, "trends");
	json_builder_begin_array(b);
	for (guint i = 0; i < trends->len; i++) {
		const report_trend *t = trends->pdata[i];

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "kind");
		json_builder_add_string_value(b, t->kind);
		json_builder_set_member_name(b, "key");
		json_builder_add_string_value(b, t->key);
		json_uint(b, "last", t->last);
		json_uint(b, "prev", t->prev);
		json_tickets(b, "tickets", t->tickets);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

static void
json_double(JsonBuilder *b, const char *name, double v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_double_value(b, v);
}

static void
json_sla(JsonBuilder *b, const report *r)
{
	json_builder_set_member_name(b, "sla");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "available");
	json_builder_add_boolean_value(b, r->sla_configured);
	if (!r->sla_configured)
		out_json_string(b, "why", REPORT_SLA_NONE);
	json_builder_set_member_name(b, "targets");
	json_builder_begin_array(b);
	for (guint i = 0; i < r->sla->len; i++) {
		const report_sla *a = r->sla->pdata[i];

		json_builder_begin_object(b);
		out_json_string(b, "policy", a->policy);
		out_json_string(b, "target", a->target);
		json_uint(b, "met", a->met);
		json_uint(b, "breached", a->breached);
		json_uint(b, "pending", a->pending);
		json_builder_set_member_name(b, "attained");
		if (a->attained >= 0)
			json_builder_add_double_value(b, a->attained);
		else
			json_builder_add_null_value(b);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
}

static void
json_deflection(JsonBuilder *b, const report_deflection *d)
{
	json_builder_set_member_name(b, "kb_deflection");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "offered");
	json_builder_begin_object(b);
	json_uint(b, "tickets", d->offered);
	json_uint(b, "deflected", d->offered_deflected);
	json_double(b, "rate", d->offered_rate);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "not_offered");
	json_builder_begin_object(b);
	json_uint(b, "tickets", d->plain);
	json_uint(b, "deflected", d->plain_deflected);
	json_double(b, "rate", d->plain_rate);
	json_builder_end_object(b);
	json_builder_end_object(b);
}

static void
json_series(JsonBuilder *b, const report *r)
{
	json_builder_set_member_name(b, "backlog_over_time");
	json_builder_begin_object(b);
	out_json_string(b, "by", r->backlog_unit);
	json_builder_set_member_name(b, "points");
	json_builder_begin_array(b);
	for (guint i = 0; i < r->backlog_series->len; i++) {
		const report_point *p = r->backlog_series->pdata[i];

		json_builder_begin_object(b);
		out_json_string(b, "key", p->key);
		out_json_time(b, "at", p->at);
		json_uint(b, "total", p->backlog);
		for (guint k = 0; k < REPORT_AGES; k++)
			json_uint(b, report_age_names[k], p->aging[k]);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
}

static void
json_incidents(JsonBuilder *b, GPtrArray *incidents)
{
	json_builder_set_member_name(b, "incidents");
	json_builder_begin_array(b);
	for (guint i = 0; incidents != NULL && i < incidents->len; i++) {
		const incident *inc = incidents->pdata[i];

		json_builder_begin_object(b);
		json_uint(b, "ticket", inc->first);
		out_json_time(b, "time", inc->time);
		json_tickets(b, "tickets", inc->tickets);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

JsonNode *
report_json(const report *r)
{
	JsonBuilder *b = json_builder_new();
	JsonNode *n;

	json_builder_begin_object(b);
	out_json_time(b, "since", r->since);
	out_json_time(b, "until", r->until);
	out_json_string(b, "hours", r->hours);
	json_figures(b, &r->all);
	json_builder_set_member_name(b, "left_out");
	json_builder_begin_object(b);
	json_uint(b, "spam", r->spam);
	json_uint(b, "merged", r->merged);
	json_uint(b, "purged", r->purged);
	json_builder_end_object(b);
	json_sla(b, r);
	json_deflection(b, &r->deflection);
	json_series(b, r);
	json_volume(b, r);
	json_agents(b, r->agents);
	json_groups(b, r->groups);
	json_trends(b, r->trends);
	json_incidents(b, r->incidents);
	report_csat_json(b, r);
	json_builder_end_object(b);
	n = json_builder_get_root(b);
	g_object_unref(b);
	return n;
}
