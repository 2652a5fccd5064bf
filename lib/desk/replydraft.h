/* replydraft.h: the start of `desk reply N --draft`: the published public
 * KB articles that match ticket N best (cited as desk reply --kb cites)
 * and the public answer of the most similar solved ticket (the triage
 * neighbours of triagetab.h), each under a marker line the agent must
 * remove before the reply can be sent. */
#ifndef DESK_REPLYDRAFT_H
#define DESK_REPLYDRAFT_H

#include <notmuch.h>

#include "store.h"

/* Every line of a draft that starts so is the desk's, not the agent's:
 * a reply that still has one is refused. */
#define REPLY_DRAFT_MARKER "[draft"

/* Articles in a draft, and solved neighbours looked at for an answer. */
#define REPLY_DRAFT_ARTICLES 2
#define REPLY_DRAFT_NEIGHBOURS 20

typedef struct reply_suggestion {
	GPtrArray *articles;     /* reply_article*, best first */
	guint similar;           /* the solved ticket answered, 0 none */
	double similar_score;    /* its -bm25 */
	char *similar_subject, *answer;
} reply_suggestion;

typedef struct reply_article {
	char *citation;          /* SLUG@COMMIT, as kb_cite gives it */
	char *text;
	double score;
} reply_article;

void reply_suggestion_free(reply_suggestion *r);

/* What ticket N's draft starts from. A KB or text index that cannot be
 * read leaves its part out (a warning says why): the agent still writes. */
desk_status reply_suggest(desk_store *st, notmuch_database_t *db, guint n, reply_suggestion **out,
			  desk_err *err);

/* The text of the draft made of R (the agent's part first). Caller g_free()s. */
char *reply_suggestion_text(const reply_suggestion *r);

/* DESK_DATAERR when TEXT still has a marker line (saying which). */
desk_status reply_draft_check(const char *text, desk_err *err);

/* The citation of the first article of R that TEXT still holds (its first
 * line with words, verbatim), or NULL: what X-Desk-KB names. */
const char *reply_suggestion_cited(const reply_suggestion *r, const char *text);

#endif
