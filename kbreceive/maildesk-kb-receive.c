/* maildesk-kb-receive.c: the way the store's group pushes to the maildesk
 * knowledge base. Installed setuid to the store's owner (mode 4750, group
 * maildesk) and named by git as the receive-pack program
 * (remote.origin.receivepack), it gets one argument, the repository; it
 * checks that the repository belongs to its owner, that nobody else can
 * write anything in it, and that its hooks are maildesk's, then runs
 * git-receive-pack on it as that owner, with a fixed environment and those
 * hooks forced: every push is linted and indexed.
 *
 * Plain libc on purpose: a setuid program carries nothing it does not
 * need. The threats it answers are in maildesk-kb-receive(8). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define EX_USAGE 64
#define EX_SOFTWARE 70
#define EX_OSERR 71
#define EX_NOPERM 77

/* The line our hooks carry (hooks/git/pre-receive, post-receive). */
#define HOOK_MARKER "\n# maildesk-kb-hook:"
/* A repository with more entries than this is refused, not walked. */
#define WALK_MAX 1000000

static void __attribute__((noreturn, format(printf, 2, 3)))
die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("maildesk-kb-receive: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

/* Descriptors 0, 1 and 2 open (else what we open next would take their
 * place), every other one closed; signals back to their defaults. */
static void
sane_process(void)
{
	sigset_t none;

	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF && open("/dev/null", O_RDWR) != fd)
			_exit(EX_OSERR);
	if (close_range(3, ~0U, 0) != 0)
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);  /* fails, harmlessly, for SIGKILL, SIGSTOP and the RT ones in use */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Whether the entry SB (NAME, for messages) may be in the repository: a
 * directory or a regular file of OWNER (or root) that neither the group
 * nor others can write. */
static void
check_entry(const struct stat *sb, const char *name, uid_t owner)
{
	if (!S_ISDIR(sb->st_mode) && !S_ISREG(sb->st_mode))
		die(EX_NOPERM, "%s: neither a directory nor a file: refused", name);
	if (sb->st_uid != owner && sb->st_uid != 0)
		die(EX_NOPERM, "%s: belongs to uid %u, not to the repository's owner (uid %u): refused "
		    "(run 'desk kb hooks' as the owner)", name, (unsigned)sb->st_uid, (unsigned)owner);
	if (sb->st_mode & (S_IWGRP | S_IWOTH))
		die(EX_NOPERM, "%s: writable by the group or others: refused (run 'desk kb hooks' as the "
		    "owner)", name);
}

/* Every entry under the directory FD (NAME, for messages). */
static void
check_tree(int fd, const char *name, uid_t owner, long *seen)
{
	DIR *d = fdopendir(fd);
	struct dirent *e;

	if (d == NULL)
		die(EX_OSERR, "%s: %s", name, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		struct stat sb;
		char path[PATH_MAX];

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (++*seen > WALK_MAX)
			die(EX_NOPERM, "more than %d files in the repository: refused", WALK_MAX);
		snprintf(path, sizeof path, "%s/%s", name, e->d_name);
		if (fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0) {
			if (errno == ENOENT)
				continue;  /* a temporary file of a concurrent push, gone */
			die(EX_OSERR, "%s: %s", path, strerror(errno));
		}
		check_entry(&sb, path, owner);
		if (S_ISDIR(sb.st_mode)) {
			int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub < 0 && errno == ENOENT)
				continue;
			if (sub < 0)
				die(EX_OSERR, "%s: %s", path, strerror(errno));
			check_tree(sub, path, owner, seen);
		}
	}
	closedir(d);
}

/* The hook NAME of the repository REPO (a descriptor): a file executable
 * by its owner that carries our marker line. */
static void
check_hook(int repo, const char *name)
{
	char buf[4097], path[64];
	struct stat sb;
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "hooks/%s", name);
	fd = openat(repo, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		die(EX_NOPERM, "%s: %s: not a maildesk KB (desk init makes one)", path, strerror(errno));
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || !(sb.st_mode & S_IXUSR))
		die(EX_NOPERM, "%s: not an executable file: refused", path);
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	if (n <= 0 || strlen(buf) != (size_t)n || strstr(buf, HOOK_MARKER) == NULL)
		die(EX_NOPERM, "%s: not maildesk's hook: refused (run 'desk kb hooks' as the owner)", path);
}

/* Whether the caller may push: root, the owner, or a member of GROUP. */
static void
check_caller(gid_t group)
{
	int n = getgroups(0, NULL);
	gid_t *groups = calloc(n > 0 ? n : 1, sizeof *groups);

	if (getuid() == 0 || getuid() == geteuid() || getgid() == group)
		return;
	n = groups != NULL ? getgroups(n, groups) : -1;
	for (int i = 0; i < n; i++)
		if (groups[i] == group)
			return;
	die(EX_NOPERM, "you are not in the repository's group (gid %u): refused", (unsigned)group);
}

