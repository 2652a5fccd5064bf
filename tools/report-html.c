/* report-html.c: desk report --html: one self-contained page (no network,
 * no script, no font) whose charts are SVG drawn here: bars with their
 * values, each chart in a colour of its own. Every figure on the page
 * carries data-figure="PATH", its path in --format=json, so that a test
 * can hold the page to the JSON. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "output.h"
#include "report-out.h"

#define BAR_W 36
#define CHART_H 180

static const char style[] =
	"body{font-family:sans-serif;margin:2em;color:#222}"
	"table{border-collapse:collapse;margin:1em 0}td,th{padding:2px 10px;text-align:left}"
	"td.n{text-align:right}tr:nth-child(even){background:#f4f4f4}"
	"section{margin:2em 0}svg{display:block}.none{color:#777}";

/* Append S, escaped for HTML text and attributes. */
static void
esc(GString *out, const char *s)
{
	char *e = g_markup_escape_text(s != NULL ? s : "", -1);

	g_string_append(out, e);
	g_free(e);
}

/* A bar chart of N VALUES under LABELS, in COLOUR: svg id ID, each bar a
 * rect of class "mark" (none drawn for 0). NONE is said when N is 0. */
static void
bar_chart(GString *out, const char *id, const char *colour, const char *const *labels, const guint *values,
	  guint n, const char *none)
{
	guint max = 1, w = MAX(n * (BAR_W + 12) + 80, 240);

	if (n == 0) {
		g_string_append_printf(out, "<p class=\"none\" id=\"%s\">", id);
		esc(out, none);
		g_string_append(out, "</p>\n");
		return;
	}
	for (guint i = 0; i < n; i++)
		max = MAX(max, values[i]);
	g_string_append_printf(out, "<svg class=\"chart\" id=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\""
			       " height=\"%u\" viewBox=\"0 0 %u %u\">\n", id, w, CHART_H + 60, w, CHART_H + 60);
	g_string_append_printf(out, "<line x1=\"20\" y1=\"%u\" x2=\"%u\" y2=\"%u\" stroke=\"#888\"/>\n", CHART_H + 20,
			       w - 10, CHART_H + 20);
	for (guint i = 0; i < n; i++) {
		guint h = values[i] * CHART_H / max, x = 60 + i * (BAR_W + 12);

		if (h > 0) {
			g_string_append_printf(out, "<rect class=\"mark\" x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\""
					       " fill=\"%s\"><title>", x, CHART_H + 20 - h, BAR_W, h, colour);
			esc(out, labels[i]);
			g_string_append_printf(out, ": %u</title></rect>\n", values[i]);
		}
		g_string_append_printf(out, "<text x=\"%u\" y=\"%u\" font-size=\"11\" text-anchor=\"middle\">%u</text>\n",
				       x + BAR_W / 2, CHART_H + 16 - h, values[i]);
		g_string_append_printf(out, "<text x=\"%u\" y=\"%u\" font-size=\"10\" text-anchor=\"end\""
				       " transform=\"rotate(-40 %u %u)\">", x + BAR_W / 2, CHART_H + 34,
				       x + BAR_W / 2, CHART_H + 34);
		esc(out, labels[i]);
		g_string_append(out, "</text>\n");
	}
	g_string_append(out, "</svg>\n");
}

/* The chart of COUNTS (report_count*). */
static void
counts_chart(GString *out, const char *id, const char *colour, GPtrArray *counts, const char *none)
{
	const char **labels = g_new0(const char *, counts->len + 1);
	guint *values = g_new0(guint, counts->len + 1);

	for (guint i = 0; i < counts->len; i++) {
		labels[i] = ((report_count *)counts->pdata[i])->key;
		values[i] = ((report_count *)counts->pdata[i])->n;
	}
	bar_chart(out, id, colour, labels, values, counts->len, none);
	g_free(labels);
	g_free(values);
}

