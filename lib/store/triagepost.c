/* triagepost.c: the postings of the ticket text index and its bm25 search
 * (triagepost.h). */
#include <math.h>
#include <string.h>

#include "triagepost.h"

/* Postings kept in memory at most before they are written. */
#define CACHE_MAX (1u << 20)

typedef struct post_entry {
	guint number;
	guint tf;
	guint dl;
	guint flags;
} post_entry;

/* One block of one word, as read, and whether it changed. */
typedef struct post_blk {
	char *term;
	gint64 block;
	GArray *e;       /* post_entry, by number */
	gboolean dirty;
} post_blk;

struct triagepost {
	sqlite3 *db;
	sqlite3_stmt *get, *put, *del, *scan, *total, *add_total;
	GHashTable *cache;   /* "BLOCK:TERM" -> post_blk */
	guint cached;        /* entries in the cache */
	gint64 rows, tokens, vocabulary;   /* changes to the totals not written yet */
};

static void
blk_free(gpointer p)
{
	post_blk *b = p;

	g_free(b->term);
	g_array_unref(b->e);
	g_free(b);
}

triagepost *
triagepost_new(sqlite3 *db)
{
	triagepost *p = g_new0(triagepost, 1);

	p->db = db;
	p->cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, blk_free);
	return p;
}

void
triagepost_free(triagepost *p)
{
	if (p == NULL)
		return;
	sqlite3_finalize(p->get);
	sqlite3_finalize(p->put);
	sqlite3_finalize(p->del);
	sqlite3_finalize(p->scan);
	sqlite3_finalize(p->total);
	sqlite3_finalize(p->add_total);
	g_hash_table_destroy(p->cache);
	g_free(p);
}

/* *ST, prepared from SQL when it is not yet; SQLite's code. */
static int
prepared(triagepost *p, sqlite3_stmt **st, const char *sql)
{
	return *st != NULL ? SQLITE_OK : sqlite3_prepare_v2(p->db, sql, -1, st, NULL);
}

/* ------------------------------------------------------ the encoding */

static void
put_varint(GByteArray *b, guint64 v)
{
	guint8 c;

	do {
		c = v & 0x7f;
		v >>= 7;
		if (v != 0)
			c |= 0x80;
		g_byte_array_append(b, &c, 1);
	} while (v != 0);
}

/* The varint at *AT of the N bytes of B, *AT moved past it; FALSE when
 * it runs past the end or is too long (a damaged block: its rest is
 * dropped). */
static gboolean
get_varint(const guint8 *b, int n, int *at, guint64 *v)
{
	*v = 0;
	for (int shift = 0; *at < n && shift < 64; shift += 7) {
		guint8 c = b[(*at)++];

		*v |= (guint64)(c & 0x7f) << shift;
		if ((c & 0x80) == 0)
			return TRUE;
	}
	return FALSE;
}

/* A block's entries: the number's gap from the one before (the first,
 * from the block's start), tf << 3 | flags, the length. */
static GByteArray *
encode(const GArray *e, gint64 block)
{
	GByteArray *b = g_byte_array_sized_new(e->len * 4);
	guint prev = (guint)(block * POST_BLOCK);

	for (guint i = 0; i < e->len; i++) {
		const post_entry *x = &g_array_index(e, post_entry, i);

		put_varint(b, x->number - prev);
		put_varint(b, (guint64)x->tf << 3 | x->flags);
		put_varint(b, x->dl);
		prev = x->number;
	}
	return b;
}

/* The next entry of the N bytes of B at *AT into X (PREV: the number
 * before it); FALSE at the end. */
static gboolean
decode_next(const guint8 *b, int n, int *at, guint prev, post_entry *x)
{
	guint64 gap, tf, dl;

	if (*at >= n || !get_varint(b, n, at, &gap) || !get_varint(b, n, at, &tf) || !get_varint(b, n, at, &dl))
		return FALSE;
	x->number = prev + (guint)gap;
	x->tf = (guint)(tf >> 3);
	x->flags = (guint)(tf & 7);
	x->dl = (guint)dl;
	return TRUE;
}

/* ------------------------------------------------------------ writes */

