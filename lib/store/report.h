/* report.h: the figures of desk report (doc/desk-report.1), computed from
 * the stored messages and events alone: the ticket table (tickettab.h),
 * each ticket's queue, owner, tags and requester and its report facts
 * (rfact.h: the times of customer mail, agents' public replies and changes
 * of status), folded per ticket up to the end of the period. The same store
 * gives the same figures; desk reindex changes none. */
#ifndef DESK_REPORT_H
#define DESK_REPORT_H

#include <glib.h>
#include <notmuch.h>
#include "config.h"
#include "csat.h"
#include "err.h"
#include "rseries.h"
#include "rsla.h"
#include "incident.h"
#include "trend.h"

/* What to report on. */
typedef struct report_opts {
	gint64 since;              /* start of the period; 0: the beginning */
	gint64 until;              /* its end (excluded); 0: now (desk_now) */
	const char *queue;         /* only tickets in this queue, or NULL */
	const char *agent;         /* only tickets this login owns, or NULL */
	const char *by;            /* day, week, month, queue, agent, tag, or NULL */
	const char *timezone;      /* of days, weeks and months (desk.timezone); NULL or "": TZ */
	const desk_config *cfg;    /* its SLA policies and their calendars; NULL: none */
	gboolean business;         /* durations in business hours (--hours business) */
} report_opts;

/* The calendar of business hours of a ticket no SLA policy fits: these
 * hours in the desk's time zone, no holidays (an [sla] group's defaults). */
#define REPORT_BUSINESS_HOURS "mon-fri 09:00-17:00"

/* Durations in seconds of N things: mean, median (of an even count, the
 * mean of the two middle values), p90 (nearest rank: the value at rank
 * ceil(0.9 N), from the shortest). All 0 when N is 0. */
typedef struct report_stat {
	guint n;
	double mean, median, p90;
} report_stat;

/* The aging buckets of the backlog at the end of the period (REPORT_AGES: rseries.h). */
extern const char *const report_age_names[REPORT_AGES];   /* "0-1d", "1-3d", "3-7d", ">7d" */

/* The figures of a set of tickets. */
typedef struct report_figures {
	guint opened;              /* tickets opened in the period */
	report_stat first_response;   /* of tickets opened in the period and answered */
	guint unanswered;          /* tickets opened in the period with no public reply yet */
	guint skewed;              /* first replies dated before the question (counted as 0) */
	report_stat next_response;    /* of the later replies made in the period */
	report_stat resolution;    /* of the tickets solved (see doc/desk-report.1) */
	guint solved, fcr;         /* solved in the period; of those, solved with one reply */
	guint solved_any, reopened;   /* solved at least once in the period; of those, reopened */
	guint backlog;             /* waiting (new, open, pending, on-hold) at the end */
	guint aging[REPORT_AGES];
	GArray *first_responses;   /* the durations behind first_response (gint64), ascending */
} report_figures;

/* A count under a key (a day, a queue, a tag, ...). */
typedef struct report_count {
	char *key;
	guint n;
} report_count;

/* One agent's work in the period. */
typedef struct report_agent {
	char *login;
	guint handled;             /* tickets replied to or solved */
	guint replies;             /* public replies */
	guint solved;              /* tickets whose counted solve was theirs */
	report_stat first_response;   /* of the first replies that were theirs */
} report_agent;

/* A group of --by. */
typedef struct report_group {
	char *key;
	report_figures fig;
	csat_figures csat[SURVEY_KINDS];   /* the surveys sent in the period of the group's tickets */
} report_group;

/* The volume keys, in this order in every output. */
typedef enum { VOL_DAY, VOL_WEEK, VOL_MONTH, VOL_QUEUE, VOL_RCPT, VOL_TAG, VOL_DOMAIN, VOL_N } report_vol;
extern const char *const report_vol_names[VOL_N];

/* KB deflection: tickets opened in the period whose acknowledgement
 * offered KB articles, and those whose acknowledgement offered none; of
 * each, those solved or closed at the end with no public reply of an
 * agent (deflected). Rates in percent to 0.1, 0 of none. */
typedef struct report_deflection {
	guint offered, offered_deflected, plain, plain_deflected;
	double offered_rate, plain_rate;
} report_deflection;

typedef struct report {
	gint64 since, until;
	const char *hours;            /* "wall" or "business" */
	report_figures all;
	guint spam, merged, purged;   /* opened in the period but left out */
	GPtrArray *volume[VOL_N];     /* report_count*, by key (times: ascending) */
	GPtrArray *agents;            /* report_agent*, by login */
	struct report_csat *csat;     /* satisfaction (csat.h): surveys sent in the period, answers */
	GPtrArray *groups;            /* report_group* of opts->by, by key; NULL without --by */
	GPtrArray *trends;            /* report_trend* (trend.h): rising in the period's last week */
	gboolean sla_configured;      /* the desk has SLA policies */
	GPtrArray *sla;               /* report_sla* (rsla.h) */
	const char *backlog_unit;     /* "day", "week" or "month" */
	GPtrArray *backlog_series;    /* report_point* (rseries.h), oldest first */
	report_deflection deflection;
	GPtrArray *incidents;         /* incident* (incident.h) recorded in the period, by time */
} report;

/* Whether BY is a --by value report_compute knows. */
gboolean report_by_valid(const char *by);

/* How many rising topics a report names. */
#define REPORT_TRENDS 10

/* The report of DB (nothing uncommitted) for OPTS; *out freed with
 * report_free. Days, weeks (ISO 8601, "2026-W49") and months are those of
 * OPTS->timezone. */
desk_status report_compute(notmuch_database_t *db, const report_opts *opts, report **out, desk_err *err);
void report_free(report *r);

/* The last whole week (Monday 00:00 to Monday 00:00) or, when MONTHLY,
 * calendar month before NOW, in time zone TZ (NULL or "": TZ's). */
void report_last_period(gint64 now, const char *tz, gboolean monthly, gint64 *since, gint64 *until);

#endif
