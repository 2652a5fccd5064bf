/* token.h: HMAC-signed tokens, our own Message-IDs and the header seal. */
#ifndef DESK_TOKEN_H
#define DESK_TOKEN_H

#include <glib.h>

/* All take the store's secret (raw bytes). Returned strings are g_free()d. */

/* The token of a ticket for support+N-TOKEN@: 10 base32 characters. */
char *token_make(GBytes *secret, guint ticket);

/* The reply address of ticket T at desk address ADDR: "support+T-TOKEN@domain". */
char *token_address(GBytes *secret, const char *addr, guint ticket);

/* Whether EXT ("42-k7f3qa2b9x") is N-TOKEN with a valid token; sets *ticket.
 * Compares in constant time. */
gboolean token_check_ext(GBytes *secret, const char *ext, guint *ticket);

/* The token of a survey link support+KIND-N-SCORE-TOKEN@ (lib/store/survey.h):
 * 10 base32 characters over the kind, the ticket and the score, so that no
 * part can be changed alone. KIND is a word of ours ("csat", "optout"). */
char *token_survey(GBytes *secret, const char *kind, guint ticket, int score);

/* A new Message-ID of ours (without <>): "N.SIG.RANDOM@DOMAIN", SIG
 * covering all of it (the domain in lower case). */
char *token_msgid(GBytes *secret, guint ticket, const char *domain);

/* Whether ID (without <>) is one of ours; sets *ticket. Constant time. */
gboolean token_parse_msgid(GBytes *secret, const char *id, guint *ticket);

/* An HMAC-SHA256 of MSG as LEN (at most 32) lower-case base32 characters
 * (for lib/store/seal.c). */
char *token_mac(GBytes *secret, const char *msg, size_t len);

/* Constant-time comparison of two NUL-terminated strings. */
gboolean token_equal(const char *a, const char *b);

#endif
