/* desk-list.c: desk list: tickets, as text, JSON, TSV or numbers. */
#include <stdio.h>
#include <string.h>

#include "desk.h"
#include "index.h"
#include "output.h"
#include "ticket.h"

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
	json_builder_set_member_name(b, "owner");
	if (*t->owner)
		json_builder_add_string_value(b, t->owner);
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "queue");
	json_builder_add_string_value(b, t->queue);
	json_builder_set_member_name(b, "priority");
	json_builder_add_string_value(b, t->priority);
	json_builder_set_member_name(b, "messages");
	json_builder_add_int_value(b, t->messages);
	json_builder_set_member_name(b, "created");
	json_builder_add_string_value(b, c);
	json_builder_set_member_name(b, "updated");
	json_builder_add_string_value(b, u);
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
		char *req = out_tsv_field(t->requester), *subj = out_tsv_field(t->subject);

		printf("%u\t%s\t%s\t%s\t%s\t%u\t%s\t%s\t%s\n", t->number, t->status, t->queue,
		       *t->owner ? t->owner : "-", req, t->messages, c, u, subj);
		g_free(c);
		g_free(u);
		g_free(req);
		g_free(subj);
	}
}

static void
print_text(GPtrArray *list)
{
	for (guint i = 0; i < list->len; i++) {
		const ticket_info *t = list->pdata[i];
		char *u = out_iso8601(t->updated);

		u[10] = u[0] ? ' ' : '\0';
		if (u[0])
			u[16] = '\0';
		printf("%6u  %-8s %-10s %-16s %-28.28s %s\n", t->number, t->status, t->queue, u,
		       t->requester, t->subject);
		g_free(u);
	}
}

int
verb_list(const char *store_dir, int argc, char **argv)
{
	char *status = NULL, *format = NULL;
	GOptionEntry entries[] = {
		{ "status", 's', 0, G_OPTION_ARG_STRING, &status,
		  "A status, a comma-separated list, or any (default: new,open,pending,on-hold)", "S" },
		{ "format", 'f', 0, G_OPTION_ARG_STRING, &format, "text, json, tsv or ids", "FMT" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	desk_store *st = NULL;
	notmuch_database_t *db = NULL;
	GPtrArray *list = NULL;
	desk_err err = { 0 };
	desk_status s;
	int rc = desk_parse("list", "", "List tickets, newest activity first.", entries, &argc, &argv);

	if (rc >= 0)
		goto out;
	rc = 0;
	if (format != NULL && strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "tsv") &&
	    strcmp(format, "ids")) {
		rc = desk_error(DESK_USAGE, "list: unknown format '%s' (text, json, tsv, ids)", format);
		goto out;
	}
	if ((rc = desk_open_store(store_dir, &st)) != 0)
		goto out;
	s = index_open(st, FALSE, &db, &err);
	if (s == DESK_OK)
		s = ticket_list(db, &(ticket_filter){ .statuses = status }, &list, &err);
	if (s != DESK_OK) {
		rc = desk_error(s, "list: %s", err.msg);
		goto out;
	}
	if (format == NULL || strcmp(format, "text") == 0)
		print_text(list);
	else if (strcmp(format, "json") == 0)
		print_json(list);
	else if (strcmp(format, "tsv") == 0)
		print_tsv(list);
	else
		for (guint i = 0; i < list->len; i++)
			printf("%u\n", ((ticket_info *)list->pdata[i])->number);
out:
	if (list != NULL)
		g_ptr_array_unref(list);
	if (db != NULL)
		notmuch_database_destroy(db);
	store_free(st);
	g_free(status);
	g_free(format);
	return rc;
}
