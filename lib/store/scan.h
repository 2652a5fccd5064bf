/* scan.h: read a whole message once: header facts, content hash, bounce. */
#ifndef DESK_SCAN_H
#define DESK_SCAN_H

#include "facts.h"
#include "store.h"

typedef struct scanned {
	msg_facts *facts;
	char *hash;            /* content hash (chash.h) */
	char *sealhash;        /* the digest a seal binds to (chash_new_seal) */
	gboolean derived_id;   /* facts->message_id was made from the hash */
	guint bounced;         /* ticket named inside a bounce, 0 if none */
	gsize size;
} scanned;

/* Scan FD from its current offset to the end, copying every byte to
 * COPY_FD when >= 0. A message with no usable Message-ID gets the derived
 * one (index_derived_id) in facts->message_id. */
desk_status scan_fd(desk_store *st, int fd, int copy_fd, scanned *out, desk_err *err);
/* The same for a follow-up of a stored message, which needs its facts:
 * the body goes into a digest only where one is needed, the seal's when
 * the message carries X-Desk-Rule (rules_routed checks it), the content
 * hash when it has no Message-ID (the derived one is made from it); the
 * other digest is NULL. Two SHA-256 passes over the body fewer. */
desk_status scan_fd_facts(desk_store *st, int fd, scanned *out, desk_err *err);
/* The same as scan_fd over a message in memory. */
void scan_buf(desk_store *st, const char *buf, gsize len, scanned *out);
void scanned_clear(scanned *s);

/* The header a message must get on top so notmuch takes it as mail
 * (it wants one of From, To or Subject): "Subject: (no subject)\n", or "". */
const char *scan_extra_header(const scanned *s);

#endif
