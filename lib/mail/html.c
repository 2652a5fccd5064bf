/* html.c: HTML mail bodies as plain text (see html.h), in one linear pass. */
#include <string.h>

#include "html.h"

#define MAX_TAG_NAME 16
#define NOT_REF G_MAXUINT32   /* char_ref: not a character reference */

typedef enum { T_OTHER, T_BR, T_PARA, T_BLOCK, T_LI, T_CELL, T_PRE, T_A, T_RAW, T_HEAD } tag_kind;

static const struct {
	const char *name;
	tag_kind kind;
} tags[] = {
	{ "br", T_BR }, { "p", T_PARA }, { "h1", T_PARA }, { "h2", T_PARA },
	{ "h3", T_PARA }, { "h4", T_PARA }, { "h5", T_PARA }, { "h6", T_PARA },
	{ "blockquote", T_PARA }, { "div", T_BLOCK }, { "tr", T_BLOCK },
	{ "table", T_BLOCK }, { "ul", T_BLOCK }, { "ol", T_BLOCK }, { "dl", T_BLOCK },
	{ "dt", T_BLOCK }, { "dd", T_BLOCK }, { "hr", T_BLOCK }, { "center", T_BLOCK },
	{ "section", T_BLOCK }, { "article", T_BLOCK }, { "header", T_BLOCK },
	{ "footer", T_BLOCK }, { "nav", T_BLOCK }, { "aside", T_BLOCK }, { "main", T_BLOCK },
	{ "address", T_BLOCK }, { "figure", T_BLOCK }, { "figcaption", T_BLOCK },
	{ "form", T_BLOCK }, { "fieldset", T_BLOCK }, { "caption", T_BLOCK },
	{ "li", T_LI }, { "td", T_CELL }, { "th", T_CELL }, { "pre", T_PRE }, { "a", T_A },
	{ "script", T_RAW }, { "style", T_RAW }, { "title", T_RAW }, { "template", T_RAW },
	{ "head", T_HEAD },
};

/* Named character references we decode; 0 stands for nothing. */
static const struct {
	const char *name;
	gunichar c;
} named[] = {
	{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' }, { "apos", '\'' },
	{ "nbsp", ' ' }, { "ensp", ' ' }, { "emsp", ' ' }, { "thinsp", ' ' },
	{ "shy", 0 }, { "zwnj", 0 }, { "zwj", 0 }, { "lrm", 0 }, { "rlm", 0 },
	{ "copy", 0xA9 }, { "reg", 0xAE }, { "trade", 0x2122 }, { "hellip", 0x2026 },
	{ "mdash", 0x2014 }, { "ndash", 0x2013 }, { "minus", 0x2212 },
	{ "lsquo", 0x2018 }, { "rsquo", 0x2019 }, { "sbquo", 0x201A },
	{ "ldquo", 0x201C }, { "rdquo", 0x201D }, { "bdquo", 0x201E },
	{ "laquo", 0xAB }, { "raquo", 0xBB }, { "lsaquo", 0x2039 }, { "rsaquo", 0x203A },
	{ "bull", 0x2022 }, { "middot", 0xB7 }, { "dagger", 0x2020 }, { "Dagger", 0x2021 },
	{ "euro", 0x20AC }, { "pound", 0xA3 }, { "yen", 0xA5 }, { "cent", 0xA2 },
	{ "curren", 0xA4 }, { "sect", 0xA7 }, { "para", 0xB6 }, { "deg", 0xB0 },
	{ "plusmn", 0xB1 }, { "micro", 0xB5 }, { "iexcl", 0xA1 }, { "iquest", 0xBF },
	{ "ordf", 0xAA }, { "ordm", 0xBA }, { "sup1", 0xB9 }, { "sup2", 0xB2 },
	{ "sup3", 0xB3 }, { "frac14", 0xBC }, { "frac12", 0xBD }, { "frac34", 0xBE },
	{ "not", 0xAC }, { "uml", 0xA8 }, { "acute", 0xB4 }, { "cedil", 0xB8 },
	{ "macr", 0xAF }, { "brvbar", 0xA6 }, { "larr", 0x2190 }, { "rarr", 0x2192 },
	{ "uarr", 0x2191 }, { "darr", 0x2193 }, { "OElig", 0x152 }, { "oelig", 0x153 },
	{ "Scaron", 0x160 }, { "scaron", 0x161 }, { "Yuml", 0x178 },
};

