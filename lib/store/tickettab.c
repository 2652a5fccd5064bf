/* tickettab.c: the ticket table, SQLite rows of ticket_info kept up to the
 * index by its UUID and revision (see tickettab.h). */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cachedb.h"
#include "rfact.h"
#include "tickettab.h"

#define FILE_NAME "desk-tickets.sqlite"
#define TAB_VERSION "5"   /* 5: rcpt; rfacts of acknowledgements */
#define COLUMNS                                                                               \
	"number, subject, status, requester, requester_name, owner, queue, priority, root_id," \
	" messages, created, updated, first_response, last_customer, solved_at, reopens,"    \
	" merged_into, tags, cc, links, activity, waiting_since, sla, rcpt"
/* What desk report reads of a row (row_report), no more. */
#define REPORT_COLUMNS                                                                         \
	"number, subject, status, requester, owner, queue, priority, created, updated,"        \
	" first_response, tags, sla, rcpt, rfacts"
#define SCHEMA                                                                               \
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"   \
	"CREATE TABLE IF NOT EXISTS ticket(number INTEGER PRIMARY KEY, subject TEXT, status TEXT," \
	" requester TEXT, requester_name TEXT, owner TEXT, queue TEXT, priority TEXT,"        \
	" root_id TEXT, messages INTEGER, created INTEGER, updated INTEGER,"                  \
	" first_response INTEGER, last_customer INTEGER, solved_at INTEGER, reopens INTEGER," \
	" merged_into INTEGER, tags TEXT, cc TEXT, links TEXT, activity INTEGER,"             \
	" waiting_since INTEGER, sla TEXT, rcpt TEXT, rfacts TEXT);"                                      \
	"CREATE INDEX IF NOT EXISTS ticket_status ON ticket(status, updated);"                \
	"CREATE INDEX IF NOT EXISTS ticket_activity ON ticket(status, activity);"             \
	"CREATE INDEX IF NOT EXISTS ticket_updated ON ticket(updated);"

/* Ticket numbers looked up in one query when catching up. */
#define CHUNK 200

typedef struct tab {
	sqlite3 *db;
	sqlite3_stmt *put;
	gboolean memory;     /* the file could not be used: built in memory */
} tab;

static desk_status
tab_fail(tab *t, const char *what, desk_err *err)
{
	return desk_fail(err, DESK_TEMPFAIL, "ticket table: %s: %s", what, sqlite3_errmsg(t->db));
}

static desk_status
tab_exec(tab *t, const char *sql, desk_err *err)
{
	return sqlite3_exec(t->db, sql, NULL, NULL, NULL) == SQLITE_OK ? DESK_OK : tab_fail(t, sql, err);
}

static void
tab_close(tab *t)
{
	sqlite3_finalize(t->put);
	sqlite3_close(t->db);
	memset(t, 0, sizeof *t);
}

/* Open PATH (":memory:" for memory) with our schema; a table of another
 * version is dropped (it is a cache). Each connection is opened and closed
 * within one call, by one thread. */
static desk_status
tab_open(tab *t, const char *path, desk_err *err)
{
	memset(t, 0, sizeof *t);
	t->memory = strcmp(path, ":memory:") == 0;
	return cachedb_open(path, TRUE, "ticket table", SCHEMA, "DROP TABLE IF EXISTS ticket;", TAB_VERSION, &t->db, err);
}

/* The statement that puts a row, prepared on first use. */
static desk_status
put_prepared(tab *t, desk_err *err)
{
	if (t->put == NULL &&
	    sqlite3_prepare_v2(t->db, "INSERT OR REPLACE INTO ticket(" COLUMNS ") VALUES(?1, ?2, ?3, ?4, ?5,"
			       " ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)",
			       -1, &t->put, NULL) != SQLITE_OK)
		return tab_fail(t, "prepare", err);
	return DESK_OK;
}

