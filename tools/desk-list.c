/* desk-list.c: desk list: tickets, as text, JSON, TSV or numbers. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "desk.h"
#include "index.h"
#include "list-text.h"
#include "output.h"
#include "ticket.h"
#include "when.h"

static JsonNode *
ticket_json(const ticket_info *t)
{
	JsonBuilder *b = json_builder_new();
	char *c = out_iso8601(t->created), *u = out_iso8601(t->updated);
	JsonNode *n;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "ticket");
	json_builder_add_int_value(b, t->number);
	json_builder_set_member_name(b, "subject");
	json_builder_add_string_value(b, t->subject);
	json_builder_set_member_name(b, "status");
	json_builder_add_string_value(b, t->status);
	json_builder_set_member_name(b, "requester");
	json_builder_add_string_value(b, t->requester);
	json_builder_set_member_name(b, "requester_name");
	json_builder_add_string_value(b, t->requester_name);
	out_json_string(b, "owner", t->owner);
	json_builder_set_member_name(b, "queue");
	json_builder_add_string_value(b, t->queue);
	json_builder_set_member_name(b, "priority");
	json_builder_add_string_value(b, t->priority);
	out_json_strv(b, "tags", t->tags);
	out_json_strv(b, "cc", t->cc);
	out_json_strv(b, "links", t->links);
	json_builder_set_member_name(b, "messages");
	json_builder_add_int_value(b, t->messages);
	json_builder_set_member_name(b, "created");
	json_builder_add_string_value(b, c);
	json_builder_set_member_name(b, "updated");
	json_builder_add_string_value(b, u);
	out_json_time(b, "first_response", t->first_response);
	out_json_time(b, "last_customer", t->last_customer);
	out_json_time(b, "solved_at", t->solved_at);
	json_builder_set_member_name(b, "reopens");
	json_builder_add_int_value(b, t->reopens);
	json_builder_set_member_name(b, "merged_into");
	if (t->merged_into != 0)
		json_builder_add_int_value(b, t->merged_into);
	else
		json_builder_add_null_value(b);
	json_builder_end_object(b);
	n = json_builder_get_root(b);
	g_object_unref(b);
	g_free(c);
	g_free(u);
	return n;
}

static void
print_json(GPtrArray *list)
{
	JsonArray *a = json_array_new();
	JsonNode *root = json_node_new(JSON_NODE_ARRAY);

	for (guint i = 0; i < list->len; i++)
		json_array_add_element(a, ticket_json(list->pdata[i]));
	json_node_take_array(root, a);
	out_json(root);
}

static void
print_tsv(GPtrArray *list)
{
	for (guint i = 0; i < list->len; i++) {
		const ticket_info *t = list->pdata[i];
		char *c = out_iso8601(t->created), *u = out_iso8601(t->updated);
		char *tags = g_strjoinv(",", t->tags);

		/* out_safe: no tab or newline in a field breaks the row */
		printf("%u\t%s\t%s\t%s\t%s\t%u\t%s\t%s\t%s\t%s\t%s\n", t->number, out_safe(t->status),
		       out_safe(t->queue), out_safe(*t->owner ? t->owner : "-"), out_safe(t->requester),
		       t->messages, c, u, out_safe(t->subject), out_safe(t->priority),
		       out_safe(*tags ? tags : "-"));
		g_free(tags);
		g_free(c);
		g_free(u);
	}
}


static void
print_ids(GPtrArray *list)
{
	GString *out = g_string_sized_new(list->len * 6);

	for (guint i = 0; i < list->len; i++)
		g_string_append_printf(out, "%u\n", ((ticket_info *)list->pdata[i])->number);
	fwrite(out->str, 1, out->len, stdout);
	g_string_free(out, TRUE);
}

/* Whether to colour: a terminal that is not dumb, and no $NO_COLOR. */
static gboolean
want_colour(void)
{
	const char *term = g_getenv("TERM");

	return isatty(STDOUT_FILENO) && g_getenv("NO_COLOR") == NULL && term != NULL &&
	       strcmp(term, "dumb") != 0;
}

typedef struct list_opts {
	char *status, *owner, *queue, *priority, *requester, *since, *until, *sort, *format, *as;
	gboolean mine;
	gint limit;
} list_opts;

static void
list_opts_clear(list_opts *o)
{
	g_free(o->status);
	g_free(o->owner);
	g_free(o->queue);
	g_free(o->priority);
	g_free(o->requester);
	g_free(o->since);
	g_free(o->until);
	g_free(o->sort);
	g_free(o->format);
	g_free(o->as);
}

static gboolean
sort_of(const char *s, ticket_sort *out)
{
	static const char *const names[] = { "updated", "created", "priority", "age" };

	for (gsize i = 0; i < G_N_ELEMENTS(names); i++)
		if (s == NULL || strcmp(s, names[i]) == 0) {
			*out = (ticket_sort)i;
			return TRUE;
		}
	return FALSE;
}