/* The cached block BLOCK of TERM, read when it is not cached; NULL on an
 * error (*rc). */
static post_blk *
blk_of(triagepost *p, const char *term, gint64 block, int *rc)
{
	char *key = g_strdup_printf("%" G_GINT64_FORMAT ":%s", block, term);
	post_blk *b = g_hash_table_lookup(p->cache, key);
	int r;

	if (b != NULL) {
		g_free(key);
		return b;
	}
	if ((*rc = prepared(p, &p->get, "SELECT data FROM post WHERE term = ?1 AND block = ?2")) != SQLITE_OK) {
		g_free(key);
		return NULL;
	}
	b = g_new0(post_blk, 1);
	b->term = g_strdup(term);
	b->block = block;
	b->e = g_array_new(FALSE, FALSE, sizeof(post_entry));
	sqlite3_bind_text(p->get, 1, term, -1, SQLITE_STATIC);
	sqlite3_bind_int64(p->get, 2, block);
	if ((r = sqlite3_step(p->get)) == SQLITE_ROW) {
		const guint8 *data = sqlite3_column_blob(p->get, 0);
		int n = sqlite3_column_bytes(p->get, 0), at = 0;
		guint prev = (guint)(block * POST_BLOCK);
		post_entry x;

		while (decode_next(data, n, &at, prev, &x)) {
			g_array_append_val(b->e, x);
			prev = x.number;
		}
	}
	sqlite3_reset(p->get);
	if (r != SQLITE_ROW && r != SQLITE_DONE) {
		*rc = r;
		g_free(key);
		blk_free(b);
		return NULL;
	}
	p->cached += b->e->len;
	g_hash_table_insert(p->cache, key, b);
	return b;
}

