/* away.c: agents away, STORE/var/away (see away.h). */
#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "away.h"

#define AWAY_MAX (256 * 1024)

static char *
away_path(desk_store *st)
{
	return g_build_filename(st->dir, STORE_VAR, "away", NULL);
}

/* Every line of the file as login -> until, expired ones too. */
static GHashTable *
read_all(desk_store *st)
{
	GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	char *path = away_path(st), *text = NULL, **lines;
	gsize len = 0;

	if (!g_file_get_contents(path, &text, &len, NULL) || len > AWAY_MAX) {
		g_free(text);
		g_free(path);
		return h;
	}
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l != NULL; l++) {
		char **f = g_strsplit(g_strstrip(*l), " ", 2);
		gint64 *until = g_new(gint64, 1);

		if (f[0] != NULL && f[1] != NULL && agent_login_ok(f[0])) {
			*until = g_ascii_strtoll(f[1], NULL, 10);
			g_hash_table_replace(h, g_strdup(f[0]), until);
		} else {
			g_free(until);
		}
		g_strfreev(f);
	}
	g_strfreev(lines);
	g_free(text);
	g_free(path);
	return h;
}

GHashTable *
away_load(desk_store *st, gint64 now)
{
	GHashTable *h = read_all(st);
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, h);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (*(gint64 *)v != 0 && *(gint64 *)v <= now)
			g_hash_table_iter_remove(&it);
	return h;
}

gboolean
away_is(desk_store *st, const char *login, gint64 now)
{
	GHashTable *h = away_load(st, now);
	gboolean yes = login != NULL && g_hash_table_contains(h, login);

	g_hash_table_unref(h);
	return yes;
}

static desk_status
write_all(desk_store *st, GHashTable *h, desk_err *err)
{
	char *path = away_path(st), *tmp = g_strconcat(path, ".tmp", NULL);
	GString *out = g_string_new("# agents away (desk agent away/back): LOGIN UNTIL (seconds since the epoch, 0: until back)\n");
	GList *keys = g_list_sort(g_hash_table_get_keys(h), (GCompareFunc)strcmp);
	desk_status s = DESK_OK;
	GError *gerr = NULL;

	for (GList *k = keys; k != NULL; k = k->next)
		g_string_append_printf(out, "%s %" G_GINT64_FORMAT "\n", (char *)k->data,
				       *(gint64 *)g_hash_table_lookup(h, k->data));
	if (!g_file_set_contents_full(tmp, out->str, out->len, G_FILE_SET_CONTENTS_CONSISTENT, 0660, &gerr) ||
	    g_rename(tmp, path) != 0) {
		s = desk_fail(err, DESK_TEMPFAIL, "cannot write %s: %s", path,
			      gerr != NULL ? gerr->message : g_strerror(errno));
		g_clear_error(&gerr);
		g_unlink(tmp);
	}
	g_list_free(keys);
	g_string_free(out, TRUE);
	g_free(tmp);
	g_free(path);
	return s;
}

desk_status
away_set(desk_store *st, const char *login, gint64 until, desk_err *err)
{
	GHashTable *h = read_all(st);
	gint64 *v = g_new(gint64, 1);
	desk_status s;

	*v = until;
	g_hash_table_replace(h, g_strdup(login), v);
	s = write_all(st, h, err);
	g_hash_table_unref(h);
	return s;
}

desk_status
away_clear(desk_store *st, const char *login, gboolean *was, desk_err *err)
{
	GHashTable *h = read_all(st);
	gboolean had = g_hash_table_remove(h, login);
	desk_status s = had ? write_all(st, h, err) : DESK_OK;

	if (was != NULL)
		*was = had;
	g_hash_table_unref(h);
	return s;
}
