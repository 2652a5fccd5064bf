/* desk-triage.c: desk triage N: suggested queue, priority and tags from
 * the desk's history, with their evidence; --apply as the agent; desk
 * triage eval: how well it would have done (lib/store/triage.h). */
#include <stdio.h>
#include <string.h>

#include "actions.h"
#include "apply.h"
#include "change.h"
#include "clock.h"
#include "desk.h"
#include "index.h"
#include "output.h"
#include "ticket-args.h"
#include "triage-incidents.h"
#include "triage.h"
#include "triagecmd.h"
#include "when.h"

void
desk_triage_opts(const desk_config *cfg, triage_opts *o)
{
	o->k = cfg->triage_neighbours > 0 ? (guint)cfg->triage_neighbours : 10;
	o->half_life_days = cfg->triage_half_life > 0 ? cfg->triage_half_life : 180;
	o->min_history = cfg->triage_min_history > 0 ? (guint)cfg->triage_min_history : 1;
}

/* The tags of R worth suggesting: confidence at least 0.5. */
static guint
tags_suggested(const triage_result *r)
{
	guint n = 0;

	while (n < r->labels[TRIAGE_TAGS]->len && ((triage_label *)r->labels[TRIAGE_TAGS]->pdata[n])->p >= 0.5)
		n++;
	return n;
}

char *
desk_triage_line(const triage_result *r, const triage_opts *o)
{
	GString *s = g_string_new(NULL);

	if (!r->enough) {
		g_string_printf(s, "not enough history (%u labelled tickets, %u needed)", r->history, o->min_history);
		return g_string_free(s, FALSE);
	}
	for (int d = TRIAGE_QUEUE; d <= TRIAGE_PRIORITY; d++) {
		const triage_label *l = triage_best(r, d);

		if (l != NULL)
			g_string_append_printf(s, "%s%s %s (%.2f)", s->len ? ", " : "", triage_dim_name(d), l->name, l->p);
	}
	for (guint i = 0; i < tags_suggested(r); i++) {
		const triage_label *l = r->labels[TRIAGE_TAGS]->pdata[i];

		g_string_append_printf(s, "%s%s (%.2f)", i == 0 ? (s->len ? ", tags " : "tags ") : " ", l->name, l->p);
	}
	if (s->len == 0)
		g_string_append(s, "nothing (no similar ticket, no word known)");
	g_string_append_printf(s, "; desk triage %u", r->number);
	return g_string_free(s, FALSE);
}

/* The external model's part (triagecmd.h): X, or why there is none (WHY). */
static void
print_external_text(const triage_external *x, const char *why)
{
	printf("\nexternal:\n");
	if (x == NULL) {
		printf("  (not used: %s)\n", out_safe(why));
		return;
	}
	printf("  confidence     %.2f\n", x->confidence);
	printf("  queue          %s\n", x->queue != NULL ? out_safe(x->queue) : "-");
	printf("  priority       %s\n", x->priority != NULL ? out_safe(x->priority) : "-");
	printf("  tags          ");
	for (char **t = x->tags; *t != NULL; t++)
		printf(" %s", out_safe(*t));
	printf("%s\n", x->tags[0] == NULL ? " -" : "");
	for (char **l = x->dropped; *l != NULL; l++)
		printf("  dropped        %s\n", out_safe(*l));
}

static void
external_json(JsonBuilder *b, const triage_external *x, const char *why)
{
	json_builder_set_member_name(b, "external");
	json_builder_begin_object(b);
	if (x == NULL) {
		out_json_string(b, "error", why);
	} else {
		json_builder_set_member_name(b, "confidence");
		json_builder_add_double_value(b, x->confidence);
		json_builder_set_member_name(b, "queue");
		x->queue != NULL ? json_builder_add_string_value(b, x->queue) : json_builder_add_null_value(b);
		json_builder_set_member_name(b, "priority");
		x->priority != NULL ? json_builder_add_string_value(b, x->priority) : json_builder_add_null_value(b);
		json_builder_set_member_name(b, "tags");
		json_builder_begin_array(b);
		for (char **t = x->tags; *t != NULL; t++)
			json_builder_add_string_value(b, *t);
		json_builder_end_array(b);
		json_builder_set_member_name(b, "dropped");
		json_builder_begin_array(b);
		for (char **l = x->dropped; *l != NULL; l++)
			json_builder_add_string_value(b, *l);
		json_builder_end_array(b);
	}
	json_builder_end_object(b);
}

