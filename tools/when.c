/* when.c: parse the times of --since and --until; print ages and local
 * times for people. */
#include <string.h>

#include "when.h"

static gboolean
age(const char *s, gint64 now, gint64 *out)
{
	static const struct { char unit; gint64 seconds; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 7 * 86400 },
	};
	char *end;
	guint64 n;

	if (!g_ascii_isdigit(*s))
		return FALSE;
	n = g_ascii_strtoull(s, &end, 10);
	if (end[0] == '\0' || end[1] != '\0' || n > 100000000)
		return FALSE;
	for (gsize i = 0; i < G_N_ELEMENTS(units); i++)
		if (*end == units[i].unit) {
			*out = now - (gint64)n * units[i].seconds;
			return TRUE;
		}
	return FALSE;
}

gboolean
when_parse(const char *s, gint64 now, gint64 *out)
{
	GTimeZone *utc;
	GDateTime *dt;
	char *iso;

	if (s == NULL || *s == '\0' || strlen(s) > 64)
		return FALSE;
	if (age(s, now, out))
		return TRUE;
	if (strlen(s) == 10)
		iso = g_strconcat(s, "T00:00:00", NULL);
	else
		iso = g_strdelimit(g_strdup(s), " ", 'T');
	/* "YYYY-MM-DDTHH:MM", perhaps with a zone: seconds 0 */
	if (strlen(iso) >= 16 && iso[10] == 'T' && iso[13] == ':' && strchr("Z+-", iso[16]) != NULL) {
		char *full = g_strdup_printf("%.16s:00%s", iso, iso + 16);

		g_free(iso);
		iso = full;
	}
	utc = g_time_zone_new_utc();
	dt = g_date_time_new_from_iso8601(iso, utc);
	g_time_zone_unref(utc);
	g_free(iso);
	if (dt == NULL)
		return FALSE;
	*out = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return TRUE;
}

char *
when_age(gint64 t, gint64 now)
{
	static const struct { gint64 seconds; char unit; } units[] = {
		{ 365 * 86400, 'y' }, { 7 * 86400, 'w' }, { 86400, 'd' }, { 3600, 'h' }, { 60, 'm' },
	};
	/* a unit is used once the age is at least this many of it */
	static const gint64 from[] = { 2, 8, 1, 1, 1 };
	gint64 age = now - t;

	if (t <= 0)
		return g_strdup("-");
	for (gsize i = 0; i < G_N_ELEMENTS(units); i++)
		if (age >= from[i] * units[i].seconds)
			return g_strdup_printf("%" G_GINT64_FORMAT "%c", MIN(age / units[i].seconds, 999),
					       units[i].unit);
	return g_strdup("now");
}

char *
when_local(gint64 t)
{
	GDateTime *dt;
	char *s;

	if (t <= 0)
		return g_strdup("-");
	dt = g_date_time_new_from_unix_local(t);
	if (dt == NULL)
		return g_strdup("-");
	s = g_date_time_format(dt, "%Y-%m-%d %H:%M");
	g_date_time_unref(dt);
	return s;
}
