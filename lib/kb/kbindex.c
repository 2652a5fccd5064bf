/* kbindex.c: the KB's search index in SQLite FTS5: built from a commit,
 * updated from the diff to the ref's new commit, rebuilt when missing or
 * corrupt; ranked search with bm25. */
#include <errno.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kbindex.h"

/* What is indexed: 2 leaves the See: lines out of an article's text. An
 * index of another version is built anew. */
#define INDEX_VERSION "2"

#define SCHEMA                                                                              \
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"                \
	"CREATE TABLE art(id INTEGER PRIMARY KEY, slug TEXT UNIQUE NOT NULL, title TEXT,"   \
	" audience TEXT, status TEXT);"                                                     \
	"CREATE VIRTUAL TABLE fts USING fts5(title, tags, body,"                            \
	" tokenize = 'porter unicode61 remove_diacritics 2');"                              \
	"INSERT INTO fts(fts, rank) VALUES('rank', 'bm25(10.0, 5.0, 1.0)');"                \
	"INSERT INTO meta VALUES('version', '" INDEX_VERSION "');"

/* Words of a query, at most this many. */
#define MAX_TERMS 64

typedef struct ix {
	desk_kb *kb;
	sqlite3 *db;
	gboolean corrupt;   /* SQLite said the file is damaged or no database */
	sqlite3_stmt *ins_art, *ins_fts, *find, *del_art, *del_fts;
} ix;

void
kb_hit_free(kb_hit *h)
{
	if (h == NULL)
		return;
	g_free(h->slug);
	g_free(h->title);
	g_free(h->audience);
	g_free(h->status);
	g_free(h->snippet);
	g_free(h->text);
	g_free(h->citation);
	g_free(h);
}

void
kbindex_update_clear(kbindex_update *u)
{
	g_free(u->commit);
	g_free(u->why);
	memset(u, 0, sizeof *u);
}

/* A failed SQLite call on X: the message, and whether the file is damaged. */
static desk_status
ix_fail(ix *x, const char *what, desk_err *err)
{
	int code = sqlite3_errcode(x->db);

	if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
		x->corrupt = TRUE;
	if (code == SQLITE_FULL)
		return desk_fail(err, DESK_DATAERR, "search index %s: %s: full at kb.index_max_mb "
				 "(%" G_GUINT64_FORMAT " MiB), or the disk is", x->kb->index_path, what,
				 x->kb->index_max_bytes / 1048576);
	return desk_fail(err, code == SQLITE_BUSY ? DESK_BUSY : DESK_TEMPFAIL, "search index %s: %s: %s",
			 x->kb->index_path, what, sqlite3_errmsg(x->db));
}

static void
ix_finalize(ix *x)
{
	sqlite3_finalize(x->ins_art);
	sqlite3_finalize(x->ins_fts);
	sqlite3_finalize(x->find);
	sqlite3_finalize(x->del_art);
	sqlite3_finalize(x->del_fts);
	x->ins_art = x->ins_fts = x->find = x->del_art = x->del_fts = NULL;
}

static void
ix_close(ix *x)
{
	ix_finalize(x);
	sqlite3_close(x->db);
	x->db = NULL;
}

/* Remove the index file and its journal. */
static void
ix_unlink(desk_kb *kb)
{
	char *j = g_strconcat(kb->index_path, "-journal", NULL);

	unlink(kb->index_path);
	unlink(j);
	g_free(j);
}

/* The value of KEY in meta, or NULL (caller g_free()s); *missing when the
 * table is not there (a new file). */
static desk_status
meta_get(ix *x, const char *key, char **out, gboolean *missing, desk_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*out = NULL;
	*missing = FALSE;
	if (sqlite3_prepare_v2(x->db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL) != SQLITE_OK) {
		if (strstr(sqlite3_errmsg(x->db), "no such table") != NULL) {
			*missing = TRUE;
			return DESK_OK;
		}
		return ix_fail(x, "read", err);
	}
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = g_strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? DESK_OK : ix_fail(x, "read", err);
}