/* The row of root M. */
static desk_status
put_root(tab *t, notmuch_message_t *m, desk_err *err)
{
	ticket_info *i;
	char *tags, *cc, *links, *sla;
	int rc;

	if (put_prepared(t, err) != DESK_OK)
		return DESK_TEMPFAIL;
	i = ticket_info_of(m);
	tags = g_strjoinv(" ", i->tags);
	cc = g_strjoinv("\n", i->cc);
	links = g_strjoinv("\n", i->links);
	sla = g_strjoinv("\n", i->sla);
	const char *text[] = { NULL, i->subject, i->status, i->requester, i->requester_name, i->owner,
			       i->queue, i->priority, i->root_id };
	gint64 num[] = { i->messages, i->created, i->updated, i->first_response, i->last_customer,
			 i->solved_at, i->reopens, i->merged_into };

	sqlite3_bind_int64(t->put, 1, i->number);
	for (guint k = 1; k < G_N_ELEMENTS(text); k++)
		sqlite3_bind_text(t->put, (int)k + 1, text[k], -1, SQLITE_STATIC);
	for (guint k = 0; k < G_N_ELEMENTS(num); k++)
		sqlite3_bind_int64(t->put, (int)(G_N_ELEMENTS(text) + k) + 1, num[k]);
	sqlite3_bind_text(t->put, 18, tags, -1, SQLITE_STATIC);
	sqlite3_bind_text(t->put, 19, cc, -1, SQLITE_STATIC);
	sqlite3_bind_text(t->put, 20, links, -1, SQLITE_STATIC);
	sqlite3_bind_int64(t->put, 21, i->activity);
	sqlite3_bind_int64(t->put, 22, i->waiting_since);
	sqlite3_bind_text(t->put, 23, sla, -1, SQLITE_STATIC);
	sqlite3_bind_text(t->put, 24, i->rcpt, -1, SQLITE_STATIC);
	rc = sqlite3_step(t->put);
	sqlite3_reset(t->put);
	sqlite3_clear_bindings(t->put);
	g_free(tags);
	g_free(cc);
	g_free(links);
	g_free(sla);
	ticket_info_free(i);
	return rc == SQLITE_DONE ? DESK_OK : tab_fail(t, "insert", err);
}

/* Put a row for each root matching QUERY; each ticket put is taken out
 * of WANTED (may be NULL). */
static desk_status
put_roots(tab *t, notmuch_database_t *db, const char *query, GHashTable *wanted, desk_err *err)
{
	notmuch_query_t *q = notmuch_query_create(db, query);
	notmuch_messages_t *ms = NULL;
	desk_status s = DESK_OK;

	if (q == NULL)
		return desk_fail(err, DESK_SOFTWARE, "ticket table: out of memory");
	notmuch_query_set_sort(q, NOTMUCH_SORT_UNSORTED);
	if (notmuch_query_search_messages(q, &ms) != NOTMUCH_STATUS_SUCCESS)
		s = desk_fail(err, DESK_TEMPFAIL, "ticket table: cannot read the index");
	for (; s == DESK_OK && notmuch_messages_valid(ms); notmuch_messages_move_to_next(ms)) {
		notmuch_message_t *m = notmuch_messages_get(ms);
		const char *v = NULL;

		s = put_root(t, m, err);
		if (wanted != NULL && notmuch_message_get_property(m, "desk.ticket", &v) == NOTMUCH_STATUS_SUCCESS &&
		    v != NULL)
			g_hash_table_remove(wanted, GUINT_TO_POINTER((guint)g_ascii_strtoull(v, NULL, 10)));
		notmuch_message_destroy(m);
	}
	notmuch_query_destroy(q);
	return s;
}

/* The report facts (rfact.h) of the messages matching QUERY, grouped
 * by ticket into FACTS: number -> GArray of rfact. */
