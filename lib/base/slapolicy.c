/* slapolicy.c: the [sla NAME] groups of maildesk.conf into policies (see
 * slapolicy.h; the keys and defaults are declared in config.c). What the
 * file alone can say is checked here; queues, agents and priorities by
 * lib/store/sla.c once the agents are known. */
#include <string.h>

#include "config.h"
#include "slapolicy.h"

#define GROUP_PREFIX "sla "
/* Largest VIP list read. */
#define VIP_MAX (1024 * 1024)

static const char *const target_names[SLA_TARGETS] = { "first-response", "next-response", "resolution" };
static const char *const target_keys[SLA_TARGETS] = { "first_response", "next_response", "resolution" };
static const char *const keys[] = { "priority", "queue", "vip", "first_response", "next_response",
				    "resolution", "timezone", "hours", "holidays", "pause_pending",
				    "pause_on_hold", "warn_percent", "escalate_priority", "escalate_queue",
				    "escalate_owner", "escalate_mail", "escalate_template", NULL };

const char *
sla_target_name(sla_target t)
{
	return t < SLA_TARGETS ? target_names[t] : "";
}

int
sla_target_of(const char *name)
{
	for (int t = 0; name != NULL && t < SLA_TARGETS; t++)
		if (strcmp(target_names[t], name) == 0)
			return t;
	return -1;
}

void
sla_policy_free(sla_policy *p)
{
	if (p == NULL)
		return;
	g_free(p->name);
	g_free(p->path);
	if (p->lines != NULL)
		g_hash_table_destroy(p->lines);
	g_strfreev(p->priorities);
	g_free(p->queue);
	if (p->vip != NULL)
		g_hash_table_destroy(p->vip);
	calendar_free(p->cal);
	g_free(p->raise);
	g_free(p->move_queue);
	g_free(p->reassign);
	g_free(p->mail);
	g_free(p->mail_template);
	g_free(p);
}

gboolean
sla_parse_duration(const char *text, gint64 *out)
{
	const char *p = text;
	gint64 sum = 0;

	if (strcmp(text, "0") == 0) {
		*out = 0;
		return TRUE;
	}
	while (*p != '\0') {
		guint64 n = 0;
		const char *start = p;

		for (; g_ascii_isdigit(*p) && n < 1000000; p++)
			n = n * 10 + (guint64)(*p - '0');
		if (p == start || n >= 1000000)
			return FALSE;
		if (*p == 'h')
			sum += (gint64)n * 3600;
		else if (*p == 'm')
			sum += (gint64)n * 60;
		else if (*p == 's')
			sum += (gint64)n;
		else
			return FALSE;
		p++;
	}
	*out = sum;
	return p != text && sum > 0;
}

/* The line of each key of each [sla NAME] group of the file TEXT:
 * group -> (key -> line), "" the group's own line. */
static GHashTable *
scan_lines(const char *text)
{
	GHashTable *groups = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
						   (GDestroyNotify)g_hash_table_destroy);
	char **lines = g_strsplit(text != NULL ? text : "", "\n", -1);
	GHashTable *cur = NULL;

	for (guint i = 0; lines[i] != NULL; i++) {
		char *l = g_strstrip(lines[i]), *eq;
		size_t n = strlen(l);

		if (n > 2 && l[0] == '[' && l[n - 1] == ']') {
			l[n - 1] = '\0';
			cur = NULL;
			if (g_str_has_prefix(l + 1, GROUP_PREFIX) && !g_hash_table_contains(groups, l + 1)) {
				cur = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
				g_hash_table_insert(cur, g_strdup(""), GUINT_TO_POINTER(i + 1));
				g_hash_table_insert(groups, g_strdup(l + 1), cur);
			}
		} else if (cur != NULL && *l != '#' && (eq = strchr(l, '=')) != NULL) {
			*eq = '\0';
			g_hash_table_insert(cur, g_strdup(g_strstrip(l)), GUINT_TO_POINTER(i + 1));
		}
	}
	g_strfreev(lines);
	return groups;
}

char *
sla_policy_where(const sla_policy *p, const char *key)
{
	guint line = GPOINTER_TO_UINT(g_hash_table_lookup(p->lines, key));

	if (line == 0)
		line = GPOINTER_TO_UINT(g_hash_table_lookup(p->lines, ""));
	return *key != '\0' ? g_strdup_printf("%s:%u: [sla %s] %s", p->path, line, p->name, key)
			    : g_strdup_printf("%s:%u: [sla %s]", p->path, line, p->name);
}

