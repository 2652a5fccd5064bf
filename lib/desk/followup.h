/* followup.h: what happens after new mail is indexed: acknowledgements of
 * new tickets (lib/desk/ack.c), mail from agents (lib/desk/bymail.c), links to
 * closed tickets (lib/desk/links.c), mail to the agent whose ticket it is
 * (lib/desk/notify.c), runs of event hooks recorded (lib/desk/hooks.h). The
 * indexer records fresh messages as owed a follow-up (never during a
 * rebuild), and of our own only the events that give a ticket to an agent
 * or that hooks wait for, in the store (lib/store/owed.h), so that a
 * rebuild owes them still; followup_run handles them and takes the record
 * off, so a crash in between only delays.
 *
 * Follow-ups are a step above changes: a change (lib/desk/change.h) that
 * indexes fresh mail only sets st->followup_owed, and the caller at the
 * top (desk's verbs when they close the store, desk ingest, desk reindex,
 * the milter's indexer) runs followup_run once its changes are done. The
 * handlers open changes of their own; the fresh mail those index is
 * handled in the same run's next round, never by a nested run. */
#ifndef DESK_FOLLOWUP_H
#define DESK_FOLLOWUP_H

#include <notmuch.h>

#include "store.h"

typedef struct followup_item {
	char *path;           /* the stored file */
	time_t date;          /* the message's Date, as the index has it */
	char *message_id;
	guint ticket;
	char *match;          /* desk.match */
	char *tags;           /* space-separated notmuch tags */
	char *event, *set;    /* desk.event, desk.set (sealed), or NULL */
	char *from, *from_name; /* desk.from, desk.name: the sender ("" when none) */
	notmuch_database_t *db; /* the round's read-only view of the index, as it
				 * was before the handlers ran: for a quick look
				 * that spares a change (lib/desk/change.h) when it can
				 * tell nothing is to be done; not owned */
	GHashTable *acked;      /* the round's senders known to have had an
				 * acknowledgement within the window (canonical,
				 * lib/mail/addr.h): looked up once a round, not
				 * once a message; shared by the round's items */
} followup_item;

/* Handle every message owed a follow-up. Call without the store lock held
 * and with no change open. One process at a time (STORE/followup.lock,
 * waited for up to desk.lock_timeout), so that two never handle the same
 * message. Clears st->followup_owed. *done (may be NULL) gets how many
 * were handled. */
desk_status followup_run(desk_store *st, guint *done, desk_err *err);

/* Whether ITEM has TAG. */
gboolean followup_has_tag(const followup_item *item, const char *tag);

/* The handlers (each in its own file); errors are logged there. */
void ack_followup(desk_store *st, const followup_item *item);
/* Whether the local part of ADDR says nobody reads mail to it (noreply@,
 * mailer-daemon@, list owners, ...): no acknowledgement, no survey. */
gboolean ack_noreply_address(const char *addr);
void bymail_followup(desk_store *st, const followup_item *item);
void link_followup(desk_store *st, const followup_item *item);  /* lib/desk/links.c */
void notify_followup(desk_store *st, const followup_item *item); /* lib/desk/notify.c */
void route_followup(desk_store *st, const followup_item *item);  /* lib/desk/route.c */
void survey_followup(desk_store *st, const followup_item *item); /* lib/desk/survey-answer.c */

#endif
