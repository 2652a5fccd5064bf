/* doctor-milter.c: desk doctor's checks of maildesk-milter: its socket's
 * mode and group, and whether it answers as a milter (doctor.h). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <poll.h>
#include <pwd.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "doctor.h"
#include "listen.h"

/* The milter protocol (libmilter's mfdef.h): a command is a 4-byte length
 * in network order, then the command's character and its data. */
#define SMFIC_OPTNEG 'O'
#define SMFIC_QUIT 'Q'
#define SMFI_PROT_VERSION 6
#define SMFI_ALL_ACTIONS 0x1ffU     /* every action an MTA of version 6 offers */
#define SMFI_ALL_PROTOCOL 0x1fffffU /* every step it may skip */
#define MILTER_REPLY_MAX 65536      /* larger: not a milter */

/* How to start the milter, for a fix. Caller g_free()s. */
static char *
start_fix(doctor_ctx *c)
{
	return g_strdup_printf("systemctl start maildesk-milter (or: maildesk-milter --store %s --socket %s)", c->dir,
			       c->socket);
}

/* Whether user USER (a name) is UID or a member of group GID. */
static gboolean
user_can(const char *user, uid_t uid, gid_t gid)
{
	struct passwd *pw = getpwnam(user);
	gid_t groups[256];
	int n = G_N_ELEMENTS(groups);

	if (pw == NULL)
		return FALSE;
	if (pw->pw_uid == 0 || pw->pw_uid == uid || pw->pw_gid == gid)
		return TRUE;
	if (getgrouplist(user, pw->pw_gid, groups, &n) < 0)
		return FALSE;
	for (int i = 0; i < n; i++)
		if (groups[i] == gid)
			return TRUE;
	return FALSE;
}

/* The socket file PATH's owner and group: whether Postfix's mail_owner
 * can connect (when postconf says who that is). */
static doctor_line *
socket_owner(doctor_ctx *c, const char *path, const struct stat *sb)
{
	const char *mta = doctor_pf(c, "mail_owner");
	struct group *gr = getgrgid(sb->st_gid);
	char *gname = gr != NULL ? g_strdup(gr->gr_name) : g_strdup_printf("%u", (unsigned)sb->st_gid);
	char *fix = NULL;
	doctor_line *l;

	if (mta != NULL && !user_can(mta, sb->st_uid, sb->st_gid)) {
		fix = g_strdup_printf("usermod -aG %s %s && postfix reload", gname, mta);
		l = doctor_fail("socket", fix, "Postfix's mail_owner %s is not in group %s of %s: it cannot connect",
				mta, gname, path);
	} else {
		l = doctor_ok("socket", "%s: mode 0660, group %s%s%s", path, gname,
			      mta != NULL ? ", which Postfix's mail_owner is in: " : "", mta != NULL ? mta : "");
	}
	g_free(fix);
	g_free(gname);
	return l;
}

doctor_line *
doctor_socket(doctor_ctx *c)
{
	const char *path;
	char *fix = NULL;
	doctor_line *l;
	struct stat sb;

	if (c->socket == NULL)
		return doctor_unknown("socket", "cannot tell: maildesk.conf does not load (milter.socket); "
				      "name it with --socket");
	if ((path = listen_unix_path(c->socket)) == NULL)
		return listen_spec_is_open(c->socket) ?
			       doctor_fail("socket", "milter.socket = inet:PORT (loopback) in maildesk.conf",
					   "%s listens on an address other hosts can reach", c->socket) :
			       doctor_ok("socket", "%s: an inet socket on the loopback address", c->socket);
	if (lstat(path, &sb) != 0) {
		fix = start_fix(c);
		l = doctor_fail("socket", fix, "no socket %s: maildesk-milter is not running", path);
	} else if (!S_ISSOCK(sb.st_mode)) {
		l = doctor_fail("socket", "remove it, then start maildesk-milter", "%s is not a socket", path);
	} else if ((sb.st_mode & 0777) != 0660) {
		fix = g_strdup_printf("chmod 0660 %s (maildesk-milter makes it so when it starts)", path);
		l = doctor_fail("socket", fix, "%s is mode %04o, not 0660%s", path, (unsigned)(sb.st_mode & 0777),
				(sb.st_mode & S_IRWXO) ? ": any local user can talk to the milter" : "");
	} else {
		l = socket_owner(c, path, &sb);
	}
	g_free(fix);
	return l;
}

