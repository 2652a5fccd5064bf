/* rseries.h: the points of desk report's figures over time: the end of
 * each local day, ISO week or calendar month of a period (doc/desk-report.1,
 * "Backlog over time"), and the backlog of waiting tickets at each. */
#ifndef DESK_RSERIES_H
#define DESK_RSERIES_H

#include <glib.h>

#define REPORT_AGES 4

/* One point: the bucket KEY ("2026-11-02", "2026-W45", "2026-11") and
 * its end AT (the next bucket's start in the time zone, or the period's
 * end when that comes first); the tickets waiting then, by age. */
typedef struct report_point {
	char *key;
	gint64 at;
	guint backlog, aging[REPORT_AGES];
} report_point;

/* The unit of [START, UNTIL) in TZ: "day" while that makes at most 62
 * points, else "week" while at most 60, else "month". */
const char *rseries_unit(gint64 start, gint64 until, GTimeZone *tz);

/* The key of the bucket of UNIT ("day", "week", "month") holding T in
 * TZ ("2026-11-02", "2026-W45", "2026-11"; caller frees), and in *START
 * and *END its bounds. */
char *rseries_key(gint64 t, GTimeZone *tz, const char *unit, gint64 *start, gint64 *end);

/* The points (report_point*, empty counts) of [START, UNTIL) in UNIT. */
GPtrArray *rseries_points(gint64 start, gint64 until, GTimeZone *tz, const char *unit);

/* The aging bucket of a ticket waiting for AGE seconds: 0-1d, 1-3d, 3-7d, >7d. */
guint rseries_age(gint64 age);

/* Count into POINTS a ticket opened at OPENED that waits from then on,
 * except that each time of TOGGLES (ascending, N) flips whether it
 * waits: it waits at a point P when OPENED < P and an even number of
 * toggles are before P. */
void rseries_add(GPtrArray *points, gint64 opened, const gint64 *toggles, guint n);

#endif
