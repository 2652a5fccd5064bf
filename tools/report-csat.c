/* report-csat.c: the satisfaction section of desk report (CSAT, NPS,
 * CES; lib/store/csat.h) in each output: a line a kind in the text, rows
 * of section "satisfaction" in CSV, the member "satisfaction" in JSON,
 * and in the HTML page a table and the chart of each kind over time. */
#include <stdio.h>
#include <string.h>

#include "csat.h"
#include "output.h"
#include "report-out.h"

/* The figure of a kind drawn over time and named in the text: CSAT %
 * satisfied, the NPS score, the CES mean. */
static double
headline(survey_kind k, const csat_figures *f)
{
	return k == SURVEY_CSAT ? csat_satisfied(f) : k == SURVEY_NPS ? csat_nps(f) : f->mean;
}

static guint
sent_any(const report_csat *c)
{
	guint n = 0;

	for (int k = 0; c != NULL && k < SURVEY_KINDS; k++)
		n += c->kind[k].sent;
	return n;
}

/* A line of the figures F of kind K, after INDENT and TITLE padded to WIDTH. */
static void
text_line(FILE *out, const char *indent, int width, const char *title, survey_kind k, const csat_figures *f)
{
	fprintf(out, "%s%-*s %u answered of %u surveys (%.1f%%)", indent, width, title, f->answered, f->sent,
		csat_response_rate(f));
	if (k == SURVEY_CSAT)
		fprintf(out, ", mean %.2f, %.1f%% satisfied (4-5)\n", f->mean, csat_satisfied(f));
	else if (k == SURVEY_NPS)
		fprintf(out, ", %u promoters, %u passives, %u detractors, NPS %.1f\n", csat_promoters(f),
			csat_passives(f), csat_detractors(f), csat_nps(f));
	else
		fprintf(out, ", mean %.2f, %u hard (5-7)\n", f->mean, csat_hard(f));
}

void
report_csat_text(FILE *out, const report *r)
{
	static const char *const title[SURVEY_KINDS] = { "Satisfaction (CSAT 1-5)", "Satisfaction (NPS 0-10)",
							 "Satisfaction (CES 1-7)" };

	if (sent_any(r->csat) == 0) {
		fprintf(out, "%-26s no surveys sent in the period\n", "Satisfaction");
		return;
	}
	for (int k = 0; k < SURVEY_KINDS; k++)
		if (r->csat->kind[k].sent > 0)
			text_line(out, "", 26, title[k], k, &r->csat->kind[k]);
}

void
report_csat_group_text(FILE *out, const csat_figures *fig)
{
	static const char *const title[SURVEY_KINDS] = { "CSAT", "NPS", "CES" };

	for (int k = 0; k < SURVEY_KINDS; k++)
		if (fig[k].sent > 0)
			text_line(out, "    ", 4, title[k], k, &fig[k]);
}

static void
csv_row(FILE *out, const char *key, const char *figure, double value)
{
	fprintf(out, "satisfaction,%s,%s,%.10g\n", key, figure, value);
}

void
report_csat_csv(FILE *out, const report *r)
{
	for (int k = 0; r->csat != NULL && k < SURVEY_KINDS; k++) {
		const csat_figures *f = &r->csat->kind[k];
		const char *key = survey_kind_name(k);

		if (f->sent == 0)
			continue;
		csv_row(out, key, "sent", f->sent);
		csv_row(out, key, "answered", f->answered);
		csv_row(out, key, "response_rate", csat_response_rate(f));
		if (k != SURVEY_NPS)
			csv_row(out, key, "mean", f->mean);
		if (k == SURVEY_CSAT)
			csv_row(out, key, "satisfied_percent", csat_satisfied(f));
		if (k == SURVEY_NPS) {
			csv_row(out, key, "promoters", csat_promoters(f));
			csv_row(out, key, "passives", csat_passives(f));
			csv_row(out, key, "detractors", csat_detractors(f));
			csv_row(out, key, "score", csat_nps(f));
		}
		if (k == SURVEY_CES)
			csv_row(out, key, "hard", csat_hard(f));
	}
}

