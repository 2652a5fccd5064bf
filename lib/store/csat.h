/* csat.h: desk report's satisfaction figures (CSAT, NPS, CES), from the
 * survey and rating events alone (lib/store/survey.h; doc/desk-report.1,
 * "Satisfaction"). */
#ifndef DESK_CSAT_H
#define DESK_CSAT_H

#include <glib.h>
#include <notmuch.h>
#include "err.h"
#include "survey.h"

/* The answers of one kind to the surveys of a set. */
typedef struct csat_figures {
	guint sent;              /* surveys sent */
	guint answered;          /* of those, answered by the end of the period */
	guint scores[11];        /* answers by score */
	double mean;             /* of the scores, 0 when none */
} csat_figures;

/* One week's answers of a kind (the week the survey was sent). */
typedef struct csat_week {
	char *week;              /* "2026-W49" */
	survey_kind kind;
	csat_figures fig;
} csat_week;

typedef struct report_csat {
	csat_figures kind[SURVEY_KINDS];
	GPtrArray *weeks;        /* csat_week*, by week then kind */
	GHashTable *tickets;     /* ticket number -> csat_figures[SURVEY_KINDS]: its surveys counted above */
} report_csat;

/* The surveys sent in [SINCE, UNTIL) and their answers, of tickets of
 * QUEUE and owned by AGENT (NULL: any); weeks of time zone TZ (NULL or
 * "": TZ's). */
desk_status csat_compute(notmuch_database_t *db, gint64 since, gint64 until, const char *queue, const char *agent,
			 const char *tz, report_csat **out, desk_err *err);
void csat_free(report_csat *c);

/* Add the figures FROM to TO (the mean of both sets of answers). */
void csat_add(csat_figures *to, const csat_figures *from);

/* CSAT: the share of answers 4 or 5, in percent (0 without answers). */
double csat_satisfied(const csat_figures *f);
/* NPS: promoters (9-10), passives (7-8), detractors (0-6), and the score,
 * percent promoters minus percent detractors (-100 to 100). */
guint csat_promoters(const csat_figures *f);
guint csat_passives(const csat_figures *f);
guint csat_detractors(const csat_figures *f);
double csat_nps(const csat_figures *f);
/* CES: answers 5 to 7 (hard). */
guint csat_hard(const csat_figures *f);
/* Answers per survey sent, in percent (0 when none was sent). */
double csat_response_rate(const csat_figures *f);

#endif
