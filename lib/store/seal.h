/* seal.h: the seal on our X-Desk-* header block (maildesk-store(5)).
 *
 * A seal is an HMAC, with the store's secret, over every fact of the
 * block (ticket, match, queue, event, set, KB citation, reused id) AND
 * the message that carries it: its Message-ID and a digest of its
 * content (chash_new_seal: the content headers but Subject, and the
 * body). So a block copied onto any other message proves nothing, and
 * a copy of the very message is a redelivery (lib/store/index.c). */
#ifndef DESK_SEAL_H
#define DESK_SEAL_H

#include <glib.h>

typedef struct seal_facts {
	guint ticket;
	const char *match, *queue;
	const char *event;       /* NULL: none */
	const char *set;         /* X-Desk-Set as written (encoded), NULL: none */
	const char *kb;          /* X-Desk-KB, NULL: none */
	const char *reused;      /* X-Desk-Reused-Message-ID, NULL: none */
	const char *message_id;  /* the message's own (without <>); NULL: none usable */
	const char *digest;      /* chash_new_seal of the message, hex */
	const char *rule;        /* X-Desk-Rule: the routing rules that matched, NULL: none
				  * (covered only when there: older seals stay good) */
} seal_facts;

/* "2-" and 26 base32 characters. Caller g_free()s. NULL when the set is
 * malformed (the one decoder refuses an item): never sealed. */
char *seal_make(GBytes *secret, const seal_facts *f);

/* Our header block for F, sealed, each line "Name: value\n":
 * X-Desk-Ticket, -Match, -Queue, then -Event, -Set (folded), -Rule, -KB,
 * -Reused-Message-ID when F has them, and -Seal last (readers stop at
 * it, lib/mail/facts.c). NULL when F cannot be sealed (a malformed set, or a
 * value that is not one line of printable ASCII). Caller g_free()s. */
char *seal_block(GBytes *secret, const seal_facts *f);

/* Whether SEAL is the seal of F; constant time. */
gboolean seal_check(GBytes *secret, const seal_facts *f, const char *seal);

#endif
