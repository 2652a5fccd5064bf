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
	const xset *set;       /* X-Desk-Set, or NULL (lib/mail/xset.h encodes it) */
	const char *kb;        /* X-Desk-KB (SLUG@COMMIT), or NULL */
	const char *extra;     /* header lines after the block (lib/store/evlist.h), or NULL */
} desk_block;

/* A new message of ours in ticket T: From FROM_NAME <FROM_ADDR>, To TO
 * (may be NULL: the queue's desk address; T's requester gets the
 * requester's name), Subject with the subject tag, Date now, our
 * Message-ID, In-Reply-To IRT (NULL: T's root) and References (T's root,
 * then IRT), BODY as the text part of event_text_part. Every header of
 * ours is UTF-8: names and Subject RFC 2047-encoded as utf-8. The caller
 * adds headers (Auto-Submitted, Cc with event_add_mailbox, ...) and
 * parts. Unref when done. */
GMimeMessage *event_message_new(desk_store *st, const ticket_info *t, const char *from_name,
				const char *from_addr, const char *to, const char *subject,
				const char *irt, const char *body);

/* A text/plain part holding TEXT (UTF-8; invalid bytes become U+FFFD) as
 * UTF-8, labelled charset=utf-8, in the transfer encoding GMime finds best
 * for a 7-bit path: 7bit for ASCII, quoted-printable for mostly ASCII,
 * base64 for mostly other letters (CJK, emoji). What every outbound
 * text of the desk is: its bytes always match its label, whatever
 * sendmail(1) does with 8-bit mail. Unref when done. */
GMimeObject *event_text_part(const char *text);

/* Add NAME (may be NULL or "") <ADDR> to MSG's TYPE list (From, To, Cc,
 * Reply-To), the name to be encoded as UTF-8. */
void event_add_mailbox(GMimeMessage *msg, GMimeAddressType type, const char *name, const char *addr);
/* Make NAME <ADDR> MSG's only To. */
void event_set_to(GMimeMessage *msg, const char *name, const char *addr);

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
