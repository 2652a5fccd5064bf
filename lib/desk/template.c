/* template.c: find, read, expand and parse the templates of mail we send. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "event.h"
#include "template.h"

#ifndef DESK_DATADIR
#define DESK_DATADIR "/usr/share/maildesk"
#endif

void
template_free(desk_template *t)
{
	if (t == NULL)
		return;
	g_free(t->subject);
	xset_free(t->set);
	g_free(t->status);
	g_free(t->body);
	g_free(t);
}

gboolean
template_name_ok(const char *name)
{
	if (name == NULL || *name == '\0' || *name == '.' || strlen(name) > 64)
		return FALSE;
	for (const char *p = name; *p; p++)
		if (!g_ascii_isalnum(*p) && *p != '.' && *p != '_' && *p != '-')
			return FALSE;
	return TRUE;
}

static gboolean
is_command(const char *line)
{
	static const char *const keys[] = { "subject:", "status:", "priority:", "tag:", "owner:", NULL };

	for (int i = 0; keys[i] != NULL; i++)
		if (g_ascii_strncasecmp(line, keys[i], strlen(keys[i])) == 0)
			return TRUE;
	return FALSE;
}

/* templates/ next to the running program, for a build that is not installed. */
static char *
program_dir_templates(void)
{
	char *exe = g_file_read_link("/proc/self/exe", NULL);
	char *dir, *out;

	if (exe == NULL)
		return NULL;
	dir = g_path_get_dirname(exe);
	out = g_build_filename(dir, "templates", NULL);
	g_free(dir);
	g_free(exe);
	return out;
}

char **
template_dirs(desk_store *st)
{
	const char *env = g_getenv("MAILDESK_TEMPLATES_DIR");
	GPtrArray *d = g_ptr_array_new();
	char *here = program_dir_templates();

	g_ptr_array_add(d, g_build_filename(st->dir, "templates", NULL));
	if (env != NULL && *env != '\0')
		g_ptr_array_add(d, g_strdup(env));
	g_ptr_array_add(d, g_strdup(DESK_DATADIR "/templates"));
	g_ptr_array_add(d, g_strdup(DESK_DATADIR));
	if (here != NULL)
		g_ptr_array_add(d, here);
	g_ptr_array_add(d, NULL);
	return (char **)g_ptr_array_free(d, FALSE);
}

desk_status
template_find(desk_store *st, const char *name, char **path, desk_err *err)
{
	char **dirs;
	char *file, *looked;

	*path = NULL;
	if (!template_name_ok(name))
		return desk_fail(err, DESK_USAGE, "bad template name '%s'", name);
	dirs = template_dirs(st);
	file = g_strconcat(name, ".txt", NULL);
	for (char **d = dirs; *d != NULL && *path == NULL; d++) {
		char *p = g_build_filename(*d, file, NULL);

		if (g_file_test(p, G_FILE_TEST_IS_REGULAR))
			*path = p;
		else
			g_free(p);
	}
	looked = g_strjoinv(", ", dirs);
	if (*path == NULL)
		desk_fail(err, DESK_NOTFOUND, "no template '%s' (looked in %s; desk templates lists them)", name,
			  looked);
	g_free(looked);
	g_free(file);
	g_strfreev(dirs);
	return *path != NULL ? DESK_OK : DESK_NOTFOUND;
}

void
template_file_free(template_file *f)
{
	if (f == NULL)
		return;
	g_free(f->name);
	g_free(f->path);
	g_free(f->header);
	g_free(f);
}

/* The header block of template file PATH as it is written ("Status:
 * pending; Tag: +x"), "" when none or unreadable. */
static char *
header_of(const char *path)
{
	char *text = NULL;
	gsize len = 0;
	GString *h = g_string_new(NULL);

	if (g_file_get_contents(path, &text, &len, NULL) && len <= TEMPLATE_MAX_SIZE &&
	    g_utf8_validate(text, len, NULL) && is_command(text)) {
		char **lines = g_strsplit(text, "\n", 50);

		for (char **l = lines; *l != NULL && *g_strchomp(*l) != '\0' && is_command(*l); l++)
			g_string_append_printf(h, "%s%s", h->len ? "; " : "", *l);
		g_strfreev(lines);
	}
	g_free(text);
	return g_string_free(h, FALSE);
}

static gint
by_name(gconstpointer a, gconstpointer b)
{
	return strcmp((*(template_file *const *)a)->name, (*(template_file *const *)b)->name);
}

