/* desk-rules.c: desk rules check|test|replay: the routing rules of
 * STORE/rules (maildesk-rules(5)) checked, tried on messages, and replayed
 * over stored mail; nothing is written. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "desk.h"
#include "index.h"
#include "output.h"
#include "rules.h"
#include "scan.h"
#include "template.h"
#include "ticket.h"
#include "when.h"
#include "xset.h"

/* The rules file to use: FILE, else STORE/rules. Caller g_free()s. */
static char *
rules_path(desk_store *st, const char *file)
{
	return file != NULL ? g_strdup(file) : g_build_filename(st->dir, "rules", NULL);
}

/* Load PATH; on errors print them all and return the exit code. */
static int
load(desk_store *st, const char *path, desk_rules **out)
{
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	desk_err err = { 0 };
	desk_status s = rules_load(st, path, out, errors, &err);
	char **tpl = s == DESK_OK ? rules_templates(*out) : NULL;

	for (char **t = tpl; t != NULL && *t != NULL; t++) {
		char *colon = strrchr(*t, ':'), *found = NULL;
		desk_err terr = { 0 };

		*colon = '\0';
		if (template_find(st, *t, &found, &terr) != DESK_OK)
			g_ptr_array_add(errors, g_strdup_printf("%s:%s: unknown template \"%s\" (desk templates)", path,
								colon + 1, *t));
		g_free(found);
	}
	g_strfreev(tpl);
	for (guint i = 0; i < errors->len; i++)
		fprintf(stderr, "desk: rules: %s\n", out_safe(errors->pdata[i]));
	if (errors->len > 0 && s == DESK_OK) {
		rules_unref(*out);
		*out = NULL;
		s = DESK_CONFIG;
	}
	g_ptr_array_unref(errors);
	return s == DESK_OK ? 0 : desk_exit_code(s);
}

static int
rules_check(desk_store *st, const char *file)
{
	char *path = rules_path(st, file);
	desk_rules *r = NULL;
	int rc = load(st, path, &r);

	if (rc == 0)
		printf("%s: %u rule%s, no errors\n", out_safe(path), rules_count(r), rules_count(r) == 1 ? "" : "s");
	else
		fprintf(stderr, "desk: rules: %s has errors: the milter keeps the rules it read before\n", out_safe(path));
	rules_unref(r);
	g_free(path);
	return rc;
}

/* ROUTE for people, after the default queue DEFQ. Caller g_free()s. */
static char *
route_text(const rules_route *rt, const char *defq)
{
	GString *s = g_string_new(NULL);

	if (*rt->rule == '\0') {
		g_string_printf(s, "no rule: queue %s", defq);
		return g_string_free(s, FALSE);
	}
	g_string_printf(s, "rule %s:", rt->rule);
	if (*rt->refuse != '\0') {
		g_string_append_printf(s, " refused (%s)", rt->refuse);
		return g_string_free(s, FALSE);
	}
	g_string_append_printf(s, " queue %s", *rt->queue ? rt->queue : defq);
	if (*rt->priority)
		g_string_append_printf(s, ", priority %s", rt->priority);
	if (*rt->tags)
		g_string_append_printf(s, ", tags %s", rt->tags);
	if (*rt->owner)
		g_string_append_printf(s, ", owner %s", rt->owner);
	if (*rt->template)
		g_string_append_printf(s, ", template %s", rt->template);
	if (rt->hold)
		g_string_append(s, ", held for review");
	return g_string_free(s, FALSE);
}

/* The desk address a message with facts F was sent to: RCPT, else
 * X-Original-To, else the first desk address among To and Cc. */
static const char *
recipient_of(desk_store *st, const msg_facts *f, const char *rcpt)
{
	if (rcpt != NULL)
		return rcpt;
	if (f->x_original_to != NULL)
		return f->x_original_to;
	for (guint i = 0; i < f->recipients->len; i++)
		if (config_queue_for(st->cfg, f->recipients->pdata[i], NULL) != NULL)
			return f->recipients->pdata[i];
	return NULL;
}

/* Evaluate R over the message file PATH at NOW: *route, *defq (the
 * queue of its desk address). */
static desk_status
eval_file(desk_store *st, const desk_rules *r, const char *path, const char *rcpt, gint64 now,
	  rules_route *route, char *defq, gsize defq_len, desk_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	scanned sc = { 0 };
	rendered_msg *msg = NULL;
	desk_status s;

	if (fd < 0)
		return desk_fail(err, DESK_NOTFOUND, "%s: %s", path, g_strerror(errno));
	s = scan_fd(st, fd, -1, &sc, err);
	if (s == DESK_OK) {
		const char *to = recipient_of(st, sc.facts, rcpt);
		const char *q = to != NULL ? config_queue_for(st->cfg, to, NULL) : NULL;
		rules_input in = { sc.facts, to, NULL };

		facts_finish(sc.facts);
		g_strlcpy(defq, q != NULL ? q : "support", defq_len);
		if (rules_need_message(r))
			s = rules_read_message(fd, &msg, err);
		in.msg = msg;
		if (s == DESK_OK)
			rules_eval(st, r, &in, now, route);
	}
	rendered_msg_free(msg);
	scanned_clear(&sc);
	close(fd);
	return s;
}

