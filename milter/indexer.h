/* indexer.h: the milter's indexer thread: mail/new -> index -> mail/cur. */
#ifndef DESK_INDEXER_H
#define DESK_INDEXER_H

#include "lookup.h"
#include "store.h"

/* Start the thread. CFG_LOCK guards st->cfg against SIGHUP reloads. */
void indexer_start(desk_store *st, desk_lookup *lk, GRWLock *cfg_lock);
/* Ask it to stop, let it finish its batch, and join it. */
void indexer_stop(void);

#endif
