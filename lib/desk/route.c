/* route.c: a new ticket's routing (lib/store/rules.h) carried out once its
 * mail is indexed: one event "route" of the system that names the rules
 * (rule=NAME) and sets priority, tags and owner; round-robin and
 * least-open pick among the queue's agents who are not away. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "away.h"
#include "change.h"
#include "clock.h"
#include "followup.h"
#include "log.h"
#include "route.h"
#include "rules.h"
#include "scan.h"

/* The agents of QUEUE (all agents when none names it), by login, who
 * are not away. Not copies. */
static GPtrArray *
queue_agents(desk_store *st, const char *queue)
{
	GPtrArray *out = g_ptr_array_new(), *all = st->cfg->agents;
	GHashTable *away = away_load(st, desk_now());
	gboolean named = FALSE;

	for (guint i = 0; i < all->len; i++) {
		const desk_agent *a = all->pdata[i];

		named |= a->queues != NULL && g_strv_contains((const char *const *)a->queues, queue);
	}
	for (guint i = 0; i < all->len; i++) {
		const desk_agent *a = all->pdata[i];

		if (g_hash_table_contains(away, a->login))
			continue;
		if (!named || (a->queues != NULL && g_strv_contains((const char *const *)a->queues, queue)))
			g_ptr_array_add(out, (gpointer)a);
	}
	g_hash_table_unref(away);
	return out;
}

static gint
by_login(gconstpointer a, gconstpointer b)
{
	return strcmp((*(const desk_agent *const *)a)->login, (*(const desk_agent *const *)b)->login);
}

/* The next agent after the last one round-robin gave in QUEUE
 * (STORE/var/round-robin, "QUEUE LOGIN" lines); the file is updated. */
static const desk_agent *
next_round_robin(desk_store *st, const char *queue, GPtrArray *agents)
{
	char *path = g_build_filename(st->dir, STORE_VAR, "round-robin", NULL), *text = NULL, *last = NULL;
	GString *out = g_string_new(NULL);
	const desk_agent *pick = agents->pdata[0];
	char **lines;

	g_file_get_contents(path, &text, NULL, NULL);
	lines = g_strsplit(text != NULL ? text : "", "\n", -1);
	for (char **l = lines; *l != NULL; l++) {
		char **f = g_strsplit(*l, " ", 2);

		if (f[0] != NULL && f[1] != NULL && strcmp(f[0], queue) == 0)
			last = g_strdup(f[1]);
		else if (**l != '\0')
			g_string_append_printf(out, "%s\n", *l);
		g_strfreev(f);
	}
	for (guint i = 0; last != NULL && i < agents->len; i++)
		if (strcmp(((desk_agent *)agents->pdata[i])->login, last) > 0) {
			pick = agents->pdata[i];
			break;
		}
	g_string_append_printf(out, "%s %s\n", queue, pick->login);
	if (!g_file_set_contents_full(path, out->str, out->len, G_FILE_SET_CONTENTS_CONSISTENT, 0660, NULL))
		desk_log(LOG_WARNING, "cannot write %s: %s", path, g_strerror(errno));
	g_strfreev(lines);
	g_string_free(out, TRUE);
	g_free(last);
	g_free(text);
	g_free(path);
	return pick;
}

/* The agent of AGENTS with the fewest open tickets (the first by login on a tie). */
static const desk_agent *
least_open(desk_change *c, GPtrArray *agents)
{
	const desk_agent *pick = NULL;
	guint best = G_MAXUINT;

	for (guint i = 0; i < agents->len; i++) {
		const desk_agent *a = agents->pdata[i];
		ticket_filter f = { .owner = a->login };
		GPtrArray *ts = NULL;
		desk_err err = { 0 };

		if (ticket_list(change_db(c), &f, &ts, NULL, &err) != DESK_OK)
			continue;
		if (ts->len < best) {
			best = ts->len;
			pick = a;
		}
		g_ptr_array_unref(ts);
	}
	return pick;
}

/* The login OWNER (a login, round-robin, least-open) names for ticket T,
 * or NULL (no agent there). */