static int
rules_test(desk_store *st, const char *file, const char *rcpt, int argc, char **argv)
{
	char *path = rules_path(st, file);
	desk_rules *r = NULL;
	int rc = load(st, path, &r), worst = 0;

	for (int i = 0; rc == 0 && i < argc; i++) {
		rules_route route;
		char defq[64], *text;
		desk_err err = { 0 };
		desk_status s = eval_file(st, r, argv[i], rcpt, desk_now(), &route, defq, sizeof defq, &err);

		if (s != DESK_OK) {
			worst = desk_error(s, "rules: %s", err.msg);
			continue;
		}
		text = route_text(&route, defq);
		printf("%s: %s%s\n", out_safe(argv[i]), out_safe(text),
		       route.regex_errors ? " (a regular expression gave up: no match)" : "");
		g_free(text);
	}
	rules_unref(r);
	g_free(path);
	return rc != 0 ? rc : worst;
}

/* What happened to a ticket when it came: the route sealed on its first
 * message (queue from X-Desk-Queue). */
typedef struct happened {
	char queue[64], priority[16], owner[64];
	gboolean held;
} happened;

static void
happened_of(desk_store *st, const char *path, happened *h)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	scanned sc = { 0 };
	desk_err err = { 0 };
	char *rule = NULL, *set = NULL;

	memset(h, 0, sizeof *h);
	if (fd < 0)
		return;
	if (scan_fd(st, fd, -1, &sc, &err) == DESK_OK) {
		g_strlcpy(h->queue, sc.facts->x_queue != NULL ? sc.facts->x_queue : "", sizeof h->queue);
		if (rules_routed(st, &sc, &rule, &set)) {
			char *p = xset_lookup(set, "priority"), *o = xset_lookup(set, "owner"), *hold = xset_lookup(set, "hold");

			g_strlcpy(h->priority, p != NULL ? p : "", sizeof h->priority);
			g_strlcpy(h->owner, o != NULL ? o : "", sizeof h->owner);
			h->held = hold != NULL;
			g_free(p);
			g_free(o);
			g_free(hold);
		}
	}
	g_free(rule);
	g_free(set);
	scanned_clear(&sc);
	close(fd);
}

/* The counts of what would change. */
typedef struct tally {
	guint tickets, changed, queue, priority, owner, refused, held;
} tally;

/* One "what -> would" difference into LINE. */
static gboolean
differ(GString *line, const char *what, const char *was, const char *would, guint *count)
{
	if (strcmp(was, would) == 0)
		return FALSE;
	g_string_append_printf(line, "%s%s %s -> %s", line->len ? ", " : "", what, *was ? was : "-", *would ? would : "-");
	(*count)++;
	return TRUE;
}

static void
replay_one(desk_store *st, const desk_rules *r, const ticket_info *t, const char *root, tally *n)
{
	rules_route route;
	happened h;
	char defq[64];
	desk_err err = { 0 };
	GString *line = g_string_new(NULL);
	gboolean any = FALSE;

	if (eval_file(st, r, root, NULL, t->created, &route, defq, sizeof defq, &err) != DESK_OK) {
		desk_warn("rules: ticket %u: %s", t->number, err.msg);
		g_string_free(line, TRUE);
		return;
	}
	happened_of(st, root, &h);
	n->tickets++;
	if (*route.refuse != '\0') {
		g_string_append_printf(line, "would be refused by rule %s (%s)", route.rule, route.refuse);
		n->refused++;
		any = TRUE;
	} else {
		any |= differ(line, "queue", h.queue, *route.queue ? route.queue : defq, &n->queue);
		any |= differ(line, "priority", *h.priority ? h.priority : "normal", *route.priority ? route.priority : "normal",
			      &n->priority);
		any |= differ(line, "owner", h.owner, route.owner, &n->owner);
		any |= differ(line, "held", h.held ? "yes" : "no", route.hold ? "yes" : "no", &n->held);
	}
	if (any) {
		n->changed++;
		printf("%u: %s (%s%s)\n", t->number, out_safe(line->str), *route.rule ? "rule " : "no rule",
		       route.rule);
	}
	g_string_free(line, TRUE);
}

