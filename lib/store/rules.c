/* rules.c: routing rules, STORE/rules (maildesk-rules(5)): the file read
 * and checked, and evaluated for a new ticket (see rules.h). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <fcntl.h>
#include <pcre2.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "agent.h"
#include "charset.h"
#include "clock.h"
#include "index.h"
#include "lang.h"
#include "log.h"
#include "rules.h"
#include "terms.h"
#include "ticket.h"
#include "triage.h"
#include "xset.h"

#define RULES_MAX_FILE (1024 * 1024)
#define RULES_MAX_VIP (1024 * 1024)
#define RULES_TEXT_MAX (1024 * 1024)

typedef enum {
	C_TO, C_FROM, C_DOMAIN, C_VIP, C_HEADER, C_SUBJECT_WORDS, C_BODY_WORDS, C_REGEX,
	C_ATTACHMENT, C_SCRIPT, C_TIME, C_DAY, C_OPEN, C_RECENT, C_LANG, C_TRIAGE,
} cond_kind;

typedef struct cond {
	cond_kind kind;
	gboolean neg;
	char **words;           /* lower case: addresses, domains, words, types, header value */
	char *where;            /* regex: subject, body, from or a header name; header: its name */
	pcre2_code *re;
	GHashTable *vip;        /* lower-case addresses and @domains */
	int from_min, to_min;   /* time of day, minutes */
	guint days;             /* bit 0 = Monday */
	GUnicodeScript script;
	char op;                /* '>', '<', '=' ('>' is >=, '<' is <=) */
	guint n, period;        /* count, and days for C_RECENT */
	int dim;                /* C_TRIAGE: the triage_dim of triage-queue, -priority, -tags */
	double confidence;      /* C_TRIAGE: compared with op */
} cond;

typedef struct rule {
	char *name;
	guint line;
	GPtrArray *conds;
	char *queue, *priority, *owner, *template, *refuse, *tags;
	gboolean hold, cont;
	gboolean apply_triage;  /* apply triage: the suggestions its triage-DIM >= conditions checked */
} rule;

struct desk_rules {
	GPtrArray *rules;
	gint ref;
	gboolean need_message;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	triage_keep *keep;   /* the triage conditions' handles, kept open (triage.h) */
};

static void
cond_free(gpointer p)
{
	cond *c = p;

	g_strfreev(c->words);
	g_free(c->where);
	if (c->re != NULL)
		pcre2_code_free(c->re);
	if (c->vip != NULL)
		g_hash_table_unref(c->vip);
	g_free(c);
}

static void
rule_free(gpointer p)
{
	rule *r = p;

	g_free(r->name);
	g_ptr_array_unref(r->conds);
	g_free(r->queue);
	g_free(r->priority);
	g_free(r->owner);
	g_free(r->template);
	g_free(r->refuse);
	g_free(r->tags);
	g_free(r);
}

static desk_rules *
rules_new(void)
{
	desk_rules *r = g_new0(desk_rules, 1);

	r->rules = g_ptr_array_new_with_free_func(rule_free);
	r->ref = 1;
	r->keep = triage_keep_new();
	return r;
}

desk_rules *
rules_ref(desk_rules *r)
{
	g_atomic_int_inc(&r->ref);
	return r;
}

void
rules_unref(desk_rules *r)
{
	if (r == NULL || !g_atomic_int_dec_and_test(&r->ref))
		return;
	g_ptr_array_unref(r->rules);
	triage_keep_free(r->keep);
	g_free(r);
}

guint
rules_count(const desk_rules *r)
{
	return r != NULL ? r->rules->len : 0;
}

gboolean
rules_need_message(const desk_rules *r)
{
	return r != NULL && r->need_message;
}

gboolean
rules_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 40)
		return FALSE;
	for (const char *p = name; *p; p++)
		if (!g_ascii_islower(*p) && !g_ascii_isdigit(*p) && *p != '.' && *p != '_' && *p != '-')
			return FALSE;
	return TRUE;
}

/* ---------------------------------------------------------- reading */

/* What reading a file keeps: where it is, and the errors so far. */
typedef struct reader {
	desk_store *st;
	const char *path;
	guint line;
	GPtrArray *errors;
	rule *cur;
} reader;

static void G_GNUC_PRINTF(2, 3)
bad(reader *rd, const char *fmt, ...)
{
	va_list ap;
	char *why;

	va_start(ap, fmt);
	why = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_ptr_array_add(rd->errors, g_strdup_printf("%s:%u: %s", rd->path, rd->line, why));
	g_free(why);
}

/* "HH:MM" as minutes, or -1. */
static int
minutes(const char *s)
{
	int h, m;
	char end;

	if (sscanf(s, "%2d:%2d%c", &h, &m, &end) != 2 || h < 0 || h > 24 || m < 0 || m > 59 || h * 60 + m > 1440)
		return -1;
	return h * 60 + m;
}

