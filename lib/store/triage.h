/* triage.h: suggested queue, priority and tags of a ticket, learned from
 * the desk's own history (the ticket text index, triagetab.h), locally and
 * deterministically, each with its confidence and its evidence:
 *
 *   (a) the K nearest tickets by bm25 that teach something vote for their
 *       labels, each vote its score times 0.5^(days apart / half life);
 *   (b) an independent naive Bayes model (multinomial over the distinct
 *       terms of each ticket, Laplace smoothing; tags one-vs-rest) trained
 *       on the same history; for the priority, naive Bayes over the
 *       ticket's cue terms alone (triage.c, cue_lean: the terms that make
 *       some priority at least 2.7 times as likely as the history says).
 *
 * A label's confidence is the mean of the two models' probabilities (the
 * priority's: 0.3 nearest, 0.7 cues; the one alone when the other has
 * nothing to say). The labels a ticket
 * teaches are the first queue and priority and the tags a person set
 * (triagetab.h), never the desk's own. */
#ifndef DESK_TRIAGE_H
#define DESK_TRIAGE_H

#include <notmuch.h>

#include "store.h"
#include "triagetab.h"

typedef enum { TRIAGE_QUEUE, TRIAGE_PRIORITY, TRIAGE_TAGS, TRIAGE_DIMS } triage_dim;
/* "queue", "priority", "tags". */
const char *triage_dim_name(triage_dim d);

typedef struct triage_opts {
	guint k;                 /* neighbours that vote */
	double half_life_days;   /* a vote of a ticket this far apart counts half */
	guint min_history;       /* taught tickets needed before anything is suggested */
} triage_opts;

typedef struct triage_label {
	char *name;
	double p;                /* the confidence: both models' mean */
	double knn, nb;          /* each model's probability */
} triage_label;

typedef struct triage_neighbour {
	guint number;
	double score;            /* -bm25 */
	double weight;           /* its vote: score times recency */
	char *subject, *queue, *priority, *tags;   /* what it teaches ("" none) */
} triage_neighbour;

typedef struct triage_word {
	char *term;              /* as indexed (stemmed) */
	double weight;           /* log-odds it adds to the label over the next best */
} triage_word;

typedef struct triage_result {
	guint number;
	guint history;           /* taught tickets learned from */
	gboolean enough;         /* history >= min_history: else no labels */
	GPtrArray *labels[TRIAGE_DIMS];  /* triage_label*, most confident first (then by
					  * name); tags each on its own (yes or no) */
	GPtrArray *words[TRIAGE_DIMS];   /* triage_word*: what weighed most for the first label */
	GPtrArray *neighbours;           /* triage_neighbour*, nearest first */
} triage_result;
void triage_result_free(triage_result *r);

/* The first label of dimension D of R, or NULL. */
const triage_label *triage_best(const triage_result *r, triage_dim d);

/* The naive Bayes model. */
typedef struct triage_model triage_model;
triage_model *triage_model_new(void);
void triage_model_free(triage_model *m);
/* Learn D's labels (nothing when it teaches none). */
void triage_model_learn(triage_model *m, const triage_doc *d);
/* Taught tickets learned. */
guint triage_model_size(const triage_model *m);

/* Suggestions for D from M (which must not have learned D) and D's
 * neighbours in T. */
desk_status triage_suggest(triagetab *t, const triage_model *m, const triage_doc *d, const triage_opts *o,
			   triage_result **out, desk_err *err);

/* Suggestions for ticket N of DB: the index opened, the model trained on
 * every other ticket. *doc (may be NULL) gets N's row. DESK_NOTFOUND: no
 * such ticket. */
desk_status triage_ticket(notmuch_database_t *db, guint n, const triage_opts *o, triage_result **out,
			  triage_doc **doc, desk_err *err);

/* Suggestions for a new message not stored yet (SUBJECT, BODY, at NOW):
 * the routing rules' triage-DIM conditions (rules.h). */
desk_status triage_text(notmuch_database_t *db, const char *subject, const char *body, gint64 now,
			const triage_opts *o, triage_result **out, desk_err *err);

/* Suggestions for new messages one after the other (the routing rules'
 * triage at intake: the milter triages every new ticket), from a read
 * handle of STORE's index and a text index kept open between them, the
 * text index brought up to the index at most once a second: opening both
 * and catching up for each message was most of the cost (bench/triage,
 * the milter part). One message at a
 * time (a mutex); a failure closes both, and the next try opens them
 * again (3 tries: Xapian may find a snapshot too old while the indexer
 * writes). */
typedef struct triage_keep triage_keep;
triage_keep *triage_keep_new(void);
void triage_keep_free(triage_keep *k);
desk_status triage_keep_text(triage_keep *k, desk_store *st, const char *subject, const char *body,
			     gint64 now, const triage_opts *o, triage_result **out, desk_err *err);

/* desk triage eval: replay the history in time order, each ticket
 * predicted from those before it alone, from SINCE on (0: all); the
 * report as text into OUT, the same for the same store. */
desk_status triage_eval(notmuch_database_t *db, gint64 since, const triage_opts *o, GString *out,
			desk_err *err);

#endif
