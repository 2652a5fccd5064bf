/* calendar.c: business hours and working time between two moments (see
 * calendar.h). A day's working periods are found once, as moments, from
 * local times in the calendar's zone (so a day of a DST change has its
 * true length), and kept by day for the next question. */
#include <stdio.h>
#include <string.h>

#include "calendar.h"

/* Working periods of one weekday, at most. */
#define PERIODS 8
/* Days looked at before calendar_add gives up: ten years. */
#define SEARCH_DAYS 3660
/* Largest holidays file read. */
#define HOLIDAYS_MAX (256 * 1024)

typedef struct week_day {
	guint n;
	guint16 from[PERIODS], to[PERIODS];  /* minutes after midnight, to <= 1440 */
} week_day;

/* One date's working periods as moments, in order. */
typedef struct day {
	guint n;
	gint64 from[PERIODS], to[PERIODS];
	gint64 total;            /* their working seconds */
} day;

struct desk_calendar {
	GTimeZone *tz;
	week_day week[7];        /* Monday first */
	GHashTable *holidays;    /* Julian day numbers */
	GHashTable *days;        /* Julian day number -> day* */
	guint32 epoch;           /* Julian day number of 1970-01-01 */
	/* working seconds of the days before each day of [lo, lo + sums->len - 1),
	 * from lo: calendar_between counts the whole days between by them */
	guint32 lo;
	GArray *sums;            /* of gint64 */
};

static const char *const day_names[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

static int
day_index(const char *name, gsize len)
{
	for (int i = 0; i < 7; i++)
		if (len == 3 && g_ascii_strncasecmp(name, day_names[i], 3) == 0)
			return i;
	return -1;
}

/* "mon", "mon-fri", "sat,sun", "fri-mon" into DAYS[7]. */
static gboolean
parse_days(const char *spec, gboolean days[7])
{
	char **parts = g_strsplit(spec, ",", -1);
	gboolean ok = parts[0] != NULL;

	for (char **p = parts; ok && *p != NULL; p++) {
		const char *dash = strchr(*p, '-');
		int a = day_index(*p, dash != NULL ? (gsize)(dash - *p) : strlen(*p));
		int b = dash != NULL ? day_index(dash + 1, strlen(dash + 1)) : a;

		ok = a >= 0 && b >= 0;
		for (int d = a; ok; d = (d + 1) % 7) {
			days[d] = TRUE;
			if (d == b)
				break;
		}
	}
	g_strfreev(parts);
	return ok;
}

/* "HH:MM" into minutes; END allows 24:00. */
static gboolean
parse_clock(const char *s, gsize len, gboolean end, guint *out)
{
	guint h, m;
	char tail;
	char buf[8];

	if (len != 5)
		return FALSE;
	memcpy(buf, s, 5);
	buf[5] = '\0';
	if (sscanf(buf, "%2u:%2u%c", &h, &m, &tail) != 2 || !g_ascii_isdigit(buf[0]) || !g_ascii_isdigit(buf[3]))
		return FALSE;
	*out = h * 60 + m;
	return m < 60 && (h < 24 || (end && *out == 1440));
}

/* Add "HH:MM-HH:MM" to the days in DAYS. */
static gboolean
add_period(desk_calendar *c, const gboolean days[7], const char *spec, desk_err *err)
{
	const char *dash = strchr(spec, '-');
	guint from, to;

	if (dash == NULL || !parse_clock(spec, dash - spec, FALSE, &from) ||
	    !parse_clock(dash + 1, strlen(dash + 1), TRUE, &to) || to <= from)
		return desk_fail(err, DESK_CONFIG, "not a period HH:MM-HH:MM (from before to): %s", spec) == DESK_OK;
	for (int d = 0; d < 7; d++) {
		week_day *w = &c->week[d];

		if (!days[d])
			continue;
		for (guint i = 0; i < w->n; i++)
			if (from < w->to[i] && w->from[i] < to)
				return desk_fail(err, DESK_CONFIG, "%s overlaps another period of %s", spec,
						 day_names[d]) == DESK_OK;
		if (w->n == PERIODS)
			return desk_fail(err, DESK_CONFIG, "more than %d periods on %s", PERIODS,
					 day_names[d]) == DESK_OK;
		w->from[w->n] = (guint16)from;
		w->to[w->n++] = (guint16)to;
	}
	return TRUE;
}

/* One item of the hours: "DAYS PERIOD..." or "always". */
static desk_status
parse_item(desk_calendar *c, const char *item, desk_err *err)
{
	char **w = g_strsplit_set(item, " \t", -1);
	gboolean days[7] = { FALSE };
	gboolean ok = TRUE, any = FALSE;
	desk_status s = DESK_OK;

	if (strcmp(item, "always") == 0) {
		memset(days, 1, sizeof days);
		ok = add_period(c, days, "00:00-24:00", err);
		g_strfreev(w);
		return ok ? DESK_OK : DESK_CONFIG;
	}
	if (!parse_days(w[0], days))
		s = desk_fail(err, DESK_CONFIG, "not days (mon, mon-fri, sat,sun): %s", w[0]);
	for (char **p = w + 1; s == DESK_OK && ok && *p != NULL; p++)
		if (**p != '\0') {
			ok = add_period(c, days, *p, err);
			any = TRUE;
		}
	if (s == DESK_OK && !ok)
		s = DESK_CONFIG;
	if (s == DESK_OK && !any)
		s = desk_fail(err, DESK_CONFIG, "%s: no period HH:MM-HH:MM", item);
	g_strfreev(w);
	return s;
}

static int
by_start(gconstpointer a, gconstpointer b)
{
	return (int)*(const guint32 *)a - (int)*(const guint32 *)b;
}

/* Each weekday's periods in order of time. */
static void
sort_periods(desk_calendar *c)
{
	for (int d = 0; d < 7; d++) {
		week_day *w = &c->week[d];
		guint32 p[PERIODS];

		for (guint i = 0; i < w->n; i++)
			p[i] = (guint32)w->from[i] << 16 | w->to[i];
		qsort(p, w->n, sizeof p[0], by_start);
		for (guint i = 0; i < w->n; i++) {
			w->from[i] = (guint16)(p[i] >> 16);
			w->to[i] = (guint16)(p[i] & 0xffff);
		}
	}
}

static desk_status
parse_hours(desk_calendar *c, const char *hours, desk_err *err)
{
	char **items = g_strsplit(hours, ";", -1);
	desk_status s = DESK_OK;
	guint total = 0;

	for (char **i = items; s == DESK_OK && *i != NULL; i++)
		if (*g_strstrip(*i) != '\0')
			s = parse_item(c, *i, err);
	g_strfreev(items);
	for (int d = 0; d < 7; d++)
		total += c->week[d].n;
	if (s == DESK_OK && total == 0)
		s = desk_fail(err, DESK_CONFIG, "no working hours (e.g. mon-fri 09:00-17:00)");
	sort_periods(c);
	return s;
}

static guint32
julian_of(guint y, guint m, guint d)
{
	GDate date;

	g_date_clear(&date, 1);
	g_date_set_dmy(&date, (GDateDay)d, (GDateMonth)m, (GDateYear)y);
	return g_date_get_julian(&date);
}

/* "YYYY-MM-DD" into a Julian day number, 0 if it is no date. */
static guint32
parse_date(const char *s)
{
	guint y, m, d;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !g_ascii_isdigit(s[i]))
			return 0;
	if (sscanf(s, "%4u-%2u-%2u", &y, &m, &d) != 3 || y < 1900 ||
	    !g_date_valid_dmy((GDateDay)d, (GDateMonth)m, (GDateYear)y))
		return 0;
	return julian_of(y, m, d);
}

