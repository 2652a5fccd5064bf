/* output.h: the one output layer of desk: dates, JSON, and every string
 * printed for people made safe for a terminal (lib/base/term.h). */
#ifndef DESK_OUTPUT_H
#define DESK_OUTPUT_H

#include <json-glib/json-glib.h>

/* "2026-11-23T10:00:00Z"; caller g_free()s. "" for 0. */
char *out_iso8601(gint64 t);
/* Print NODE as pretty JSON on stdout, with a newline; takes NODE. Strings
 * are JSON-escaped by json-glib (C0 controls, DEL) and here as well where
 * term_unsafe names a character (C1 and bidi controls, ...): \uXXXX, the
 * same string for a JSON reader; bytes that are no UTF-8 are U+FFFD. */
void out_json(JsonNode *node);
/* In the object B builds: member NAME, the string V, or null when V is
 * NULL or empty. */
void out_json_string(JsonBuilder *b, const char *name, const char *v);
/* Member NAME, T as out_iso8601, or null for 0. */
void out_json_time(JsonBuilder *b, const char *name, gint64 t);
/* Member NAME, an array of the strings of V (NULL-terminated; may be NULL). */
void out_json_strv(JsonBuilder *b, const char *name, char **v);

/* S (NULL: "") made safe for a terminal as one line: term_safe(S,
 * TERM_LINE), so also a TSV field (no tab, CR or LF). The result belongs to
 * output.c and stays valid until OUT_SAFE_KEPT more calls of out_safe or
 * out_safe_text: for the arguments of one printf, never to keep. */
const char *out_safe(const char *s);
/* The same for text of many lines (bodies, articles, diffs): TERM_TEXT. */
const char *out_safe_text(const char *s);
#define OUT_SAFE_KEPT 16

#endif
