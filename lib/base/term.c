/* term.c: text made safe for a terminal (see term.h): the one filter
 * between data and the people who read desk's output. */
#include <string.h>

#include "term.h"

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD in UTF-8 */

gboolean
term_unsafe(gunichar c)
{
	if (c < 0x20 || (c >= 0x7F && c < 0xA0) || c == 0x2028 || c == 0x2029)
		return TRUE;
	if (c == 0x200C || c == 0x200D || c == 0xAD)
		return FALSE;
	return g_unichar_type(c) == G_UNICODE_FORMAT;
}

/* What replaces C in MODE: a space, "\n" or U+FFFD. */
static const char *
replacement(gunichar c, term_mode mode)
{
	gboolean space = c == '\t' || c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029;

	if (space && mode == TERM_LINE)
		return " ";
	if ((c == 0x2028 || c == 0x2029) && mode == TERM_TEXT)
		return "\n";
	return REPLACEMENT;
}

char *
term_safe(const char *s, term_mode mode)
{
	char *v = g_utf8_make_valid(s != NULL ? s : "", -1);
	GString *out = g_string_sized_new(strlen(v));

	for (const char *p = v; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (mode == TERM_TEXT && c == '\r' && p[1] == '\n')
			continue; /* CR LF is a line end: the LF is kept */
		if (mode == TERM_TEXT && (c == '\n' || c == '\t'))
			g_string_append_c(out, (char)c);
		else if (term_unsafe(c))
			g_string_append(out, replacement(c, mode));
		else
			g_string_append_len(out, p, g_utf8_next_char(p) - p);
	}
	g_free(v);
	return g_string_free(out, FALSE);
}
