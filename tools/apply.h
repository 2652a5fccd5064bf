/* apply.h: the common run of a verb that changes tickets: open the store,
 * know the acting agent, and for each ticket decide and store an event
 * under the store lock (lib/desk/change.h). */
#ifndef DESK_APPLY_H
#define DESK_APPLY_H

#include "actions.h"
#include "agent.h"
#include "change.h"
#include "ticket.h"

/* Decide the event for ticket T (already following merges) acted on by ME.
 * A status other than DESK_OK refuses this ticket with ERR's message. */
typedef desk_status (*apply_fn)(desk_change *c, const ticket_info *t, const desk_agent *me, void *ud,
				apply_event *ev, desk_err *err);

/* Run FN on each ticket of TICKETS (guint) as agent AS (NULL: the
 * default). Prints "N: LINE" for each change; per ticket errors go to
 * stderr and make the exit code non-zero. Returns the exit code. */
int apply_tickets(const char *store_dir, const char *verb, const char *as, GArray *tickets,
		  apply_fn fn, void *ud);

/* Collect ticket arguments ARGV[FIRST..] (numbers, "-", message files).
 * NULL (after a message) when one is bad or there are none. */
GArray *apply_ticket_args(const char *verb, int argc, char **argv, int first);

/* The option entry of --as LOGIN. */
#define APPLY_AS_OPTION(var) \
	{ "as", 0, 0, G_OPTION_ARG_STRING, &(var), "Act as agent LOGIN (default $MAILDESK_AGENT, else your login)", "LOGIN" }

/* The decisions (assign_decide, status_decide, ...) are in lib/desk/actions.h. */
#endif
