/* authres.c: parse Authentication-Results (RFC 8601) and judge the From. */
#include <string.h>
#include <libpsl.h>

#include "addr.h"
#include "authres.h"

void
authres_result_free(authres_result *r)
{
	if (r == NULL)
		return;
	g_free(r->method);
	g_free(r->result);
	g_free(r->header_from);
	g_free(r->header_d);
	g_free(r->header_i);
	g_free(r->smtp_mailfrom);
	g_free(r);
}

/* Past the next ';' (or to the end), quoted strings and comments skipped. */
static const char *
skip_resinfo(const char *p)
{
	while (*p != '\0' && *p != ';') {
		if (*p == '(') {
			p = addr_skip_cfws(p);
		} else if (*p == '"') {
			for (p++; *p != '\0' && *p != '"'; p++)
				if (*p == '\\' && p[1] != '\0')
					p++;
			if (*p == '"')
				p++;
		} else {
			p++;
		}
	}
	return p;
}

/* A Keyword (letters, digits, '-', '_') at *P, lower case, bounded; NULL
 * when there is none. Moves *P past it. */
static char *
keyword(const char **p)
{
	const char *s = *p, *e = s;

	while (g_ascii_isalnum(*e) || *e == '-' || *e == '_')
		e++;
	*p = e;
	return e > s ? g_ascii_strdown(s, MIN(e - s, AUTHRES_MAX_TOKEN)) : NULL;
}

/* A value at *P: a quoted string (unescaped) or a run of anything but
 * white space, ';', quotes and parentheses; bounded, NULL when empty.
 * Moves *P past it. */
static char *
value(const char **p)
{
	GString *v = g_string_new(NULL);
	const char *s = *p;

	if (*s == '"') {
		for (s++; *s != '\0' && *s != '"'; s++) {
			if (*s == '\\' && s[1] != '\0')
				s++;
			if (v->len < AUTHRES_MAX_TOKEN)
				g_string_append_c(v, *s);
		}
		if (*s == '"')
			s++;
	} else {
		for (; *s != '\0' && !strchr(" \t\r\n;\"()", *s); s++)
			if (v->len < AUTHRES_MAX_TOKEN)
				g_string_append_c(v, *s);
	}
	*p = s;
	if (v->len == 0) {
		g_string_free(v, TRUE);
		return NULL;
	}
	return g_string_free(v, FALSE);
}

/* Keep V as property PTYPE.PROP of R when it is one the desk reads. */
static void
keep_property(authres_result *r, const char *ptype, const char *prop, char *v)
{
	char **field = NULL;

	if (strcmp(ptype, "header") == 0 && strcmp(prop, "from") == 0)
		field = &r->header_from;
	else if (strcmp(ptype, "header") == 0 && strcmp(prop, "d") == 0)
		field = &r->header_d;
	else if (strcmp(ptype, "header") == 0 && strcmp(prop, "i") == 0)
		field = &r->header_i;
	else if (strcmp(ptype, "smtp") == 0 && strcmp(prop, "mailfrom") == 0)
		field = &r->smtp_mailfrom;
	if (field != NULL && *field == NULL) {
		*field = g_ascii_strdown(v, -1);
		g_free(v);
	} else {
		g_free(v);
	}
}

/* The reason and properties after a methodspec, up to the next ';'. */
static const char *
properties(const char *p, authres_result *r)
{
	for (;;) {
		char *k, *prop;

		p = addr_skip_cfws(p);
		if (*p == '\0' || *p == ';')
			return p;
		if ((k = keyword(&p)) == NULL)
			return skip_resinfo(p);
		p = addr_skip_cfws(p);
		if (*p == '=') {
			/* reason=..., or a key=value of no registry (action=none) */
			p = addr_skip_cfws(p + 1);
			g_free(value(&p));
			g_free(k);
			continue;
		}
		if (*p != '.') {
			g_free(k);
			return skip_resinfo(p);
		}
		p = addr_skip_cfws(p + 1);
		prop = keyword(&p);
		p = addr_skip_cfws(p);
		if (prop == NULL || *p != '=') {
			g_free(k);
			g_free(prop);
			return skip_resinfo(p);
		}
		p = addr_skip_cfws(p + 1);
		keep_property(r, k, prop, value(&p));
		g_free(k);
		g_free(prop);
	}
}

/* One resinfo at P (after its ';'): "method[/v]=result ..." or "none".
 * Returns where it ends (at the next ';' or the end). */
