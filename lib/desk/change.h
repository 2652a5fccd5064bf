/* change.h: a change of tickets made under the store lock, so that two
 * agents acting at once see each other's result: read the state, decide,
 * write event messages, index them, unlock. */
#ifndef DESK_CHANGE_H
#define DESK_CHANGE_H

#include <gmime/gmime.h>
#include <notmuch.h>
#include "agent.h"
#include "event.h"
#include "store.h"
#include "ticket.h"

typedef struct desk_change desk_change;

/* Take the store lock (lock_timeout, then "store busy"), index what waits
 * in mail/new, open the index to read. */
desk_status change_begin(desk_store *st, desk_change **out, desk_err *err);

/* The index, current as of change_begin plus nothing written since. */
notmuch_database_t *change_db(desk_change *c);

/* Ticket N's state, following merges: a merged ticket gives the one it
 * was merged into (*merged_from gets N then, else 0; may be NULL). */
desk_status change_ticket(desk_change *c, guint n, ticket_info **out, guint *merged_from,
			  desk_err *err);

/* Store an event in ticket T, by agent BY (NULL: the system): X-Desk-Event
 * EVENT, X-Desk-Set SET (may be NULL) plus by=LOGIN, and LINE as its body. */
desk_status change_event(desk_change *c, const ticket_info *t, const desk_agent *by,
			 const char *event, const xset *set, const char *line, desk_err *err);

/* Store a message of ours already composed, under block B. */
desk_status change_deliver(desk_change *c, const desk_block *b, GMimeMessage *msg, desk_err *err);

/* Index what was written, unlock, free. */
desk_status change_commit(desk_change *c, desk_err *err);
/* Unlock and free; what was written is indexed later (it is in new/). */
void change_abort(desk_change *c);

/* The end of a change whose work gave S: commit when S is DESK_OK (and
 * return what the commit gives), else abort and return S. C may be NULL
 * (then S). Follow-ups are not run here: see lib/desk/followup.h. */
desk_status change_finish(desk_change *c, desk_status s, desk_err *err);

#endif
