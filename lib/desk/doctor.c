/* doctor.c: desk doctor's checks of the store itself: its modes and
 * owners, the secret, the configuration, the index and the KB's hooks
 * (doctor.h; the milter and Postfix are in doctor-milter.c and
 * doctor-postfix.c). */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "doctor.h"
#include "index.h"
#include "kb.h"
#include "sla.h"
#include "store.h"

static doctor_line *
line_new(const char *check, doctor_verdict v, const char *fix, const char *fmt, va_list ap)
{
	doctor_line *l = g_new0(doctor_line, 1);

	l->check = check;
	l->verdict = v;
	l->detail = g_strdup_vprintf(fmt, ap);
	l->fix = g_strdup(fix);
	return l;
}

doctor_line *
doctor_ok(const char *check, const char *fmt, ...)
{
	va_list ap;
	doctor_line *l;

	va_start(ap, fmt);
	l = line_new(check, DOCTOR_OK, NULL, fmt, ap);
	va_end(ap);
	return l;
}

doctor_line *
doctor_unknown(const char *check, const char *fmt, ...)
{
	va_list ap;
	doctor_line *l;

	va_start(ap, fmt);
	l = line_new(check, DOCTOR_UNKNOWN, NULL, fmt, ap);
	va_end(ap);
	return l;
}

doctor_line *
doctor_fail(const char *check, const char *fix, const char *fmt, ...)
{
	va_list ap;
	doctor_line *l;

	va_start(ap, fmt);
	l = line_new(check, DOCTOR_FAIL, fix, fmt, ap);
	va_end(ap);
	return l;
}

void
doctor_line_free(doctor_line *l)
{
	if (l == NULL)
		return;
	g_free(l->detail);
	g_free(l->fix);
	g_free(l);
}

/* maildesk.conf and var/agents of C's store into c->cfg (with the names
 * the SLA policies use checked), or why not. */
static void
load_config(doctor_ctx *c)
{
	char *conf = g_build_filename(c->dir, "maildesk.conf", NULL);
	char *agents = g_build_filename(c->dir, STORE_VAR, "agents", NULL);
	desk_err err = { 0 };

	if (config_load(conf, &c->cfg, &err) == DESK_OK &&
	    (agents_load_file(agents, c->cfg->agents, &err) != DESK_OK || sla_config_check(c->cfg, &err) != DESK_OK))
		g_clear_pointer(&c->cfg, config_free);
	if (c->cfg == NULL)
		c->cfg_error = g_strdup(err.msg);
	g_free(conf);
	g_free(agents);
}

doctor_ctx *
doctor_open(const doctor_opts *o)
{
	doctor_ctx *c = g_new0(doctor_ctx, 1);

	c->o = o;
	c->dir = g_canonicalize_filename(o->store, NULL);
	c->maildir = g_build_filename(c->dir, "mail", NULL);
	c->have_top = stat(c->dir, &c->top) == 0 && S_ISDIR(c->top.st_mode);
	if (c->have_top)
		load_config(c);
	else
		c->cfg_error = g_strdup_printf("%s is not a directory", c->dir);
	if (o->socket != NULL)
		c->socket = g_strdup(o->socket);
	else if (c->cfg != NULL)
		c->socket = g_strdup(c->cfg->milter_socket);
	store_notmuch_env(c->dir);
	return c;
}

void
doctor_close(doctor_ctx *c)
{
	if (c == NULL)
		return;
	g_free(c->dir);
	g_free(c->maildir);
	config_free(c->cfg);
	g_free(c->cfg_error);
	g_free(c->socket);
	if (c->pf != NULL)
		g_hash_table_unref(c->pf);
	g_free(c->pf_error);
	g_free(c);
}

/* The name of group GID, or its number. Caller g_free()s. */
static char *
group_name(gid_t gid)
{
	struct group *gr = getgrgid(gid);

	return gr != NULL ? g_strdup(gr->gr_name) : g_strdup_printf("%u", (unsigned)gid);
}

/* The name of user UID, or its number. Caller g_free()s. */
static char *
user_name(uid_t uid)
{
	struct passwd *pw = getpwuid(uid);

	return pw != NULL ? g_strdup(pw->pw_name) : g_strdup_printf("%u", (unsigned)uid);
}

/* The first directory of the layout that is not as desk init makes it:
 * missing, another mode, or another group than the store's. NULL: none. */