const char *
route_pick_owner(desk_store *st, desk_change *c, const char *queue, const char *owner)
{
	GPtrArray *agents;
	const desk_agent *a = NULL;

	if (strcmp(owner, "round-robin") != 0 && strcmp(owner, "least-open") != 0)
		return agent_find(st->cfg->agents, owner) != NULL ? agent_find(st->cfg->agents, owner)->login : NULL;
	agents = queue_agents(st, queue);
	g_ptr_array_sort(agents, by_login);
	if (agents->len > 0)
		a = strcmp(owner, "round-robin") == 0 ? next_round_robin(st, queue, agents) : least_open(c, agents);
	g_ptr_array_unref(agents);
	return a != NULL ? a->login : NULL;
}

/* The event's set and line for ROUTE (X-Desk-Set of the stored copy). */
static xset *
event_set(desk_store *st, desk_change *c, const ticket_info *t, const char *rule, const char *route, GString *line)
{
	xset *in = xset_decode(route, NULL), *out = xset_new();

	g_string_append_printf(line, "routed by rule %s:", rule);
	g_string_append_printf(line, " queue %s", t->queue);
	for (guint i = 0; i < xset_len(in); i++) {
		const char *k = xset_key(in, i), *v = xset_value(in, i, NULL);

		if (strcmp(k, "priority") == 0) {
			xset_add(out, "priority", v);
			g_string_append_printf(line, ", priority %s", v);
		} else if (strcmp(k, "tag") == 0) {
			char *tag = g_strconcat("+", v, NULL);

			xset_add(out, "tag", tag);
			g_string_append_printf(line, ", tag %s", v);
			g_free(tag);
		} else if (strcmp(k, "owner") == 0) {
			const char *who = route_pick_owner(st, c, t->queue, v);

			if (who != NULL)
				xset_add(out, "owner", who);
			g_string_append_printf(line, ", owner %s%s%s%s", who != NULL ? who : "none",
					       strcmp(v, who != NULL ? who : "") != 0 ? " (" : "",
					       strcmp(v, who != NULL ? who : "") != 0 ? v : "",
					       strcmp(v, who != NULL ? who : "") != 0 ? ")" : "");
		} else if (strcmp(k, "hold") == 0) {
			xset_add(out, "hold", "yes");
			xset_add(out, "tag", "+review");
			g_string_append(line, ", held for review");
		} else if (strcmp(k, "template") == 0) {
			xset_add(out, "template", v);
			g_string_append_printf(line, ", answered with template %s", v);
		}
	}
	xset_add(out, "rule", rule);
	xset_free(in);
	return out;
}

static desk_status
route_store(desk_store *st, guint n, const char *rule, const char *route, desk_err *err)
{
	desk_change *c = NULL;
	ticket_info *t = NULL;
	desk_status s = change_begin(st, &c, err);

	if (s == DESK_OK)
		s = change_ticket(c, n, &t, NULL, err);
	if (s == DESK_OK && t->number == n) {
		GString *line = g_string_new(NULL);
		xset *set = event_set(st, c, t, rule, route, line);

		s = change_event(c, t, NULL, "route", set, line->str, err);
		if (s == DESK_OK)
			desk_log(LOG_DEBUG, "ticket %u: %s", n, line->str);
		xset_free(set);
		g_string_free(line, TRUE);
	}
	ticket_info_free(t);
	return change_finish(c, s, err);
}

gboolean
route_of_file(desk_store *st, const char *path, char **rule, char **set)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	scanned sc = { 0 };
	desk_err err = { 0 };
	gboolean yes = FALSE;

	*rule = *set = NULL;
	if (fd < 0)
		return FALSE;
	if (scan_fd_facts(st, fd, &sc, &err) == DESK_OK)
		yes = rules_routed(st, &sc, rule, set);
	close(fd);
	scanned_clear(&sc);
	return yes;
}

void
route_followup(desk_store *st, const followup_item *item)
{
	char *rule = NULL, *set = NULL;
	desk_err err = { 0 };

	if (item->event != NULL || item->ticket == 0 || !ticket_match_new(item->match))
		return;
	if (!route_of_file(st, item->path, &rule, &set))
		return;
	if (route_store(st, item->ticket, rule, set, &err) != DESK_OK)
		desk_log(LOG_WARNING, "ticket %u: routing by rule %s not recorded: %s", item->ticket, rule, err.msg);
	g_free(rule);
	g_free(set);
}
