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
	chash *hash;
	GString *bounce;  /* the start of a bounce's body, to find our Message-ID */
} scan_ctx;

static void
on_header(void *ud, const char *name, const char *value)
{
	scan_ctx *c = ud;

	facts_header(c->facts, name, value);
	chash_header(c->hash, name, value);
}

static void
on_body(void *ud, const char *buf, gsize len)
{
	scan_ctx *c = ud;

	chash_body(c->hash, buf, len);
	if (c->facts->is_bounce && c->bounce->len < BOUNCE_MAX)
		g_string_append_len(c->bounce, buf, MIN(len, BOUNCE_MAX - c->bounce->len));
}

desk_status
scan_fd(desk_store *st, int fd, int copy_fd, scanned *out, desk_err *err)
{
	scan_ctx c = { facts_new(), chash_new(), g_string_new(NULL) };
	rawmsg_sink sink = { on_header, on_body, &c };
	desk_status s;

	memset(out, 0, sizeof *out);
	s = rawmsg_scan(fd, copy_fd, &sink, &out->size, err);
	facts_finish(c.facts);
	out->facts = c.facts;
	out->hash = chash_finish(c.hash);
	if (c.facts->is_bounce)
		out->bounced = thread_bounced(st->secret, c.bounce->str, c.bounce->len);
	g_string_free(c.bounce, TRUE);
	if (c.facts->message_id == NULL) {
		c.facts->message_id = index_derived_id(out->hash);
		out->derived_id = TRUE;
	}
	return s;
}

void
scanned_clear(scanned *s)
{
	facts_free(s->facts);
	g_free(s->hash);
	memset(s, 0, sizeof *s);
}

const char *
scan_extra_header(const scanned *s)
{
	if (!s->facts->mail_like)
		return "Subject: (no subject)\n";
	return "";
}
