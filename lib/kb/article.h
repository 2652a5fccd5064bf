/* article.h: one KB article (articles/SLUG.txt): its header block and text,
 * parsed from bytes, and the checks of `desk kb lint`. */
#ifndef DESK_ARTICLE_H
#define DESK_ARTICLE_H

#include <glib.h>
#include "err.h"

/* Larger files in articles/ are reported and skipped, never read whole. */
#define ARTICLE_MAX_SIZE (1024 * 1024)

typedef struct article {
	char *slug;      /* "reset-password" */
	char *path;      /* "articles/reset-password.txt" */
	char *title;     /* never NULL */
	char **tags;     /* NULL-terminated, never NULL */
	char *audience;  /* "public" or "internal" */
	char *status;    /* "draft" or "published" */
	char *body;      /* the text after the header block, valid UTF-8 */
	char *text;      /* BODY without its "See:" lines: what is indexed and sent to readers */
	char **see;      /* slugs named by "See:" lines of the body, NULL-terminated */
} article;

void article_free(article *a);

/* Whether S is a slug: 1 to 100 of [a-z0-9-], not starting with '-'. */
gboolean article_slug_valid(const char *s);

/* "articles/SLUG.txt" for SLUG; caller g_free()s. */
char *article_path(const char *slug);

/* The slug of PATH "articles/NAME.txt" (NAME as it is, maybe not a valid
 * slug), or NULL when PATH is not directly in articles/ or lacks ".txt".
 * Caller g_free()s. */
char *article_slug_of(const char *path);

/* Parse LEN bytes of the file at PATH. On DESK_DATAERR err says why (binary,
 * too large, invalid UTF-8 at byte N, no header block, a header missing or
 * invalid); *out is set only on DESK_OK (caller frees with article_free). */
desk_status article_parse(const char *path, const char *data, gsize len, article **out,
			  desk_err *err);

/* The checks across articles of one tree (ARTICLES: of article*): duplicate
 * titles (case-insensitive) and slugs, See: links to no article. Each problem
 * is appended to PROBLEMS as a "PATH: what" string (g_free). */
void article_lint_set(GPtrArray *articles, GPtrArray *problems);

/* TEXT with quoted lines ("> ...", "On ... wrote:") and the signature
 * (from a "-- " or "--" line on) removed; trailing blanks of lines are
 * dropped. Caller g_free()s. */
char *article_strip_quotes(const char *text);

#endif
