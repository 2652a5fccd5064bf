/* reply.h: outbound mail of agents: desk reply, desk close --template and
 * the notifications of desk comment. The text comes from -m, stdin or the
 * agent's editor; the copy is stored in the ticket before it is sent. */
#ifndef DESK_REPLY_H
#define DESK_REPLY_H

#include <glib.h>
#include "agent.h"
#include "store.h"
#include "ticket.h"

/* The first line of a draft in the editor starts so: its first lines that
 * start with '#' (ticket, To, Cc, Subject) are a comment, not sent. */
#define REPLY_DRAFT_MARK "# desk reply:"

/* desk reply refuses a reply to an old state with this exit code (EX_DATAERR). */
#define REPLY_EXIT_STALE 65

/* Longest text read from stdin or a draft, and largest attachment. */
#define REPLY_MAX_TEXT (1024 * 1024)
#define REPLY_MAX_ATTACHMENT (20 * 1024 * 1024)

typedef struct reply_opts {
	const char *message;        /* -m TEXT, or NULL */
	const char *template_name;  /* --template NAME, or NULL */
	gboolean edit;              /* --edit: the template's text in the editor */
	char **attach;              /* --attach FILE..., may be NULL */
	const char *in_reply_to;    /* --in-reply-to MSGID: the state answered */
	gboolean force;             /* --force: send even if the requester wrote since */
	const char *force_status;   /* "solved" for desk close --template, else NULL */
	gboolean stdin_free;        /* stdin may carry the text (not used for the ticket) */
	const char *kb;             /* --kb SLUG: the article's text, cited, or NULL */
	gboolean draft;             /* --draft: $EDITOR on KB articles and a similar ticket's answer */
} reply_opts;

/* Send a reply to ticket N as agent ME. Returns the exit code (messages on stderr). */
int reply_run(desk_store *st, const desk_agent *me, guint n, const reply_opts *o);

/* Send again the replies of ticket N that sendmail failed to take. */
int reply_retry(desk_store *st, const desk_agent *me, guint n);

/* The text: MESSAGE, else stdin (if STDIN_FREE and not a tty), else the
 * editor on DRAFT (a DRAFT that starts with REPLY_DRAFT_MARK loses its
 * comment header). DESK_DATAERR when it is empty (saying what was read and
 * how else to give it) or the draft unchanged, DESK_TEMPFAIL/DESK_USAGE
 * when the editor fails. Caller g_free()s *out. */
desk_status reply_text(const char *message, gboolean stdin_free, const char *draft, char **out,
		       desk_err *err);

/* Ticket N as read for a reply or note: refused when merged (naming the
 * ticket it went into), spam, or (unless ALLOW_CLOSED) closed. */
desk_status reply_check_ticket(const ticket_info *t, guint n, gboolean allow_closed, desk_err *err);

/* Whether a stored message of a ticket is one people outside wrote. */
gboolean reply_is_customer(const ticket_message *m);

#endif
