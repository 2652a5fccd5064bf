/* ctx.c: connection and message contexts of the milter. */
#include <sys/mman.h>
#include <unistd.h>

#include "ctx.h"

conn_ctx *
conn_new(unsigned long proto)
{
	conn_ctx *c = g_new0(conn_ctx, 1);

	c->proto = proto;
	return c;
}

void
conn_end_message(conn_ctx *c)
{
	msg_ctx *m = c->msg;

	if (m == NULL)
		return;
	facts_free(m->facts);
	g_ptr_array_unref(m->rcpts);
	g_free(m->raw_subject);
	g_free(m->envfrom);
	g_free(m->sasl);
	if (m->bounce != NULL)
		g_string_free(m->bounce, TRUE);
	if (m->seal != NULL)
		g_free(chash_finish(m->seal));
	g_free(m->digest);
	g_hash_table_destroy(m->ours);
	g_array_unref(m->authres_drop);
	if (m->raw_fd >= 0)
		close(m->raw_fd);
	g_free(m);
	c->msg = NULL;
}

msg_ctx *
conn_begin_message(conn_ctx *c)
{
	conn_end_message(c);
	c->msg = g_new0(msg_ctx, 1);
	c->msg->facts = facts_new();
	c->msg->rcpts = g_ptr_array_new_with_free_func(g_free);
	c->msg->seal = chash_new_seal();
	c->msg->ours = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	c->msg->authres_drop = g_array_new(FALSE, FALSE, sizeof(int));
	c->msg->raw_fd = -1;
	return c->msg;
}

void
msg_keep(msg_ctx *m, const char *bytes, gsize len, gsize limit)
{
	ssize_t n;

	if (m->raw_fd < 0 || m->raw_len >= limit)
		return;
	len = MIN(len, limit - m->raw_len);
	n = write(m->raw_fd, bytes, len);
	if (n != (ssize_t)len) {
		close(m->raw_fd);  /* the rules read the header facts alone then */
		m->raw_fd = -1;
		return;
	}
	m->raw_len += len;
}

void
msg_digest_finish(msg_ctx *m)
{
	if (m->seal != NULL) {
		m->digest = chash_finish(m->seal);
		m->seal = NULL;
	}
}

void
conn_free(conn_ctx *c)
{
	if (c == NULL)
		return;
	conn_end_message(c);
	g_free(c->client_addr);
	g_free(c);
}