static doctor_line *
store_dirs_check(doctor_ctx *c)
{
	size_t n;
	const store_layout_dir *d = store_layout(&n);
	doctor_line *l = NULL;

	for (size_t i = 0; i < n && l == NULL; i++) {
		char *p = g_build_filename(c->dir, d[i].path, NULL), *fix = NULL, *grp = group_name(c->top.st_gid);
		struct stat sb;

		if (lstat(p, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
			fix = g_strdup_printf("mkdir -m %04o %s && chgrp %s %s", (unsigned)d[i].mode, p, grp, p);
			l = doctor_fail("store", fix, "%s is missing", p);
		} else if ((sb.st_mode & 07777) != d[i].mode) {
			fix = g_strdup_printf("chmod %04o %s", (unsigned)d[i].mode, p);
			l = doctor_fail("store", fix, "%s is mode %04o, not %04o%s", p, (unsigned)(sb.st_mode & 07777),
					(unsigned)d[i].mode, (sb.st_mode & S_IRWXO) ? ": others can read the store" : "");
		} else if (sb.st_gid != c->top.st_gid) {
			fix = g_strdup_printf("chgrp %s %s", grp, p);
			l = doctor_fail("store", fix, "%s is not of the store's group %s", p, grp);
		}
		g_free(fix);
		g_free(grp);
		g_free(p);
	}
	return l;
}

doctor_line *
doctor_store(doctor_ctx *c)
{
	char *conf, *user, *grp;
	doctor_line *l;
	struct stat sb;

	if (!c->have_top) {
		char *fix = g_strdup_printf("desk init --address ADDRESS %s, or name the store: desk --store DIR doctor",
					    c->dir);

		l = doctor_fail("store", fix, "no store at %s", c->dir);
		g_free(fix);
		return l;
	}
	if ((l = store_dirs_check(c)) != NULL)
		return l;
	conf = g_build_filename(c->dir, "maildesk.conf", NULL);
	user = user_name(c->top.st_uid);
	grp = group_name(c->top.st_gid);
	if (stat(conf, &sb) != 0) {
		l = doctor_fail("store", "desk init (in an empty directory)", "%s: %s", conf, g_strerror(errno));
	} else if (sb.st_uid != c->top.st_uid || (sb.st_mode & 0137) != 0) {
		char *fix = g_strdup_printf("chown %s %s && chmod 0640 %s", user, conf, conf);
		char *who = user_name(sb.st_uid);

		l = doctor_fail("store", fix, "%s is mode %04o of %s (not 0640 of the store's owner %s)", conf,
				(unsigned)(sb.st_mode & 07777), who, user);
		g_free(who);
		g_free(fix);
	} else {
		l = doctor_ok("store", "%s: owner %s, group %s, modes as desk init makes them", c->dir, user, grp);
	}
	g_free(conf);
	g_free(user);
	g_free(grp);
	return l;
}

doctor_line *
doctor_secret(doctor_ctx *c)
{
	char *path, *fix = NULL, *user;
	doctor_line *l;
	struct stat sb;

	if (!c->have_top)
		return doctor_unknown("secret", "cannot tell: no store (see store)");
	path = g_build_filename(c->dir, "secret", NULL);
	user = user_name(c->top.st_uid);
	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		l = doctor_fail("secret", "desk init made it: restore it from a backup", "%s is missing", path);
	} else if (sb.st_uid != c->top.st_uid) {
		fix = g_strdup_printf("chown %s %s", user, path);
		l = doctor_fail("secret", fix, "%s does not belong to the store's owner %s", path, user);
	} else if ((sb.st_mode & 0137) != 0) {
		fix = g_strdup_printf("chmod 0640 %s", path);
		l = doctor_fail("secret", fix, "%s is mode %04o%s", path, (unsigned)(sb.st_mode & 07777),
				(sb.st_mode & S_IRWXO) ? ": others can read it and forge reply addresses" :
							 ", not 0640 or 0600");
	} else if (sb.st_size < 16) {
		l = doctor_fail("secret", "restore it from a backup", "%s is too short", path);
	} else {
		l = doctor_ok("secret", "%s: mode %04o, owner %s", path, (unsigned)(sb.st_mode & 07777), user);
	}
	g_free(fix);
	g_free(user);
	g_free(path);
	return l;
}

