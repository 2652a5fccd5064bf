/* output.c: formatting helpers shared by the verbs; what they print for
 * people passes through lib/base/term.c here. */
#include <stdio.h>
#include <string.h>

#include "output.h"
#include "term.h"

char *
out_iso8601(gint64 t)
{
	GDateTime *dt;
	char *s;

	if (t <= 0)
		return g_strdup("");
	dt = g_date_time_new_from_unix_utc(t);
	s = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");
	g_date_time_unref(dt);
	return s;
}

/* Append C as a JSON escape: \uXXXX, or a surrogate pair above U+FFFF. */
static void
append_json_escape(GString *out, gunichar c)
{
	if (c > 0xFFFF) {
		c -= 0x10000;
		g_string_append_printf(out, "\\u%04x\\u%04x", 0xD800 + (c >> 10), 0xDC00 + (c & 0x3FF));
	} else {
		g_string_append_printf(out, "\\u%04x", c);
	}
}

/* *TEXT (JSON text, g_malloc'd) with every character term_unsafe names
 * escaped and invalid UTF-8 made U+FFFD. Outside strings JSON text is
 * ASCII, and json-glib escapes C0 and DEL itself, so only non-ASCII
 * characters (all within strings) are looked at. */
static void
json_escape_unsafe(char **text)
{
	char *v = g_utf8_make_valid(*text, -1);
	GString *out = g_string_sized_new(strlen(v));

	for (const char *p = v; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (c >= 0x80 && term_unsafe(c))
			append_json_escape(out, c);
		else
			g_string_append_len(out, p, g_utf8_next_char(p) - p);
	}
	g_free(v);
	g_free(*text);
	*text = g_string_free(out, FALSE);
}

void
out_json(JsonNode *node)
{
	JsonGenerator *gen = json_generator_new();
	char *text;

	json_generator_set_pretty(gen, TRUE);
	json_generator_set_root(gen, node);
	text = json_generator_to_data(gen, NULL);
	json_escape_unsafe(&text);
	puts(text);
	g_free(text);
	g_object_unref(gen);
	json_node_unref(node);
}

/* Keep S (g_malloc'd) until OUT_SAFE_KEPT more are kept; returns S. */
static const char *
keep(char *s)
{
	static char *kept[OUT_SAFE_KEPT];
	static guint next;

	g_free(kept[next]);
	kept[next] = s;
	next = (next + 1) % OUT_SAFE_KEPT;
	return s;
}

const char *
out_safe(const char *s)
{
	return keep(term_safe(s, TERM_LINE));
}

const char *
out_safe_text(const char *s)
{
	return keep(term_safe(s, TERM_TEXT));
}

void
out_json_string(JsonBuilder *b, const char *name, const char *v)
{
	json_builder_set_member_name(b, name);
	if (v != NULL && *v != '\0')
		json_builder_add_string_value(b, v);
	else
		json_builder_add_null_value(b);
}

void
out_json_time(JsonBuilder *b, const char *name, gint64 t)
{
	char *s = out_iso8601(t);

	out_json_string(b, name, s);
	g_free(s);
}

void
out_json_strv(JsonBuilder *b, const char *name, char **v)
{
	json_builder_set_member_name(b, name);
	json_builder_begin_array(b);
	for (; v != NULL && *v != NULL; v++)
		json_builder_add_string_value(b, *v);
	json_builder_end_array(b);
}