/* The filter of O, checked; the store is needed for --mine. */
static int
filter_of(list_opts *o, desk_store *st, ticket_filter *f)
{
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	const desk_agent *me = NULL;
	desk_err err = { 0 };

	if (o->format != NULL && strcmp(o->format, "text") && strcmp(o->format, "json") &&
	    strcmp(o->format, "tsv") && strcmp(o->format, "ids"))
		return desk_error(DESK_USAGE, "list: unknown format '%s' (text, json, tsv, ids)", o->format);
	if (!sort_of(o->sort, &f->sort))
		return desk_error(DESK_USAGE, "list: unknown sort '%s' (updated, created, priority, age)", o->sort);
	if (o->limit < 0)
		return desk_error(DESK_USAGE, "list: --limit must be 0 or more");
	if (o->since != NULL && !when_parse(o->since, now, &f->since))
		return desk_error(DESK_USAGE, "list: bad --since '%s' (YYYY-MM-DD, ISO 8601, or an age like 2d, 3h)",
				  o->since);
	if (o->until != NULL && !when_parse(o->until, now, &f->until))
		return desk_error(DESK_USAGE, "list: bad --until '%s' (YYYY-MM-DD, ISO 8601, or an age like 2d, 3h)",
				  o->until);
	if (o->mine && o->owner != NULL)
		return desk_error(DESK_USAGE, "list: --mine and --owner exclude each other");
	if (o->owner != NULL && strcmp(o->owner, "none") != 0 && !agent_login_ok(o->owner))
		return desk_error(DESK_USAGE, "list: '%s' is not an agent login", o->owner);
	if (o->mine && agent_acting(st->cfg->agents, o->as, &me, &err) != DESK_OK)
		return desk_error(DESK_USAGE, "list: --mine: %s", err.msg);
	f->statuses = o->status;
	f->owner = me != NULL ? me->login : o->owner;
	f->queue = o->queue;
	f->priority = o->priority;
	f->requester = o->requester;
	f->limit = (guint)o->limit;
	return 0;
}

/* --owner LOGIN of no agent: an error when no ticket listed has that
 * owner either (a typo), else a warning (an agent removed since). */
static int
owner_known(desk_store *st, const char *owner, guint found)
{
	if (owner == NULL || strcmp(owner, "none") == 0 || agent_find(st->cfg->agents, owner) != NULL)
		return 0;
	if (found == 0)
		return desk_error(DESK_USAGE, "list: --owner %s: unknown login: not an agent of this desk "
				  "(desk agent list)", owner);
	desk_warn("list: --owner %s: not an agent of this desk (any more)", owner);
	return 0;
}

int
verb_list(const char *store_dir, int argc, char **argv)
{
	list_opts o = { 0 };
	GOptionEntry entries[] = {
		{ "status", 's', 0, G_OPTION_ARG_STRING, &o.status,
		  "A status, a comma-separated list, or any (default: new,open,pending,on-hold)", "S" },
		{ "owner", 'o', 0, G_OPTION_ARG_STRING, &o.owner, "Tickets of AGENT, or none: nobody's", "AGENT" },
		{ "mine", 'm', 0, G_OPTION_ARG_NONE, &o.mine, "Tickets of the acting agent", NULL },
		{ "as", 0, 0, G_OPTION_ARG_STRING, &o.as, "Act as agent LOGIN (for --mine)", "LOGIN" },
		{ "queue", 'q', 0, G_OPTION_ARG_STRING, &o.queue, "Tickets in queue Q", "Q" },
		{ "priority", 'p', 0, G_OPTION_ARG_STRING, &o.priority, "low, normal, high or urgent", "P" },
		{ "requester", 'r', 0, G_OPTION_ARG_STRING, &o.requester, "Tickets of requester ADDRESS", "ADDRESS" },
		{ "since", 0, 0, G_OPTION_ARG_STRING, &o.since, "Updated at or after WHEN", "WHEN" },
		{ "until", 0, 0, G_OPTION_ARG_STRING, &o.until, "Updated before WHEN", "WHEN" },
		{ "sort", 0, 0, G_OPTION_ARG_STRING, &o.sort, "updated (default), created, priority or age", "KEY" },
		{ "limit", 'n', 0, G_OPTION_ARG_INT, &o.limit, "At most N tickets", "N" },
		{ "format", 'f', 0, G_OPTION_ARG_STRING, &o.format, "text, json, tsv or ids", "FMT" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	desk_store *st = NULL;
	notmuch_database_t *db = NULL;
	GPtrArray *list = NULL;
	ticket_filter f = { 0 };
	char *query = NULL;
	desk_err err = { 0 };
	desk_status s;
	int rc = desk_parse("list", "[QUERY]",
			    "List tickets, newest activity first. QUERY is a notmuch query;\n"
			    "a ticket is listed when one of its messages matches it.",
			    entries, &argc, &argv);

	if (rc >= 0)
		goto out;
	if ((rc = desk_open_store(store_dir, &st)) != 0)
		goto out;
	if ((rc = filter_of(&o, st, &f)) != 0)
		goto out;
	if (argc > 1)
		f.query = query = g_strjoinv(" ", argv + 1);
	s = index_open(st, FALSE, &db, &err);
	if (s == DESK_OK)
		s = ticket_list(db, &f, &list, &err);
	if (s != DESK_OK) {
		rc = desk_error(s, "list: %s", err.msg);
		goto out;
	}
	if ((rc = owner_known(st, o.owner, list->len)) != 0)
		goto out;
	if (o.format == NULL || strcmp(o.format, "text") == 0)
		list_text_print(list, list_text_width(), want_colour());
	else if (strcmp(o.format, "json") == 0)
		print_json(list);
	else if (strcmp(o.format, "tsv") == 0)
		print_tsv(list);
	else
		print_ids(list);
	rc = fflush(stdout) == 0 ? 0 : desk_error(DESK_TEMPFAIL, "list: cannot write: %s", g_strerror(errno));
out:
	if (list != NULL)
		g_ptr_array_unref(list);
	if (db != NULL)
		notmuch_database_destroy(db);
	store_free(st);
	list_opts_clear(&o);
	g_free(query);
	return rc;
}