doctor_line *
doctor_config(doctor_ctx *c)
{
	char *conf, *fix;
	const char *why;
	doctor_line *l;

	if (!c->have_top)
		return doctor_unknown("config", "cannot tell: no store (see store)");
	conf = g_build_filename(c->dir, "maildesk.conf", NULL);
	if (c->cfg == NULL) {
		fix = g_strdup_printf("correct %s (see maildesk.conf(5)), then systemctl reload maildesk-milter", conf);
		l = doctor_fail("config", fix, "%s", c->cfg_error);
		g_free(fix);
	} else if (c->cfg->command_problem != NULL) {
		why = strstr(c->cfg->command_problem, "; fix: ");
		fix = why != NULL ? g_strdup(why + 7) : NULL;
		l = doctor_fail("config", fix, "%.*s", why != NULL ? (int)(why - c->cfg->command_problem) : -1,
				c->cfg->command_problem);
		g_free(fix);
	} else {
		l = doctor_ok("config", "%s and %s/%s/agents load: %u addresses, %u agents", conf, c->dir, STORE_VAR,
			      c->cfg->addresses->len, c->cfg->agents->len);
	}
	g_free(conf);
	return l;
}

/* How many files of mail/new (not dot files) are older than STALE
 * seconds, and the age of the oldest. -1: mail/new cannot be read. */
static int
new_stale(const char *maildir, int stale, gint64 *oldest, int *total)
{
	char *dir = g_build_filename(maildir, "new", NULL);
	DIR *d = opendir(dir);
	struct dirent *e;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	int n = 0;

	*oldest = 0;
	*total = 0;
	while (d != NULL && (e = readdir(d)) != NULL) {
		char *p = g_build_filename(dir, e->d_name, NULL);
		struct stat sb;

		if (e->d_name[0] != '.' && stat(p, &sb) == 0 && S_ISREG(sb.st_mode)) {
			(*total)++;
			if (now - sb.st_mtime > stale)
				n++;
			*oldest = MAX(*oldest, now - (gint64)sb.st_mtime);
		}
		g_free(p);
	}
	if (d != NULL)
		closedir(d);
	g_free(dir);
	return d != NULL ? n : -1;
}

doctor_line *
doctor_index(doctor_ctx *c)
{
	desk_store st = { .dir = c->dir, .maildir = c->maildir };
	notmuch_database_t *db = NULL;
	desk_err err = { 0 };
	gint64 oldest;
	int total, stale;
	doctor_line *l;

	if (!c->have_top)
		return doctor_unknown("index", "cannot tell: no store (see store)");
	if (index_open(&st, FALSE, &db, &err) != DESK_OK)
		return doctor_fail("index", "desk reindex (as the store's owner)", "%s", err.msg);
	notmuch_database_destroy(db);
	stale = new_stale(c->maildir, c->o->stale_seconds, &oldest, &total);
	if (stale < 0)
		l = doctor_fail("index", NULL, "cannot read %s/new: %s", c->maildir, g_strerror(errno));
	else if (stale > 0)
		l = doctor_fail("index", "start maildesk-milter, whose indexer moves them to mail/cur "
			       "(systemctl start maildesk-milter); if it runs, read its log",
			       "%s/new holds %d message%s older than %d s (the oldest %" G_GINT64_FORMAT
			       " s): nothing indexes them", c->maildir, stale, stale == 1 ? "" : "s",
			       c->o->stale_seconds, oldest);
	else
		l = doctor_ok("index", "the notmuch database opens; %s/new holds %d, none older than %d s",
			      c->maildir, total, c->o->stale_seconds);
	return l;
}

doctor_line *
doctor_kb_hooks(doctor_ctx *c)
{
	desk_store st = { .dir = c->dir, .maildir = c->maildir, .cfg = c->cfg };
	desk_err err = { 0 };
	doctor_line *l;
	char *repo;

	if (!c->have_top)
		return doctor_unknown("kb-hooks", "cannot tell: no store (see store)");
	if (c->cfg == NULL)
		return doctor_unknown("kb-hooks", "cannot tell: maildesk.conf does not load (kb.path)");
	repo = kb_repo_path(&st);
	if (!g_file_test(repo, G_FILE_TEST_IS_DIR))
		l = doctor_unknown("kb-hooks", "no KB repository at %s (kb.path): nothing to check", repo);
	else if (kb_hooks_check(repo, c->dir, &err) != DESK_OK)
		l = doctor_fail("kb-hooks", "desk kb hooks (as the store's owner)", "%s", err.msg);
	else
		l = doctor_ok("kb-hooks", "%s/hooks: pre-receive and post-receive as desk kb hooks writes them", repo);
	g_free(repo);
	return l;
}
