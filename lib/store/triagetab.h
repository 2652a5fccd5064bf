/* triagetab.h: the ticket text index, STORE/mail/.notmuch/desk-triage.sqlite
 * beside the ticket table (tickettab.h) and kept as it is: keyed by the
 * index's UUID and revision, brought up to the index from the messages
 * changed since, built whole after desk reindex (which deletes it with the
 * index), in memory when the file cannot be written.
 *
 * One row a ticket: its subject and the requester's own words of its first
 * mail from outside (terms.h: quotes and signatures cut, stemmed by its
 * language), its language (lang.h), the queue of the address it came to,
 * and the labels it teaches: the first queue and the first priority a
 * person set (an event by an agent; the desk's own events, by=system, such
 * as routing rules' route, never count) and the tags people added; a
 * ticket a person handled (any event of theirs) whose queue or priority
 * nobody set teaches what that person left: the queue of the address it
 * came to (unless the rules routed it) and the default priority, normal. The terms are in an FTS5 table
 * (a requester's tickets most like one, triagetab_requester_near) and in
 * postings of our own (triagepost.h: the nearest tickets by bm25, scored
 * as FTS5 scores them). */
#ifndef DESK_TRIAGETAB_H
#define DESK_TRIAGETAB_H

#include <glib.h>
#include <notmuch.h>

#include "err.h"

typedef struct triage_doc {
	guint number;
	gint64 created;
	char *status, *subject, *lang;   /* lang "": not known */
	char *addr_queue;                /* the queue of the desk address it came to */
	char *queue, *priority;          /* the first a person set, "" none */
	char **tags;                     /* tags people added, in order, NULL-terminated */
	char **terms;                    /* subject's then body's, NULL-terminated */
	char *requester;                 /* its requester's address, "" not known */
	guint64 simhash;                 /* simhash.h of the subject and the own words; 0 none */
} triage_doc;
void triage_doc_free(triage_doc *d);

/* Whether D teaches anything (a label a person set). */
gboolean triage_doc_taught(const triage_doc *d);

typedef struct triagetab triagetab;

/* Its file in STORE/mail/.notmuch. */
#define TRIAGETAB_FILE "desk-triage.sqlite"

/* The table, brought up to DB (nothing uncommitted in DB). */
desk_status triagetab_open(notmuch_database_t *db, triagetab **out, desk_err *err);
/* An empty table in memory, filled with triagetab_add (desk triage eval). */
desk_status triagetab_memory(triagetab **out, desk_err *err);
void triagetab_close(triagetab *t);

/* Bring T, open, up to DB (as triagetab_open does). */
desk_status triagetab_refresh(triagetab *t, notmuch_database_t *db, desk_err *err);

/* Bring the file up to DB and close it (desk reindex). */
desk_status triagetab_sync(notmuch_database_t *db, desk_err *err);

/* Ticket N's row (DESK_NOTFOUND: none). */
desk_status triagetab_doc(triagetab *t, guint n, triage_doc **out, desk_err *err);
/* Every row but spam and purged tickets', in time order (created, then
 * number), into OUT (triage_doc*). */
desk_status triagetab_docs(triagetab *t, GPtrArray *out, desk_err *err);
/* A row for a message not stored yet (number 0, status new, no labels):
 * SUBJECT and the writer's own words of BODY, as a ticket's row is made
 * (the routing rules' triage conditions). Caller triage_doc_free()s. */
/* Whether TERM is one of the sender's facts, not a word: "@DOMAIN" (the
 * requester's domain) or "vip:yes" (the requester is in STORE/vip.txt),
 * both from the address the store parsed, never from the text. Naive
 * Bayes weighs them as words; the text search leaves them out. */
gboolean triage_term_fact(const char *term);
/* The terms of U (not copies) that are words, not the sender's facts: what
 * the queue is learned from (the sender says who writes, not about what;
 * the domain cost the queue 0.6 points on the generated store). */
GPtrArray *triagetab_words_of(GPtrArray *u);
triage_doc *triagetab_doc_of_text(triagetab *t, const char *subject, const char *body, gint64 created);
/* The same, of the tickets created in [SINCE, UNTIL) only. */
desk_status triagetab_docs_between(triagetab *t, gint64 since, gint64 until, GPtrArray *out, desk_err *err);
/* Put D as a row (replacing one of its number). */
desk_status triagetab_add(triagetab *t, const triage_doc *d, desk_err *err);
/* The tickets whose language is LANG ("" : not known) added to SET. */
desk_status triagetab_lang(triagetab *t, const char *lang, GHashTable *set, desk_err *err);

