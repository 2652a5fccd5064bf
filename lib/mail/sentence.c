/* sentence.c: sentence boundaries in one pass over UTF-8 text. The rules
 * are the few that hold in English, German and French mail: terminal
 * punctuation before white space, blank lines, and the '.' that ends no
 * sentence (abbreviations, initials, German ordinals, a lower-case word
 * after it). */
#include <string.h>

#include "sentence.h"

/* Abbreviations that end in '.', lower case, without their last '.'. */
static const char *const abbrevs[] = {
	"e.g", "i.e", "mr", "mrs", "ms", "dr", "prof", "vs", "approx", "incl", "ref", "fig",
	"z.b", "d.h", "u.a", "bzw", "ca", "usw", "ggf", "evtl", "inkl", "nr", "str", "tel", "vgl", "sog", "u.u",
	"mme", "mlle", "m", "cf", "p.ex", "env", NULL,
};

static gboolean
space(const char *p)
{
	return *p == ' ' || *p == '\t' || *p == '\n' || strncmp(p, "\xc2\xa0", 2) == 0;
}

/* Bytes of the closing quote or bracket at P, else 0. */
static gsize
closer(const char *p)
{
	static const char *const c[] = { "\"", "'", ")", "]", "\xc2\xbb" /* » */, "\xe2\x80\x9d" /* ” */,
					 "\xe2\x80\x99" /* ’ */, "\xe2\x80\x9c" /* “ */, NULL };

	for (guint i = 0; c[i] != NULL; i++)
		if (strncmp(p, c[i], strlen(c[i])) == 0)
			return strlen(c[i]);
	return 0;
}

/* Bytes of the terminal mark at P ('.', '!', '?', '…'), else 0. */
static gsize
terminal(const char *p)
{
	if (*p == '.' || *p == '!' || *p == '?')
		return 1;
	if (strncmp(p, "\xe2\x80\xa6", 3) == 0)
		return 3;
	return 0;
}

/* Whether P starts a German month's name (after an ordinal: "am 3. Mai"). */
static gboolean
month(const char *p)
{
	static const char *const m[] = { "Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt",
					 "Nov", "Dez", "Jän", NULL };

	for (guint i = 0; m[i] != NULL; i++)
		if (strncmp(p, m[i], strlen(m[i])) == 0)
			return TRUE;
	return FALSE;
}

/* Whether the '.' at DOT (in START..) follows a word that it does not end. */
static gboolean
dot_continues(const char *start, const char *dot, const char *next)
{
	const char *w = dot;
	char *low;
	gboolean abbrev = FALSE, digits = TRUE;
	gsize len;

	while (w > start && !space(w - 1) && w[-1] != '(' && w[-1] != '"')
		w--;
	len = (gsize)(dot - w);
	if (len == 0)
		return FALSE;
	for (gsize i = 0; i < len; i++)
		digits = digits && g_ascii_isdigit(w[i]);
	if (digits && len <= 2 && month(next))
		return TRUE;    /* am 3. November */
	if (len == 1 && g_ascii_isupper(*w))
		return TRUE;    /* J. Smith */
	low = g_ascii_strdown(w, (gssize)len);
	for (guint i = 0; abbrevs[i] != NULL && !abbrev; i++)
		abbrev = strcmp(low, abbrevs[i]) == 0;
	g_free(low);
	if (abbrev)
		return TRUE;
	/* "approx. five": a lower-case word after it */
	return *next != '\0' && g_unichar_islower(g_utf8_get_char(next));
}

/* Whether START..NL, all of a sentence so far and one line, is a
 * salutation or a closing ("Hi Ann,", "Best regards,"): four words at
 * most, ending in ','. Its line break ends it, so that the name under a
 * closing, or the request under a greeting, is a sentence of its own. */
