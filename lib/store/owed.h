/* owed.h: the follow-ups still owed, kept in the store beside the Maildir
 * (STORE/followup/), so that a reindex, a crash or a copy of the store
 * owes the same ones as the index did.
 *
 * When the indexer takes fresh mail that is owed a follow-up (lib/desk/followup.h)
 * into cur/, it also links the file as STORE/followup/NAME (a second name
 * of the same file, no copy) before the index commits; followup_run
 * removes that name once the message is handled. A rebuild of the index
 * (desk reindex) tags "followup" again every message that still has one. */
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

/* Tag "followup", in DB (open to write), every message still owed one;
 * names whose file is no longer in mail/cur are removed. */
desk_status owed_restore(desk_store *st, notmuch_database_t *db, desk_err *err);

#endif