static desk_status
meta_set(ix *x, const char *key, const char *value, desk_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(x->db, "INSERT OR REPLACE INTO meta VALUES(?, ?)", -1, &st, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? DESK_OK : ix_fail(x, "write", err);
}

static desk_status
ix_exec(ix *x, const char *sql, desk_err *err)
{
	return sqlite3_exec(x->db, sql, NULL, NULL, NULL) == SQLITE_OK ? DESK_OK : ix_fail(x, sql, err);
}

/* X's file may grow to the cap, and is not trusted further than a file
 * the group can write deserves: no functions or virtual tables run from
 * its schema, no writes to it but ours (SQLite's defensive mode). */
static void
ix_limit(ix *x)
{
	sqlite3_stmt *st = NULL;
	sqlite3_int64 page = 4096;
	char *sql;

	sqlite3_db_config(x->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_exec(x->db, "PRAGMA trusted_schema = OFF", NULL, NULL, NULL);
	if (sqlite3_prepare_v2(x->db, "PRAGMA page_size", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) > 0)
		page = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sql = g_strdup_printf("PRAGMA max_page_count = %" G_GUINT64_FORMAT,
			      MAX(x->kb->index_max_bytes / (guint64)page, 1));
	sqlite3_exec(x->db, sql, NULL, NULL, NULL);
	g_free(sql);
}

/* Open (creating it group-writable, nothing for others) the index file.
 * Anything but a file in its place (a symbolic link the group could have
 * put there, to make us write elsewhere) is removed first: it is derived. */
static desk_status
ix_open(desk_kb *kb, ix *x, desk_err *err)
{
	struct stat sb;
	gboolean existed = lstat(kb->index_path, &sb) == 0;

	if (existed && !S_ISREG(sb.st_mode) && unlink(kb->index_path) == 0)
		existed = FALSE;
	memset(x, 0, sizeof *x);
	x->kb = kb;
	if (sqlite3_open_v2(kb->index_path, &x->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		desk_status s = ix_fail(x, "open", err);

		ix_close(x);
		return s;
	}
	if (!existed && chmod(kb->index_path, 0660) != 0)
		return desk_fail(err, DESK_TEMPFAIL, "chmod %s: %s", kb->index_path, g_strerror(errno));
	sqlite3_busy_timeout(x->db, 10000);
	ix_limit(x);
	return DESK_OK;
}

static desk_status
ix_prepare(ix *x, desk_err *err)
{
	if (x->ins_art != NULL)
		return DESK_OK;
	if (sqlite3_prepare_v2(x->db, "INSERT INTO art(slug, title, audience, status) VALUES(?, ?, ?, ?)",
			       -1, &x->ins_art, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(x->db, "INSERT INTO fts(rowid, title, tags, body) VALUES(?, ?, ?, ?)", -1,
			       &x->ins_fts, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(x->db, "SELECT id FROM art WHERE slug = ?", -1, &x->find, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(x->db, "DELETE FROM art WHERE id = ?", -1, &x->del_art, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(x->db, "DELETE FROM fts WHERE rowid = ?", -1, &x->del_fts, NULL) != SQLITE_OK)
		return ix_fail(x, "prepare", err);
	return DESK_OK;
}

static int
step_reset(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

static desk_status
ix_remove(ix *x, const char *slug, desk_err *err)
{
	sqlite3_int64 id;
	int rc;

	sqlite3_bind_text(x->find, 1, slug, -1, SQLITE_STATIC);
	rc = sqlite3_step(x->find);
	id = rc == SQLITE_ROW ? sqlite3_column_int64(x->find, 0) : 0;
	sqlite3_reset(x->find);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? DESK_OK : ix_fail(x, "find", err);
	sqlite3_bind_int64(x->del_fts, 1, id);
	sqlite3_bind_int64(x->del_art, 1, id);
	if (step_reset(x->del_fts) != SQLITE_DONE || step_reset(x->del_art) != SQLITE_DONE)
		return ix_fail(x, "delete", err);
	return DESK_OK;
}

static desk_status
ix_add(ix *x, const article *a, desk_err *err)
{
	char *tags = g_strjoinv(" ", a->tags);
	desk_status s = DESK_OK;

	sqlite3_bind_text(x->ins_art, 1, a->slug, -1, SQLITE_STATIC);
	sqlite3_bind_text(x->ins_art, 2, a->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(x->ins_art, 3, a->audience, -1, SQLITE_STATIC);
	sqlite3_bind_text(x->ins_art, 4, a->status, -1, SQLITE_STATIC);
	if (step_reset(x->ins_art) != SQLITE_DONE) {
		s = ix_fail(x, "insert", err);
	} else {
		sqlite3_bind_int64(x->ins_fts, 1, sqlite3_last_insert_rowid(x->db));
		sqlite3_bind_text(x->ins_fts, 2, a->title, -1, SQLITE_STATIC);
		sqlite3_bind_text(x->ins_fts, 3, tags, -1, SQLITE_STATIC);
		sqlite3_bind_text(x->ins_fts, 4, a->text, -1, SQLITE_STATIC);  /* See: lines are links, not text */
		if (step_reset(x->ins_fts) != SQLITE_DONE)
			s = ix_fail(x, "insert", err);
	}
	g_free(tags);
	return s;
}

typedef struct build {
	ix *x;
	desk_status s;
	desk_err *err;
	guint n;
} build;

static void
build_one(article *a, const char *problem, void *data)
{
	build *b = data;

	(void)problem;  /* lint reports it; the index leaves it out */
	if (a != NULL && b->s == DESK_OK && (b->s = ix_add(b->x, a, b->err)) == DESK_OK)
		b->n++;
	article_free(a);
}

/* Index every article of C anew. */
static desk_status
ix_build(ix *x, git_commit *c, kbindex_update *u, desk_err *err)
{
	build b = { x, DESK_OK, err, 0 };
	desk_status s = ix_exec(x, "DELETE FROM art; DELETE FROM fts;", err);

	if (s == DESK_OK)
		s = kb_each_article(x->kb, c, build_one, &b, err);
	if (s == DESK_OK)
		s = b.s;
	u->rebuilt = TRUE;
	u->changed = b.n;
	return s;
}

/* One changed file of articles/: its old slug out, its new one in. */
static desk_status
ix_delta(ix *x, git_commit *c, const git_diff_delta *d, desk_err *err)
{
	char *old = article_slug_of(d->old_file.path), *new = article_slug_of(d->new_file.path);
	article *a = NULL;
	desk_status s = DESK_OK;

	if (old != NULL && d->status != GIT_DELTA_ADDED)
		s = ix_remove(x, old, err);
	if (s == DESK_OK && new != NULL && d->status != GIT_DELTA_DELETED && article_slug_valid(new)) {
		s = ix_remove(x, new, err);
		if (s == DESK_OK && kb_article_at(x->kb, c, new, &a, NULL, NULL) == DESK_OK)
			s = ix_add(x, a, err);
	}
	article_free(a);
	g_free(old);
	g_free(new);
	return s;
}

/* Apply the diff from commit OLD to C; FALSE (no error) when OLD is not
 * a commit of this repository any more. */
static desk_status
ix_update(ix *x, const git_oid *old, git_commit *c, kbindex_update *u, desk_err *err)
{
	git_commit *from = NULL;
	git_tree *a = NULL, *b = NULL;
	git_diff *diff = NULL;
	git_diff_options opts;
	char *spec[] = { "articles/" };
	desk_status s = DESK_OK;

	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	opts.pathspec.strings = spec;
	opts.pathspec.count = 1;
	if (git_commit_lookup(&from, x->kb->repo, old) != 0 || git_commit_tree(&a, from) != 0 ||
	    git_commit_tree(&b, c) != 0 || git_diff_tree_to_tree(&diff, x->kb->repo, a, b, &opts) != 0) {
		s = DESK_NOTFOUND;
		u->why = g_strdup("the commit it was built from is gone");
	}
	for (size_t i = 0; s == DESK_OK && i < git_diff_num_deltas(diff); i++)
		s = ix_delta(x, c, git_diff_get_delta(diff, i), err);
	if (s == DESK_OK)
		u->changed = git_diff_num_deltas(diff);
	git_diff_free(diff);
	git_tree_free(a);
	git_tree_free(b);
	git_commit_free(from);
	return s;
}

/* Whether the index holds what this version indexes. */
static gboolean
ix_version_ok(ix *x, desk_err *err)
{
	char *v = NULL;
	gboolean missing, ok;

	ok = meta_get(x, "version", &v, &missing, err) == DESK_OK && v != NULL && strcmp(v, INDEX_VERSION) == 0;
	g_free(v);
	return ok;
}

/* Inside a write transaction: bring the index from its commit to C. */
static desk_status
ix_move(ix *x, git_commit *c, gboolean rebuild, kbindex_update *u, desk_err *err)
{
	char *at = NULL, hex[GIT_OID_HEXSZ + 1];
	gboolean missing;
	git_oid old;
	desk_status s = meta_get(x, "commit", &at, &missing, err);

	git_oid_tostr(hex, sizeof hex, git_commit_id(c));
	if (s == DESK_OK && missing) {
		if (u->why == NULL)  /* else why it was removed: "it was corrupt" */
			u->why = g_strdup("it did not exist");
		s = ix_exec(x, SCHEMA, err);
	}
	if (s == DESK_OK && !missing && !ix_version_ok(x, err)) {
		g_free(u->why);
		u->why = g_strdup("an older version of maildesk built it");
		rebuild = TRUE;
		s = meta_set(x, "version", INDEX_VERSION, err);
	}
	if (s == DESK_OK)
		s = ix_prepare(x, err);
	if (s != DESK_OK || (at != NULL && strcmp(at, hex) == 0 && !rebuild)) {
		g_free(at);
		return s;
	}
	if ((s = kb_check_caps(x->kb, c, err)) != DESK_OK) {  /* the index stays bounded */
		g_free(at);
		return s;
	}
	if (!rebuild && at != NULL && git_oid_fromstr(&old, at) == 0 &&
	    ix_update(x, &old, c, u, err) == DESK_OK)
		s = DESK_OK;  /* moved by the diff */
	else if (x->corrupt)
		s = DESK_TEMPFAIL;
	else
		s = ix_build(x, c, u, err);
	if (s == DESK_OK)
		s = meta_set(x, "commit", hex, err);
	g_free(at);
	return s;
}

/* Whether the index is at C already (read only, no lock taken). */
static gboolean
ix_current(ix *x, git_commit *c, desk_err *err)
{
	char *at = NULL, hex[GIT_OID_HEXSZ + 1];
	gboolean missing, same;

	git_oid_tostr(hex, sizeof hex, git_commit_id(c));
	if (meta_get(x, "commit", &at, &missing, err) != DESK_OK)
		return FALSE;
	same = at != NULL && strcmp(at, hex) == 0 && ix_version_ok(x, err);
	g_free(at);
	return same;
}

/* Open and bring up to C; the file is rebuilt from scratch when damaged. */
static desk_status
ix_sync(desk_kb *kb, ix *x, git_commit *c, gboolean rebuild, kbindex_update *u, desk_err *err)
{
	desk_status s;

	for (int attempt = 0; attempt < 2; attempt++) {
		if ((s = ix_open(kb, x, err)) != DESK_OK)
			return s;
		if (!rebuild && ix_current(x, c, err))
			return DESK_OK;
		if (!x->corrupt) {
			s = ix_exec(x, "BEGIN IMMEDIATE", err);
			if (s == DESK_OK)
				s = ix_move(x, c, rebuild, u, err);
			if (s == DESK_OK)
				s = ix_exec(x, "COMMIT", err);
			if (s == DESK_OK)
				return DESK_OK;
			sqlite3_exec(x->db, "ROLLBACK", NULL, NULL, NULL);
		}
		if (!x->corrupt)
			return s;
		ix_close(x);
		ix_unlink(kb);
		g_free(u->why);
		u->why = g_strdup("it was corrupt");
	}
	return s;
}

desk_status
kbindex_sync(desk_kb *kb, gboolean rebuild, kbindex_update *u, desk_err *err)
{
	kbindex_update none = { 0 };
	git_commit *c = NULL;
	ix x = { 0 };
	desk_status s = kb_resolve(kb, NULL, &c, err);

	if (u == NULL)
		u = &none;
	if (s == DESK_OK)
		s = ix_sync(kb, &x, c, rebuild, u, err);
	if (s == DESK_OK)
		u->commit = kb_short_id(c);
	ix_close(&x);
	git_commit_free(c);
	kbindex_update_clear(&none);
	return s;
}

static const char *const stopwords[] = {
	"the", "and", "for", "you", "your", "are", "was", "with", "this", "that", "have", "has",
	"but", "not", "can", "from", "our", "please", "thanks", "thank", "hello", "regards",
	"would", "could", "there", "what", "when", "how", "why", "which", "will", "all", "any",
	"its", "it's", "into", "about", "just", "been", "they", "them", "then", "than", "also",
	"out", "get", "got", "does", "did", "dear", "best", "cheers", "who", "one", "were",
};

static gboolean
stopword(const char *w)
{
	for (size_t i = 0; i < G_N_ELEMENTS(stopwords); i++)
		if (strcmp(w, stopwords[i]) == 0)
			return TRUE;
	return FALSE;
}

/* TEXT's words, each a quoted FTS5 string, joined with space (all) or OR;
 * NULL when there is none. Free text can say nothing to FTS5 but words. */
static char *
fts_query(const char *text, gboolean all)
{
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GString *q = g_string_new(NULL), *w = g_string_new(NULL);
	guint n = 0;

	for (const char *p = text;; p = g_utf8_next_char(p)) {
		gunichar ch = *p ? g_utf8_get_char_validated(p, -1) : 0;

		if (ch != 0 && ch != (gunichar)-1 && ch != (gunichar)-2 && g_unichar_isalnum(ch)) {
			g_string_append_unichar(w, g_unichar_tolower(ch));
		} else if (w->len > 0) {
			if ((all || (g_utf8_strlen(w->str, -1) >= 3 && !stopword(w->str))) &&
			    !g_hash_table_contains(seen, w->str) && n < MAX_TERMS) {
				g_string_append_printf(q, "%s\"%s\"", n ? (all ? " " : " OR ") : "", w->str);
				g_hash_table_add(seen, g_strdup(w->str));
				n++;
			}
			g_string_truncate(w, 0);
		}
		if (*p == '\0' || ch == (gunichar)-1 || ch == (gunichar)-2)
			break;
	}
	g_string_free(w, TRUE);
	g_hash_table_unref(seen);
	return g_string_free(q, n == 0);
}

/* The best LIMIT rows first (bm25 alone, no snippet: that is computed for
 * the rows shown only), then the snippet and text of each. */
#define RANK_SQL                                                                              \
	"SELECT fts.rowid, -rank FROM fts JOIN art a ON a.id = fts.rowid WHERE fts MATCH ?1"  \
	" AND (?2 < 1 OR a.status = 'published') AND (?2 < 2 OR a.audience = 'public')"        \
	" ORDER BY rank LIMIT ?3"
#define ROW_SQL                                                                               \
	"SELECT a.slug, a.title, a.audience, a.status,"                                       \
	" snippet(fts, 2, '[', ']', ' ... ', 16), fts.body"                                    \
	" FROM fts JOIN art a ON a.id = fts.rowid WHERE fts MATCH ?1 AND fts.rowid = ?2"

static kb_hit *
hit_of(sqlite3_stmt *st, double score, const char *commit)
{
	kb_hit *h = g_new0(kb_hit, 1);

	h->slug = g_strdup((const char *)sqlite3_column_text(st, 0));
	h->title = g_strdup((const char *)sqlite3_column_text(st, 1));
	h->audience = g_strdup((const char *)sqlite3_column_text(st, 2));
	h->status = g_strdup((const char *)sqlite3_column_text(st, 3));
	h->snippet = g_strdup((const char *)sqlite3_column_text(st, 4) ?: "");
	h->text = g_strdup((const char *)sqlite3_column_text(st, 5) ?: "");
	h->score = score;
	h->citation = g_strdup_printf("%s@%s", h->slug, commit);
	return h;
}

/* The hit of row ID of query Q. */
static desk_status
ix_row(ix *x, sqlite3_stmt *row, const char *q, sqlite3_int64 id, double score, const char *commit,
       GPtrArray *hits, desk_err *err)
{
	int rc;

	sqlite3_bind_text(row, 1, q, -1, SQLITE_STATIC);
	sqlite3_bind_int64(row, 2, id);
	rc = sqlite3_step(row);
	if (rc == SQLITE_ROW)
		g_ptr_array_add(hits, hit_of(row, score, commit));
	sqlite3_reset(row);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? DESK_OK : ix_fail(x, "search", err);
}

static desk_status
ix_query(ix *x, const char *q, kb_scope scope, guint limit, const char *commit, GPtrArray *hits,
	 desk_err *err)
{
	sqlite3_stmt *st = NULL, *row = NULL;
	desk_status s = DESK_OK;
	int rc;

	if (sqlite3_prepare_v2(x->db, RANK_SQL, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(x->db, ROW_SQL, -1, &row, NULL) != SQLITE_OK) {
		s = ix_fail(x, "search", err);
		sqlite3_finalize(st);
		return s;
	}
	sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, scope == KB_ALL ? 0 : scope == KB_PUBLISHED ? 1 : 2);
	sqlite3_bind_int(st, 3, limit);
	while (s == DESK_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		s = ix_row(x, row, q, sqlite3_column_int64(st, 0), sqlite3_column_double(st, 1), commit,
			   hits, err);
	if (s == DESK_OK && rc != SQLITE_DONE)
		s = ix_fail(x, "search", err);
	sqlite3_finalize(st);
	sqlite3_finalize(row);
	return s;
}

desk_status
kbindex_search(desk_kb *kb, const char *words, gboolean all_words, kb_scope scope, guint limit,
	       GPtrArray **hits, desk_err *err)
{
	kbindex_update u = { 0 };
	git_commit *c = NULL;
	ix x = { 0 };
	char *q = fts_query(words, all_words), *commit = NULL;
	desk_status s;

	if (q == NULL)
		return desk_fail(err, DESK_USAGE, "no word to search for");
	*hits = g_ptr_array_new_with_free_func((GDestroyNotify)kb_hit_free);
	s = kb_resolve(kb, NULL, &c, err);
	if (s == DESK_OK)
		s = ix_sync(kb, &x, c, FALSE, &u, err);
	if (s == DESK_OK) {
		commit = kb_short_id(c);
		s = ix_query(&x, q, scope, limit, commit, *hits, err);
	}
	if (s != DESK_OK && x.corrupt) {
		/* damaged where the search read, not where the sync did */
		ix_close(&x);
		ix_unlink(kb);
		g_ptr_array_set_size(*hits, 0);
		s = ix_sync(kb, &x, c, TRUE, &u, err);
		if (s == DESK_OK)
			s = ix_query(&x, q, scope, limit, commit, *hits, err);
	}
	if (s != DESK_OK)
		g_clear_pointer(hits, g_ptr_array_unref);
	ix_close(&x);
	git_commit_free(c);
	kbindex_update_clear(&u);
	g_free(commit);
	g_free(q);
	return s;
}