static desk_status
facts_collect(notmuch_database_t *db, const char *query, GHashTable *facts, desk_err *err)
{
	notmuch_query_t *q = notmuch_query_create(db, query);
	notmuch_messages_t *ms = NULL;

	if (q == NULL)
		return desk_fail(err, DESK_SOFTWARE, "ticket table: out of memory");
	notmuch_query_set_sort(q, NOTMUCH_SORT_UNSORTED);
	if (notmuch_query_search_messages(q, &ms) != NOTMUCH_STATUS_SUCCESS) {
		notmuch_query_destroy(q);
		return desk_fail(err, DESK_TEMPFAIL, "ticket table: cannot read the index");
	}
	for (; notmuch_messages_valid(ms); notmuch_messages_move_to_next(ms)) {
		notmuch_message_t *m = notmuch_messages_get(ms);
		guint n = 0;
		rfact f;

		if (rfact_of(m, &n, &f)) {
			GArray *a = g_hash_table_lookup(facts, GUINT_TO_POINTER(n));

			if (a == NULL) {
				a = g_array_new(FALSE, FALSE, sizeof(rfact));
				g_hash_table_insert(facts, GUINT_TO_POINTER(n), a);
			}
			g_array_append_val(a, f);
		}
		notmuch_message_destroy(m);
	}
	notmuch_query_destroy(q);
	return DESK_OK;
}

/* The report facts of the rows of the tickets of the messages matching
 * QUERY, written anew (whole tickets: QUERY matches all their messages). */
static desk_status
put_facts(tab *t, notmuch_database_t *db, const char *query, desk_err *err)
{
	GHashTable *facts = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, (GDestroyNotify)g_array_unref);
	GString *text = g_string_new(NULL);
	sqlite3_stmt *st = NULL;
	GHashTableIter it;
	gpointer k, v;
	desk_status s = facts_collect(db, query, facts, err);

	if (s == DESK_OK && sqlite3_prepare_v2(t->db, "UPDATE ticket SET rfacts = ? WHERE number = ?", -1, &st,
					       NULL) != SQLITE_OK)
		s = tab_fail(t, "prepare", err);
	g_hash_table_iter_init(&it, facts);
	while (s == DESK_OK && g_hash_table_iter_next(&it, &k, &v)) {
		GArray *a = v;

		rfact_sort(a);
		g_string_truncate(text, 0);
		for (guint i = 0; i < a->len; i++)
			rfact_append(text, &g_array_index(a, rfact, i));
		sqlite3_bind_text(st, 1, text->str, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, GPOINTER_TO_UINT(k));
		if (sqlite3_step(st) != SQLITE_DONE)
			s = tab_fail(t, "update", err);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	g_string_free(text, TRUE);
	g_hash_table_destroy(facts);
	return s;
}

typedef struct put_chunk_ctx {
	tab *t;
	notmuch_database_t *db;
	GHashTable *set;
} put_chunk_ctx;

/* The rows of the tickets of QUERY (cachedb_each_chunk), roots and facts. */
static desk_status
put_chunk(void *ud, const char *query, desk_err *err)
{
	put_chunk_ctx *pc = ud;
	char *roots = g_strconcat("tag:ticket and ", query, NULL);
	desk_status s = put_roots(pc->t, pc->db, roots, pc->set, err);

	if (s == DESK_OK)
		s = put_facts(pc->t, pc->db, query, err);
	g_free(roots);
	return s;
}

/* Rows for the tickets in SET anew; those without a root any more go. */
static desk_status
put_tickets(tab *t, notmuch_database_t *db, GHashTable *set, desk_err *err)
{
	put_chunk_ctx pc = { t, db, set };
	desk_status s;
	sqlite3_stmt *del = NULL;
	GHashTableIter it;
	gpointer k;

	s = cachedb_each_chunk(set, CHUNK, put_chunk, &pc, err);
	if (s == DESK_OK && sqlite3_prepare_v2(t->db, "DELETE FROM ticket WHERE number = ?", -1, &del, NULL) != SQLITE_OK)
		s = tab_fail(t, "prepare", err);
	g_hash_table_iter_init(&it, set);
	while (s == DESK_OK && g_hash_table_iter_next(&it, &k, NULL)) {
		sqlite3_bind_int64(del, 1, GPOINTER_TO_UINT(k));
		if (sqlite3_step(del) != SQLITE_DONE)
			s = tab_fail(t, "delete", err);
		sqlite3_reset(del);
	}
	sqlite3_finalize(del);
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
	tab *t = ud;
	desk_status s;

	if ((s = tab_exec(t, "DELETE FROM ticket", err)) == DESK_OK &&
	    (s = put_roots(t, db, "tag:ticket", NULL, err)) == DESK_OK)
		s = put_facts(t, db, "*", err);
	return s;
}