static int
weekday(const char *s)
{
	static const char *names[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

	for (int i = 0; i < 7; i++)
		if (g_ascii_strncasecmp(s, names[i], 3) == 0 && strlen(s) == 3)
			return i;
	return -1;
}

/* "mon-fri", "sat,sun", "mon,wed-fri" as a mask; 0 when malformed. */
static guint
day_mask(const char *s)
{
	char **items = g_strsplit(s, ",", -1);
	guint mask = 0;

	for (char **p = items; *p != NULL; p++) {
		char **range = g_strsplit(*p, "-", 2);
		int a = weekday(range[0]), b = range[1] != NULL ? weekday(range[1]) : a;

		if (a < 0 || b < 0) {
			mask = 0;
			g_strfreev(range);
			break;
		}
		for (int d = a;; d = (d + 1) % 7) {
			mask |= 1u << d;
			if (d == b)
				break;
		}
		g_strfreev(range);
	}
	g_strfreev(items);
	return mask;
}

/* Whether PATTERN quantifies a group that holds a quantifier, as in
 * (a+)+ or (x*y)*: the classic pattern that backtracks without end. */
static gboolean
nested_quantifier(const char *pattern)
{
	return g_regex_match_simple("\\((?:[^()\\\\]|\\\\.)*[+*}](?:[^()\\\\]|\\\\.)*\\)[+*{]", pattern, 0, 0);
}

static pcre2_code *
compile(reader *rd, const char *pattern)
{
	int code;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
				       PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_CASELESS, &code, &off, NULL);

	if (re == NULL) {
		PCRE2_UCHAR msg[200];

		pcre2_get_error_message(code, msg, sizeof msg);
		bad(rd, "bad regular expression at offset %zu: %s", (size_t)off, (char *)msg);
	} else if (nested_quantifier(pattern)) {
		bad(rd, "regular expression %s repeats a group that repeats: it can backtrack without end "
			"(write it without the nesting)", pattern);
		pcre2_code_free(re);
		re = NULL;
	}
	return re;
}

/* The addresses of a VIP list file (one a line, or @domain; # comments). */
static GHashTable *
vip_load(reader *rd, const char *name)
{
	char *path = g_path_is_absolute(name) ? g_strdup(name) : g_build_filename(rd->st->dir, name, NULL);
	char *text = NULL, **lines;
	gsize len = 0;
	GError *gerr = NULL;
	GHashTable *h;

	if (!g_file_get_contents(path, &text, &len, &gerr) || len > RULES_MAX_VIP) {
		bad(rd, "VIP list %s: %s", path, gerr != NULL ? gerr->message : "larger than 1 MiB");
		g_clear_error(&gerr);
		g_free(text);
		g_free(path);
		return NULL;
	}
	h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	lines = g_strsplit(text, "\n", -1);
	for (char **p = lines; *p != NULL; p++) {
		char *l = g_strstrip(*p);

		if (*l != '\0' && *l != '#')
			g_hash_table_add(h, g_ascii_strdown(l, -1));
	}
	g_strfreev(lines);
	g_free(text);
	g_free(path);
	return h;
}

/* "OP N" (>=, <=, =) into C. */
static gboolean
count_arg(cond *c, char **argv)
{
	guint64 n;

	if (argv[0] == NULL || argv[1] == NULL || argv[2] != NULL)
		return FALSE;
	c->op = strcmp(argv[0], ">=") == 0 ? '>' : strcmp(argv[0], "<=") == 0 ? '<' : strcmp(argv[0], "=") == 0 ? '=' : 0;
	if (c->op == 0 || !g_ascii_string_to_unsigned(argv[1], 10, 0, 100000, &n, NULL))
		return FALSE;
	c->n = (guint)n;
	return TRUE;
}

/* ">= X" or "<= X", X a confidence from 0 to 1. */
static gboolean
confidence_arg(cond *c, char **argv)
{
	char *end = NULL;

	if (argv[0] == NULL || argv[1] == NULL || argv[2] != NULL)
		return FALSE;
	c->op = strcmp(argv[0], ">=") == 0 ? '>' : strcmp(argv[0], "<=") == 0 ? '<' : 0;
	c->confidence = g_ascii_strtod(argv[1], &end);
	return c->op != 0 && end != argv[1] && *end == '\0' && c->confidence >= 0 && c->confidence <= 1;
}

static gboolean
period_arg(cond *c, const char *s)
{
	guint64 n;
	size_t len = strlen(s);

	if (len < 2 || s[len - 1] != 'd')
		return FALSE;
	{
		char *num = g_strndup(s, len - 1);
		gboolean ok = g_ascii_string_to_unsigned(num, 10, 1, 3650, &n, NULL);

		g_free(num);
		c->period = (guint)n;
		return ok;
	}
}

static char **
lower_words(char **argv)
{
	guint n = g_strv_length(argv);
	char **out = g_new0(char *, n + 1);

	for (guint i = 0; i < n; i++)
		out[i] = g_utf8_strdown(argv[i], -1);
	return out;
}

/* The condition of "if [not] KIND ARGS" (ARGV from KIND), REST the text
 * after KIND (for patterns and header values with blanks). NULL when bad. */
