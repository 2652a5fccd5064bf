/* xset.h: the one encoder and decoder of our structured header values
 * (X-Desk-Set "key=value; key=value", maildesk-store(5)).
 *
 * Keys are the code's own constants ([a-z][a-z0-9-]*); values are any
 * bytes. A value is written with every byte outside a small safe set as
 * %XX, so no value, whatever it holds (';', '=', '%', quotes, CR, LF,
 * NUL, 8-bit, any length), can end its item, start a key or change
 * another value. Reading is strict: an item that is not key=value with a
 * valid key and valid escapes is dropped and counted, never guessed at. */
#ifndef DESK_XSET_H
#define DESK_XSET_H

#include <glib.h>

/* Values longer than this are refused by xset_add (the header must stay
 * within a line of RFC 5322 once folded, and a notmuch property). */
#define XSET_VALUE_MAX 1024

typedef struct xset xset;

xset *xset_new(void);
void xset_free(xset *s);
xset *xset_copy(const xset *s);

/* Add KEY=VALUE (LEN bytes of VALUE, or strlen when LEN < 0). KEY must be
 * a valid key (a programming error otherwise: g_return_val_if_fail).
 * FALSE, and nothing added, when VALUE is longer than XSET_VALUE_MAX. */
gboolean xset_add_len(xset *s, const char *key, const char *value, gssize len);
gboolean xset_add(xset *s, const char *key, const char *value);
gboolean xset_add_uint(xset *s, const char *key, guint v);
/* Every item of FROM, in order, after those of S. */
void xset_append(xset *s, const xset *from);
/* Take every item with KEY away. */
void xset_remove(xset *s, const char *key);

guint xset_len(const xset *s);
const char *xset_key(const xset *s, guint i);
/* Item I's value (NUL-terminated; *len, when not NULL, gets its length,
 * which is larger than strlen when the value holds a NUL). */
const char *xset_value(const xset *s, guint i, gsize *len);
/* The first value of KEY, or NULL when there is none or it holds a NUL. */
const char *xset_get(const xset *s, const char *key);

/* The first value of KEY in the encoded TEXT (NULL: none, or holds a
 * NUL). Caller g_free()s. */
char *xset_lookup(const char *text, const char *key);
/* Every item of the encoded TEXT as "key=value" (value decoded), NULL-
 * terminated. Caller g_strfreev()s. */
char **xset_strv(const char *text);

/* "k=v; k=v" (the canonical form: what seals cover). Caller g_free()s. */
char *xset_encode(const xset *s);
/* The same, folded for a header: lines of at most about 78 characters,
 * continued with "\n " between items. Caller g_free()s. */
char *xset_encode_folded(const xset *s, size_t first_line_used);
/* Parse TEXT (NULL: empty). Unfolded or folded alike; *bad (may be NULL)
 * gets the number of items dropped. Never NULL. */
xset *xset_decode(const char *text, guint *bad);

/* Whether KEY is a valid key. */
gboolean xset_key_valid(const char *key);

#endif