static desk_status
load_holidays(desk_calendar *c, const char *path, desk_err *err)
{
	char *text = NULL, **lines;
	gsize len = 0;
	GError *gerr = NULL;
	desk_status s = DESK_OK;

	if (!g_file_get_contents(path, &text, &len, &gerr)) {
		s = desk_fail(err, DESK_CONFIG, "holidays %s: %s", path, gerr->message);
		g_error_free(gerr);
		return s;
	}
	if (len > HOLIDAYS_MAX) {
		g_free(text);
		return desk_fail(err, DESK_CONFIG, "holidays %s: larger than %d KiB", path, HOLIDAYS_MAX / 1024);
	}
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; s == DESK_OK && lines[i] != NULL; i++) {
		char *l = lines[i], *hash = strchr(l, '#');
		guint32 j;

		if (hash != NULL)
			*hash = '\0';
		g_strstrip(l);
		if (*l == '\0')
			continue;
		if ((j = parse_date(l)) == 0)
			s = desk_fail(err, DESK_CONFIG, "%s:%u: not a date YYYY-MM-DD: %s", path, i + 1, l);
		else
			g_hash_table_add(c->holidays, GUINT_TO_POINTER(j));
	}
	g_strfreev(lines);
	g_free(text);
	return s;
}

desk_status
calendar_new(const char *zone, const char *hours, const char *holidays, desk_calendar **out, desk_err *err)
{
	desk_calendar *c = g_new0(desk_calendar, 1);
	desk_status s = DESK_OK;

	*out = NULL;
	c->holidays = g_hash_table_new(g_direct_hash, g_direct_equal);
	c->days = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	c->sums = g_array_new(FALSE, FALSE, sizeof(gint64));
	c->epoch = julian_of(1970, 1, 1);
	if (zone != NULL && *zone != '\0' && (c->tz = g_time_zone_new_identifier(zone)) == NULL)
		s = desk_fail(err, DESK_CONFIG, "unknown time zone %s", zone);
	else if (c->tz == NULL)
		c->tz = g_time_zone_new_local();
	if (s == DESK_OK)
		s = parse_hours(c, hours != NULL ? hours : "", err);
	if (s == DESK_OK && holidays != NULL && *holidays != '\0')
		s = load_holidays(c, holidays, err);
	if (s != DESK_OK)
		calendar_free(c);
	else
		*out = c;
	return s;
}