/* Fail with "WHERE: why" for KEY of P. */
static desk_status G_GNUC_PRINTF(4, 5)
bad(desk_err *err, const sla_policy *p, const char *key, const char *fmt, ...)
{
	char *where = sla_policy_where(p, key), *why;
	va_list ap;

	va_start(ap, fmt);
	why = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	desk_fail(err, DESK_CONFIG, "%s: %s", where, why);
	g_free(where);
	g_free(why);
	return DESK_CONFIG;
}

/* KEY of GROUP, stripped, else its default; "" when empty. Caller g_free()s. */
static char *
value_of(GKeyFile *kf, const char *group, const char *key)
{
	char *v = g_key_file_get_string(kf, group, key, NULL);

	if (v == NULL)
		return g_strdup(config_sla_default(key));
	return g_strstrip(v);
}

/* VALUE resolved against DIR unless absolute. */
static char *
in_dir(const char *dir, const char *value)
{
	return g_path_is_absolute(value) ? g_strdup(value) : g_build_filename(dir, value, NULL);
}

static desk_status
load_vip(sla_policy *p, const char *file, desk_err *err)
{
	char *text = NULL, **lines;
	gsize len = 0;
	GError *gerr = NULL;

	if (!g_file_get_contents(file, &text, &len, &gerr)) {
		desk_status s = bad(err, p, "vip", "%s", gerr->message);

		g_error_free(gerr);
		return s;
	}
	if (len > VIP_MAX) {
		g_free(text);
		return bad(err, p, "vip", "%s: larger than 1 MiB", file);
	}
	p->vip = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l != NULL; l++) {
		char *a = g_strstrip(*l);

		if (*a != '\0' && *a != '#')
			g_hash_table_add(p->vip, g_ascii_strdown(a, -1));
	}
	g_strfreev(lines);
	g_free(text);
	return DESK_OK;
}

gboolean
sla_policy_vip(const sla_policy *p, const char *addr)
{
	char *low;
	const char *at;
	gboolean in;

	if (p->vip == NULL)
		return TRUE;
	if (addr == NULL || *addr == '\0')
		return FALSE;
	low = g_ascii_strdown(addr, -1);
	at = strrchr(low, '@');
	in = g_hash_table_contains(p->vip, low) || (at != NULL && g_hash_table_contains(p->vip, at));
	g_free(low);
	return in;
}

static desk_status
parse_bool(GKeyFile *kf, sla_policy *p, const char *group, const char *key, gboolean *out, desk_err *err)
{
	char *v = value_of(kf, group, key);
	desk_status s = DESK_OK;

	if (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0)
		*out = TRUE;
	else if (strcmp(v, "false") == 0 || strcmp(v, "no") == 0)
		*out = FALSE;
	else
		s = bad(err, p, key, "not true or false: %s", v);
	g_free(v);
	return s;
}

/* NULL for "", else a copy of V; V freed. */
static char *
or_null(char *v)
{
	if (v != NULL && *v == '\0') {
		g_free(v);
		return NULL;
	}
	return v;
}

static desk_status
parse_targets(GKeyFile *kf, sla_policy *p, const char *group, desk_err *err)
{
	desk_status s = DESK_OK;
	gboolean any = FALSE;

	for (int t = 0; s == DESK_OK && t < SLA_TARGETS; t++) {
		char *v = value_of(kf, group, target_keys[t]);

		if (!sla_parse_duration(v, &p->target[t]))
			s = bad(err, p, target_keys[t], "not a duration (4h, 30m, 1h30m; 0: none): %s", v);
		any |= p->target[t] > 0;
		g_free(v);
	}
	if (s == DESK_OK && !any)
		s = bad(err, p, "", "no target (first_response, next_response, resolution)");
	return s;
}

static desk_status
parse_calendar(GKeyFile *kf, sla_policy *p, const char *group, const char *dir, const char *desk_zone,
	       desk_err *err)
{
	char *zone = value_of(kf, group, "timezone"), *hours = value_of(kf, group, "hours");
	char *hol = value_of(kf, group, "holidays"), *holpath = *hol != '\0' ? in_dir(dir, hol) : NULL;
	desk_err e = { 0 };
	desk_status s = calendar_new(*zone != '\0' ? zone : desk_zone, hours, holpath, &p->cal, &e);

	if (s != DESK_OK) {
		const char *key = strstr(e.msg, "time zone") != NULL ? "timezone"
				  : strncmp(e.msg, "holidays", 8) == 0 || (holpath != NULL && g_str_has_prefix(e.msg, holpath))
				  ? "holidays" : "hours";

		s = bad(err, p, key, "%s", e.msg);
	}
	g_free(zone);
	g_free(hours);
	g_free(hol);
	g_free(holpath);
	return s;
}