/* Add the templates of DIR to OUT, those of a name OUT has last (shadowed). */
static void
list_dir(const char *dir, GHashTable *seen, GPtrArray *out)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *e;

	while (d != NULL && (e = g_dir_read_name(d)) != NULL && out->len < 1000) {
		char *name, *path;
		template_file *f;

		if (!g_str_has_suffix(e, ".txt"))
			continue;
		name = g_strndup(e, strlen(e) - 4);
		path = g_build_filename(dir, e, NULL);
		if (!template_name_ok(name) || !g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
			g_free(name);
			g_free(path);
			continue;
		}
		f = g_new0(template_file, 1);
		f->name = name;
		f->path = path;
		f->header = header_of(path);
		f->shadowed = g_hash_table_contains(seen, name);
		g_hash_table_add(seen, g_strdup(name));
		g_ptr_array_add(out, f);
	}
	if (d != NULL)
		g_dir_close(d);
}

GPtrArray *
template_list(desk_store *st)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)template_file_free);
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	char **dirs = template_dirs(st);
	GHashTable *done = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	for (char **d = dirs; *d != NULL; d++) {
		char *real = realpath(*d, NULL);  /* one directory named twice is listed once */

		if (real == NULL || g_hash_table_contains(done, real)) {
			free(real);
			continue;
		}
		g_hash_table_add(done, g_strdup(real));
		list_dir(*d, seen, out);
		free(real);
	}
	g_ptr_array_sort(out, by_name);  /* stable: the one used stays first */
	g_hash_table_unref(done);
	g_hash_table_unref(seen);
	g_strfreev(dirs);
	return out;
}

desk_status
template_expand(const char *text, GHashTable *vars, char **out, desk_err *err)
{
	GString *s = g_string_sized_new(strlen(text) + 64);
	const char *p = text;

	*out = NULL;
	while (*p != '\0') {
		const char *d = strchr(p, '$');
		const char *end;
		char *name;
		const char *v;

		if (d == NULL) {
			g_string_append(s, p);
			break;
		}
		g_string_append_len(s, p, d - p);
		if (d[1] == '$') {
			g_string_append_c(s, '$');
			p = d + 2;
			continue;
		}
		if (d[1] != '{') {
			g_string_append_c(s, '$');
			p = d + 1;
			continue;
		}
		end = strchr(d + 2, '}');
		if (end == NULL || memchr(d + 2, '\n', end - d - 2) != NULL) {
			g_string_free(s, TRUE);
			return desk_fail(err, DESK_DATAERR, "unclosed '${' in template");
		}
		name = g_strndup(d + 2, end - d - 2);
		v = g_hash_table_lookup(vars, name);
		if (v == NULL) {
			desk_fail(err, DESK_DATAERR, "unknown placeholder ${%.60s} in template", name);
			g_free(name);
			g_string_free(s, TRUE);
			return DESK_DATAERR;
		}
		g_string_append(s, v);
		g_free(name);
		p = end + 1;
	}
	*out = g_string_free(s, FALSE);
	return DESK_OK;
}

/* Check the tags of "Tag: +x -y" and add them to SET. */
static desk_status
add_tags(xset *set, const char *value, desk_err *err)
{
	char **words = g_strsplit_set(value, " \t,", -1);
	desk_status s = DESK_OK;

	for (char **w = words; s == DESK_OK && *w != NULL; w++) {
		const char *tag = **w == '+' || **w == '-' ? *w + 1 : *w;

		if (**w == '\0')
			continue;
		if (!ticket_tag_valid(tag))
			s = desk_fail(err, DESK_DATAERR, "template: bad tag '%.60s'", *w);
		else {
			char *v = g_strconcat(**w == '-' ? "-" : "+", tag, NULL);

			xset_add(set, "tag", v);
			g_free(v);
		}
	}
	g_strfreev(words);
	return s;
}

/* One command line of the header block, VALUE already expanded. */
static desk_status
apply_command(desk_template *t, xset *set, const char *key, const char *value,
	      const GPtrArray *agents, desk_err *err)
{
	if (g_ascii_strcasecmp(key, "subject") == 0) {
		g_free(t->subject);
		t->subject = g_strdup(value);
	} else if (g_ascii_strcasecmp(key, "status") == 0) {
		if (!ticket_status_valid(value))
			return desk_fail(err, DESK_DATAERR, "template: bad status '%.60s'", value);
		g_free(t->status);
		t->status = g_strdup(value);
		xset_add(set, "status", value);
	} else if (g_ascii_strcasecmp(key, "priority") == 0) {
		if (!ticket_priority_valid(value))
			return desk_fail(err, DESK_DATAERR, "template: bad priority '%.60s'", value);
		xset_add(set, "priority", value);
	} else if (g_ascii_strcasecmp(key, "tag") == 0) {
		return add_tags(set, value, err);
	} else {
		const char *login = strcmp(value, "none") == 0 ? "" : value;

		if (*login != '\0' && agent_find(agents, login) == NULL)
			return desk_fail(err, DESK_DATAERR, "template: owner '%.60s' is not an agent", value);
		xset_add(set, "owner", login);
	}
	return DESK_OK;
}

