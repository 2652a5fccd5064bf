/* lookup.h: what threading asks of the store: known Message-IDs, tickets,
 * participants, from the index and from decisions not yet indexed. */
#ifndef DESK_LOOKUP_H
#define DESK_LOOKUP_H

#include <notmuch.h>
#include "store.h"

typedef struct desk_lookup desk_lookup;

/* A lookup over a read-only handle it opens (and reopens) itself. Safe to
 * share between threads: every call takes the lookup's mutex. */
desk_lookup *lookup_new(desk_store *st);
/* A lookup over DB, owned by the caller (the indexer's write handle). */
desk_lookup *lookup_new_for_db(desk_store *st, notmuch_database_t *db);
void lookup_free(desk_lookup *lk);

/* *ticket = the ticket of the message ID, 0 if unknown. */
desk_status lookup_msgid(desk_lookup *lk, const char *id, guint *ticket, desk_err *err);
/* *yes = whether the ticket has messages. */
desk_status lookup_ticket_exists(desk_lookup *lk, guint ticket, gboolean *yes, desk_err *err);
/* *status = the ticket's status (desk.status of its root), "" when the
 * ticket is not indexed yet. Caller g_free()s. */
desk_status lookup_ticket_status(desk_lookup *lk, guint ticket, char **status, desk_err *err);
/* *yes = whether ADDR is a participant of the ticket: its requester, a
 * Cc an agent added, a sender whose mail joined by a valid token, or one
 * remembered as such and not indexed yet (addresses compared as
 * addr_canonical says). */
desk_status lookup_participant(desk_lookup *lk, guint ticket, const char *addr, gboolean *yes,
			       desk_err *err);

/* *into = the ticket that TICKET was merged into (desk merge), following
 * merges of merges up to 10 hops; TICKET itself when it was not merged. */
desk_status lookup_ticket_merged_into(desk_lookup *lk, guint ticket, guint *into, desk_err *err);

/* Remember a decision until the indexer has the message (bounded by
 * milter.pending_ttl). FROM, a participant from now on (the requester of
 * a new ticket, a sender with a valid token), may be NULL. */
void lookup_remember(desk_lookup *lk, const char *id, guint ticket, const char *from);
/* The indexer has these IDs: forget them and see the index anew. */
void lookup_indexed(desk_lookup *lk, GPtrArray *ids);
guint lookup_pending_count(desk_lookup *lk);

#endif