static cond *
cond_parse(reader *rd, char **argv, const char *rest)
{
	cond *c = g_new0(cond, 1);
	const char *k = argv[0];
	char **a = argv + 1;
	guint n = g_strv_length(a);
	gboolean ok = TRUE;

	if (strcmp(k, "to") == 0 || strcmp(k, "from") == 0 || strcmp(k, "from-domain") == 0) {
		c->kind = k[0] == 't' ? C_TO : strcmp(k, "from") == 0 ? C_FROM : C_DOMAIN;
		ok = n > 0;
		c->words = lower_words(a);
	} else if (strcmp(k, "vip") == 0) {
		c->kind = C_VIP;
		ok = n == 1 && (c->vip = vip_load(rd, a[0])) != NULL;
		if (n != 1)
			bad(rd, "vip takes one file name");
		return ok ? c : (cond_free(c), NULL);
	} else if (strcmp(k, "header") == 0) {
		c->kind = C_HEADER;
		ok = n >= 2;
		if (ok) {
			const char *v = strstr(rest, a[0]) + strlen(a[0]);
			char *value = g_strstrip(g_strdup(v));

			c->where = g_ascii_strdown(a[0], -1);
			c->words = g_new0(char *, 2);
			c->words[0] = g_utf8_strdown(value, -1);
			g_free(value);
		}
	} else if (strcmp(k, "subject-words") == 0 || strcmp(k, "body-words") == 0) {
		c->kind = k[0] == 's' ? C_SUBJECT_WORDS : C_BODY_WORDS;
		ok = n > 0;
		c->words = lower_words(a);
	} else if (strcmp(k, "regex") == 0) {
		c->kind = C_REGEX;
		ok = n >= 2;
		if (ok) {
			char *p = g_strstrip(g_strdup(strstr(rest, a[0]) + strlen(a[0])));

			c->where = g_ascii_strdown(a[0], -1);
			c->re = compile(rd, p);
			g_free(p);
			if (c->re == NULL)
				return cond_free(c), NULL;
		}
	} else if (strcmp(k, "attachment") == 0) {
		c->kind = C_ATTACHMENT;
		c->words = lower_words(a);
	} else if (strcmp(k, "script") == 0) {
		c->kind = C_SCRIPT;
		ok = n == 1;
		if (ok) {
			/* names as in Unicode: latin, cyrillic, greek, arabic, hebrew, han, hiragana, ... */
			{
				static const struct { const char *name; GUnicodeScript s; } scripts[] = {
					{ "latin", G_UNICODE_SCRIPT_LATIN }, { "cyrillic", G_UNICODE_SCRIPT_CYRILLIC },
					{ "greek", G_UNICODE_SCRIPT_GREEK }, { "arabic", G_UNICODE_SCRIPT_ARABIC },
					{ "hebrew", G_UNICODE_SCRIPT_HEBREW }, { "han", G_UNICODE_SCRIPT_HAN },
					{ "hiragana", G_UNICODE_SCRIPT_HIRAGANA }, { "katakana", G_UNICODE_SCRIPT_KATAKANA },
					{ "hangul", G_UNICODE_SCRIPT_HANGUL }, { "thai", G_UNICODE_SCRIPT_THAI },
					{ "devanagari", G_UNICODE_SCRIPT_DEVANAGARI },
				};
				ok = FALSE;
				for (size_t i = 0; i < G_N_ELEMENTS(scripts); i++)
					if (g_ascii_strcasecmp(a[0], scripts[i].name) == 0) {
						c->script = scripts[i].s;
						ok = TRUE;
					}
			}
			if (!ok) {
				bad(rd, "unknown script %s (latin, cyrillic, greek, arabic, hebrew, han, "
					"hiragana, katakana, hangul, thai, devanagari)", a[0]);
				return cond_free(c), NULL;
			}
		}
	} else if (strcmp(k, "lang") == 0) {
		c->kind = C_LANG;
		ok = n > 0;
		c->words = lower_words(a);
		for (char **w = c->words; ok && *w != NULL; w++)
			if (!lang_known(*w) && strcmp(*w, "unknown") != 0) {
				bad(rd, "unknown language %s (en, de, fr, es, it, nl, unknown)", *w);
				return cond_free(c), NULL;
			}
	} else if (g_str_has_prefix(k, "triage-")) {
		c->kind = C_TRIAGE;
		c->dim = strcmp(k, "triage-queue") == 0 ? TRIAGE_QUEUE : strcmp(k, "triage-priority") == 0 ? TRIAGE_PRIORITY
			 : strcmp(k, "triage-tags") == 0 ? TRIAGE_TAGS : -1;
		if (c->dim < 0) {
			bad(rd, "unknown condition \"%s\" (triage-queue, triage-priority, triage-tags)", k);
			return cond_free(c), NULL;
		}
		ok = confidence_arg(c, a);
	} else if (strcmp(k, "time") == 0) {
		char **r = n == 1 ? g_strsplit(a[0], "-", 2) : NULL;

		c->kind = C_TIME;
		ok = r != NULL && r[1] != NULL && (c->from_min = minutes(r[0])) >= 0 && (c->to_min = minutes(r[1])) >= 0;
		g_strfreev(r);
	} else if (strcmp(k, "day") == 0) {
		c->kind = C_DAY;
		ok = n == 1 && (c->days = day_mask(a[0])) != 0;
	} else if (strcmp(k, "open-tickets") == 0) {
		c->kind = C_OPEN;
		ok = count_arg(c, a);
	} else if (strcmp(k, "tickets-in") == 0) {
		c->kind = C_RECENT;
		ok = n == 3 && period_arg(c, a[0]) && count_arg(c, a + 1);
	} else {
		bad(rd, "unknown condition \"%s\"", k);
		return cond_free(c), NULL;
	}
	if (!ok) {
		bad(rd, "bad arguments to \"%s\" (see maildesk-rules(5))", k);
		return cond_free(c), NULL;
	}
	return c;
}

static void
set_once(reader *rd, char **field, const char *what, const char *value)
{
	if (*field != NULL)
		bad(rd, "%s given twice in rule %s", what, rd->cur->name);
	g_free(*field);
	*field = g_strdup(value);
}

