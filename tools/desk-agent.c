/* desk-agent.c: desk agent add|list|remove|away|back: the desk's agents,
 * edited in STORE/var/agents (those of maildesk.conf are the owner's);
 * agents away in STORE/var/away (lib/store/away.h). */
#include <stdio.h>
#include <string.h>

#include "apply.h"
#include "away.h"
#include "clock.h"
#include "desk.h"
#include "index.h"
#include "output.h"
#include "when.h"

static int
agent_list(desk_store *st, const char *format)
{
	GPtrArray *a = st->cfg->agents;
	g_autoptr(GHashTable) away = away_load(st, desk_now());

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
			json_builder_set_member_name(b, "away");
			json_builder_add_boolean_value(b, g_hash_table_contains(away, ag->login));
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

		printf("%-12s %-32s %-20s %s%s\n", out_safe(ag->login), out_safe(ag->address), out_safe(*q ? q : "-"),
		       out_safe(ag->name), g_hash_table_contains(away, ag->login) ? " (away)" : "");
		g_free(q);
	}
	return 0;
}

/* LOGIN of maildesk.conf: refused, desk agent leaves it to the owner. */
static int
owners_agent(desk_store *st, const char *login)
{
	const desk_agent *had = agent_find(st->cfg->agents, login);

	if (had == NULL || !had->in_conf)
		return 0;
	return desk_error(DESK_USAGE, "agent: %s is listed in %s/maildesk.conf, which only the store's "
			  "owner edits: change or remove [agent %s] there", login, st->dir, login);
}

/* Add LOGIN (ADDRESS may be NULL for one that exists), or change only
 * what is given. */
static int
agent_add(desk_store *st, const char *login, const char *address, char *name, char **queues, char *sasl,
	  int notify)
{
	char *path = g_build_filename(st->dir, STORE_VAR, "agents", NULL);
	char *addr = address != NULL ? g_ascii_strdown(address, -1) : NULL, *changed = NULL;
	desk_agent a = { (char *)login, name, addr, queues, sasl, FALSE, notify != 0, notify >= 0 };
	desk_err err = { 0 };
	int lockfd = -1, rc;
	desk_status s = store_lock(st, st->cfg->lock_timeout * 1000, &lockfd, &err);

	if (s == DESK_OK)
		s = agent_file_add(path, &a, &changed, &err);
	store_unlock(lockfd);
	rc = s == DESK_OK ? 0 : desk_error(s, "agent: %s", err.msg);
	if (rc == 0 && changed != NULL)  /* an agent that was there: say what changed */
		printf("%s: %s%s\n", out_safe(login), *changed ? "changed " : "unchanged",
		       out_safe(changed));
	g_free(changed);
	g_free(addr);
	g_free(path);
	return rc;
}

/* The open tickets LOGIN owns (ticket_info*), or NULL after a message. */
static GPtrArray *
open_tickets_of(desk_store *st, const char *login)
{
	notmuch_database_t *db = NULL;
	GPtrArray *list = NULL;
	ticket_filter f = { 0 };
	desk_err err = { 0 };
	desk_status s = index_open(st, FALSE, &db, &err);

	f.owner = login;
	if (s == DESK_OK)
		s = ticket_list(db, &f, &list, NULL, &err);
	if (db != NULL)
		notmuch_database_destroy(db);
	if (s != DESK_OK)
		desk_error(s, "agent remove: %s", err.msg);
	return list;
}

static desk_status
reassign_decide(desk_change *c, const ticket_info *t, const desk_agent *me, void *ud, apply_event *ev,
		desk_err *err)
{
	(void)c;
	return assign_decide(t, me, ud, TRUE, ev, err);
}

/* Give LIST's tickets to TO, as agent AS, before LOGIN goes. */
static int
reassign(const char *store_dir, desk_store *st, const char *login, const char *to, const char *as,
	 GPtrArray *list)
{
	GArray *nums = g_array_new(FALSE, FALSE, sizeof(guint));
	int rc = 0;

	if (agent_find(st->cfg->agents, to) == NULL || strcmp(to, login) == 0)
		rc = desk_error(DESK_USAGE, "agent remove %s: --reassign %s: not another agent of this desk "
				"(desk agent list)", login, to);
	for (guint i = 0; rc == 0 && i < list->len; i++)
		g_array_append_val(nums, ((ticket_info *)list->pdata[i])->number);
	if (rc == 0 && nums->len > 0)
		rc = apply_tickets(store_dir, "agent remove", as, nums, reassign_decide, (void *)to);
	g_array_unref(nums);
	return rc;
}

