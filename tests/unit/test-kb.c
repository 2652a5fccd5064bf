/* test-kb.c: unit tests of article parsing, lint across articles and the
 * quoting removed from mail (lib/kb/article.c). TAP on stdout. */
#include <stdio.h>
#include <string.h>

#include "article.h"

static int n, failed;

static void
ok(int cond, const char *desc)
{
	n++;
	if (!cond)
		failed++;
	printf("%s %d - %s\n", cond ? "ok" : "not ok", n, desc);
}

/* Parse TEXT as articles/SLUG.txt; the status, and *a or the message. */
static desk_status
parse(const char *slug, const char *text, gssize len, article **a, desk_err *err)
{
	char *path = article_path(slug);
	desk_status s = article_parse(path, text, len < 0 ? strlen(text) : (gsize)len, a, err);

	g_free(path);
	return s;
}

static void
test_parse(void)
{
	article *a = NULL;
	desk_err err = { 0 };
	const char *good = "Title: Reset\r\nTags: a, b,c\nAudience: public\nStatus: published\n\nText.\nSee: x, y\n";

	ok(parse("reset", good, -1, &a, &err) == DESK_OK, "a good article parses");
	ok(a != NULL && strcmp(a->title, "Reset") == 0, "its title (CRLF header line)");
	ok(a != NULL && g_strv_length(a->tags) == 3 && strcmp(a->tags[2], "c") == 0, "its tags");
	ok(a != NULL && strcmp(a->body, "Text.\nSee: x, y\n") == 0, "its text after the blank line");
	ok(a != NULL && g_strv_length(a->see) == 2 && strcmp(a->see[1], "y") == 0, "its See: links");
	article_free(a);
	a = NULL;
	ok(parse("x", "Just text.\n", -1, &a, &err) == DESK_DATAERR && strstr(err.msg, "no header block"),
	   "no header block");
	ok(parse("x", "Title: T\nTags:\nAudience: public\nStatus: published\n", -1, &a, &err) == DESK_DATAERR &&
	   strstr(err.msg, "no header block"), "a header block without the blank line");
	ok(parse("x", "Title: T\nTags:\nAudience: all\nStatus: published\n\nx", -1, &a, &err) == DESK_DATAERR &&
	   strstr(err.msg, "Audience"), "an invalid Audience:");
	ok(parse("x", "Tags:\nAudience: public\nStatus: draft\n\nx", -1, &a, &err) == DESK_DATAERR &&
	   strstr(err.msg, "Title"), "no Title:");
	ok(parse("x", "Title: T\nColor: red\nAudience: public\nStatus: draft\n\nx", -1, &a, &err) == DESK_DATAERR &&
	   strstr(err.msg, "unknown header"), "an unknown header");
	ok(parse("x", "Title: caf\xe9\n", -1, &a, &err) == DESK_DATAERR && strstr(err.msg, "invalid UTF-8 at byte 10"),
	   "invalid UTF-8, with its offset");
	ok(parse("x", "Title: a\0b", 10, &a, &err) == DESK_DATAERR && strstr(err.msg, "binary"), "a NUL byte: binary");
	ok(parse("x", "", ARTICLE_MAX_SIZE + 1, &a, &err) == DESK_DATAERR && strstr(err.msg, "too large"),
	   "over ARTICLE_MAX_SIZE, without reading it");
	ok(a == NULL, "no article is returned on failure");
}

static void
test_names(void)
{
	char *s;

	ok(article_slug_valid("reset-password-2"), "a slug");
	ok(!article_slug_valid("Reset") && !article_slug_valid("-x") && !article_slug_valid("a/b") &&
	   !article_slug_valid("") && !article_slug_valid("a.b"), "not slugs");
	s = article_slug_of("articles/foo.txt");
	ok(s != NULL && strcmp(s, "foo") == 0, "the slug of articles/foo.txt");
	g_free(s);
	ok(article_slug_of("articles/sub/foo.txt") == NULL && article_slug_of("foo.txt") == NULL &&
	   article_slug_of("articles/.txt") == NULL && article_slug_of("articles/foo.md") == NULL,
	   "paths that are no article");
}

static void
test_lint_set(void)
{
	GPtrArray *arts = g_ptr_array_new_with_free_func((GDestroyNotify)article_free);
	GPtrArray *problems = g_ptr_array_new_with_free_func(g_free);
	const char *texts[][2] = {
		{ "a", "Title: Same\nTags:\nAudience: public\nStatus: draft\n\nSee: b\n" },
		{ "b", "Title: same\nTags:\nAudience: public\nStatus: draft\n\nSee: nowhere\n" },
	};
	desk_err err = { 0 };

	for (size_t i = 0; i < G_N_ELEMENTS(texts); i++) {
		article *a = NULL;

		if (parse(texts[i][0], texts[i][1], -1, &a, &err) == DESK_OK)
			g_ptr_array_add(arts, a);
	}
	article_lint_set(arts, problems);
	ok(problems->len == 2, "two problems in the set");
	ok(problems->len > 0 && strstr(problems->pdata[0], "duplicate title"), "titles differing in case are duplicates");
	ok(problems->len > 1 && strstr(problems->pdata[1], "articles/b.txt: broken link \"See: nowhere\""),
	   "a broken See: link, not the good one");
	g_ptr_array_unref(arts);
	g_ptr_array_unref(problems);
}

static void
test_strip(void)
{
	char *s = article_strip_quotes("Hi,\nmy question.\n\nOn Monday, Bob wrote:\n> old\n> text\n\nThanks\n-- \nBob\nsig\n");

	ok(strcmp(s, "Hi,\nmy question.\n\n\nThanks\n") == 0, "quotes, their intro and the signature removed");
	g_free(s);
	s = article_strip_quotes("Answer.\n-----Original Message-----\nFrom: x\n");
	ok(strcmp(s, "Answer.\n") == 0, "an Outlook-style original message removed");
	g_free(s);
}

int
main(void)
{
	test_parse();
	test_names();
	test_lint_set();
	test_strip();
	printf("1..%d\n", n);
	return failed != 0;
}