void
report_csat_group_csv(FILE *out, const char *key, const csat_figures *fig)
{
	for (int k = 0; k < SURVEY_KINDS; k++) {
		const csat_figures *f = &fig[k];
		const char *kn = survey_kind_name(k);
		char name[64];

		if (f->sent == 0)
			continue;
#define ROW(fig, v) (g_snprintf(name, sizeof name, "%s_%s", kn, fig), report_csv_row(out, "group", key, name, v))
		ROW("sent", f->sent);
		ROW("answered", f->answered);
		ROW("response_rate", csat_response_rate(f));
		if (k != SURVEY_NPS)
			ROW("mean", f->mean);
		if (k == SURVEY_CSAT)
			ROW("satisfied_percent", csat_satisfied(f));
		if (k == SURVEY_NPS) {
			ROW("promoters", csat_promoters(f));
			ROW("passives", csat_passives(f));
			ROW("detractors", csat_detractors(f));
			ROW("score", csat_nps(f));
		}
		if (k == SURVEY_CES)
			ROW("hard", csat_hard(f));
#undef ROW
	}
}

static void
json_num(JsonBuilder *b, const char *name, double v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_double_value(b, v);
}

static void
json_int(JsonBuilder *b, const char *name, guint v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, v);
}

static void
json_kind(JsonBuilder *b, survey_kind k, const csat_figures *f)
{
	json_builder_set_member_name(b, survey_kind_name(k));
	json_builder_begin_object(b);
	json_int(b, "sent", f->sent);
	json_int(b, "answered", f->answered);
	json_num(b, "response_rate", csat_response_rate(f));
	if (k != SURVEY_NPS)
		json_num(b, "mean", f->mean);
	if (k == SURVEY_CSAT)
		json_num(b, "satisfied_percent", csat_satisfied(f));
	if (k == SURVEY_NPS) {
		json_int(b, "promoters", csat_promoters(f));
		json_int(b, "passives", csat_passives(f));
		json_int(b, "detractors", csat_detractors(f));
		json_num(b, "score", csat_nps(f));
	}
	if (k == SURVEY_CES)
		json_int(b, "hard", csat_hard(f));
	json_builder_set_member_name(b, "scores");
	json_builder_begin_array(b);
	for (int i = survey_min(k); i <= survey_max(k); i++)
		json_builder_add_int_value(b, f->scores[i]);
	json_builder_end_array(b);
	json_builder_end_object(b);
}

void
report_csat_group_json(JsonBuilder *b, const csat_figures *f)
{
	json_builder_set_member_name(b, "satisfaction");
	json_builder_begin_object(b);
	for (int k = 0; k < SURVEY_KINDS; k++)
		json_kind(b, k, &f[k]);
	json_builder_end_object(b);
}

