/* term.h: text made safe for a terminal. Everything desk prints for people
 * (and every log line) passes through term_safe, so nothing from mail or
 * from the KB reaches a terminal as a control sequence or as text that
 * looks other than it is. */
#ifndef DESK_TERM_H
#define DESK_TERM_H

#include <glib.h>

typedef enum {
	TERM_LINE, /* a one-line field: tab, CR, LF, U+2028, U+2029 become a space */
	TERM_TEXT, /* text of many lines: LF and tab stay, CR LF becomes LF,
		    * U+2028 and U+2029 become LF */
} term_mode;

/* Whether a terminal must never get C from data: C0 controls (U+0000 to
 * U+001F), DEL and the C1 controls (U+007F to U+009F), the line and
 * paragraph separators U+2028 and U+2029, and the invisible format
 * characters (Unicode category Cf: the bidi embeddings, overrides and
 * isolates U+202A-U+202E and U+2066-U+2069, the marks U+200E, U+200F,
 * U+061C, zero-width space U+200B, U+2060-U+2064, U+FEFF, the tags
 * U+E0000-U+E007F, ...), except the joiners U+200C and U+200D (needed by
 * scripts and emoji) and the soft hyphen U+00AD (terminals show it). */
gboolean term_unsafe(gunichar c);

/* S (NULL: "") as valid UTF-8 in which every byte that is no UTF-8 and
 * every character term_unsafe names is U+FFFD, except the whitespace that
 * MODE keeps or makes a space or LF. Caller g_free()s. */
char *term_safe(const char *s, term_mode mode);

#endif