static void
print_text(const triage_result *r, const triage_doc *d, const triage_opts *o)
{
	char *line = desk_triage_line(r, o);

	printf("Ticket:    #%u\nSubject:   %s\nLanguage:  %s\nSuggested: %s\n", r->number, out_safe(d->subject),
	       *d->lang ? d->lang : "unknown", out_safe(line));
	g_free(line);
	if (!r->enough)
		return;
	for (int dim = 0; dim < TRIAGE_DIMS; dim++) {
		GPtrArray *ls = r->labels[dim];

		printf("\n%s:\n", triage_dim_name(dim));
		if (ls->len == 0)
			printf("  (nothing learned)\n");
		for (guint i = 0; i < ls->len && i < 3; i++) {
			const triage_label *l = ls->pdata[i];

			printf("  %-14s %.2f  (nearest %.2f, bayes %.2f)\n", out_safe(l->name), l->p, l->knn, l->nb);
		}
		if (r->words[dim]->len > 0) {
			printf("  words:");
			for (guint i = 0; i < r->words[dim]->len; i++) {
				const triage_word *w = r->words[dim]->pdata[i];

				printf(" %s (%.2f)", out_safe(w->term), w->weight);
			}
			printf("\n");
		}
	}
	printf("\nnearest tickets:\n");
	if (r->neighbours->len == 0)
		printf("  (none shares a word)\n");
	for (guint i = 0; i < r->neighbours->len; i++) {
		const triage_neighbour *n = r->neighbours->pdata[i];

		printf("  #%-6u %6.2f  %-12s %-8s %-16s %s\n", n->number, n->score, *n->queue ? out_safe(n->queue) : "-",
		       *n->priority ? out_safe(n->priority) : "-", *n->tags ? out_safe(n->tags) : "-",
		       out_safe(n->subject));
	}
}

static void
print_json(const triage_result *r, const triage_doc *d, const triage_opts *o, gboolean ext,
	   const triage_external *x, const char *why)
{
	JsonBuilder *b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "ticket");
	json_builder_add_int_value(b, r->number);
	out_json_string(b, "subject", d->subject);
	out_json_string(b, "lang", d->lang);
	json_builder_set_member_name(b, "history");
	json_builder_add_int_value(b, r->history);
	json_builder_set_member_name(b, "min_history");
	json_builder_add_int_value(b, o->min_history);
	json_builder_set_member_name(b, "enough_history");
	json_builder_add_boolean_value(b, r->enough);
	for (int dim = 0; dim < TRIAGE_DIMS; dim++) {
		json_builder_set_member_name(b, triage_dim_name(dim));
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "suggestions");
		json_builder_begin_array(b);
		for (guint i = 0; i < r->labels[dim]->len; i++) {
			const triage_label *l = r->labels[dim]->pdata[i];

			json_builder_begin_object(b);
			out_json_string(b, "label", l->name);
			json_builder_set_member_name(b, "confidence");
			json_builder_add_double_value(b, l->p);
			json_builder_set_member_name(b, "nearest");
			json_builder_add_double_value(b, l->knn);
			json_builder_set_member_name(b, "bayes");
			json_builder_add_double_value(b, l->nb);
			json_builder_end_object(b);
		}
		json_builder_end_array(b);
		json_builder_set_member_name(b, "words");
		json_builder_begin_array(b);
		for (guint i = 0; i < r->words[dim]->len; i++) {
			const triage_word *w = r->words[dim]->pdata[i];

			json_builder_begin_object(b);
			out_json_string(b, "word", w->term);
			json_builder_set_member_name(b, "weight");
			json_builder_add_double_value(b, w->weight);
			json_builder_end_object(b);
		}
		json_builder_end_array(b);
		json_builder_end_object(b);
	}
	json_builder_set_member_name(b, "neighbours");
	json_builder_begin_array(b);
	for (guint i = 0; i < r->neighbours->len; i++) {
		const triage_neighbour *n = r->neighbours->pdata[i];

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "ticket");
		json_builder_add_int_value(b, n->number);
		out_json_string(b, "subject", n->subject);
		json_builder_set_member_name(b, "score");
		json_builder_add_double_value(b, n->score);
		json_builder_set_member_name(b, "weight");
		json_builder_add_double_value(b, n->weight);
		out_json_string(b, "queue", n->queue);
		out_json_string(b, "priority", n->priority);
		out_json_string(b, "tags", n->tags);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	if (ext)
		external_json(b, x, why);
	json_builder_end_object(b);
	out_json(json_builder_get_root(b));
	g_object_unref(b);
}

