/* listen.c: the milter's socket: a loopback address by default for inet:,
 * mode 0660 and the MTA's group for unix: (see listen.h). */
#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "listen.h"

char *
listen_spec(const char *spec)
{
	if (g_str_has_prefix(spec, "inet:") && strchr(spec, '@') == NULL)
		return g_strconcat(spec, "@127.0.0.1", NULL);
	if (g_str_has_prefix(spec, "inet6:") && strchr(spec, '@') == NULL)
		return g_strconcat(spec, "@::1", NULL);
	return g_strdup(spec);
}

gboolean
listen_spec_is_open(const char *spec)
{
	const char *at = strchr(spec, '@');

	if (!g_str_has_prefix(spec, "inet:") && !g_str_has_prefix(spec, "inet6:"))
		return FALSE;
	if (at == NULL)
		return FALSE;  /* listen_spec makes it loopback */
	at++;
	return !(g_str_has_prefix(at, "127.") || strcmp(at, "localhost") == 0 || strcmp(at, "::1") == 0 ||
		 strcmp(at, "[::1]") == 0);
}

const char *
listen_unix_path(const char *spec)
{
	if (g_str_has_prefix(spec, "unix:"))
		return spec + 5;
	if (g_str_has_prefix(spec, "local:"))
		return spec + 6;
	return spec[0] == '/' ? spec : NULL;
}

desk_status
listen_group(const char *group, const char *dir, gid_t *gid, desk_err *err)
{
	struct group *gr;
	struct stat sb;
	char *end;
	unsigned long n;

	if (group == NULL || *group == '\0') {
		if (stat(dir, &sb) != 0)
			return desk_fail(err, DESK_TEMPFAIL, "%s: %s", dir, g_strerror(errno));
		*gid = sb.st_gid;
		return DESK_OK;
	}
	if ((gr = getgrnam(group)) != NULL) {
		*gid = gr->gr_gid;
		return DESK_OK;
	}
	n = strtoul(group, &end, 10);
	if (*end == '\0' && g_ascii_isdigit(*group) && getgrgid((gid_t)n) != NULL) {
		*gid = (gid_t)n;
		return DESK_OK;
	}
	return desk_fail(err, DESK_CONFIG,
			 "no group '%s' for the milter's socket (milter.socket_group, --socket-group)", group);
}

desk_status
listen_restrict(const char *path, gid_t gid, desk_err *err)
{
	struct group *gr;

	if (chown(path, (uid_t)-1, gid) != 0) {
		int e = errno;

		gr = getgrgid(gid);
		return desk_fail(err, DESK_CONFIG, "cannot give the socket %s to group %s: %s%s", path,
				 gr != NULL ? gr->gr_name : "?", g_strerror(e),
				 e == EPERM ? " (the milter's user must be a member of that group)" : "");
	}
	if (chmod(path, 0660) != 0)
		return desk_fail(err, DESK_TEMPFAIL, "chmod 0660 %s: %s", path, g_strerror(errno));
	return DESK_OK;
}
