/* seen.c: the per-agent "last looked" markers of tickets, and which
 * tickets hold messages an agent has not seen. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "clock.h"
#include "index.h"
#include "log.h"
#include "seen.h"
#include "ticket.h"
#include "xset.h"

/* Tickets whose messages are read in one query. */
#define UNSEEN_CHUNK 100

/* Longest seen file read; a longer one is treated as unreadable. */
#define SEEN_MAX_SIZE (64 * 1024 * 1024)

/* A log smaller than this is never compacted. */
#define SEEN_COMPACT_MIN (256 * 1024)

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

/* The last line of ticket N in TEXT (the newest: the file is a log), or
 * NULL. Points into TEXT. */
static const char *
find_line(const char *text, guint n, const char **end)
{
	char prefix[24];
	size_t plen = (size_t)snprintf(prefix, sizeof prefix, "%u\t", n);
	const char *found = NULL;

	for (const char *p = text; p != NULL && *p != '\0';) {
		const char *nl = strchrnul(p, '\n');

		if ((size_t)(nl - p) > plen && strncmp(p, prefix, plen) == 0) {
			*end = nl;
			found = p;
		}
		p = *nl ? nl + 1 : NULL;
	}
	return found;
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

/* The whole log of LOGIN into *text ("" when LOGIN never looked). */
static desk_status
read_log(desk_store *st, const char *login, char **text, desk_err *err)
{
	char *path;
	desk_status s;

	if (!agent_login_ok(login))
		return desk_fail(err, DESK_USAGE, "bad login '%s'", login);
	path = seen_path(st, login, "");
	s = read_file(path, text, err);
	g_free(path);
	return s;
}

desk_status
seen_get(desk_store *st, const char *login, guint n, GHashTable **digests, gint64 *when, desk_err *err)
{
	char *text = NULL, *line, **f;
	const char *p, *end = NULL;
	desk_status s;

	*digests = NULL;
	*when = 0;
	if ((s = read_log(st, login, &text, err)) != DESK_OK)
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

/* The line that records MESSAGE_IDS of ticket N as seen now. */
static GString *
seen_line(guint n, char **message_ids)
{
	GString *line = g_string_new(NULL);

	g_string_append_printf(line, "%u\t%" G_GINT64_FORMAT "\t", n, desk_now());
	for (char **id = message_ids; id != NULL && *id != NULL; id++) {
		char *d = seen_digest(*id);

		g_string_append_printf(line, "%s%s", id == message_ids ? "" : ",", d);
		g_free(d);
	}
	g_string_append_c(line, '\n');
	return line;
}

static desk_status
write_all(int fd, const char *path, const char *buf, size_t len, desk_err *err)
{
	size_t off = 0;

	while (off < len) {
		ssize_t w = write(fd, buf + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return desk_fail(err, DESK_TEMPFAIL, "%s: %s", path, g_strerror(errno));
		off += (size_t)w;
	}
	return DESK_OK;
}

/* Append LINE to the log at PATH and fsync it; a line torn by a crash
 * before is ended first (it then parses as garbage and is skipped, or as
 * fewer digests: a ticket shown as unseen, never the other way round).
 * *size gets the log's size after. */
static desk_status
append_line(const char *path, const GString *line, off_t *size, desk_err *err)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0660);
	struct stat sb;
	char last = '\n';
	desk_status s;

	if (fd < 0)
		return desk_fail(err, DESK_TEMPFAIL, "%s: %s", path, g_strerror(errno));
	fchmod(fd, 0660);
	if (fstat(fd, &sb) != 0) {
		s = desk_fail(err, DESK_TEMPFAIL, "%s: %s", path, g_strerror(errno));
		close(fd);
		return s;
	}
	if (sb.st_size > 0) {
		int rfd = open(path, O_RDONLY | O_CLOEXEC);

		if (rfd < 0 || pread(rfd, &last, 1, sb.st_size - 1) != 1)
			last = '\n';
		if (rfd >= 0)
			close(rfd);
	}
	s = last != '\n' ? write_all(fd, path, "\n", 1, err) : DESK_OK;
	if (s == DESK_OK)
		s = write_all(fd, path, line->str, line->len, err);
	if (s == DESK_OK && fsync(fd) != 0)
		s = desk_fail(err, DESK_TEMPFAIL, "%s: %s", path, g_strerror(errno));
	*size = sb.st_size + (off_t)line->len + (last != '\n');
	close(fd);
	return s;
}

/* The log's size after its last compaction, kept in the lock file (so
 * deciding whether to compact reads a few bytes, not the log). */
static off_t
compacted_size(int lockfd)
{
	char buf[24] = "";
	ssize_t r = pread(lockfd, buf, sizeof buf - 1, 0);

	buf[r > 0 ? r : 0] = '\0';
	return (off_t)g_ascii_strtoll(buf, NULL, 10);
}

/* Rewrite the log at PATH with the newest line of each ticket only, and
 * note its new size in the lock file. */
static desk_status
compact(const char *path, int lockfd, desk_err *err)
{
	char *text = NULL, **lines;
	GHashTable *newest = g_hash_table_new(g_direct_hash, g_direct_equal);
	GString *out = g_string_new(NULL);
	desk_status s;

	if ((s = read_file(path, &text, err)) != DESK_OK)
		goto out;
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		guint64 n = g_ascii_strtoull(lines[i], NULL, 10);

		if (n > 0 && n <= G_MAXUINT && strchr(lines[i], '\t') != NULL)
			g_hash_table_insert(newest, GUINT_TO_POINTER((guint)n), GUINT_TO_POINTER(i));
	}
	for (guint i = 0; lines[i] != NULL; i++) {
		guint64 n = g_ascii_strtoull(lines[i], NULL, 10);

		if (n > 0 && n <= G_MAXUINT &&
		    g_hash_table_lookup(newest, GUINT_TO_POINTER((guint)n)) == GUINT_TO_POINTER(i) &&
		    strchr(lines[i], '\t') != NULL)
			g_string_append_printf(out, "%s\n", lines[i]);
	}
	g_strfreev(lines);
	if ((s = write_atomic(path, out->str, err)) == DESK_OK) {
		char buf[24];
		int len = snprintf(buf, sizeof buf, "%zu\n", out->len);

		if (ftruncate(lockfd, 0) != 0 || pwrite(lockfd, buf, (size_t)len, 0) != len)
			desk_log(LOG_WARNING, "%s: cannot note the compacted size: %s", path, g_strerror(errno));
	}
out:
	g_string_free(out, TRUE);
	g_hash_table_unref(newest);
	g_free(text);
	return s;
}