static void
action_parse(reader *rd, char **a, const char *rest)
{
	rule *r = rd->cur;
	const char *k = a[0];
	guint n = g_strv_length(a) - 1;
	static const char *prios[] = { "low", "normal", "high", "urgent", NULL };

	if (strcmp(k, "queue") == 0 && n == 1) {
		if (!config_queue_known(rd->st->cfg, a[1]))
			bad(rd, "unknown queue \"%s\" (not a desk address's queue nor an agent's)", a[1]);
		set_once(rd, &r->queue, "queue", a[1]);
	} else if (strcmp(k, "priority") == 0 && n == 1) {
		if (!g_strv_contains(prios, a[1]))
			bad(rd, "unknown priority \"%s\" (low, normal, high, urgent)", a[1]);
		set_once(rd, &r->priority, "priority", a[1]);
	} else if (strcmp(k, "tag") == 0 && n >= 1) {
		for (guint i = 1; i <= n; i++) {
			char *t = r->tags;

			if (!ticket_tag_valid(a[i]))
				bad(rd, "\"%s\" cannot be a tag", a[i]);
			r->tags = g_strdup_printf("%s%s%s", t != NULL ? t : "", t != NULL ? " " : "", a[i]);
			g_free(t);
		}
	} else if (strcmp(k, "assign") == 0 && n == 1) {
		if (strcmp(a[1], "round-robin") != 0 && strcmp(a[1], "least-open") != 0 &&
		    agent_find(rd->st->cfg->agents, a[1]) == NULL)
			bad(rd, "unknown agent \"%s\" (nor round-robin, least-open)", a[1]);
		set_once(rd, &r->owner, "assign", a[1]);
	} else if (strcmp(k, "template") == 0 && n == 1) {
		if (!rules_name_ok(a[1]))
			bad(rd, "\"%s\" cannot be a template name", a[1]);
		set_once(rd, &r->template, "template", a[1]);
	} else if (strcmp(k, "hold") == 0 && n == 0) {
		r->hold = TRUE;
	} else if (strcmp(k, "continue") == 0 && n == 0) {
		r->cont = TRUE;
	} else if (strcmp(k, "apply") == 0 && n == 1 && strcmp(a[1], "triage") == 0) {
		r->apply_triage = TRUE;
	} else if (strcmp(k, "refuse") == 0 && n >= 2) {
		const char *text = strstr(rest, a[1]);

		if (!g_regex_match_simple("^5\\.[0-9]{1,3}\\.[0-9]{1,3}$", a[1], 0, 0))
			bad(rd, "refuse wants an enhanced status code 5.X.Y first, not \"%s\"", a[1]);
		else if (strlen(text) > 200 || strchr(text, '%') != NULL)
			bad(rd, "refuse text: at most 200 characters, no %%");
		set_once(rd, &r->refuse, "refuse", text);
	} else {
		bad(rd, "unknown action or bad arguments: \"%s\" (see maildesk-rules(5))", k);
	}
}

static void
line_parse(reader *rd, desk_rules *rs, char *line)
{
	char *text = g_strstrip(line), **a;
	GError *gerr = NULL;
	int argc;

	if (*text == '\0' || *text == '#')
		return;
	if (!g_utf8_validate(text, -1, NULL)) {
		bad(rd, "not UTF-8");
		return;
	}
	if (!g_shell_parse_argv(text, &argc, &a, &gerr)) {
		/* patterns may hold quotes: split on blanks alone */
		g_clear_error(&gerr);
		a = g_regex_split_simple("[ \t]+", text, 0, 0);
	}
	if (strcmp(a[0], "rule") == 0) {
		rd->cur = NULL;
		if (a[1] == NULL || a[2] != NULL || !rules_name_ok(a[1])) {
			bad(rd, "a rule is \"rule NAME\", NAME of a-z 0-9 . _ - (40 at most)");
		} else {
			for (guint i = 0; i < rs->rules->len; i++)
				if (strcmp(((rule *)rs->rules->pdata[i])->name, a[1]) == 0)
					bad(rd, "rule %s twice (the first at line %u)", a[1], ((rule *)rs->rules->pdata[i])->line);
			rd->cur = g_new0(rule, 1);
			rd->cur->name = g_strdup(a[1]);
			rd->cur->line = rd->line;
			rd->cur->conds = g_ptr_array_new_with_free_func(cond_free);
			g_ptr_array_add(rs->rules, rd->cur);
		}
	} else if (rd->cur == NULL) {
		bad(rd, "\"%s\" outside a rule (a rule starts with \"rule NAME\")", a[0]);
	} else if (strcmp(a[0], "if") == 0) {
		gboolean neg = a[1] != NULL && strcmp(a[1], "not") == 0;
		char **k = a + 1 + (neg ? 1 : 0);
		cond *c = NULL;

		if (*k == NULL)
			bad(rd, "\"if\" without a condition");
		else if ((c = cond_parse(rd, k, strstr(text, *k) + strlen(*k))) != NULL) {
			c->neg = neg;
			if (c->kind == C_HEADER || c->kind == C_BODY_WORDS || c->kind == C_REGEX ||
			    c->kind == C_ATTACHMENT || c->kind == C_SCRIPT || c->kind == C_LANG ||
			    c->kind == C_TRIAGE)
				rs->need_message = TRUE;
			g_ptr_array_add(rd->cur->conds, c);
		}
	} else {
		action_parse(rd, a, text);
	}
	g_strfreev(a);
}

/* The dimensions (bit 1 << triage_dim) whose confidence rule R checks
 * with a triage-DIM >= X condition (not negated): what apply triage applies. */
static guint
triage_gated(const rule *r)
{
	guint dims = 0;

	for (guint i = 0; i < r->conds->len; i++) {
		const cond *c = r->conds->pdata[i];

		if (c->kind == C_TRIAGE && !c->neg && c->op == '>')
			dims |= 1u << c->dim;
	}
	return dims;
}

static void
check_end(reader *rd, desk_rules *rs)
{
	if (rs->rules->len > 0 && ((rule *)rs->rules->pdata[rs->rules->len - 1])->cont) {
		rule *last = rs->rules->pdata[rs->rules->len - 1];

		rd->line = last->line;
		bad(rd, "rule %s says continue, but no rule follows it", last->name);
	}
	for (guint i = 0; i < rs->rules->len; i++) {
		rule *r = rs->rules->pdata[i];

		rd->line = r->line;
		if (r->refuse != NULL && (r->cont || r->queue || r->owner || r->priority || r->tags || r->hold))
			bad(rd, "rule %s refuses the mail: nothing else can be done with it", r->name);
		if (r->apply_triage && triage_gated(r) == 0)
			bad(rd, "rule %s says apply triage, but has no condition triage-queue, triage-priority "
			    "or triage-tags >= X: a suggestion is applied only as confident as a rule asks", r->name);
	}
}