/* Bring T up to DB: from the changes since its revision, or whole. */
static desk_status
tab_sync(tab *t, notmuch_database_t *db, desk_err *err)
{
	cachedb_cache c = { t->db, "ticket table", "ticket", sync_changed, sync_whole, t };

	return cachedb_sync(&c, db, err);
}

/* T opened and brought up to DB: the file beside the index, else (it
 * cannot be opened or written, or is damaged) one built in memory. */
static desk_status
tab_ready(tab *t, notmuch_database_t *db, desk_err *err)
{
	char *path = g_build_filename(notmuch_database_get_path(db), ".notmuch", FILE_NAME, NULL);
	desk_status s = tab_open(t, path, err);

	if (s == DESK_OK)
		s = tab_sync(t, db, err);
	if (s != DESK_OK && (sqlite3_errcode(t->db) == SQLITE_CORRUPT || sqlite3_errcode(t->db) == SQLITE_NOTADB)) {
		tab_close(t);
		unlink(path);
		if ((s = tab_open(t, path, err)) == DESK_OK)
			s = tab_sync(t, db, err);
	}
	g_free(path);
	if (s != DESK_OK) {
		tab_close(t);
		if ((s = tab_open(t, ":memory:", err)) == DESK_OK)
			s = tab_sync(t, db, err);
	}
	return s;
}

desk_status
tickettab_sync(notmuch_database_t *db, desk_err *err)
{
	tab t;
	desk_status s = tab_ready(&t, db, err);

	tab_close(&t);
	return s;
}

/* The WHERE clause of F, its values bound in order by bind_filter; PEOPLE
 * adds F->people's condition. */
static void
where_of(const ticket_filter *f, char **statuses, gboolean people, GString *sql)
{
	g_string_append(sql, " WHERE ");
	if (statuses == NULL)
		g_string_append(sql, "status != 'spam'");
	else {
		g_string_append(sql, "status IN (");
		for (char **s = statuses; *s != NULL; s++)
			g_string_append(sql, s == statuses ? "?" : ", ?");
		g_string_append_c(sql, ')');
	}
	if (f->owner != NULL)
		g_string_append(sql, " AND owner = ?");
	if (f->queue != NULL)
		g_string_append(sql, " AND queue = ?");
	if (f->priority != NULL)
		g_string_append(sql, " AND priority = ?");
	if (f->requester != NULL)
		g_string_append(sql, " AND requester = ?");
	if (f->since != 0)
		g_string_append(sql, " AND updated >= ?");
	if (f->until != 0)
		g_string_append(sql, " AND updated < ?");
	if (people)
		g_string_append(sql, " AND activity > 0");
}

static void
bind_filter(sqlite3_stmt *st, const ticket_filter *f, char **statuses, char *requester)
{
	int n = 1;

	for (char **s = statuses; s != NULL && *s != NULL; s++)
		sqlite3_bind_text(st, n++, *s, -1, SQLITE_STATIC);
	if (f->owner != NULL)
		sqlite3_bind_text(st, n++, strcmp(f->owner, "none") == 0 ? "" : f->owner, -1, SQLITE_STATIC);
	if (f->queue != NULL)
		sqlite3_bind_text(st, n++, f->queue, -1, SQLITE_STATIC);
	if (f->priority != NULL)
		sqlite3_bind_text(st, n++, f->priority, -1, SQLITE_STATIC);
	if (requester != NULL)
		sqlite3_bind_text(st, n++, requester, -1, SQLITE_STATIC);
	if (f->since != 0)
		sqlite3_bind_int64(st, n++, f->since);
	if (f->until != 0)
		sqlite3_bind_int64(st, n++, f->until);
}

