/* seen.h: what each agent last looked at in each ticket (STORE/seen/LOGIN),
 * so desk reply can refuse to answer an old state and desk show --last can
 * show only what is new. */
#ifndef DESK_SEEN_H
#define DESK_SEEN_H

#include <glib.h>
#include "store.h"

/* STORE/seen/LOGIN holds one line per ticket:
 *   N <TAB> unix-time <TAB> digest,digest,...
 * the digests (10 hex digits of a SHA-1) of the Message-IDs the agent was
 * shown. Rewritten whole (temporary file, rename) under an flock of
 * STORE/seen/LOGIN.lock; files 0660. */

/* The digest of a Message-ID as kept in the seen file. Caller g_free()s. */
char *seen_digest(const char *message_id);

/* What LOGIN saw of ticket N: *digests (a set of seen_digest strings,
 * g_hash_table_unref) and *when; DESK_NOTFOUND (and *digests NULL) when the
 * agent never looked. */
desk_status seen_get(desk_store *st, const char *login, guint n, GHashTable **digests, gint64 *when,
		     desk_err *err);

/* Record that LOGIN was shown MESSAGE_IDS (NULL-terminated) of ticket N now. */
desk_status seen_set(desk_store *st, const char *login, guint n, char **message_ids, desk_err *err);

#endif