static desk_status
parse_text(desk_store *st, const char *path, char *text, desk_rules *rs, GPtrArray *errors)
{
	reader rd = { st, path, 0, errors, NULL };
	char **lines = g_strsplit(text, "\n", -1);

	for (char **p = lines; *p != NULL; p++) {
		rd.line++;
		line_parse(&rd, rs, *p);
	}
	g_strfreev(lines);
	check_end(&rd, rs);
	return errors->len == 0 ? DESK_OK : DESK_CONFIG;
}

desk_status
rules_load(desk_store *st, const char *path, desk_rules **out, GPtrArray *errors, desk_err *err)
{
	GPtrArray *errs = errors != NULL ? errors : g_ptr_array_new_with_free_func(g_free);
	desk_rules *rs = rules_new();
	char *text = NULL;
	gsize len = 0;
	GError *gerr = NULL;
	struct stat sb;
	desk_status s = DESK_OK;

	*out = NULL;
	if (stat(path, &sb) != 0 && errno == ENOENT) {
		*out = rs;
		goto done;
	}
	if (!g_file_get_contents(path, &text, &len, &gerr)) {
		g_ptr_array_add(errs, g_strdup_printf("%s: %s", path, gerr->message));
		g_error_free(gerr);
		s = DESK_CONFIG;
	} else if (len > RULES_MAX_FILE || memchr(text, '\0', len) != NULL) {
		g_ptr_array_add(errs, g_strdup_printf("%s: larger than 1 MiB, or binary", path));
		s = DESK_CONFIG;
	} else {
		s = parse_text(st, path, text, rs, errs);
	}
	rs->dev = sb.st_dev;
	rs->ino = sb.st_ino;
	rs->size = sb.st_size;
	rs->mtime = sb.st_mtim;
	if (s == DESK_OK)
		*out = rs;
	else
		rules_unref(rs);
done:
	if (s != DESK_OK)
		desk_fail(err, s, "%s%s", errs->len > 0 ? (char *)errs->pdata[0] : "bad rules",
			  errs->len > 1 ? " (and more: desk rules check)" : "");
	g_free(text);
	if (errors == NULL)
		g_ptr_array_unref(errs);
	return s;
}

/* ------------------------------------------------- the store's rules */

static GMutex current_lock;

static gboolean
changed(const desk_rules *r, const struct stat *sb, gboolean exists)
{
	if (!exists)
		return r->ino != 0;
	return r->ino != sb->st_ino || r->dev != sb->st_dev || r->size != sb->st_size ||
	       r->mtime.tv_sec != sb->st_mtim.tv_sec || r->mtime.tv_nsec != sb->st_mtim.tv_nsec;
}

desk_rules *
rules_current(desk_store *st)
{
	char *path = g_build_filename(st->dir, "rules", NULL);
	struct stat sb;
	gboolean exists = stat(path, &sb) == 0;
	desk_rules *r, *fresh = NULL;
	desk_err err = { 0 };

	g_mutex_lock(&current_lock);
	if (st->rules == NULL || changed(st->rules, &sb, exists)) {
		if (rules_load(st, path, &fresh, NULL, &err) == DESK_OK) {
			if (st->rules != NULL)
				desk_log(LOG_INFO, "rules: %s read again: %u rules", path, rules_count(fresh));
			rules_unref(st->rules);
			st->rules = fresh;
		} else {
			desk_log(LOG_ERR, "rules: %s: the rules read before stay (%u rules)", err.msg,
				 rules_count(st->rules));
			if (st->rules == NULL)
				st->rules = rules_new();
			/* the bad file's identity: read again, and logged, once it changes */
			st->rules->dev = sb.st_dev;
			st->rules->ino = sb.st_ino;
			st->rules->size = sb.st_size;
			st->rules->mtime = sb.st_mtim;
		}
	}
	r = rules_ref(st->rules);
	g_mutex_unlock(&current_lock);
	g_free(path);
	return r;
}

/* --------------------------------------------------------- evaluating */

/* What one evaluation has at hand, and what it looked up once. */
typedef struct evalctx {
	desk_store *st;
	const rules_input *in;
	gint64 now;
	GDateTime *local;       /* now in the desk's time zone */
	notmuch_database_t *db; /* opened for the requester's history */
	gboolean db_failed;
	int open_n, recent_days, recent_n;
	guint regex_errors;
	char *subject_low, *body_low;  /* lower case, made once, on first need */
	const char *lang;       /* the message's language ("unknown"), found on first need */
	triage_result *triage;  /* the suggestions for the message, found on first need */
	gboolean triage_done;
	triage_keep *keep;      /* the rules' triage handles */
} evalctx;

static gboolean
word_in(const char *text, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = text; (p = strstr(p, word)) != NULL; p++) {
		gboolean start = p == text || !g_unichar_isalnum(g_utf8_get_char(g_utf8_find_prev_char(text, p)));
		gboolean end = !g_unichar_isalnum(g_utf8_get_char(p + n));

		if (start && end)
			return TRUE;
	}
	return FALSE;
}

/* Whether any of WORDS is a word of LOW (lower case; NULL: no). */
static gboolean
any_word(const char *low, char **words)
{
	gboolean yes = FALSE;

	for (char **w = words; low != NULL && !yes && *w != NULL; w++)
		yes = word_in(low, *w);
	return yes;
}

/* *LOW, TEXT in lower case, made on first need. */
static const char *
lowered(char **low, const char *text)
{
	if (*low == NULL && text != NULL)
		*low = g_utf8_strdown(text, MIN(strlen(text), (size_t)RULES_TEXT_MAX));
	return *low;
}

