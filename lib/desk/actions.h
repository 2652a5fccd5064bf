/* actions.h: what a change of a ticket by an agent amounts to, decided
 * once for the verbs (tools/desk-assign.c, ...) and for commands by mail
 * (lib/desk/bymail.c): the event to store, or nothing (already so), or a
 * refusal with its reason. */
#ifndef DESK_ACTIONS_H
#define DESK_ACTIONS_H

#include "agent.h"
#include "ticket.h"
#include "xset.h"

typedef struct apply_event {
	const char *event;   /* X-Desk-Event, NULL: nothing to do (already so) */
	xset *set;           /* X-Desk-Set (without by=), xset_free()d */
	char *line;          /* the event's human line (or why nothing is done), g_free()d */
} apply_event;

/* The owner change of assign, take and unassign (TO "" = nobody): an
 * owner other than the acting agent ME and the new one is only replaced
 * with FORCE, so two agents acting at once cannot both win. A ticket ME
 * owns already given to ME is no change (no event, line "already yours"). */
desk_status assign_decide(const ticket_info *t, const desk_agent *me, const char *to, gboolean force,
			  apply_event *ev, desk_err *err);

/* The change of status TO (status and close); refused on spam and merged. */
desk_status status_decide(const ticket_info *t, const desk_agent *me, const char *to, apply_event *ev,
			  desk_err *err);

/* Reopen a solved or closed ticket. */
desk_status reopen_decide(const ticket_info *t, const desk_agent *me, apply_event *ev, desk_err *err);

/* Priority TO (already checked with ticket_priority_valid). */
desk_status priority_decide(const ticket_info *t, const desk_agent *me, const char *to, apply_event *ev,
			    desk_err *err);

/* Queue TO (already checked to be a queue of the desk). */
desk_status queue_decide(const ticket_info *t, const desk_agent *me, const char *to, apply_event *ev,
			 desk_err *err);

/* Tag changes CHANGES ("+x", "-y", NULL-terminated, already checked with
 * ticket_tag_valid); the ones already so are left out. */
desk_status tag_decide(const ticket_info *t, const desk_agent *me, char **changes, apply_event *ev,
		       desk_err *err);

/* Add (ADD) or remove participant ADDR (lower case, checked with
 * actions_address_ok). */
desk_status cc_decide(const ticket_info *t, const desk_agent *me, gboolean add, const char *addr,
		      apply_event *ev, desk_err *err);

/* Whether A looks like a bare addr-spec we can put in a participant list. */
gboolean actions_address_ok(const char *a);

/* Whether Q is the queue of one of the desk's addresses ADDRESSES
 * (desk_address*). */
gboolean actions_queue_known(const GPtrArray *addresses, const char *q);

#endif
