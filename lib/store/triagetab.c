/* triagetab.c: the ticket text index in SQLite (FTS5 and our postings,
 * triagepost.h), kept up to the notmuch index's revision (triagetab.h). */
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cachedb.h"
#include "evtype.h"
#include "index.h"
#include "lang.h"
#include "render.h"
#include "simhash.h"
#include "terms.h"
#include "ticket.h"
#include "tickettab.h"
#include "triagepost.h"
#include "triagetab.h"
#include "xset.h"

#define TAB_VERSION "13"   /* 8: dft; 9: simhash, requester; 12: the sender's facts; 13: post */
#define SCHEMA                                                                                  \
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"      \
	"CREATE TABLE IF NOT EXISTS doc(number INTEGER PRIMARY KEY, created INTEGER, status TEXT," \
	" subject TEXT, lang TEXT, addr_queue TEXT, queue TEXT, priority TEXT, tags TEXT, terms TEXT," \
	" simhash INTEGER, requester TEXT);" \
	"CREATE INDEX IF NOT EXISTS doc_lang ON doc(lang);"                                     \
	"CREATE INDEX IF NOT EXISTS doc_created ON doc(created);"                               \
	"CREATE INDEX IF NOT EXISTS doc_taught ON doc(number) WHERE " TAUGHT_ROW ";"            \
	"CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(terms,"                              \
	" tokenize = 'unicode61 remove_diacritics 0');"                                         \
	"CREATE TABLE IF NOT EXISTS nbc(dim INTEGER, label TEXT, docs INTEGER, words INTEGER,"  \
	" PRIMARY KEY(dim, label)) WITHOUT ROWID;"                                              \
	"CREATE TABLE IF NOT EXISTS nbt(term TEXT, dim INTEGER, label TEXT, n INTEGER,"        \
	" PRIMARY KEY(term, dim, label)) WITHOUT ROWID;"                                        \
	"CREATE TABLE IF NOT EXISTS dft(term TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID;"        \
	TRIAGEPOST_SCHEMA
/* The rows the nearest tickets are taken from (SQL of table doc): not
 * spam or purged, and teaching a label (triage_doc_taught). */
#define TAUGHT_ROW "status NOT IN ('spam', 'purged') AND (queue != '' OR priority != '' OR tags != '')"
#define DOC_COLUMNS "number, created, status, subject, lang, addr_queue, queue, priority, tags, terms, simhash, requester"
/* Tickets read from the index in one query when catching up. */
#define CHUNK 200
/* Bytes of a first mail's text read for its words. */
#define TEXT_MAX (256 * 1024)

struct triagetab {
	sqlite3 *db;
	sqlite3_stmt *put, *put_fts, *del_fts;
	sqlite3_stmt *get_doc, *floor;        /* a row; the window's floor (kept: a kept table reads them often) */
	sqlite3_stmt *cls, *term, *get_term;   /* the counts' statements */
	sqlite3_stmt *df, *put_df;             /* a term's document frequency (dft) */
	terms_ctx *terms;
	gboolean counts;      /* keeps the counts (a file's table, not eval's) */
	GHashTable *vip;      /* STORE/vip.txt: lower-case addresses and @domains; NULL: none */
	triagepost *post;     /* the postings of the search (triagepost.h) */
	gboolean index_failed;   /* reading the notmuch index failed (not the file) */
};

/* Bytes of STORE/vip.txt read at most. */
#define VIP_MAX (1024 * 1024)

void
triage_doc_free(triage_doc *d)
{
	if (d == NULL)
		return;
	g_free(d->status);
	g_free(d->subject);
	g_free(d->requester);
	g_free(d->lang);
	g_free(d->addr_queue);
	g_free(d->queue);
	g_free(d->priority);
	g_strfreev(d->tags);
	g_strfreev(d->terms);
	g_free(d);
}

gboolean
triage_doc_taught(const triage_doc *d)
{
	return *d->queue != '\0' || *d->priority != '\0' || (d->tags != NULL && d->tags[0] != NULL);
}

static desk_status
tab_fail(triagetab *t, const char *what, desk_err *err)
{
	return desk_fail(err, DESK_TEMPFAIL, "ticket text index: %s: %s", what, sqlite3_errmsg(t->db));
}

static desk_status
tab_exec(triagetab *t, const char *sql, desk_err *err)
{
	return sqlite3_exec(t->db, sql, NULL, NULL, NULL) == SQLITE_OK ? DESK_OK : tab_fail(t, sql, err);
}

void
triagetab_close(triagetab *t)
{
	if (t == NULL)
		return;
	sqlite3_finalize(t->put);
	sqlite3_finalize(t->put_fts);
	sqlite3_finalize(t->put_df);
	sqlite3_finalize(t->del_fts);
	sqlite3_finalize(t->cls);
	sqlite3_finalize(t->term);
	sqlite3_finalize(t->get_term);
	sqlite3_finalize(t->df);
	sqlite3_finalize(t->get_doc);
	sqlite3_finalize(t->floor);
	triagepost_free(t->post);
	sqlite3_close(t->db);
	terms_ctx_free(t->terms);
	if (t->vip != NULL)
		g_hash_table_destroy(t->vip);
	g_free(t);
}

/* Open PATH (":memory:") with our schema; one of another version is
 * dropped (a cache). */
static desk_status
tab_open(const char *path, triagetab **out, desk_err *err)
{
	triagetab *t = g_new0(triagetab, 1);
	desk_status s;

	*out = t;
	t->terms = terms_ctx_new();
	s = cachedb_open(path, FALSE, "ticket text index", SCHEMA,
			 "DROP TABLE IF EXISTS vocab; DROP TABLE IF EXISTS doc; DROP TABLE IF EXISTS fts;"
			 " DROP TABLE IF EXISTS nbc; DROP TABLE IF EXISTS nbt; DROP TABLE IF EXISTS dft; " TRIAGEPOST_DROP,
			 TAB_VERSION, &t->db, err);
	/* a cache: write-ahead, so that a catch-up does not stop readers (the
	 * milter's threads) and commits without a sync to disk; a crash loses
	 * at most the last catch-ups, whose revision goes with them */
	if (s == DESK_OK && strcmp(path, ":memory:") != 0)
		sqlite3_exec(t->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;", NULL, NULL, NULL);
	t->post = triagepost_new(t->db);
	return s;
}

desk_status
triagetab_memory(triagetab **out, desk_err *err)
{
	desk_status s = tab_open(":memory:", out, err);

	if (s != DESK_OK)
		g_clear_pointer(out, triagetab_close);
	return s;
}

static char *
joined(char **v, const char *sep)
{
	return v != NULL ? g_strjoinv(sep, v) : g_strdup("");
}

/* ----------------------------------------------- the counts of Bayes */

/* Add DELTA to class (DIM, LABEL): DOCS tickets, WORDS terms. */
static int
count_class(triagetab *t, int dim, const char *label, int delta, gint64 words)
{
	int rc;

	if (t->cls == NULL &&
	    sqlite3_prepare_v2(t->db, "INSERT INTO nbc VALUES(?1, ?2, ?3, ?4) ON CONFLICT(dim, label) DO UPDATE"
				      " SET docs = docs + ?3, words = words + ?4", -1, &t->cls, NULL) != SQLITE_OK)
		return SQLITE_ERROR;
	sqlite3_bind_int(t->cls, 1, dim);
	sqlite3_bind_text(t->cls, 2, label, -1, SQLITE_STATIC);
	sqlite3_bind_int(t->cls, 3, delta);
	sqlite3_bind_int64(t->cls, 4, delta * words);
	rc = sqlite3_step(t->cls);
	sqlite3_reset(t->cls);
	return rc;
}

/* Add DELTA to the count of TERM in class (DIM, LABEL). */
static int
count_term(triagetab *t, const char *term, int dim, const char *label, int delta)
{
	int rc;

	if (t->term == NULL &&
	    sqlite3_prepare_v2(t->db, "INSERT INTO nbt VALUES(?1, ?2, ?3, ?4) ON CONFLICT(term, dim, label) DO UPDATE"
				      " SET n = n + ?4 RETURNING n", -1, &t->term, NULL) != SQLITE_OK)
		return SQLITE_ERROR;
	sqlite3_bind_text(t->term, 1, term, -1, SQLITE_STATIC);
	sqlite3_bind_int(t->term, 2, dim);
	sqlite3_bind_text(t->term, 3, label, -1, SQLITE_STATIC);
	sqlite3_bind_int(t->term, 4, delta);
	if ((rc = sqlite3_step(t->term)) == SQLITE_ROW) {
		gint64 n = sqlite3_column_int64(t->term, 0);

		/* the vocabulary: the terms of the taught population, counted
		 * as one comes (0 -> 1) or goes (1 -> 0) */
		if (dim == 3 && ((delta > 0 && n == delta) || (delta < 0 && n == 0)))
			triagepost_vocabulary_add(t->post, delta > 0 ? 1 : -1);
		rc = sqlite3_step(t->term);
	}
	sqlite3_reset(t->term);
	return rc;
}

/* D's distinct terms, in order (not copies). */
static GPtrArray *
distinct(const triage_doc *d)
{
	GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
	GPtrArray *u = g_ptr_array_new();

	for (char **w = d->terms; w != NULL && *w != NULL; w++)
		if (g_hash_table_add(seen, *w))
			g_ptr_array_add(u, *w);
	g_hash_table_destroy(seen);
	return u;
}

GPtrArray *
triagetab_words_of(GPtrArray *u)
{
	GPtrArray *w = g_ptr_array_new();

	for (guint i = 0; i < u->len; i++)
		if (!triage_term_fact(u->pdata[i]))
			g_ptr_array_add(w, u->pdata[i]);
	return w;
}

/* Add (DELTA 1) or take away (-1) what D teaches naive Bayes: per class
 * (TRIAGE_DIM_ALL: the population of taught tickets) the tickets, their
 * distinct terms and each term's count. */
static desk_status
count_doc(triagetab *t, const triage_doc *d, int delta, desk_err *err)
{
	const char *labels[TRIAGETAB_DIMS] = { d->queue, d->priority };
	GPtrArray *u, *w;
	int rc = SQLITE_DONE;

	if (!t->counts || !triage_doc_taught(d))
		return DESK_OK;
	u = distinct(d);
	w = triagetab_words_of(u);
	for (int dim = 0; dim < TRIAGETAB_DIMS && rc == SQLITE_DONE; dim++) {
		char **each = dim == 2 ? d->tags : NULL;
		const char *one[2] = { dim == 3 ? "" : labels[dim], NULL };
		GPtrArray *x = dim == 0 ? w : u;   /* the queue: words alone */

		if (dim != 2)
			each = (char **)one;
		for (char **l = each; l != NULL && *l != NULL && rc == SQLITE_DONE; l++) {
			if (dim < 2 && **l == '\0')
				continue;
			rc = count_class(t, dim, *l, delta, x->len);
			for (guint i = 0; i < x->len && rc == SQLITE_DONE; i++)
				rc = count_term(t, x->pdata[i], dim, *l, delta);
		}
	}
	g_ptr_array_unref(u);
	g_ptr_array_unref(w);
	return rc == SQLITE_DONE ? DESK_OK : tab_fail(t, "count", err);
}

/* Add (DELTA 1) or take away (-1) D's distinct terms to the rows that have
 * them (dft): the document frequencies the nearest-ticket search ranks a
 * ticket's terms by, as FTS5's vocabulary would count them but read in one
 * lookup (fts5vocab reads a term's whole doclist to count it). */
static desk_status
count_df(triagetab *t, const triage_doc *d, int delta, desk_err *err)
{
	GPtrArray *u;
	int rc = SQLITE_DONE;

	if (t->put_df == NULL &&
	    sqlite3_prepare_v2(t->db, "INSERT INTO dft VALUES(?1, ?2) ON CONFLICT(term) DO UPDATE SET n = n + ?2",
			       -1, &t->put_df, NULL) != SQLITE_OK)
		return tab_fail(t, "prepare", err);
	u = distinct(d);
	for (guint i = 0; i < u->len && rc == SQLITE_DONE; i++) {
		sqlite3_bind_text(t->put_df, 1, u->pdata[i], -1, SQLITE_STATIC);
		sqlite3_bind_int(t->put_df, 2, delta);
		rc = sqlite3_step(t->put_df);
		sqlite3_reset(t->put_df);
	}
	g_ptr_array_unref(u);
	return rc == SQLITE_DONE ? DESK_OK : tab_fail(t, "count", err);
}

desk_status
triagetab_classes(triagetab *t, triagetab_count_fn fn, void *ud, desk_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(t->db, "SELECT dim, label, docs, words FROM nbc WHERE docs > 0 ORDER BY dim, label",
			       -1, &st, NULL) != SQLITE_OK)
		return tab_fail(t, "prepare", err);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(ud, sqlite3_column_int(st, 0), (const char *)sqlite3_column_text(st, 1),
		   sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? DESK_OK : tab_fail(t, "read", err);
}

desk_status
triagetab_term(triagetab *t, const char *term, triagetab_count_fn fn, void *ud, desk_err *err)
{
	int rc;

	if (t->get_term == NULL &&
	    sqlite3_prepare_v2(t->db, "SELECT dim, label, n FROM nbt WHERE term = ? AND n > 0 ORDER BY dim, label",
			       -1, &t->get_term, NULL) != SQLITE_OK)
		return tab_fail(t, "prepare", err);
	sqlite3_bind_text(t->get_term, 1, term, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(t->get_term)) == SQLITE_ROW)
		fn(ud, sqlite3_column_int(t->get_term, 0), (const char *)sqlite3_column_text(t->get_term, 1),
		   sqlite3_column_int64(t->get_term, 2), 0);
	sqlite3_reset(t->get_term);
	return rc == SQLITE_DONE ? DESK_OK : tab_fail(t, "read", err);
}

desk_status
triagetab_vocabulary(triagetab *t, gint64 *n, desk_err *err)
{
	return triagepost_total(t->post, "vocabulary", n) == SQLITE_OK ? DESK_OK : tab_fail(t, "read", err);
}

gboolean
triagetab_counts(const triagetab *t)
{
	return t->counts;
}

gboolean
triage_term_fact(const char *term)
{
	return term[0] == '@' || g_str_has_prefix(term, "vip:");
}

/* TERMS without the sender's facts, joined by spaces: what the text search
 * indexes (the neighbours are found by words; the facts are naive Bayes's). */
static char *
joined_words(char **terms)
{
	GString *s = g_string_new(NULL);

	for (char **w = terms; w != NULL && *w != NULL; w++)
		if (!triage_term_fact(*w))
			g_string_append_printf(s, "%s%s", s->len > 0 ? " " : "", *w);
	return g_string_free(s, FALSE);
}

/* Add (DELTA 1) or take away (-1) D's postings (triagepost.h): its words,
 * the sender's facts left out as in the FTS5 table. */
static desk_status
post_doc(triagetab *t, const triage_doc *d, int delta, desk_err *err)
{
	GPtrArray *w = g_ptr_array_new();
	guint flags = triage_doc_taught(d) ? POST_TAUGHT : 0;
	int rc;

	if (strcmp(d->status, "spam") == 0 || strcmp(d->status, "purged") == 0)
		flags |= POST_HIDDEN;
	else if (strcmp(d->status, "merged") == 0)
		flags |= POST_MERGED;
	for (char **x = d->terms; x != NULL && *x != NULL; x++)
		if (**x != '\0' && !triage_term_fact(*x))
			g_ptr_array_add(w, *x);
	g_ptr_array_add(w, NULL);
	rc = triagepost_row(t->post, d->number, (char **)w->pdata, flags, delta);
	g_ptr_array_unref(w);
	return rc == SQLITE_OK ? DESK_OK : tab_fail(t, "postings", err);
}

/* Add (DELTA 1) or take away (-1) what row D counts: its terms' document
 * frequencies, what it teaches naive Bayes, its postings. */
static desk_status
count_row(triagetab *t, const triage_doc *d, int delta, desk_err *err)
{
	desk_status s = count_df(t, d, delta, err);

	if (s == DESK_OK)
		s = count_doc(t, d, delta, err);
	if (s == DESK_OK)
		s = post_doc(t, d, delta, err);
	return s;
}

desk_status
triagetab_add(triagetab *t, const triage_doc *d, desk_err *err)
{
	char *tags = joined(d->tags, " "), *terms = joined(d->terms, " "), *words = joined_words(d->terms);
	const char *text[] = { d->status, d->subject, d->lang, d->addr_queue, d->queue, d->priority, tags, terms };
	triage_doc *old = NULL;
	int rc;

	if (triagetab_doc(t, d->number, &old, NULL) == DESK_OK) {
		desk_status s = count_row(t, old, -1, err);

		triage_doc_free(old);
		if (s != DESK_OK) {
			g_free(tags);
			g_free(terms);
			g_free(words);
			return s;
		}
	}
	if (count_row(t, d, 1, err) != DESK_OK) {
		g_free(tags);
		g_free(terms);
		g_free(words);
		return DESK_TEMPFAIL;
	}
	if (t->put == NULL &&
	    (sqlite3_prepare_v2(t->db, "INSERT OR REPLACE INTO doc(" DOC_COLUMNS ") VALUES(?1, ?2, ?3, ?4, ?5, ?6,"
				" ?7, ?8, ?9, ?10, ?11, ?12)", -1, &t->put, NULL) != SQLITE_OK ||
	     sqlite3_prepare_v2(t->db, "INSERT INTO fts(rowid, terms) VALUES(?1, ?2)", -1, &t->put_fts, NULL) !=
		     SQLITE_OK ||
	     sqlite3_prepare_v2(t->db, "DELETE FROM fts WHERE rowid = ?1", -1, &t->del_fts, NULL) != SQLITE_OK)) {
		g_free(tags);
		g_free(terms);
		g_free(words);
		return tab_fail(t, "prepare", err);
	}
	sqlite3_bind_int64(t->put, 1, d->number);
	sqlite3_bind_int64(t->put, 2, d->created);
	for (guint k = 0; k < G_N_ELEMENTS(text); k++)
		sqlite3_bind_text(t->put, (int)k + 3, text[k] != NULL ? text[k] : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(t->put, 11, (sqlite3_int64)d->simhash);
	sqlite3_bind_text(t->put, 12, d->requester != NULL ? d->requester : "", -1, SQLITE_STATIC);
	rc = sqlite3_step(t->put);
	sqlite3_reset(t->put);
	if (rc == SQLITE_DONE) {
		sqlite3_bind_int64(t->del_fts, 1, d->number);
		rc = sqlite3_step(t->del_fts);
		sqlite3_reset(t->del_fts);
	}
	if (rc == SQLITE_DONE) {
		sqlite3_bind_int64(t->put_fts, 1, d->number);
		sqlite3_bind_text(t->put_fts, 2, words, -1, SQLITE_STATIC);
		rc = sqlite3_step(t->put_fts);
		sqlite3_reset(t->put_fts);
	}
	g_free(tags);
	g_free(terms);
	g_free(words);
	return rc == SQLITE_DONE ? DESK_OK : tab_fail(t, "insert", err);
}

/* ------------------------------------------------ rows from the index */

/* What one message of a ticket tells its row. */
typedef struct msg_fact {
	gint64 time;
	char *file;           /* its file, and the tie-break of equal times */
	char *event, *set;    /* events only */
	gboolean customer;
} msg_fact;

typedef struct ticket_facts {
	GArray *msgs;         /* msg_fact */
	ticket_info *root;    /* its root's state, or NULL */
	char *addr_queue;
} ticket_facts;

static void
msg_fact_clear(gpointer p)
{
	msg_fact *f = p;

	g_free(f->file);
	g_free(f->event);
	g_free(f->set);
}

static void
ticket_facts_free(gpointer p)
{
	ticket_facts *tf = p;

	g_array_unref(tf->msgs);
	ticket_info_free(tf->root);
	g_free(tf->addr_queue);
	g_free(tf);
}

static gboolean
has_tag(notmuch_message_t *m, const char *const *want)
{
	notmuch_tags_t *tags = notmuch_message_get_tags(m);
	gboolean yes = FALSE;

	for (; !yes && notmuch_tags_valid(tags); notmuch_tags_move_to_next(tags))
		for (guint i = 0; want[i] != NULL; i++)
			yes = yes || strcmp(notmuch_tags_get(tags), want[i]) == 0;
	notmuch_tags_destroy(tags);
	return yes;
}

/* M's first file (caller g_free()s), or NULL: a reader's snapshot can
 * fall between the indexer's commits of a move from new/ to cur/, where
 * the message has no file, and notmuch_message_get_filename() then aborts
 * the process ("message with no filename": seen in maildesk-milter under
 * bench/triage). Such a message changes again with its next commit. */
static char *
first_file(notmuch_message_t *m)
{
	notmuch_filenames_t *fs = notmuch_message_get_filenames(m);
	char *file = fs != NULL && notmuch_filenames_valid(fs) ? g_strdup(notmuch_filenames_get(fs)) : NULL;

	if (fs != NULL)
		notmuch_filenames_destroy(fs);
	return file;
}

/* M's fact, added to its ticket's in BY (number -> ticket_facts). */
static void
collect(notmuch_message_t *m, GHashTable *by)
{
	static const char *const root_tag[] = { "ticket", NULL };
	static const char *const not_customer[] = { "event", "ours", "auto", "bulk", "bounce", "held", "spam", NULL };
	const char *v = NULL, *e = NULL;
	ticket_facts *tf;
	msg_fact f = { 0 };
	guint n;

	if (notmuch_message_get_property(m, "desk.ticket", &v) != NOTMUCH_STATUS_SUCCESS || v == NULL ||
	    (n = (guint)g_ascii_strtoull(v, NULL, 10)) == 0 || (f.file = first_file(m)) == NULL)
		return;
	if ((tf = g_hash_table_lookup(by, GUINT_TO_POINTER(n))) == NULL) {
		tf = g_new0(ticket_facts, 1);
		tf->msgs = g_array_new(FALSE, FALSE, sizeof(msg_fact));
		g_array_set_clear_func(tf->msgs, msg_fact_clear);
		g_hash_table_insert(by, GUINT_TO_POINTER(n), tf);
	}
	if (has_tag(m, root_tag) && tf->root == NULL) {
		const char *q = NULL;

		tf->root = ticket_info_of(m);
		if (notmuch_message_get_property(m, "desk.queue", &q) == NOTMUCH_STATUS_SUCCESS && q != NULL)
			tf->addr_queue = g_strdup(q);
	}
	f.time = index_message_time(m);
	if (notmuch_message_get_property(m, "desk.event", &e) == NOTMUCH_STATUS_SUCCESS && e != NULL) {
		f.event = g_strdup(e);
		f.set = index_get_text(m, "desk.set");
	} else
		f.customer = !has_tag(m, not_customer);
	g_array_append_val(tf->msgs, f);
}

static gint
by_time_file(gconstpointer a, gconstpointer b)
{
	const msg_fact *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return g_strcmp0(x->file, y->file);
}

/* Whether BY (an event's by=) is a person: an agent, not the desk. */
static gboolean
by_person(const char *by)
{
	return by != NULL && strcmp(by, "system") != 0 && ticket_name_ok(by);
}

/* The labels people set, from TF's events in time order, into D. */
static void
set_str(char **p, const char *v)
{
	g_free(*p);
	*p = g_strdup(v);
}

static void
labels_of(ticket_facts *tf, triage_doc *d)
{
	GPtrArray *tags = g_ptr_array_new();
	gboolean priority_set = FALSE, queue_set = FALSE, handled = FALSE;

	d->queue = g_strdup("");
	d->priority = g_strdup("");
	for (guint i = 0; i < tf->msgs->len; i++) {
		msg_fact *f = &g_array_index(tf->msgs, msg_fact, i);
		char *by = f->event != NULL ? xset_lookup(f->set, "by") : NULL;
		char *prio = f->event != NULL ? xset_lookup(f->set, "priority") : NULL;
		char *queue = f->event != NULL ? xset_lookup(f->set, "queue") : NULL;
		char **items;

		priority_set = priority_set || (prio != NULL && evtype_allows(f->event, "priority"));
		/* a rule's queue is the root's own (X-Desk-Queue), its route event
		 * names no queue: a routed ticket's queue is never accepted */
		queue_set = queue_set || (queue != NULL && evtype_allows(f->event, "queue")) ||
			    (f->event != NULL && strcmp(f->event, "route") == 0);
		g_free(prio);
		g_free(queue);
		if (!by_person(by)) {
			g_free(by);
			continue;
		}
		g_free(by);
		handled = TRUE;
		items = xset_strv(f->set);
		for (char **it = items; *it != NULL; it++) {
			char *eq = strchr(*it, '=');
			const char *v = eq != NULL ? eq + 1 : "";

			if (eq == NULL)
				continue;
			*eq = '\0';
			if (!evtype_allows(f->event, *it))
				continue;
			if (strcmp(*it, "queue") == 0 && *d->queue == '\0' && ticket_name_ok(v))
				set_str(&d->queue, v);
			else if (strcmp(*it, "priority") == 0 && *d->priority == '\0' && ticket_priority_valid(v))
				set_str(&d->priority, v);
			else if (strcmp(*it, "tag") == 0 && *v == '+' && ticket_tag_valid(v + 1) &&
				 !g_ptr_array_find_with_equal_func(tags, v + 1, g_str_equal, NULL))
				g_ptr_array_add(tags, g_strdup(v + 1));
		}
		g_strfreev(items);
	}
	/* a person who handled the ticket and left its queue and priority as
	 * nobody had set them accepted them: the queue of the address the
	 * requester chose, and the default priority; what a rule set (the
	 * queue of any ticket the rules routed) is the desk's guess and
	 * teaches nothing */
	if (*d->queue == '\0' && !queue_set && handled && *d->addr_queue != '\0' && ticket_name_ok(d->addr_queue))
		set_str(&d->queue, d->addr_queue);
	if (*d->priority == '\0' && !priority_set && handled)
		set_str(&d->priority, "normal");
	g_ptr_array_add(tags, NULL);
	d->tags = (char **)g_ptr_array_free(tags, FALSE);
}

/* The requester's own words of the file PATH. */
static char *
own_words(const char *path)
{
	rendered_msg *r = NULL;
	char *own;

	if (path == NULL || render_message(path, NULL, &r, NULL) != DESK_OK)
		return g_strdup("");
	own = terms_own_text(r->text, TEXT_MAX);
	rendered_msg_free(r);
	return own;
}

/* The sender's facts as terms into TERMS: "@DOMAIN" of REQUESTER, the
 * address the store parsed from the first mail's From, and "vip:yes" when
 * it (or its @domain) is in STORE/vip.txt. They never come from the text:
 * a body that says "vip" gives the word "vip", which no list confirms. */
static void
sender_facts(triagetab *t, const char *requester, GPtrArray *terms)
{
	const char *at = requester != NULL ? strrchr(requester, '@') : NULL;
	char *low, *dom;

	if (at == NULL || at[1] == '\0' || strpbrk(at, " \t\r\n\"") != NULL)
		return;
	low = g_ascii_strdown(requester, -1);
	dom = low + (at - requester);
	g_ptr_array_add(terms, g_strdup(dom));
	if (t->vip != NULL && (g_hash_table_contains(t->vip, low) || g_hash_table_contains(t->vip, dom)))
		g_ptr_array_add(terms, g_strdup("vip:yes"));
	g_free(low);
}

/* STORE/vip.txt (one address or @domain a line, # comments) of DB's store
 * into T; none, unreadable or too large: no VIPs (the list is advice to
 * the model, not a gate). */
static void
vip_load(triagetab *t, notmuch_database_t *db)
{
	char *store = g_path_get_dirname(notmuch_database_get_path(db));
	char *file = g_build_filename(store, "vip.txt", NULL), *text = NULL, **lines;
	gsize len = 0;

	if (g_file_get_contents(file, &text, &len, NULL) && len <= VIP_MAX) {
		t->vip = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
		lines = g_strsplit(text, "\n", -1);
		for (char **l = lines; *l != NULL; l++) {
			char *a = g_strstrip(*l);

			if (*a != '\0' && *a != '#')
				g_hash_table_add(t->vip, g_ascii_strdown(a, -1));
		}
		g_strfreev(lines);
	}
	g_free(text);
	g_free(file);
	g_free(store);
}

/* The row of ticket N from TF. */
static triage_doc *
doc_of(triagetab *t, guint n, ticket_facts *tf)
{
	triage_doc *d = g_new0(triage_doc, 1);
	GPtrArray *terms = g_ptr_array_new_with_free_func(g_free);
	const char *first = NULL;
	char *own, *all;

	g_array_sort(tf->msgs, by_time_file);
	for (guint i = 0; first == NULL && i < tf->msgs->len; i++)
		if (g_array_index(tf->msgs, msg_fact, i).customer)
			first = g_array_index(tf->msgs, msg_fact, i).file;
	d->number = n;
	d->created = tf->root->created;
	d->status = g_strdup(tf->root->status);
	d->subject = g_strdup(tf->root->subject);
	d->requester = g_strdup(tf->root->requester != NULL ? tf->root->requester : "");
	d->addr_queue = g_strdup(tf->addr_queue != NULL ? tf->addr_queue : "");
	own = own_words(first);
	all = g_strconcat(d->subject, "\n", own, NULL);
	d->lang = g_strdup(lang_detect(all, -1, NULL));
	d->simhash = simhash_text(all);
	terms_of(t->terms, d->lang, d->subject, TERMS_MAX, terms, NULL);
	terms_of(t->terms, d->lang, own, TERMS_MAX, terms, NULL);
	sender_facts(t, d->requester, terms);
	g_ptr_array_add(terms, NULL);
	d->terms = (char **)g_ptr_array_free(terms, FALSE);
	labels_of(tf, d);
	g_free(own);
	g_free(all);
	return d;
}

triage_doc *
triagetab_doc_of_text(triagetab *t, const char *subject, const char *body, gint64 created)
{
	triage_doc *d = g_new0(triage_doc, 1);
	GPtrArray *terms = g_ptr_array_new_with_free_func(g_free);
	char *own = terms_own_text(body != NULL ? body : "", TEXT_MAX);
	char *all = g_strconcat(subject != NULL ? subject : "", "\n", own, NULL);

	d->created = created;
	d->status = g_strdup("new");
	d->subject = g_strdup(subject != NULL ? subject : "");
	d->addr_queue = g_strdup("");
	d->queue = g_strdup("");
	d->priority = g_strdup("");
	d->tags = g_new0(char *, 1);
	d->lang = g_strdup(lang_detect(all, -1, NULL));
	terms_of(t->terms, d->lang, d->subject, TERMS_MAX, terms, NULL);
	terms_of(t->terms, d->lang, own, TERMS_MAX, terms, NULL);
	g_ptr_array_add(terms, NULL);
	d->terms = (char **)g_ptr_array_free(terms, FALSE);
	g_free(own);
	g_free(all);
	return d;
}

/* Rows anew for the tickets of the messages matching QUERY (whole
 * tickets); each ticket put is taken out of WANTED (may be NULL). */
static desk_status
put_query(triagetab *t, notmuch_database_t *db, const char *query, GHashTable *wanted, desk_err *err)
{
	GHashTable *by = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, ticket_facts_free);
	notmuch_query_t *q = notmuch_query_create(db, query);
	notmuch_messages_t *ms = NULL;
	desk_status s = DESK_OK;
	GHashTableIter it;
	gpointer k, v;

	if (q == NULL) {
		g_hash_table_destroy(by);
		return desk_fail(err, DESK_SOFTWARE, "ticket text index: out of memory");
	}
	notmuch_query_set_sort(q, NOTMUCH_SORT_UNSORTED);
	if (notmuch_query_search_messages(q, &ms) != NOTMUCH_STATUS_SUCCESS)
		s = desk_fail(err, DESK_TEMPFAIL, "ticket text index: cannot read the index");
	t->index_failed = s != DESK_OK;
	for (; s == DESK_OK && notmuch_messages_valid(ms); notmuch_messages_move_to_next(ms)) {
		notmuch_message_t *m = notmuch_messages_get(ms);

		collect(m, by);
		notmuch_message_destroy(m);
	}
	notmuch_query_destroy(q);
	g_hash_table_iter_init(&it, by);
	while (s == DESK_OK && g_hash_table_iter_next(&it, &k, &v)) {
		ticket_facts *tf = v;
		triage_doc *d;

		if (tf->root == NULL)
			continue;   /* no root (yet): no row */
		d = doc_of(t, GPOINTER_TO_UINT(k), tf);
		s = triagetab_add(t, d, err);
		if (wanted != NULL)
			g_hash_table_remove(wanted, k);
		triage_doc_free(d);
	}
	g_hash_table_destroy(by);
	return s;
}

typedef struct put_chunk_ctx {
	triagetab *t;
	notmuch_database_t *db;
	GHashTable *set;
} put_chunk_ctx;

/* The rows of the tickets of QUERY (cachedb_each_chunk). */
static desk_status
put_chunk(void *ud, const char *query, desk_err *err)
{
	put_chunk_ctx *pc = ud;

	return put_query(pc->t, pc->db, query, pc->set, err);
}

/* Rows anew for the tickets in SET; those that have none any more go. */
static desk_status
put_tickets(triagetab *t, notmuch_database_t *db, GHashTable *set, desk_err *err)
{
	put_chunk_ctx pc = { t, db, set };
	desk_status s;
	GHashTableIter it;
	gpointer k;

	s = cachedb_each_chunk(set, CHUNK, put_chunk, &pc, err);
	g_hash_table_iter_init(&it, set);
	while (s == DESK_OK && g_hash_table_iter_next(&it, &k, NULL)) {
		triage_doc *old = NULL;
		char sql[120];

		if (triagetab_doc(t, GPOINTER_TO_UINT(k), &old, NULL) == DESK_OK)
			s = count_row(t, old, -1, err);
		triage_doc_free(old);
		if (s != DESK_OK)
			break;

		snprintf(sql, sizeof sql, "DELETE FROM doc WHERE number = %u; DELETE FROM fts WHERE rowid = %u;",
			 GPOINTER_TO_UINT(k), GPOINTER_TO_UINT(k));
		s = tab_exec(t, sql, err);
	}
	if (s == DESK_OK && triagepost_flush(t->post) != SQLITE_OK)
		s = tab_fail(t, "postings", err);
	return s;
}

static desk_status
sync_changed(void *ud, notmuch_database_t *db, GHashTable *set, desk_err *err)
{
	return put_tickets(ud, db, set, err);
}

static desk_status
sync_whole(void *ud, notmuch_database_t *db, desk_err *err)
{
	triagetab *t = ud;
	desk_status s;

	triagepost_discard(t->post);
	if ((s = tab_exec(t, "DELETE FROM doc; DELETE FROM fts; DELETE FROM nbc; DELETE FROM nbt; DELETE FROM dft; "
			     TRIAGEPOST_CLEAR, err)) == DESK_OK)
		s = put_query(t, db, "*", NULL, err);
	if (s == DESK_OK && triagepost_flush(t->post) != SQLITE_OK)
		s = tab_fail(t, "postings", err);
	return s;
}

/* Bring T up to DB: from the changes since its revision, or whole. */
static desk_status
tab_sync(triagetab *t, notmuch_database_t *db, desk_err *err)
{
	cachedb_cache c = { t->db, "ticket text index", "doc", sync_changed, sync_whole, t };
	desk_status s = cachedb_sync(&c, db, err);

	if (s != DESK_OK)   /* rolled back: what was kept in memory with it */
		triagepost_discard(t->post);
	return s;
}

desk_status
triagetab_open(notmuch_database_t *db, triagetab **out, desk_err *err)
{
	char *path = g_build_filename(notmuch_database_get_path(db), ".notmuch", TRIAGETAB_FILE, NULL);
	desk_status s = tab_open(path, out, err);

	if (*out != NULL) {
		(*out)->counts = TRUE;
		vip_load(*out, db);
	}
	if (s == DESK_OK)
		s = tab_sync(*out, db, err);
	if (s != DESK_OK && (sqlite3_errcode((*out)->db) == SQLITE_CORRUPT ||
			     sqlite3_errcode((*out)->db) == SQLITE_NOTADB)) {
		g_clear_pointer(out, triagetab_close);
		unlink(path);
		if ((s = tab_open(path, out, err)) == DESK_OK && ((*out)->counts = TRUE)) {
			vip_load(*out, db);
			s = tab_sync(*out, db, err);
		}
	}
	g_free(path);
	/* a file we cannot use: in memory; the index unread: say so (the
	 * caller may reopen it, notmuch's snapshot may be old) */
	if (s != DESK_OK && (*out == NULL || !(*out)->index_failed)) {
		g_clear_pointer(out, triagetab_close);
		if ((s = tab_open(":memory:", out, err)) == DESK_OK && ((*out)->counts = TRUE)) {
			vip_load(*out, db);
			s = tab_sync(*out, db, err);
		}
	}
	if (s != DESK_OK)
		g_clear_pointer(out, triagetab_close);
	return s;
}

desk_status
triagetab_refresh(triagetab *t, notmuch_database_t *db, desk_err *err)
{
	return tab_sync(t, db, err);
}

desk_status
triagetab_sync(notmuch_database_t *db, desk_err *err)
{
	triagetab *t = NULL;
	desk_status s = triagetab_open(db, &t, err);

	triagetab_close(t);
	return s;
}

/* ----------------------------------------------------------- reading */

static char **
split_or_empty(const char *s)
{
	return s != NULL && *s != '\0' ? g_strsplit(s, " ", -1) : g_new0(char *, 1);
}

static char *
col(sqlite3_stmt *st, int i)
{
	const char *v = (const char *)sqlite3_column_text(st, i);

	return g_strdup(v != NULL ? v : "");
}

static triage_doc *
row_doc(sqlite3_stmt *st)
{
	triage_doc *d = g_new0(triage_doc, 1);

	d->number = (guint)sqlite3_column_int64(st, 0);
	d->created = sqlite3_column_int64(st, 1);
	d->status = col(st, 2);
	d->subject = col(st, 3);
	d->lang = col(st, 4);
	d->addr_queue = col(st, 5);
	d->queue = col(st, 6);
	d->priority = col(st, 7);
	d->tags = split_or_empty((const char *)sqlite3_column_text(st, 8));
	d->terms = split_or_empty((const char *)sqlite3_column_text(st, 9));
	d->simhash = (guint64)sqlite3_column_int64(st, 10);
	d->requester = col(st, 11);
	return d;
}

desk_status
triagetab_doc(triagetab *t, guint n, triage_doc **out, desk_err *err)
{
	int rc;

	*out = NULL;
	if (t->get_doc == NULL &&
	    sqlite3_prepare_v2(t->db, "SELECT " DOC_COLUMNS " FROM doc WHERE number = ?", -1, &t->get_doc, NULL) !=
		    SQLITE_OK)
		return tab_fail(t, "prepare", err);
	sqlite3_bind_int64(t->get_doc, 1, n);
	if ((rc = sqlite3_step(t->get_doc)) == SQLITE_ROW)
		*out = row_doc(t->get_doc);
	sqlite3_reset(t->get_doc);
	if (rc == SQLITE_ROW)
		return DESK_OK;
	if (rc == SQLITE_DONE)
		return desk_fail(err, DESK_NOTFOUND, "no ticket %u", n);
	return tab_fail(t, "read", err);
}

desk_status
triagetab_docs(triagetab *t, GPtrArray *out, desk_err *err)
{
	return triagetab_docs_between(t, G_MININT64, G_MAXINT64, out, err);
}

desk_status
triagetab_docs_between(triagetab *t, gint64 since, gint64 until, GPtrArray *out, desk_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(t->db, "SELECT " DOC_COLUMNS " FROM doc WHERE status NOT IN ('spam', 'purged')"
				      " AND created >= ?1 AND created < ?2 ORDER BY created, number", -1, &st, NULL) != SQLITE_OK)
		return tab_fail(t, "prepare", err);
	sqlite3_bind_int64(st, 1, since);
	sqlite3_bind_int64(st, 2, until);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		g_ptr_array_add(out, row_doc(st));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? DESK_OK : tab_fail(t, "read", err);
}

