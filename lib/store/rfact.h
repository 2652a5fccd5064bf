/* rfact.h: what desk report needs of each message of a ticket (its
 * report fact: when, what kind, the status it set, the agent who acted),
 * and a ticket's facts as one text kept in the ticket table (tickettab.h),
 * so that a report reads the table instead of every message. */
#ifndef DESK_RFACT_H
#define DESK_RFACT_H

#include <glib.h>
#include <notmuch.h>

/* The kinds of fact. */
#define RF_CUSTOMER 'C'   /* mail from outside, not automatic */
#define RF_MAIL 'M'       /* automatic, bulk, bounce, held or spam mail from outside */
#define RF_REPLY 'R'      /* an agent's public reply (event "reply") */
#define RF_EVENT 'E'      /* another event that sets a status */
#define RF_ACK 'A'        /* the acknowledgement (event "ack"), no KB article offered */
#define RF_ACK_KB 'K'     /* the acknowledgement, offering KB articles (offered=SLUG@COMMIT) */

typedef struct rfact {
	gint64 time;            /* index_message_time */
	char kind;
	const char *status;     /* the status it sets ("merged" for a merge), or NULL; static or
				 * interned: compare with strcmp */
	const char *by;         /* interned: the agent who acted (not "system"), or NULL */
} rfact;

/* The fact of M and its ticket *TICKET; FALSE when M has none (no ticket,
 * our own mail that is no event, an event that neither replies nor sets
 * a status). */
gboolean rfact_of(notmuch_message_t *m, guint *ticket, rfact *f);

/* Append F to TEXT ("TIME KIND STATUS BY\n", "-" for none). */
void rfact_append(GString *text, const rfact *f);

/* The facts of TEXT (rfact_append's) appended to OUT (GArray of rfact);
 * lines that do not parse are skipped. */
void rfact_parse(const char *text, GArray *out);

/* Sort A (GArray of rfact) by time, keeping the order of equal times. */
void rfact_sort(GArray *a);

#endif
