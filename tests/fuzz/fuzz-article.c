/* fuzz-article.c: libFuzzer harness of the KB article parser and lint
 * (lib/kb/article.c): the input is the bytes of articles/fuzz.txt, parsed as
 * desk kb and the pre-receive hook do, then linted together with a fixed
 * second article; article_strip_quotes runs on the input as text (desk kb
 * new --from-ticket does on mail), and the slug functions on it as a path.
 * Checks the contract of article.h: a parsed article has a title, tags,
 * audience public or internal, status draft or published, a UTF-8 body,
 * See: names without separators; a refusal says why. */
#include <string.h>

#include "article.h"
#include "fuzz.h"

static article *other;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char text[] = "Title: Resetting your password\nTags: account\nAudience: public\n"
				   "Status: published\n\nChoose \"Forgot password\".\n\nSee: fuzz\n";
	desk_err err = { 0 };

	(void)argc;
	(void)argv;
	fuzz_init();
	if (article_parse("articles/reset-password.txt", text, strlen(text), &other, &err) != DESK_OK)
		fuzz_fail(__FILE__, __LINE__, err.msg);
	return 0;
}

static void
check_article(const article *a)
{
	FUZZ_CHECK(a->title != NULL && a->tags != NULL && a->see != NULL && a->body != NULL, "fields are set");
	FUZZ_CHECK(strcmp(a->audience, "public") == 0 || strcmp(a->audience, "internal") == 0, "an audience");
	FUZZ_CHECK(strcmp(a->status, "draft") == 0 || strcmp(a->status, "published") == 0, "a status");
	FUZZ_CHECK(g_utf8_validate(a->body, -1, NULL) && g_utf8_validate(a->title, -1, NULL), "UTF-8 text");
	for (char **s = a->see; *s != NULL; s++)
		FUZZ_CHECK(**s != '\0' && strpbrk(*s, ", \t\r\n") == NULL, "See: names are words");
}

static void
lint(article *a)
{
	GPtrArray *set = g_ptr_array_new();
	GPtrArray *problems = g_ptr_array_new_with_free_func(g_free);

	g_ptr_array_add(set, a);
	g_ptr_array_add(set, other);
	g_ptr_array_add(set, a);  /* a duplicate of itself, as two branches can have */
	article_lint_set(set, problems);
	FUZZ_CHECK(problems->len > 0, "an article twice is a duplicate");
	g_ptr_array_unref(problems);
	g_ptr_array_unref(set);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	article *a = NULL;
	desk_err err = { 0 };
	desk_status s = article_parse("articles/fuzz.txt", (const char *)data, size, &a, &err);
	char *text = fuzz_str(data, size), *slug;

	FUZZ_CHECK(s == DESK_OK || (s == DESK_DATAERR && err.msg[0] != '\0'), "a refusal says why");
	FUZZ_CHECK((s == DESK_OK) == (a != NULL), "an article exactly when parsed");
	if (a != NULL) {
		check_article(a);
		lint(a);
	}
	article_free(a);
	g_free(article_strip_quotes(text));
	if (article_slug_valid(text)) {
		char *path = article_path(text);

		slug = article_slug_of(path);
		FUZZ_CHECK(g_strcmp0(slug, text) == 0, "article_slug_of(article_path(SLUG)) is SLUG");
		g_free(slug);
		g_free(path);
	}
	g_free(article_slug_of(text));
	g_free(text);
	return 0;
}