/* The repository PATH, opened and checked; its descriptor. The name is
 * looked up with the caller's rights (file system uid), so that it reaches
 * only what the caller could reach, and tells nothing about the rest. */
static int
open_repository(const char *path, uid_t owner)
{
	struct stat sb;
	long seen = 0;
	int fd, walk;

	setfsuid(getuid());
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	setfsuid(owner);
	if (fd < 0)
		die(EX_NOPERM, "%s: %s", path, strerror(errno));
	if (fstat(fd, &sb) != 0)
		die(EX_OSERR, "%s: %s", path, strerror(errno));
	if (sb.st_uid != owner)
		die(EX_NOPERM, "%s: belongs to uid %u, not to uid %u whose program this is: refused", path,
		    (unsigned)sb.st_uid, (unsigned)owner);
	check_caller(sb.st_gid);
	for (const char *const *f = (const char *const[]){ "HEAD", "config", "objects", "refs", "hooks", NULL };
	     *f != NULL; f++)
		if (faccessat(fd, *f, F_OK, AT_EACCESS | AT_SYMLINK_NOFOLLOW) != 0)
			die(EX_NOPERM, "%s/%s: %s: not a bare git repository", path, *f, strerror(errno));
	check_hook(fd, "pre-receive");
	check_hook(fd, "post-receive");
	check_entry(&sb, path, owner);
	if ((walk = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		die(EX_OSERR, "%s: %s", path, strerror(errno));
	check_tree(walk, path, owner, &seen);
	return fd;
}

/* The environment git-receive-pack gets: a fixed PATH, the owner's HOME
 * and names, and the hooks of the directory checked (DIR/hooks) forced
 * over any core.hooksPath. Nothing of the caller's. */
static void
fixed_environment(uid_t owner, const char *dir)
{
	struct passwd *pw = getpwuid(owner);
	char hooks[PATH_MAX + 8];

	if (pw == NULL)
		die(EX_SOFTWARE, "uid %u has no entry in the password database", (unsigned)owner);
	snprintf(hooks, sizeof hooks, "%s/hooks", dir);
	if (clearenv() != 0 || setenv("PATH", "/usr/bin:/bin", 1) != 0 ||
	    setenv("HOME", pw->pw_dir && *pw->pw_dir ? pw->pw_dir : "/", 1) != 0 ||
	    setenv("USER", pw->pw_name, 1) != 0 || setenv("LOGNAME", pw->pw_name, 1) != 0 ||
	    setenv("GIT_CONFIG_COUNT", "1", 1) != 0 || setenv("GIT_CONFIG_KEY_0", "core.hooksPath", 1) != 0 ||
	    setenv("GIT_CONFIG_VALUE_0", hooks, 1) != 0)
		die(EX_OSERR, "cannot set the environment: %s", strerror(errno));
}

/* Become the owner for good (real, effective and saved ids), with a mask
 * and limits of our own: no core dumps, file sizes up to the hard limit. */
static void
become_owner(uid_t owner)
{
	struct rlimit rl = { 0, 0 };
	gid_t g = getegid();

	umask(027);
	setrlimit(RLIMIT_CORE, &rl);
	if (getrlimit(RLIMIT_FSIZE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_FSIZE, &rl);
	}
	if (setresgid(g, g, g) != 0 || setresuid(owner, owner, owner) != 0 || getuid() != owner)
		die(EX_OSERR, "cannot become uid %u: %s", (unsigned)owner, strerror(errno));
}

int
main(int argc, char **argv)
{
	uid_t owner = geteuid();
	char dir[PATH_MAX];
	int fd;

	sane_process();
	if (argc != 2 || argv[1][0] == '\0' || argv[1][0] == '-' || strlen(argv[1]) >= PATH_MAX)
		die(EX_USAGE, "usage: maildesk-kb-receive REPOSITORY (git runs it as the receive-pack, "
		    "see maildesk-kb-receive(8))");
	if (owner == 0)
		die(EX_NOPERM, "refusing to run as root: install it setuid to the store's owner "
		    "(maildesk-kb-receive(8))");
	fd = open_repository(argv[1], owner);
	if (fchdir(fd) != 0 || getcwd(dir, sizeof dir) == NULL)
		die(EX_OSERR, "%s: %s", argv[1], strerror(errno));
	close(fd);
	fixed_environment(owner, dir);
	become_owner(owner);
	execl(GIT_RECEIVE_PACK, "git-receive-pack", ".", (char *)NULL);
	die(EX_OSERR, "cannot run %s: %s", GIT_RECEIVE_PACK, strerror(errno));
}
