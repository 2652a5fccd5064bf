/* desk-kb-write.c: desk kb new: a draft article committed on drafts/SLUG. */
#include <stdio.h>
#include <string.h>

#include "desk-kb.h"
#include "index.h"
#include "kbticket.h"
#include "output.h"

/* The article to start from: FILE's text ("-": stdin), else a template. */
static desk_status
draft_source(const char *file, const char *slug, char **text, desk_err *err)
{
	GError *gerr = NULL;
	gsize len = 0;

	if (file == NULL) {
		char *title = g_strdelimit(g_strdup(slug), "-", ' ');

		title[0] = g_ascii_toupper(title[0]);
		*text = g_strdup_printf("Title: %s\nTags: \nAudience: internal\nStatus: draft\n\n"
					"(the article)\n", title);
		g_free(title);
		return DESK_OK;
	}
	if (strcmp(file, "-") == 0) {
		GString *s = g_string_new(NULL);
		char buf[8192];
		size_t n;

		while ((n = fread(buf, 1, sizeof buf, stdin)) > 0 && s->len <= ARTICLE_MAX_SIZE)
			g_string_append_len(s, buf, n);
		len = s->len;
		*text = g_string_free(s, FALSE);
	} else if (!g_file_get_contents(file, text, &len, &gerr)) {
		desk_status s = desk_fail(err, DESK_NOTFOUND, "%s", gerr->message);

		g_error_free(gerr);
		return s;
	}
	if (len != strlen(*text))
		return desk_fail(err, DESK_DATAERR, "%s: a binary file, not a text article", file);
	return DESK_OK;
}

/* The draft of ticket N (and its slug, unless *slug is set). */
static desk_status
draft_from_ticket(desk_store *st, guint n, char **slug, char **text, desk_err *err)
{
	notmuch_database_t *db = NULL;
	desk_status s = index_open(st, FALSE, &db, err);

	if (s == DESK_OK)
		s = kb_draft_text(st, db, n, slug, text, err);
	if (db != NULL)
		notmuch_database_destroy(db);
	return s;
}

int
kb_cmd_new(const char *store_dir, int argc, char **argv)
{
	char *file = NULL, *slug = NULL, *text = NULL, *branch = NULL, *path = NULL;
	int ticket = 0;
	GOptionEntry entries[] = {
		{ "from-ticket", 't', 0, G_OPTION_ARG_INT, &ticket,
		  "From solved ticket N: its question and the desk's answer", "N" },
		{ "file", 'F', 0, G_OPTION_ARG_FILENAME, &file,
		  "The article (header block and text) from FILE, - for stdin", "FILE" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	desk_store *st = NULL;
	desk_kb *kb = NULL;
	article *a = NULL;
	desk_err err = { 0 };
	desk_status s;
	int rc = desk_parse("kb new", "[SLUG]", "Commit a draft article on a new branch drafts/SLUG of\n"
			    "the KB, for review; prints the branch.", entries, &argc, &argv);

	if (rc >= 0)
		goto out;
	if (argc > 2 || (argc == 1 && ticket <= 0) || ticket < 0 || (ticket > 0 && file != NULL)) {
		rc = desk_error(DESK_USAGE, "kb new: SLUG [--file FILE], or --from-ticket N [SLUG]");
		goto out;
	}
	slug = argc == 2 ? g_strdup(argv[1]) : NULL;
	if ((rc = desk_open_store(store_dir, &st)) != 0)
		goto out;
	s = ticket > 0 ? draft_from_ticket(st, ticket, &slug, &text, &err)
		       : draft_source(file, slug, &text, &err);
	if (s == DESK_OK && !article_slug_valid(slug))
		s = desk_fail(&err, DESK_USAGE, "'%s' is not a slug (a-z, 0-9 and '-')", slug);
	if (s == DESK_OK) {  /* what the pre-receive hook would refuse, refused now */
		path = article_path(slug);
		s = article_parse(path, text, strlen(text), &a, &err);
	}
	if (s == DESK_OK)
		s = kb_open(st, &kb, &err);
	if (s == DESK_OK)
		s = kb_draft(kb, slug, text, &branch, &err);
	if (s != DESK_OK)
		rc = desk_error(s, "kb new: %s", err.msg);
	else
		printf("%s\n", out_safe(branch));
out:
	article_free(a);
	kb_close(kb);
	desk_close_store(st);
	g_free(file);
	g_free(slug);
	g_free(text);
	g_free(branch);
	g_free(path);
	return rc;
}
