/* change-verb.h: what merge, split, spam and purge share: one change of
 * the store as an agent (lib/desk/change.h), and events that carry a sealed
 * list in a header of their own (lib/store/evlist.h). */
#ifndef DESK_CHANGE_VERB_H
#define DESK_CHANGE_VERB_H

#include "agent.h"
#include "change.h"
#include "ticket.h"

/* Open the store, know the acting agent AS (NULL: the default), begin a
 * change. 0, or the exit code after a message "desk: VERB: ...". */
int change_verb_begin(const char *store_dir, const char *verb, const char *as, desk_store **st,
		      const desk_agent **me, desk_change **c);

/* Commit C when RC is 0, else abort it; free ST. Returns the exit code. */
int change_verb_end(const char *verb, desk_store *st, desk_change *c, int rc);

/* Store an event in ticket T by ME as change_event does, with EXTRA (a
 * header block, e.g. evlist_header(), may be NULL) after our sealed block
 * and MORE (may be NULL) after LINE in the body. */
desk_status change_verb_event(desk_store *st, desk_change *c, const ticket_info *t, const desk_agent *me,
			      const char *event, const xset *set, const char *line, const char *extra,
			      const char *more, desk_err *err);

#endif
