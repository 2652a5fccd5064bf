/* test-triagepost.c: unit tests of lib/store/triagepost.c against SQLite's
 * own FTS5: the same rows, put, replaced and taken away in both, and for
 * many queries the nearest rows of triagepost_near are FTS5's bm25() top
 * rows with the same filters, in the same order, with the same scores to
 * the last bit. TAP. */
#include <stdio.h>
#include <string.h>

#include "triagepost.h"

static int n, failed;

static void
ok(int good, const char *what)
{
	printf("%sok %d - %s\n", good ? "" : "not ", ++n, what);
	failed += !good;
}

#define ROWS 600
#define WORDS 40

typedef struct row {
	char **words;   /* NULL: not in the table */
	guint flags;
} row;

static row rows[ROWS + 1];

static void
exec(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		printf("Bail out! %s: %s\n", sql, sqlite3_errmsg(db));
		exit(1);
	}
}

/* Row I anew: random words of a small vocabulary (often repeated), random
 * flags; in FTS5 (with its flags in table f) and in the postings. */
static void
put(sqlite3 *db, triagepost *p, GRand *r, guint i)
{
	GPtrArray *w = g_ptr_array_new();
	guint len = (guint)g_rand_int_range(r, 0, 30);
	char *text, *sql;
	static const guint flags[] = { 0, POST_TAUGHT, POST_TAUGHT, POST_TAUGHT | POST_MERGED, POST_HIDDEN,
				       POST_TAUGHT | POST_HIDDEN };

	for (guint k = 0; k < len; k++) {
		/* skewed: low words common, as in mail */
		guint x = (guint)g_rand_int_range(r, 0, WORDS);

		x = x * (guint)g_rand_int_range(r, 0, WORDS) / WORDS;
		g_ptr_array_add(w, g_strdup_printf("w%u", x));
	}
	g_ptr_array_add(w, NULL);
	rows[i].words = (char **)g_ptr_array_free(w, FALSE);
	rows[i].flags = flags[g_rand_int_range(r, 0, G_N_ELEMENTS(flags))];
	text = g_strjoinv(" ", rows[i].words);
	sql = sqlite3_mprintf("INSERT INTO fts(rowid, terms) VALUES(%u, %Q); INSERT INTO f VALUES(%u, %u);", i, text,
			      i, rows[i].flags);
	exec(db, sql);
	sqlite3_free(sql);
	g_free(text);
	triagepost_row(p, i, rows[i].words, rows[i].flags, 1);
}

static void
drop(sqlite3 *db, triagepost *p, guint i)
{
	char *sql = sqlite3_mprintf("DELETE FROM fts WHERE rowid = %u; DELETE FROM f WHERE n = %u;", i, i);

	exec(db, sql);
	sqlite3_free(sql);
	triagepost_row(p, i, rows[i].words, rows[i].flags, -1);
	g_strfreev(rows[i].words);
	rows[i].words = NULL;
}

/* How many rows have word W. */
static gint64
df_of(const char *w)
{
	gint64 d = 0;

	for (guint i = 1; i <= ROWS; i++)
		d += rows[i].words != NULL && g_strv_contains((const char *const *)rows[i].words, w);
	return d;
}

/* The query of TERMS by FTS5 and by the postings: the same? */
static gboolean
same(sqlite3 *db, triagepost *p, char **terms, guint nterms, gint64 floor, guint except, guint want, guint skip,
     guint k, guint *found)
{
	GString *q = g_string_new(NULL);
	gint64 *df = g_new0(gint64, nterms);
	GArray *got = g_array_new(FALSE, FALSE, sizeof(triagepost_hit));
	sqlite3_stmt *st = NULL;
	gboolean good = TRUE;
	guint at = 0;

	for (guint i = 0; i < nterms; i++) {
		g_string_append_printf(q, "%s\"%s\"", i ? " OR " : "", terms[i]);
		df[i] = df_of(terms[i]);
	}
	good = triagepost_near(p, terms, df, nterms, floor, except, want, skip, k, got) == SQLITE_OK;
	if (sqlite3_prepare_v2(db, "SELECT fts.rowid, -bm25(fts) AS s FROM fts JOIN f ON f.n = fts.rowid"
				   " WHERE fts MATCH ?1 AND fts.rowid != ?2 AND fts.rowid > ?3"
				   " AND f.flags & ?4 = ?4 AND f.flags & ?5 = 0"
				   " ORDER BY s DESC, fts.rowid LIMIT ?6", -1, &st, NULL) != SQLITE_OK) {
		printf("Bail out! %s\n", sqlite3_errmsg(db));
		exit(1);
	}
	sqlite3_bind_text(st, 1, q->str, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, except);
	sqlite3_bind_int64(st, 3, floor);
	sqlite3_bind_int(st, 4, (int)want);
	sqlite3_bind_int(st, 5, (int)(skip | POST_HIDDEN));
	sqlite3_bind_int(st, 6, (int)k);
	while (good && sqlite3_step(st) == SQLITE_ROW) {
		triagepost_hit *h = at < got->len ? &g_array_index(got, triagepost_hit, at) : NULL;

		good = h != NULL && h->number == (guint)sqlite3_column_int64(st, 0) &&
		       h->score == sqlite3_column_double(st, 1);
		if (!good)
			printf("# at %u: fts5 %lld %.17g, postings %u %.17g\n", at, sqlite3_column_int64(st, 0),
			       sqlite3_column_double(st, 1), h != NULL ? h->number : 0, h != NULL ? h->score : 0);
		at++;
	}
	good = good && at == got->len;
	*found += at;
	sqlite3_finalize(st);
	g_array_unref(got);
	g_free(df);
	g_string_free(q, TRUE);
	return good;
}