static char **
split_or_empty(const char *s, const char *sep)
{
	return s != NULL && *s != '\0' ? g_strsplit(s, sep, -1) : g_new0(char *, 1);
}

static const char *
col(sqlite3_stmt *st, int i)
{
	const char *v = (const char *)sqlite3_column_text(st, i);

	return v != NULL ? v : "";
}

static ticket_info *
row_info(sqlite3_stmt *st)
{
	ticket_info *i = g_new0(ticket_info, 1);

	i->number = (guint)sqlite3_column_int64(st, 0);
	i->subject = g_strdup(col(st, 1));
	i->status = g_strdup(col(st, 2));
	i->requester = g_strdup(col(st, 3));
	i->requester_name = g_strdup(col(st, 4));
	i->owner = g_strdup(col(st, 5));
	i->queue = g_strdup(col(st, 6));
	i->priority = g_strdup(col(st, 7));
	i->root_id = g_strdup(col(st, 8));
	i->messages = (guint)sqlite3_column_int64(st, 9);
	i->created = sqlite3_column_int64(st, 10);
	i->updated = sqlite3_column_int64(st, 11);
	i->first_response = sqlite3_column_int64(st, 12);
	i->last_customer = sqlite3_column_int64(st, 13);
	i->solved_at = sqlite3_column_int64(st, 14);
	i->reopens = (guint)sqlite3_column_int64(st, 15);
	i->merged_into = (guint)sqlite3_column_int64(st, 16);
	i->tags = split_or_empty(col(st, 17), " ");
	i->cc = split_or_empty(col(st, 18), "\n");
	i->links = split_or_empty(col(st, 19), "\n");
	i->activity = sqlite3_column_int64(st, 20);
	i->waiting_since = sqlite3_column_int64(st, 21);
	i->sla = split_or_empty(col(st, 22), "\n");
	i->rcpt = g_strdup(col(st, 23));
	return i;
}

/* The last values of a column many rows share (state, owner, queue,
 * priority, recipient, tags), as CHUNK holds them once: most rows repeat
 * one of a few, and a strcmp costs less than the chunk's hash. */
#define RECENT 8
typedef struct recent {
	char *v[RECENT];
	guint next;
} recent;

/* TEXT in CHUNK, once for all rows (g_string_chunk_insert_const). */
static char *
shared_text(GStringChunk *chunk, recent *r, const char *text)
{
	char *v;

	for (guint i = 0; i < RECENT && r->v[i] != NULL; i++)
		if (r->v[i][0] == text[0] && strcmp(r->v[i], text) == 0)
			return r->v[i];
	v = g_string_chunk_insert_const(chunk, text);
	r->v[r->next] = v;
	r->next = (r->next + 1) % RECENT;
	return v;
}

/* Column I of ST in CHUNK: once for a value many rows share (SHARED, its
 * recent values), else a copy. */
static char *
in_chunk(GStringChunk *chunk, sqlite3_stmt *st, int i, recent *shared)
{
	return shared != NULL ? shared_text(chunk, shared, col(st, i)) : g_string_chunk_insert(chunk, col(st, i));
}

/* How many pieces TEXT has between SEP (0 for ""). */
static guint
pieces(const char *text, char sep)
{
	guint n = *text != '\0';

	for (const char *p = text; *p != '\0'; p++)
		n += *p == sep;
	return n;
}

/* The pieces of TEXT between SEP ("" none), as tickettab_list's rows
 * split it, into OUT (room for pieces() + 1), their text in CHUNK. */
