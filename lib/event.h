/* event.h: messages of ours in a ticket's thread: event messages (a change
 * of state, DESIGN.md "The Maildir is the system of record"), stored copies
 * of our replies and notes. */
#ifndef DESK_EVENT_H
#define DESK_EVENT_H

#include <gmime/gmime.h>
#include "store.h"
#include "ticket.h"
#include "xset.h"

/* What our header block on a message of ours in a ticket says
 * (X-Desk-Match is "ours"); event_deliver seals it to the message. */
typedef struct desk_block {
	guint ticket;
	const char *queue;
	const char *event;     /* X-Desk-Event, or NULL */
	const xset *set;       /* X-Desk-Set, or NULL (lib/xset.h encodes it) */
	const char *kb;        /* X-Desk-KB (SLUG@COMMIT), or NULL */
	const char *extra;     /* header lines after the block (lib/evlist.h), or NULL */
} desk_block;

/* A new message of ours in ticket T: From FROM_NAME <FROM_ADDR>, To TO
 * (may be NULL: the queue's desk address), Subject with the subject tag,
 * Date now, our Message-ID, In-Reply-To IRT (NULL: T's root) and
 * References (T's root, then IRT), a text/plain UTF-8 body. The caller
 * adds headers (Auto-Submitted, Cc, ...) and parts. Unref when done. */
GMimeMessage *event_message_new(desk_store *st, const ticket_info *t, const char *from_name,
				const char *from_addr, const char *to, const char *subject,
				const char *irt, const char *body);

/* The desk address of QUEUE (the first one mapped to it), else the first
 * desk address. Not a copy. */
const char *event_desk_address(desk_store *st, const char *queue);

/* Subject for ticket T: the subject tag, then SUBJECT without any subject
 * tag (its own where it was, another ticket's) and with one "Re: " at
 * most (thread_subject_untagged): one place, never twice. Caller g_free()s. */
char *event_subject(desk_store *st, guint t, const char *subject);

/* Deliver MSG under block B, sealed to MSG, into mail/new, fsynced.
 * *path optional. */
desk_status event_deliver(desk_store *st, const desk_block *b, GMimeMessage *msg, char **path,
			  desk_err *err);

/* MSG as bytes (CRLF-free, as stored). Caller g_free()s. */
char *event_to_string(GMimeMessage *msg);

#endif
