/* desk-kb-read.c: desk kb list, show, log, diff: the KB at a revision. */
#include <stdio.h>
#include <string.h>

#include "desk-kb.h"
#include "output.h"

static JsonNode *
article_json(const article *a, const git_commit *c)
{
	JsonBuilder *b = json_builder_new();
	char *cite = kb_citation(a->slug, c);
	JsonNode *n;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "slug");
	json_builder_add_string_value(b, a->slug);
	json_builder_set_member_name(b, "title");
	json_builder_add_string_value(b, a->title);
	json_builder_set_member_name(b, "tags");
	json_builder_begin_array(b);
	for (char **t = a->tags; *t != NULL; t++)
		json_builder_add_string_value(b, *t);
	json_builder_end_array(b);
	json_builder_set_member_name(b, "audience");
	json_builder_add_string_value(b, a->audience);
	json_builder_set_member_name(b, "status");
	json_builder_add_string_value(b, a->status);
	json_builder_set_member_name(b, "path");
	json_builder_add_string_value(b, a->path);
	json_builder_set_member_name(b, "citation");
	json_builder_add_string_value(b, cite);
	json_builder_end_object(b);
	n = json_builder_get_root(b);
	g_object_unref(b);
	g_free(cite);
	return n;
}

static void
list_print(GPtrArray *articles, const git_commit *c, gboolean json)
{
	JsonArray *arr = json ? json_array_new() : NULL;

	for (guint i = 0; i < articles->len; i++) {
		const article *a = articles->pdata[i];

		if (json)
			json_array_add_element(arr, article_json(a, c));
		else
			printf("%-32s %-9s %-8s %s\n", out_safe(a->slug), out_safe(a->status), out_safe(a->audience),
			       out_safe(a->title));
	}
	if (json) {
		JsonNode *root = json_node_new(JSON_NODE_ARRAY);

		json_node_take_array(root, arr);
		out_json(root);
	}
}

int
kb_cmd_list(const char *store_dir, int argc, char **argv)
{
	char *format = NULL, *at = NULL;
	GOptionEntry entries[] = {
		{ "format", 'f', 0, G_OPTION_ARG_STRING, &format, "text or json", "FMT" },
		{ "at", 0, 0, G_OPTION_ARG_STRING, &at, "At this revision (default: the KB's ref)", "REV" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	desk_store *st = NULL;
	desk_kb *kb = NULL;
	git_commit *c = NULL;
	GPtrArray *articles = NULL, *problems = NULL;
	desk_err err = { 0 };
	desk_status s;
	int rc = desk_parse("kb list", "", "Every article, by slug. Files that are no readable\n"
			    "article are reported on stderr.", entries, &argc, &argv);

	if (rc >= 0 || !kb_format_ok("list", format, &rc))
		goto out;
	if (argc != 1) {
		rc = desk_error(DESK_USAGE, "kb list: no arguments (see desk kb list --help)");
		goto out;
	}
	if ((rc = kb_tool_open(store_dir, "list", &st, &kb)) != 0)
		goto out;
	s = kb_resolve(kb, at, &c, &err);
	if (s == DESK_OK)
		s = kb_articles(kb, c, &articles, &problems, &err);
	if (s != DESK_OK) {
		rc = desk_error(s, "kb list: %s", err.msg);
		goto out;
	}
	for (guint i = 0; i < problems->len; i++)
		desk_warn("kb list: %s", (char *)problems->pdata[i]);
	list_print(articles, c, format != NULL && strcmp(format, "json") == 0);
out:
	if (articles != NULL)
		g_ptr_array_unref(articles);
	if (problems != NULL)
		g_ptr_array_unref(problems);
	git_commit_free(c);
	kb_close(kb);
	desk_close_store(st);
	g_free(format);
	g_free(at);
	return rc;
}

int
kb_cmd_show(const char *store_dir, int argc, char **argv)
{
	char *at = NULL, *raw = NULL;
	GOptionEntry entries[] = {
		{ "at", 0, 0, G_OPTION_ARG_STRING, &at, "At this revision (default: the KB's ref)", "REV" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	desk_store *st = NULL;
	desk_kb *kb = NULL;
	git_commit *c = NULL;
	article *a = NULL;
	desk_err err = { 0 };
	desk_status s;
	int rc = desk_parse("kb show", "SLUG", "Article SLUG as it is in the KB: header block and text.",
			    entries, &argc, &argv);

	if (rc >= 0)
		goto out;
	if (argc != 2) {
		rc = desk_error(DESK_USAGE, "kb show: one SLUG, please");
		goto out;
	}
	if ((rc = kb_tool_open(store_dir, "show", &st, &kb)) != 0)
		goto out;
	s = kb_resolve(kb, at, &c, &err);
	if (s == DESK_OK)
		s = kb_article_at(kb, c, argv[1], &a, &raw, &err);
	if (s != DESK_OK)
		rc = desk_error(s, "kb show: %s", err.msg);
	else
		fputs(out_safe_text(raw), stdout);
out:
	article_free(a);
	git_commit_free(c);
	kb_close(kb);
	desk_close_store(st);
	g_free(raw);
	g_free(at);
	return rc;
}

int
kb_cmd_log(const char *store_dir, int argc, char **argv)
{
	GOptionEntry entries[] = { { NULL, 0, 0, 0, NULL, NULL, NULL } };
	desk_store *st = NULL;
	desk_kb *kb = NULL;
	GPtrArray *log = NULL;
	desk_err err = { 0 };
	desk_status s;
	int rc = desk_parse("kb log", "SLUG", "The commits of the KB's ref that changed article SLUG,\n"
			    "newest first, following renames.", entries, &argc, &argv);

	if (rc >= 0)
		return rc;
	if (argc != 2)
		return desk_error(DESK_USAGE, "kb log: one SLUG, please");
	if ((rc = kb_tool_open(store_dir, "log", &st, &kb)) == 0) {
		if ((s = kb_log(kb, argv[1], &log, &err)) != DESK_OK) {
			rc = desk_error(s, "kb log: %s", err.msg);
		} else {
			for (guint i = 0; i < log->len; i++) {
				const kb_log_entry *e = log->pdata[i];
				char *when = out_iso8601(e->time);

				printf("%s %s %s  %s\n    %s: %s\n", out_safe(e->id), when, out_safe(e->author),
				       out_safe(e->summary), out_safe(e->path), out_safe(e->change));
				g_free(when);
			}
			g_ptr_array_unref(log);
		}
	}
	kb_close(kb);
	desk_close_store(st);
	return rc;
}

int
kb_cmd_diff(const char *store_dir, int argc, char **argv)
{
	GOptionEntry entries[] = { { NULL, 0, 0, 0, NULL, NULL, NULL } };
	desk_store *st = NULL;
	desk_kb *kb = NULL;
	char *patch = NULL;
	desk_err err = { 0 };
	desk_status s;
	int rc = desk_parse("kb diff", "SLUG REV1 REV2", "Article SLUG's changes from REV1 to REV2 as a\n"
			    "unified diff.", entries, &argc, &argv);

	if (rc >= 0)
		return rc;
	if (argc != 4)
		return desk_error(DESK_USAGE, "kb diff: SLUG REV1 REV2, please");
	if ((rc = kb_tool_open(store_dir, "diff", &st, &kb)) == 0) {
		if ((s = kb_diff(kb, argv[1], argv[2], argv[3], &patch, &err)) != DESK_OK)
			rc = desk_error(s, "kb diff: %s", err.msg);
		else
			fputs(out_safe_text(patch), stdout);
	}
	g_free(patch);
	kb_close(kb);
	desk_close_store(st);
	return rc;
}
