/* evlist.c: token lists of event messages, sealed by a digest in the set. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evlist.h"
#include "ticket.h"
#include "token.h"
#include "xset.h"

#define EVLIST_MAX_HEADER (4 * 1024 * 1024)

char *
evlist_digest(GPtrArray *items)
{
	GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
	char *out;

	for (guint i = 0; i < items->len; i++) {
		g_checksum_update(c, (const guchar *)items->pdata[i], strlen(items->pdata[i]));
		g_checksum_update(c, (const guchar *)"\n", 1);
	}
	out = g_strndup(g_checksum_get_string(c), 32);
	g_checksum_free(c);
	return out;
}

char *
evlist_header(const char *name, GPtrArray *items)
{
	GString *h = g_string_new(name);

	g_string_append_c(h, ':');
	for (guint i = 0; i < items->len; i++)
		g_string_append_printf(h, " %s\n", (char *)items->pdata[i]);
	if (items->len == 0)
		g_string_append_c(h, '\n');
	return g_string_free(h, FALSE);
}

char *
evlist_set_value(const char *set, const char *key)
{
	return xset_lookup(set, key);
}

/* The unfolded value of header NAME in the header block of F, or NULL. */
static GString *
header_value(FILE *f, const char *name)
{
	size_t n = strlen(name), cap = 0;
	char *line = NULL;
	ssize_t len;
	GString *v = NULL;
	gboolean in = FALSE;

	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[0] == '\n' || (line[0] == '\r' && line[1] == '\n'))
			break;
		if (in && (line[0] == ' ' || line[0] == '\t')) {
			if (v->len + len > EVLIST_MAX_HEADER)
				break;
			g_string_append_c(v, ' ');
			g_string_append(v, line);
			continue;
		}
		if (v != NULL)
			break;  /* the first occurrence only: ours is the first */
		in = g_ascii_strncasecmp(line, name, n) == 0 && line[n] == ':';
		if (in)
			v = g_string_new(line + n + 1);
	}
	free(line);
	return v;
}

desk_status
evlist_read(const char *path, const char *name, const char *digest, GPtrArray **items, desk_err *err)
{
	FILE *f = fopen(path, "r");
	GString *v;
	GPtrArray *a;
	char **tokens, *d;
	gboolean same;

	*items = NULL;
	if (f == NULL)
		return desk_fail(err, DESK_NOTFOUND, "%s: %s", path, g_strerror(errno));
	v = header_value(f, name);
	fclose(f);
	if (v == NULL)
		return desk_fail(err, DESK_DATAERR, "%s: no %s header", path, name);
	a = g_ptr_array_new_with_free_func(g_free);
	tokens = g_strsplit_set(v->str, " \t\r\n", -1);
	for (char **t = tokens; *t != NULL; t++)
		if (**t != '\0')
			g_ptr_array_add(a, g_strdup(*t));
	g_strfreev(tokens);
	g_string_free(v, TRUE);
	d = evlist_digest(a);
	same = digest != NULL && token_equal(d, digest);
	g_free(d);
	if (!same) {
		g_ptr_array_unref(a);
		return desk_fail(err, DESK_DATAERR, "%s: %s does not match its sealed digest", path, name);
	}
	*items = a;
	return DESK_OK;
}