/* The position of NUMBER in E (by number), or where it goes; *FOUND. */
static guint
entry_at(const GArray *e, guint number, gboolean *found)
{
	guint lo = 0, hi = e->len;

	while (lo < hi) {
		guint mid = (lo + hi) / 2;

		if (g_array_index(e, post_entry, mid).number < number)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < e->len && g_array_index(e, post_entry, lo).number == number;
	return lo;
}

int
triagepost_row(triagepost *p, guint number, char **words, guint flags, int delta)
{
	GHashTable *tf = g_hash_table_new(g_str_hash, g_str_equal);
	GPtrArray *order = g_ptr_array_new();
	guint dl = 0;
	int rc = SQLITE_OK;

	for (char **w = words; w != NULL && *w != NULL; w++, dl++) {
		guint n = GPOINTER_TO_UINT(g_hash_table_lookup(tf, *w));

		if (n == 0)
			g_ptr_array_add(order, *w);
		g_hash_table_insert(tf, *w, GUINT_TO_POINTER(n + 1));
	}
	p->rows += delta;
	p->tokens += delta * (gint64)dl;
	for (guint i = 0; i < order->len && rc == SQLITE_OK; i++) {
		post_blk *b = blk_of(p, order->pdata[i], number / POST_BLOCK, &rc);
		gboolean found;
		guint at;

		if (b == NULL)
			break;
		at = entry_at(b->e, number, &found);
		if (found) {
			g_array_remove_index(b->e, at);
			p->cached--;
			b->dirty = TRUE;
		}
		if (delta > 0 && (flags & POST_HIDDEN) == 0) {
			post_entry x = { number, GPOINTER_TO_UINT(g_hash_table_lookup(tf, order->pdata[i])), dl,
					 flags };

			g_array_insert_val(b->e, at, x);
			p->cached++;
			b->dirty = TRUE;
		}
	}
	g_ptr_array_unref(order);
	g_hash_table_destroy(tf);
	if (rc == SQLITE_OK && p->cached > CACHE_MAX)
		rc = triagepost_flush(p);
	return rc;
}

void
triagepost_vocabulary_add(triagepost *p, int delta)
{
	p->vocabulary += delta;
}

static int
total_add(triagepost *p, const char *name, gint64 delta)
{
	int rc;

	if (delta == 0)
		return SQLITE_OK;
	if ((rc = prepared(p, &p->add_total, "INSERT INTO totals VALUES(?1, ?2) ON CONFLICT(name) DO UPDATE"
					     " SET n = n + ?2")) != SQLITE_OK)
		return rc;
	sqlite3_bind_text(p->add_total, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(p->add_total, 2, delta);
	rc = sqlite3_step(p->add_total);
	sqlite3_reset(p->add_total);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Write block B (gone when empty). */
static int
blk_write(triagepost *p, post_blk *b)
{
	sqlite3_stmt *st;
	GByteArray *data = NULL;
	int rc;

	if (b->e->len == 0) {
		if ((rc = prepared(p, &p->del, "DELETE FROM post WHERE term = ?1 AND block = ?2")) != SQLITE_OK)
			return rc;
		st = p->del;
	} else {
		if ((rc = prepared(p, &p->put, "INSERT OR REPLACE INTO post VALUES(?1, ?2, ?3)")) != SQLITE_OK)
			return rc;
		st = p->put;
		data = encode(b->e, b->block);
		sqlite3_bind_blob(st, 3, data->data, (int)data->len, SQLITE_STATIC);
	}
	sqlite3_bind_text(st, 1, b->term, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, b->block);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (data != NULL)
		g_byte_array_unref(data);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int
triagepost_flush(triagepost *p)
{
	GHashTableIter it;
	gpointer v;
	int rc = SQLITE_OK;

	g_hash_table_iter_init(&it, p->cache);
	while (rc == SQLITE_OK && g_hash_table_iter_next(&it, NULL, &v))
		if (((post_blk *)v)->dirty)
			rc = blk_write(p, v);
	if (rc == SQLITE_OK)
		rc = total_add(p, "rows", p->rows);
	if (rc == SQLITE_OK)
		rc = total_add(p, "tokens", p->tokens);
	if (rc == SQLITE_OK)
		rc = total_add(p, "vocabulary", p->vocabulary);
	if (rc == SQLITE_OK)
		triagepost_discard(p);
	return rc;
}

void
triagepost_discard(triagepost *p)
{
	g_hash_table_remove_all(p->cache);
	p->cached = 0;
	p->rows = p->tokens = p->vocabulary = 0;
}

int
triagepost_total(triagepost *p, const char *name, gint64 *n)
{
	int rc;

	*n = 0;
	if ((rc = triagepost_flush(p)) != SQLITE_OK ||
	    (rc = prepared(p, &p->total, "SELECT n FROM totals WHERE name = ?1")) != SQLITE_OK)
		return rc;
	sqlite3_bind_text(p->total, 1, name, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(p->total)) == SQLITE_ROW)
		*n = sqlite3_column_int64(p->total, 0);
	sqlite3_reset(p->total);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The totals bm25 needs: the rows and their average length (0: none). */
static int
averages(triagepost *p, gint64 *rows, double *avgdl)
{
	gint64 tokens = 0;
	int rc = triagepost_total(p, "rows", rows);

	if (rc == SQLITE_OK)
		rc = triagepost_total(p, "tokens", &tokens);
	*avgdl = *rows > 0 ? (double)tokens / (double)*rows : 0.0;
	return rc;
}

/* ------------------------------------------------------------ search */

typedef struct part {
	guint number;
	double s;
} part;

/* bm25's idf of a word that DF of the ROWS rows have, as FTS5's. */
static double
idf_of(gint64 rows, gint64 df)
{
	double idf = log((rows - df + 0.5) / (df + 0.5));

	return idf <= 0.0 ? 1e-6 : idf;
}

/* bm25's share of one word: its IDF, its count TF in a row of length DL,
 * AVGDL the lengths' average (the expression of FTS5's bm25(), in its
 * order, so that the figures are the same). */
static double
share(double idf, double tf, double dl, double avgdl)
{
	const double k1 = 1.2;
	const double b = 0.75;

	return idf * ((tf * (k1 + 1.0)) / (tf + k1 * (1 - b + b * dl / avgdl)));
}

int
triagepost_score(triagepost *p, const guint *tf, const gint64 *df, guint nterms, guint dl, double *score)
{
	gint64 rows = 0;
	double avgdl = 0;
	int rc = averages(p, &rows, &avgdl);

	*score = 0.0;
	for (guint i = 0; rc == SQLITE_OK && rows > 0 && i < nterms; i++)
		*score += share(idf_of(rows, df[i]), tf[i], dl, avgdl);
	return rc;
}

/* The shares of word TERM (idf IDF) in the rows above FLOOR that the
 * search takes, by number, into OUT (part). */
static int
term_parts(triagepost *p, const char *term, double idf, double avgdl, gint64 floor, guint except, guint want,
	   guint skip, GArray *out)
{
	int rc;

	if ((rc = prepared(p, &p->scan, "SELECT block, data FROM post WHERE term = ?1 AND block >= ?2"
					" ORDER BY block")) != SQLITE_OK)
		return rc;
	sqlite3_bind_text(p->scan, 1, term, -1, SQLITE_STATIC);
	sqlite3_bind_int64(p->scan, 2, MAX(floor, 0) / POST_BLOCK);
	while ((rc = sqlite3_step(p->scan)) == SQLITE_ROW) {
		const guint8 *data = sqlite3_column_blob(p->scan, 1);
		int n = sqlite3_column_bytes(p->scan, 1), at = 0;
		guint prev = (guint)(sqlite3_column_int64(p->scan, 0) * POST_BLOCK);
		post_entry x;

		while (decode_next(data, n, &at, prev, &x)) {
			prev = x.number;
			if ((gint64)x.number > floor && x.number != except && (x.flags & want) == want &&
			    (x.flags & (skip | POST_HIDDEN)) == 0) {
				part s = { x.number, share(idf, x.tf, x.dl, avgdl) };

				g_array_append_val(out, s);
			}
		}
	}
	sqlite3_reset(p->scan);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Put H among the K best of BEST (by score, then the lower number; H's
 * number is above all of theirs). */
static void
keep_best(GArray *best, guint k, triagepost_hit h)
{
	guint at = best->len;

	if (k == 0 || (best->len == k && h.score <= g_array_index(best, triagepost_hit, k - 1).score))
		return;
	while (at > 0 && g_array_index(best, triagepost_hit, at - 1).score < h.score)
		at--;
	g_array_insert_val(best, at, h);
	if (best->len > k)
		g_array_set_size(best, k);
}

int
triagepost_near(triagepost *p, char **terms, const gint64 *df, guint nterms, gint64 floor, guint except,
		guint want, guint skip, guint k, GArray *out)
{
	gint64 rows = 0;
	double avgdl = 0;
	int rc = averages(p, &rows, &avgdl);
	GArray **parts = g_new0(GArray *, nterms + 1);
	guint *at = g_new0(guint, nterms + 1);
	GArray *best = g_array_new(FALSE, FALSE, sizeof(triagepost_hit));

	for (guint i = 0; i < nterms; i++)
		parts[i] = g_array_new(FALSE, FALSE, sizeof(part));
	for (guint i = 0; rc == SQLITE_OK && rows > 0 && i < nterms; i++)
		rc = term_parts(p, terms[i], idf_of(rows, df[i]), avgdl, floor, except, want, skip, parts[i]);
	/* each row's score the sum of its words' shares, in the query's order */
	while (rc == SQLITE_OK) {
		guint low = G_MAXUINT;
		triagepost_hit h = { 0, 0.0 };

		for (guint i = 0; i < nterms; i++)
			if (at[i] < parts[i]->len)
				low = MIN(low, g_array_index(parts[i], part, at[i]).number);
		if (low == G_MAXUINT)
			break;
		h.number = low;
		for (guint i = 0; i < nterms; i++)
			if (at[i] < parts[i]->len && g_array_index(parts[i], part, at[i]).number == low)
				h.score += g_array_index(parts[i], part, at[i]++).s;
		keep_best(best, k, h);
	}
	if (rc == SQLITE_OK)
		g_array_append_vals(out, best->data, best->len);
	for (guint i = 0; i < nterms; i++)
		g_array_unref(parts[i]);
	g_free(parts);
	g_free(at);
	g_array_unref(best);
	return rc;
}