static gint
by_number(gconstpointer a, gconstpointer b)
{
	guint x = *(const guint *)a, y = *(const guint *)b;

	return x < y ? -1 : x > y;
}

/* Say which open tickets LOGIN kept, and how to give them away. */
static void
warn_kept(const char *login, GPtrArray *list)
{
	GString *n = g_string_new(NULL);
	GArray *nums = g_array_new(FALSE, FALSE, sizeof(guint));

	for (guint i = 0; i < list->len; i++)
		g_array_append_val(nums, ((ticket_info *)list->pdata[i])->number);
	g_array_sort(nums, by_number);
	for (guint i = 0; i < nums->len && i < 20; i++)
		g_string_append_printf(n, "%s%u", i ? ", " : "", g_array_index(nums, guint, i));
	g_array_unref(nums);
	if (list->len > 20)
		g_string_append_printf(n, " and %u more", list->len - 20);
	desk_warn("agent remove: %s still owns %u open ticket%s (%s): give them to another agent with "
		  "'desk list --owner %s --format=ids | desk assign --force - LOGIN' "
		  "(or next time: desk agent remove %s --reassign LOGIN)", login, list->len,
		  list->len == 1 ? "" : "s", n->str, login, login);
	g_string_free(n, TRUE);
}

/* Remove LOGIN; its open tickets go to REASSIGN first, else a warning. */
static int
agent_remove(const char *store_dir, desk_store *st, const char *login, const char *to, const char *as)
{
	char *path = g_build_filename(st->dir, STORE_VAR, "agents", NULL);
	GPtrArray *list = open_tickets_of(st, login);
	desk_err err = { 0 };
	int lockfd = -1, rc = list == NULL ? desk_exit_code(DESK_TEMPFAIL) : 0;
	desk_status s;

	if (rc == 0 && to != NULL)
		rc = reassign(store_dir, st, login, to, as, list);
	if (rc == 0) {
		s = store_lock(st, st->cfg->lock_timeout * 1000, &lockfd, &err);
		if (s == DESK_OK)
			s = agent_file_remove(path, login, &err);
		store_unlock(lockfd);
		rc = s == DESK_OK ? 0 : desk_error(s, "agent: %s", err.msg);
	}
	if (rc == 0 && to == NULL && list->len > 0)
		warn_kept(login, list);
	if (list != NULL)
		g_ptr_array_unref(list);
	g_free(path);
	return rc;
}

/* desk agent away LOGIN [--until DATE] and desk agent back LOGIN. */
static int
agent_away(desk_store *st, const char *what, const char *login, const char *until)
{
	desk_err err = { 0 };
	gint64 t = 0;
	gboolean was = FALSE;
	desk_status s;

	if (agent_find(st->cfg->agents, login) == NULL)
		return desk_error(DESK_NOTFOUND, "agent: no agent %s (see desk agent list)", login);
	if (strcmp(what, "back") == 0) {
		if (until != NULL)
			return desk_error(DESK_USAGE, "agent: --until is for away");
		if ((s = away_clear(st, login, &was, &err)) != DESK_OK)
			return desk_error(s, "agent: %s", err.msg);
		printf("%s: %s\n", login, was ? "back" : "was not away");
		return 0;
	}
	if (until != NULL && (!when_parse(until, desk_now(), &t) || t <= desk_now()))
		return desk_error(DESK_USAGE, "agent: --until %s: not a date to come (YYYY-MM-DD[THH:MM[Z]])", until);
	if ((s = away_set(st, login, t, &err)) != DESK_OK)
		return desk_error(s, "agent: %s", err.msg);
	if (t != 0) {
		char *iso = out_iso8601(t);

		printf("%s: away until %s\n", login, iso);
		g_free(iso);
	} else {
		printf("%s: away until back\n", login);
	}
	return 0;
}