/* Names of U+00C0 .. U+00FF. */
static const char *const latin1_names[64] = {
	"Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig", "Ccedil",
	"Egrave", "Eacute", "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml",
	"ETH", "Ntilde", "Ograve", "Oacute", "Ocirc", "Otilde", "Ouml", "times",
	"Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute", "THORN", "szlig",
	"agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil",
	"egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml",
	"eth", "ntilde", "ograve", "oacute", "ocirc", "otilde", "ouml", "divide",
	"oslash", "ugrave", "uacute", "ucirc", "uuml", "yacute", "thorn", "yuml",
};

/* What &#128; to &#159; mean in HTML: windows-1252. */
static const gunichar cp1252[32] = {
	0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
	0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
};

typedef struct conv {
	const char *p, *end;  /* the input still to read */
	GString *out;
	int need_nl;          /* newlines out must end with before more text (0-2) */
	gboolean space;       /* whitespace seen since the last text */
	int pre;              /* depth of open <pre> */
	const char *prefix;   /* owed before the next text: "- " of an li */
	char *href;           /* URL of the open <a>, or NULL */
	gsize link_start;     /* out->len when that <a> opened */
	gboolean head_seen;   /* later <head> tags are ignored */
} conv;

static gboolean
is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

/* The character named by the N bytes at S, 0 for nothing, or NOT_REF. */
static gunichar
named_char(const char *s, gsize n)
{
	for (gsize i = 0; i < G_N_ELEMENTS(named); i++)
		if (strlen(named[i].name) == n && memcmp(named[i].name, s, n) == 0)
			return named[i].c;
	for (gsize i = 0; i < G_N_ELEMENTS(latin1_names); i++)
		if (strlen(latin1_names[i]) == n && memcmp(latin1_names[i], s, n) == 0)
			return 0xC0 + (gunichar)i;
	return NOT_REF;
}

/* The character a numeric reference to V stands for, as browsers read it. */
static gunichar
numeric_char(guint64 v)
{
	if (v >= 0x80 && v <= 0x9F)
		return cp1252[v - 0x80];
	if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0xFFFD;
	if ((v < 0x20 && v != '\t' && v != '\n' && v != '\r') || v == 0x7F)
		return 0xFFFD;
	return (gunichar)v;
}

/* The numeric reference after "&#" at S (N bytes): stores its character in
 * *C, returns the bytes of digits it takes (0: none). */
static gsize
numeric_ref(const char *s, gsize n, gunichar *c)
{
	gboolean hex = n > 0 && (s[0] == 'x' || s[0] == 'X');
	gsize i = hex ? 1 : 0, start = i;
	guint64 v = 0;

	for (; i < n && (hex ? g_ascii_isxdigit(s[i]) : g_ascii_isdigit(s[i])); i++)
		if (v <= 0x10FFFF)
			v = v * (hex ? 16 : 10) + (hex ? g_ascii_xdigit_value(s[i]) : s[i] - '0');
	if (i == start)
		return 0;
	*c = numeric_char(v);
	return i;
}

/* The character reference at S (S[0] == '&', N bytes available): stores
 * its character in *C (0 for nothing) and returns the bytes it takes, or
 * returns 0 when S does not start one. */