static const char *
resinfo(const char *p, GPtrArray *results)
{
	authres_result *r;
	char *method, *result;

	p = addr_skip_cfws(p);
	if ((method = keyword(&p)) == NULL)
		return skip_resinfo(p);
	p = addr_skip_cfws(p);
	if (*p == '/') {
		p = addr_skip_cfws(p + 1);
		while (g_ascii_isdigit(*p))
			p++;
		p = addr_skip_cfws(p);
	}
	if (*p != '=') {
		g_free(method);  /* "none" (no result), or not a methodspec */
		return skip_resinfo(p);
	}
	p = addr_skip_cfws(p + 1);
	if ((result = keyword(&p)) == NULL) {
		g_free(method);
		return skip_resinfo(p);
	}
	r = g_new0(authres_result, 1);
	r->method = method;
	r->result = result;
	p = properties(p, r);
	if (results != NULL && results->len < AUTHRES_MAX_RESULTS)
		g_ptr_array_add(results, r);
	else
		authres_result_free(r);
	return p;
}

/* The authserv-id at the start of TEXT (and an optional version after
 * it); *rest gets where the resinfos start. NULL when there is none. */
static char *
authserv_id(const char *text, const char **rest)
{
	const char *p = addr_skip_cfws(text);
	char *id = value(&p), *low;

	if (id == NULL || strchr(id, '=') != NULL || strchr(id, ';') != NULL) {
		g_free(id);
		return NULL;  /* "spf=pass ...": a field without an authserv-id */
	}
	p = addr_skip_cfws(p);
	while (g_ascii_isdigit(*p))
		p++;
	*rest = p;
	low = g_ascii_strdown(id, -1);
	g_free(id);
	return low;
}

gboolean
authres_parse(const char *value, char **id, GPtrArray *results)
{
	const char *p = NULL;
	char *sid;

	if (id != NULL)
		*id = NULL;
	if (value == NULL || strlen(value) > AUTHRES_MAX_VALUE || (sid = authserv_id(value, &p)) == NULL)
		return FALSE;
	while (*(p = addr_skip_cfws(p)) != '\0') {
		if (*p != ';') {
			p = skip_resinfo(p);  /* garbage between resinfos */
			continue;
		}
		if (results != NULL && results->len >= AUTHRES_MAX_RESULTS)
			break;
		p = resinfo(p + 1, results);
	}
	if (id != NULL)
		*id = sid;
	else
		g_free(sid);
	return TRUE;
}

gboolean
authres_id_is(const char *value, const char *id)
{
	const char *rest;
	char *sid;
	gboolean yes;

	if (value == NULL || id == NULL || *id == '\0' || (sid = authserv_id(value, &rest)) == NULL)
		return FALSE;
	yes = g_ascii_strcasecmp(sid, id) == 0;
	g_free(sid);
	return yes;
}

/* The Public Suffix List, loaded once (libpsl: the newest of its built-in
 * list and the system's /usr/share/publicsuffix); NULL if neither. */
static psl_ctx_t *
psl(void)
{
	static gsize once;
	static psl_ctx_t *ctx;

	if (g_once_init_enter(&once)) {
		ctx = psl_latest(NULL);
		if (ctx == NULL)
			ctx = (psl_ctx_t *)psl_builtin();
		g_once_init_leave(&once, 1);
	}
	return ctx;
}

char *
authres_org_domain(const char *domain)
{
	char *d = g_ascii_strdown(domain != NULL ? domain : "", -1);
	const char *reg = NULL, *dot;
	char *out;

	g_strstrip(d);
	if (*d != '\0' && d[strlen(d) - 1] == '.')
		d[strlen(d) - 1] = '\0';
	if (psl() != NULL)
		reg = psl_registrable_domain(psl(), d);
	if (reg == NULL && psl() == NULL && (dot = strrchr(d, '.')) != NULL) {
		/* no list: the last two labels */
		const char *p = dot;

		while (p > d && p[-1] != '.')
			p--;
		reg = p;
	}
	out = g_strdup(reg != NULL ? reg : d);
	g_free(d);
	return out;
}

gboolean
authres_aligned(const char *a, const char *b)
{
	char *x, *y;
	gboolean yes;

	if (a == NULL || b == NULL || *a == '\0' || *b == '\0')
		return FALSE;
	x = authres_org_domain(a);
	y = authres_org_domain(b);
	yes = *x != '\0' && g_ascii_strcasecmp(x, y) == 0;
	g_free(x);
	g_free(y);
	return yes;
}

