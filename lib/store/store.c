/* store.c: the store's directories, counter, lock and safe delivery. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "agent.h"
#include "charset.h"
#include "clock.h"
#include "ratelimit.h"
#include "rules.h"
#include "sender.h"
#include "seq.h"
#include "sla.h"
#include "store.h"

const char *
store_default_dir(const char *arg)
{
	const char *env = g_getenv("MAILDESK_STORE");

	if (arg != NULL && *arg != '\0')
		return arg;
	if (env != NULL && *env != '\0')
		return env;
	return "/var/lib/maildesk";
}

static desk_status
read_secret(desk_store *st, desk_err *err)
{
	char *path = g_build_filename(st->dir, "secret", NULL), *data;
	gsize len;
	GError *gerr = NULL;

	if (!g_file_get_contents(path, &data, &len, &gerr)) {
		desk_status s = desk_fail(err, DESK_TEMPFAIL, "cannot read the token secret: %s", gerr->message);

		g_error_free(gerr);
		g_free(path);
		return s;
	}
	g_free(path);
	if (len < 16) {
		g_free(data);
		return desk_fail(err, DESK_CONFIG, "the token secret %s/secret is too short", st->dir);
	}
	st->secret = g_bytes_new_take(data, len);
	return DESK_OK;
}

/* maildesk.conf of the store DIR with its [sender] keys checked (and
 * rate limits parsed: lib/store/sender.h), then the agents of STORE/var/agents,
 * then the queues, agents and priorities the SLA policies name (sla.h). */
static desk_status
load_config(const char *dir, desk_config **out, desk_err *err)
{
	char *conf = g_build_filename(dir, "maildesk.conf", NULL);
	char *agents = g_build_filename(dir, STORE_VAR, "agents", NULL);
	desk_status s = config_load(conf, out, err);

	if (s == DESK_OK && ((s = sender_config_check(*out, err)) != DESK_OK ||
			     (s = agents_load_file(agents, (*out)->agents, err)) != DESK_OK ||
			     (s = sla_config_check(*out, err)) != DESK_OK)) {
		config_free(*out);
		*out = NULL;
	}
	g_free(conf);
	g_free(agents);
	return s;
}

/* A store made before STORE/var existed: make it and move the files that
 * now live there into it, so that no blocked sender gets through after an
 * upgrade. Best effort: whoever may write the store's top (its owner, the
 * milter) does it the first time. */
static void
upgrade_layout(const char *dir)
{
	static const char *const moved[] = { "blocked", "kb-index.sqlite", NULL };
	char *var = g_build_filename(dir, STORE_VAR, NULL);

	if (!g_file_test(var, G_FILE_TEST_IS_DIR) && mkdir(var, 02770) == 0) {
		chmod(var, 02770); /* not narrowed by the umask: agents share it */
		for (const char *const *m = moved; *m != NULL; m++) {
			char *from = g_build_filename(dir, *m, NULL), *to = g_build_filename(var, *m, NULL);

			rename(from, to);
			g_free(from);
			g_free(to);
		}
	}
	g_free(var);
}

void
store_notmuch_env(const char *dir)
{
	/* libnotmuch looks for hooks and backups under $XDG_CONFIG_HOME and
	 * $XDG_DATA_HOME (else under $HOME) even with no config file, and fails
	 * when they are unreadable (a daemon user with root's HOME): point them
	 * into the store, where there are none. */
	g_setenv("XDG_CONFIG_HOME", dir, TRUE);
	g_setenv("XDG_DATA_HOME", dir, TRUE);
}


