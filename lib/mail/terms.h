/* terms.h: what the ticket text index keeps of a text: the writer's own
 * words (quoted text, attribution lines and signature cut off), in lower
 * case, without function words (lang.h) or bare numbers, each stemmed by
 * its language's Snowball stemmer (libstemmer: english, german, french,
 * spanish, italian, dutch; text of no known language is not stemmed). */
#ifndef DESK_TERMS_H
#define DESK_TERMS_H

#include <glib.h>

/* Terms of one text at most. */
#define TERMS_MAX 600

/* BODY (a rendered message's text) without what the writer quoted: lines
 * starting with '>', everything from an attribution line ("On ... wrote:",
 * "Am ... schrieb ...:", "Le ... a écrit :", "-----Original Message-----",
 * a "From:" header block) or a signature separator "-- " on. At most
 * MAX bytes of BODY are read. Caller g_free()s. */
char *terms_own_text(const char *body, gsize max);

/* The stemmers of one thread (libstemmer's are not thread-safe). */
typedef struct terms_ctx terms_ctx;
terms_ctx *terms_ctx_new(void);
void terms_ctx_free(terms_ctx *t);

/* The terms of TEXT in language LANG ("" or unknown: not stemmed), in
 * order, appended to OUT (char*, owned by OUT: make it with g_free as
 * its free function), until OUT holds MAX. SURFACE (may be NULL): each
 * term's first word as written (term -> word, both g_free()d) is added
 * when the term is not in it yet. */
void terms_of(terms_ctx *t, const char *lang, const char *text, guint max, GPtrArray *out,
	      GHashTable *surface);

#endif