static char **
split_in_chunk(GStringChunk *chunk, const char *text, char sep, recent *shared, char **out)
{
	guint n = 0;

	if (shared == NULL && *text != '\0') {   /* one copy, cut in place */
		char *copy = g_string_chunk_insert(chunk, text);

		out[n++] = copy;
		for (char *p = copy; *p != '\0'; p++)
			if (*p == sep) {   /* as below: nothing after a last SEP */
				*p = '\0';
				if (p[1] != '\0')
					out[n++] = p + 1;
			}
		out[n] = NULL;
		return out;
	}
	for (const char *p = text; *text != '\0'; p++)
		if (*p == sep || *p == '\0') {
			gsize len = (gsize)(p - text);
			char buf[256], *piece = len < sizeof buf ? buf : g_malloc(len + 1);   /* no malloc a piece */

			memcpy(piece, text, len);
			piece[len] = '\0';
			out[n++] = shared_text(chunk, shared, piece);
			if (piece != buf)
				g_free(piece);
			if (*p == '\0')
				break;
			text = p + 1;
		}
	out[n] = NULL;
	return out;
}

/* Room for desk report's rows: zeroed blocks of ARENA_BLOCK bytes (a
 * row, its tags' and SLA timeline's arrays: no malloc and free a row),
 * each added to BLOCKS (g_free each). */
#define ARENA_BLOCK (1024 * 1024)
typedef struct arena {
	GPtrArray *blocks;
	char *at;
	gsize left;
} arena;

static gpointer
arena_alloc0(arena *a, gsize size)
{
	gpointer p;

	size = (size + 7) & ~(gsize)7;
	if (size > ARENA_BLOCK / 4) {   /* a long SLA timeline: a block of its own */
		p = g_malloc0(size);
		g_ptr_array_add(a->blocks, p);
		return p;
	}
	if (size > a->left) {
		a->at = g_malloc0(ARENA_BLOCK);
		a->left = ARENA_BLOCK;
		g_ptr_array_add(a->blocks, a->at);
	}
	p = a->at;
	a->at += size;
	a->left -= size;
	return p;
}

/* The part of a row desk report uses, its text in CHUNK: the number,
 * state, requester, owner, queue, priority, times and tags; and unless
 * QUIET (a ticket unchanged in the period) its subject, first response,
 * SLA timeline and recipient. A report reads every waiting ticket.
 * In MEM: the row, then its tags' and SLA timeline's arrays. */
enum { R_STATUS, R_OWNER, R_QUEUE, R_PRIORITY, R_TAGS, R_RCPT, R_N };

static ticket_info *
row_report(sqlite3_stmt *st, arena *mem, GStringChunk *chunk, recent *r, gboolean quiet)
{
	const char *tags = col(st, 10), *sla = quiet ? "" : col(st, 11);
	guint ntags = pieces(tags, ' '), nsla = pieces(sla, '\n');
	ticket_info *i = arena_alloc0(mem, sizeof *i + (ntags + 1 + nsla + 1) * sizeof(char *));
	char **arrays = (char **)(void *)(i + 1);

	i->number = (guint)sqlite3_column_int64(st, 0);
	i->status = in_chunk(chunk, st, 2, &r[R_STATUS]);
	i->requester = in_chunk(chunk, st, 3, NULL);
	i->owner = in_chunk(chunk, st, 4, &r[R_OWNER]);
	i->queue = in_chunk(chunk, st, 5, &r[R_QUEUE]);
	i->priority = in_chunk(chunk, st, 6, &r[R_PRIORITY]);
	i->created = sqlite3_column_int64(st, 7);
	i->updated = sqlite3_column_int64(st, 8);
	i->tags = split_in_chunk(chunk, tags, ' ', &r[R_TAGS], arrays);
	i->sla = split_in_chunk(chunk, sla, '\n', NULL, arrays + ntags + 1);
	if (quiet) {
		i->sla = NULL;
		return i;
	}
	i->subject = in_chunk(chunk, st, 1, NULL);
	i->first_response = sqlite3_column_int64(st, 9);
	i->rcpt = in_chunk(chunk, st, 12, &r[R_RCPT]);
	return i;
}

