/* scan.c: one pass over a message for facts, hash and bounce target. */
#include <string.h>

#include "chash.h"
#include "index.h"
#include "rawmsg.h"
#include "scan.h"
#include "thread.h"

#define BOUNCE_MAX (1024 * 1024)

typedef struct scan_ctx {
	msg_facts *facts;
	chash *hash, *seal;
	GString *bounce;  /* the start of a bounce's body, to find our Message-ID */
	gboolean lazy;    /* scan_fd_facts: each digest only where it is needed */
} scan_ctx;

static void
on_header(void *ud, const char *name, const char *value)
{
	scan_ctx *c = ud;

	facts_header(c->facts, name, value);
	chash_header(c->hash, name, value);
	chash_header(c->seal, name, value);
}

static void
on_body(void *ud, const char *buf, gsize len)
{
	scan_ctx *c = ud;

	/* the body comes after every header: what the facts need is known */
	if (!c->lazy || c->facts->message_id == NULL)
		chash_body(c->hash, buf, len);
	if (!c->lazy || c->facts->x_rule != NULL)
		chash_body(c->seal, buf, len);
	if (c->facts->is_bounce && c->bounce->len < BOUNCE_MAX)
		g_string_append_len(c->bounce, buf, MIN(len, BOUNCE_MAX - c->bounce->len));
}

static void
scan_begin(scan_ctx *c, scanned *out)
{
	memset(out, 0, sizeof *out);
	c->facts = facts_new();
	c->hash = chash_new();
	c->seal = chash_new_seal();
	c->bounce = g_string_new(NULL);
	c->lazy = FALSE;
}

static void
scan_end(desk_store *st, scan_ctx *c, scanned *out)
{
	facts_finish(c->facts);
	out->facts = c->facts;
	out->hash = chash_finish(c->hash);
	out->sealhash = chash_finish(c->seal);
	if (c->facts->is_bounce)
		out->bounced = thread_bounced(st->secret, c->bounce->str, c->bounce->len);
	g_string_free(c->bounce, TRUE);
	if (c->facts->message_id == NULL) {
		c->facts->message_id = index_derived_id(out->hash);
		out->derived_id = TRUE;
	}
	/* digests of the headers alone would be wrong: none rather */
	if (c->lazy && !out->derived_id)
		g_clear_pointer(&out->hash, g_free);
	if (c->lazy && c->facts->x_rule == NULL)
		g_clear_pointer(&out->sealhash, g_free);
}

desk_status
scan_fd(desk_store *st, int fd, int copy_fd, scanned *out, desk_err *err)
{
	scan_ctx c;
	rawmsg_sink sink = { on_header, on_body, &c };
	desk_status s;
	gsize size = 0;

	scan_begin(&c, out);
	s = rawmsg_scan(fd, copy_fd, &sink, &size, err);
	scan_end(st, &c, out);
	out->size = size;
	return s;
}

desk_status
scan_fd_facts(desk_store *st, int fd, scanned *out, desk_err *err)
{
	scan_ctx c;
	rawmsg_sink sink = { on_header, on_body, &c };
	desk_status s;
	gsize size = 0;

	scan_begin(&c, out);
	c.lazy = TRUE;
	s = rawmsg_scan(fd, -1, &sink, &size, err);
	scan_end(st, &c, out);
	out->size = size;
	return s;
}

void
scan_buf(desk_store *st, const char *buf, gsize len, scanned *out)
{
	scan_ctx c;
	rawmsg_sink sink = { on_header, on_body, &c };

	scan_begin(&c, out);
	rawmsg_scan_buf(buf, len, &sink);
	scan_end(st, &c, out);
	out->size = len;
}

void
scanned_clear(scanned *s)
{
	facts_free(s->facts);
	g_free(s->hash);
	g_free(s->sealhash);
	memset(s, 0, sizeof *s);
}

const char *
scan_extra_header(const scanned *s)
{
	if (!s->facts->mail_like)
		return "Subject: (no subject)\n";
	return "";
}