void
report_csat_json(JsonBuilder *b, const report *r)
{
	json_builder_set_member_name(b, "satisfaction");
	json_builder_begin_object(b);
	for (int k = 0; r->csat != NULL && k < SURVEY_KINDS; k++)
		json_kind(b, k, &r->csat->kind[k]);
	json_builder_set_member_name(b, "weeks");
	json_builder_begin_array(b);
	for (guint i = 0; r->csat != NULL && i < r->csat->weeks->len; i++) {
		const csat_week *w = r->csat->weeks->pdata[i];

		json_builder_begin_object(b);
		out_json_string(b, "week", w->week);
		out_json_string(b, "kind", survey_kind_name(w->kind));
		json_int(b, "sent", w->fig.sent);
		json_int(b, "answered", w->fig.answered);
		json_num(b, "value", headline(w->kind, &w->fig));
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
}

/* One figure cell whose JSON path is satisfaction.KIND.NAME. */
static void
cell(GString *out, survey_kind k, const char *name, double v)
{
	g_string_append_printf(out, "<td class=\"n\" data-figure=\"satisfaction.%s.%s\">%.10g</td>",
			       survey_kind_name(k), name, v);
}

#define CHART_W 40
#define CHART_H 160

/* The chart of kind K over the weeks: a bar a week with answers, its
 * height the headline figure on the kind's range. */
static void
kind_chart(GString *out, const report_csat *c, survey_kind k)
{
	static const char *const what[SURVEY_KINDS] = { "% satisfied (4-5)", "NPS", "mean effort (1-7)" };
	double lo = k == SURVEY_NPS ? -100 : 0, hi = k == SURVEY_CES ? 7 : 100;
	guint n = 0, w;

	for (guint i = 0; i < c->weeks->len; i++)
		n += ((csat_week *)c->weeks->pdata[i])->kind == k && ((csat_week *)c->weeks->pdata[i])->fig.answered > 0;
	w = MAX(n * (CHART_W + 12) + 80, 240);
	g_string_append_printf(out, "<p>%s, %s by the week the survey was sent:</p>\n", survey_kind_name(k), what[k]);
	g_string_append_printf(out, "<svg class=\"chart\" id=\"chart-%s\" xmlns=\"http://www.w3.org/2000/svg\""
			       " width=\"%u\" height=\"%u\" viewBox=\"0 0 %u %u\">\n", k == SURVEY_CSAT ? "csat"
			       : k == SURVEY_NPS ? "nps" : "ces", w, CHART_H + 60, w, CHART_H + 60);
	g_string_append_printf(out, "<line x1=\"20\" y1=\"%u\" x2=\"%u\" y2=\"%u\" stroke=\"#888\"/>\n", CHART_H + 20,
			       w - 10, CHART_H + 20);
	n = 0;
	for (guint i = 0; i < c->weeks->len; i++) {
		const csat_week *wk = c->weeks->pdata[i];
		double v = headline(k, &wk->fig);
		guint h, x;

		if (wk->kind != k || wk->fig.answered == 0)
			continue;
		h = (guint)((v - lo) * CHART_H / (hi - lo)) + 2;
		x = 60 + n++ * (CHART_W + 12);
		g_string_append_printf(out, "<rect class=\"mark\" x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\""
				       " fill=\"#d93025\"><title>%s: %.1f of %u answers</title></rect>\n",
				       x, CHART_H + 20 - h, CHART_W, h, wk->week, v, wk->fig.answered);
		g_string_append_printf(out, "<text x=\"%u\" y=\"%u\" font-size=\"11\" text-anchor=\"middle\">%.1f</text>\n",
				       x + CHART_W / 2, CHART_H + 16 - h, v);
		g_string_append_printf(out, "<text x=\"%u\" y=\"%u\" font-size=\"10\" text-anchor=\"middle\">%s</text>\n",
				       x + CHART_W / 2, CHART_H + 34, wk->week);
	}
	g_string_append(out, "</svg>\n");
}

void
report_csat_html(GString *out, const report *r)
{
	gboolean any = FALSE;

	if (sent_any(r->csat) == 0) {
		g_string_append(out, "<p class=\"none\" id=\"chart-csat\">No surveys sent in the period.</p>\n");
		return;
	}
	g_string_append(out, "<table><tr><th>Kind</th><th>Sent</th><th>Answered</th><th>Response rate %</th>"
			     "<th>Figure</th><th>Value</th></tr>\n");
	for (int k = 0; k < SURVEY_KINDS; k++) {
		const csat_figures *f = &r->csat->kind[k];

		if (f->sent == 0)
			continue;
		g_string_append_printf(out, "<tr><td>%s</td>", survey_kind_name(k));
		cell(out, k, "sent", f->sent);
		cell(out, k, "answered", f->answered);
		cell(out, k, "response_rate", csat_response_rate(f));
		g_string_append_printf(out, "<td>%s</td>", k == SURVEY_CSAT ? "% satisfied (4-5)"
							   : k == SURVEY_NPS ? "NPS" : "mean (1-7)");
		cell(out, k, k == SURVEY_CSAT ? "satisfied_percent" : k == SURVEY_NPS ? "score" : "mean",
		     headline(k, f));
		g_string_append(out, "</tr>\n");
	}
	g_string_append(out, "</table>\n");
	for (int k = 0; k < SURVEY_KINDS; k++)
		if (r->csat->kind[k].answered > 0) {
			kind_chart(out, r->csat, k);
			any = TRUE;
		}
	if (!any)
		g_string_append(out, "<p class=\"none\" id=\"chart-csat\">No survey answers yet.</p>\n");
}
