/* reseal.c: give the files of a store written before seals of version 2
 * seals of version 2, keeping exactly what their old seals vouched for. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reseal.h"
#include "scan.h"
#include "seal.h"
#include "thread.h"
#include "token.h"
#include "xset.h"

#define RESEAL_MAX_HEADER (1024 * 1024)

/* The seal of version 1 (16 base32 characters over ticket, match, queue,
 * event and set as written); kept here only to read old stores. */
static gboolean
v1_check(GBytes *secret, guint ticket, const char *match, const char *queue, const char *event,
	 const char *set, const char *seal)
{
	char *msg = g_strdup_printf("seal:%u\n%s\n%s\n%s\n%s", ticket, match, queue, event != NULL ? event : "",
				    set != NULL ? set : "");
	char *want = token_mac(secret, msg, 16);
	gboolean ok = strlen(seal) == 16 && token_equal(want, seal);

	g_free(want);
	g_free(msg);
	return ok;
}

/* One header line (with its continuation lines) of a header section. */
typedef struct hline {
	const char *start;
	size_t len;
	char name[40];
} hline;

/* The lines of the header section HEAD; *rest gets the offset of what
 * follows them (the blank line and the body), LEN when nothing does. */
static GArray *
header_lines(const char *head, size_t len, size_t *rest)
{
	GArray *a = g_array_new(FALSE, TRUE, sizeof(hline));
	const char *p = head, *end = head + len;

	*rest = len;
	while (p < end) {
		hline h = { p, 0, "" };
		const char *q = p, *colon;

		if (*p == '\n') {
			*rest = p - head;
			break;
		}
		do {
			const char *nl = memchr(q, '\n', end - q);

			q = nl != NULL ? nl + 1 : end;
		} while (q < end && (*q == ' ' || *q == '\t'));
		h.len = q - p;
		colon = memchr(p, ':', h.len);
		if (colon != NULL && (size_t)(colon - p) < sizeof h.name)
			g_strlcpy(h.name, p, colon - p + 1);
		g_array_append_val(a, h);
		p = q;
	}
	return a;
}

/* The value of line H, unfolded and trimmed. Caller g_free()s. */
static char *
value_of(const hline *h)
{
	const char *v = memchr(h->start, ':', h->len) + 1;
	GString *s = g_string_new(NULL);

	for (; v < h->start + h->len; v++)
		if (*v != '\r' && *v != '\n')
			g_string_append_c(s, *v);
	return g_strstrip(g_string_free(s, FALSE));
}

/* Index of the first line named NAME at or after FROM, or -1. */
static int
find(GArray *a, const char *name, guint from)
{
	for (guint i = from; i < a->len; i++)
		if (g_ascii_strcasecmp(g_array_index(a, hline, i).name, name) == 0)
			return (int)i;
	return -1;
}

/* The old block of the file's header lines A, as version 1 read it (the
 * first of each header), and the new one for it; NULL when the old seal
 * does not verify. *drop gets the lines the new block replaces. */
static char *
new_block(desk_store *st, GArray *a, const scanned *sc, gboolean *drop, guint *fixed)
{
	int it = find(a, "X-Desk-Ticket", 0), im = find(a, "X-Desk-Match", 0), iq = find(a, "X-Desk-Queue", 0);
	int is = find(a, "X-Desk-Seal", 0), ie = find(a, "X-Desk-Event", 0), iset = find(a, "X-Desk-Set", 0);
	int ikb, iru;
	char *ticket, *match, *queue, *seal, *event, *set, *kb = NULL, *reused = NULL, *block = NULL, *enc = NULL;
	seal_facts f = { 0 };
	guint64 n;

	if (it < 0 || im < 0 || iq < 0 || is < 0)
		return NULL;
	ticket = value_of(&g_array_index(a, hline, it));
	match = value_of(&g_array_index(a, hline, im));
	queue = value_of(&g_array_index(a, hline, iq));
	seal = value_of(&g_array_index(a, hline, is));
	event = ie >= 0 ? value_of(&g_array_index(a, hline, ie)) : NULL;
	set = iset >= 0 ? value_of(&g_array_index(a, hline, iset)) : NULL;
	n = g_ascii_strtoull(ticket, NULL, 10);
	if (n == 0 || n >= G_MAXUINT)
		goto out;
	if (!v1_check(st->secret, (guint)n, match, queue, event, set, seal)) {
		if ((event == NULL && set == NULL) || !v1_check(st->secret, (guint)n, match, queue, NULL, NULL, seal))
			goto out;
		/* version 1 believed the block without them: so do we */
		g_clear_pointer(&event, g_free);
		g_clear_pointer(&set, g_free);
		ie = iset = -1;
	}
	/* written right after the old seal, by desk reply --kb and the indexer */
	ikb = is + 1 < (int)a->len && g_ascii_strcasecmp(g_array_index(a, hline, is + 1).name, "X-Desk-KB") == 0 ? is + 1 : -1;
	iru = find(a, "X-Desk-Reused-Message-ID", is + 1);
	if (iru >= 0 && iru <= is + 3)
		reused = facts_parse_id(g_array_index(a, hline, iru).start + strlen("X-Desk-Reused-Message-ID:"), NULL);
	else
		iru = -1;
	if (ikb >= 0)
		kb = value_of(&g_array_index(a, hline, ikb));
	if (set != NULL) {
		guint bad = 0;
		xset *x = xset_decode(set, &bad);

		/* an old set written without the encoder: what reads cleanly */
		enc = xset_encode(x);
		*fixed += bad > 0;
		xset_free(x);
	}
	f.ticket = (guint)n;
	f.match = match;
	f.queue = queue;
	f.event = event;
	f.set = enc;
	f.kb = kb;
	f.reused = reused;
	f.message_id = sc->derived_id ? NULL : sc->facts->message_id;
	f.digest = sc->sealhash;
	block = seal_block(st->secret, &f);
	if (block != NULL) {
		int lines[] = { it, im, iq, is, ie, iset, ikb, iru };

		for (size_t i = 0; i < G_N_ELEMENTS(lines); i++)
			if (lines[i] >= 0)
				drop[lines[i]] = TRUE;
	}
out:
	g_free(ticket);
	g_free(match);
	g_free(queue);
	g_free(seal);
	g_free(event);
	g_free(set);
	g_free(enc);
	g_free(kb);
	g_free(reused);
	return block;
}