static gsize
char_ref(const char *s, gsize n, gunichar *c)
{
	gsize i = 1, start;

	if (i < n && s[i] == '#') {
		gsize digits = numeric_ref(s + 2, n - 2, c);

		if (digits == 0)
			return 0;
		i = 2 + digits;
	} else {
		for (start = i; i < n && i - start < 8 && g_ascii_isalnum(s[i]); i++)
			;
		*c = named_char(s + start, i - start);
		if (*c == NOT_REF)
			return 0;
	}
	if (i < n && s[i] == ';')
		i++;
	return i;
}

static int
trailing_newlines(const GString *s)
{
	int n = 0;

	while (n < 2 && (gsize)n < s->len && s->str[s->len - 1 - n] == '\n')
		n++;
	return n;
}

/* Pays the line breaks, space and prefix owed before more text. */
static void
flush(conv *c)
{
	if (c->out->len > 0) {
		for (int n = trailing_newlines(c->out); n < c->need_nl; n++)
			g_string_append_c(c->out, '\n');
		if (c->need_nl == 0 && c->space && c->out->str[c->out->len - 1] != '\n')
			g_string_append_c(c->out, ' ');
	}
	if (c->prefix != NULL)
		g_string_append(c->out, c->prefix);
	c->need_nl = 0;
	c->space = FALSE;
	c->prefix = NULL;
}

/* Document text (or a decoded reference): whitespace collapses to one
 * space outside <pre>; NUL bytes and, in <pre>, CR are dropped. */
static void
emit_text(conv *c, const char *s, gsize n)
{
	gsize i = 0, run;

	while (i < n) {
		if (s[i] == '\0' || (s[i] == '\r' && c->pre > 0)) {
			i++;
		} else if (is_ws(s[i])) {
			if (c->pre > 0) {
				flush(c);
				g_string_append_c(c->out, s[i]);
			} else {
				c->space = TRUE;
			}
			i++;
		} else {
			for (run = i; run < n && s[run] != '\0' && !is_ws(s[run]); run++)
				;
			flush(c);
			g_string_append_len(c->out, s + i, run - i);
			i = run;
		}
	}
}

/* The first NEEDLE at or after S, or END. */
static const char *
find(const char *s, const char *end, const char *needle)
{
	gsize n = strlen(needle);

	for (; (s = memchr(s, needle[0], end - s)) != NULL; s++)
		if ((gsize)(end - s) >= n && memcmp(s, needle, n) == 0)
			return s;
	return end;
}

/* Just past the first NEEDLE at or after S, or END. */
static const char *
skip_past(const char *s, const char *end, const char *needle)
{
	s = find(s, end, needle);
	return s == end ? end : s + strlen(needle);
}

/* Moves past the "</NAME ...>" that ends a raw text element (script,
 * style, title; head). When there is none: to the end if TO_END, else
 * nowhere. */
static void
skip_raw(conv *c, const char *name, gboolean to_end)
{
	gsize n = strlen(name);

	for (const char *s = c->p; (s = memchr(s, '<', c->end - s)) != NULL; s++) {
		if ((gsize)(c->end - s) < n + 2 || s[1] != '/' ||
		    g_ascii_strncasecmp(s + 2, name, n) != 0)
			continue;
		if (s + 2 + n == c->end || !g_ascii_isalnum(s[2 + n])) {
			c->p = skip_past(s, c->end, ">");
			return;
		}
	}
	if (to_end)
		c->p = c->end;
}

static const char *
skip_ws(const char *s, const char *end)
{
	while (s < end && is_ws(*s))
		s++;
	return s;
}

/* An attribute value at S: sets *VAL and *LEN, returns what follows. */
static const char *
attr_value(const char *s, const char *end, const char **val, gsize *len)
{
	const char *q;

	if (s < end && (*s == '"' || *s == '\'')) {
		q = memchr(s + 1, *s, end - s - 1);
		*val = s + 1;
		*len = (q != NULL ? q : end) - *val;
		return q != NULL ? q + 1 : end;
	}
	for (*val = s; s < end && !is_ws(*s) && *s != '>'; s++)
		;
	*len = s - *val;
	return s;
}

