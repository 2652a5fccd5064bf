/* seen.c: the per-agent "last looked" markers of tickets. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "seen.h"

/* Longest seen file read; a longer one is treated as unreadable. */
#define SEEN_MAX_SIZE (64 * 1024 * 1024)

char *
seen_digest(const char *message_id)
{
	char *sha = g_compute_checksum_for_string(G_CHECKSUM_SHA1, message_id != NULL ? message_id : "", -1);

	sha[10] = '\0';
	return sha;
}

static char *
seen_path(desk_store *st, const char *login, const char *suffix)
{
	char *name = g_strconcat(login, suffix, NULL);
	char *p = g_build_filename(st->dir, "seen", name, NULL);

	g_free(name);
	return p;
}

/* The line of ticket N in TEXT, or NULL. Points into TEXT. */
static const char *
find_line(const char *text, guint n, const char **end)
{
	char prefix[24];
	size_t plen = (size_t)snprintf(prefix, sizeof prefix, "%u\t", n);

	for (const char *p = text; p != NULL && *p != '\0';) {
		const char *nl = strchrnul(p, '\n');

		if ((size_t)(nl - p) > plen && strncmp(p, prefix, plen) == 0) {
			*end = nl;
			return p;
		}
		p = *nl ? nl + 1 : NULL;
	}
	return NULL;
}

static desk_status
read_file(const char *path, char **text, desk_err *err)
{
	gsize len = 0;
	GError *gerr = NULL;

	*text = NULL;
	if (g_file_get_contents(path, text, &len, &gerr)) {
		if (len <= SEEN_MAX_SIZE)
			return DESK_OK;
		g_free(*text);
		*text = NULL;
		return desk_fail(err, DESK_DATAERR, "%s: too large", path);
	}
	if (g_error_matches(gerr, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
		g_error_free(gerr);
		*text = g_strdup("");
		return DESK_OK;
	}
	desk_fail(err, DESK_TEMPFAIL, "%s: %s", path, gerr->message);
	g_error_free(gerr);
	return DESK_TEMPFAIL;
}

desk_status
seen_get(desk_store *st, const char *login, guint n, GHashTable **digests, gint64 *when, desk_err *err)
{
	char *path, *text = NULL, *line, **f;
	const char *p, *end = NULL;
	desk_status s;

	*digests = NULL;
	*when = 0;
	if (!agent_login_ok(login))
		return desk_fail(err, DESK_USAGE, "bad login '%s'", login);
	path = seen_path(st, login, "");
	s = read_file(path, &text, err);
	g_free(path);
	if (s != DESK_OK)
		return s;
	if ((p = find_line(text, n, &end)) == NULL) {
		g_free(text);
		return desk_fail(err, DESK_NOTFOUND, "never looked at ticket %u", n);
	}
	line = g_strndup(p, end - p);
	f = g_strsplit(line, "\t", 3);
	*when = f[1] != NULL ? g_ascii_strtoll(f[1], NULL, 10) : 0;
	*digests = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	if (f[1] != NULL && f[2] != NULL) {
		char **d = g_strsplit(f[2], ",", -1);

		for (char **i = d; *i != NULL; i++)
			if (**i)
				g_hash_table_add(*digests, g_strdup(*i));
		g_strfreev(d);
	}
	g_strfreev(f);
	g_free(line);
	g_free(text);
	return DESK_OK;
}

static desk_status
write_atomic(const char *path, const char *text, desk_err *err)
{
	char *tmp = g_strconcat(path, ".tmp", NULL);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0660);
	size_t len = strlen(text), off = 0;
	desk_status s = DESK_OK;

	if (fd < 0) {
		s = desk_fail(err, DESK_TEMPFAIL, "%s: %s", tmp, g_strerror(errno));
		g_free(tmp);
		return s;
	}
	fchmod(fd, 0660);
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			s = desk_fail(err, DESK_TEMPFAIL, "%s: %s", tmp, g_strerror(errno));
			break;
		}
		off += (size_t)w;
	}
	if (s == DESK_OK && fsync(fd) != 0)
		s = desk_fail(err, DESK_TEMPFAIL, "%s: %s", tmp, g_strerror(errno));
	close(fd);
	if (s == DESK_OK && rename(tmp, path) != 0)
		s = desk_fail(err, DESK_TEMPFAIL, "%s: %s", path, g_strerror(errno));
	if (s != DESK_OK)
		unlink(tmp);
	g_free(tmp);
	return s;
}

desk_status
seen_set(desk_store *st, const char *login, guint n, char **message_ids, desk_err *err)
{
	char *dir = g_build_filename(st->dir, "seen", NULL);
	char *path = NULL, *lockpath = NULL, *text = NULL;
	GString *out = NULL;
	const char *p, *end = NULL;
	desk_status s = DESK_OK;
	int lockfd = -1;

	if (!agent_login_ok(login)) {
		g_free(dir);
		return desk_fail(err, DESK_USAGE, "bad login '%s'", login);
	}
	if (!g_file_test(dir, G_FILE_TEST_IS_DIR) && mkdir(dir, 02770) == 0)
		chmod(dir, 02770); /* not narrowed by the umask: agents share it */
	if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
		s = desk_fail(err, DESK_TEMPFAIL, "%s: %s", dir, g_strerror(errno));
		goto out;
	}
	path = seen_path(st, login, "");
	lockpath = seen_path(st, login, ".lock");
	lockfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0660);
	if (lockfd >= 0)
		fchmod(lockfd, 0660);
	if (lockfd < 0 || flock(lockfd, LOCK_EX) != 0) {
		s = desk_fail(err, DESK_TEMPFAIL, "%s: %s", lockpath, g_strerror(errno));
		goto out;
	}
	if ((s = read_file(path, &text, err)) != DESK_OK)
		goto out;
	out = g_string_new(NULL);
	p = find_line(text, n, &end);
	if (p != NULL) {
		g_string_append_len(out, text, p - text);
		g_string_append(out, *end ? end + 1 : end);
	} else {
		g_string_append(out, text);
	}
	if (out->len > 0 && out->str[out->len - 1] != '\n')
		g_string_append_c(out, '\n');
	g_string_append_printf(out, "%u\t%" G_GINT64_FORMAT "\t", n, g_get_real_time() / G_USEC_PER_SEC);
	for (char **id = message_ids; id != NULL && *id != NULL; id++) {
		char *d = seen_digest(*id);

		g_string_append_printf(out, "%s%s", id == message_ids ? "" : ",", d);
		g_free(d);
	}
	g_string_append_c(out, '\n');
	s = write_atomic(path, out->str, err);
out:
	if (lockfd >= 0)
		close(lockfd);
	if (out != NULL)
		g_string_free(out, TRUE);
	g_free(text);
	g_free(lockpath);
	g_free(path);
	g_free(dir);
	return s;
}
