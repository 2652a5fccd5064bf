/* article.c: parsing a KB article's header block and text; the lint checks
 * that span several articles; quoted text removed from mail for the KB. */
#include <string.h>

#include "article.h"

void
article_free(article *a)
{
	if (a == NULL)
		return;
	g_free(a->slug);
	g_free(a->path);
	g_free(a->title);
	g_strfreev(a->tags);
	g_free(a->audience);
	g_free(a->status);
	g_free(a->body);
	g_free(a->text);
	g_strfreev(a->see);
	g_free(a);
}

gboolean
article_slug_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 100 || s[0] == '-')
		return FALSE;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

char *
article_path(const char *slug)
{
	return g_strdup_printf("articles/%s.txt", slug);
}

char *
article_slug_of(const char *path)
{
	const char *name;

	if (!g_str_has_prefix(path, "articles/") || !g_str_has_suffix(path, ".txt"))
		return NULL;
	name = path + strlen("articles/");
	if (strchr(name, '/') != NULL || strlen(name) <= 4)
		return NULL;
	return g_strndup(name, strlen(name) - 4);
}

/* The header block's one line "Name: value" into A; FALSE (err set) if
 * LINE is not a header. */
static gboolean
header_line(article *a, const char *line, desk_err *err)
{
	const char *colon = strchr(line, ':');
	char *name, *value;
	gboolean ok = TRUE;

	if (colon == NULL || colon == line || strcspn(line, " \t") < (size_t)(colon - line))
		return desk_fail(err, DESK_DATAERR, "%s: no header block (line \"%.40s\" is not a header)",
				 a->path, line), FALSE;
	name = g_ascii_strdown(line, colon - line);
	value = g_strstrip(g_strdup(colon + 1));
	if (strcmp(name, "title") == 0) {
		g_free(a->title);
		a->title = g_steal_pointer(&value);
	} else if (strcmp(name, "tags") == 0) {
		g_strfreev(a->tags);
		a->tags = g_strsplit_set(value, ", ", -1);
	} else if (strcmp(name, "audience") == 0) {
		g_free(a->audience);
		a->audience = g_steal_pointer(&value);
	} else if (strcmp(name, "status") == 0) {
		g_free(a->status);
		a->status = g_steal_pointer(&value);
	} else {
		ok = FALSE;
		desk_fail(err, DESK_DATAERR, "%s: unknown header \"%s\"", a->path, name);
	}
	g_free(name);
	g_free(value);
	return ok;
}

/* Tags without the empty strings that g_strsplit_set leaves. */
static void
tags_compact(article *a)
{
	guint j = 0;

	if (a->tags == NULL) {
		a->tags = g_new0(char *, 1);
		return;
	}
	for (guint i = 0; a->tags[i] != NULL; i++) {
		if (*a->tags[i])
			a->tags[j++] = a->tags[i];
		else
			g_free(a->tags[i]);
	}
	a->tags[j] = NULL;
}

static desk_status
header_check(article *a, desk_err *err)
{
	if (a->title == NULL || *a->title == '\0')
		return desk_fail(err, DESK_DATAERR, "%s: no Title: header", a->path);
	if (a->audience == NULL || (strcmp(a->audience, "public") && strcmp(a->audience, "internal")))
		return desk_fail(err, DESK_DATAERR, "%s: Audience: must be public or internal", a->path);
	if (a->status == NULL || (strcmp(a->status, "draft") && strcmp(a->status, "published")))
		return desk_fail(err, DESK_DATAERR, "%s: Status: must be draft or published", a->path);
	tags_compact(a);
	return DESK_OK;
}