int
verb_agent(const char *store_dir, int argc, char **argv)
{
	char *name = NULL, *format = NULL, *sasl = NULL, *to = NULL, *as = NULL, *until = NULL;
	char **queues = NULL;
	gboolean no_notify = FALSE, yes_notify = FALSE;
	GOptionEntry entries[] = {
		{ "name", 'n', 0, G_OPTION_ARG_STRING, &name, "Display name (add)", "NAME" },
		{ "queue", 'q', 0, G_OPTION_ARG_STRING_ARRAY, &queues, "A queue of the agent (add; repeat; '' for none)", "Q" },
		{ "sasl", 0, 0, G_OPTION_ARG_STRING, &sasl, "SASL login the MTA reports (add; default LOGIN)", "USER" },
		{ "no-notify", 0, 0, G_OPTION_ARG_NONE, &no_notify,
		  "Mail the agent nothing about their tickets or others' notes (add; notify = false)", NULL },
		{ "notify", 0, 0, G_OPTION_ARG_NONE, &yes_notify, "Mail the agent again (add; notify = true)", NULL },
		{ "format", 'f', 0, G_OPTION_ARG_STRING, &format, "text or json (list)", "FMT" },
		{ "reassign", 0, 0, G_OPTION_ARG_STRING, &to, "Give the agent's open tickets to LOGIN first (remove)", "LOGIN" },
		{ "until", 0, 0, G_OPTION_ARG_STRING, &until, "Away until this date, YYYY-MM-DD[THH:MM[Z]] (away)", "DATE" },
		APPLY_AS_OPTION(as),
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	desk_store *st = NULL;
	int rc = desk_parse("agent", "add LOGIN [ADDRESS] | list | remove LOGIN | away LOGIN | back LOGIN",
			    "Manage the desk's agents: [agent LOGIN] groups of STORE/var/agents, which\n"
			    "members of the store's group may edit (those in maildesk.conf are the owner's).\n"
			    "add on an agent that exists changes only what is given; remove warns about\n"
			    "the agent's open tickets, or gives them to another agent with --reassign.\n"
			    "away marks an agent away (until back, or --until DATE): round-robin and\n"
			    "least-open assignment by routing rules skip them; back ends it.",
			    entries, &argc,
			    &argv);

	if (rc >= 0)
		goto out;
	if (argc == 3 && (strcmp(argv[1], "away") == 0 || strcmp(argv[1], "back") == 0)) {
		if ((rc = desk_open_store(store_dir, &st)) == 0)
			rc = agent_away(st, argv[1], argv[2], until);
		goto out;
	}
	if (argc < 2 || (strcmp(argv[1], "add") == 0 && argc != 3 && argc != 4) ||
	    (strcmp(argv[1], "list") == 0 && argc != 2) || (strcmp(argv[1], "remove") == 0 && argc != 3) ||
	    (strcmp(argv[1], "add") && strcmp(argv[1], "list") && strcmp(argv[1], "remove"))) {
		rc = desk_error(DESK_USAGE, "agent: usage: desk agent add LOGIN [ADDRESS] [--name NAME] [--queue Q]... "
				"[--sasl USER] [--no-notify | --notify] | "
				"list | remove LOGIN [--reassign LOGIN] | away LOGIN [--until DATE] | back LOGIN");
		goto out;
	}
	if ((rc = desk_open_store(store_dir, &st)) != 0)
		goto out;
	if (strcmp(argv[1], "list") == 0)
		rc = agent_list(st, format);
	else if ((rc = owners_agent(st, argv[2])) != 0)
		;
	else if (strcmp(argv[1], "add") == 0)
		rc = agent_add(st, argv[2], argc == 4 ? argv[3] : NULL, name, queues, sasl,
			       no_notify ? 0 : yes_notify ? 1 : -1);
	else
		rc = agent_remove(store_dir, st, argv[2], to, as);
out:
	desk_close_store(st);
	g_free(to);
	g_free(as);
	g_free(until);
	g_free(name);
	g_free(format);
	g_free(sasl);
	g_strfreev(queues);
	return rc;
}
