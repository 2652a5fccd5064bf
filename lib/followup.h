/* followup.h: what happens after new mail is indexed: acknowledgements of
 * new tickets (lib/ack.c), mail from agents (lib/bymail.c), mail to the
 * agent whose ticket it is (lib/notify.c). The indexer tags fresh messages
 * "followup" (never during a rebuild), and of our own only the events that
 * give a ticket to an agent; followup_run handles them and takes the tag
 * off, so a crash in between only delays. */
#ifndef DESK_FOLLOWUP_H
#define DESK_FOLLOWUP_H

#include <notmuch.h>

#include "store.h"

typedef struct followup_item {
	char *path;           /* the stored file */
	char *message_id;
	guint ticket;
	char *match;          /* desk.match */
	char *tags;           /* space-separated notmuch tags */
	char *event, *set;    /* desk.event, desk.set (sealed), or NULL */
	char *from, *from_name; /* desk.from, desk.name: the sender ("" when none) */
	notmuch_database_t *db; /* the round's read-only view of the index, as it
				 * was before the handlers ran: for a quick look
				 * that spares a change (lib/change.h) when it can
				 * tell nothing is to be done; not owned */
} followup_item;

/* Handle every message tagged followup. Call without the store lock held.
 * One process at a time (STORE/followup.lock, waited for up to
 * desk.lock_timeout), so that two never handle the same message: the
 * milter's indexer, desk ingest and the verbs that indexed fresh mail all
 * run it. *done (may be NULL) gets how many were handled. */
desk_status followup_run(desk_store *st, guint *done, desk_err *err);

/* Whether ITEM has TAG. */
gboolean followup_has_tag(const followup_item *item, const char *tag);

/* The handlers (each in its own file); errors are logged there. */
void ack_followup(desk_store *st, const followup_item *item);
void bymail_followup(desk_store *st, const followup_item *item);
void link_followup(desk_store *st, const followup_item *item);  /* lib/links.c */
void notify_followup(desk_store *st, const followup_item *item); /* lib/notify.c */

#endif
