/* hookrunner.h: the milter's thread that runs event hooks (lib/desk/hooks.h)
 * off the SMTP path and off the indexer: the indexer only wakes it. */
#ifndef DESK_HOOKRUNNER_H
#define DESK_HOOKRUNNER_H

#include "store.h"

/* Start the thread (when the milter's user may run the store's hooks).
 * CFG_LOCK guards st->cfg against SIGHUP reloads; it is held only to copy
 * the limits, never while a hook runs. */
void hookrunner_start(desk_store *st, GRWLock *cfg_lock);
/* Runs were recorded: run them now (returns at once). */
void hookrunner_kick(void);
/* Ask it to stop after the run in progress, and join it. */
void hookrunner_stop(void);

#endif
