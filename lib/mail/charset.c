/* charset.c: bytes of mail as UTF-8 with the configured fallback charsets
 * (see charset.h). */
#include <string.h>

#include "charset.h"
#include "config.h"

/* The process's list: an interned string, so that a reader never sees it
 * freed (the milter reloads its configuration while other threads run). */
static const char *fallback_list;

/* Drops the NUL bytes of the N bytes at S and NUL-terminates; returns the
 * new length. */
static gsize
drop_nuls(char *s, gsize n)
{
	gsize j = 0;

	for (gsize i = 0; i < n; i++)
		if (s[i] != '\0')
			s[j++] = s[i];
	s[j] = '\0';
	return j;
}

/* S (N bytes, g_malloc'd) if it is valid UTF-8 once its NULs are dropped;
 * else frees it and returns NULL. */
static char *
valid_or_free(char *s, gsize n)
{
	if (g_utf8_validate(s, drop_nuls(s, n), NULL))
		return s;
	g_free(s);
	return NULL;
}

static char *
copy_bytes(const char *b, gsize n)
{
	char *s = g_malloc(n + 1);

	if (n > 0)
		memcpy(s, b, n);
	s[n] = '\0';
	return s;
}

/* The N bytes at B converted from CHARSET to UTF-8, or NULL when CHARSET is
 * empty or unknown or the bytes are not valid in it. */
static char *
convert(const char *b, gsize n, const char *charset)
{
	const char *name;
	gsize outlen = 0;
	char *out;

	if (charset == NULL || *charset == '\0' || (name = g_mime_charset_iconv_name(charset)) == NULL)
		return NULL;
	if (g_ascii_strcasecmp(name, "UTF-8") == 0)
		return valid_or_free(copy_bytes(b, n), n);
	out = g_convert(b, (gssize)n, "UTF-8", name, NULL, &outlen, NULL);
	return out != NULL ? valid_or_free(out, outlen) : NULL;
}

/* As convert, from the first charset of the ';'-separated LIST that works. */
static char *
convert_any(const char *b, gsize n, const char *list)
{
	char **names, *out = NULL;

	if (list == NULL)
		return NULL;
	names = g_strsplit(list, ";", -1);
	for (char **c = names; *c != NULL && out == NULL; c++)
		out = convert(b, n, g_strstrip(*c));
	g_strfreev(names);
	return out;
}

char *
charset_decode(const char *bytes, gssize len, const char *label, const char *fallback)
{
	gsize n;
	char *out;

	if (bytes == NULL) {
		bytes = "";
		len = 0;
	}
	n = len < 0 ? strlen(bytes) : (gsize)len;
	out = convert(bytes, n, label);
	if (out == NULL)
		out = valid_or_free(copy_bytes(bytes, n), n);
	if (out == NULL)
		out = convert_any(bytes, n, fallback);
	return out;
}

char *
charset_to_utf8(const char *bytes, gssize len, const char *label, const char *fallback)
{
	char *out = charset_decode(bytes, len, label, fallback), *s;
	gsize n;

	if (out != NULL)
		return out;
	n = len < 0 ? strlen(bytes) : (gsize)len;
	out = convert(bytes, n, "ISO-8859-1");
	if (out == NULL) {
		s = copy_bytes(bytes, n);
		drop_nuls(s, n);
		out = g_utf8_make_valid(s, -1);
		g_free(s);
	}
	return out;
}

/* UTF-8, the names of LIST, then LAST (may be NULL), as a NULL-terminated
 * array for GMime. Caller g_strfreev()s. */
static char **
charset_names(const char *list, const char *last)
{
	GPtrArray *names = g_ptr_array_new();
	char **items = g_strsplit(list != NULL ? list : "", ";", -1);

	g_ptr_array_add(names, g_strdup("UTF-8"));
	for (char **c = items; *c != NULL; c++)
		if (*g_strstrip(*c) != '\0')
			g_ptr_array_add(names, g_strdup(*c));
	if (last != NULL)
		g_ptr_array_add(names, g_strdup(last));
	g_ptr_array_add(names, NULL);
	g_strfreev(items);
	return (char **)g_ptr_array_free(names, FALSE);
}

GMimeParserOptions *
charset_parser_options(const char *fallback)
{
	GMimeParserOptions *opts = g_mime_parser_options_new();
	char **names = charset_names(fallback, "iso-8859-1");

	g_mime_parser_options_set_fallback_charsets(opts, (const char **)names);
	g_strfreev(names);
	return opts;
}

void
charset_set_fallback(const char *list)
{
	const char *old = g_atomic_pointer_get(&fallback_list);
	GMimeParserOptions *def = g_mime_parser_options_get_default();

	g_atomic_pointer_set(&fallback_list, g_intern_string(list != NULL ? list : ""));
	/* GMime frees the old array when it is replaced: only once, before
	 * threads; no latin-1 at the end, so that what none of them decodes
	 * shows as '?' rather than as the wrong letters */
	if (old == NULL && def != NULL) {
		char **names = charset_names(list, NULL);

		g_mime_parser_options_set_fallback_charsets(def, (const char **)names);
		g_strfreev(names);
	}
}

const char *
charset_fallback(void)
{
	const char *list = g_atomic_pointer_get(&fallback_list);

	return list != NULL ? list : config_default("desk", "fallback_charsets");
}

