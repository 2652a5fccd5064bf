/* split.h: desk split's moves. A "split" event in ticket N with X-Desk-Set
 * "split-to=M; moved=DIGEST" and the header X-Desk-Moved (the Message-IDs,
 * evlist.h) gives those messages to ticket M. Files are not rewritten:
 * they keep X-Desk-Ticket: N, the index says desk.ticket=M. */
#ifndef DESK_SPLIT_H
#define DESK_SPLIT_H

#include <notmuch.h>
#include "err.h"

#define SPLIT_HEADER "X-Desk-Moved"

/* Apply the split event of ticket N stored at PATH with set SET (a no-op unless it
 * says moved=): desk.ticket of the moved messages becomes M, the first
 * gets desk.match "new; split from N". TOUCHED (may be NULL) gets both
 * ticket numbers. A list that does not verify is logged and ignored. */
void split_apply(notmuch_database_t *db, const char *path, guint n, const char *set,
		 GHashTable *touched);

/* After a rebuild has indexed every file: apply every split event in time
 * order (a message split twice ends where the last split put it). */
desk_status split_replay(notmuch_database_t *db, desk_err *err);

#endif