/* *n = the number of tickets F matches (without F->limit) that have no
 * people's activity: those F->people leaves out. */
static desk_status
count_hidden(tab *t, const ticket_filter *f, char **statuses, char *requester, GHashTable *matching, guint *n,
	     desk_err *err)
{
	GString *sql = g_string_new("SELECT number FROM ticket");
	sqlite3_stmt *st = NULL;
	int rc = SQLITE_DONE;

	*n = 0;
	where_of(f, statuses, FALSE, sql);
	g_string_append(sql, " AND activity = 0");
	if (sqlite3_prepare_v2(t->db, sql->str, -1, &st, NULL) != SQLITE_OK) {
		g_string_free(sql, TRUE);
		return tab_fail(t, "prepare", err);
	}
	bind_filter(st, f, statuses, requester);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (matching == NULL ||
		    g_hash_table_contains(matching, GUINT_TO_POINTER((guint)sqlite3_column_int64(st, 0))))
			(*n)++;
	sqlite3_finalize(st);
	g_string_free(sql, TRUE);
	return rc == SQLITE_DONE ? DESK_OK : tab_fail(t, "read", err);
}

/* *out: ticket -> the number of messages of the tickets merged into it
 * (GUINT_TO_POINTER), for those that have any. */
static desk_status
merged_counts(tab *t, GHashTable **out, desk_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*out = g_hash_table_new(g_direct_hash, g_direct_equal);
	if (sqlite3_prepare_v2(t->db, "SELECT merged_into, sum(messages) FROM ticket WHERE status = 'merged'"
				      " AND merged_into > 0 GROUP BY merged_into", -1, &st, NULL) != SQLITE_OK)
		return tab_fail(t, "prepare", err);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		g_hash_table_insert(*out, GUINT_TO_POINTER((guint)sqlite3_column_int64(st, 0)),
				    GUINT_TO_POINTER((guint)sqlite3_column_int64(st, 1)));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? DESK_OK : tab_fail(t, "read", err);
}