/* Reseal the file PATH, counting what it was in RES. */
static desk_status
reseal_file(desk_store *st, const char *path, gboolean dry_run, reseal_result *res, desk_err *err)
{
	char *content = NULL, *block = NULL, *tmp = NULL;
	gsize len = 0;
	size_t rest;
	GArray *lines = NULL;
	gboolean *drop = NULL;
	scanned sc = { 0 };
	guint id = 0;
	desk_status s = DESK_OK;

	if (!g_file_get_contents(path, &content, &len, NULL))
		return errno == ENOENT ? DESK_OK : desk_fail(err, DESK_TEMPFAIL, "%s: cannot read it", path);
	scan_buf(st, content, len, &sc);
	if (thread_sealed(st, sc.facts, sc.derived_id ? NULL : sc.facts->message_id, sc.sealhash, &id)) {
		res->current++;
		goto out;
	}
	lines = header_lines(content, MIN(len, RESEAL_MAX_HEADER), &rest);
	drop = g_new0(gboolean, lines->len + 1);
	block = new_block(st, lines, &sc, drop, &res->fixed_sets);
	if (block == NULL) {
		res->unsealed++;
		goto out;
	}
	res->resealed++;
	if (!dry_run) {
		GString *out = g_string_new(block);
		int fd;

		for (guint i = 0; i < lines->len; i++)
			if (!drop[i])
				g_string_append_len(out, g_array_index(lines, hline, i).start,
						    g_array_index(lines, hline, i).len);
		g_string_append_len(out, content + rest, len - rest);
		tmp = g_strconcat(path, ".reseal", NULL);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0660);
		if (fd < 0 || write(fd, out->str, out->len) != (gssize)out->len || fsync(fd) != 0) {
			s = desk_fail(err, DESK_TEMPFAIL, "%s: %s", tmp, g_strerror(errno));
			unlink(tmp);
		} else if (rename(tmp, path) != 0) {
			s = desk_fail(err, DESK_TEMPFAIL, "rename %s: %s", tmp, g_strerror(errno));
			unlink(tmp);
		}
		if (fd >= 0)
			close(fd);
		g_string_free(out, TRUE);
	}
out:
	if (lines != NULL)
		g_array_unref(lines);
	g_free(drop);
	g_free(block);
	g_free(tmp);
	scanned_clear(&sc);
	g_free(content);
	return s;
}

static desk_status
reseal_dir(desk_store *st, const char *sub, gboolean dry_run, reseal_result *res, desk_err *err)
{
	char *dir = g_build_filename(st->maildir, sub, NULL);
	DIR *d = opendir(dir);
	struct dirent *e;
	desk_status s = DESK_OK;

	if (d == NULL) {
		s = desk_fail(err, DESK_TEMPFAIL, "%s: %s", dir, g_strerror(errno));
		g_free(dir);
		return s;
	}
	while (s == DESK_OK && (e = readdir(d)) != NULL) {
		char *path;

		if (e->d_name[0] == '.' || g_str_has_suffix(e->d_name, ".reseal"))
			continue;
		path = g_build_filename(dir, e->d_name, NULL);
		s = reseal_file(st, path, dry_run, res, err);
		g_free(path);
	}
	closedir(d);
	if (s == DESK_OK && !dry_run)
		s = store_sync_dir(dir, err);
	g_free(dir);
	return s;
}

desk_status
reseal_store(desk_store *st, gboolean dry_run, reseal_result *res, desk_err *err)
{
	int lockfd = -1;
	desk_status s;

	memset(res, 0, sizeof *res);
	if ((s = store_lock(st, st->cfg->lock_timeout * 1000, &lockfd, err)) != DESK_OK)
		return s;
	s = reseal_dir(st, "cur", dry_run, res, err);
	if (s == DESK_OK)
		s = reseal_dir(st, "new", dry_run, res, err);
	store_unlock(lockfd);
	return s;
}