/* Store the event EV decided for ticket T (nothing when it is no change). */
static desk_status
apply_one(desk_change *c, ticket_info *t, const desk_agent *me, apply_event *ev, desk_err *err)
{
	desk_status s = DESK_OK;

	if (ev->event != NULL) {
		s = change_event(c, t, me, ev->event, ev->set, ev->line, err);
		if (s == DESK_OK)
			printf("%u: %s\n", t->number, out_safe(ev->line));
	}
	xset_free(ev->set);
	g_free(ev->line);
	memset(ev, 0, sizeof *ev);
	return s;
}

/* desk triage N --apply: what is at least THRESHOLD, as agent AS. */
static int
apply_suggestions(desk_store *st, const char *as, const triage_result *r, double threshold)
{
	const desk_agent *me = NULL;
	desk_change *c = NULL;
	ticket_info *t = NULL;
	apply_event ev = { 0 };
	desk_err err = { 0 };
	GPtrArray *tags = g_ptr_array_new_with_free_func(g_free);
	const triage_label *q = triage_best(r, TRIAGE_QUEUE), *p = triage_best(r, TRIAGE_PRIORITY);
	desk_status s = agent_acting(st->cfg->agents, as, &me, &err);
	guint done = 0;

	if (s == DESK_OK)
		s = change_begin(st, &c, &err);
	if (s == DESK_OK)
		s = change_ticket(c, r->number, &t, NULL, &err);
	if (s == DESK_OK && q != NULL && q->p >= threshold) {
		if (!actions_queue_known(st->cfg->addresses, q->name))
			desk_warn("triage: queue %s is no queue of the desk any more: not applied", q->name);
		else if ((s = queue_decide(t, me, q->name, &ev, &err)) == DESK_OK) {
			done += ev.event != NULL;
			s = apply_one(c, t, me, &ev, &err);
		}
	}
	if (s == DESK_OK && p != NULL && p->p >= threshold && ticket_priority_valid(p->name) &&
	    (s = priority_decide(t, me, p->name, &ev, &err)) == DESK_OK) {
		done += ev.event != NULL;
		s = apply_one(c, t, me, &ev, &err);
	}
	for (guint i = 0; s == DESK_OK && i < tags_suggested(r); i++) {
		const triage_label *l = r->labels[TRIAGE_TAGS]->pdata[i];

		if (l->p >= threshold && ticket_tag_valid(l->name))
			g_ptr_array_add(tags, g_strconcat("+", l->name, NULL));
	}
	if (s == DESK_OK && tags->len > 0) {
		g_ptr_array_add(tags, NULL);
		if ((s = tag_decide(t, me, (char **)tags->pdata, &ev, &err)) == DESK_OK) {
			done += ev.event != NULL;
			s = apply_one(c, t, me, &ev, &err);
		}
	}
	if (s == DESK_OK && done == 0)
		printf("%u: nothing to apply at confidence %.2f or more\n", r->number, threshold);
	s = change_finish(c, s, &err);
	ticket_info_free(t);
	g_ptr_array_unref(tags);
	return s == DESK_OK ? 0 : desk_error(s, "triage: %s", err.msg);
}

static int
triage_eval_verb(desk_store *st, const char *since_arg)
{
	notmuch_database_t *db = NULL;
	GString *out = g_string_new(NULL);
	desk_err err = { 0 };
	triage_opts o;
	gint64 since = 0;
	desk_status s;

	if (since_arg != NULL && !when_parse(since_arg, desk_now(), &since)) {
		g_string_free(out, TRUE);
		return desk_error(DESK_USAGE, "triage: eval: --since %s: a date, a time or an age (7d)", since_arg);
	}
	desk_triage_opts(st->cfg, &o);
	s = index_open(st, FALSE, &db, &err);
	if (s == DESK_OK)
		s = triage_eval(db, since, &o, out, &err);
	if (db != NULL)
		notmuch_database_destroy(db);
	if (s == DESK_OK)
		fputs(out->str, stdout);
	g_string_free(out, TRUE);
	return s == DESK_OK ? 0 : desk_error(s, "triage: eval: %s", err.msg);
}

