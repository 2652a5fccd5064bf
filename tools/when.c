/* when.c: parse the times of --since and --until. */
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