/* The first message of ticket T that came from outside: its root. */
static char *
root_path(notmuch_database_t *db, guint n)
{
	ticket_info *t = NULL;
	GPtrArray *msgs = NULL;
	desk_err err = { 0 };
	char *path = NULL;

	if (ticket_get(db, n, &t, &msgs, &err) != DESK_OK)
		return NULL;
	for (guint i = 0; path == NULL && i < msgs->len; i++) {
		const ticket_message *m = msgs->pdata[i];

		if (m->ticket == n && m->event == NULL && ticket_match_new(m->match))
			path = g_strdup(m->path);
	}
	g_ptr_array_unref(msgs);
	ticket_info_free(t);
	return path;
}

static int
rules_replay(desk_store *st, const char *file, const char *since)
{
	char *path = rules_path(st, file);
	desk_rules *r = NULL;
	int rc = load(st, path, &r);
	ticket_filter f = { .statuses = "any", .sort = SORT_CREATED };
	notmuch_database_t *db = NULL;
	GPtrArray *list = NULL;
	desk_err err = { 0 };
	tally n = { 0 };
	desk_status s;

	if (rc != 0)
		goto out;
	if (!when_parse(since, desk_now(), &f.since)) {
		rc = desk_error(DESK_USAGE, "rules: --since %s: an age like 30d or a date YYYY-MM-DD", since);
		goto out;
	}
	s = index_open(st, FALSE, &db, &err);
	if (s == DESK_OK)
		s = ticket_list(db, &f, &list, NULL, &err);
	if (s != DESK_OK) {
		rc = desk_error(s, "rules: %s", err.msg);
		goto out;
	}
	for (guint i = list->len; i-- > 0;) {
		const ticket_info *t = list->pdata[i];
		char *root = t->created >= f.since ? root_path(db, t->number) : NULL;

		if (root != NULL)
			replay_one(st, r, t, root, &n);
		g_free(root);
	}
	printf("%u ticket%s since %s: %u would change (queue %u, priority %u, owner %u, refused %u, held %u), "
	       "%u the same; %s\n",
	       n.tickets, n.tickets == 1 ? "" : "s", out_safe(since), n.changed, n.queue, n.priority, n.owner, n.refused,
	       n.held, n.tickets - n.changed, "nothing written");
out:
	if (list != NULL)
		g_ptr_array_unref(list);
	if (db != NULL)
		notmuch_database_destroy(db);
	rules_unref(r);
	g_free(path);
	return rc;
}

int
verb_rules(const char *store_dir, int argc, char **argv)
{
	char *file = NULL, *rcpt = NULL, *since = NULL;
	GOptionEntry entries[] = {
		{ "rules", 'r', 0, G_OPTION_ARG_FILENAME, &file, "A rules file instead of STORE/rules (test, replay)", "FILE" },
		{ "to", 0, 0, G_OPTION_ARG_STRING, &rcpt, "The envelope recipient of the messages (test)", "ADDR" },
		{ "since", 0, 0, G_OPTION_ARG_STRING, &since, "Tickets created since (replay): 30d, 2w, YYYY-MM-DD", "WHEN" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	desk_store *st = NULL;
	int rc = desk_parse("rules", "check [FILE] | test FILE... | replay --since WHEN",
			    "The routing rules of new tickets, STORE/rules (maildesk-rules(5)).\n"
			    "check: read the file (or FILE) and say every error with its line.\n"
			    "test: what the rules (or --rules FILE) would do to each message FILE.\n"
			    "replay: run the first message of every ticket created since WHEN through\n"
			    "the rules (or --rules FILE, a proposed file) and print per ticket what would\n"
			    "change against what happened, then a summary. Nothing is written.",
			    entries, &argc, &argv);

	if (rc >= 0)
		goto out;
	if (argc < 2 || (strcmp(argv[1], "check") == 0 && argc > 3) || (strcmp(argv[1], "test") == 0 && argc < 3) ||
	    (strcmp(argv[1], "replay") == 0 && (argc != 2 || since == NULL)) ||
	    (strcmp(argv[1], "check") && strcmp(argv[1], "test") && strcmp(argv[1], "replay"))) {
		rc = desk_error(DESK_USAGE, "rules: usage: desk rules check [FILE] | test [--rules FILE] [--to ADDR] "
				"FILE... | replay --since WHEN [--rules FILE]");
		goto out;
	}
	if ((rc = desk_open_store(store_dir, &st)) != 0)
		goto out;
	if (strcmp(argv[1], "check") == 0)
		rc = rules_check(st, argc == 3 ? argv[2] : file);
	else if (strcmp(argv[1], "test") == 0)
		rc = rules_test(st, file, rcpt, argc - 2, argv + 2);
	else
		rc = rules_replay(st, file, since);
out:
	desk_close_store(st);
	g_free(file);
	g_free(rcpt);
	g_free(since);
	return rc;
}
