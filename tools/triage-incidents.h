/* triage-incidents.h: desk triage incidents (lib/desk/incidents.h). */
#ifndef DESK_TRIAGE_INCIDENTS_H
#define DESK_TRIAGE_INCIDENTS_H

#include "store.h"

/* Find and record (DRY_RUN: only print) the bursts among the tickets of
 * the last HOURS hours (<= 0: 24); print one line each. The exit code. */
int triage_incidents_verb(desk_store *st, gboolean dry_run, int hours);

#endif