desk_status
tickettab_list(notmuch_database_t *db, const ticket_filter *f, GHashTable *matching, GPtrArray *out,
	       guint *hidden, desk_err *err)
{
	static const char *const order[] = {
		[SORT_ACTIVITY] = "activity DESC, number DESC",
		[SORT_WAITING] = "waiting_since = 0, waiting_since ASC, activity DESC, number ASC",
		[SORT_UPDATED] = "updated DESC, number DESC",
		[SORT_CREATED] = "created DESC, number DESC",
		[SORT_PRIORITY] = "CASE priority WHEN 'low' THEN 0 WHEN 'high' THEN 2 WHEN 'urgent' THEN 3"
				  " ELSE 1 END DESC, created ASC, number ASC",
		[SORT_AGE] = "created ASC, number ASC",
	};
	const char *list = f->statuses != NULL ? f->statuses : "new,open,pending,on-hold";
	char **statuses = strcmp(list, "any") == 0 ? NULL : g_strsplit(list, ",", -1);
	char *requester = f->requester != NULL ? g_ascii_strdown(f->requester, -1) : NULL;
	GString *sql = g_string_new("SELECT " COLUMNS " FROM ticket");
	GHashTable *merged = NULL;
	sqlite3_stmt *st = NULL;
	desk_status s;
	tab t;
	int rc = SQLITE_DONE;

	for (char **i = statuses; i != NULL && *i != NULL; i++)
		g_strstrip(*i);
	if (hidden != NULL)
		*hidden = 0;
	where_of(f, statuses, f->people, sql);
	g_string_append_printf(sql, " ORDER BY %s", order[f->sort]);
	if (f->limit > 0 && matching == NULL)
		g_string_append_printf(sql, " LIMIT %u", f->limit);
	s = tab_ready(&t, db, err);
	if (s == DESK_OK)
		s = merged_counts(&t, &merged, err);
	if (s == DESK_OK && sqlite3_prepare_v2(t.db, sql->str, -1, &st, NULL) != SQLITE_OK)
		s = tab_fail(&t, "prepare", err);
	if (s == DESK_OK)
		bind_filter(st, f, statuses, requester);
	while (s == DESK_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		guint n = (guint)sqlite3_column_int64(st, 0);

		if (matching != NULL && !g_hash_table_contains(matching, GUINT_TO_POINTER(n)))
			continue;
		g_ptr_array_add(out, row_info(st));
		/* desk show shows the messages of the tickets merged into it */
		((ticket_info *)out->pdata[out->len - 1])->messages +=
			GPOINTER_TO_UINT(g_hash_table_lookup(merged, GUINT_TO_POINTER(n)));
		if (f->limit > 0 && out->len >= f->limit)
			break;
	}
	if (s == DESK_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
		s = tab_fail(&t, "read", err);
	if (s == DESK_OK && f->people && hidden != NULL)
		s = count_hidden(&t, f, statuses, requester, matching, hidden, err);
	sqlite3_finalize(st);
	tab_close(&t);
	if (merged != NULL)
		g_hash_table_destroy(merged);
	g_string_free(sql, TRUE);
	g_strfreev(statuses);
	g_free(requester);
	return s;
}

/* Room in ROWS, FACTS and SPANS for every row of T (about 4 facts a
 * ticket), so that they do not grow, copying, by doubling as the rows come. */
static void
reserve(tab *t, GPtrArray *rows, GArray *facts, GArray *spans)
{
	sqlite3_stmt *st = NULL;
	guint n = 0, len;

	if (sqlite3_prepare_v2(t->db, "SELECT count(*) FROM ticket", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = (guint)MIN(sqlite3_column_int64(st, 0), 10000000);
	sqlite3_finalize(st);
	len = rows->len;   /* set_size to make the room, back to the length: the room stays */
	g_ptr_array_set_size(rows, len + n);
	g_ptr_array_set_size(rows, len);
	len = facts->len;
	g_array_set_size(facts, len + 4 * n);
	g_array_set_size(facts, len);
	len = spans->len;
	g_array_set_size(spans, len + n);
	g_array_set_size(spans, len);
}

desk_status
tickettab_report(notmuch_database_t *db, gint64 since, GPtrArray *rows, GPtrArray *blocks, GStringChunk *chunk,
		 GArray *facts, GArray *spans, desk_err *err)
{
	arena mem = { blocks, NULL, 0 };
	sqlite3_stmt *st = NULL;
	recent r[R_N] = { { { NULL }, 0 } };
	desk_status s;
	tab t;
	int rc = SQLITE_DONE;

	s = tab_ready(&t, db, err);
	if (s == DESK_OK && sqlite3_prepare_v2(t.db, "SELECT " REPORT_COLUMNS " FROM ticket WHERE ?1 = 0 OR"
				" updated >= ?1 OR status IN ('new', 'open', 'pending', 'on-hold')", -1, &st, NULL) != SQLITE_OK)
		s = tab_fail(&t, "prepare", err);
	if (s == DESK_OK) {
		sqlite3_bind_int64(st, 1, since);
		reserve(&t, rows, facts, spans);
	}
	while (s == DESK_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		ticket_info *i = row_report(st, &mem, chunk, r, since > 0 && sqlite3_column_int64(st, 8) < since);
		tickettab_span sp = { facts->len, 0 };

		rfact_parse((const char *)sqlite3_column_text(st, 13), facts);
		sp.n = facts->len - sp.first;
		g_array_append_val(spans, sp);
		g_ptr_array_add(rows, i);
	}
	if (s == DESK_OK && rc != SQLITE_DONE)
		s = tab_fail(&t, "read", err);
	sqlite3_finalize(st);
	tab_close(&t);
	return s;
}
