/* owed.h: the follow-ups still owed, kept in the store beside the Maildir
 * (STORE/followup/), so that a reindex, a crash or a copy of the store
 * owes the same ones as the index did.
 *
 * When the indexer takes fresh mail that is owed a follow-up (lib/desk/followup.h)
 * into cur/, it also links the file as STORE/followup/NAME (a second name
 * of the same file, no copy) before the index commits; followup_run
 * handles the names whose file the index has and removes each once its
 * message is handled. These names are the only record of what is owed:
 * the index keeps none, so a rebuild of the index (desk reindex) leaves
 * them as they are and handling one writes nothing to the index. */
#ifndef DESK_OWED_H
#define DESK_OWED_H

#include <notmuch.h>
#include "store.h"

/* Record that the stored file CUR (in mail/cur) is owed its follow-up. */
desk_status owed_add(desk_store *st, const char *cur, desk_err *err);

/* The follow-up of the stored file CUR was done (or CUR is gone). */
void owed_done(desk_store *st, const char *cur);

/* Make what owed_add and owed_done did durable (one fsync). */
desk_status owed_sync(desk_store *st, desk_err *err);

/* The names in STORE/followup/ (files of mail/cur), sorted; free with
 * g_ptr_array_unref. */
GPtrArray *owed_list(desk_store *st);

/* The path in mail/cur of NAME from owed_list; g_free it. */
char *owed_path(desk_store *st, const char *name);

/* Remove the names whose file DB (a fresh rebuild) does not have. */
desk_status owed_prune(desk_store *st, notmuch_database_t *db, desk_err *err);

#endif
