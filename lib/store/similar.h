/* similar.h: the tickets most like a ticket, and whether it is a possible
 * duplicate of an earlier open one, from the ticket text index
 * (triagetab.h): the same bm25 search the triage neighbours come from,
 * among every ticket (taught or not; not spam, purged or merged ones), and
 * the SimHash fingerprint (simhash.h) of each ticket's subject and own
 * words stored beside its row.
 *
 * A ticket is a possible duplicate of ticket M when M is open (new, open,
 * pending, on-hold), earlier (created before it), of any requester (a
 * second customer reporting the very same thing is as much a duplicate as
 * a re-sent copy; the agent decides whether to merge), and either their
 * fingerprints are at most duplicate_bits apart or M's bm25 score is at
 * least duplicate_likeness times the ticket's score against its own words.
 * Of several, the fewest bits apart wins (then the lower number), then the
 * first among the similar. */
#ifndef DESK_SIMILAR_H
#define DESK_SIMILAR_H

#include <notmuch.h>

#include "triagetab.h"

#define SIMILAR_K 5
/* The bm25 neighbours ranked: the k best of this many, a ticket of the
 * same requester's score times 4 (a duplicate is most often the same
 * customer writing again: on bench/gen-store's 5,213-ticket store, 55 % of merged pairs
 * were in the top 5 without it, 81 % doubled, 85 % times 4, 86 % times 10). */
#define SIMILAR_POOL 50
#define SIMILAR_SAME_REQUESTER 4.0
/* The requester's own tickets join the candidates when their score on all
 * the ticket's words (up to TRIAGE_QUERY_TERMS) is at least this share of
 * its own: a reworded copy shares few of the rarest words the search
 * takes. On bench/similar's store, merged pairs in the top 5: 85.4 % with
 * 0.5, 90.6 % with 0.3, 97.2 % with 0.2. */
#define SIMILAR_OWN_LIKENESS 0.2

typedef struct similar_opts {
	guint k;                      /* how many similar tickets */
	guint duplicate_bits;         /* fingerprints this close: a duplicate */
	double duplicate_likeness;    /* bm25 likeness this high: a duplicate */
} similar_opts;

typedef struct similar_hit {
	guint number;
	double score;       /* -bm25, times SIMILAR_SAME_REQUESTER for the same requester: higher is nearer */
	double likeness;    /* score / the ticket's own score (0..1 mostly) */
	guint bits;         /* fingerprints' distance, 64 when either has none */
	gint64 created;
	char *status, *subject;
	gboolean open_earlier; /* open, and created before the ticket */
} similar_hit;

typedef struct similar_result {
	guint number;
	GPtrArray *hits;    /* similar_hit*, best first (ties: the lower number) */
	guint duplicate_of; /* 0: none */
	guint dup_bits;     /* of the duplicate: bits apart, and */
	double dup_likeness; /* its likeness (0 when not among the hits) */
} similar_result;
void similar_result_free(similar_result *r);

/* The result for D (a row of T). */
desk_status similar_find(triagetab *t, const triage_doc *d, const similar_opts *o, similar_result **out,
			 desk_err *err);

/* The result for ticket N of DB (the index opened and brought up to DB).
 * DESK_NOTFOUND: no row for N. */
desk_status similar_ticket(notmuch_database_t *db, guint n, const similar_opts *o, similar_result **out,
			   desk_err *err);

#endif
