/* output.c: formatting helpers shared by the verbs. */
#include <stdio.h>

#include "output.h"

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

void
out_json(JsonNode *node)
{
	JsonGenerator *gen = json_generator_new();
	char *text;

	json_generator_set_pretty(gen, TRUE);
	json_generator_set_root(gen, node);
	text = json_generator_to_data(gen, NULL);
	puts(text);
	g_free(text);
	g_object_unref(gen);
	json_node_unref(node);
}

char *
out_tsv_field(const char *s)
{
	char *t = g_strdup(s != NULL ? s : "");

	return g_strdelimit(t, "\t\r\n", ' ');
}

char *
out_printable(const char *s)
{
	char *v = g_utf8_make_valid(s != NULL ? s : "", -1);
	GString *out = g_string_sized_new(strlen(v));

	for (const char *p = v; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (g_unichar_iscntrl(c) || c == 0x2028 || c == 0x2029)
			c = ' ';
		g_string_append_unichar(out, c);
	}
	g_free(v);
	return g_string_free(out, FALSE);
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
