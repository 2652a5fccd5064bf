/* desk-queue.c: desk queue N Q: move tickets to another queue. */
#include <string.h>

#include "apply.h"
#include "desk.h"

static desk_status
decide(desk_change *c, const ticket_info *t, const desk_agent *me, void *ud, apply_event *ev, desk_err *err)
{
	(void)c;
	return queue_decide(t, me, ud, ev, err);
}

/* The queues of the desk's ADDRESSES, ", "-separated, each once. */
static char *
queues_of(const GPtrArray *addresses)
{
	GString *s = g_string_new(NULL);
	GPtrArray *seen = g_ptr_array_new();

	for (guint i = 0; i < addresses->len; i++) {
		const char *q = ((desk_address *)addresses->pdata[i])->queue;

		if (g_ptr_array_find_with_equal_func(seen, q, g_str_equal, NULL))
			continue;
		g_ptr_array_add(seen, (gpointer)q);
		g_string_append_printf(s, "%s%s", s->len ? ", " : "", q);
	}
	g_ptr_array_unref(seen);
	return g_string_free(s, FALSE);
}

int
verb_queue(const char *store_dir, int argc, char **argv)
{
	char *as = NULL;
	GOptionEntry entries[] = { APPLY_AS_OPTION(as), { NULL, 0, 0, 0, NULL, NULL, NULL } };
	GArray *tickets = NULL;
	desk_store *st = NULL;
	int rc = desk_parse("queue", "N... QUEUE", "Move tickets to a queue (one of the desk addresses' queues).",
			    entries, &argc, &argv);

	if (rc >= 0)
		goto out;
	if (argc < 3) {
		rc = desk_error(DESK_USAGE, "queue: usage: desk queue N... QUEUE");
		goto out;
	}
	if ((rc = desk_open_store(store_dir, &st)) != 0)
		goto out;
	if (!actions_queue_known(st->cfg->addresses, argv[argc - 1])) {
		char *known = queues_of(st->cfg->addresses);

		rc = desk_error(DESK_USAGE, "queue: no queue '%s'; the queues are: %s (desk.addresses in "
				"maildesk.conf)", argv[argc - 1], known);
		g_free(known);
		goto out;
	}
	if ((tickets = apply_ticket_args("queue", argc - 1, argv, 1)) == NULL)
		rc = 64;
	else
		rc = apply_tickets(store_dir, "queue", as, tickets, decide, argv[argc - 1]);
out:
	if (tickets != NULL)
		g_array_unref(tickets);
	desk_close_store(st);
	g_free(as);
	return rc;
}
