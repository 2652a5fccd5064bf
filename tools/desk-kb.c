/* desk-kb.c: desk kb: the knowledge base's subcommands, and its search,
 * suggest and index (the rest is in desk-kb-read.c and desk-kb-write.c). */
#include <stdio.h>
#include <string.h>

#include "desk-kb.h"
#include "index.h"
#include "kbticket.h"
#include "output.h"

int
kb_tool_open(const char *store_dir, const char *cmd, desk_store **st, desk_kb **kb)
{
	desk_err err = { 0 };
	desk_status s;
	int rc = desk_open_store(store_dir, st);

	if (rc != 0)
		return rc;
	if ((s = kb_open(*st, kb, &err)) != DESK_OK)
		return desk_error(s, "kb %s: %s", cmd, err.msg);
	return 0;
}

gboolean
kb_format_ok(const char *cmd, const char *format, int *rc)
{
	if (format == NULL || strcmp(format, "text") == 0 || strcmp(format, "json") == 0)
		return TRUE;
	*rc = desk_error(DESK_USAGE, "kb %s: unknown format '%s' (text, json)", cmd, format);
	return FALSE;
}

/* H's score as a share of the best one's TOP, 0 to 100: bm25 alone is no
 * scale (in a small KB every score is near 0, e.g. 0.000001). */
static int
relevance(const kb_hit *h, double top)
{
	return top > 0 ? (int)(100.0 * h->score / top + 0.5) : 0;
}

static JsonNode *
hit_json(guint rank, const kb_hit *h, double top)
{
	JsonBuilder *b = json_builder_new();
	JsonNode *n;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "rank");
	json_builder_add_int_value(b, rank);
	json_builder_set_member_name(b, "score");
	json_builder_add_double_value(b, h->score);
	json_builder_set_member_name(b, "relevance");
	json_builder_add_int_value(b, relevance(h, top));
	json_builder_set_member_name(b, "slug");
	json_builder_add_string_value(b, h->slug);
	json_builder_set_member_name(b, "title");
	json_builder_add_string_value(b, h->title);
	json_builder_set_member_name(b, "citation");
	json_builder_add_string_value(b, h->citation);
	json_builder_set_member_name(b, "audience");
	json_builder_add_string_value(b, h->audience);
	json_builder_set_member_name(b, "status");
	json_builder_add_string_value(b, h->status);
	json_builder_set_member_name(b, "snippet");
	json_builder_add_string_value(b, h->snippet);
	json_builder_end_object(b);
	n = json_builder_get_root(b);
	g_object_unref(b);
	return n;
}

void
kb_hits_print(GPtrArray *hits, gboolean json)
{
	double top = hits->len > 0 ? ((kb_hit *)hits->pdata[0])->score : 0;

	if (json) {
		JsonArray *a = json_array_new();
		JsonNode *root = json_node_new(JSON_NODE_ARRAY);

		for (guint i = 0; i < hits->len; i++)
			json_array_add_element(a, hit_json(i + 1, hits->pdata[i], top));
		json_node_take_array(root, a);
		out_json(root);
		return;
	}
	for (guint i = 0; i < hits->len; i++) {
		const kb_hit *h = hits->pdata[i];
		char *snip = g_strdelimit(g_strdup(h->snippet), "\r\n\t", ' ');

		printf("%2u. %3d%%  %s  (%s)%s%s\n    %s\n", i + 1, relevance(h, top), out_safe(h->title),
		       out_safe(h->citation), strcmp(h->audience, "public") ? " internal" : "",
		       strcmp(h->status, "published") ? " draft" : "", out_safe(g_strstrip(snip)));
		g_free(snip);
	}
}

