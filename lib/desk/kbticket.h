/* kbticket.h: where the KB meets tickets: suggestions for free text or a
 * ticket, an article cited in a reply, a draft article from a solved ticket.
 * Every call opens the store's KB and closes it again. */
#ifndef DESK_KBTICKET_H
#define DESK_KBTICKET_H

#include <notmuch.h>

#include "kbindex.h"

/* Up to K articles for SUBJECT and BODY (free text; quoted lines and the
 * signature are left out), best first, scoring at least MIN_SCORE, among
 * SCOPE (KB_PUBLIC for the acknowledgement: public and published). *hits:
 * of kb_hit* (slug, title, score, citation "SLUG@COMMIT", text), maybe
 * empty. An error (no KB yet, ...) is for a log line: an acknowledgement
 * without suggestions is still sent. */
desk_status kb_suggest_text(desk_store *st, const char *subject, const char *body, guint k,
			    kb_scope scope, double min_score, GPtrArray **hits, desk_err *err);

/* The same for ticket N: its subject and the requester's messages. */
desk_status kb_suggest_ticket(desk_store *st, notmuch_database_t *db, guint n, guint k,
			      kb_scope scope, GPtrArray **hits, desk_err *err);

/* Ticket N's public answer: the desk's last reply (an agent's reply or
 * answer by mail, quoting removed), for desk reply --draft. *answer NULL
 * when it has none. Caller g_free()s. */
desk_status kb_ticket_answer(desk_store *st, notmuch_database_t *db, guint n, char **answer,
			     desk_err *err);

/* Article SLUG at the KB's ref, for `desk reply N --kb SLUG`: *text its
 * text (after the header block, without its See: lines), *citation
 * "SLUG@COMMIT". PUBLIC_ONLY:
 * DESK_USAGE for an internal or draft article. Caller g_free()s both. */
desk_status kb_cite(desk_store *st, const char *slug, gboolean public_only, char **text,
		    char **citation, desk_err *err);

/* A draft article from ticket N: the requester's question and the desk's
 * answer (the last message tagged "ours" or from a desk address), quoting
 * removed. *slug gets one made from the subject (unless *slug is set);
 * *text the article. DESK_DATAERR when the ticket has no answer. */
desk_status kb_draft_text(desk_store *st, notmuch_database_t *db, guint n, char **slug,
			  char **text, desk_err *err);

#endif
