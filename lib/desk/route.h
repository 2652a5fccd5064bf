/* route.h: a new ticket's routing rules carried out (lib/desk/route.c);
 * route_followup is declared with the other follow-ups (followup.h). */
#ifndef DESK_ROUTE_H
#define DESK_ROUTE_H

#include "change.h"
#include "store.h"

/* The stored file PATH's routing: TRUE, *rule (X-Desk-Rule) and *set
 * (X-Desk-Set, may be NULL) when its sealed block has one. Caller
 * g_free()s. */
gboolean route_of_file(desk_store *st, const char *path, char **rule, char **set);

/* The agent OWNER names in QUEUE: a login (NULL when no such agent), or
 * round-robin / least-open among QUEUE's agents (all agents when no agent
 * names QUEUE) who are not away, by login; NULL when none is there.
 * round-robin remembers its last pick (STORE/var/round-robin). Not a copy. */
const char *route_pick_owner(desk_store *st, desk_change *c, const char *queue, const char *owner);

#endif
