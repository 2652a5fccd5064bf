/* purge.h: desk purge's erasure. The files of a ticket are deleted; its
 * "purge" event keeps tombstones in the header X-Desk-Purged (sealed by
 * "tombs=DIGEST" in its X-Desk-Set, evlist.h): "h-HASH" for each content
 * hash (chash.h) and "i-ID" for each Message-ID, never the content. The
 * index carries them as desk.purged properties of the event ("h-HASH",
 * "i-" and a digest of the ID), so a redelivery is dropped and a reindex
 * finishes a purge that was cut short. */
#ifndef DESK_PURGE_H
#define DESK_PURGE_H

#include <notmuch.h>
#include "store.h"

#define PURGE_HEADER "X-Desk-Purged"

/* The tombstone items of a message with content hash HASH and Message-ID
 * ID (may be NULL), appended to ITEMS. */
void purge_items_add(GPtrArray *items, const char *hash, const char *id);

/* The purge event M (stored at PATH, set SET) was just indexed: give it
 * its desk.purged properties. A list that does not verify is ignored. */
void purge_indexed(notmuch_message_t *m, const char *path, const char *set);

/* Whether a message with content hash HASH and Message-ID ID (NULL: only
 * the hash counts) was purged. */
gboolean purge_tombstoned(notmuch_database_t *db, const char *hash, const char *id);

/* Whether DB holds any tombstone at all (a purge event): when none, no
 * message needs purge_tombstoned's two lookups. */
gboolean purge_any(notmuch_database_t *db);

/* Delete the files PATHS and their messages from the index (DB open for
 * writing, the store lock held). Missing files are no error. */
desk_status purge_remove(desk_store *st, notmuch_database_t *db, GPtrArray *paths, desk_err *err);

/* After a rebuild has indexed every file: delete what tombstones name (a
 * purge cut short between its event and the deletion). *removed counts. */
desk_status purge_replay(desk_store *st, notmuch_database_t *db, guint *removed, desk_err *err);

#endif
