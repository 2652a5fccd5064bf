/* doctor-route.c: desk doctor's "delivery" check: does Postfix deliver
 * each of the desk's addresses into the store, by virtual(8) into
 * STORE/mail/ or by a pipe(8) service running desk ingest, as a user who
 * may write there (doctor.h)? Anything else: "cannot tell". */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "doctor.h"

/* What one address needs: a verdict and a text. */
typedef struct route {
	doctor_verdict v;
	char *text;  /* owned */
	char *fix;   /* owned, may be NULL */
} route;

/* Look KEY up in the Postfix list of maps MAPS (postmap -q), the first
 * map that has it; literal words of the list match themselves (a domain
 * list). Caller g_free()s; NULL: not found. */
static char *
pf_lookup(doctor_ctx *c, const char *maps, const char *key)
{
	char **words = doctor_pf_words(maps), *found = NULL;

	for (char **w = words; *w != NULL && found == NULL; w++) {
		char *out = NULL;

		if (strchr(*w, ':') == NULL) {
			if (g_ascii_strcasecmp(*w, key) == 0)
				found = g_strdup(key);
			continue;
		}
		if (doctor_postfix_run(c, "postmap", (const char *const[]){ "-q", key, *w, NULL }, &out) == 0)
			found = g_strdup(g_strstrip(out));
		g_free(out);
	}
	g_strfreev(words);
	return found;
}

/* Whether UID (with group GID alone, as virtual(8) and pipe(8) run) may
 * do WANT (an rwx mask, 07) on PATH. */
static gboolean
may(const char *path, uid_t uid, gid_t gid, int want)
{
	struct stat sb;
	int bits;

	if (stat(path, &sb) != 0)
		return FALSE;
	if (uid == 0)
		return TRUE;
	bits = sb.st_uid == uid ? (sb.st_mode >> 6) & 7 : sb.st_gid == gid ? (sb.st_mode >> 3) & 7 : sb.st_mode & 7;
	return (bits & want) == want;
}

/* NULL when UID:GID may deliver into the store's mail/new (by mail/tmp),
 * else the directory it may not use. */
static const char *
writer_problem(doctor_ctx *c, uid_t uid, gid_t gid, char **tmp)
{
	*tmp = g_build_filename(c->maildir, "tmp", NULL);
	if (!may(c->dir, uid, gid, 1))
		return c->dir;
	if (!may(c->maildir, uid, gid, 1))
		return c->maildir;
	if (!may(*tmp, uid, gid, 3))
		return *tmp;
	return NULL;
}

/* R for uid:gid (NAME says which setting gave them) writing the store. */
static void
route_writer(doctor_ctx *c, route *r, uid_t uid, gid_t gid, const char *how)
{
	char *tmp, *newdir = g_build_filename(c->maildir, "new", NULL);
	const char *bad = writer_problem(c, uid, gid, &tmp);

	if (bad == NULL && !may(newdir, uid, gid, 3))
		bad = newdir;
	if (bad != NULL) {
		r->v = DOCTOR_FAIL;
		r->fix = g_strdup_printf("let uid %u gid %u write %s (chgrp the store's group; chmod 2770)",
					 (unsigned)uid, (unsigned)gid, bad);
		r->text = g_strdup_printf("%s, as uid %u gid %u, who may not write %s", how, (unsigned)uid,
					  (unsigned)gid, bad);
	} else {
		r->v = DOCTOR_OK;
		r->text = g_strdup_printf("%s as uid %u gid %u", how, (unsigned)uid, (unsigned)gid);
	}
	g_free(tmp);
	g_free(newdir);
}

/* The number N of "static:N" (or -1). */
static long
static_id(const char *v)
{
	char *end;
	long n;

	if (v == NULL || !g_str_has_prefix(v, "static:"))
		return -1;
	n = strtol(v + 7, &end, 10);
	return *end == '\0' && n >= 0 ? n : -1;
}

