/* trust.c: may a file name programs we run? Only when nobody but root or
 * the store's owner can have written it (see maildesk-store(5)). */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <glib.h>

#include "trust.h"

/* The name of user UID, or its number. Caller g_free()s. */
static char *
user_name(uid_t uid)
{
	struct passwd *pw = getpwuid(uid);

	return pw != NULL ? g_strdup(pw->pw_name) : g_strdup_printf("%u", (unsigned)uid);
}

/* Who besides the owner may write a file of mode MODE and group GID. */
static char *
writers(mode_t mode, gid_t gid)
{
	struct group *gr = getgrgid(gid);
	char *group = gr != NULL ? g_strdup(gr->gr_name) : g_strdup_printf("%u", (unsigned)gid);
	char *s = (mode & S_IWOTH) ? g_strdup("every user")
				   : g_strdup_printf("every member of group %s", group);

	g_free(group);
	return s;
}

char *
trust_file_problem(int fd, const char *path)
{
	char *dir = g_path_get_dirname(path), *owner = NULL, *who = NULL, *why = NULL;
	struct stat f, d;

	if (fstat(fd, &f) != 0 || stat(dir, &d) != 0) {
		why = g_strdup_printf("cannot check who may write %s: %s", path, g_strerror(errno));
		goto out;
	}
	owner = user_name(d.st_uid);
	if (f.st_uid != 0 && f.st_uid != d.st_uid) {
		char *u = user_name(f.st_uid);

		why = g_strdup_printf("%s belongs to %s, not to root or %s (the owner of %s); fix: chown %s %s",
				      path, u, owner, dir, owner, path);
		g_free(u);
	} else if (f.st_mode & (S_IWGRP | S_IWOTH)) {
		who = writers(f.st_mode, f.st_gid);
		why = g_strdup_printf("%s is writable by %s (mode %04o); fix: chmod go-w %s", path, who,
				      (unsigned)(f.st_mode & 07777), path);
	} else if (d.st_mode & (S_IWGRP | S_IWOTH)) {
		who = writers(d.st_mode, d.st_gid);
		why = g_strdup_printf("its directory %s is writable by %s (mode %04o), who can replace it; "
				      "fix: chmod go-w %s", dir, who, (unsigned)(d.st_mode & 07777), dir);
	}
out:
	g_free(who);
	g_free(owner);
	g_free(dir);
	return why;
}