/* First response times in buckets. */
static void
response_chart(GString *out, const report_figures *f)
{
	static const char *const labels[] = { "< 1h", "1-4h", "4-8h", "8-24h", "1-3d", "> 3d" };
	static const gint64 upper[] = { 3600, 4 * 3600, 8 * 3600, 24 * 3600, 3 * 86400, G_MAXINT64 };
	guint values[G_N_ELEMENTS(labels)] = { 0 };

	for (guint i = 0; i < f->first_responses->len; i++) {
		gint64 d = g_array_index(f->first_responses, gint64, i);
		guint b = 0;

		while (d >= upper[b])
			b++;
		values[b]++;
	}
	bar_chart(out, "chart-response", "#e8710a", labels, values,
		  f->first_responses->len > 0 ? G_N_ELEMENTS(labels) : 0, "No first responses in the period.");
}

static void
backlog_chart(GString *out, const report_figures *f)
{
	bar_chart(out, "chart-backlog", "#188038", report_age_names, f->aging, f->backlog > 0 ? REPORT_AGES : 0,
		  "Nothing waits at the end of the period.");
}

static void
trends_chart(GString *out, GPtrArray *trends)
{
	const char **labels = g_new0(const char *, trends->len + 1);
	guint *values = g_new0(guint, trends->len + 1);
	char **keys = g_new0(char *, trends->len + 1);

	for (guint i = 0; i < trends->len; i++) {
		const report_trend *t = trends->pdata[i];

		labels[i] = keys[i] = g_strdup_printf("%s:%s (+%u)", t->kind, t->key, t->last - t->prev);
		values[i] = t->last;
	}
	bar_chart(out, "chart-trends", "#9334e6", labels, values, trends->len,
		  "No topic rose in the last week of the period.");
	g_strfreev(keys);
	g_free(labels);
	g_free(values);
}

/* Stacked bars: for each of N points, the REPORT_AGES parts of its bar
 * (PARTS[i * REPORT_AGES + k]) in COLOURS, each part a rect of class
 * "mark" (none for 0), its total above it; NONE said when N is 0. */
static void
stacked_chart(GString *out, const char *id, const char *const colours[REPORT_AGES], const char *const *labels,
	      const guint *parts, guint n, const char *none)
{
	guint max = 1, bw = n > 40 ? 14 : BAR_W, w = MAX(n * (bw + 6) + 80, 240);

	if (n == 0) {
		g_string_append_printf(out, "<p class=\"none\" id=\"%s\">", id);
		esc(out, none);
		g_string_append(out, "</p>\n");
		return;
	}
	for (guint i = 0; i < n; i++) {
		guint sum = 0;

		for (guint k = 0; k < REPORT_AGES; k++)
			sum += parts[i * REPORT_AGES + k];
		max = MAX(max, sum);
	}
	g_string_append_printf(out, "<svg class=\"chart\" id=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\""
			       " height=\"%u\" viewBox=\"0 0 %u %u\">\n", id, w, CHART_H + 60, w, CHART_H + 60);
	g_string_append_printf(out, "<line x1=\"20\" y1=\"%u\" x2=\"%u\" y2=\"%u\" stroke=\"#888\"/>\n", CHART_H + 20,
			       w - 10, CHART_H + 20);
	for (guint i = 0; i < n; i++) {
		guint x = 60 + i * (bw + 6), y = CHART_H + 20, sum = 0;

		for (guint k = 0; k < REPORT_AGES; k++) {
			guint v = parts[i * REPORT_AGES + k], h = v * CHART_H / max;

			sum += v;
			if (h == 0)
				continue;
			y -= h;
			g_string_append_printf(out, "<rect class=\"mark\" x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\""
					       " fill=\"%s\"><title>", x, y, bw, h, colours[k]);
			esc(out, labels[i]);
			g_string_append_printf(out, " %s: %u</title></rect>\n", report_age_names[k], v);
		}
		g_string_append_printf(out, "<text x=\"%u\" y=\"%u\" font-size=\"11\" text-anchor=\"middle\">%u</text>\n",
				       x + bw / 2, y - 4, sum);
		g_string_append_printf(out, "<text x=\"%u\" y=\"%u\" font-size=\"10\" text-anchor=\"end\""
				       " transform=\"rotate(-40 %u %u)\">", x + bw / 2, CHART_H + 34, x + bw / 2, CHART_H + 34);
		esc(out, labels[i]);
		g_string_append(out, "</text>\n");
	}
	g_string_append(out, "</svg>\n");
}