/* An href value as a URL: references decoded, line breaks, tabs and NULs
 * dropped, surrounding spaces stripped. Caller g_free()s. */
static char *
decode_url(const char *s, gsize n)
{
	GString *url = g_string_sized_new(n);
	gunichar ch;
	gsize used;

	for (gsize i = 0; i < n; i++) {
		if (s[i] == '&' && (used = char_ref(s + i, n - i, &ch)) > 0) {
			if (ch != 0)
				g_string_append_unichar(url, ch);
			i += used - 1;
		} else if (s[i] != '\n' && s[i] != '\r' && s[i] != '\t' && s[i] != '\0') {
			g_string_append_c(url, s[i]);
		}
	}
	return g_strstrip(g_string_free(url, FALSE));
}

/* Reads the attributes of a tag from S to its '>'; when HREF is not NULL,
 * stores the first href there. Returns what follows the tag. */
static const char *
attributes(const char *s, const char *end, char **href)
{
	while (s < end && *s != '>') {
		const char *name = s, *val = NULL;
		gsize vlen = 0;
		gboolean wanted;

		if (is_ws(*s) || *s == '/') {
			s++;
			continue;
		}
		while (s < end && !is_ws(*s) && *s != '=' && *s != '>' && *s != '/')
			s++;
		if (s == name)
			s++;  /* a stray '=' */
		wanted = href != NULL && *href == NULL && s - name == 4 &&
			 g_ascii_strncasecmp(name, "href", 4) == 0;
		s = skip_ws(s, end);
		if (s < end && *s == '=')
			s = attr_value(skip_ws(s + 1, end), end, &val, &vlen);
		if (wanted && val != NULL)
			*href = decode_url(val, vlen);
	}
	return s < end ? s + 1 : end;
}

/* Whether a link's text (N bytes at TEXT) already says its URL. */
static gboolean
text_says_url(const char *text, gsize n, const char *url)
{
	gsize u;

	while (n > 0 && is_ws(*text))
		text++, n--;
	while (n > 0 && is_ws(text[n - 1]))
		n--;
	if (g_ascii_strncasecmp(url, "mailto:", 7) == 0)
		url += 7;
	u = strlen(url);
	if (u > 0 && url[u - 1] == '/' && n == u - 1)
		u--;
	return n == u && memcmp(text, url, n) == 0;
}

static gboolean
url_worth_showing(const char *url)
{
	return *url != '\0' && *url != '#' && g_ascii_strncasecmp(url, "javascript:", 11) != 0 &&
	       g_ascii_strncasecmp(url, "data:", 5) != 0;
}

/* At </a>: " <URL>" after the link text, unless the text says it. */
static void
link_end(conv *c)
{
	const char *text = c->out->str + c->link_start;
	gsize n = c->out->len - c->link_start;

	if (c->href != NULL && url_worth_showing(c->href) && !text_says_url(text, n, c->href)) {
		if (n == 0)
			flush(c);
		else
			g_string_append_c(c->out, ' ');
		g_string_append_printf(c->out, "<%s>", c->href);
	}
	g_free(c->href);
	c->href = NULL;
}

static tag_kind
kind_of(const char *name)
{
	for (gsize i = 0; i < G_N_ELEMENTS(tags); i++)
		if (strcmp(tags[i].name, name) == 0)
			return tags[i].kind;
	return T_OTHER;
}

