/* away.h: agents away (desk agent away/back): STORE/var/away, one
 * "LOGIN UNTIL" a line, UNTIL in seconds since the epoch (0: until they
 * are back). Round-robin and least-open assignment skip them
 * (lib/desk/route.c); desk list --owner marks their tickets. */
#ifndef DESK_AWAY_H
#define DESK_AWAY_H

#include "store.h"

/* The agents away at NOW: login -> GINT_TO_POINTER-free gint64* until
 * (0: until back). Never NULL; caller g_hash_table_unref()s. */
GHashTable *away_load(desk_store *st, gint64 now);
/* Whether LOGIN is away at NOW. */
gboolean away_is(desk_store *st, const char *login, gint64 now);
/* LOGIN is away until UNTIL (0: until back): the file rewritten (a
 * temporary file beside it, 0660, renamed). */
desk_status away_set(desk_store *st, const char *login, gint64 until, desk_err *err);
/* LOGIN is back. *was (may be NULL) gets whether they were away. */
desk_status away_clear(desk_store *st, const char *login, gboolean *was, desk_err *err);

#endif