desk_status
triagetab_lang(triagetab *t, const char *lang, GHashTable *set, desk_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(t->db, "SELECT number FROM doc WHERE lang = ?", -1, &st, NULL) != SQLITE_OK)
		return tab_fail(t, "prepare", err);
	sqlite3_bind_text(st, 1, lang, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		g_hash_table_add(set, GUINT_TO_POINTER((guint)sqlite3_column_int64(st, 0)));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? DESK_OK : tab_fail(t, "read", err);
}

typedef struct df_term {
	const char *term;
	gint64 df;
	guint at;
} df_term;

static gint
by_df(gconstpointer a, gconstpointer b)
{
	const df_term *x = a, *y = b;

	if (x->df != y->df)
		return x->df < y->df ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

/* How many tickets have TERM (0 when the lookup fails). */
static gint64
term_df(triagetab *t, const char *term)
{
	gint64 n = 0;

	if (t->df == NULL &&
	    sqlite3_prepare_v2(t->db, "SELECT n FROM dft WHERE term = ?", -1, &t->df, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(t->df, 1, term, -1, SQLITE_STATIC);
	if (sqlite3_step(t->df) == SQLITE_ROW)
		n = sqlite3_column_int64(t->df, 0);
	sqlite3_reset(t->df);
	return n;
}

/* The words of the query of TERMS: of the first TRIAGE_QUERY_TERMS
 * distinct ones, the WANT that the fewest tickets have (they say most,
 * and the search's cost is the rows its words match), by that count
 * (ties: as they stand), into OUT (df_term; the terms not copied). */
static void
near_terms(triagetab *t, char **terms, guint want, GArray *out)
{
	GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);

	for (char **w = terms; w != NULL && *w != NULL && out->len < TRIAGE_QUERY_TERMS; w++) {
		df_term d = { *w, 0, out->len };

		if (**w == '\0' || strchr(*w, '"') != NULL || triage_term_fact(*w) || g_hash_table_contains(seen, *w))
			continue;
		g_hash_table_add(seen, *w);
		d.df = term_df(t, *w);
		g_array_append_val(out, d);
	}
	g_array_sort(out, by_df);
	if (out->len > want)
		g_array_set_size(out, want);
	g_hash_table_destroy(seen);
}

/* TERMS as an FTS5 query (near_terms' words, each quoted, joined with
 * OR); NULL when there is none. */
static char *
near_query(triagetab *t, char **terms, guint want)
{
	GArray *a = g_array_new(FALSE, FALSE, sizeof(df_term));
	GString *q = g_string_new(NULL);
	guint n = a->len;

	near_terms(t, terms, want, a);
	for (n = 0; n < a->len; n++)
		g_string_append_printf(q, "%s\"%s\"", n ? " OR " : "", g_array_index(a, df_term, n).term);
	g_array_unref(a);
	return g_string_free(q, n == 0);
}

/* The number below the TRIAGE_NEAR_RECENT latest rows that teach: the
 * search reads a window of recent history whatever the store's age. 0
 * when the table is smaller. Read from the index doc_taught (the rows
 * that teach alone), newest first. (Counted in rows that teach, not in
 * numbers: the latest tickets may be many that no one has labelled yet.) */
static desk_status
recent_floor(triagetab *t, gint64 *floor, desk_err *err)
{
	int rc;

	*floor = 0;
	if (t->floor == NULL && sqlite3_prepare_v2(t->db, "SELECT number FROM doc WHERE " TAUGHT_ROW
							  " ORDER BY number DESC LIMIT 1 OFFSET ?1", -1, &t->floor, NULL) != SQLITE_OK)
		return tab_fail(t, "prepare", err);
	sqlite3_bind_int(t->floor, 1, TRIAGE_NEAR_RECENT);
	if ((rc = sqlite3_step(t->floor)) == SQLITE_ROW)
		*floor = sqlite3_column_int64(t->floor, 0);
	sqlite3_reset(t->floor);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? DESK_OK : tab_fail(t, "read", err);
}

/* The K rows nearest to TERMS (the words of near_terms) by bm25 other
 * than EXCEPT and spam or purged ones, best first (ties: the lower
 * number): those that teach (TAUGHT) or any but merged ones, whose words
 * are now their target's (triagetab_similar), among the
 * TRIAGE_NEAR_RECENT latest that teach and those after them. From the
 * postings (triagepost.h): FTS5 scored every row its words match with
 * bm25() through its auxiliary API and SQLite sorted them all (p50 40 ms
 * at 100,000 tickets; taking the best rows first and filtering them after
 * was no faster). */
static desk_status
near_run(triagetab *t, gboolean taught, char **terms, guint except, guint k, GArray *out, desk_err *err)
{
	GArray *a = g_array_new(FALSE, FALSE, sizeof(df_term));
	GArray *hits = g_array_new(FALSE, FALSE, sizeof(triagepost_hit));
	char **words;
	gint64 *df, floor = 0;
	desk_status s;
	int rc = SQLITE_OK;

	near_terms(t, terms, taught ? TRIAGE_NEAR_TERMS : SIMILAR_NEAR_TERMS, a);
	words = g_new0(char *, a->len + 1);
	df = g_new0(gint64, a->len + 1);
	for (guint i = 0; i < a->len; i++) {
		words[i] = (char *)g_array_index(a, df_term, i).term;
		df[i] = g_array_index(a, df_term, i).df;
	}
	s = a->len > 0 ? recent_floor(t, &floor, err) : DESK_OK;
	if (s == DESK_OK && a->len > 0)
		rc = triagepost_near(t->post, words, df, a->len, floor, except, taught ? POST_TAUGHT : 0,
				     taught ? 0 : POST_MERGED, k, hits);
	if (s == DESK_OK && rc != SQLITE_OK)
		s = tab_fail(t, "search", err);
	for (guint i = 0; s == DESK_OK && i < hits->len; i++) {
		triage_hit h = { g_array_index(hits, triagepost_hit, i).number, g_array_index(hits, triagepost_hit, i).score };

		g_array_append_val(out, h);
	}
	g_free(words);
	g_free(df);
	g_array_unref(hits);
	g_array_unref(a);
	return s;
}

desk_status
triagetab_near(triagetab *t, char **terms, guint except, guint k, GArray *out, desk_err *err)
{
	return near_run(t, TRUE, terms, except, k, out, err);
}

desk_status
triagetab_similar(triagetab *t, char **terms, guint except, guint k, GArray *out, desk_err *err)
{
	return near_run(t, FALSE, terms, except, k, out, err);
}

desk_status
triagetab_twins(triagetab *t, const triage_doc *d, guint max_bits, GArray *out, desk_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (d->simhash == 0)
		return DESK_OK;
	if (sqlite3_prepare_v2(t->db, "SELECT number, simhash FROM doc WHERE status IN ('new', 'open', 'pending', 'on-hold')"
				      " AND number != ?2 AND simhash != 0 AND (created < ?1 OR (created = ?1 AND number < ?2))"
				      " ORDER BY number", -1, &st, NULL) != SQLITE_OK)
		return tab_fail(t, "prepare", err);
	sqlite3_bind_int64(st, 1, d->created);
	sqlite3_bind_int64(st, 2, d->number);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		guint bits = simhash_distance(d->simhash, (guint64)sqlite3_column_int64(st, 1));
		triage_hit h = { (guint)sqlite3_column_int64(st, 0), bits };

		if (bits <= max_bits)
			g_array_append_val(out, h);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? DESK_OK : tab_fail(t, "read", err);
}

desk_status
triagetab_score(triagetab *t, char **terms, guint n, double *score, desk_err *err)
{
	GArray *a = g_array_new(FALSE, FALSE, sizeof(df_term));
	triage_doc *d = NULL;
	desk_status s = DESK_OK;

	*score = 0;
	near_terms(t, terms, SIMILAR_NEAR_TERMS, a);
	if (a->len > 0 && (s = triagetab_doc(t, n, &d, err)) == DESK_NOTFOUND)
		s = DESK_OK;   /* no such row: it does not match */
	if (s == DESK_OK && d != NULL) {
		guint *tf = g_new0(guint, a->len), dl = 0, hit = 0;
		gint64 *df = g_new0(gint64, a->len);

		for (char **w = d->terms; *w != NULL; w++) {
			if (**w == '\0' || triage_term_fact(*w))
				continue;
			dl++;
			for (guint i = 0; i < a->len; i++)
				if (strcmp(*w, g_array_index(a, df_term, i).term) == 0) {
					tf[i]++;
					hit++;
				}
		}
		for (guint i = 0; i < a->len; i++)
			df[i] = g_array_index(a, df_term, i).df;
		if (hit > 0 && triagepost_score(t->post, tf, df, a->len, dl, score) != SQLITE_OK)
			s = tab_fail(t, "search", err);
		g_free(tf);
		g_free(df);
	}
	triage_doc_free(d);
	g_array_unref(a);
	return s;
}

desk_status
triagetab_requester_near(triagetab *t, char **terms, const char *requester, guint except, guint k, GArray *out,
			 desk_err *err)
{
	char *q = near_query(t, terms, TRIAGE_QUERY_TERMS);
	sqlite3_stmt *st = NULL;
	double self = 0;
	int rc;

	if (q == NULL || requester == NULL || *requester == '\0') {
		g_free(q);
		return DESK_OK;
	}
	if (sqlite3_prepare_v2(t->db, "SELECT fts.rowid, -bm25(fts) AS s, fts.rowid = ?2 FROM fts JOIN doc ON doc.number = fts.rowid"
				      " WHERE fts MATCH ?1 AND (fts.rowid = ?2 OR (doc.requester = ?3"
				      " AND doc.status NOT IN ('spam', 'purged', 'merged')))"
				      " ORDER BY s DESC, fts.rowid LIMIT ?4", -1, &st, NULL) != SQLITE_OK) {
		g_free(q);
		return tab_fail(t, "prepare", err);
	}
	sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, except);
	sqlite3_bind_text(st, 3, requester, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, (int)k + 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		triage_hit h = { (guint)sqlite3_column_int64(st, 0), sqlite3_column_double(st, 1) };

		if (sqlite3_column_int(st, 2))
			self = h.score;
		else
			g_array_append_val(out, h);
	}
	sqlite3_finalize(st);
	g_free(q);
	for (guint i = 0; i < out->len; i++)   /* as shares of the ticket's own score */
		g_array_index(out, triage_hit, i).score = self > 0 ? g_array_index(out, triage_hit, i).score / self : 0;
	return rc == SQLITE_DONE ? DESK_OK : tab_fail(t, "search", err);
}