int
verb_triage(const char *store_dir, int argc, char **argv)
{
	char *format = NULL, *as = NULL, *since = NULL;
	gboolean apply = FALSE, dry_run = FALSE;
	int hours = 24;
	GOptionEntry entries[] = {
		{ "format", 'f', 0, G_OPTION_ARG_STRING, &format, "text or json", "FMT" },
		{ "apply", 0, 0, G_OPTION_ARG_NONE, &apply,
		  "Apply the suggestions whose confidence is at least [triage] apply_confidence, as the agent", NULL },
		APPLY_AS_OPTION(as),
		{ "since", 0, 0, G_OPTION_ARG_STRING, &since, "eval: predict the tickets created since WHEN only", "WHEN" },
		{ "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run, "incidents: print the bursts, record nothing", NULL },
		{ "hours", 0, 0, G_OPTION_ARG_INT, &hours, "incidents: among the tickets of the last H hours (default 24)", "H" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	desk_store *st = NULL;
	notmuch_database_t *db = NULL;
	triage_result *r = NULL;
	triage_doc *d = NULL;
	triage_external *x = NULL;
	desk_err err = { 0 }, xerr = { 0 };
	gboolean ext = FALSE;
	triage_opts o;
	desk_status s;
	guint n = 0;
	int rc = desk_parse("triage", "N | eval | incidents", "Suggest ticket N's queue, priority and tags from the tickets people\n"
			    "labelled before, with the evidence (the nearest tickets, the words);\n"
			    "--apply applies the confident ones. With [triage] triage_command set,\n"
			    "an external model's suggestions follow as the source 'external' (shown,\n"
			    "never applied). 'desk triage eval' replays the history and prints how\n"
			    "well the suggestions would have done.\n"
			    "'desk triage incidents' records each burst of similar new tickets\n"
			    "([triage] incident_tickets within incident_minutes) as an incident event.", entries, &argc, &argv);

	if (rc >= 0)
		goto out;
	rc = 0;
	if (format != NULL && strcmp(format, "text") != 0 && strcmp(format, "json") != 0) {
		rc = desk_error(DESK_USAGE, "triage: unknown format '%s' (text, json)", format);
		goto out;
	}
	if (argc == 2 && strcmp(argv[1], "eval") == 0) {
		if ((rc = desk_open_store(store_dir, &st)) == 0)
			rc = triage_eval_verb(st, since);
		goto out;
	}
	if (argc == 2 && strcmp(argv[1], "incidents") == 0) {
		if ((rc = desk_open_store(store_dir, &st)) == 0)
			rc = triage_incidents_verb(st, dry_run, hours);
		goto out;
	}
	if (argc != 2 || (n = ticket_arg_one(argv[1])) == 0) {
		rc = argc != 2 ? desk_error(DESK_USAGE, "triage: usage: desk triage N [--apply] | desk triage eval | desk triage incidents") : 64;
		goto out;
	}
	if ((rc = desk_open_store(store_dir, &st)) != 0)
		goto out;
	desk_triage_opts(st->cfg, &o);
	s = index_open(st, FALSE, &db, &err);
	if (s == DESK_OK)
		s = triage_ticket(db, n, &o, &r, &d, &err);
	if (s == DESK_OK && (ext = triage_cmd_configured(st)))
		triage_cmd_run(st, db, n, &x, &xerr);  /* only shown: never applied */
	if (db != NULL)
		notmuch_database_destroy(db);
	if (s != DESK_OK) {
		rc = desk_error(s, "triage: %s", err.msg);
		goto out;
	}
	if (format != NULL && strcmp(format, "json") == 0)
		print_json(r, d, &o, ext, x, xerr.msg);
	else
		print_text(r, d, &o);
	if (ext && (format == NULL || strcmp(format, "json") != 0))
		print_external_text(x, xerr.msg);
	if (apply && !r->enough)
		rc = desk_error(DESK_NOTFOUND, "triage: not enough history: nothing applied");
	else if (apply) {
		double threshold = g_ascii_strtod(st->cfg->triage_apply, NULL);

		if (format == NULL || strcmp(format, "json") != 0)
			printf("\n");
		rc = apply_suggestions(st, as, r, threshold > 0 ? threshold : 0.9);
	}
out:
	triage_result_free(r);
	triage_doc_free(d);
	triage_external_free(x);
	desk_close_store(st);
	g_free(format);
	g_free(as);
	g_free(since);
	return rc;
}
