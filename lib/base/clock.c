/* clock.c: the one clock of maildesk, set by MAILDESK_NOW for tests and
 * replays, else the system's (see clock.h). */
#include <stdlib.h>
#include <string.h>

#include "clock.h"

gboolean
clock_parse(const char *text, gint64 *out)
{
	GDateTime *dt;
	char *end = NULL;
	gint64 n;

	if (text == NULL || *text == '\0')
		return FALSE;
	if (g_ascii_isdigit(*text)) {
		n = g_ascii_strtoll(text, &end, 10);
		if (end != NULL && *end == '\0' && n >= 0 && n < G_GINT64_CONSTANT(253402300800)) {
			*out = n;
			return TRUE;
		}
	}
	/* NULL default zone: a time with no zone is refused, not taken as local */
	dt = g_date_time_new_from_iso8601(text, NULL);
	if (dt == NULL)
		return FALSE;
	*out = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return TRUE;
}

gint64
desk_now(void)
{
	gint64 t;

	if (clock_parse(g_getenv("MAILDESK_NOW"), &t))
		return t;
	return g_get_real_time() / G_USEC_PER_SEC;
}

GDateTime *
desk_now_local(void)
{
	GDateTime *dt = g_date_time_new_from_unix_local(desk_now());

	return dt != NULL ? dt : g_date_time_new_now_local();
}

desk_status
clock_check(desk_err *err)
{
	const char *v = g_getenv("MAILDESK_NOW");
	gint64 t;

	if (v == NULL || clock_parse(v, &t))
		return DESK_OK;
	return desk_fail(err, DESK_CONFIG,
			 "MAILDESK_NOW=%.64s is not seconds since the epoch nor ISO 8601 with a zone "
			 "(like 2026-03-29T01:30:00Z)", v);
}