/* STORE/seen/LOGIN is a log: each show appends one line and fsyncs it
 * (O(1) a show); the newest line of a ticket wins. When the log has grown
 * to twice its size after the last compaction (and past SEEN_COMPACT_MIN),
 * it is rewritten with one line a ticket: amortised O(1) too. */
desk_status
seen_set(desk_store *st, const char *login, guint n, char **message_ids, desk_err *err)
{
	char *dir = g_build_filename(st->dir, "seen", NULL);
	char *path = NULL, *lockpath = NULL;
	GString *line = NULL;
	desk_status s = DESK_OK;
	off_t size = 0;
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
	line = seen_line(n, message_ids);
	if ((s = append_line(path, line, &size, err)) != DESK_OK)
		goto out;
	if (size > SEEN_COMPACT_MIN && size > 2 * compacted_size(lockfd))
		s = compact(path, lockfd, err);
out:
	if (lockfd >= 0)
		close(lockfd);
	if (line != NULL)
		g_string_free(line, TRUE);
	g_free(lockpath);
	g_free(path);
	g_free(dir);
	return s;
}

/* Every line of TEXT (a seen file): ticket number -> set of digests. */
static GHashTable *
seen_lines(const char *text)
{
	GHashTable *all = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
						(GDestroyNotify)g_hash_table_unref);
	char **lines = g_strsplit(text, "\n", -1);

	for (char **l = lines; *l != NULL; l++) {
		char **f = g_strsplit(*l, "\t", 3), **digests;
		guint64 n = f[0] != NULL ? g_ascii_strtoull(f[0], NULL, 10) : 0;
		GHashTable *d;

		if (n == 0 || n > G_MAXUINT || f[1] == NULL || f[2] == NULL) {
			g_strfreev(f);
			continue;
		}
		digests = g_strsplit(f[2], ",", -1);
		d = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
		for (char **i = digests; *i != NULL; i++)
			if (**i)
				g_hash_table_add(d, g_strdup(*i));
		g_hash_table_replace(all, GUINT_TO_POINTER((guint)n), d);
		g_strfreev(digests);
		g_strfreev(f);
	}
	g_strfreev(lines);
	return all;
}

/* Whether M is an event LOGIN or the desk itself made. */
static gboolean
made_by(notmuch_message_t *m, const char *login)
{
	const char *event = NULL;
	char *set, *by;
	gboolean yes;

	if (notmuch_message_get_property(m, "desk.event", &event) != NOTMUCH_STATUS_SUCCESS || event == NULL)
		return FALSE;
	set = index_get_text(m, "desk.set");
	by = set != NULL ? xset_lookup(set, "by") : NULL;
	yes = by != NULL && (strcmp(by, login) == 0 || strcmp(by, "system") == 0);
	g_free(by);
	g_free(set);
	return yes;
}