static gboolean
salutation(const char *start, const char *nl)
{
	const char *e = nl;
	guint words = 0;
	gboolean in = FALSE;

	while (start < nl && (*start == ' ' || *start == '\t' || *start == '\n'))
		start++;
	while (e > start && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (e == start || e[-1] != ',' || memchr(start, '\n', (gsize)(nl - start)) != NULL)
		return FALSE;
	for (const char *p = start; p < e; p++) {
		gboolean sp = *p == ' ' || *p == '\t';

		words += !sp && !in;
		in = !sp;
	}
	return words <= 4;
}

/* Append TEXT[A..B) trimmed to OUT, if anything is left. */
static void
add(GArray *out, const char *text, const char *a, const char *b)
{
	text_span s;

	while (a < b && space(a))
		a += strncmp(a, "\xc2\xa0", 2) == 0 ? 2 : 1;
	while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\n' || (b - a >= 2 && strncmp(b - 2, "\xc2\xa0", 2) == 0)))
		b -= b[-1] == '\xa0' ? 2 : 1;
	if (b <= a)
		return;
	s.start = (gsize)(a - text);
	s.len = (gsize)(b - a);
	g_array_append_val(out, s);
}

GArray *
sentence_split(const char *text, text_span span, guint max)
{
	GArray *out = g_array_new(FALSE, FALSE, sizeof(text_span));
	const char *p = text + span.start, *end = p + span.len, *start = p;

	while (p < end && (max == 0 || out->len < max)) {
		gsize t = terminal(p);

		if (*p == '\n') {   /* a blank line ends a sentence */
			const char *q = p + 1;

			while (q < end && (*q == ' ' || *q == '\t'))
				q++;
			if ((q < end && *q == '\n') || salutation(start, p)) {
				add(out, text, start, p);
				start = p = q;
				continue;
			}
			p++;
			continue;
		}
		if (t == 0) {
			p++;
			continue;
		}
		{
			const char *mark = p, *q = p;
			gboolean dots_only = TRUE;

			while (q < end && (t = terminal(q)) != 0) {
				dots_only = dots_only && *q == '.';
				q += t;
			}
			while (q < end && closer(q) != 0)
				q += closer(q);
			if (q < end && !space(q)) {   /* "3.5", "example.org", "?!x" */
				p = q;
				continue;
			}
			{
				const char *next = q;

				while (next < end && space(next))
					next += strncmp(next, "\xc2\xa0", 2) == 0 ? 2 : 1;
				if (dots_only && q - mark == 1 && dot_continues(start, mark, next < end ? next : "")) {
					p = q;
					continue;
				}
			}
			add(out, text, start, q);
			start = p = q;
		}
	}
	if (max == 0 || out->len < max)
		add(out, text, start, end);
	return out;
}

gboolean
sentence_is_question(const char *text, text_span s)
{
	const char *a = text + s.start, *b = a + s.len;

	while (b > a) {
		if (b[-1] == '!' || b[-1] == ' ') {
			b--;
			continue;
		}
		if (b[-1] == '?')
			return TRUE;
		/* a closing quote or bracket: step back over its bytes */
		if (b[-1] == '"' || b[-1] == '\'' || b[-1] == ')' || b[-1] == ']') {
			b--;
			continue;
		}
		if (b - a >= 2 && (strncmp(b - 2, "\xc2\xbb", 2) == 0 || strncmp(b - 2, "\xc2\xa0", 2) == 0)) {
			b -= 2;
			continue;
		}
		if (b - a >= 3 && (strncmp(b - 3, "\xe2\x80\x9d", 3) == 0 || strncmp(b - 3, "\xe2\x80\x99", 3) == 0)) {
			b -= 3;
			continue;
		}
		return b - a >= 3 && strncmp(b - 3, "\xef\xbc\x9f", 3) == 0;  /* a full-width question mark */
	}
	return FALSE;
}

gboolean
sentence_is_statement(const char *text, text_span s)
{
	const char *a = text + s.start, *b = a + s.len;
	guint words = 0;
	gboolean in = FALSE;

	if (s.len == 0 || b[-1] == ',' || b[-1] == ':')
		return FALSE;
	for (const char *p = a; p < b; p++) {
		gboolean sp = *p == ' ' || *p == '\n' || *p == '\t';

		words += !sp && !in;
		in = !sp;
	}
	return words >= 3;
}
