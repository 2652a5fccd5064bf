/* doctor-postfix.c: desk doctor's checks of Postfix, as its postconf(1)
 * and postmap(1) report it: the milter, what happens when it is down, the
 * recipient delimiter, and the desk's addresses reaching the store
 * (doctor.h). Only what can be told reliably; "cannot tell" otherwise. */
#include <pwd.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "doctor.h"
#include "listen.h"

/* The parameters doctor_pf knows. */
static const char *const pf_params[] = {
	"smtpd_milters", "milter_default_action", "recipient_delimiter", "mail_owner", "virtual_mailbox_domains",
	"virtual_mailbox_maps", "virtual_mailbox_base", "virtual_transport", "virtual_uid_maps",
	"virtual_gid_maps", "transport_maps", "mydestination", NULL,
};

/* The program PROG ("postconf", "postmap", "postfix") next to --postconf. */
static char *
pf_program(doctor_ctx *c, const char *prog)
{
	const char *pc = c->o->postconf;

	if (pc == NULL || strchr(pc, '/') == NULL)
		return g_strdup(strcmp(prog, "postconf") == 0 && pc != NULL ? pc : prog);
	if (strcmp(prog, "postconf") == 0)
		return g_strdup(pc);
	{
		char *dir = g_path_get_dirname(pc), *p = g_build_filename(dir, prog, NULL);

		g_free(dir);
		return p;
	}
}

int
doctor_postfix_run(doctor_ctx *c, const char *prog, const char *const *args, char **out)
{
	GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
	char *err_text = NULL;
	GError *gerr = NULL;
	int status = -1;

	g_ptr_array_add(argv, pf_program(c, prog));
	if (c->o->config_dir != NULL) {
		g_ptr_array_add(argv, g_strdup("-c"));
		g_ptr_array_add(argv, g_strdup(c->o->config_dir));
	}
	for (; *args != NULL; args++)
		g_ptr_array_add(argv, g_strdup(*args));
	g_ptr_array_add(argv, NULL);
	*out = NULL;
	if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, out, &err_text,
			  &status, &gerr)) {
		*out = g_strdup(gerr->message);
		g_error_free(gerr);
		status = -1;
	} else if (!WIFEXITED(status)) {
		g_free(*out);
		*out = g_strdup_printf("%s died", (char *)argv->pdata[0]);
		status = -1;
	} else {
		status = WEXITSTATUS(status);
		if (status != 0 && err_text != NULL && *g_strstrip(err_text) != '\0') {
			g_free(*out);
			*out = g_strdup(err_text);
		}
	}
	g_free(err_text);
	g_ptr_array_unref(argv);
	return status;
}

/* postconf -x of pf_params into c->pf, once. */
static void
pf_load(doctor_ctx *c)
{
	const char *args[G_N_ELEMENTS(pf_params) + 1] = { "-x" };
	char *out = NULL, **lines;
	int rc;

	if (c->pf != NULL || c->pf_error != NULL)
		return;
	memcpy(args + 1, pf_params, sizeof pf_params);
	rc = doctor_postfix_run(c, "postconf", args, &out);
	if (rc != 0) {
		c->pf_error = rc < 0 ? g_strdup_printf("postconf: %s", out) : g_strdup(g_strstrip(out));
		g_free(out);
		return;
	}
	c->pf = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	lines = g_strsplit(out, "\n", -1);
	for (char **l = lines; *l != NULL; l++) {
		char *eq = strstr(*l, " =");

		if (eq == NULL)
			continue;
		*eq = '\0';
		for (const char *const *p = pf_params; *p != NULL; p++)
			if (strcmp(*l, *p) == 0)
				g_hash_table_replace(c->pf, g_strdup(*l), g_strstrip(g_strdup(eq + 2)));
	}
	g_strfreev(lines);
	g_free(out);
}

const char *
doctor_pf(doctor_ctx *c, const char *name)
{
	pf_load(c);
	return c->pf != NULL ? g_hash_table_lookup(c->pf, name) : NULL;
}

/* "postconf [-c DIR] -e 'ASSIGNMENT' && postfix [-c DIR] reload". */
static char *
pf_fix(doctor_ctx *c, const char *assignment)
{
	char *q = g_shell_quote(assignment), *dir = NULL, *fix;

	if (c->o->config_dir != NULL) {
		char *qd = g_shell_quote(c->o->config_dir);

		dir = g_strdup_printf(" -c %s", qd);
		g_free(qd);
	}
	fix = g_strdup_printf("postconf%s -e %s && postfix%s reload", dir ? dir : "", q, dir ? dir : "");
	g_free(dir);
	g_free(q);
	return fix;
}

