/* addr.h: mail addresses read as RFC 5322 says, structure first.
 *
 * An address list is split into mailboxes on the raw header value:
 * quoted strings, comments, angle brackets, groups, source routes, and
 * RFC 2047 encoded-words taken whole as atoms (whatever they hold), and
 * only then are display names decoded. So a display name can never
 * bring an address of its own: "=?utf-8?q?Ann_<ann@victim>=2C?=
 * <eve@evil>" is eve's mailbox, as DMARC and every RFC parser read it. */
#ifndef DESK_ADDR_H
#define DESK_ADDR_H

#include <glib.h>

#define ADDR_MAX 254        /* longest addr-spec taken */
#define ADDR_NAME_MAX 200   /* display names are cut there (bytes, on a character) */

typedef struct addr_box {
	char *addr;   /* local part as written (quotes kept), '@', the domain in lower case */
	char *name;   /* display name, decoded to UTF-8, one line, bounded; "" if none */
} addr_box;

void addr_box_free(addr_box *b);

/* The mailboxes of RAW (a From, To, Cc or Reply-To value), at most MAX,
 * in order (those of groups too). A mailbox that does not parse is left
 * out and counted in *bad (may be NULL). Never NULL; g_ptr_array_unref. */
GPtrArray *addr_parse(const char *raw, guint max, guint *bad);

/* Past white space (folding included) and RFC 5322 comments, nested and
 * with backslash escapes, at P. */
const char *addr_skip_cfws(const char *p);

/* ADDR as the desk compares addresses: the domain and local part in
 * lower case, quotes taken off a local part that needs none, and a
 * +detail taken off the local part. Caller g_free()s. */
char *addr_canonical(const char *addr);

/* Whether A and B are the same address for the desk (addr_canonical). */
gboolean addr_same(const char *a, const char *b);

#endif
