/* triagepost.h: the postings of the ticket text index (triagetab.h), its
 * nearest-ticket search: for each word and block of POST_BLOCK ticket
 * numbers, the tickets that have the word, each with how often, its
 * length in words and its flags, in one SQLite row (table post). A search
 * reads the blocks of its words from a ticket number on and scores the
 * rows as FTS5's bm25() does (k1 1.2, b 0.75, the idf of each word from
 * its document frequency, the lengths' average of the whole table), the
 * same figures to the last bit: FTS5 scores every row its words match
 * through the auxiliary function's API and sorts them in SQL (40 ms at p50
 * on 100,000 tickets, bench/triage); this merges sorted arrays.
 *
 * Writes are kept in memory (the blocks they change) and written by
 * triagepost_flush, which every search does first; the caller flushes
 * before its transaction commits, and drops them (triagepost_discard) when
 * it rolls back. */
#ifndef DESK_TRIAGEPOST_H
#define DESK_TRIAGEPOST_H

#include <glib.h>
#include <sqlite3.h>

/* The tables, for the text index's schema: post(term, block, data) and
 * totals(name, n): "rows" and "tokens" of the whole table (the average
 * length of bm25), "vocabulary" (triagetab_vocabulary). */
#define TRIAGEPOST_SCHEMA                                                                              \
	"CREATE TABLE IF NOT EXISTS post(term TEXT, block INTEGER, data BLOB, PRIMARY KEY(term, block))" \
	" WITHOUT ROWID;"                                                                              \
	"CREATE TABLE IF NOT EXISTS totals(name TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID;"
#define TRIAGEPOST_DROP "DROP TABLE IF EXISTS post; DROP TABLE IF EXISTS totals;"
#define TRIAGEPOST_CLEAR "DELETE FROM post; DELETE FROM totals;"

/* Ticket numbers a block of postings holds. */
#define POST_BLOCK 1024

/* A row's flags: it teaches (triage_doc_taught); it is merged (its words
 * are its target's now). Spam and purged rows have no postings (they
 * count in the totals, as in FTS5's). */
#define POST_TAUGHT 1u
#define POST_MERGED 2u
#define POST_HIDDEN 4u   /* spam, purged: counted, never found */

typedef struct triagepost triagepost;

/* The postings of DB (the text index's handle; not owned). */
triagepost *triagepost_new(sqlite3 *db);
void triagepost_free(triagepost *p);

/* Add (DELTA 1) or take away (-1) row NUMBER with its WORDS (the words it
 * was indexed with, in order, repeats included: FTS5's tokens) and FLAGS.
 * SQLite's code: SQLITE_OK, or the error of a block read. */
int triagepost_row(triagepost *p, guint number, char **words, guint flags, int delta);
/* Add DELTA to the distinct terms of the taught rows (the vocabulary of
 * naive Bayes), kept in totals. */
void triagepost_vocabulary_add(triagepost *p, int delta);
/* Write what is kept in memory; SQLite's code (SQLITE_OK). */
int triagepost_flush(triagepost *p);
/* Forget what is kept in memory (the transaction rolls back). */
void triagepost_discard(triagepost *p);
/* The total NAME ("rows", "tokens", "vocabulary") into *N, flushed
 * first; SQLite's code. */
int triagepost_total(triagepost *p, const char *name, gint64 *n);

typedef struct triagepost_hit {
	guint number;
	double score;   /* bm25: higher is nearer */
} triagepost_hit;

/* The K rows best by bm25 for the query of NTERMS words TERMS (their
 * document frequencies DF, in this order: the score adds them up in it)
 * among the rows numbered above FLOOR, but EXCEPT, whose flags have all
 * of WANT and none of SKIP (POST_HIDDEN always), best first, ties the
 * lower number, into OUT (GArray of triagepost_hit). SQLite's code. */
int triagepost_near(triagepost *p, char **terms, const gint64 *df, guint nterms, gint64 floor, guint except,
		    guint want, guint skip, guint k, GArray *out);

/* bm25 of a row of length DL that has the words of the query TF times
 * each (NTERMS, df DF as above) into *SCORE: what triagepost_near scores
 * it. SQLite's code. */
int triagepost_score(triagepost *p, const guint *tf, const gint64 *df, guint nterms, guint dl, double *score);

#endif