/* The slugs of "See: a, b" lines of the body. */
static char **
see_links(const char *body)
{
	GPtrArray *out = g_ptr_array_new();
	char **lines = g_strsplit(body, "\n", -1);

	for (char **l = lines; *l != NULL; l++) {
		char **names;

		if (g_ascii_strncasecmp(*l, "See:", 4) != 0)
			continue;
		names = g_strsplit_set(*l + 4, ", \t\r", -1);
		for (char **n = names; *n != NULL; n++)
			if (**n)
				g_ptr_array_add(out, g_strdup(*n));
		g_strfreev(names);
	}
	g_strfreev(lines);
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

/* BODY without its "See:" lines (links for agents and the lint, not text
 * for readers) and the blank lines that end it. */
static char *
text_of(const char *body)
{
	char **lines = g_strsplit(body, "\n", -1);
	GString *t = g_string_new(NULL);

	for (char **l = lines; *l != NULL; l++)
		if (g_ascii_strncasecmp(*l, "See:", 4) != 0)
			g_string_append_printf(t, "%s%s", *l, l[1] != NULL ? "\n" : "");
	while (t->len > 0 && g_ascii_isspace(t->str[t->len - 1]))
		g_string_truncate(t, t->len - 1);
	if (t->len > 0)
		g_string_append_c(t, '\n');
	g_strfreev(lines);
	return g_string_free(t, FALSE);
}

/* Bytes that are no text: NUL. */
static gboolean
looks_binary(const char *data, gsize len)
{
	return memchr(data, '\0', len) != NULL;
}

desk_status
article_parse(const char *path, const char *data, gsize len, article **out, desk_err *err)
{
	article *a;
	const char *end = NULL, *p, *body;
	desk_status s = DESK_OK;

	if (len > ARTICLE_MAX_SIZE)
		return desk_fail(err, DESK_DATAERR, "%s: too large (%" G_GSIZE_FORMAT " bytes, at most %d)",
				 path, len, ARTICLE_MAX_SIZE);
	if (looks_binary(data, len))
		return desk_fail(err, DESK_DATAERR, "%s: a binary file, not a text article", path);
	if (!g_utf8_validate(data, len, &end))
		return desk_fail(err, DESK_DATAERR, "%s: invalid UTF-8 at byte %ld", path, (long)(end - data));
	a = g_new0(article, 1);
	a->path = g_strdup(path);
	a->slug = article_slug_of(path);
	if (a->slug == NULL)
		a->slug = g_strdup(path);
	p = data;
	body = NULL;
	while (p < data + len && s == DESK_OK) {
		const char *nl = memchr(p, '\n', data + len - p);
		gsize n = (nl != NULL ? nl : data + len) - p;
		char *line = g_strndup(p, n > 0 && p[n - 1] == '\r' ? n - 1 : n);

		if (*line == '\0') {
			body = nl != NULL ? nl + 1 : data + len;
			g_free(line);
			break;
		}
		if (!header_line(a, line, err))
			s = DESK_DATAERR;
		g_free(line);
		p = nl != NULL ? nl + 1 : data + len;
	}
	if (s == DESK_OK && body == NULL)
		s = desk_fail(err, DESK_DATAERR, "%s: no header block (Title:, Tags:, Audience:, Status:, "
			      "then a blank line)", path);
	if (s == DESK_OK)
		s = header_check(a, err);
	if (s != DESK_OK) {
		article_free(a);
		return s;
	}
	a->body = g_strndup(body, data + len - body);
	a->see = see_links(a->body);
	a->text = text_of(a->body);
	*out = a;
	return DESK_OK;
}

void
article_lint_set(GPtrArray *articles, GPtrArray *problems)
{
	GHashTable *titles = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GHashTable *slugs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	for (guint i = 0; i < articles->len; i++) {
		article *a = articles->pdata[i];
		char *t = g_utf8_casefold(a->title, -1), *sl = g_ascii_strdown(a->slug, -1);
		article *other;

		if ((other = g_hash_table_lookup(titles, t)) != NULL)
			g_ptr_array_add(problems, g_strdup_printf("%s: duplicate title \"%s\" (also %s)",
								  a->path, a->title, other->path));
		else
			g_hash_table_insert(titles, g_steal_pointer(&t), a);
		if ((other = g_hash_table_lookup(slugs, sl)) != NULL)
			g_ptr_array_add(problems, g_strdup_printf("%s: duplicate slug \"%s\" (also %s)",
								  a->path, sl, other->path));
		else
			g_hash_table_insert(slugs, g_steal_pointer(&sl), a);
		g_free(t);
		g_free(sl);
	}
	for (guint i = 0; i < articles->len; i++) {
		article *a = articles->pdata[i];

		for (char **s = a->see; *s != NULL; s++)
			if (!g_hash_table_contains(slugs, *s))
				g_ptr_array_add(problems, g_strdup_printf("%s: broken link \"See: %s\": no "
									  "article %s", a->path, *s,
									  *s));
	}
	g_hash_table_unref(titles);
	g_hash_table_unref(slugs);
}

/* Whether LINE opens a quotation: "On ... wrote:", "... a écrit :". */
static gboolean
quote_intro(const char *line)
{
	size_t n = strlen(line);

	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\r'))
		n--;
	return n > 0 && line[n - 1] == ':' && (strstr(line, " wrote") != NULL ||
					      strstr(line, " écrit") != NULL ||
					      strstr(line, " schrieb") != NULL);
}

char *
article_strip_quotes(const char *text)
{
	GString *out = g_string_new(NULL);
	char **lines = g_strsplit(text, "\n", -1);

	for (char **l = lines; *l != NULL; l++) {
		if (strcmp(g_strchomp(*l), "--") == 0)  /* "-- ", and "--" of sloppy clients */
			break;
		if (**l == '>' || quote_intro(*l))
			continue;
		if (g_str_has_prefix(*l, "-----Original Message-----"))
			break;
		g_string_append(out, *l);
		g_string_append_c(out, '\n');
	}
	g_strfreev(lines);
	while (out->len > 1 && out->str[out->len - 1] == '\n' && out->str[out->len - 2] == '\n')
		g_string_truncate(out, out->len - 1);
	return g_string_free(out, FALSE);
}
