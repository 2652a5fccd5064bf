/* index.h: the notmuch index, the store's only writer path (DESIGN.md
 * "Durability and concurrency rules"). */
#ifndef DESK_INDEX_H
#define DESK_INDEX_H

#include <notmuch.h>
#include "lookup.h"
#include "store.h"

/* Open the index. For writing, the caller holds store_lock; DESK_BUSY when
 * another process (e.g. notmuch itself) holds the database's own lock,
 * instead of the wait-forever of libnotmuch. */
desk_status index_open(desk_store *st, gboolean write, notmuch_database_t **db, desk_err *err);

/* Create an empty index for a new store. */
desk_status index_create(desk_store *st, desk_err *err);

typedef struct index_result {
	guint indexed, duplicates, rewritten, left;  /* left: still in new/ */
	GPtrArray *ids;  /* Message-IDs now in the index (owned, may be NULL) */
} index_result;
void index_result_clear(index_result *r);

/* Index up to MAX files of mail/new (oldest first), move them to mail/cur,
 * recompute the tickets they touched. Takes the store lock, waiting up to
 * timeout_ms. Files without our sealed headers are decided here (as desk
 * ingest would) and rewritten with them; a redelivery is dropped; a reused
 * Message-ID gets one of its own. LK (NULL: the store's st->pending, if
 * any) has its pending decisions for these messages forgotten. */
desk_status index_pending(desk_store *st, desk_lookup *lk, guint max, int timeout_ms,
			  index_result *res, desk_err *err);

/* The same with the store lock already held by the caller. */
desk_status index_pending_locked(desk_store *st, desk_lookup *lk, guint max, index_result *res,
				 desk_err *err);

/* Whether mail/new holds anything. */
gboolean index_new_waiting(desk_store *st);

/* Delete the index and build it, and every ticket's state, from the
 * Maildir alone. *count gets the messages indexed. */
desk_status index_rebuild(desk_store *st, guint *count, desk_err *err);

/* Set property KEY of M to VALUE (NULL: ""), the only one of its key,
 * cut to 200 bytes (libnotmuch exits the process on long properties). */
void index_set_prop(notmuch_message_t *m, const char *key, const char *value);

/* A property of any length (an X-Desk-Set): one value when short, else
 * pieces "NN:..." that index_get_text joins again (a property longer than
 * about 235 bytes makes libnotmuch exit, PITFALLS.md). */
void index_set_text(notmuch_message_t *m, const char *key, const char *value);
/* KEY's value as index_set_text stored it, NULL if none. Caller g_free()s. */
char *index_get_text(notmuch_message_t *m, const char *key);

/* The derived Message-ID of a message with content hash HASH. */
char *index_derived_id(const char *hash);

/* The time of a stored message: its Date, unless that is later than its
 * delivery (the Maildir file name's time). */
gint64 index_message_time(notmuch_message_t *m);

/* When the file FILENAME was delivered, as its Maildir name says (the
 * time it was stored, whatever its Date claims), or 0. */
gint64 index_file_time(const char *filename);

#endif
