/* when.h: times given on the command line (--since, --until). */
#ifndef DESK_WHEN_H
#define DESK_WHEN_H

#include <glib.h>

/* The Unix time of S, relative to NOW: "YYYY-MM-DD" (00:00 UTC),
 * ISO 8601 ("2026-11-23T10:00:00Z", "2026-11-23 10:00", an offset or Z;
 * UTC when none is given), or an age "N" followed by s, m, h, d or w
 * (that long before NOW). FALSE when S is none of those. */
gboolean when_parse(const char *s, gint64 now, gint64 *out);

#endif
