/* addr.c: split address lists on their raw structure, decode names after. */
#include <string.h>

#include "addr.h"
#include "facts.h"

void
addr_box_free(addr_box *b)
{
	if (b == NULL)
		return;
	g_free(b->addr);
	g_free(b->name);
	g_free(b);
}

const char *
addr_skip_cfws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '(') {
		if (*p != '(') {
			p++;
			continue;
		}
		for (int depth = 0; *p != '\0';) {
			if (*p == '\\' && p[1] != '\0')
				p += 2;
			else if (*p == '(')
				depth++, p++;
			else if (*p == ')' && --depth == 0) {
				p++;
				break;
			} else
				p++;
		}
	}
	return p;
}

/* The end of an RFC 2047 encoded-word at P ("=?cs?e?text?="), or NULL. */
static const char *
encoded_word(const char *p)
{
	const char *q = p + 2;

	if (p[0] != '=' || p[1] != '?')
		return NULL;
	while (*q != '\0' && *q != '?' && (guchar)*q > ' ')
		q++;
	if (*q != '?' || q == p + 2 || q[1] == '\0' || !strchr("bBqQ", q[1]) || q[2] != '?')
		return NULL;
	for (q += 3; *q != '\0' && *q != '?' && (guchar)*q > ' '; q++)
		;
	return q[0] == '?' && q[1] == '=' ? q + 2 : NULL;
}

/* The end of the quoted string at P (after its closing quote), or NULL. */
static const char *
quoted_end(const char *p)
{
	for (p++; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '"')
			return p + 1;
		else if (*p == '\r' || *p == '\n')
			continue;
	}
	return NULL;
}

static gboolean
atom_char(guchar c)
{
	return c > ' ' && c != 127 && !strchr("()<>[]:;@\\,.\"", c);
}

/* A local part as written (P..END, CFWS between its pieces dropped):
 * dot-atoms or quoted strings. NULL when it is neither. */
static char *
local_part(const char *p, const char *end)
{
	GString *out = g_string_new(NULL);

	while (p < end) {
		p = addr_skip_cfws(p);
		if (p >= end)
			break;
		if (*p == '"') {
			const char *q = quoted_end(p);

			if (q == NULL || q > end)
				goto bad;
			for (const char *c = p; c < q; c++)
				if (*c != '\r' && *c != '\n')
					g_string_append_c(out, *c);
			p = q;
		} else if (*p == '.' || atom_char((guchar)*p)) {
			g_string_append_c(out, *p++);
		} else {
			goto bad;
		}
	}
	if (out->len == 0)
		goto bad;
	return g_string_free(out, FALSE);
bad:
	g_string_free(out, TRUE);
	return NULL;
}

/* Whether UTF-8 S holds a C1 control (U+0080 to U+009F). */
static gboolean
has_c1(const char *s)
{
	for (; *s != '\0'; s = g_utf8_next_char(s))
		if (g_utf8_get_char(s) >= 0x80 && g_utf8_get_char(s) <= 0x9f)
			return TRUE;
	return FALSE;
}

/* The addr-spec in P..END (a source route before ':' dropped): the
 * local part as written, '@', the domain in lower case. NULL if none. */
static char *
addr_spec(const char *p, const char *end)
{
	const char *at = NULL, *c, *dstart, *dend;
	char *local, *domain, *spec;

	p = addr_skip_cfws(p);
	if (p < end && *p == '@') {  /* obs-route: @a,@b:local@domain */
		const char *colon = memchr(p, ':', end - p);

		if (colon == NULL)
			return NULL;
		p = colon + 1;
	}
	/* the last '@' outside quoted strings and comments */
	for (c = p; c < end;) {
		if (*c == '"') {
			if ((c = quoted_end(c)) == NULL)
				return NULL;
		} else if (*c == '(') {
			c = addr_skip_cfws(c);
		} else {
			if (*c == '@')
				at = c;
			c++;
		}
	}
	if (at == NULL || (local = local_part(p, at)) == NULL)
		return NULL;
	dstart = addr_skip_cfws(at + 1);
	for (dend = dstart; dend < end && (g_ascii_isalnum(*dend) || strchr(".-_[]:", *dend) != NULL ||
					   (guchar)*dend >= 0x80);
	     dend++)
		;
	if (dend == dstart || addr_skip_cfws(dend) < end) {
		g_free(local);
		return NULL;
	}
	domain = g_ascii_strdown(dstart, dend - dstart);
	spec = g_strconcat(local, "@", domain, NULL);
	g_free(local);
	g_free(domain);
	for (c = spec; *c != '\0'; c++)
		if ((guchar)*c < ' ' || *c == 127)
			break;
	if (*c != '\0' || strlen(spec) > ADDR_MAX || !g_utf8_validate(spec, -1, NULL) || has_c1(spec)) {
		g_free(spec);
		return NULL;
	}
	return spec;
}

/* A display name: decoded, control characters and line breaks made
 * spaces, runs of white space one space, at most ADDR_NAME_MAX bytes. */
static char *
display_name(const GString *phrase)
{
	char *dec = facts_decode_text(phrase->str, NULL);
	GString *out = g_string_new(NULL);
	gboolean space = FALSE;

	for (const char *c = dec; *c != '\0'; c = g_utf8_next_char(c)) {
		gunichar u = g_utf8_get_char(c);

		if (g_unichar_isspace(u) || g_unichar_iscntrl(u)) {
			space = out->len > 0;
			continue;
		}
		if (space)
			g_string_append_c(out, ' ');
		space = FALSE;
		if (out->len + 6 > ADDR_NAME_MAX)
			break;
		g_string_append_unichar(out, u);
	}
	g_free(dec);
	return g_string_free(out, FALSE);
}