desk_status
store_open(const char *dir, desk_store **out, desk_err *err)
{
	desk_store *st = g_new0(desk_store, 1);
	char *conf, *newdir;
	desk_status s;

	*out = NULL;
	st->dir = g_canonicalize_filename(dir, NULL);
	st->maildir = g_build_filename(st->dir, "mail", NULL);
	st->rate = ratelimit_new(st->dir);
	st->seqq = seqq_new();
	conf = g_build_filename(st->dir, "maildesk.conf", NULL);
	newdir = g_build_filename(st->maildir, "new", NULL);
	if (!g_file_test(conf, G_FILE_TEST_EXISTS) || !g_file_test(newdir, G_FILE_TEST_IS_DIR))
		s = desk_fail(err, DESK_NOTFOUND, "%s is not a maildesk store (try: desk init %s)", st->dir, st->dir);
	else if ((s = load_config(st->dir, &st->cfg, err)) == DESK_OK)
		s = read_secret(st, err);
	if (s == DESK_OK)
		s = clock_check(err);
	if (s == DESK_OK) {
		charset_set_fallback(st->cfg->fallback_charsets);
		upgrade_layout(st->dir);
	}
	g_free(conf);
	g_free(newdir);
	if (s != DESK_OK) {
		store_free(st);
		return s;
	}
	store_notmuch_env(st->dir);
	*out = st;
	return DESK_OK;
}

void
store_free(desk_store *st)
{
	if (st == NULL)
		return;
	rules_unref(st->rules);
	g_free(st->dir);
	g_free(st->maildir);
	config_free(st->cfg);
	ratelimit_free(st->rate);
	seqq_free(st->seqq);
	if (st->secret != NULL)
		g_bytes_unref(st->secret);
	g_free(st);
}

desk_status
store_reload(desk_store *st, desk_err *err)
{
	desk_config *cfg;
	desk_status s = load_config(st->dir, &cfg, err);

	if (s == DESK_OK) {
		config_free(st->cfg);
		st->cfg = cfg;
		charset_set_fallback(cfg->fallback_charsets);
	}
	return s;
}

static desk_status
write_file(const char *path, const char *data, gsize len, int mode, desk_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);

	if (fd < 0)
		return desk_fail(err, DESK_TEMPFAIL, "%s: %s", path, g_strerror(errno));
	if (write(fd, data, len) != (ssize_t)len || fsync(fd) != 0) {
		close(fd);
		return desk_fail(err, DESK_TEMPFAIL, "%s: %s", path, g_strerror(errno));
	}
	fchmod(fd, mode);
	close(fd);
	return DESK_OK;
}

/* The directories of maildesk-store(5) and their modes: what agents write
 * is group-writable; the store's top, where maildesk.conf is, and hooks/
 * only the owner's (setgid everywhere, so files keep the store's group). */
static const store_layout_dir store_dirs[] = {
	{ "", 02750 },          { "mail", 02770 },      { "mail/cur", 02770 }, { "mail/new", 02770 },
	{ "mail/tmp", 02770 },  { "seen", 02770 },      { STORE_VAR, 02770 },  { "templates", 02770 },
	{ "followup", 02770 },
	{ "hooks", 02750 },
};

const store_layout_dir *
store_layout(size_t *n)
{
	*n = G_N_ELEMENTS(store_dirs);
	return store_dirs;
}

/* The files of a new store besides maildesk.conf and the secret. */
static const struct store_file {
	const char *path, *text;
} store_files[] = {
	{ "seq", "1\n" },
	{ "lock", "" },
	{ "followup.lock", "" },
	{ STORE_VAR "/agents", "# The desk's agents, one [agent LOGIN] group each: desk agent add|remove\n"
			       "# edit this file (see desk-agent(1)). Nothing else belongs here.\n" },
};

static desk_status
make_dirs(const char *dir, desk_err *err)
{
	for (size_t i = 0; i < G_N_ELEMENTS(store_dirs); i++) {
		char *p = g_build_filename(dir, store_dirs[i].path, NULL);

		if (g_mkdir_with_parents(p, store_dirs[i].mode) != 0 || chmod(p, store_dirs[i].mode) != 0) {
			desk_status st = desk_fail(err, DESK_TEMPFAIL, "%s: %s", p, g_strerror(errno));

			g_free(p);
			return st;
		}
		g_free(p);
	}
	return DESK_OK;
}

static desk_status
make_files(const char *dir, desk_err *err)
{
	desk_status s = DESK_OK;

	for (size_t i = 0; i < G_N_ELEMENTS(store_files) && s == DESK_OK; i++) {
		char *p = g_build_filename(dir, store_files[i].path, NULL);

		s = write_file(p, store_files[i].text, strlen(store_files[i].text), 0660, err);
		g_free(p);
	}
	return s;
}

