/* rawmsg.c: a streaming header/body splitter with bounded memory. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "rawmsg.h"

typedef struct parser {
	const rawmsg_sink *sink;
	gboolean in_body, first_line;
	GString *line;  /* the header-section line being read, with its \n */
	GString *hdr;   /* the current header, "Name: value\n continued" */
} parser;

static void
flush_header(parser *p)
{
	char *colon, *name, *value;

	if (p->hdr->len == 0)
		return;
	colon = strchr(p->hdr->str, ':');
	name = g_strndup(p->hdr->str, colon - p->hdr->str);
	value = colon + 1;
	while (*value == ' ' || *value == '\t')
		value++;
	if (p->sink->header != NULL)
		p->sink->header(p->sink->ud, g_strchomp(name), value);
	g_free(name);
	g_string_truncate(p->hdr, 0);
}

static gboolean
is_header_line(const char *s)
{
	const char *c = s;

	while (*c > 32 && *c < 127 && *c != ':')
		c++;
	return c > s && *c == ':';
}

static void
body(parser *p, const char *buf, gsize len)
{
	if (len > 0 && p->sink->body != NULL)
		p->sink->body(p->sink->ud, buf, len);
}

/* One complete header-section line (raw, with its newline if any). */
static void
header_line(parser *p, const char *raw, gsize len)
{
	gsize l = len;
	char *s;

	while (l > 0 && (raw[l - 1] == '\n' || raw[l - 1] == '\r'))
		l--;
	s = g_strndup(raw, l);
	if (l == 0) {
		flush_header(p);
		p->in_body = TRUE;
	} else if ((s[0] == ' ' || s[0] == '\t') && p->hdr->len > 0) {
		if (p->hdr->len < RAWMSG_MAX_HEADER) {
			g_string_append_c(p->hdr, '\n');
			g_string_append(p->hdr, s);
		}
	} else if (p->first_line && strncmp(s, "From ", 5) == 0) {
		/* an mbox separator left on top: not a header */
	} else if (is_header_line(s)) {
		flush_header(p);
		g_string_append(p->hdr, s);
	} else {
		flush_header(p);
		p->in_body = TRUE;
		body(p, raw, len);
	}
	p->first_line = FALSE;
	g_free(s);
	if (p->hdr->len > RAWMSG_MAX_HEADER)
		g_string_truncate(p->hdr, RAWMSG_MAX_HEADER);
}

static void
feed(parser *p, const char *buf, gsize len)
{
	while (len > 0 && !p->in_body) {
		const char *nl = memchr(buf, '\n', len);
		gsize n = nl != NULL ? (gsize)(nl - buf) + 1 : len;

		if (p->line->len < RAWMSG_MAX_HEADER)
			g_string_append_len(p->line, buf, MIN(n, RAWMSG_MAX_HEADER - p->line->len));
		buf += n;
		len -= n;
		if (nl == NULL)
			return;
		header_line(p, p->line->str, p->line->len);
		g_string_truncate(p->line, 0);
	}
	body(p, buf, len);
}

static void
parser_init(parser *p, const rawmsg_sink *sink)
{
	p->sink = sink;
	p->in_body = FALSE;
	p->first_line = TRUE;
	p->line = g_string_new(NULL);
	p->hdr = g_string_new(NULL);
}

static void
parser_finish(parser *p)
{
	if (!p->in_body && p->line->len > 0)
		header_line(p, p->line->str, p->line->len);
	flush_header(p);
	g_string_free(p->line, TRUE);
	g_string_free(p->hdr, TRUE);
}

static gboolean
write_all(int fd, const char *buf, gsize len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return FALSE;
		buf += n;
		len -= n;
	}
	return TRUE;
}

/* Where a read buffer's copy starts: past the mbox "From " line that an
 * MTA may put on top (Sendmail's prog mailer, Postfix's local(8) to a
 * command), which is no header. *STATE: 0 at the message's start, 1 inside
 * such a line, 2 past it or when there was none. */
static gsize
skip_from_line(int *state, const char *buf, gsize len)
{
	const char *nl;

	if (*state == 0)
		*state = len >= 5 && memcmp(buf, "From ", 5) == 0 ? 1 : 2;
	if (*state == 2)
		return 0;
	if ((nl = memchr(buf, '\n', len)) == NULL)
		return len;
	*state = 2;
	return (gsize)(nl - buf) + 1;
}

/* read(2) into BUF until it holds at least MIN bytes, or the end of FD:
 * the byte count, or -1 with errno. */
static ssize_t
read_at_least(int fd, char *buf, gsize size, gsize min)
{
	gsize got = 0;

	while (got < MAX(min, 1)) {
		ssize_t n = read(fd, buf + got, size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += n;
	}
	return (ssize_t)got;
}

desk_status
rawmsg_scan(int fd, int copy_fd, const rawmsg_sink *sink, gsize *size, desk_err *err)
{
	char buf[65536];
	parser p;
	gsize total = 0, skip;
	int from_line = 0;
	desk_status s = DESK_OK;

	parser_init(&p, sink);
	for (;;) {
		/* the first read sees whether "From " is on top */
		ssize_t n = read_at_least(fd, buf, sizeof buf, from_line == 0 ? 5 : 1);

		if (n < 0) {
			s = desk_fail(err, DESK_TEMPFAIL, "read: %s", g_strerror(errno));
			break;
		}
		if (n == 0)
			break;
		skip = skip_from_line(&from_line, buf, n);
		if (copy_fd >= 0 && !write_all(copy_fd, buf + skip, n - skip)) {
			s = desk_fail(err, DESK_TEMPFAIL, "write: %s", g_strerror(errno));
			break;
		}
		total += n - skip;
		feed(&p, buf, n);
	}
	parser_finish(&p);
	if (size != NULL)
		*size = total;
	return s;
}

void
rawmsg_scan_buf(const char *buf, gsize len, const rawmsg_sink *sink)
{
	parser p;

	parser_init(&p, sink);
	feed(&p, buf, len);
	parser_finish(&p);
}
