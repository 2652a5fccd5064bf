/* incident.h: incidents, bursts of similar new tickets (doc/desk-triage.1):
 * INCIDENT_TICKETS or more tickets created within INCIDENT_MINUTES of the
 * first of them, each like the first: its fingerprint at most
 * duplicate_bits from the first's (simhash.h), or its bm25 score against
 * the first's words at least INCIDENT_LIKENESS of the first's own score
 * (triagetab.h). Such a burst is recorded as an "incident" event (by the
 * system; X-Desk-Set tickets=A,B,C...) in the thread of its first ticket,
 * once: a ticket named by an incident event is in no later burst. */
#ifndef DESK_INCIDENT_H
#define DESK_INCIDENT_H

#include <glib.h>
#include <notmuch.h>

#include "err.h"

/* A ticket's bm25 likeness to the first of a burst that puts it in it. */
#define INCIDENT_LIKENESS 0.5

typedef struct incident {
	guint first;        /* the ticket whose thread has (or gets) the event */
	gint64 time;        /* the event's time; of a burst found, its first ticket's creation */
	GArray *tickets;    /* guint: every ticket of the burst, by creation, the first first */
} incident;
void incident_free(incident *i);

typedef struct incident_opts {
	guint tickets;       /* this many or more make one (0: never) */
	guint minutes;       /* within this window after the first */
	guint bits;          /* fingerprints this close count as like (0: only bm25) */
	gint64 since, until; /* consider tickets created in [since, until) */
} incident_opts;

/* The incident events stored with a time in [SINCE, UNTIL) (UNTIL 0: no
 * end), by time then ticket, into OUT (incident*). */
desk_status incident_list(notmuch_database_t *db, gint64 since, gint64 until, GPtrArray *out, desk_err *err);

/* The bursts among the tickets of O's period (not spam, purged or merged)
 * that no incident event names yet, by time, into OUT (incident*). */
desk_status incident_find(notmuch_database_t *db, const incident_opts *o, GPtrArray *out, desk_err *err);

#endif