/* Random queries: how many of them FTS5 and the postings agree on. */
static int
queries(sqlite3 *db, triagepost *p, GRand *r, int count, guint *found)
{
	int agree = 0;

	for (int c = 0; c < count; c++) {
		guint nterms = (guint)g_rand_int_range(r, 1, 9);
		char **terms = g_new0(char *, nterms + 1);
		guint filters[][2] = { { POST_TAUGHT, 0 }, { 0, POST_MERGED }, { 0, 0 } };
		guint *fl = filters[g_rand_int_range(r, 0, 3)];

		for (guint i = 0; i < nterms;) {   /* distinct words, as the text index asks */
			char *w = g_strdup_printf("w%d", g_rand_int_range(r, 0, WORDS + 2));

			if (g_strv_contains((const char *const *)terms, w))
				g_free(w);
			else
				terms[i++] = w;
		}
		agree += same(db, p, terms, nterms, g_rand_int_range(r, 0, 3) == 0 ? g_rand_int_range(r, 0, ROWS) : 0,
			      (guint)g_rand_int_range(r, 0, ROWS + 1), fl[0], fl[1],
			      (guint)g_rand_int_range(r, 1, 40), found);
		g_strfreev(terms);
	}
	return agree;
}

int
main(void)
{
	sqlite3 *db = NULL;
	triagepost *p;
	GRand *r = g_rand_new_with_seed(20261202);
	guint found = 0;
	gint64 total = 0;
	int agree;

	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		return 1;
	exec(db, TRIAGEPOST_SCHEMA "CREATE VIRTUAL TABLE fts USING fts5(terms, tokenize = 'unicode61 remove_diacritics 0');"
				   "CREATE TABLE f(n INTEGER PRIMARY KEY, flags INTEGER);");
	p = triagepost_new(db);
	for (guint i = 1; i <= ROWS; i++)
		put(db, p, r, i);
	agree = queries(db, p, r, 200, &found);
	printf("# %u rows compared\n", found);
	ok(agree == 200 && found > 1000, "200 queries: the postings give FTS5's bm25 top rows, scores to the bit");

	/* rows replaced and taken away, in memory then written */
	for (guint i = 1; i <= ROWS; i += 3) {
		drop(db, p, i);
		if (i % 2 == 0)
			put(db, p, r, i);
	}
	ok(triagepost_flush(p) == SQLITE_OK, "the changed blocks are written");
	found = 0;
	agree = queries(db, p, r, 200, &found);
	ok(agree == 200 && found > 1000, "after rows replaced and taken away: the same again");

	ok(triagepost_total(p, "rows", &total) == SQLITE_OK && total == ROWS - ROWS / 6, "the rows are counted");
	for (guint i = 1; i <= ROWS; i++)
		if (rows[i].words != NULL)
			drop(db, p, i);
	ok(sqlite3_exec(db, "SELECT 1", NULL, NULL, NULL) == SQLITE_OK && triagepost_flush(p) == SQLITE_OK,
	   "every row taken away");
	{
		sqlite3_stmt *st = NULL;
		gint64 left = -1;

		sqlite3_prepare_v2(db, "SELECT count(*) FROM post", -1, &st, NULL);
		if (sqlite3_step(st) == SQLITE_ROW)
			left = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		ok(left == 0, "no block is left behind");
	}
	ok(triagepost_total(p, "tokens", &total) == SQLITE_OK && total == 0, "no token is counted");

	triagepost_free(p);
	sqlite3_close(db);
	g_rand_free(r);
	printf("1..%d\n", n);
	return failed != 0;
}