/* Append the phrase token P..Q to PHRASE (quoted strings unquoted). */
static void
phrase_add(GString *phrase, const char *p, const char *q)
{
	if (phrase->len > 0)
		g_string_append_c(phrase, ' ');
	if (*p == '"') {
		for (p++, q--; p < q; p++) {
			if (*p == '\\' && p + 1 < q)
				p++;
			g_string_append_c(phrase, *p);
		}
	} else {
		g_string_append_len(phrase, p, q - p);
	}
}

/* One mailbox starting at P: *out its box (NULL: none there, or a group's
 * name; *bad when it does not parse), and where the list goes on (after
 * its ',', or at a ';' or the end). */
static const char *
one_mailbox(const char *p, addr_box **out, gboolean *bad)
{
	GString *phrase = g_string_new(NULL);
	const char *start = p, *angle = NULL, *angle_end = NULL;

	*out = NULL;
	*bad = FALSE;
	while (*(p = addr_skip_cfws(p)) != '\0' && *p != ',' && *p != ';') {
		const char *q;

		if (*p == '<' && angle == NULL) {
			for (q = p + 1; *q != '\0' && *q != '>';) {
				if (*q != '"')
					q++;
				else if ((q = quoted_end(q)) == NULL)
					goto bad;
			}
			if (*q != '>')
				goto bad;
			angle = p + 1;
			angle_end = q;
			p = q + 1;
		} else if (*p == ':' && angle == NULL) {
			/* a group's name: its members follow */
			g_string_free(phrase, TRUE);
			return p + 1;
		} else if (*p == '"') {
			if ((q = quoted_end(p)) == NULL)
				goto bad;
			phrase_add(phrase, p, q);
			p = q;
		} else if ((q = encoded_word(p)) != NULL) {
			phrase_add(phrase, p, q);
			p = q;
		} else if (angle != NULL) {
			goto bad;  /* nothing but comments after the angle-addr */
		} else {
			for (q = p; *q != '\0' && (atom_char((guchar)*q) || *q == '.' || *q == '@' || *q == '[' ||
						   *q == ']');
			     q++)
				;
			if (q == p)
				goto bad;
			phrase_add(phrase, p, q);
			p = q;
		}
	}
	if (angle != NULL || p > start) {
		char *spec = angle != NULL ? addr_spec(angle, angle_end) : addr_spec(start, p);

		if (spec == NULL)
			goto bad;
		*out = g_new0(addr_box, 1);
		(*out)->addr = spec;
		(*out)->name = angle != NULL ? display_name(phrase) : g_strdup("");
	}
	g_string_free(phrase, TRUE);
	return *p == ',' ? p + 1 : p;
bad:
	g_string_free(phrase, TRUE);
	/* skip to the next mailbox, quoted strings and angles whole */
	while (*p != '\0' && *p != ',' && *p != ';') {
		const char *q = *p == '"' ? quoted_end(p) : NULL;

		p = q != NULL ? q : p + 1;
	}
	*bad = TRUE;
	return *p == ',' ? p + 1 : p;
}

GPtrArray *
addr_parse(const char *raw, guint max, guint *bad)
{
	GPtrArray *list = g_ptr_array_new_with_free_func((GDestroyNotify)addr_box_free);
	const char *p = raw != NULL ? raw : "";
	guint nbad = 0;

	while (*(p = addr_skip_cfws(p)) != '\0' && list->len < max) {
		addr_box *b;
		gboolean is_bad;
		const char *next;

		if (*p == ',' || *p == ';') {
			p++;
			continue;
		}
		next = one_mailbox(p, &b, &is_bad);
		if (is_bad)
			nbad++;
		else if (b != NULL)
			g_ptr_array_add(list, b);
		if (next <= p)
			next = p + 1;
		p = next;
	}
	if (bad != NULL)
		*bad = nbad;
	return list;
}

char *
addr_canonical(const char *addr)
{
	const char *at = addr != NULL ? strrchr(addr, '@') : NULL;
	GString *local;
	char *out, *plus;
	gboolean plain = TRUE;

	if (at == NULL)
		return g_ascii_strdown(addr != NULL ? addr : "", -1);
	local = g_string_new(NULL);
	if (*addr == '"' && at > addr + 1 && at[-1] == '"') {
		for (const char *c = addr + 1; c < at - 1; c++) {
			if (*c == '\\' && c + 1 < at - 1)
				c++;
			if (!atom_char((guchar)*c) && *c != '.')
				plain = FALSE;
			g_string_append_c(local, *c);
		}
		if (!plain) {
			g_string_assign(local, "");
			g_string_append_len(local, addr, at - addr);
		}
	} else {
		g_string_append_len(local, addr, at - addr);
	}
	/* +detail (the MTA's recipient_delimiter) is the same mailbox */
	if (local->str[0] != '"' && (plus = strchr(local->str, '+')) != NULL && plus > local->str)
		g_string_truncate(local, plus - local->str);
	g_string_append(local, at);
	out = g_utf8_strdown(local->str, -1);
	g_string_free(local, TRUE);
	return out;
}

gboolean
addr_same(const char *a, const char *b)
{
	char *x, *y;
	gboolean same;

	if (a == NULL || b == NULL)
		return FALSE;
	x = addr_canonical(a);
	y = addr_canonical(b);
	same = strcmp(x, y) == 0;
	g_free(x);
	g_free(y);
	return same;
}
