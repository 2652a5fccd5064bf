/* seen.h: what each agent last looked at in each ticket (STORE/seen/LOGIN),
 * so desk reply can refuse to answer an old state and desk show --last can
 * show only what is new. */
#ifndef DESK_SEEN_H
#define DESK_SEEN_H

#include <glib.h>
#include <notmuch.h>
#include "store.h"

/* STORE/seen/LOGIN holds one line per ticket:
 *   N <TAB> unix-time <TAB> digest,digest,...
 * the digests (10 hex digits of a SHA-1) of the Message-IDs the agent was
 * shown. It is a log: seen_set appends a line (and fsyncs it) under an
 * flock of STORE/seen/LOGIN.lock, the newest line of a ticket wins, and
 * the log is compacted to one line a ticket when it has doubled since the
 * last compaction (whose size the lock file holds). Files 0660. */

/* The digest of a Message-ID as kept in the seen file. Caller g_free()s. */
char *seen_digest(const char *message_id);

/* What LOGIN saw of ticket N: *digests (a set of seen_digest strings,
 * g_hash_table_unref) and *when; DESK_NOTFOUND (and *digests NULL) when the
 * agent never looked. */
desk_status seen_get(desk_store *st, const char *login, guint n, GHashTable **digests, gint64 *when,
		     desk_err *err);

/* Record that LOGIN was shown MESSAGE_IDS (NULL-terminated) of ticket N now. */
desk_status seen_set(desk_store *st, const char *login, guint n, char **message_ids, desk_err *err);

/* Which of TICKETS (ticket_info*) hold a message LOGIN was not shown by
 * desk show: *unseen gets the set of their numbers (GUINT_TO_POINTER;
 * g_hash_table_unref). A ticket's messages are those desk show shows (its
 * own and those of the tickets merged into it), less the events LOGIN or
 * the desk itself (by=system: acknowledgements, autoclose) made. A ticket
 * LOGIN never looked at is unseen. Reads the seen file once and the index
 * only for the tickets LOGIN looked at. */
desk_status seen_unseen(desk_store *st, notmuch_database_t *db, const char *login, GPtrArray *tickets,
			GHashTable **unseen, desk_err *err);

#endif