typedef struct unseen_ctx {
	GHashTable *lines;    /* ticket -> digests LOGIN was shown */
	GHashTable *owner;    /* member ticket -> the listed ticket showing it */
	GHashTable *unseen;   /* the result */
	const char *login;
} unseen_ctx;

/* Look at the messages of the member tickets in Q ("property:desk.ticket=N or ..."). */
static desk_status
unseen_query(notmuch_database_t *db, const char *q, unseen_ctx *c, desk_err *err)
{
	notmuch_query_t *nq = notmuch_query_create(db, q);
	notmuch_messages_t *ms = NULL;

	if (nq == NULL)
		return desk_fail(err, DESK_SOFTWARE, "index: out of memory");
	notmuch_query_set_sort(nq, NOTMUCH_SORT_UNSORTED);
	if (notmuch_query_search_messages(nq, &ms) != NOTMUCH_STATUS_SUCCESS) {
		notmuch_query_destroy(nq);
		return desk_fail(err, DESK_TEMPFAIL, "index: cannot read the messages of tickets");
	}
	for (; notmuch_messages_valid(ms); notmuch_messages_move_to_next(ms)) {
		notmuch_message_t *m = notmuch_messages_get(ms);
		const char *v = NULL;
		gpointer t = NULL;
		char *d;

		if (notmuch_message_get_property(m, "desk.ticket", &v) == NOTMUCH_STATUS_SUCCESS && v != NULL)
			t = g_hash_table_lookup(c->owner, GUINT_TO_POINTER((guint)g_ascii_strtoull(v, NULL, 10)));
		if (t != NULL && !g_hash_table_contains(c->unseen, t)) {
			d = seen_digest(notmuch_message_get_message_id(m));
			if (!g_hash_table_contains(g_hash_table_lookup(c->lines, t), d) && !made_by(m, c->login))
				g_hash_table_add(c->unseen, t);
			g_free(d);
		}
		notmuch_message_destroy(m);
	}
	notmuch_query_destroy(nq);
	return DESK_OK;
}

/* T and the tickets merged into it, each mapped to T in C->owner, added
 * to the query Q. */
static void
add_members(unseen_ctx *c, const ticket_info *t, GString *q)
{
	gpointer me = GUINT_TO_POINTER(t->number);

	g_string_append_printf(q, "%sproperty:desk.ticket=%u", q->len ? " or " : "", t->number);
	g_hash_table_insert(c->owner, me, me);
	for (char **l = t->links; l != NULL && *l != NULL; l++) {
		guint64 from = g_str_has_prefix(*l, "merged-from=") ? g_ascii_strtoull(*l + 12, NULL, 10) : 0;

		if (from == 0 || from > G_MAXUINT)
			continue;
		g_string_append_printf(q, " or property:desk.ticket=%u", (guint)from);
		g_hash_table_insert(c->owner, GUINT_TO_POINTER((guint)from), me);
	}
}

desk_status
seen_unseen(desk_store *st, notmuch_database_t *db, const char *login, GPtrArray *tickets, GHashTable **unseen,
	    desk_err *err)
{
	char *text = NULL;
	unseen_ctx c = { NULL, NULL, NULL, login };
	GString *q = g_string_new(NULL);
	desk_status s;
	guint n = 0;

	*unseen = NULL;
	if ((s = read_log(st, login, &text, err)) != DESK_OK)
		return s;
	c.lines = seen_lines(text);
	c.owner = g_hash_table_new(g_direct_hash, g_direct_equal);
	c.unseen = g_hash_table_new(g_direct_hash, g_direct_equal);
	for (guint i = 0; s == DESK_OK && i < tickets->len; i++) {
		const ticket_info *t = tickets->pdata[i];

		if (!g_hash_table_contains(c.lines, GUINT_TO_POINTER(t->number))) {
			g_hash_table_add(c.unseen, GUINT_TO_POINTER(t->number));
			continue;
		}
		add_members(&c, t, q);
		if (++n == UNSEEN_CHUNK) {
			s = unseen_query(db, q->str, &c, err);
			g_string_truncate(q, 0);
			n = 0;
		}
	}
	if (s == DESK_OK && n > 0)
		s = unseen_query(db, q->str, &c, err);
	g_string_free(q, TRUE);
	g_hash_table_unref(c.lines);
	g_hash_table_unref(c.owner);
	g_free(text);
	if (s == DESK_OK)
		*unseen = c.unseen;
	else
		g_hash_table_unref(c.unseen);
	return s;
}