typedef struct triage_hit {
	guint number;
	double score;    /* -bm25: higher is nearer */
} triage_hit;
/* The K rows nearest to TERMS by bm25 (any term matching) among those
 * that teach (triage_doc_taught), other than ticket EXCEPT and spam or
 * purged ones, best first (ties: the lower
 * number), into OUT (GArray of triage_hit). The query takes, of the first
 * TRIAGE_QUERY_TERMS distinct terms, the TRIAGE_NEAR_TERMS that the fewest
 * tickets have (on the generated store of bench/gen-store 8 did better
 * than 16 and 48, and bm25's cost is the rows its terms match). */
#define TRIAGE_QUERY_TERMS 48
#define TRIAGE_NEAR_TERMS 8
/* Only the TRIAGE_NEAR_RECENT latest tickets that teach, and any after
 * them, are searched: the cost of bm25 is the rows its terms match, and a
 * desk's recent history is what its new tickets resemble (bench/triage:
 * p95 at 100,000 tickets). The postings are read from the block of the
 * window's first number on. */
#define TRIAGE_NEAR_RECENT 10000
desk_status triagetab_near(triagetab *t, char **terms, guint except, guint k, GArray *out, desk_err *err);
/* The same search among every ticket, taught or not, but spam, purged
 * and merged ones (desk show --similar, lib/store/similar.h), of the
 * SIMILAR_NEAR_TERMS rarest terms (bench/similar on the 5,213-ticket
 * generated store: 8 terms 85.4 % of merged pairs in the top 5, 16 86.8 %
 * at 7 ms more a desk show, 32 85.8 %; the misses are reworded copies). */
#define SIMILAR_NEAR_TERMS 8
desk_status triagetab_similar(triagetab *t, char **terms, guint except, guint k, GArray *out, desk_err *err);
/* The open tickets (new, open, pending, on-hold) earlier than D (created
 * before it; at the same second, a lower number) whose fingerprint is at
 * most MAX_BITS from D's, by number, into OUT (triage_hit, score the bits
 * apart). Nothing when D has no fingerprint. A scan of the open rows. */
/* The score (-bm25) of row N for the query of TERMS (as triagetab_similar's) (0: it does not
 * match): a ticket's score against its own words, the scale of its
 * neighbours' scores. */
desk_status triagetab_score(triagetab *t, char **terms, guint n, double *score, desk_err *err);
/* Up to K other tickets of REQUESTER (not spam, purged or merged) that
 * share any of the first TRIAGE_QUERY_TERMS distinct TERMS, best first,
 * each hit's score its bm25 as a share of ticket EXCEPT's own (0..1). */
desk_status triagetab_requester_near(triagetab *t, char **terms, const char *requester, guint except, guint k,
				     GArray *out, desk_err *err);
desk_status triagetab_twins(triagetab *t, const triage_doc *d, guint max_bits, GArray *out, desk_err *err);

/* The counts naive Bayes learns from (triage.h), kept with the rows of a
 * table from triagetab_open (not of one in memory): per dimension DIM
 * (0 queue, 1 priority, 2 tags, 3 the population of taught tickets,
 * label "") and label, the tickets, their distinct terms, and each term's
 * count. FN gets DIM, LABEL, N (tickets or the term's count) and WORDS
 * (the class's terms; 0 for a term). */
#define TRIAGETAB_DIMS 4
typedef void (*triagetab_count_fn)(void *ud, int dim, const char *label, gint64 n, gint64 words);
/* Whether T keeps the counts. */
gboolean triagetab_counts(const triagetab *t);
/* Every class, by dimension then label. */
desk_status triagetab_classes(triagetab *t, triagetab_count_fn fn, void *ud, desk_err *err);
/* The counts of TERM in each class, by dimension then label. */
desk_status triagetab_term(triagetab *t, const char *term, triagetab_count_fn fn, void *ud, desk_err *err);
/* How many distinct terms the taught tickets have. */
desk_status triagetab_vocabulary(triagetab *t, gint64 *n, desk_err *err);

#endif
