/* tickettab.h: the ticket table: every ticket's state (the desk.* properties
 * of its root) as a row in SQLite, STORE/mail/.notmuch/desk-tickets.sqlite,
 * so that a list is one indexed query instead of reading the state of every
 * ticket from the index (notmuch sorts only by Date and keeps properties in
 * each message's compressed term list).
 *
 * It is a cache of the index as the index is of the Maildir: keyed by the
 * index's UUID and revision, brought up to the index before each use from
 * the messages changed since (a lastmod: query), built whole when the index
 * was rebuilt (a new UUID), deleted with it by desk reindex. Only read
 * snapshots of the index are used, so it never holds what the index has
 * not committed. When the file cannot be written the same is done in
 * memory: slower, never wrong.
 *
 * Each row also keeps its ticket's report facts (rfact.h), written anew
 * with the row from all of the ticket's messages, so that desk report
 * reads the table alone. */
#ifndef DESK_TICKETTAB_H
#define DESK_TICKETTAB_H

#include "ticket.h"

/* The tickets that match F (its values checked by the caller) and, when
 * MATCHING (a set of ticket numbers) is not NULL, are in it; added to OUT
 * in F's order, at most F->limit. A ticket's messages count those of the
 * tickets merged into it. With F->people, *HIDDEN (may be NULL) gets how
 * many tickets without people's activity were left out. DB must have
 * nothing uncommitted. */
desk_status tickettab_list(notmuch_database_t *db, const ticket_filter *f, GHashTable *matching,
			   GPtrArray *out, guint *hidden, desk_err *err);

/* The row of every ticket (spam, merged and purged too) that was updated
 * at or after SINCE or waits (new, open, pending, on-hold; SINCE 0: every
 * ticket) added to ROWS (ticket_info*, not to be freed one by one: they
 * live in memory blocks added to BLOCKS, to free with g_free, and their
 * text in CHUNK), its report facts (rfact.h), oldest first,
 * appended to FACTS (GArray of rfact) and where they are there to SPANS
 * (GArray of tickettab_span, one for each row added). Of a row only what desk
 * report uses is read: the number, state, requester, owner, queue,
 * priority, created, updated and tags, and but for a ticket updated before
 * SINCE its subject, first response, SLA timeline and recipient; the rest
 * is NULL or 0. */
typedef struct tickettab_span {
	guint first, n;
} tickettab_span;
desk_status tickettab_report(notmuch_database_t *db, gint64 since, GPtrArray *rows, GPtrArray *blocks,
			     GStringChunk *chunk, GArray *facts, GArray *spans, desk_err *err);

/* Bring the table up to DB (e.g. right after desk reindex, so that the
 * first list does not build it). */
desk_status tickettab_sync(notmuch_database_t *db, desk_err *err);


#endif