doctor_line *
doctor_milter(doctor_ctx *c)
{
	desk_err err = { 0 };
	guint32 version = 0;
	const char *path;
	char *fix;
	doctor_line *l;
	struct stat sb;

	if (c->socket == NULL)
		return doctor_unknown("milter", "cannot tell: maildesk.conf does not load (milter.socket); "
				      "name it with --socket");
	path = listen_unix_path(c->socket);
	if (path != NULL && lstat(path, &sb) != 0)
		return doctor_unknown("milter", "cannot tell: no socket %s (see socket)", path);
	if (doctor_milter_negotiate(c->socket, c->o->timeout_ms, &version, &err) == DESK_OK)
		return doctor_ok("milter", "%s answers option negotiation (milter protocol %u)", c->socket,
				 (unsigned)version);
	fix = start_fix(c);
	l = doctor_fail("milter", fix, "%s", err.msg);
	g_free(fix);
	return l;
}

/* Connect to the unix socket PATH. -1 with errno. */
static int
connect_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof sa.sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Connect to "PORT@HOST" of an inet: or inet6: socket. -1 with errno. */
static int
connect_inet(const char *port_host)
{
	char **f = g_strsplit(port_host, "@", 2);
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	int fd = -1;

	errno = EINVAL;
	if (g_strv_length(f) == 2 && getaddrinfo(f[1], f[0], &hints, &res) == 0) {
		for (struct addrinfo *a = res; a != NULL && fd < 0; a = a->ai_next) {
			if ((fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol)) < 0)
				continue;
			if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
				close(fd);
				fd = -1;
			}
		}
		freeaddrinfo(res);
	}
	g_strfreev(f);
	return fd;
}

/* Read exactly LEN bytes into BUF before DEADLINE (monotonic µs). */
static gboolean
read_until(int fd, void *buf, size_t len, gint64 deadline)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		gint64 left = (deadline - g_get_monotonic_time()) / 1000;
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return FALSE;
		if ((n = read(fd, (char *)buf + got, len - got)) <= 0)
			return FALSE;
		got += (size_t)n;
	}
	return TRUE;
}

/* Write command CMD with DATA (LEN bytes). */
static gboolean
send_command(int fd, char cmd, const void *data, size_t len)
{
	unsigned char buf[64];
	guint32 n = htonl((guint32)len + 1);

	if (len + 5 > sizeof buf)
		return FALSE;
	memcpy(buf, &n, 4);
	buf[4] = (unsigned char)cmd;
	if (len > 0)
		memcpy(buf + 5, data, len);
	return send(fd, buf, len + 5, MSG_NOSIGNAL) == (ssize_t)(len + 5);
}

/* The milter's answer to our SMFIC_OPTNEG on FD. */
static desk_status
read_optneg(int fd, const char *spec, int timeout_ms, guint32 *version, desk_err *err)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	unsigned char head[5], body[12];
	guint32 len;

	if (!read_until(fd, head, 5, deadline))
		return desk_fail(err, DESK_TEMPFAIL, "%s accepts connections but does not answer within %d s", spec,
				 (timeout_ms + 999) / 1000);
	memcpy(&len, head, 4);
	len = ntohl(len);
	if (head[4] != SMFIC_OPTNEG || len < 13 || len > MILTER_REPLY_MAX || !read_until(fd, body, 12, deadline))
		return desk_fail(err, DESK_TEMPFAIL, "%s answers, but not as a milter (command '%c', length %u)", spec,
				 g_ascii_isprint(head[4]) ? head[4] : '?', (unsigned)len);
	memcpy(version, body, 4);
	*version = ntohl(*version);
	return DESK_OK;
}

desk_status
doctor_milter_negotiate(const char *spec, int timeout_ms, guint32 *version, desk_err *err)
{
	const char *path = listen_unix_path(spec);
	guint32 offer[3] = { htonl(SMFI_PROT_VERSION), htonl(SMFI_ALL_ACTIONS), htonl(SMFI_ALL_PROTOCOL) };
	char *full = listen_spec(spec);
	const char *inet = strchr(full, ':');
	desk_status s;
	int fd;

	if (path != NULL)
		fd = connect_unix(path);
	else
		fd = inet != NULL ? connect_inet(inet + 1) : (errno = EINVAL, -1);
	if (fd < 0) {
		s = desk_fail(err, DESK_TEMPFAIL, "cannot connect to %s: %s: maildesk-milter is not running", spec,
			      g_strerror(errno));
	} else if (!send_command(fd, SMFIC_OPTNEG, offer, sizeof offer)) {
		s = desk_fail(err, DESK_TEMPFAIL, "cannot write to %s: %s", spec, g_strerror(errno));
	} else if ((s = read_optneg(fd, spec, timeout_ms, version, err)) == DESK_OK) {
		send_command(fd, SMFIC_QUIT, NULL, 0);
	}
	if (fd >= 0)
		close(fd);
	g_free(full);
	return s;
}