/* The value of NAME, or a line saying why there is none (*l). */
static const char *
pf_value(doctor_ctx *c, const char *check, const char *name, doctor_line **l)
{
	const char *v = doctor_pf(c, name);

	*l = NULL;
	if (c->pf == NULL)
		*l = doctor_unknown(check, "cannot tell: %s (not Postfix? --postconf, --config-dir)", c->pf_error);
	else if (v == NULL)
		*l = doctor_unknown(check, "cannot tell: postconf does not know %s", name);
	return v;
}

/* Add the words of V to OUT: split at spaces and commas outside braces;
 * a word that is a group "{ ... }" gives the words inside it, while
 * "inline:{ ... }" stays one word. */
static void
pf_split(const char *v, GPtrArray *out)
{
	GString *w = g_string_new(NULL);
	int depth = 0;

	for (const char *p = v;; p++) {
		if (*p == '\0' || (depth == 0 && strchr(" \t\n,", *p) != NULL)) {
			if (w->len >= 2 && w->str[0] == '{' && w->str[w->len - 1] == '}') {
				w->str[w->len - 1] = '\0';
				pf_split(w->str + 1, out);
			} else if (w->len > 0) {
				g_ptr_array_add(out, g_strdup(w->str));
			}
			g_string_truncate(w, 0);
			if (*p == '\0')
				break;
			continue;
		}
		depth += *p == '{' ? 1 : *p == '}' && depth > 0 ? -1 : 0;
		g_string_append_c(w, *p);
	}
	g_string_free(w, TRUE);
}

char **
doctor_pf_words(const char *v)
{
	GPtrArray *out = g_ptr_array_new();

	pf_split(v != NULL ? v : "", out);
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

/* Our socket as Postfix names it: unix:PATH or inet:HOST:PORT. */
static char *
pf_socket_name(const char *spec)
{
	const char *path = listen_unix_path(spec);
	char *full, *at, *r;

	if (path != NULL)
		return g_strconcat("unix:", path, NULL);
	full = listen_spec(spec);
	at = strchr(full, '@');
	r = at != NULL && strchr(full, ':') != NULL
		    ? g_strdup_printf("inet:%s:%.*s", at + 1, (int)(at - strchr(full, ':') - 1), strchr(full, ':') + 1)
		    : g_strdup(full);
	g_free(full);
	return r;
}

doctor_line *
doctor_pf_milters(doctor_ctx *c)
{
	doctor_line *l;
	const char *v = pf_value(c, "smtpd_milters", "smtpd_milters", &l);
	char *want, **words, *assign, *fix;
	gboolean found = FALSE;

	if (l != NULL)
		return l;
	if (c->socket == NULL)
		return doctor_unknown("smtpd_milters", "cannot tell: maildesk.conf does not load (milter.socket)");
	want = pf_socket_name(c->socket);
	words = doctor_pf_words(v);
	for (char **w = words; *w != NULL && !found; w++)
		found = strcmp(*w, want) == 0;
	if (found) {
		l = doctor_ok("smtpd_milters", "names the milter's socket %s", want);
	} else {
		assign = g_strdup_printf("smtpd_milters = %s%s%s", v, *v ? ", " : "", want);
		fix = pf_fix(c, assign);
		l = *v == '\0' ? doctor_fail("smtpd_milters", fix, "smtpd_milters is empty: mail passes unthreaded")
				: doctor_fail("smtpd_milters", fix,
					      "smtpd_milters = %s does not name %s: mail passes unthreaded", v, want);
		g_free(assign);
		g_free(fix);
	}
	g_strfreev(words);
	g_free(want);
	return l;
}

doctor_line *
doctor_pf_default(doctor_ctx *c)
{
	doctor_line *l;
	const char *v = pf_value(c, "milter_default_action", "milter_default_action", &l);
	char *fix;

	if (l != NULL)
		return l;
	if (strcmp(v, "tempfail") == 0)
		return doctor_ok("milter_default_action", "tempfail: while the milter is down, mail waits");
	fix = pf_fix(c, "milter_default_action = tempfail");
	l = doctor_fail("milter_default_action", fix,
			"milter_default_action = %s: while the milter is down, mail is not kept for it", v);
	g_free(fix);
	return l;
}

doctor_line *
doctor_pf_delimiter(doctor_ctx *c)
{
	doctor_line *l;
	const char *v = pf_value(c, "recipient_delimiter", "recipient_delimiter", &l);
	char *fix;

	if (l != NULL)
		return l;
	if (strchr(v, '+') != NULL)
		return doctor_ok("recipient_delimiter", "%s: support+42-TOKEN@ reaches support@", v);
	fix = pf_fix(c, "recipient_delimiter = +");
	l = doctor_fail("recipient_delimiter", fix,
			"recipient_delimiter %s%s: replies to support+42-TOKEN@ do not reach the desk",
			*v ? "has no + in " : "is empty", v);
	g_free(fix);
	return l;
}