/* Acts on a tag; takes HREF (an <a>'s URL or NULL). */
static void
on_tag_kind(conv *c, tag_kind k, const char *name, gboolean closing, char *href)
{
	switch (k) {
	case T_BR:
		c->need_nl = MIN(MAX(c->need_nl, trailing_newlines(c->out)) + 1, 2);
		break;
	case T_PARA:
		c->need_nl = MAX(c->need_nl, 2);
		break;
	case T_LI:
		c->prefix = closing ? c->prefix : "- ";
		/* fall through */
	case T_BLOCK:
		c->need_nl = MAX(c->need_nl, 1);
		break;
	case T_CELL:
		c->space = TRUE;
		break;
	case T_PRE:
		c->need_nl = MAX(c->need_nl, 1);
		c->pre = closing ? MAX(c->pre - 1, 0) : c->pre + 1;
		break;
	case T_A:
		if (closing) {
			link_end(c);
		} else {
			g_free(c->href);
			c->href = g_steal_pointer(&href);
			c->link_start = c->out->len;
		}
		break;
	case T_RAW:
		if (!closing)
			skip_raw(c, name, TRUE);
		break;
	case T_HEAD:
		if (!closing && !c->head_seen)
			skip_raw(c, name, FALSE);
		c->head_seen = TRUE;
		break;
	case T_OTHER:
		break;
	}
	g_free(href);
}

/* At '<' and a letter, or "</" and a letter: reads the tag, acts on it. */
static void
on_tag(conv *c)
{
	gboolean closing = c->p[1] == '/';
	const char *s = c->p + (closing ? 2 : 1);
	char name[MAX_TAG_NAME + 1];
	gsize n = 0;
	tag_kind k;
	char *href = NULL;

	for (; s < c->end && (g_ascii_isalnum(*s) || *s == '-' || *s == ':'); s++)
		if (n < MAX_TAG_NAME)
			name[n++] = g_ascii_tolower(*s);
	name[n] = '\0';
	k = kind_of(name);
	c->p = attributes(s, c->end, k == T_A && !closing ? &href : NULL);
	on_tag_kind(c, k, name, closing, href);
}

static void
on_lt(conv *c)
{
	const char *s = c->p + 1, *end = c->end;

	if (s < end && g_ascii_isalpha(*s))
		on_tag(c);
	else if (end - s >= 2 && *s == '/' && g_ascii_isalpha(s[1]))
		on_tag(c);
	else if (end - s >= 3 && memcmp(s, "!--", 3) == 0)
		c->p = skip_past(s + 3, end, "-->");
	else if (s < end && (*s == '!' || *s == '?' || *s == '/'))
		c->p = skip_past(s, end, ">");
	else {
		emit_text(c, "<", 1);
		c->p++;
	}
}

static void
on_amp(conv *c)
{
	gunichar ch = 0;
	gsize used = char_ref(c->p, c->end - c->p, &ch);
	char buf[8];

	if (used == 0) {
		emit_text(c, "&", 1);
		c->p++;
		return;
	}
	if (ch != 0)
		emit_text(c, buf, g_unichar_to_utf8(ch, buf));
	c->p += used;
}

static void
on_text(conv *c)
{
	const char *s = c->p;

	while (s < c->end && *s != '<' && *s != '&')
		s++;
	emit_text(c, c->p, s - c->p);
	c->p = s;
}

/* OUT without surrounding whitespace, as valid UTF-8; frees OUT. */
static char *
finish(GString *out)
{
	char *s;

	while (out->len > 0 && is_ws(out->str[out->len - 1]))
		g_string_truncate(out, out->len - 1);
	s = g_strchug(g_string_free(out, FALSE));
	if (!g_utf8_validate(s, -1, NULL)) {
		char *valid = g_utf8_make_valid(s, -1);

		g_free(s);
		s = valid;
	}
	return s;
}

char *
html_to_text(const char *html, gsize len)
{
	conv c = { 0 };

	if (html == NULL) {
		html = "";
		len = 0;
	}
	c.p = html;
	c.end = html + len;
	c.out = g_string_sized_new(MIN(len, 65536) + 1);
	while (c.p < c.end) {
		if (*c.p == '<')
			on_lt(&c);
		else if (*c.p == '&')
			on_amp(&c);
		else
			on_text(&c);
	}
	g_free(c.href);
	return finish(c.out);
}