/* The domain of an address or a bare domain ("a@b.example" or
 * "@b.example" or "b.example"); NULL when empty. Points into S. */
static const char *
domain_of(const char *s)
{
	const char *at;

	if (s == NULL)
		return NULL;
	at = strrchr(s, '@');
	s = at != NULL ? at + 1 : s;
	return *s != '\0' ? s : NULL;
}

/* S for a line people read: printable ASCII, bounded. */
static char *
shown(const char *s)
{
	char *c = g_strndup(s != NULL ? s : "", 100);

	for (char *p = c; *p != '\0'; p++)
		if ((guchar)*p <= ' ' || (guchar)*p >= 127)
			*p = '?';
	return c;
}

typedef struct judging {
	const char *domain;  /* of the From */
	char *fail, *dmarc, *dkim, *spf;  /* the line of the first of each */
	GString *others;     /* method=result of the rest, for "not authenticated (...)" */
} judging;

static void
judge_one(judging *j, const authres_result *r)
{
	gboolean pass = strcmp(r->result, "pass") == 0;
	const char *d;
	char *s;

	if (strcmp(r->method, "dmarc") == 0 && r->header_from != NULL &&
	    g_ascii_strcasecmp(r->header_from, j->domain) != 0)
		return;  /* about another From domain: says nothing of this one */
	if (strcmp(r->method, "dmarc") == 0) {
		s = shown(j->domain);
		if (strcmp(r->result, "fail") == 0 && j->fail == NULL)
			j->fail = g_strdup_printf("dmarc=fail header.from=%s", s);
		else if (pass && j->dmarc == NULL)
			j->dmarc = g_strdup_printf("dmarc=pass header.from=%s", s);
		g_free(s);
		if (strcmp(r->result, "fail") == 0 || pass)
			return;
	} else if (strcmp(r->method, "dkim") == 0 && pass &&
		   ((d = r->header_d) != NULL || (d = domain_of(r->header_i)) != NULL) &&
		   authres_aligned(d, j->domain)) {
		if (j->dkim == NULL) {
			s = shown(d);
			j->dkim = g_strdup_printf("dkim=pass header.d=%s", s);
			g_free(s);
		}
		return;
	} else if (strcmp(r->method, "spf") == 0 && pass && (d = domain_of(r->smtp_mailfrom)) != NULL &&
		   authres_aligned(d, j->domain)) {
		if (j->spf == NULL) {
			s = shown(d);
			j->spf = g_strdup_printf("spf=pass smtp.mailfrom=%s", s);
			g_free(s);
		}
		return;
	}
	if (j->others->len < 80 && (strcmp(r->method, "dmarc") == 0 || strcmp(r->method, "dkim") == 0 ||
				    strcmp(r->method, "spf") == 0)) {
		char *m = shown(r->method), *v = shown(r->result);

		g_string_append_printf(j->others, "%s%s=%s", j->others->len ? ", " : "", m, v);
		g_free(m);
		g_free(v);
	}
}

authres_verdict
authres_judge(const GPtrArray *values, const char *from, char **how)
{
	judging j = { domain_of(from), NULL, NULL, NULL, NULL, g_string_new(NULL) };
	authres_verdict v = AUTHRES_NONE;
	char *line;

	for (guint i = 0; j.domain != NULL && values != NULL && i < values->len; i++) {
		GPtrArray *rs = g_ptr_array_new_with_free_func((GDestroyNotify)authres_result_free);

		if (authres_parse(values->pdata[i], NULL, rs))
			for (guint k = 0; k < rs->len; k++)
				judge_one(&j, rs->pdata[k]);
		g_ptr_array_unref(rs);
	}
	if (j.fail != NULL) {
		v = AUTHRES_FAIL;
		line = g_strdup(j.fail);
	} else if (j.dmarc != NULL || j.dkim != NULL || j.spf != NULL) {
		v = AUTHRES_PASS;
		line = g_strdup(j.dmarc != NULL ? j.dmarc : j.dkim != NULL ? j.dkim : j.spf);
	} else if (j.others->len > 0) {
		line = g_strdup_printf("not authenticated (%s)", j.others->str);
	} else {
		line = g_strdup("not authenticated");
	}
	if (how != NULL)
		*how = line;
	else
		g_free(line);
	g_free(j.fail);
	g_free(j.dmarc);
	g_free(j.dkim);
	g_free(j.spf);
	g_string_free(j.others, TRUE);
	return v;
}