/* The backlog at the end of each day, week or month, by age. */
static void
series_chart(GString *out, const report *r)
{
	static const char *const colours[REPORT_AGES] = { "#81c995", "#34a853", "#0d652d", "#0b3d1c" };
	GPtrArray *pts = r->backlog_series;
	const char **labels = g_new0(const char *, pts->len + 1);
	guint *parts = g_new0(guint, pts->len * REPORT_AGES + 1);

	for (guint i = 0; i < pts->len; i++) {
		const report_point *p = pts->pdata[i];

		labels[i] = p->key;
		memcpy(parts + i * REPORT_AGES, p->aging, sizeof p->aging);
	}
	stacked_chart(out, "chart-backlog-time", colours, labels, parts, pts->len, "No tickets in the period.");
	g_free(labels);
	g_free(parts);
}

/* SLA attainment: a bar per policy and target, its height the percent met. */
static void
sla_chart(GString *out, const report *r)
{
	const char **labels = g_new0(const char *, r->sla->len + 1);
	guint *values = g_new0(guint, r->sla->len + 1), n = 0;
	char **keys = g_new0(char *, r->sla->len + 1);

	for (guint i = 0; i < r->sla->len; i++) {
		const report_sla *a = r->sla->pdata[i];

		if (a->attained < 0)
			continue;
		labels[n] = keys[n] = g_strdup_printf("%s %s (%%)", a->policy, a->target);
		values[n++] = (guint)(a->attained + 0.5);
	}
	bar_chart(out, "chart-sla", "#d93025", labels, values, n, "No SLA cycle was met or breached in the period.");
	g_strfreev(keys);
	g_free(labels);
	g_free(values);
}

/* A row of the figures table: NAME, the value at json PATH, and TEXT. */
static void
row(GString *out, const char *name, const char *path, double value, const char *text)
{
	g_string_append_printf(out, "<tr><td>%s</td><td class=\"n\" data-figure=\"%s\">%.10g</td><td>", name, path,
			       value);
	esc(out, text != NULL ? text : "");
	g_string_append(out, "</td></tr>\n");
}

static void
stat_rows(GString *out, const char *name, const char *path, const report_stat *st)
{
	static const char *const what[] = { "count", "mean", "median", "p90" };
	double v[] = { st->n, st->mean, st->median, st->p90 };

	for (guint i = 0; i < G_N_ELEMENTS(what); i++) {
		char *p = g_strconcat(path, ".", what[i], NULL), *n = g_strconcat(name, " ", what[i], NULL);
		char *d = i > 0 && st->n > 0 ? report_duration(v[i]) : NULL;

		row(out, n, p, v[i], d);
		g_free(p);
		g_free(n);
		g_free(d);
	}
}

static void
figures_table(GString *out, const report *r)
{
	const report_figures *f = &r->all;

	g_string_append(out, "<table id=\"figures\"><tr><th>Figure</th><th>Value</th><th></th></tr>\n");
	row(out, "Tickets opened", "opened", f->opened, NULL);
	stat_rows(out, "First response", "first_response", &f->first_response);
	row(out, "Unanswered", "unanswered", f->unanswered, NULL);
	row(out, "Replies dated before the question", "skewed", f->skewed, NULL);
	stat_rows(out, "Next response", "next_response", &f->next_response);
	stat_rows(out, "Resolution", "resolution", &f->resolution);
	row(out, "Solved", "solved", f->solved, NULL);
	row(out, "First-contact resolution", "fcr", f->fcr, NULL);
	row(out, "Solved at least once", "solved_any", f->solved_any, NULL);
	row(out, "Reopened", "reopened", f->reopened, NULL);
	row(out, "Backlog at the end", "backlog.total", f->backlog, NULL);
	for (guint i = 0; i < REPORT_AGES; i++) {
		char *p = g_strconcat("backlog.", report_age_names[i], NULL), *n = g_strconcat("Backlog ", report_age_names[i], NULL);

		row(out, n, p, f->aging[i], NULL);
		g_free(p);
		g_free(n);
	}
	row(out, "Left out: spam", "left_out.spam", r->spam, NULL);
	row(out, "Left out: merged", "left_out.merged", r->merged, NULL);
	row(out, "Left out: purged", "left_out.purged", r->purged, NULL);
	g_string_append(out, "</table>\n");
}

