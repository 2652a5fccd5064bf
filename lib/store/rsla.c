/* rsla.c: SLA attainment per policy and target for desk report (rsla.h). */
#include <string.h>

#include "rsla.h"
#include "sla.h"

static void
row_free(gpointer p)
{
	report_sla *r = p;

	g_free(r->policy);
	g_free(r);
}

GPtrArray *
rsla_new(const desk_config *cfg)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func(row_free);

	for (guint i = 0; cfg != NULL && cfg->sla != NULL && i < cfg->sla->len; i++) {
		const sla_policy *p = cfg->sla->pdata[i];

		for (int k = 0; k < SLA_TARGETS; k++) {
			report_sla *r;

			if (p->target[k] == 0)
				continue;
			r = g_new0(report_sla, 1);
			r->policy = g_strdup(p->name);
			r->target = sla_target_name(k);
			r->k = k;
			g_ptr_array_add(rows, r);
		}
	}
	return rows;
}

/* The first row of policy P in ROWS' order of CFG, or -1. */
static int
first_row(GPtrArray *rows, const desk_config *cfg, const sla_policy *p)
{
	guint row = 0;

	for (guint i = 0; i < cfg->sla->len; i++) {
		const sla_policy *q = cfg->sla->pdata[i];

		if (q == p)
			return row < rows->len ? (int)row : -1;
		for (int k = 0; k < SLA_TARGETS; k++)
			row += q->target[k] != 0;
	}
	return -1;
}

void
rsla_add(GPtrArray *rows, const desk_config *cfg, const ticket_info *t, gint64 since, gint64 until)
{
	const sla_policy *p = rows->len > 0 ? sla_policy_for(cfg, t) : NULL;
	int row = p != NULL ? first_row(rows, cfg, p) : -1;
	sla_result res;

	if (row < 0)
		return;
	sla_compute_period(cfg, t, since, until, &res);   /* the cycles of the period only */
	for (; (guint)row < rows->len; row++) {
		report_sla *r = rows->pdata[row];
		const sla_figure *f = &res.fig[r->k];

		if (strcmp(r->policy, p->name) != 0)
			break;
		if (res.policy != p || !f->active || f->cycle < since || f->cycle >= until)
			continue;
		if (f->breach)
			r->breached++;
		else if (f->met != 0)
			r->met++;
		else
			r->pending++;
	}
}

void
rsla_finish(GPtrArray *rows)
{
	for (guint i = 0; i < rows->len; i++) {
		report_sla *r = rows->pdata[i];
		guint done = r->met + r->breached;

		r->attained = done > 0 ? (double)((2000u * r->met + done) / (2u * done)) / 10 : -1;   /* to 0.1, half up */
	}
}