static desk_status
parse_escalation(GKeyFile *kf, sla_policy *p, const char *group, desk_err *err)
{
	char *warn = value_of(kf, group, "warn_percent"), *end = NULL;
	long n = strtol(warn, &end, 10);
	desk_status s = DESK_OK;

	if (*warn == '\0' || *end != '\0' || n < 1 || n > 100)
		s = bad(err, p, "warn_percent", "not a number from 1 to 100: %s", warn);
	p->warn_percent = (int)n;
	g_free(warn);
	p->raise = or_null(value_of(kf, group, "escalate_priority"));
	p->move_queue = or_null(value_of(kf, group, "escalate_queue"));
	p->reassign = or_null(value_of(kf, group, "escalate_owner"));
	p->mail = or_null(value_of(kf, group, "escalate_mail"));
	p->mail_template = value_of(kf, group, "escalate_template");
	if (s == DESK_OK && p->mail != NULL &&
	    (strchr(p->mail, '@') == NULL || strpbrk(p->mail, " \t<>()[],;:\\\"") != NULL))
		s = bad(err, p, "escalate_mail", "not an address: %s", p->mail);
	return s;
}

static desk_status
check_keys(GKeyFile *kf, sla_policy *p, const char *group, desk_err *err)
{
	char **ks = g_key_file_get_keys(kf, group, NULL, NULL);
	desk_status s = DESK_OK;

	for (char **k = ks; s == DESK_OK && k != NULL && *k != NULL; k++)
		if (!g_strv_contains(keys, *k))
			s = bad(err, p, *k, "unknown key (see maildesk.conf(5))");
	g_strfreev(ks);
	return s;
}

static desk_status
parse_policy(GKeyFile *kf, const char *group, sla_policy *p, const char *dir, const char *desk_zone,
	     desk_err *err)
{
	char *prio = value_of(kf, group, "priority"), *vip = value_of(kf, group, "vip");
	desk_status s = check_keys(kf, p, group, err);

	p->priorities = g_strsplit_set(prio, "; ,", -1);
	if (s == DESK_OK && *prio == '\0')
		s = bad(err, p, "priority", "missing: the priorities this policy is for");
	p->queue = or_null(value_of(kf, group, "queue"));
	if (s == DESK_OK)
		s = parse_targets(kf, p, group, err);
	if (s == DESK_OK)
		s = parse_calendar(kf, p, group, dir, desk_zone, err);
	if (s == DESK_OK)
		s = parse_bool(kf, p, group, "pause_pending", &p->pause_pending, err);
	if (s == DESK_OK)
		s = parse_bool(kf, p, group, "pause_on_hold", &p->pause_on_hold, err);
	if (s == DESK_OK)
		s = parse_escalation(kf, p, group, err);
	if (s == DESK_OK && *vip != '\0') {
		char *file = in_dir(dir, vip);

		s = load_vip(p, file, err);
		g_free(file);
	}
	g_free(prio);
	g_free(vip);
	return s;
}

/* P's key lines from LINES (group -> table), or an empty table. */
static GHashTable *
lines_of(GHashTable *lines, const char *group)
{
	GHashTable *src = g_hash_table_lookup(lines, group), *dst;
	GHashTableIter it;
	gpointer k, v;

	dst = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	if (src == NULL)
		return dst;
	g_hash_table_iter_init(&it, src);
	while (g_hash_table_iter_next(&it, &k, &v))
		g_hash_table_insert(dst, g_strdup(k), v);
	return dst;
}

desk_status
sla_policies_parse(GKeyFile *kf, const char *path, const char *desk_zone, GPtrArray *out, desk_err *err)
{
	char **groups = g_key_file_get_groups(kf, NULL), *text = NULL, *dir = g_path_get_dirname(path);
	GHashTable *lines = NULL;
	desk_status s = DESK_OK;

	for (char **g = groups; s == DESK_OK && *g != NULL; g++) {
		sla_policy *p;

		if (!g_str_has_prefix(*g, GROUP_PREFIX))
			continue;
		if (lines == NULL) {
			g_file_get_contents(path, &text, NULL, NULL);
			lines = scan_lines(text);
		}
		p = g_new0(sla_policy, 1);
		p->name = g_strdup(g_strstrip(*g + strlen(GROUP_PREFIX)));
		p->path = g_strdup(path);
		p->lines = lines_of(lines, *g);
		g_ptr_array_add(out, p);
		if (*p->name == '\0' || strlen(p->name) > 64 || strpbrk(p->name, " \t;=") != NULL)
			s = bad(err, p, "", "a policy's name: letters, digits, . _ -");
		else
			s = parse_policy(kf, *g, p, dir, desk_zone, err);
	}
	if (lines != NULL)
		g_hash_table_destroy(lines);
	g_free(text);
	g_free(dir);
	g_strfreev(groups);
	return s;
}
