/* rsla.h: SLA attainment of desk report: per policy and target, how many
 * cycles of the period were met in time, breached or are still running
 * (doc/desk-report.1), from each ticket's SLA timeline (sla.h). */
#ifndef DESK_RSLA_H
#define DESK_RSLA_H

#include "config.h"
#include "ticket.h"

typedef struct report_sla {
	char *policy;
	const char *target;        /* sla_target_name: "first-response", ... */
	int k;                     /* its sla_target */
	guint met, breached, pending;
	double attained;           /* 100 met / (met + breached), to 0.1; -1 when both are 0 */
} report_sla;

/* A row (report_sla*) for each target each policy of CFG defines, in the
 * order of the file, then of the targets; empty without policies. */
GPtrArray *rsla_new(const desk_config *cfg);

/* Count ticket T into ROWS (rsla_new's of CFG): the cycle of each target
 * of its policy that began in [SINCE, UNTIL), as it stands at UNTIL. */
void rsla_add(GPtrArray *rows, const desk_config *cfg, const ticket_info *t, gint64 since, gint64 until);

/* Set each row's attained. */
void rsla_finish(GPtrArray *rows);

#endif