/* Whether the two paths are the same directory. */
static gboolean
same_dir(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* ADDR by virtual(8): its mailbox must be STORE/mail/, written by a user
 * who may. */
static void
route_virtual(doctor_ctx *c, const char *addr, route *r)
{
	char *box = pf_lookup(c, doctor_pf(c, "virtual_mailbox_maps"), addr), *path = NULL;
	long uid = static_id(doctor_pf(c, "virtual_uid_maps")), gid = static_id(doctor_pf(c, "virtual_gid_maps"));
	char *how;

	if (box == NULL) {
		r->v = DOCTOR_FAIL;
		r->text = g_strdup_printf("%s has no mailbox in virtual_mailbox_maps", addr);
		r->fix = g_strdup_printf("map %s to the store's mail/ (relative to virtual_mailbox_base) in "
					 "virtual_mailbox_maps, then postfix reload", addr);
		return;
	}
	path = g_build_filename(doctor_pf(c, "virtual_mailbox_base"), box, NULL);
	if (!g_str_has_suffix(box, "/") || !same_dir(path, c->maildir)) {
		r->v = DOCTOR_FAIL;
		r->text = g_strdup_printf("virtual(8) delivers %s to %s, not to the Maildir %s/", addr, path, c->maildir);
		r->fix = g_strdup_printf("map %s to the store's mail/ in virtual_mailbox_maps", addr);
	} else if (uid < 0 || gid < 0) {
		r->v = DOCTOR_UNKNOWN;
		r->text = g_strdup_printf("%s: virtual(8) into %s/; cannot tell as whom (virtual_uid_maps and "
					  "virtual_gid_maps are not static:N)", addr, c->maildir);
	} else {
		how = g_strdup_printf("%s: virtual(8) into %s/", addr, c->maildir);
		route_writer(c, r, (uid_t)uid, (gid_t)gid, how);
		g_free(how);
	}
	g_free(path);
	g_free(box);
}

/* Whether the words of a pipe(8) argv= run desk ingest on our store; *why
 * gets what is wrong. */
static gboolean
pipe_argv_ok(doctor_ctx *c, char **w, char **why)
{
	gboolean ingest = FALSE;
	const char *store = NULL;

	for (; *w != NULL; w++) {
		if (strcmp(*w, "ingest") == 0)
			ingest = TRUE;
		else if (strcmp(*w, "--store") == 0 && w[1] != NULL)
			store = w[1];
		else if (g_str_has_prefix(*w, "--store="))
			store = *w + 8;
	}
	if (!ingest)
		*why = g_strdup("its argv does not run desk ingest");
	else if (!same_dir(store != NULL ? store : "/var/lib/maildesk", c->dir))
		*why = g_strdup_printf("its desk ingest writes to %s, not to this store",
				       store != NULL ? store : "/var/lib/maildesk");
	return *why == NULL;
}

/* The fields of a master.cf line, separated by white space. g_strfreev(). */
static char **
split_fields(const char *line)
{
	char **all = g_strsplit_set(line, " \t\n", -1);
	GPtrArray *out = g_ptr_array_new();

	for (char **w = all; *w != NULL; w++)
		if (**w != '\0')
			g_ptr_array_add(out, g_strdup(*w));
	g_ptr_array_add(out, NULL);
	g_strfreev(all);
	return (char **)g_ptr_array_free(out, FALSE);
}

/* ADDR by the master.cf service T (pipe(8) to desk ingest). */
static void
route_pipe(doctor_ctx *c, const char *addr, const char *t, route *r)
{
	char *svc = g_strdup_printf("%s/unix", t), *out = NULL, *why = NULL, *how;
	char **f = NULL, **argv = NULL, *user = NULL;
	struct passwd *pw;

	if (doctor_postfix_run(c, "postconf", (const char *const[]){ "-M", svc, NULL }, &out) == 0)
		f = split_fields(out);
	for (char **w = f; w != NULL && *w != NULL; w++) {
		if (g_str_has_prefix(*w, "user="))
			user = g_strndup(*w + 5, strcspn(*w + 5, ":"));
		if (g_str_has_prefix(*w, "argv=") && argv == NULL)
			argv = g_strdupv(w);
	}
	r->v = DOCTOR_UNKNOWN;
	if (f == NULL || g_strv_length(f) < 8 || strcmp(f[7], "pipe") != 0 || argv == NULL) {
		r->text = g_strdup_printf("%s: transport %s is not pipe(8) in master.cf: cannot tell", addr, t);
	} else if (!pipe_argv_ok(c, argv, &why)) {
		r->v = DOCTOR_FAIL;
		r->text = g_strdup_printf("%s: pipe(8) service %s: %s", addr, t, why);
		r->fix = g_strdup_printf("argv=... desk --store %s ingest in master.cf's %s service", c->dir, t);
	} else if (user == NULL || (pw = getpwnam(user)) == NULL) {
		r->text = g_strdup_printf("%s: pipe(8) service %s: cannot tell as whom", addr, t);
	} else {
		how = g_strdup_printf("%s: pipe(8) service %s runs desk ingest", addr, t);
		route_writer(c, r, pw->pw_uid, pw->pw_gid, how);
		g_free(how);
	}
	g_strfreev(argv);
	g_strfreev(f);
	g_free(user);
	g_free(why);
	g_free(out);
	g_free(svc);
}

/* The transport of ADDR: transport_maps, else virtual_transport. */
static char *
route_transport(doctor_ctx *c, const char *addr, const char *domain)
{
	const char *maps = doctor_pf(c, "transport_maps");
	char *t = NULL;

	if (maps != NULL && *maps != '\0' && (t = pf_lookup(c, maps, addr)) == NULL)
		t = pf_lookup(c, maps, domain);
	if (t == NULL || *t == '\0' || *t == ':') {
		g_free(t);
		t = g_strdup(doctor_pf(c, "virtual_transport"));
	}
	if (t != NULL && strchr(t, ':') != NULL)
		*strchr(t, ':') = '\0';  /* the nexthop */
	return t;
}

/* Where Postfix delivers ADDR. */
static void
route_one(doctor_ctx *c, const char *addr, route *r)
{
	const char *domain = strrchr(addr, '@') != NULL ? strrchr(addr, '@') + 1 : "";
	char *virt = pf_lookup(c, doctor_pf(c, "virtual_mailbox_domains"), domain), *t = NULL;

	if (virt == NULL) {
		r->v = DOCTOR_UNKNOWN;
		r->text = g_strdup_printf("%s: %s is not in virtual_mailbox_domains: cannot tell where it goes (local "
					  "aliases, a relay?)", addr, domain);
	} else if ((t = route_transport(c, addr, domain)) == NULL || strcmp(t, "virtual") == 0) {
		route_virtual(c, addr, r);
	} else {
		route_pipe(c, addr, t, r);
	}
	g_free(virt);
	g_free(t);
}

doctor_line *
doctor_pf_delivery(doctor_ctx *c)
{
	GString *ok = g_string_new(NULL), *unknown = g_string_new(NULL);
	doctor_line *l = NULL;

	if (!c->have_top)
		l = doctor_unknown("delivery", "cannot tell: no store (see store)");
	else if (c->cfg == NULL)
		l = doctor_unknown("delivery", "cannot tell: maildesk.conf does not load (desk.addresses)");
	else if (doctor_pf(c, "virtual_mailbox_domains") == NULL)
		l = doctor_unknown("delivery", "cannot tell: %s", c->pf_error != NULL ? c->pf_error : "no postconf");
	else if (c->cfg->addresses->len == 0)
		l = doctor_fail("delivery", "desk.addresses in maildesk.conf", "the desk has no addresses");
	for (guint i = 0; l == NULL && i < c->cfg->addresses->len; i++) {
		const desk_address *a = c->cfg->addresses->pdata[i];
		route r = { 0 };

		route_one(c, a->address, &r);
		if (r.v == DOCTOR_FAIL)
			l = doctor_fail("delivery", r.fix, "%s", r.text);
		g_string_append_printf(r.v == DOCTOR_OK ? ok : unknown, "%s%s", (r.v == DOCTOR_OK ? ok : unknown)->len ? "; " : "",
				       r.text);
		g_free(r.text);
		g_free(r.fix);
	}
	if (l == NULL)
		l = unknown->len > 0 ? doctor_unknown("delivery", "%s", unknown->str) : doctor_ok("delivery", "%s", ok->str);
	g_string_free(ok, TRUE);
	g_string_free(unknown, TRUE);
	return l;
}
