/* sla.h: service levels of one ticket, from its events only (the SLA
 * timeline the ticket fold keeps, ticket_info's sla), measured in the
 * working time of its policy's calendar (lib/base/slapolicy.h).
 *
 * The policy is the first [sla] group that fits the ticket as it is now
 * (priority, queue, requester): a change of priority or queue measures
 * the same cycles against the new policy's targets. The cycles:
 *   first response  from the ticket's creation to the first public reply
 *                   of an agent (not acknowledgements, notes, the desk's
 *                   automatic mail);
 *   next response   from the first mail of the requester that follows a
 *                   reply of an agent to the next such reply (the latest
 *                   such cycle);
 *   resolution      from the creation, or from the last reopening, to
 *                   solved or closed.
 * A cycle is named by its start (seconds since the epoch), the "cycle" of
 * sla-warning and sla-breach events. The clock stops while the ticket is
 * pending or on-hold (as the policy says). */
#ifndef DESK_SLA_H
#define DESK_SLA_H

#include "config.h"
#include "slapolicy.h"
#include "ticket.h"

typedef struct sla_figure {
	gboolean active;        /* the policy has the target and a cycle of it exists */
	gint64 cycle;           /* the cycle's start */
	gint64 target;          /* working seconds allowed */
	gint64 elapsed;         /* working seconds used (up to met, else now) */
	gint64 due;             /* when it falls due; 0 while paused before it */
	gint64 met;             /* when it was met, 0 if not yet */
	gboolean paused;        /* not met and the clock stopped now */
	gboolean warn, breach;  /* elapsed reached warn_percent, the target */
	gboolean warned, breached; /* an sla-warning, an sla-breach of this cycle is stored */
} sla_figure;

typedef struct sla_result {
	const sla_policy *policy;  /* NULL: no policy fits; nothing else is set */
	sla_figure fig[SLA_TARGETS];
} sla_result;

/* The policy of ticket T: the first of CFG's that fits it, or NULL. */
const sla_policy *sla_policy_for(const desk_config *cfg, const ticket_info *t);

/* Ticket T's figures at NOW. */
void sla_compute(const desk_config *cfg, const ticket_info *t, gint64 now, sla_result *out);
/* Ticket T's figures as they stood at NOW: its moments at or after NOW
 * left out (desk report at a period's end). */
void sla_compute_at(const desk_config *cfg, const ticket_info *t, gint64 now, sla_result *out);

/* sla_compute_at(UNTIL), but only the cycles that began at or after
 * SINCE are measured; the figures of the others are left inactive
 * (desk report counts only cycles that began in its period), and no
 * figure's due time is computed (due is 0). */
void sla_compute_period(const desk_config *cfg, const ticket_info *t, gint64 since, gint64 until, sla_result *out);

/* The soonest due time of R's targets not met (a paused one counts as
 * not due), 0 if none. */
gint64 sla_due(const sla_result *r);
/* Whether one of R's targets not met is past its due time. */
gboolean sla_breaching(const sla_result *r);

/* TICKETS (of ticket_info*) kept only breaching ones when BREACHING, and
 * sorted by due time when BY_DUE (soonest first, none last, then by
 * number), at NOW. */
void sla_order(const desk_config *cfg, GPtrArray *tickets, gint64 now, gboolean breaching, gboolean by_due);

/* DESK_CONFIG and where, when a policy of CFG names a priority, queue or
 * agent the desk does not have (after the agents are loaded). */
desk_status sla_config_check(const desk_config *cfg, desk_err *err);

#endif
