/* rseries.c: points over time and the backlog at each (rseries.h). */
#include <string.h>

#include "rseries.h"

#define DAY (24 * 3600)

/* The start of the bucket of UNIT holding T, in TZ. Caller unrefs. */
static GDateTime *
bucket_of(gint64 t, GTimeZone *tz, const char *unit)
{
	GDateTime *u = g_date_time_new_from_unix_utc(t), *d = g_date_time_to_timezone(u, tz), *start, *out;

	start = g_date_time_new(tz, g_date_time_get_year(d), g_date_time_get_month(d),
				strcmp(unit, "month") == 0 ? 1 : g_date_time_get_day_of_month(d), 0, 0, 0);
	out = strcmp(unit, "week") == 0 ? g_date_time_add_days(start, 1 - g_date_time_get_day_of_week(start))
					: g_date_time_ref(start);
	g_date_time_unref(start);
	g_date_time_unref(d);
	g_date_time_unref(u);
	return out;
}

static GDateTime *
next_of(GDateTime *b, const char *unit)
{
	return strcmp(unit, "day") == 0 ? g_date_time_add_days(b, 1)
	       : strcmp(unit, "week") == 0 ? g_date_time_add_weeks(b, 1) : g_date_time_add_months(b, 1);
}

/* How many buckets of UNIT [START, UNTIL) spans, counting no further than MAX + 1. */
static guint
buckets(gint64 start, gint64 until, GTimeZone *tz, const char *unit, guint max)
{
	GDateTime *b = bucket_of(start, tz, unit);
	guint n = 0;

	while (n <= max && g_date_time_to_unix(b) < until) {
		GDateTime *next = next_of(b, unit);

		g_date_time_unref(b);
		b = next;
		n++;
	}
	g_date_time_unref(b);
	return n;
}

const char *
rseries_unit(gint64 start, gint64 until, GTimeZone *tz)
{
	if (buckets(start, until, tz, "day", 62) <= 62)
		return "day";
	return buckets(start, until, tz, "week", 60) <= 60 ? "week" : "month";
}

static void
point_free(gpointer p)
{
	report_point *pt = p;

	g_free(pt->key);
	g_free(pt);
}

static const char *
format_of(const char *unit)
{
	return strcmp(unit, "day") == 0 ? "%Y-%m-%d" : strcmp(unit, "week") == 0 ? "%G-W%V" : "%Y-%m";
}

char *
rseries_key(gint64 t, GTimeZone *tz, const char *unit, gint64 *start, gint64 *end)
{
	GDateTime *b = bucket_of(t, tz, unit), *next = next_of(b, unit);
	char *key = g_date_time_format(b, format_of(unit));

	*start = g_date_time_to_unix(b);
	*end = g_date_time_to_unix(next);
	g_date_time_unref(next);
	g_date_time_unref(b);
	return key;
}

GPtrArray *
rseries_points(gint64 start, gint64 until, GTimeZone *tz, const char *unit)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(point_free);
	const char *fmt = format_of(unit);
	GDateTime *b = bucket_of(start, tz, unit);

	while (start < until && g_date_time_to_unix(b) < until) {
		GDateTime *next = next_of(b, unit);
		report_point *pt = g_new0(report_point, 1);

		pt->key = g_date_time_format(b, fmt);
		pt->at = MIN(g_date_time_to_unix(next), until);
		g_ptr_array_add(out, pt);
		g_date_time_unref(b);
		b = next;
	}
	g_date_time_unref(b);
	return out;
}

guint
rseries_age(gint64 age)
{
	return age < DAY ? 0 : age < 3 * DAY ? 1 : age < 7 * DAY ? 2 : 3;
}

void
rseries_add(GPtrArray *points, gint64 opened, const gint64 *toggles, guint n)
{
	guint j = 0, lo = 0, hi = points->len;

	while (lo < hi) {   /* the first point after OPENED */
		guint mid = lo + (hi - lo) / 2;

		if (((report_point *)points->pdata[mid])->at <= opened)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (guint i = lo; i < points->len; i++) {
		report_point *pt = points->pdata[i];

		while (j < n && toggles[j] < pt->at)
			j++;
		if (j % 2 == 0) {
			pt->backlog++;
			pt->aging[rseries_age(pt->at - opened)]++;
		}
	}
}