void
calendar_free(desk_calendar *c)
{
	if (c == NULL)
		return;
	if (c->tz != NULL)
		g_time_zone_unref(c->tz);
	g_hash_table_destroy(c->holidays);
	g_hash_table_destroy(c->days);
	g_array_unref(c->sums);
	g_free(c);
}

/* The local date of moment T, as a Julian day number: T plus the zone's
 * offset at T, in whole days since 1970-01-01. */
static guint32
local_day(desk_calendar *c, gint64 t)
{
	gint interval = g_time_zone_find_interval(c->tz, G_TIME_TYPE_UNIVERSAL, t);
	gint64 local = t + (interval >= 0 ? g_time_zone_get_offset(c->tz, interval) : 0);
	gint64 days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);

	return (guint32)((gint64)c->epoch + days);
}

/* The moment of MINUTES after local midnight of day J (1440: the next
 * midnight). A local time a DST change skips is moved as GLib does. */
static gint64
moment_of(desk_calendar *c, guint32 j, guint minutes)
{
	GDate date;
	GDateTime *dt;
	gint64 t;

	if (minutes == 1440) {
		j++;
		minutes = 0;
	}
	g_date_clear(&date, 1);
	g_date_set_julian(&date, j);
	dt = g_date_time_new(c->tz, g_date_get_year(&date), g_date_get_month(&date), g_date_get_day(&date),
			     (int)(minutes / 60), (int)(minutes % 60), 0);
	t = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return t;
}

/* Day J's working periods as moments (none on a holiday); kept in C. */
static const day *
day_of(desk_calendar *c, guint32 j)
{
	day *d = g_hash_table_lookup(c->days, GUINT_TO_POINTER(j));
	GDate date;
	const week_day *w;

	if (d != NULL)
		return d;
	d = g_new0(day, 1);
	if (!g_hash_table_contains(c->holidays, GUINT_TO_POINTER(j))) {
		g_date_clear(&date, 1);
		g_date_set_julian(&date, j);
		w = &c->week[g_date_get_weekday(&date) - G_DATE_MONDAY];
		for (guint i = 0; i < w->n; i++) {
			d->from[d->n] = moment_of(c, j, w->from[i]);
			d->to[d->n] = moment_of(c, j, w->to[i]);
			if (d->to[d->n] > d->from[d->n]) {
				d->total += d->to[d->n] - d->from[d->n];
				d->n++;
			}
		}
	}
	g_hash_table_insert(c->days, GUINT_TO_POINTER(j), d);
	return d;
}

/* The working seconds of day J within [FROM, TO). */
static gint64
day_part(desk_calendar *c, guint32 j, gint64 from, gint64 to)
{
	const day *d = day_of(c, j);
	gint64 sum = 0;

	for (guint i = 0; i < d->n; i++) {
		gint64 a = MAX(d->from[i], from), b = MIN(d->to[i], to);

		if (b > a)
			sum += b - a;
	}
	return sum;
}

/* The working seconds of the days from A to B - 1 (A <= B), by the sums
 * of C, made to cover them first (grown at the end, or made anew from A
 * when A is before them). */
static gint64
whole_days(desk_calendar *c, guint32 a, guint32 b)
{
	gint64 zero = 0;

	if (a >= b)
		return 0;
	if (c->sums->len == 0 || a < c->lo) {
		g_array_set_size(c->sums, 0);
		g_array_append_val(c->sums, zero);
		c->lo = a;
	}
	while (c->lo + c->sums->len - 1 < b) {
		gint64 next = g_array_index(c->sums, gint64, c->sums->len - 1) +
			      day_of(c, c->lo + c->sums->len - 1)->total;

		g_array_append_val(c->sums, next);
	}
	return g_array_index(c->sums, gint64, b - c->lo) - g_array_index(c->sums, gint64, a - c->lo);
}

gint64
calendar_between(desk_calendar *c, gint64 from, gint64 to)
{
	guint32 first, last;

	if (to <= from)
		return 0;
	first = local_day(c, from);
	last = local_day(c, to);
	if (first == last)
		return day_part(c, first, from, to);
	return day_part(c, first, from, to) + whole_days(c, first + 1, last) + day_part(c, last, from, to);
}

gint64
calendar_add(desk_calendar *c, gint64 from, gint64 secs)
{
	guint32 j = local_day(c, from);

	if (secs <= 0)
		return from;
	for (guint32 k = 0; k < SEARCH_DAYS; k++, j++) {
		const day *d = day_of(c, j);

		for (guint i = 0; i < d->n; i++) {
			gint64 a = MAX(d->from[i], from);

			if (d->to[i] <= a)
				continue;
			if (secs <= d->to[i] - a)
				return a + secs;
			secs -= d->to[i] - a;
		}
	}
	return G_MAXINT64;
}
