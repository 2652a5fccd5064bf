/* slacheck.h: desk sla check: the SLA events due, written once, and the
 * escalations of a breach (lib/store/sla.h says how figures are found). */
#ifndef DESK_SLACHECK_H
#define DESK_SLACHECK_H

#include "store.h"

/* For each open ticket and each target of its current cycles, store an
 * sla-warning event when warn_percent of the target is used and an
 * sla-breach event when the target is, unless the ticket has that event
 * of that target and cycle already; on a new breach do the policy's
 * escalations (priority, queue, owner as events by the system, a mail
 * to a manager stored in the ticket, then sent). Everything is decided
 * from the stored events and desk_now(), so a repeated or late run, or a
 * run on a copy of the store, writes nothing new. With DRY_RUN only says
 * what it would do. Adds to OUT (may be NULL) a line per thing done. */
desk_status sla_check(desk_store *st, gboolean dry_run, GPtrArray *out, desk_err *err);

#endif