static void
sla_table(GString *out, const report *r)
{
	g_string_append(out, "<table id=\"sla\"><tr><th>Policy</th><th>Target</th><th>Met</th><th>Breached</th>"
			     "<th>Pending</th><th>Attained (%)</th></tr>\n");
	for (guint i = 0; i < r->sla->len; i++) {
		const report_sla *a = r->sla->pdata[i];

		g_string_append(out, "<tr><td>");
		esc(out, a->policy);
		g_string_append_printf(out, "</td><td>%s</td><td class=\"n\" data-figure=\"sla.targets.%u.met\">%u</td>"
				       "<td class=\"n\" data-figure=\"sla.targets.%u.breached\">%u</td>"
				       "<td class=\"n\" data-figure=\"sla.targets.%u.pending\">%u</td>", a->target, i,
				       a->met, i, a->breached, i, a->pending);
		if (a->attained >= 0)
			g_string_append_printf(out, "<td class=\"n\" data-figure=\"sla.targets.%u.attained\">%.1f</td>"
					       "</tr>\n", i, a->attained);
		else
			g_string_append(out, "<td class=\"n\">-</td></tr>\n");
	}
	g_string_append(out, "</table>\n");
}

static void
deflection_table(GString *out, const report_deflection *d)
{
	g_string_append(out, "<table id=\"kb-deflection\">\n");
	row(out, "Acknowledgement offered KB articles", "kb_deflection.offered.tickets", d->offered, NULL);
	row(out, "... solved with no agent reply", "kb_deflection.offered.deflected", d->offered_deflected, NULL);
	row(out, "... rate (%)", "kb_deflection.offered.rate", d->offered_rate, NULL);
	row(out, "Acknowledgement offered none", "kb_deflection.not_offered.tickets", d->plain, NULL);
	row(out, "... solved with no agent reply", "kb_deflection.not_offered.deflected", d->plain_deflected, NULL);
	row(out, "... rate (%)", "kb_deflection.not_offered.rate", d->plain_rate, NULL);
	g_string_append(out, "</table>\n");
}

static void
series_table(GString *out, const report *r)
{
	g_string_append(out, "<table id=\"backlog-time\"><tr><th>End of</th><th>Backlog</th>");
	for (guint k = 0; k < REPORT_AGES; k++) {
		g_string_append(out, "<th>");
		esc(out, report_age_names[k]);
		g_string_append(out, "</th>");
	}
	g_string_append(out, "</tr>\n");
	for (guint i = 0; i < r->backlog_series->len; i++) {
		const report_point *p = r->backlog_series->pdata[i];

		g_string_append(out, "<tr><td>");
		esc(out, p->key);
		g_string_append_printf(out, "</td><td class=\"n\" data-figure=\"backlog_over_time.points.%u.total\">%u</td>",
				       i, p->backlog);
		for (guint k = 0; k < REPORT_AGES; k++) {
			g_string_append_printf(out, "<td class=\"n\" data-figure=\"backlog_over_time.points.%u.", i);
			esc(out, report_age_names[k]);
			g_string_append_printf(out, "\">%u</td>", p->aging[k]);
		}
		g_string_append(out, "</tr>\n");
	}
	g_string_append(out, "</table>\n");
}

static void
agents_table(GString *out, GPtrArray *agents)
{
	g_string_append(out, "<table id=\"agents\"><tr><th>Agent</th><th>Handled</th><th>Replies</th>"
			     "<th>Solved</th><th>Median first response (s)</th></tr>\n");
	for (guint i = 0; i < agents->len; i++) {
		const report_agent *a = agents->pdata[i];

		g_string_append(out, "<tr><td>");
		esc(out, a->login);
		g_string_append_printf(out, "</td><td class=\"n\" data-figure=\"agents.%u.handled\">%u</td>"
				       "<td class=\"n\" data-figure=\"agents.%u.replies\">%u</td>"
				       "<td class=\"n\" data-figure=\"agents.%u.solved\">%u</td>"
				       "<td class=\"n\" data-figure=\"agents.%u.first_response.median\">%.10g</td></tr>\n",
				       i, a->handled, i, a->replies, i, a->solved, i, a->first_response.median);
	}
	g_string_append(out, "</table>\n");
}

