/* evlist.h: a list of tokens (Message-IDs, content hashes) that an event
 * message carries in a header of its own (X-Desk-Moved, X-Desk-Purged),
 * sealed through its digest: X-Desk-Set names the digest and the seal
 * (token.h) covers the set, so the list can't be changed or replayed. */
#ifndef DESK_EVLIST_H
#define DESK_EVLIST_H

#include <glib.h>
#include "err.h"

/* The digest of ITEMS (char*, in order): 32 hex characters. g_free(). */
char *evlist_digest(GPtrArray *items);

/* "NAME: item\n item\n ...\n", one item a line (folded). g_free(). */
char *evlist_header(const char *name, GPtrArray *items);

/* The value of KEY in SET ("k=v; k=v"), or NULL. g_free(). */
char *evlist_set_value(const char *set, const char *key);

/* The items of header NAME in the message file PATH, checked against
 * DIGEST. DESK_DATAERR when the header is missing or does not match.
 * *items (char*, owned) is set only on DESK_OK. */
desk_status evlist_read(const char *path, const char *name, const char *digest, GPtrArray **items,
			desk_err *err);

#endif
