/* cachedb.h: what the store's SQLite caches beside the notmuch index share
 * (the ticket table, tickettab.h; the ticket text index, triagetab.h):
 * their meta table of keys and values, and whether one has caught up with
 * the index. Each is a cache: desk reindex, or a version of another
 * schema, builds it anew from the index. */
#ifndef DESK_CACHEDB_H
#define DESK_CACHEDB_H

#include <glib.h>
#include <notmuch.h>
#include <sqlite3.h>
#include "err.h"

/* Open PATH (":memory:": in memory) as cache NAME ("ticket table"): made
 * mode 0660 when new, with a busy timeout; when its meta names no version
 * or another than VERSION, the tables DROP says (SQL) and meta go and
 * SCHEMA is made anew, in one transaction. *out is set even on an error,
 * to be closed (which rolls back), with its sqlite3_errcode() kept.
 * ONE_THREAD: only the thread that opens it uses the connection, so
 * SQLite takes no mutex in each call (SQLITE_OPEN_NOMUTEX; a report reads
 * some 1.4 million column values). */
desk_status cachedb_open(const char *path, gboolean one_thread, const char *name, const char *schema,
			 const char *drop, const char *version, sqlite3 **out, desk_err *err);

/* The value of KEY in DB's table meta (caller g_free()s), or NULL. */
char *cachedb_meta_get(sqlite3 *db, const char *key);

/* Set KEY to VALUE in DB's table meta; SQLite's code of the write
 * (SQLITE_DONE when it was made). */
int cachedb_meta_set(sqlite3 *db, const char *key, const char *value);

/* Whether DB's meta says it was built from the index UUID at revision REV
 * or later (another process may have brought it to a later snapshot than
 * the caller's). */
gboolean cachedb_fresh(sqlite3 *db, const char *uuid, unsigned long rev);

/* The rows of TABLE (a name of ours, never from outside); 0 on an error. */
gint64 cachedb_rows(sqlite3 *db, const char *table);

/* The tickets (a set of GUINT_TO_POINTER numbers) of the messages changed
 * after revision FROM up to TO; NULL when there are more than MAX such
 * messages (building whole is cheaper). */
GHashTable *cachedb_changed(notmuch_database_t *db, unsigned long from, unsigned long to, guint max);

/* FN(UD, QUERY, ERR) for each group of at most CHUNK tickets of SET (a set
 * of GUINT_TO_POINTER numbers), QUERY the notmuch query of their messages
 * ("(property:desk.ticket=N or ...)"); stops at the first that fails. */
desk_status cachedb_each_chunk(GHashTable *set, guint chunk,
			       desk_status (*fn)(void *ud, const char *query, desk_err *err), void *ud, desk_err *err);

/* How one cache catches up with the index (cachedb_sync). */
typedef struct cachedb_cache {
	sqlite3 *sql;
	const char *name;     /* in errors: "ticket table" */
	const char *table;    /* whose rows bound the changes taken one by one */
	/* put again the tickets of SET, or build the cache whole */
	desk_status (*changed)(void *ud, notmuch_database_t *db, GHashTable *set, desk_err *err);
	desk_status (*whole)(void *ud, notmuch_database_t *db, desk_err *err);
	void *ud;
} cachedb_cache;

/* Bring cache C up to DB, in one SQLite transaction: nothing when it is
 * fresh (cachedb_fresh), else from the tickets changed since its revision
 * (cachedb_changed), or whole; then it is at DB's uuid and revision. */
desk_status cachedb_sync(const cachedb_cache *c, notmuch_database_t *db, desk_err *err);

#endif
