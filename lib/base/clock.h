/* clock.h: the one clock of maildesk. MAILDESK_NOW (seconds since the
 * epoch, or ISO 8601 in UTC such as 2026-03-29T01:30:00Z) sets it for every
 * verb, desk ingest, the milter and its indexer; else it is the system's. */
#ifndef DESK_CLOCK_H
#define DESK_CLOCK_H

#include <glib.h>
#include "err.h"

/* Now, in seconds since the epoch: MAILDESK_NOW when set and valid, else
 * the system's time. Every decision that depends on the time asks this. */
gint64 desk_now(void);

/* Now as a GDateTime in the local time zone (TZ). Caller unrefs. */
GDateTime *desk_now_local(void);

/* DESK_OK when MAILDESK_NOW is unset or valid; else DESK_CONFIG and why.
 * store_open calls it, so a bad clock stops a verb before it acts. */
desk_status clock_check(desk_err *err);

/* Parse TEXT as seconds since the epoch or ISO 8601 with a zone (Z or
 * +HH:MM); *out gets the time. FALSE when TEXT is neither. */
gboolean clock_parse(const char *text, gint64 *out);

#endif