static int
kb_cmd_search(const char *store_dir, int argc, char **argv)
{
	char *format = NULL, *scope = NULL, *words = NULL;
	int limit = 10;
	GOptionEntry entries[] = {
		{ "format", 'f', 0, G_OPTION_ARG_STRING, &format, "text or json", "FMT" },
		{ "limit", 'n', 0, G_OPTION_ARG_INT, &limit, "At most N results (default 10)", "N" },
		{ "scope", 0, 0, G_OPTION_ARG_STRING, &scope,
		  "all (default), published, or public (published and public)", "S" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	desk_store *st = NULL;
	desk_kb *kb = NULL;
	GPtrArray *hits = NULL;
	desk_err err = { 0 };
	kb_scope sc = KB_ALL;
	desk_status s;
	int rc = desk_parse("kb search", "WORDS...", "Articles with every one of WORDS, best first\n"
			    "(SQLite FTS5, bm25, English stemming).", entries, &argc, &argv);

	if (rc >= 0 || !kb_format_ok("search", format, &rc))
		goto out;
	rc = 0;
	if (scope != NULL && strcmp(scope, "all") != 0)
		sc = strcmp(scope, "published") == 0 ? KB_PUBLISHED : strcmp(scope, "public") == 0 ? KB_PUBLIC : -1;
	if ((int)sc < 0 || argc < 2 || limit < 1) {
		rc = desk_error(DESK_USAGE, "kb search: WORDS..., --scope all|published|public, --limit N > 0");
		goto out;
	}
	words = g_strjoinv(" ", argv + 1);
	if ((rc = kb_tool_open(store_dir, "search", &st, &kb)) != 0)
		goto out;
	if ((s = kbindex_search(kb, words, TRUE, sc, limit, &hits, &err)) != DESK_OK)
		rc = desk_error(s, "kb search: %s", err.msg);
	else
		kb_hits_print(hits, format != NULL && strcmp(format, "json") == 0);
out:
	if (hits != NULL)
		g_ptr_array_unref(hits);
	kb_close(kb);
	desk_close_store(st);
	g_free(words);
	g_free(format);
	g_free(scope);
	return rc;
}

/* "N" or "#N" as a ticket number; 0 when it is none. */
static guint
ticket_arg(const char *s)
{
	char *end;
	guint64 n = g_ascii_strtoull(s[0] == '#' ? s + 1 : s, &end, 10);

	return *end == '\0' && n <= G_MAXUINT ? (guint)n : 0;
}

static int
kb_cmd_suggest(const char *store_dir, int argc, char **argv)
{
	char *format = NULL;
	int limit = 5;
	GOptionEntry entries[] = {
		{ "format", 'f', 0, G_OPTION_ARG_STRING, &format, "text or json", "FMT" },
		{ "limit", 'n', 0, G_OPTION_ARG_INT, &limit, "At most N articles (default 5)", "N" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	desk_store *st = NULL;
	notmuch_database_t *db = NULL;
	GPtrArray *hits = NULL;
	desk_err err = { 0 };
	desk_status s;
	guint n = 0;
	int rc = desk_parse("kb suggest", "N", "The best published articles for ticket N, from its\n"
			    "subject and the requester's words.", entries, &argc, &argv);

	if (rc >= 0 || !kb_format_ok("suggest", format, &rc))
		goto out;
	rc = 0;
	if (argc != 2 || (n = ticket_arg(argv[1])) == 0 || limit < 1) {
		rc = desk_error(DESK_USAGE, "kb suggest: one ticket number, please");
		goto out;
	}
	if ((rc = desk_open_store(store_dir, &st)) != 0)
		goto out;
	s = index_open(st, FALSE, &db, &err);
	if (s == DESK_OK)
		s = kb_suggest_ticket(st, db, n, limit, KB_PUBLISHED, &hits, &err);
	if (s != DESK_OK)
		rc = desk_error(s, "kb suggest: %s", err.msg);
	else
		kb_hits_print(hits, format != NULL && strcmp(format, "json") == 0);
out:
	if (hits != NULL)
		g_ptr_array_unref(hits);
	if (db != NULL)
		notmuch_database_destroy(db);
	desk_close_store(st);
	g_free(format);
	return rc;
}

static int
kb_cmd_index(const char *store_dir, int argc, char **argv)
{
	gboolean rebuild = FALSE;
	GOptionEntry entries[] = {
		{ "rebuild", 0, 0, G_OPTION_ARG_NONE, &rebuild, "Build it whole, from scratch", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	desk_store *st = NULL;
	desk_kb *kb = NULL;
	kbindex_update u = { 0 };
	desk_err err = { 0 };
	desk_status s;
	int rc = desk_parse("kb index", "", "Bring the search index up to the KB's ref (the\n"
			    "post-receive hook runs this).", entries, &argc, &argv);

	if (rc >= 0)
		return rc;
	if (argc != 1)
		return desk_error(DESK_USAGE, "kb index: no arguments");
	if ((rc = kb_tool_open(store_dir, "index", &st, &kb)) == 0) {
		if ((s = kbindex_sync(kb, rebuild, &u, &err)) != DESK_OK)
			rc = desk_error(s, "kb index: %s", err.msg);
		else if (u.rebuilt)
			printf("kb index at %s: built, %u articles%s%s%s\n", out_safe(u.commit), u.changed,
			       u.why ? " (" : "", u.why ? out_safe(u.why) : "", u.why ? ")" : "");
		else
			printf("kb index at %s: %u files changed\n", out_safe(u.commit), u.changed);
	}
	kbindex_update_clear(&u);
	kb_close(kb);
	desk_close_store(st);
	return rc;
}

static const struct kb_cmd {
	const char *name;
	kb_cmd_fn fn;
	const char *summary;
} cmds[] = {
	{ "list", kb_cmd_list, "every article: slug, status, audience, title" },
	{ "show", kb_cmd_show, "an article's text (--at REV)" },
	{ "log", kb_cmd_log, "the commits that changed an article, across renames" },
	{ "diff", kb_cmd_diff, "an article's changes between two revisions" },
	{ "search", kb_cmd_search, "ranked articles for words, with snippets and citations" },
	{ "suggest", kb_cmd_suggest, "the best published articles for a ticket" },
	{ "new", kb_cmd_new, "a draft article on a branch drafts/SLUG" },
	{ "lint", kb_cmd_lint, "check the articles at a revision" },
	{ "index", kb_cmd_index, "bring the search index up to the ref" },
	{ "clone", kb_cmd_clone, "clone the KB, its pushes set up to run the hooks" },
	{ "hooks", kb_cmd_hooks, "install the hooks and settings anew (the store's owner)" },
};

static void
kb_usage(FILE *out)
{
	fprintf(out, "usage: desk kb COMMAND [ARGS...]\n\nThe knowledge base: articles in git (STORE/kb), "
		     "read at refs/heads/main.\n\nCommands:\n");
	for (size_t i = 0; i < G_N_ELEMENTS(cmds); i++)
		fprintf(out, "  %-8s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(out, "\n'desk kb COMMAND --help' explains one; man desk-kb has the details.\n");
}

int
verb_kb(const char *store_dir, int argc, char **argv)
{
	if (argc < 2 || argv[1][0] == '-') {
		gboolean help = argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0);

		kb_usage(help ? stdout : stderr);
		return help ? 0 : desk_error(DESK_USAGE, "kb: which command? (see desk kb --help)");
	}
	for (size_t i = 0; i < G_N_ELEMENTS(cmds); i++)
		if (strcmp(cmds[i].name, argv[1]) == 0)
			return cmds[i].fn(store_dir, argc - 1, argv + 1);
	return desk_error(DESK_USAGE, "kb: unknown command '%s' (see desk kb --help)", argv[1]);
}
