/* blocklist.h: senders refused at SMTP time (desk spam --block):
 * STORE/var/blocked, one lower-case address a line, mode 0660, replaced
 * atomically under the store lock. The milter reads it (reloading it when
 * it changes) and so does desk ingest. */
#ifndef DESK_BLOCKLIST_H
#define DESK_BLOCKLIST_H

#include "store.h"

typedef struct desk_blocklist desk_blocklist;

/* A reader of ST's block list; safe to share between threads. */
desk_blocklist *blocklist_new(desk_store *st);
void blocklist_free(desk_blocklist *bl);

/* Whether ADDR (NULL or "" is never blocked) is on the list, addresses
 * compared as addr_canonical says (case, +detail, needless quotes), as
 * of the file now: re-read when its inode, size or mtime changed. */
gboolean blocklist_has(desk_blocklist *bl, const char *addr);

/* Add or (ADD FALSE) remove ADDR; the caller holds the store lock.
 * *changed (may be NULL) says whether the list changed. */
desk_status blocklist_change(desk_store *st, const char *addr, gboolean add, gboolean *changed,
			     desk_err *err);

#endif
