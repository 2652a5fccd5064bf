/* test-report.c: unit tests of desk report's points over time
 * (lib/store/rseries.c): the ends of local days across a daylight saving
 * change, the choice of day, week or month, the backlog at each point from
 * a ticket's changes, and the aging buckets. Every expected value is
 * worked out by hand in the comment beside it. TAP. */
#include <stdio.h>
#include <string.h>

#include "rseries.h"

static int n, failed;

static void
ok(int cond, const char *what)
{
	printf("%sok %d - %s\n", cond ? "" : "not ", ++n, what);
	failed += !cond;
}

static gint64
at(const char *iso)
{
	GDateTime *dt = g_date_time_new_from_iso8601(iso, NULL);
	gint64 t = g_date_time_to_unix(dt);

	g_date_time_unref(dt);
	return t;
}

static report_point *
pt(GPtrArray *p, guint i)
{
	return p->pdata[i];
}

/* Europe/Berlin leaves summer time on Sun 25 Oct 2026 at 03:00 CEST (01:00Z):
 * that day lasts 25 hours. From Sat 24 12:00Z to Tue 27 00:00Z:
 *   24 ends 25 00:00 CEST = 24 22:00Z; 25 ends 26 00:00 CET = 25 23:00Z;
 *   26 ends 26 23:00Z; 27 begins 26 23:00Z and is cut at the end, 27 00:00Z. */
static void
test_dst_days(void)
{
	GTimeZone *tz = g_time_zone_new_identifier("Europe/Berlin");
	GPtrArray *p = rseries_points(at("2026-10-24T12:00:00Z"), at("2026-10-27T00:00:00Z"), tz, "day");

	ok(p->len == 4, "Berlin, 24-27 Oct: 4 days");
	ok(p->len == 4 && strcmp(pt(p, 0)->key, "2026-10-24") == 0 && pt(p, 0)->at == at("2026-10-24T22:00:00Z"),
	   "24 Oct ends at 22:00Z (CEST)");
	ok(p->len == 4 && strcmp(pt(p, 1)->key, "2026-10-25") == 0 && pt(p, 1)->at == at("2026-10-25T23:00:00Z"),
	   "25 Oct, 25 hours long, ends at 23:00Z (CET)");
	ok(p->len == 4 && pt(p, 2)->at == at("2026-10-26T23:00:00Z"), "26 Oct ends at 23:00Z");
	ok(p->len == 4 && strcmp(pt(p, 3)->key, "2026-10-27") == 0 && pt(p, 3)->at == at("2026-10-27T00:00:00Z"),
	   "27 Oct is cut at the end of the period");
	g_ptr_array_unref(p);
	g_time_zone_unref(tz);
}

/* 1 Jan to 4 Mar 2026 is 31 + 28 + 3 = 62 days: days; one more: weeks.
 * 2026 from 1 Jan to 1 Dec in weeks: Thu 1 Jan is in 2026-W01 (Mon 29
 * Dec 2025), then 48 weeks to Mon 30 Nov, and W49 holds 30 Nov and 1 Dec
 * 00:00 is in it: 49 weeks, fewer than 60. Three years: months. */
static void
test_units(void)
{
	GTimeZone *utc = g_time_zone_new_utc();
	GPtrArray *w;

	ok(strcmp(rseries_unit(at("2026-01-01T00:00:00Z"), at("2026-03-04T00:00:00Z"), utc), "day") == 0,
	   "62 days: by day");
	ok(strcmp(rseries_unit(at("2026-01-01T00:00:00Z"), at("2026-03-05T00:00:00Z"), utc), "week") == 0,
	   "63 days: by week");
	w = rseries_points(at("2026-01-01T00:00:00Z"), at("2026-12-01T00:00:00Z"), utc, "week");
	ok(w->len == 49 && strcmp(pt(w, 0)->key, "2026-W01") == 0 && pt(w, 0)->at == at("2026-01-05T00:00:00Z") &&
	   strcmp(pt(w, 48)->key, "2026-W49") == 0 && pt(w, 48)->at == at("2026-12-01T00:00:00Z"),
	   "weeks of 2026 to 1 Dec: W01 ends Mon 5 Jan, W49 cut at 1 Dec");
	ok(strcmp(rseries_unit(at("2024-01-01T00:00:00Z"), at("2026-12-01T00:00:00Z"), utc), "month") == 0,
	   "three years: by month");
	g_ptr_array_unref(w);
	g_time_zone_unref(utc);
}

/* Days 1-4 Nov (UTC), ending 2, 3, 4, 5 Nov 00:00. A ticket opened 1 Nov
 * 12:00 that stops waiting 2 Nov 10:00 and waits again 3 Nov 18:00 waits
 * at the ends of 1 Nov (12h: 0-1d), 3 Nov (2d12h: 1-3d) and 4 Nov (3d12h:
 * 3-7d). One opened 4 Nov 23:59:59 waits at the end of 4 Nov (1 s: 0-1d);
 * one opened at 5 Nov 00:00 is after every point. */
static void
test_backlog(void)
{
	GTimeZone *utc = g_time_zone_new_utc();
	GPtrArray *p = rseries_points(at("2026-11-01T00:00:00Z"), at("2026-11-05T00:00:00Z"), utc, "day");
	gint64 flips[] = { at("2026-11-02T10:00:00Z"), at("2026-11-03T18:00:00Z") };

	rseries_add(p, at("2026-11-01T12:00:00Z"), flips, 2);
	rseries_add(p, at("2026-11-04T23:59:59Z"), NULL, 0);
	rseries_add(p, at("2026-11-05T00:00:00Z"), NULL, 0);
	ok(p->len == 4, "4 days");
	ok(p->len == 4 && pt(p, 0)->backlog == 1 && pt(p, 0)->aging[0] == 1, "1 Nov: 1 waiting, 0-1d");
	ok(p->len == 4 && pt(p, 1)->backlog == 0, "2 Nov: none (it stopped waiting at 10:00)");
	ok(p->len == 4 && pt(p, 2)->backlog == 1 && pt(p, 2)->aging[1] == 1, "3 Nov: 1, 1-3d (waits again)");
	ok(p->len == 4 && pt(p, 3)->backlog == 2 && pt(p, 3)->aging[0] == 1 && pt(p, 3)->aging[2] == 1,
	   "4 Nov: 2: 0-1d (opened a second before) and 3-7d");
	g_ptr_array_unref(p);
	g_time_zone_unref(utc);
}

static void
test_ages(void)
{
	ok(rseries_age(86399) == 0 && rseries_age(86400) == 1 && rseries_age(3 * 86400 - 1) == 1 &&
	   rseries_age(3 * 86400) == 2 && rseries_age(7 * 86400 - 1) == 2 && rseries_age(7 * 86400) == 3,
	   "aging buckets include their lower bounds");
}

int
main(void)
{
	test_dst_days();
	test_units();
	test_backlog();
	test_ages();
	printf("1..%d\n", n);
	return failed != 0;
}