/* ---- RFC 2047 encoded words ---- */

/* Whether the N bytes at S are all printable ASCII other than '?' (an
 * encoded word's charset). */
static gboolean
word_chars(const char *s, gsize n)
{
	for (gsize i = 0; i < n; i++)
		if ((guchar)s[i] <= ' ' || (guchar)s[i] >= 0x7f || s[i] == '?')
			return FALSE;
	return TRUE;
}

/* The Q encoding's N bytes at S, decoded, appended to OUT. */
static void
q_decode(const char *s, gsize n, GByteArray *out)
{
	for (gsize i = 0; i < n; i++) {
		guint8 c = (guint8)s[i];

		if (c == '_') {
			c = ' ';
		} else if (c == '=' && i + 2 < n && g_ascii_isxdigit(s[i + 1]) && g_ascii_isxdigit(s[i + 2])) {
			c = (guint8)(g_ascii_xdigit_value(s[i + 1]) * 16 + g_ascii_xdigit_value(s[i + 2]));
			i += 2;
		}
		g_byte_array_append(out, &c, 1);
	}
}

/* The B encoding's N bytes at S, decoded (each word on its own: its
 * padding ends only it), appended to OUT. */
static void
b_decode(const char *s, gsize n, GByteArray *out)
{
	guchar *buf = g_malloc(n * 3 / 4 + 3);
	gint state = 0;
	guint save = 0;
	gsize len = g_base64_decode_step(s, n, buf, &state, &save);

	g_byte_array_append(out, buf, len);
	g_free(buf);
}

/* Whether P starts an encoded word "=?CHARSET?E?TEXT?=" (CHARSET may end
 * in an RFC 2231 "*LANG"). When OUT is not NULL, its bytes are appended
 * to OUT and *charset gets CHARSET (g_free). *end: just after it. */
static gboolean
encoded_word(const char *p, GByteArray *out, char **charset, const char **end)
{
	const char *q1, *text, *close;
	char enc, *star;

	if (p[0] != '=' || p[1] != '?' || (q1 = strchr(p + 2, '?')) == NULL || q1 == p + 2 || q1[1] == '\0' ||
	    q1[2] != '?')
		return FALSE;
	enc = g_ascii_toupper(q1[1]);
	text = q1 + 3;
	/* (the text ends at its first '?' or space: never a long search) */
	for (close = text; (guchar)*close > ' ' && (guchar)*close < 0x7f && *close != '?'; close++)
		;
	if ((enc != 'B' && enc != 'Q') || close[0] != '?' || close[1] != '=' || !word_chars(p + 2, q1 - p - 2))
		return FALSE;
	*end = close + 2;
	if (out == NULL)
		return TRUE;
	*charset = g_strndup(p + 2, q1 - p - 2);
	if ((star = strchr(*charset, '*')) != NULL)
		*star = '\0';
	if (enc == 'B')
		b_decode(text, close - text, out);
	else
		q_decode(text, close - text, out);
	return TRUE;
}

/* The bytes of adjacent words in *CS, as UTF-8, appended to OUT; then none. */
static void
flush_words(GString *out, GByteArray *bytes, char **cs, const char *fallback)
{
	if (bytes->len > 0) {
		char *u = charset_to_utf8((const char *)bytes->data, bytes->len, *cs, fallback);

		g_string_append(out, u);
		g_free(u);
		g_byte_array_set_size(bytes, 0);
	}
	g_clear_pointer(cs, g_free);
}

char *
charset_header_text(const char *raw, const char *fallback)
{
	char *u = charset_to_utf8(raw != NULL ? raw : "", -1, NULL, fallback);
	char *unfolded = g_mime_utils_header_unfold(u);
	char *dec = charset_decode_words(unfolded, fallback);

	g_free(u);
	g_free(unfolded);
	return dec;
}

char *
charset_decode_words(const char *text, const char *fallback)
{
	GString *out = g_string_new(NULL);
	GByteArray *bytes = g_byte_array_new();
	char *cs = NULL;
	const char *p = text != NULL ? text : "";

	while (*p != '\0') {
		GByteArray *word = g_byte_array_new();
		char *wcs = NULL;
		const char *end, *next, *after;

		if (!encoded_word(p, word, &wcs, &end)) {
			flush_words(out, bytes, &cs, fallback);
			g_string_append_c(out, *p++);
			g_byte_array_unref(word);
			continue;
		}
		/* adjacent words in one charset are one text: a character may be
		 * cut in two of them */
		if (cs != NULL && g_ascii_strcasecmp(cs, wcs) != 0)
			flush_words(out, bytes, &cs, fallback);
		g_byte_array_append(bytes, word->data, word->len);
		g_byte_array_unref(word);
		g_free(cs);
		cs = wcs;
		/* white space between two encoded words is not text */
		for (next = end; *next == ' ' || *next == '\t' || *next == '\r' || *next == '\n'; next++)
			;
		p = next != end && encoded_word(next, NULL, NULL, &after) ? next : end;
	}
	flush_words(out, bytes, &cs, fallback);
	g_byte_array_unref(bytes);
	if (!g_utf8_validate(out->str, out->len, NULL)) {
		char *valid = g_utf8_make_valid(out->str, out->len);

		g_string_free(out, TRUE);
		return valid;
	}
	return g_string_free(out, FALSE);
}
