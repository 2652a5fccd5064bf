/* calendar.h: business hours: a time zone, weekly working hours and
 * holidays, and time measured in working seconds across weekends,
 * holidays and daylight saving changes (GLib's GTimeZone). */
#ifndef DESK_CALENDAR_H
#define DESK_CALENDAR_H

#include <glib.h>
#include "err.h"

typedef struct desk_calendar desk_calendar;

/* A calendar in ZONE (an identifier such as Europe/Berlin; NULL or "":
 * the system's), working HOURS ("mon-fri 09:00-17:00; sat 10:00-12:00",
 * or "always"), and the holidays of the file HOLIDAYS (NULL: none; one
 * YYYY-MM-DD a line, # comments). DESK_CONFIG and why when a part is
 * unusable (a bad holiday says FILE:LINE). Free with calendar_free. */
desk_status calendar_new(const char *zone, const char *hours, const char *holidays, desk_calendar **out,
			 desk_err *err);
void calendar_free(desk_calendar *c);

/* The working seconds from FROM to TO (0 when TO <= FROM). */
gint64 calendar_between(desk_calendar *c, gint64 from, gint64 to);

/* The moment at which SECS working seconds have passed since FROM (the
 * end of a working period when they fill it exactly); G_MAXINT64 when
 * the calendar has no working time within ten years. */
gint64 calendar_add(desk_calendar *c, gint64 from, gint64 secs);

#endif
