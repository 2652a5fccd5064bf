/* ticket.h: a ticket's state, folded from its messages and events, and
 * cached on its first message in the index (tag "ticket", desk.* properties). */
#ifndef DESK_TICKET_H
#define DESK_TICKET_H

#include <notmuch.h>
#include "err.h"

typedef struct ticket_info {
	guint number;
	char *subject, *status, *requester, *owner, *queue, *priority;
	guint messages;
	gint64 created, updated;   /* Unix time */
} ticket_info;

typedef struct ticket_message {
	char *path, *message_id;
	gint64 time;
	char *tags;                /* space-separated */
	char *match;               /* X-Desk-Match */
} ticket_message;

void ticket_info_free(ticket_info *t);
void ticket_message_free(ticket_message *m);

/* Fold ticket T's messages anew and cache the result on its root. */
desk_status ticket_recompute(notmuch_database_t *db, guint t, desk_err *err);
/* The same for every ticket; *max gets the highest ticket number. */
desk_status ticket_recompute_all(notmuch_database_t *db, guint *max, desk_err *err);

/* Whether STATUS is one a ticket can have. */
gboolean ticket_status_valid(const char *status);

/* Tickets whose status is in STATUSES (comma-separated, "any" for all,
 * NULL for the open ones: new, open, pending, on-hold), newest activity
 * first. *out is an array of ticket_info*. */
desk_status ticket_list(notmuch_database_t *db, const char *statuses, GPtrArray **out, desk_err *err);

/* Ticket T and its messages (ticket_message*, oldest first).
 * DESK_NOTFOUND if there is no such ticket. */
desk_status ticket_get(notmuch_database_t *db, guint t, ticket_info **info, GPtrArray **messages,
		       desk_err *err);

#endif