/* The header block of TEXT, if it has one; *body points after it. */
static desk_status
parse_block(desk_template *t, const char *text, GHashTable *vars, const GPtrArray *agents,
	    const char **body, desk_err *err)
{
	xset *set;
	const char *p = text;
	desk_status s = DESK_OK;

	*body = text;
	if (!is_command(text))
		return DESK_OK;
	set = xset_new();
	while (s == DESK_OK && *p != '\0' && *p != '\n') {
		const char *nl = strchrnul(p, '\n');
		char *line = g_strndup(p, nl - p);
		char *colon = strchr(line, ':');
		char *value = NULL;

		g_strchomp(line);
		if (colon == NULL || !is_command(line)) {
			s = desk_fail(err, DESK_DATAERR,
				      "template: '%.60s' in the header block (Subject, Status, Priority, Tag, Owner; "
				      "a blank line ends it)", line);
		} else {
			*colon = '\0';
			s = template_expand(g_strstrip(colon + 1), vars, &value, err);
			if (s == DESK_OK)
				s = apply_command(t, set, line, value, agents, err);
		}
		g_free(value);
		g_free(line);
		p = *nl ? nl + 1 : nl;
	}
	*body = *p == '\n' ? p + 1 : p;
	if (xset_len(set) > 0)
		t->set = set;
	else
		xset_free(set);
	return s;
}

desk_status
template_parse(const char *text, GHashTable *vars, const GPtrArray *agents, desk_template **out,
	       desk_err *err)
{
	desk_template *t = g_new0(desk_template, 1);
	const char *body;
	desk_status s = parse_block(t, text, vars, agents, &body, err);

	if (s == DESK_OK)
		s = template_expand(body, vars, &t->body, err);
	if (s != DESK_OK) {
		template_free(t);
		t = NULL;
	}
	*out = t;
	return s;
}

desk_status
template_load(desk_store *st, const char *name, GHashTable *vars, desk_template **out, desk_err *err)
{
	char *path = NULL, *text = NULL;
	gsize len = 0;
	GError *gerr = NULL;
	desk_status s = template_find(st, name, &path, err);

	*out = NULL;
	if (s != DESK_OK)
		return s;
	if (!g_file_get_contents(path, &text, &len, &gerr)) {
		s = desk_fail(err, DESK_NOTFOUND, "template %s: %s", path, gerr->message);
		g_error_free(gerr);
	} else if (len > TEMPLATE_MAX_SIZE || !g_utf8_validate(text, len, NULL)) {
		s = desk_fail(err, DESK_DATAERR, "template %s: not UTF-8 text of at most %d bytes", path,
			      TEMPLATE_MAX_SIZE);
	} else {
		s = template_parse(text, vars, st->cfg->agents, out, err);
		if (s != DESK_OK) {
			char *msg = g_strdup(err->msg);

			desk_fail(err, s, "%s: %s", path, msg);
			g_free(msg);
		}
	}
	g_free(text);
	g_free(path);
	return s;
}

static void
put(GHashTable *h, const char *k, const char *v)
{
	g_hash_table_insert(h, g_strdup(k), g_strdup(v != NULL ? v : ""));
}

GHashTable *
template_vars(desk_store *st, const ticket_info *t, const desk_agent *me)
{
	GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	GDateTime *now = desk_now_local();
	char *num = g_strdup_printf("%u", t->number);
	char *date = g_date_time_format(now, "%Y-%m-%d");
	char *desk_name = g_strdup(t->queue != NULL && *t->queue ? t->queue : "support");

	desk_name[0] = g_ascii_toupper(desk_name[0]);
	put(h, "ticket", num);
	put(h, "subject", t->subject);
	put(h, "requester", t->requester);
	put(h, "requester_name", t->requester_name != NULL && *t->requester_name ? t->requester_name
										: t->requester);
	put(h, "agent", me != NULL ? me->login : "");
	put(h, "agent_name", me != NULL ? (*me->name ? me->name : me->login) : desk_name);
	put(h, "agent_address", me != NULL ? me->address : "");
	put(h, "queue", t->queue);
	put(h, "desk_address", event_desk_address(st, t->queue));
	put(h, "desk_name", desk_name);
	put(h, "status", t->status);
	put(h, "priority", t->priority);
	put(h, "owner", t->owner);
	put(h, "date", date);
	g_free(desk_name);
	g_free(date);
	g_free(num);
	g_date_time_unref(now);
	return h;
}
