/* store.h: the store directory: layout, ticket counter, lock, delivery. */
#ifndef DESK_STORE_H
#define DESK_STORE_H

#include <sys/types.h>
#include <glib.h>
#include "config.h"
#include "err.h"

/* The directory of what agents change besides mail: the agents file, the
 * block list, the KB's search index (maildesk-store(5)). The store's top
 * directory is its owner's alone. */
#define STORE_VAR "var"

typedef struct desk_store {
	char *dir;          /* STORE */
	char *maildir;      /* STORE/mail */
	desk_config *cfg;
	GBytes *secret;     /* raw bytes of STORE/secret */
	gboolean no_followup; /* index without follow-ups (imports of old mail) */
	gboolean followup_owed; /* mail was indexed: follow-ups are due; the
				 * caller runs followup_run (lib/desk/followup.h) */
	gboolean hooks_owed;    /* the follow-up recorded hook runs: the caller
				 * has them run (lib/desk/hooks.h) */
	struct desk_ratelimit *rate; /* [sender] rate limits (lib/store/ratelimit.h) */
	struct desk_seqq *seqq; /* threads waiting for a ticket number (lib/store/store.c) */
	/* The long-lived lookup of this process (the milter's), if any: every
	 * index run through this store, whoever starts it (the indexer, or a
	 * follow-up's change catching up), tells it what it indexed, so that its
	 * decisions not yet indexed do not wait for their TTL. Not owned. */
	struct desk_lookup *pending;
	struct desk_rules *rules;    /* STORE/rules as last read (lib/store/rules.h), or NULL */
	/* Held by this process's index writer thread while it writes (the
	 * milter's indexer), NULL when there is none. Another thread that
	 * iterates the index takes it: libnotmuch aborts the whole process
	 * ("a messages iterator contains a non-existent document ID") when a
	 * reader's messages change under it. Not owned. */
	GRecMutex *writing;
} desk_store;

/* The store directory to use: ARG, else $MAILDESK_STORE, else
 * /var/lib/maildesk. Not a copy; do not free. */
const char *store_default_dir(const char *arg);

/* Open an existing store (reads maildesk.conf, the agents of
 * STORE/var/agents and the secret). Sets
 * XDG_CONFIG_HOME for libnotmuch: call before starting threads. */
desk_status store_open(const char *dir, desk_store **out, desk_err *err);
void store_free(desk_store *st);

/* Point libnotmuch's $XDG_CONFIG_HOME and $XDG_DATA_HOME into the store
 * DIR (store_open does; call before starting threads). */
void store_notmuch_env(const char *dir);

/* A directory of the store's layout (maildesk-store(5)): PATH relative to
 * the store ("" is the store itself) and the mode desk init gives it. */
typedef struct store_layout_dir {
	const char *path;
	mode_t mode;
} store_layout_dir;
/* The whole layout; *n gets its length. Not a copy. */
const store_layout_dir *store_layout(size_t *n);

/* Reload the configuration; the old one stays on failure. */
desk_status store_reload(desk_store *st, desk_err *err);

/* Create the layout of maildesk-store(5) in DIR (which may exist, empty). */
desk_status store_init(const char *dir, char **addresses, desk_err *err);

/* Take the next ticket number: flock on STORE/seq (lib/store/seq.c: synced
 * every so many numbers, never one given twice, even after the machine
 * crashed). DESK_TEMPFAIL when the counter can't be written.
 * Thread-safe: the threads of one process that ask while a number is being
 * written wait, and then get theirs from one write and one fsync together
 * (a group commit: the same numbers, without gaps, as one at a time). */
desk_status store_next_ticket(desk_store *st, guint *out, desk_err *err);

/* Raise the counter so it is above N (after reindex). */
desk_status store_seq_at_least(desk_store *st, guint n, desk_err *err);

/* Exclusive store lock (STORE/lock), waiting up to timeout_ms; DESK_BUSY
 * "store busy" after that. Returns the fd to pass to store_unlock. */
desk_status store_lock(desk_store *st, int timeout_ms, int *fd, desk_err *err);
/* The same for the lock file STORE/NAME (e.g. "followup.lock"). */
desk_status store_lock_file(desk_store *st, const char *name, int timeout_ms, int *fd, desk_err *err);
void store_unlock(int fd);

/* DESK_TEMPFAIL when the store is read-only or has less free space than
 * min_free_mb (plus NEED bytes). */
desk_status store_check_space(desk_store *st, guint64 need, desk_err *err);

/* A unique Maildir file name (no directory). Caller g_free()s. */
char *store_unique_name(void);

/* DESK_USAGE when the open file FD (opened from PATH) is inside the store
 * (by its real path, every symbolic link followed) or is the store's
 * secret under another name (a hard link): nothing of the store is ever
 * attached to outgoing mail. */
desk_status store_check_outside(desk_store *st, int fd, const char *path, desk_err *err);

/* fsync a directory. */
desk_status store_sync_dir(const char *dir, desk_err *err);

/* Write PREFIX then the whole of SRC_FD (from offset 0) to mail/tmp, fsync,
 * rename into mail/new and fsync mail/new (SRC_FD -1: PREFIX alone). *path
 * (optional) gets the new path; caller g_free()s. DESK_TEMPFAIL: nothing
 * is in new/, unless only the fsync of mail/new failed: then the file is
 * there (maybe not durably), and *path is set all the same. */
desk_status store_deliver(desk_store *st, const char *prefix, int src_fd, char **path,
			  desk_err *err);

#endif