/* The value of header NAME (lower case) of the message, or NULL. */
static const char *
header_of(const rules_input *in, const char *name)
{
	GPtrArray *h = in->msg != NULL ? in->msg->headers : NULL;

	for (guint i = 0; h != NULL && i + 1 < h->len; i += 2)
		if (g_ascii_strcasecmp(h->pdata[i], name) == 0)
			return h->pdata[i + 1];
	return NULL;
}

static const char *
regex_text(const rules_input *in, const char *where)
{
	if (strcmp(where, "subject") == 0)
		return in->f->subject;
	if (strcmp(where, "body") == 0)
		return in->msg != NULL ? in->msg->text : NULL;
	if (strcmp(where, "from") == 0)
		return in->f->from;
	return header_of(in, where);
}

/* A bounded match: PCRE2's match and depth limits stop a pattern that
 * backtracks; that counts as no match, and is logged. */
static gboolean
regex_match(evalctx *e, const cond *c, const char *text)
{
	pcre2_match_context *mc;
	pcre2_match_data *md;
	int rc;

	if (text == NULL)
		return FALSE;
	mc = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(mc, RULES_MATCH_LIMIT);
	pcre2_set_depth_limit(mc, 1000);
	pcre2_set_heap_limit(mc, 4096);  /* KiB */
	md = pcre2_match_data_create_from_pattern(c->re, NULL);
	rc = pcre2_match(c->re, (PCRE2_SPTR)text, MIN(strlen(text), (size_t)RULES_TEXT_MAX), 0, 0, md, mc);
	pcre2_match_data_free(md);
	pcre2_match_context_free(mc);
	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT) {
		e->regex_errors++;
		desk_log(LOG_WARNING, "rules: a regular expression on %s gave up (it backtracks too much): "
			 "taken as no match", c->where);
		return FALSE;
	}
	return rc >= 0;
}

static gboolean
has_attachment(const rules_input *in, char **types)
{
	GPtrArray *a = in->msg != NULL ? in->msg->attachments : NULL;

	for (guint i = 0; a != NULL && i < a->len; i++) {
		const render_attachment *at = a->pdata[i];

		if (types[0] == NULL)
			return TRUE;
		for (char **t = types; *t != NULL; t++)
			if (g_ascii_strcasecmp(at->type, *t) == 0 ||
			    (g_str_has_suffix(*t, "/") && g_ascii_strncasecmp(at->type, *t, strlen(*t)) == 0))
				return TRUE;
	}
	return FALSE;
}

/* Whether most letters of the subject and text are of SCRIPT. */
static gboolean
in_script(const rules_input *in, GUnicodeScript script)
{
	const char *texts[] = { in->f->subject, in->msg != NULL ? in->msg->text : NULL };
	guint yes = 0, letters = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(texts); i++) {
		const char *p = texts[i];

		for (guint n = 0; p != NULL && *p != '\0' && n < 20000; p = g_utf8_next_char(p), n++) {
			gunichar ch = g_utf8_get_char(p);

			if (!g_unichar_isalpha(ch))
				continue;
			letters++;
			yes += g_unichar_get_script(ch) == script;
		}
	}
	return letters > 0 && yes * 2 > letters;
}

static gboolean
in_vip(const cond *c, const char *from)
{
	const char *at = from != NULL ? strrchr(from, '@') : NULL;

	return from != NULL && (g_hash_table_contains(c->vip, from) || (at != NULL && g_hash_table_contains(c->vip, at)));
}

static gboolean
compare(const cond *c, int n)
{
	return n >= 0 && (c->op == '>' ? (guint)n >= c->n : c->op == '<' ? (guint)n <= c->n : (guint)n == c->n);
}

/* The requester's tickets: open ones (DAYS 0), or created in the last DAYS; -1 when unknown. */
static int
history(evalctx *e, guint days)
{
	ticket_filter f = { 0 };
	GPtrArray *ts = NULL;
	desk_err err = { 0 };
	int n = 0;

	if (e->in->f->from == NULL)
		return 0;
	if (e->db == NULL && !e->db_failed && index_open(e->st, FALSE, &e->db, &err) != DESK_OK) {
		desk_log(LOG_WARNING, "rules: the requester's history is not known: %s", err.msg);
		e->db_failed = TRUE;
	}
	if (e->db == NULL)
		return -1;
	f.requester = e->in->f->from;
	f.statuses = days == 0 ? NULL : "any";
	f.since = days == 0 ? 0 : e->now - (gint64)days * 86400;
	if (ticket_list(e->db, &f, &ts, NULL, &err) != DESK_OK)
		return -1;
	for (guint i = 0; i < ts->len; i++)
		n += days == 0 || ((ticket_info *)ts->pdata[i])->created >= f.since;
	g_ptr_array_unref(ts);
	return n;
}

static gboolean
rcpt_is(const rules_input *in, char **words)
{
	for (char **w = words; *w != NULL; w++)
		if (in->rcpt != NULL && addr_same(in->rcpt, *w))
			return TRUE;
	return FALSE;
}

static gboolean
from_is(const rules_input *in, char **words, gboolean domain)
{
	const char *from = in->f->from, *at = from != NULL ? strrchr(from, '@') : NULL;

	for (char **w = words; from != NULL && *w != NULL; w++)
		if (domain ? at != NULL && (g_ascii_strcasecmp(at + 1, *w[0] == '@' ? *w + 1 : *w) == 0)
			   : addr_same(from, *w))
			return TRUE;
	return FALSE;
}

/* Whether the message's language (lang.h: of its subject and the
 * writer's own words, terms.h) is one of WORDS ("unknown": none known). */
static gboolean
lang_in(evalctx *e, char **words)
{
	if (e->lang == NULL) {
		char *own = terms_own_text(e->in->msg != NULL ? e->in->msg->text : "", RULES_TEXT_MAX);
		char *all = g_strconcat(e->in->f->subject != NULL ? e->in->f->subject : "", "\n", own, NULL);
		const char *l = lang_detect(all, -1, NULL);

		e->lang = *l != '\0' ? l : "unknown";
		g_free(all);
		g_free(own);
	}
	return g_strv_contains((const char *const *)words, e->lang);
}

