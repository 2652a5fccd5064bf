/* ctx.c: connection and message contexts of the milter. */
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
	return c->msg;
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
