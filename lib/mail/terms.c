/* terms.c: the writer's own words of a text, stemmed (terms.h). */
#include <libstemmer.h>
#include <string.h>

#include "lang.h"
#include "terms.h"

/* Words longer than this are no words (base64, hashes, URLs' runs). */
#define WORD_MAX 40

struct terms_ctx {
	struct sb_stemmer *stem[6];   /* by lang_all()'s order, made on first use */
	gboolean failed[6];
};

static const char *const algorithms[] = { "english", "german", "french", "spanish", "italian", "dutch" };

terms_ctx *
terms_ctx_new(void)
{
	return g_new0(terms_ctx, 1);
}

void
terms_ctx_free(terms_ctx *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < G_N_ELEMENTS(t->stem); i++)
		if (t->stem[i] != NULL)
			sb_stemmer_delete(t->stem[i]);
	g_free(t);
}

/* Whether LINE (up to its end) starts what the writer did not write. */
static gboolean
line_ends_own(const char *line, gsize n)
{
	char *l = g_strstrip(g_strndup(line, n));
	gsize len = strlen(l);
	gboolean yes = n >= 2 && strncmp(line, "--", 2) == 0 && (n == 2 || (n == 3 && line[2] == ' '));

	yes = yes || g_str_has_prefix(l, "-----Original Message") || g_str_has_prefix(l, "----- Original Message") ||
	      g_str_has_prefix(l, "-----Ursprüngliche Nachricht") || g_str_has_prefix(l, "-----Message d'origine");
	if (!yes && len > 0 && l[len - 1] == ':')
		yes = (g_str_has_prefix(l, "On ") && strstr(l, " wrote") != NULL) ||
		      (g_str_has_prefix(l, "Am ") && strstr(l, " schrieb") != NULL) ||
		      (g_str_has_prefix(l, "Le ") && strstr(l, " a écrit") != NULL) ||
		      (g_str_has_prefix(l, "El ") && strstr(l, " escribió") != NULL) ||
		      (g_str_has_prefix(l, "Il ") && strstr(l, " ha scritto") != NULL) ||
		      (g_str_has_prefix(l, "Op ") && strstr(l, " schreef") != NULL);
	yes = yes || ((g_str_has_prefix(l, "From: ") || g_str_has_prefix(l, "Von: ") || g_str_has_prefix(l, "De : ")) &&
		      strchr(l, '@') != NULL);
	g_free(l);
	return yes;
}

char *
terms_own_text(const char *body, gsize max)
{
	GString *out = g_string_new(NULL);
	const char *p = body != NULL ? body : "", *end = p + strnlen(p, max);

	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		gsize n = (nl != NULL ? nl : end) - p;

		if (line_ends_own(p, n))
			break;
		if (*p != '>') {
			g_string_append_len(out, p, n);
			g_string_append_c(out, '\n');
		}
		p += n + 1;
	}
	return g_string_free(out, FALSE);
}

static struct sb_stemmer *
stemmer_of(terms_ctx *t, const char *lang)
{
	const char *const *all = lang_all();

	for (int i = 0; lang != NULL && all[i] != NULL && i < 6; i++) {
		if (strcmp(all[i], lang) != 0)
			continue;
		if (t->stem[i] == NULL && !t->failed[i] &&
		    (t->stem[i] = sb_stemmer_new(algorithms[i], "UTF_8")) == NULL)
			t->failed[i] = TRUE;
		return t->stem[i];
	}
	return NULL;
}

/* Add word W (lower case) as a term of OUT. */
static void
add_word(terms_ctx *t, struct sb_stemmer *sb, const char *lang, GString *w, gboolean digits_only, GPtrArray *out,
	 GHashTable *surface)
{
	char *term;
	glong chars = g_utf8_strlen(w->str, -1);

	if (chars < 2 || chars > WORD_MAX || digits_only || lang_stopword(lang, w->str))
		return;
	if (sb != NULL) {
		const sb_symbol *s = sb_stemmer_stem(sb, (const sb_symbol *)w->str, (int)w->len);

		term = s != NULL ? g_strndup((const char *)s, sb_stemmer_length(sb)) : g_strdup(w->str);
	} else
		term = g_strdup(w->str);
	(void)t;
	if (surface != NULL && !g_hash_table_contains(surface, term))
		g_hash_table_insert(surface, g_strdup(term), g_strdup(w->str));
	g_ptr_array_add(out, term);
}

void
terms_of(terms_ctx *t, const char *lang, const char *text, guint max, GPtrArray *out, GHashTable *surface)
{
	struct sb_stemmer *sb = stemmer_of(t, lang);
	GString *w = g_string_new(NULL);
	gboolean digits = TRUE;
	const char *p = text != NULL ? text : "", *next;

	for (; out->len < max; p = next) {
		gunichar ch = *p ? g_utf8_get_char_validated(p, -1) : 0;
		next = p + 1;

		if (ch == (gunichar)-1 || ch == (gunichar)-2)
			ch = ' ';   /* an invalid byte: a space, stepped over alone */
		else if (ch != 0)
			next = g_utf8_next_char(p);
		if (ch != 0 && g_unichar_isalnum(ch)) {
			g_string_append_unichar(w, g_unichar_tolower(ch));
			digits = digits && g_unichar_isdigit(ch);
		} else if (w->len > 0) {
			add_word(t, sb, lang, w, digits, out, surface);
			g_string_truncate(w, 0);
			digits = TRUE;
		}
		if (*p == '\0')
			break;
	}
	g_string_free(w, TRUE);
}
