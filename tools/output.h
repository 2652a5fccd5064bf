/* output.h: the one output layer of desk: dates, JSON, TSV fields. */
#ifndef DESK_OUTPUT_H
#define DESK_OUTPUT_H

#include <json-glib/json-glib.h>

/* "2026-11-23T10:00:00Z"; caller g_free()s. "" for 0. */
char *out_iso8601(gint64 t);
/* Print NODE as pretty JSON on stdout, with a newline; takes NODE. */
void out_json(JsonNode *node);
/* In the object B builds: member NAME, the string V, or null when V is
 * NULL or empty. */
void out_json_string(JsonBuilder *b, const char *name, const char *v);
/* Member NAME, T as out_iso8601, or null for 0. */
void out_json_time(JsonBuilder *b, const char *name, gint64 t);
/* Member NAME, an array of the strings of V (NULL-terminated; may be NULL). */
void out_json_strv(JsonBuilder *b, const char *name, char **v);
/* S with tabs, CR and LF replaced by spaces; caller g_free()s. */
char *out_tsv_field(const char *s);

/* S as valid UTF-8 without control characters (nothing from mail may
 * reach a terminal as an escape sequence). Caller g_free()s. */
char *out_printable(const char *s);

#endif
