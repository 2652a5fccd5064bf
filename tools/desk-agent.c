/* desk-agent.c: desk agent add|list|remove: the desk's agents, edited in
 * STORE/var/agents (those of maildesk.conf are the owner's). */
#include <stdio.h>
#include <string.h>

#include "desk.h"
#include "output.h"

static int
agent_list(desk_store *st, const char *format)
{
	GPtrArray *a = st->cfg->agents;

	if (format != NULL && strcmp(format, "json") == 0) {
		JsonBuilder *b = json_builder_new();

		json_builder_begin_array(b);
		for (guint i = 0; i < a->len; i++) {
			const desk_agent *ag = a->pdata[i];

			json_builder_begin_object(b);
			json_builder_set_member_name(b, "login");
			json_builder_add_string_value(b, ag->login);
			json_builder_set_member_name(b, "name");
			json_builder_add_string_value(b, ag->name);
			json_builder_set_member_name(b, "address");
			json_builder_add_string_value(b, ag->address);
			json_builder_set_member_name(b, "queues");
			json_builder_begin_array(b);
			for (char **q = ag->queues; *q != NULL; q++)
				json_builder_add_string_value(b, *q);
			json_builder_end_array(b);
			json_builder_set_member_name(b, "notify");
			json_builder_add_boolean_value(b, ag->notify);
			json_builder_end_object(b);
		}
		json_builder_end_array(b);
		out_json(json_builder_get_root(b));
		g_object_unref(b);
		return 0;
	}
	for (guint i = 0; i < a->len; i++) {
		const desk_agent *ag = a->pdata[i];
		char *q = g_strjoinv(",", ag->queues);

		printf("%-12s %-32s %-20s %s\n", out_safe(ag->login), out_safe(ag->address), out_safe(*q ? q : "-"),
		       out_safe(ag->name));
		g_free(q);
	}
	return 0;
}

static int
agent_edit(desk_store *st, gboolean add, char **args, char *name, char **queues, char *sasl,
	   gboolean no_notify)
{
	char *path = g_build_filename(st->dir, STORE_VAR, "agents", NULL);
	const desk_agent *had = agent_find(st->cfg->agents, args[0]);
	desk_err err = { 0 };
	int lockfd = -1;
	desk_status s;

	if (had != NULL && had->in_conf) {
		g_free(path);
		return desk_error(DESK_USAGE, "agent: %s is listed in %s/maildesk.conf, which only the store's "
				  "owner edits: change or remove [agent %s] there", args[0], st->dir, args[0]);
	}
	s = store_lock(st, st->cfg->lock_timeout * 1000, &lockfd, &err);
	if (s == DESK_OK && add) {
		desk_agent a = { args[0], name, g_ascii_strdown(args[1], -1), queues, sasl, FALSE, !no_notify };
		char **none = NULL;

		if (a.queues == NULL)
			a.queues = none = g_new0(char *, 1);
		s = agent_file_add(path, &a, &err);
		g_free(a.address);
		g_free(none);
	} else if (s == DESK_OK) {
		s = agent_file_remove(path, args[0], &err);
	}
	store_unlock(lockfd);
	g_free(path);
	return s == DESK_OK ? 0 : desk_error(s, "agent: %s", err.msg);
}

int
verb_agent(const char *store_dir, int argc, char **argv)
{
	char *name = NULL, *format = NULL, *sasl = NULL;
	char **queues = NULL;
	gboolean no_notify = FALSE;
	GOptionEntry entries[] = {
		{ "name", 'n', 0, G_OPTION_ARG_STRING, &name, "Display name (add)", "NAME" },
		{ "queue", 'q', 0, G_OPTION_ARG_STRING_ARRAY, &queues, "A queue of the agent (add; repeat)", "Q" },
		{ "sasl", 0, 0, G_OPTION_ARG_STRING, &sasl, "SASL login the MTA reports (add; default LOGIN)", "USER" },
		{ "no-notify", 0, 0, G_OPTION_ARG_NONE, &no_notify,
		  "Mail the agent nothing about their tickets or others' notes (add; notify = false)", NULL },
		{ "format", 'f', 0, G_OPTION_ARG_STRING, &format, "text or json (list)", "FMT" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	desk_store *st = NULL;
	int rc = desk_parse("agent", "add LOGIN ADDRESS | list | remove LOGIN",
			    "Manage the desk's agents: [agent LOGIN] groups of STORE/var/agents, which\n"
			    "members of the store's group may edit (those in maildesk.conf are the owner's).",
			    entries, &argc,
			    &argv);

	if (rc >= 0)
		goto out;
	if (argc < 2 || (strcmp(argv[1], "add") == 0 && argc != 4) || (strcmp(argv[1], "list") == 0 && argc != 2) ||
	    (strcmp(argv[1], "remove") == 0 && argc != 3) ||
	    (strcmp(argv[1], "add") && strcmp(argv[1], "list") && strcmp(argv[1], "remove"))) {
		rc = desk_error(DESK_USAGE, "agent: usage: desk agent add LOGIN ADDRESS [--name NAME] [--queue Q]... "
				"[--sasl USER] [--no-notify] | list | remove LOGIN");
		goto out;
	}
	if ((rc = desk_open_store(store_dir, &st)) != 0)
		goto out;
	if (strcmp(argv[1], "list") == 0)
		rc = agent_list(st, format);
	else
		rc = agent_edit(st, strcmp(argv[1], "add") == 0, argv + 2, name, queues, sasl, no_notify);
out:
	store_free(st);
	g_free(name);
	g_free(format);
	g_free(sasl);
	g_strfreev(queues);
	return rc;
}
