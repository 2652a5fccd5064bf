/* evtype.h: the event types of maildesk-store(5) and the X-Desk-Set keys
 * each may carry. The fold believes a key only from an event type that
 * may set it; everything else is ignored (and logged). */
#ifndef DESK_EVTYPE_H
#define DESK_EVTYPE_H

#include <glib.h>

/* Whether EVENT is one of ours. */
gboolean evtype_known(const char *event);

/* Whether an event of type EVENT may carry KEY ("by" is allowed in all). */
gboolean evtype_allows(const char *event, const char *key);

/* The name of the hooks (STORE/hooks/NAME.d/, lib/desk/hooks.h) that a
 * stored message with X-Desk-Event EVENT (NULL: none) and X-Desk-Match
 * MATCH fires: "new-ticket" for mail that starts a ticket, "reply" for
 * other mail without an event (mail from outside that joins a ticket),
 * "comment" for an agent's note by mail (mail-comment, like desk comment's
 * event), and the event's own type for every other event, those of this
 * table and any added later (an agent's reply by mail is "mail-reply"; its
 * copy relayed to the requester is a "reply" event).
 * Static or EVENT itself; not NULL. */
const char *evtype_hook_name(const char *event, const char *match);

/* Every event type, NULL-terminated (for tests and docs). */
const char *const *evtype_all(void);
/* The keys EVENT may carry, "by" first; NULL-terminated, g_strfreev()d. */
char **evtype_keys(const char *event);

#endif
