/* cachedb.c: see cachedb.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cachedb.h"

desk_status
cachedb_open(const char *path, gboolean one_thread, const char *name, const char *schema, const char *drop, const char *version,
	     sqlite3 **out, desk_err *err)
{
	gboolean existed = strcmp(path, ":memory:") == 0 || access(path, F_OK) == 0;
	char *have, *sql;
	int rc;

	if (sqlite3_open_v2(path, out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | (one_thread ? SQLITE_OPEN_NOMUTEX : 0),
			    NULL) != SQLITE_OK)
		return desk_fail(err, DESK_TEMPFAIL, "%s: open %s: %s", name, path, sqlite3_errmsg(*out));
	if (!existed && chmod(path, 0660) != 0)
		return desk_fail(err, DESK_TEMPFAIL, "chmod %s: %s", path, g_strerror(errno));
	sqlite3_busy_timeout(*out, 10000);
	have = cachedb_meta_get(*out, "version");
	if (have != NULL && strcmp(have, version) == 0) {
		g_free(have);
		return DESK_OK;
	}
	g_free(have);
	sql = g_strdup_printf("BEGIN IMMEDIATE; %s DROP TABLE IF EXISTS meta; %s", drop, schema);
	rc = sqlite3_exec(*out, sql, NULL, NULL, NULL);
	g_free(sql);
	if (rc == SQLITE_OK && (rc = cachedb_meta_set(*out, "version", version)) == SQLITE_DONE)
		rc = sqlite3_exec(*out, "COMMIT", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		return DESK_OK;
	/* no ROLLBACK: closing does it, and the caller reads sqlite3_errcode()
	 * to tell a damaged file (SQLITE_NOTADB, SQLITE_CORRUPT) */
	return desk_fail(err, DESK_TEMPFAIL, "%s: schema of %s: %s", name, path, sqlite3_errmsg(*out));
}

char *
cachedb_meta_get(sqlite3 *db, const char *key)
{
	sqlite3_stmt *st = NULL;
	char *v = NULL;

	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			v = g_strdup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	return v;
}

int
cachedb_meta_set(sqlite3 *db, const char *key, const char *value)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta VALUES(?, ?)", -1, &st, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	return rc;
}

gboolean
cachedb_fresh(sqlite3 *db, const char *uuid, unsigned long rev)
{
	char *u = cachedb_meta_get(db, "uuid"), *r = cachedb_meta_get(db, "revision");
	gboolean fresh = u != NULL && r != NULL && strcmp(u, uuid) == 0 && g_ascii_strtoull(r, NULL, 10) >= rev;

	g_free(u);
	g_free(r);
	return fresh;
}

gint64
cachedb_rows(sqlite3 *db, const char *table)
{
	char *sql = g_strdup_printf("SELECT count(*) FROM %s", table);
	sqlite3_stmt *st = NULL;
	gint64 n = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	g_free(sql);
	return n;
}

GHashTable *
cachedb_changed(notmuch_database_t *db, unsigned long from, unsigned long to, guint max)
{
	char query[80];
	notmuch_query_t *q;
	notmuch_messages_t *ms = NULL;
	unsigned int n = 0;
	GHashTable *set = NULL;

	snprintf(query, sizeof query, "lastmod:%lu..%lu", from + 1, to);
	q = notmuch_query_create(db, query);
	if (q == NULL)
		return NULL;
	notmuch_query_set_sort(q, NOTMUCH_SORT_UNSORTED);
	if (notmuch_query_count_messages(q, &n) == NOTMUCH_STATUS_SUCCESS && n <= max &&
	    notmuch_query_search_messages(q, &ms) == NOTMUCH_STATUS_SUCCESS) {
		set = g_hash_table_new(g_direct_hash, g_direct_equal);
		for (; notmuch_messages_valid(ms); notmuch_messages_move_to_next(ms)) {
			notmuch_message_t *m = notmuch_messages_get(ms);
			const char *v = NULL;

			if (notmuch_message_get_property(m, "desk.ticket", &v) == NOTMUCH_STATUS_SUCCESS && v != NULL)
				g_hash_table_add(set, GUINT_TO_POINTER((guint)g_ascii_strtoull(v, NULL, 10)));
			notmuch_message_destroy(m);
		}
	}
	notmuch_query_destroy(q);
	return set;
}

desk_status
cachedb_each_chunk(GHashTable *set, guint chunk,
		   desk_status (*fn)(void *ud, const char *query, desk_err *err), void *ud, desk_err *err)
{
	GList *numbers = g_hash_table_get_keys(set);
	GString *q = g_string_new(NULL);
	desk_status s = DESK_OK;
	guint n = 0;

	for (GList *l = numbers; s == DESK_OK && l != NULL; l = l->next) {
		g_string_append_printf(q, "%sproperty:desk.ticket=%u", n++ ? " or " : "(", GPOINTER_TO_UINT(l->data));
		if (n == chunk || l->next == NULL) {
			g_string_append_c(q, ')');
			s = fn(ud, q->str, err);
			g_string_truncate(q, 0);
			n = 0;
		}
	}
	g_list_free(numbers);
	g_string_free(q, TRUE);
	return s;
}

static desk_status
exec(const cachedb_cache *c, const char *sql, desk_err *err)
{
	if (sqlite3_exec(c->sql, sql, NULL, NULL, NULL) == SQLITE_OK)
		return DESK_OK;
	return desk_fail(err, DESK_TEMPFAIL, "%s: %s: %s", c->name, sql, sqlite3_errmsg(c->sql));
}

desk_status
cachedb_sync(const cachedb_cache *c, notmuch_database_t *db, desk_err *err)
{
	const char *uuid = NULL;
	unsigned long rev = notmuch_database_get_revision(db, &uuid);
	char *u, *r, revs[32];
	GHashTable *set = NULL;
	desk_status s;

	if (cachedb_fresh(c->sql, uuid, rev))
		return DESK_OK;
	if ((s = exec(c, "BEGIN IMMEDIATE", err)) != DESK_OK)
		return s;
	if (cachedb_fresh(c->sql, uuid, rev))
		return exec(c, "COMMIT", err);
	u = cachedb_meta_get(c->sql, "uuid");
	r = cachedb_meta_get(c->sql, "revision");
	if (u != NULL && r != NULL && strcmp(u, uuid) == 0)
		set = cachedb_changed(db, g_ascii_strtoull(r, NULL, 10), rev, (guint)MAX(cachedb_rows(c->sql, c->table), 1000));
	g_free(u);
	g_free(r);
	s = set != NULL ? c->changed(c->ud, db, set, err) : c->whole(c->ud, db, err);
	if (set != NULL)
		g_hash_table_destroy(set);
	snprintf(revs, sizeof revs, "%lu", rev);
	if (s == DESK_OK && (cachedb_meta_set(c->sql, "uuid", uuid) != SQLITE_DONE ||
			     cachedb_meta_set(c->sql, "revision", revs) != SQLITE_DONE))
		s = desk_fail(err, DESK_TEMPFAIL, "%s: write: %s", c->name, sqlite3_errmsg(c->sql));
	if (s == DESK_OK)
		return exec(c, "COMMIT", err);
	sqlite3_exec(c->sql, "ROLLBACK", NULL, NULL, NULL);
	return s;
}
