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

/* Every event type, NULL-terminated (for tests and docs). */
const char *const *evtype_all(void);
/* The keys EVENT may carry, "by" first; NULL-terminated, g_strfreev()d. */
char **evtype_keys(const char *event);

#endif
