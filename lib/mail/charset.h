/* charset.h: bytes of mail as UTF-8, in one place: the declared charset,
 * else UTF-8, else the fallback charsets of the configuration
 * (desk.fallback_charsets, maildesk.conf(5)), tried in order. */
#ifndef DESK_CHARSET_H
#define DESK_CHARSET_H

#include <glib.h>
#include <gmime/gmime.h>

/* Make LIST (';'-separated charset names, such as "windows-1252") the
 * process's fallback charsets; store_open and store_reload call it with
 * the configuration's. The first call also makes UTF-8 then LIST GMime's
 * default for raw 8-bit header text, which libnotmuch uses when it indexes
 * (Subject, From): make it before any thread parses mail. */
void charset_set_fallback(const char *list);

/* The process's fallback charsets: the last LIST set, else the default of
 * desk.fallback_charsets. Not a copy; valid as long as the process. */
const char *charset_fallback(void);

/* BYTES (LEN of them, or up to the NUL if LEN < 0) as UTF-8: converted from
 * LABEL (may be NULL) if they are valid in it, else kept if they are valid
 * UTF-8, else converted from the first charset of FALLBACK (';'-separated,
 * may be NULL; unknown names are skipped) they are valid in. NULL when
 * none fits: the text cannot be read without guessing. NUL bytes are
 * dropped. Needs g_mime_init() (for charset aliases). Caller g_free()s. */
char *charset_decode(const char *bytes, gssize len, const char *label, const char *fallback);

/* charset_decode, else latin-1 (every byte is a character there), the last
 * resort that never fails; never NULL. Caller g_free()s. */
char *charset_to_utf8(const char *bytes, gssize len, const char *label, const char *fallback);

/* TEXT (UTF-8, unfolded or not) with its RFC 2047 encoded words decoded:
 * the bytes of adjacent words in one charset are joined first (a
 * character may be cut between them; a word's base64 padding ends only
 * that word), then made UTF-8 with charset_to_utf8 (LABEL, else UTF-8,
 * else FALLBACK, else latin-1); white space between encoded words is
 * dropped, other text kept as it is (invalid UTF-8 in it as U+FFFD).
 * (GMime 3.2's decoder loses a base64 word that follows one with
 * padding.) Never NULL, always valid UTF-8; caller g_free()s. */
char *charset_decode_words(const char *text, const char *fallback);

/* A raw header value RAW (NULL: "") as one line of UTF-8: 8-bit bytes
 * through charset_to_utf8, unfolded, encoded words decoded
 * (charset_decode_words). Control characters are left to the caller.
 * Never NULL; caller g_free()s. */
char *charset_header_text(const char *raw, const char *fallback);

/* Parser options whose fallback charsets, for raw 8-bit header text and
 * parameters (filenames), are UTF-8, FALLBACK, then latin-1. Caller frees
 * with g_mime_parser_options_free. */
GMimeParserOptions *charset_parser_options(const char *fallback);

#endif
