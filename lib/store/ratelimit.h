/* ratelimit.h: how many new tickets and acknowledgements one sender, one
 * sender domain and everyone together may have in a window ([sender]
 * rate_* in maildesk.conf), counted across processes (the milter's
 * threads, desk ingest, the indexer, acknowledgements) in one small
 * SQLite table, STORE/ratelimit.sqlite (WAL, rows older than the longest
 * window purged). Counts are kept per 60th of a window (a minute of an
 * hour): a check reads about 60 rows whatever the load, and the window
 * slides in those steps. A derived table: deleting it forgets the counts. */
#ifndef DESK_RATELIMIT_H
#define DESK_RATELIMIT_H

#include "config.h"
#include "err.h"

typedef enum { RATE_KIND_NEW = 0, RATE_KIND_ACK = 1 } rate_kind;

/* "N/DURATION" (DURATION a number and s, m, h or d: "30/1h", "5/10m") or
 * "0" (no limit) into *out. DESK_CONFIG when SPEC is neither. */
desk_status ratelimit_parse(const char *spec, desk_rate *out);

/* The key of limit I (RATE_NEW_SENDER ...): "rate_new_sender". */
const char *ratelimit_name(int i);

typedef struct desk_ratelimit desk_ratelimit;

/* The counts of the store in DIR; the table is opened when first used.
 * Safe to share between threads. */
desk_ratelimit *ratelimit_new(const char *dir);
void ratelimit_free(desk_ratelimit *rl);

/* One more KIND for SENDER (an address, NULL or "" when unknown: the
 * unknown count as one sender of no domain), if CFG's limits of that kind
 * allow it: then it is counted and -1 returned. When one of them is
 * reached, nothing is counted and its index (RATE_NEW_SENDER ...) is
 * returned. Senders are counted by addr_canonical (ann+x@ is ann@), domains
 * in lower case. When the table cannot be used, the error is logged and
 * -1 returned: a limit guards against floods and never makes mail wait. */
int ratelimit_take(desk_ratelimit *rl, const desk_config *cfg, rate_kind kind, const char *sender);

#endif
