/* incidents.h: desk triage incidents: the bursts of similar new tickets
 * (lib/store/incident.h) found and each recorded as an "incident" event
 * by the system in its first ticket's thread, under the store lock, so
 * that two runs at once record a burst once. The event fires the hooks of
 * STORE/hooks/incident.d/ (maildesk-hooks(5)). */
#ifndef DESK_INCIDENTS_H
#define DESK_INCIDENTS_H

#include "incident.h"
#include "store.h"

/* Find the bursts of O (tickets, minutes and bits from ST's [triage]
 * when 0) and, unless DRY_RUN, record each; OUT gets them (incident*). */
desk_status incidents_record(desk_store *st, const incident_opts *o, gboolean dry_run, GPtrArray *out,
			     desk_err *err);

#endif