desk_status
store_init(const char *dir, char **addresses, desk_err *err)
{
	char *conf = g_build_filename(dir, "maildesk.conf", NULL);
	char *secret = g_build_filename(dir, "secret", NULL);
	char *text = NULL, hex[65];
	unsigned char rnd[32];
	desk_status s;

	if (g_file_test(conf, G_FILE_TEST_EXISTS)) {
		s = desk_fail(err, DESK_USAGE, "%s already holds a store", dir);
		goto out;
	}
	if ((s = config_check_addresses(addresses, err)) != DESK_OK)
		goto out;  /* before anything is made */
	if ((s = make_dirs(dir, err)) != DESK_OK)
		goto out;
	if (getrandom(rnd, sizeof rnd, 0) != sizeof rnd) {
		s = desk_fail(err, DESK_TEMPFAIL, "getrandom: %s", g_strerror(errno));
		goto out;
	}
	for (int i = 0; i < 32; i++) {
		hex[2 * i] = "0123456789abcdef"[rnd[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[rnd[i] & 15];
	}
	hex[64] = '\n';
	if ((s = write_file(secret, hex, 65, 0640, err)) != DESK_OK)
		goto out;
	if ((s = make_files(dir, err)) != DESK_OK)
		goto out;
	text = config_template(addresses);
	s = write_file(conf, text, strlen(text), 0640, err);
out:
	g_free(text);
	g_free(conf);
	g_free(secret);
	return s;
}

desk_status
store_lock(desk_store *st, int timeout_ms, int *fd, desk_err *err)
{
	return store_lock_file(st, "lock", timeout_ms, fd, err);
}

desk_status
store_lock_file(desk_store *st, const char *name, int timeout_ms, int *fd, desk_err *err)
{
	char *path = g_build_filename(st->dir, name, NULL);
	gint64 until = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	/* read-only is enough for flock(2), and works on a lock file that
	 * another member of the group created */
	int f = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0660);

	*fd = -1;
	if (f < 0) {
		desk_status s = desk_fail(err, DESK_TEMPFAIL, "%s: %s", path, g_strerror(errno));

		g_free(path);
		return s;
	}
	g_free(path);
	while (flock(f, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			close(f);
			return desk_fail(err, DESK_TEMPFAIL, "lock: %s", g_strerror(errno));
		}
		if (g_get_monotonic_time() >= until) {
			close(f);
			return desk_fail(err, DESK_BUSY, "store busy: another process holds %s/%s", st->dir, name);
		}
		g_usleep(20000);
	}
	*fd = f;
	return DESK_OK;
}

void
store_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

desk_status
store_check_space(desk_store *st, guint64 need, desk_err *err)
{
	struct statvfs v;

	if (statvfs(st->maildir, &v) != 0)
		return desk_fail(err, DESK_TEMPFAIL, "store %s: %s", st->maildir, g_strerror(errno));
	if (v.f_flag & ST_RDONLY)
		return desk_fail(err, DESK_TEMPFAIL, "store %s is on a read-only file system", st->dir);
	if ((guint64)v.f_bavail * v.f_frsize < (guint64)st->cfg->min_free_mb * 1024 * 1024 + need)
		return desk_fail(err, DESK_TEMPFAIL, "store %s is full (%llu KiB free)", st->dir,
				 (unsigned long long)v.f_bavail * v.f_frsize / 1024);
	return DESK_OK;
}

char *
store_unique_name(void)
{
	static guint counter;
	char host[256] = "localhost";
	gint64 now = g_get_real_time();

	/* the seconds are the desk's clock: index_message_time reads them */
	gethostname(host, sizeof host - 1);
	g_strdelimit(host, "/:", '_');
	return g_strdup_printf("%" G_GINT64_FORMAT ".M%06dP%dQ%u.%s", desk_now(),
			       (int)(now % G_USEC_PER_SEC), (int)getpid(),
			       g_atomic_int_add(&counter, 1), host);
}

/* The real path of the open file FD (from PATH), or NULL. Caller g_free()s. */
static char *
fd_real_path(int fd, const char *path)
{
	char *proc = g_strdup_printf("/proc/self/fd/%d", fd);
	char *real = g_file_read_link(proc, NULL);
	char *r;

	g_free(proc);
	if (real != NULL && g_path_is_absolute(real))
		return real;
	g_free(real);
	r = realpath(path, NULL);  /* no /proc: by the name */
	real = r != NULL ? g_strdup(r) : NULL;
	free(r);
	return real;
}

desk_status
store_check_outside(desk_store *st, int fd, const char *path, desk_err *err)
{
	char *sdir = realpath(st->dir, NULL), *real = fd_real_path(fd, path);
	char *secret = g_build_filename(st->dir, "secret", NULL);
	struct stat f, k;
	desk_status s = DESK_OK;
	size_t n = sdir != NULL ? strlen(sdir) : 0;

	if (sdir == NULL || real == NULL || fstat(fd, &f) != 0)
		s = desk_fail(err, DESK_TEMPFAIL, "%s: cannot tell where it is: %s", path, g_strerror(errno));
	else if (strncmp(real, sdir, n) == 0 && (real[n] == '/' || real[n] == '\0'))
		s = desk_fail(err, DESK_USAGE, "%s is %s, inside the store %s: files of the store are never sent",
			      path, real, sdir);
	else if (stat(secret, &k) == 0 && k.st_dev == f.st_dev && k.st_ino == f.st_ino)
		s = desk_fail(err, DESK_USAGE, "%s is the store's secret (%s) by another name: never sent", path,
			      secret);
	free(sdir);
	g_free(real);
	g_free(secret);
	return s;
}

desk_status
store_sync_dir(const char *dir, desk_err *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = fd >= 0 ? fsync(fd) : -1;

	if (fd >= 0)
		close(fd);
	if (rc != 0)
		return desk_fail(err, DESK_TEMPFAIL, "fsync %s: %s", dir, g_strerror(errno));
	return DESK_OK;
}

static desk_status
copy_fd(int dst, int src, desk_err *err)
{
	char buf[65536];
	off_t off = 0;
	ssize_t n;

	if (src < 0)
		return DESK_OK;
	while ((n = pread(src, buf, sizeof buf, off)) > 0) {
		for (ssize_t w = 0; w < n;) {
			ssize_t k = write(dst, buf + w, n - w);

			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				return desk_fail(err, DESK_TEMPFAIL, "write: %s", g_strerror(errno));
			w += k;
		}
		off += n;
	}
	if (n < 0)
		return desk_fail(err, DESK_TEMPFAIL, "read: %s", g_strerror(errno));
	return DESK_OK;
}

desk_status
store_deliver(desk_store *st, const char *prefix, int src_fd, char **path, desk_err *err)
{
	char *name = store_unique_name();
	char *tmp = g_build_filename(st->maildir, "tmp", name, NULL);
	char *dst = g_build_filename(st->maildir, "new", name, NULL);
	char *newdir = g_build_filename(st->maildir, "new", NULL);
	gsize plen = strlen(prefix);
	desk_status s = DESK_OK;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0660);

	if (fd < 0) {
		s = desk_fail(err, DESK_TEMPFAIL, "cannot create %s: %s", tmp, g_strerror(errno));
		goto out;
	}
	if (write(fd, prefix, plen) != (ssize_t)plen)
		s = desk_fail(err, DESK_TEMPFAIL, "write %s: %s", tmp, g_strerror(errno));
	if (s == DESK_OK)
		s = copy_fd(fd, src_fd, err);
	if (s == DESK_OK && fsync(fd) != 0)
		s = desk_fail(err, DESK_TEMPFAIL, "fsync %s: %s", tmp, g_strerror(errno));
	if (close(fd) != 0 && s == DESK_OK)
		s = desk_fail(err, DESK_TEMPFAIL, "close %s: %s", tmp, g_strerror(errno));
	if (s == DESK_OK && rename(tmp, dst) != 0)
		s = desk_fail(err, DESK_TEMPFAIL, "rename to %s: %s", dst, g_strerror(errno));
	if (s != DESK_OK) {
		unlink(tmp);
		goto out;
	}
	/* the file is in new/ from here on, synced or not */
	if (path != NULL)
		*path = g_strdup(dst);
	s = store_sync_dir(newdir, err);
out:
	g_free(name);
	g_free(tmp);
	g_free(dst);
	g_free(newdir);
	return s;
}