/* The suggestions of triage.h for the message (its subject and the
 * writer's own words), or NULL when the index cannot say. */
static const triage_result *
triaged(evalctx *e)
{
	const desk_config *cfg = e->st->cfg;
	triage_opts o = { cfg->triage_neighbours > 0 ? (guint)cfg->triage_neighbours : 10,
			  cfg->triage_half_life > 0 ? cfg->triage_half_life : 180,
			  cfg->triage_min_history > 0 ? (guint)cfg->triage_min_history : 5 };
	desk_err err = { 0 };

	if (e->triage_done)
		return e->triage;
	e->triage_done = TRUE;
	/* the rules' handles, kept open from message to message and tried
	 * again from fresh ones when Xapian finds a snapshot too old */
	if (e->keep == NULL || triage_keep_text(e->keep, e->st, e->in->f->subject,
						e->in->msg != NULL ? e->in->msg->text : "", e->now, &o, &e->triage,
						&err) != DESK_OK) {
		desk_log(LOG_WARNING, "rules: no triage: %s", err.msg[0] != '\0' ? err.msg : "no rules");
		e->triage = NULL;
	}
	return e->triage;
}

/* The first suggestion of dimension DIM if there is one to go by. */
static const triage_label *
triage_top(evalctx *e, int dim)
{
	const triage_result *r = triaged(e);

	return r != NULL && r->enough ? triage_best(r, dim) : NULL;
}

static gboolean
cond_true(evalctx *e, const cond *c)
{
	const rules_input *in = e->in;
	int mins = g_date_time_get_hour(e->local) * 60 + g_date_time_get_minute(e->local);

	switch (c->kind) {
	case C_TO: return rcpt_is(in, c->words);
	case C_FROM: return from_is(in, c->words, FALSE);
	case C_DOMAIN: return from_is(in, c->words, TRUE);
	case C_VIP: return in_vip(c, in->f->from);
	case C_HEADER: {
		const char *v = header_of(in, c->where);
		char *low = v != NULL ? g_utf8_strdown(v, -1) : NULL;
		gboolean yes = low != NULL && strstr(low, c->words[0]) != NULL;

		g_free(low);
		return yes;
	}
	case C_SUBJECT_WORDS: return any_word(lowered(&e->subject_low, in->f->subject), c->words);
	case C_BODY_WORDS: return any_word(lowered(&e->body_low, in->msg != NULL ? in->msg->text : NULL), c->words);
	case C_REGEX: return regex_match(e, c, regex_text(in, c->where));
	case C_ATTACHMENT: return has_attachment(in, c->words);
	case C_SCRIPT: return in_script(in, c->script);
	case C_LANG: return lang_in(e, c->words);
	case C_TRIAGE: {
		const triage_label *l = triage_top(e, c->dim);

		/* not enough history, or nothing learned: neither >= nor <= holds */
		return l != NULL && (c->op == '>' ? l->p >= c->confidence : l->p <= c->confidence);
	}
	case C_TIME:
		return c->from_min <= c->to_min ? mins >= c->from_min && mins < c->to_min
						: mins >= c->from_min || mins < c->to_min;
	case C_DAY: return (c->days & (1u << (g_date_time_get_day_of_week(e->local) - 1))) != 0;
	case C_OPEN:
		if (e->open_n < -1)
			e->open_n = history(e, 0);
		return compare(c, e->open_n);
	case C_RECENT:
		if (e->recent_days != (int)c->period) {
			e->recent_days = (int)c->period;
			e->recent_n = history(e, c->period);
		}
		return compare(c, e->recent_n);
	}
	return FALSE;
}

static gboolean
rule_matches(evalctx *e, const rule *r)
{
	for (guint i = 0; i < r->conds->len; i++) {
		const cond *c = r->conds->pdata[i];

		if (cond_true(e, c) == c->neg)
			return FALSE;
	}
	return TRUE;
}

/* apply triage: the first suggestion of each dimension R's conditions
 * checked, unless it is no longer a label (a queue removed since). */
static void
apply_triage(evalctx *e, const rule *r, rules_route *out)
{
	guint dims = triage_gated(r);
	const triage_label *l;

	if ((dims & (1u << TRIAGE_QUEUE)) && (l = triage_top(e, TRIAGE_QUEUE)) != NULL) {
		if (config_queue_known(e->st->cfg, l->name))
			g_strlcpy(out->queue, l->name, sizeof out->queue);
		else
			desk_log(LOG_WARNING, "rules: rule %s: the suggested queue %s is no longer a queue", r->name, l->name);
	}
	if ((dims & (1u << TRIAGE_PRIORITY)) && (l = triage_top(e, TRIAGE_PRIORITY)) != NULL &&
	    ticket_priority_valid(l->name))
		g_strlcpy(out->priority, l->name, sizeof out->priority);
	if ((dims & (1u << TRIAGE_TAGS)) && (l = triage_top(e, TRIAGE_TAGS)) != NULL && ticket_tag_valid(l->name) &&
	    strlen(out->tags) + strlen(l->name) + 2 < sizeof out->tags) {
		if (*out->tags != '\0')
			g_strlcat(out->tags, " ", sizeof out->tags);
		g_strlcat(out->tags, l->name, sizeof out->tags);
	}
}

