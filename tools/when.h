/* when.h: times given on the command line (--since, --until) and times
 * printed for people (ages, local times). */
#ifndef DESK_WHEN_H
#define DESK_WHEN_H

#include <glib.h>

/* The Unix time of S, relative to NOW: "YYYY-MM-DD" (00:00 UTC),
 * ISO 8601 ("2026-11-23T10:00:00Z", "2026-11-23 10:00", an offset or Z;
 * UTC when none is given), or an age "N" followed by s, m, h, d or w
 * (that long before NOW). FALSE when S is none of those. */
gboolean when_parse(const char *s, gint64 now, gint64 *out);

/* How long before NOW T was, as people read it: "now" (under a minute),
 * "5m", "2h", "3d", "6w", "2y" (rounded down); "-" when T is 0. Never
 * longer than 4 characters. Caller g_free()s. */
char *when_age(gint64 t, gint64 now);

/* T as "YYYY-MM-DD HH:MM" in the local time zone (TZ); "-" when T is 0.
 * Caller g_free()s. */
char *when_local(gint64 t);

#endif
