/* summary.h: desk show N --summary: a ticket in a few verbatim sentences
 * of its own messages, each with the number desk show gives its message. */
#ifndef DESK_SUMMARY_H
#define DESK_SUMMARY_H

#include <glib.h>

#include "err.h"
#include "ticket.h"

/* Sentences read from one message at most: a summary needs the first few,
 * and a message of megabytes costs no more than a short one. */
#define SUMMARY_SENTENCES 200

/* One line of a summary: a sentence of a message, or an event's line. */
typedef struct summary_line {
	guint message;    /* the message's number in desk show N (from 1); 0 for an event */
	gint64 time;      /* when the message or event was received */
	char *by;         /* the agent of a reply or an event; NULL for the requester's */
	char *value;      /* the status an event set; else NULL */
	char *text;       /* verbatim: a sentence of the rendered message, or its event line */
	gboolean question;
} summary_line;

typedef struct ticket_summary {
	GPtrArray *first;    /* the requester's first message: what it is about and its first question */
	GPtrArray *last;     /* the last customer message: its questions, else its first statement */
	guint last_message;  /* that message's number, 0 when there is no customer mail */
	gboolean answered;   /* an agent replied after that message */
	GPtrArray *answers;  /* each agent reply: who, when and its first sentence (may be "") */
	GPtrArray *changes;  /* each change of status: who, when, the status and the event's line */
} ticket_summary;

/* The summary of ticket INFO from its messages MSGS (ticket_get's, in
 * order). Sentences come from the own words of each message (quote.h:
 * quotes and signatures left out) split by sentence.h, so each is a run of
 * the text desk show prints for that message; the first SUMMARY_SENTENCES
 * (200) of each message are read. Messages that cannot be read
 * are skipped. FALLBACK_CHARSETS as render_message takes them. */
desk_status summary_build(const char *fallback_charsets, const ticket_info *info, GPtrArray *msgs,
			  ticket_summary **out, desk_err *err);
void ticket_summary_free(ticket_summary *s);

#endif