static void
apply(evalctx *e, const rule *r, rules_route *out)
{
	if (*out->rule != '\0')
		g_strlcat(out->rule, " ", sizeof out->rule);
	g_strlcat(out->rule, r->name, sizeof out->rule);
	if (r->queue != NULL)
		g_strlcpy(out->queue, r->queue, sizeof out->queue);
	if (r->priority != NULL)
		g_strlcpy(out->priority, r->priority, sizeof out->priority);
	if (r->owner != NULL)
		g_strlcpy(out->owner, r->owner, sizeof out->owner);
	if (r->template != NULL)
		g_strlcpy(out->template, r->template, sizeof out->template);
	if (r->tags != NULL) {
		if (*out->tags != '\0')
			g_strlcat(out->tags, " ", sizeof out->tags);
		g_strlcat(out->tags, r->tags, sizeof out->tags);
	}
	if (r->apply_triage)
		apply_triage(e, r, out);
	out->hold |= r->hold;
	if (r->refuse != NULL)
		g_strlcpy(out->refuse, r->refuse, sizeof out->refuse);
}

static GTimeZone *
desk_zone(desk_store *st)
{
	const char *tz = st->cfg->timezone;
	GTimeZone *z = tz != NULL && *tz != '\0' ? g_time_zone_new_identifier(tz) : NULL;

	return z != NULL ? z : g_time_zone_new_local();
}

void
rules_eval(desk_store *st, const desk_rules *r, const rules_input *in, gint64 now, rules_route *out)
{
	GTimeZone *z = desk_zone(st);
	GDateTime *utc = g_date_time_new_from_unix_utc(now);
	evalctx e = { st, in, now, g_date_time_to_timezone(utc, z), NULL, FALSE, -2, -1, -1, 0, NULL, NULL, NULL,
		      NULL, FALSE, r != NULL ? r->keep : NULL };

	memset(out, 0, sizeof *out);
	for (guint i = 0; r != NULL && i < r->rules->len; i++) {
		const rule *ru = r->rules->pdata[i];

		if (!rule_matches(&e, ru))
			continue;
		apply(&e, ru, out);
		if (!ru->cont || ru->refuse != NULL)
			break;
	}
	out->regex_errors = e.regex_errors;
	g_free(e.subject_low);
	g_free(e.body_low);
	triage_result_free(e.triage);
	if (e.db != NULL)
		notmuch_database_destroy(e.db);
	g_date_time_unref(e.local);
	g_date_time_unref(utc);
	g_time_zone_unref(z);
}

desk_status
rules_read_message(int fd, rendered_msg **out, desk_err *err)
{
	return render_message_head(fd, RULES_MAX_MESSAGE, RULES_TEXT_MAX, charset_fallback(), out, err);
}

char *
rules_route_set(const rules_route *route)
{
	xset *s = xset_new();
	char **tags = g_strsplit(route->tags, " ", -1);
	char *out;

	if (*route->queue != '\0')
		xset_add(s, "queue", route->queue);
	if (*route->priority != '\0')
		xset_add(s, "priority", route->priority);
	for (char **t = tags; *t != NULL; t++)
		if (**t != '\0')
			xset_add(s, "tag", *t);
	if (*route->owner != '\0')
		xset_add(s, "owner", route->owner);
	if (*route->template != '\0')
		xset_add(s, "template", route->template);
	if (route->hold)
		xset_add(s, "hold", "yes");
	out = xset_len(s) > 0 ? xset_encode(s) : NULL;
	xset_free(s);
	g_strfreev(tags);
	return out;
}

gboolean
rules_decide(desk_store *st, int fd, const msg_facts *f, const char *rcpt, thread_decision *d)
{
	desk_rules *r;
	rendered_msg *msg = NULL;
	rules_input in = { f, rcpt, NULL };
	rules_route route;
	desk_err err = { 0 };
	char *set;

	if (!d->is_new || st->no_followup)  /* imports of old mail are not routed */
		return FALSE;
	r = rules_current(st);
	if (rules_count(r) == 0) {
		rules_unref(r);
		return FALSE;
	}
	if (rules_need_message(r) && fd >= 0 && rules_read_message(fd, &msg, &err) != DESK_OK)
		desk_log(LOG_WARNING, "rules: ticket %u: the message is not readable (%s): headers alone", d->ticket,
			 err.msg);
	in.msg = msg;
	rules_eval(st, r, &in, desk_now(), &route);
	rules_unref(r);
	rendered_msg_free(msg);
	if (*route.rule == '\0')
		return FALSE;
	set = rules_route_set(&route);
	g_strlcpy(d->rule, route.rule, sizeof d->rule);
	g_strlcpy(d->route, set != NULL && strlen(set) < sizeof d->route ? set : "", sizeof d->route);
	if (*route.queue != '\0')
		g_strlcpy(d->queue, route.queue, sizeof d->queue);
	g_strlcpy(d->refuse, route.refuse, sizeof d->refuse);
	desk_log(LOG_DEBUG, "rules: ticket %u: rule %s: %s%s%s", d->ticket, route.rule, set != NULL ? set : "",
		 *route.refuse ? " refuse " : "", route.refuse);
	g_free(set);
	return TRUE;
}

gboolean
rules_routed(desk_store *st, const scanned *sc, char **rule, char **set)
{
	const msg_facts *f = sc->facts;
	guint t = 0;

	*rule = *set = NULL;
	if (f->x_rule == NULL || f->x_event != NULL ||
	    !thread_sealed(st, f, sc->derived_id ? NULL : f->message_id, sc->sealhash, &t))
		return FALSE;
	*rule = g_strdup(f->x_rule);
	*set = g_strdup(f->x_set);
	return TRUE;
}

char **
rules_templates(const desk_rules *r)
{
	GPtrArray *out = g_ptr_array_new();

	for (guint i = 0; r != NULL && i < r->rules->len; i++) {
		const rule *ru = r->rules->pdata[i];

		if (ru->template != NULL)
			g_ptr_array_add(out, g_strdup_printf("%s:%u", ru->template, ru->line));
	}
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}
