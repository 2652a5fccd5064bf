/* quote.c: the sender's own words of a rendered body. A line-by-line pass:
 * quoted lines and attribution lines go, and from a signature separator or
 * the start of a quoted or forwarded message (as Outlook, Thunderbird,
 * Gmail and Apple Mail write them in English, German and French) nothing
 * more is the sender's. What is kept is kept as it is, in runs of whole
 * lines, so that a sentence of it is a sentence of the message. */
#include <string.h>

#include "quote.h"

/* Lines that start what is not the sender's any more, to the end. */
static const char *const cut_prefixes[] = {
	"-----Original Message", "-----Ursprüngliche Nachricht", "-----Message d'origine",
	"-------- Original Message", "-------- Ursprüngliche Nachricht", "-------- Message d'origine",
	"---------- Forwarded message", "-------- Weitergeleitete Nachricht", "-------- Message transféré",
	"Begin forwarded message:", "Anfang der weitergeleiteten Nachricht:", "Début du message réexpédié :",
	NULL,
};
/* An Outlook header block: a From line, then one of these within 3 lines. */
static const char *const from_heads[] = { "From:", "Von:", "De :", "De:", NULL };
static const char *const sent_heads[] = { "Sent:", "Date:", "Gesendet:", "Datum:", "Envoyé :", "Envoyé:", NULL };
/* A phone's signature line. */
static const char *const sent_from[] = { "Sent from my ", "Von meinem ", "Gesendet von meinem ", "Envoyé de mon ",
					 NULL };
/* How an attribution line ends, and how one folded over two lines starts. */
static const char *const wrote_ends[] = { "wrote:", "writes:", "schrieb:", "a écrit :", "a écrit:",
					  "a écrit\xc2\xa0:", /* a no-break space, as French has it */
					  NULL };
static const char *const wrote_starts[] = { "On ", "Am ", "Le ", NULL };
static const char *const colon[] = { ":", NULL };

typedef struct line {
	const char *p;
	gsize len;        /* without the newline */
} line;

static gboolean
has_prefix_in(const char *p, gsize len, const char *const *list)
{
	for (; *list != NULL; list++) {
		gsize n = strlen(*list);

		if (len >= n && strncmp(p, *list, n) == 0)
			return TRUE;
	}
	return FALSE;
}

static gboolean
has_suffix_in(const char *p, gsize len, const char *const *list)
{
	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	for (; *list != NULL; list++) {
		gsize n = strlen(*list);

		if (len >= n && strncmp(p + len - n, *list, n) == 0)
			return TRUE;
	}
	return FALSE;
}

/* The line without leading blanks. */
static line
lstrip(line l)
{
	while (l.len > 0 && (*l.p == ' ' || *l.p == '\t')) {
		l.p++;
		l.len--;
	}
	return l;
}

static gboolean
blank(line l)
{
	return lstrip(l).len == 0;
}

static gboolean
quoted(line l)
{
	l = lstrip(l);
	return l.len > 0 && *l.p == '>';
}

static gboolean
sig_separator(line l)
{
	return (l.len == 3 && strncmp(l.p, "-- ", 3) == 0) || (l.len == 2 && strncmp(l.p, "--", 2) == 0);
}

/* Whether lines L[I..] start a quoted or forwarded message. */
static gboolean
starts_cut(const line *l, guint i, guint n)
{
	line s = lstrip(l[i]);
	gsize u = 0;

	if (has_prefix_in(s.p, s.len, cut_prefixes))
		return TRUE;
	while (u < s.len && s.p[u] == '_')
		u++;
	if (u >= 20 && u == s.len) {  /* Outlook's rule, then its header block */
		for (guint k = i + 1; k < n && k <= i + 2; k++)
			if (has_prefix_in(lstrip(l[k]).p, lstrip(l[k]).len, from_heads))
				return TRUE;
	}
	if (!has_prefix_in(s.p, s.len, from_heads))
		return FALSE;
	for (guint k = i + 1; k < n && k <= i + 3; k++)
		if (has_prefix_in(lstrip(l[k]).p, lstrip(l[k]).len, sent_heads))
			return TRUE;
	return FALSE;
}

/* Whether line I is an attribution: it ends as one and either starts as
 * one or comes before quoted lines (blank lines between allowed). */
static gboolean
attribution(const line *l, guint i, guint n)
{
	line s = lstrip(l[i]);
	guint k = i + 1;

	if (!has_suffix_in(s.p, s.len, wrote_ends)) {
		/* "Am 03.11.2026 um 10:00 schrieb Support <support@helpdesk.test>:" */
		char *line = g_strndup(s.p, s.len);
		gboolean yes = has_prefix_in(s.p, s.len, wrote_starts) && has_suffix_in(s.p, s.len, colon) &&
			       (strstr(line, " wrote ") != NULL || strstr(line, " schrieb ") != NULL ||
				strstr(line, " a écrit ") != NULL);

		g_free(line);
		return yes;
	}
	if (has_prefix_in(s.p, s.len, wrote_starts))
		return TRUE;
	while (k < n && blank(l[k]))
		k++;
	return k < n && quoted(l[k]);
}

GArray *
quote_own_spans(const char *text)
{
	GArray *lines = g_array_new(FALSE, FALSE, sizeof(line));
	GArray *spans = g_array_new(FALSE, FALSE, sizeof(text_span));
	gboolean *keep;
	const char *p = text != NULL ? text : "";
	const line *l;
	guint n;

	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		line x = { p, nl != NULL ? (gsize)(nl - p) : strlen(p) };

		g_array_append_val(lines, x);
		p += x.len + (nl != NULL);
	}
	l = (const line *)lines->data;
	n = lines->len;
	keep = g_new0(gboolean, n + 1);
	for (guint i = 0; i < n; i++) {
		line s = lstrip(l[i]);

		if (sig_separator(l[i]) || starts_cut(l, i, n))
			break;
		if (blank(l[i]) || quoted(l[i]) || has_prefix_in(s.p, s.len, sent_from))
			continue;
		if (attribution(l, i, n)) {
			/* folded: "On Tue, 3 Nov 2026, Ann <ann@example.org>" / "wrote:" */
			line prev = i > 0 ? lstrip(l[i - 1]) : (line){ "", 0 };

			if (i > 0 && keep[i - 1] && !has_prefix_in(s.p, s.len, wrote_starts) &&
			    has_prefix_in(prev.p, prev.len, wrote_starts))
				keep[i - 1] = FALSE;
			continue;
		}
		keep[i] = TRUE;
	}
	for (guint i = 0; i < n; i++) {
		guint j = i;
		text_span sp;

		if (!keep[i])
			continue;
		while (j + 1 < n && keep[j + 1])
			j++;
		sp.start = (gsize)(l[i].p - text);
		sp.len = (gsize)(l[j].p + l[j].len - l[i].p);
		g_array_append_val(spans, sp);
		i = j;
	}
	g_free(keep);
	g_array_unref(lines);
	return spans;
}

char *
quote_own_text(const char *text)
{
	GArray *spans = quote_own_spans(text);
	GString *out = g_string_new(NULL);

	for (guint i = 0; i < spans->len; i++) {
		const text_span *s = &g_array_index(spans, text_span, i);

		if (i > 0)
			g_string_append_c(out, '\n');
		g_string_append_len(out, text + s->start, s->len);
	}
	g_array_unref(spans);
	return g_string_free(out, FALSE);
}