static void
section(GString *out, const char *title)
{
	g_string_append(out, "<section><h2>");
	esc(out, title);
	g_string_append(out, "</h2>\n");
}

char *
report_html(const report *r)
{
	GString *out = g_string_new("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
				    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"
				    " style-src 'unsafe-inline'\"><title>Desk report</title><style>");
	char *s = r->since > 0 ? out_iso8601(r->since) : g_strdup("the beginning"), *u = out_iso8601(r->until);
	/* days while they fit on a page, else weeks, else months */
	report_vol vol = r->volume[VOL_DAY]->len <= 62 ? VOL_DAY : r->volume[VOL_WEEK]->len <= 60 ? VOL_WEEK : VOL_MONTH;

	g_string_append_printf(out, "%s</style></head>\n<body>\n<h1>Desk report</h1>\n<p>From %s to %s; durations in %s.</p>\n",
			       style, s, u, strcmp(r->hours, "business") == 0 ? "business hours" : "wall-clock time");
	figures_table(out, r);
	section(out, vol == VOL_DAY ? "Volume over time (tickets opened per day)"
		     : vol == VOL_WEEK ? "Volume over time (tickets opened per week)"
				       : "Volume over time (tickets opened per month)");
	counts_chart(out, "chart-volume", "#1a73e8", r->volume[vol], "No tickets opened in the period.");
	g_string_append(out, "</section>\n");
	section(out, "First response times");
	response_chart(out, &r->all);
	g_string_append(out, "</section>\n");
	section(out, "Backlog aging at the end of the period");
	backlog_chart(out, &r->all);
	g_string_append(out, "</section>\n");
	section(out, "Backlog over time");
	g_string_append_printf(out, "<p>Tickets waiting at the end of each %s, by age.</p>\n", r->backlog_unit);
	series_chart(out, r);
	series_table(out, r);
	g_string_append(out, "</section>\n");
	section(out, "SLA attainment");
	if (!r->sla_configured)
		g_string_append(out, "<p class=\"none\" id=\"chart-sla\">Not available: " REPORT_SLA_NONE ".</p>\n");
	else {
		sla_chart(out, r);
		sla_table(out, r);
	}
	g_string_append(out, "</section>\n");
	section(out, "KB deflection");
	deflection_table(out, &r->deflection);
	g_string_append(out, "</section>\n");
	section(out, "Satisfaction (CSAT) over time");
	report_csat_html(out, r);
	g_string_append(out, "</section>\n");
	section(out, "Top rising topics (the last 7 days against the 7 before)");
	trends_chart(out, r->trends);
	g_string_append(out, "</section>\n");
	section(out, "Agents");
	agents_table(out, r->agents);
	g_string_append(out, "</section>\n</body></html>\n");
	g_free(s);
	g_free(u);
	return g_string_free(out, FALSE);
}

/* Write TEXT to PATH through PATH.tmp, mode 0640. */
static gboolean
write_whole(const char *path, const char *text, GError **gerr)
{
	char *tmp = g_strconcat(path, ".tmp", NULL);
	size_t n = strlen(text);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
	gboolean ok = fd >= 0 && write(fd, text, n) == (ssize_t)n;
	int e = errno;

	if (fd >= 0 && close(fd) != 0 && ok) {
		ok = FALSE;
		e = errno;
	}
	if (ok && rename(tmp, path) != 0) {
		ok = FALSE;
		e = errno;
	}
	if (!ok) {
		if (fd >= 0)
			unlink(tmp);
		g_set_error(gerr, G_FILE_ERROR, g_file_error_from_errno(e), "%s", g_strerror(e));
	}
	g_free(tmp);
	return ok;
}

gboolean
report_write_html(const report *r, const char *path, GError **gerr)
{
	char *page = report_html(r);
	gboolean ok = write_whole(path, page, gerr);

	g_free(page);
	return ok;
}
