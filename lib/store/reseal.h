/* reseal.h: desk reseal: bring a store written by a maildesk before seals
 * of version 2 (which covered ticket, match, queue, event and set, not the
 * message) to seals of version 2, which desk reindex and the indexer
 * believe. A file is resealed only when its old seal verifies, with
 * exactly what that seal vouched for; nothing else of it changes. */
#ifndef DESK_RESEAL_H
#define DESK_RESEAL_H

#include "store.h"

typedef struct reseal_result {
	guint resealed;    /* old seal verified: sealed anew */
	guint current;     /* already sealed with version 2 */
	guint unsealed;    /* no block, or one whose seal does not verify: left */
	guint fixed_sets;  /* sets with items the encoder would not write, dropped */
} reseal_result;

/* Reseal every file of mail/cur and mail/new under the store lock;
 * with DRY_RUN only count. */
desk_status reseal_store(desk_store *st, gboolean dry_run, reseal_result *res, desk_err *err);

#endif
