/* chash.h: the content hash that tells a redelivery from a new message. */
#ifndef DESK_CHASH_H
#define DESK_CHASH_H

#include <glib.h>

/* SHA-256 over the headers that make the message (From, To, Cc, Subject,
 * Date, In-Reply-To, References, MIME headers), not those added on the
 * way (Received, Delivered-To, list and spam headers, ours), with
 * whitespace collapsed, and over the body without CR and LF, so the same
 * message through SMTP, a pipe or an mbox import hashes the same. */
typedef struct chash chash;

chash *chash_new(void);
/* The hash a seal binds to (lib/store/seal.h): the same without Subject, which
 * the milter may change after it has sealed (the subject tag). */
chash *chash_new_seal(void);
void chash_header(chash *h, const char *name, const char *value);
void chash_body(chash *h, const char *buf, gsize len);
/* 64 hex characters; frees H. Caller g_free()s. */
char *chash_finish(chash *h);

/* Whether a header is left out of the hash. */
gboolean chash_ignored(const char *name);

#endif
