/* desk-sla.c: desk sla [N...]: each target of tickets' service levels,
 * time left or overdue, paused or not; desk sla check: the SLA events and
 * escalations due (lib/desk/slacheck.h), from a timer or cron. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "desk.h"
#include "index.h"
#include "output.h"
#include "sla.h"
#include "slacheck.h"
#include "ticket-args.h"
#include "ticket.h"

/* "2h15m", "45m", "0m" for SECS (rounded down to minutes; seconds under one). */
static char *
span(gint64 secs)
{
	if (secs < 60 && secs > 0)
		return g_strdup_printf("%" G_GINT64_FORMAT "s", secs);
	if (secs >= 3600 && secs % 3600 / 60 != 0)
		return g_strdup_printf("%" G_GINT64_FORMAT "h%" G_GINT64_FORMAT "m", secs / 3600, secs % 3600 / 60);
	if (secs >= 3600)
		return g_strdup_printf("%" G_GINT64_FORMAT "h", secs / 3600);
	return g_strdup_printf("%" G_GINT64_FORMAT "m", secs / 60);
}

/* What F says, as words: "2h15m left", "1h overdue", "met", ... */
static char *
state_of(const sla_figure *f)
{
	char *a = span(f->elapsed > f->target ? f->elapsed - f->target : f->target - f->elapsed), *b = span(f->target);
	char *out;

	if (f->met != 0)
		out = f->breach ? g_strdup_printf("met late, %s over %s", a, b) : g_strdup_printf("met within %s", b);
	else if (f->breach)
		out = g_strdup_printf("%s overdue%s", a, f->paused ? ", paused" : "");
	else
		out = g_strdup_printf("%s left%s", a, f->paused ? ", paused" : "");
	g_free(a);
	g_free(b);
	return out;
}

static void
print_text(const ticket_info *t, const sla_result *r)
{
	for (int k = 0; k < SLA_TARGETS; k++) {
		const sla_figure *f = &r->fig[k];
		char *state, *due;

		if (!f->active)
			continue;
		gboolean has_due = f->due != 0 && f->due != G_MAXINT64;  /* not paused, not never */

		state = state_of(f);
		due = out_iso8601(f->met != 0 ? f->met : has_due ? f->due : 0);
		printf("%-6u %-15s %-28s %s %s  %s\n", t->number, sla_target_name(k), state,
		       f->met != 0 ? "met" : has_due ? "due" : "   ", f->met != 0 || has_due ? due : "-",
		       out_safe(r->policy->name));
		g_free(state);
		g_free(due);
	}
}

static void
add_target(JsonBuilder *b, const sla_figure *f, int k)
{
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "target");
	json_builder_add_string_value(b, sla_target_name(k));
	out_json_time(b, "cycle", f->cycle);
	json_builder_set_member_name(b, "allowed");
	json_builder_add_int_value(b, f->target);
	json_builder_set_member_name(b, "elapsed");
	json_builder_add_int_value(b, f->elapsed);
	json_builder_set_member_name(b, "left");
	json_builder_add_int_value(b, f->target - f->elapsed);
	out_json_time(b, "due", f->due < G_MAXINT64 ? f->due : 0);
	out_json_time(b, "met", f->met);
	json_builder_set_member_name(b, "paused");
	json_builder_add_boolean_value(b, f->paused);
	json_builder_set_member_name(b, "breached");
	json_builder_add_boolean_value(b, f->breach);
	json_builder_end_object(b);
}

static void
add_json(JsonBuilder *b, const ticket_info *t, const sla_result *r)
{
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "ticket");
	json_builder_add_int_value(b, t->number);
	out_json_string(b, "policy", r->policy != NULL ? r->policy->name : NULL);
	json_builder_set_member_name(b, "targets");
	json_builder_begin_array(b);
	for (int k = 0; r->policy != NULL && k < SLA_TARGETS; k++)
		if (r->fig[k].active)
			add_target(b, &r->fig[k], k);
	json_builder_end_array(b);
	json_builder_end_object(b);
}

/* The tickets NUMBERS (all open ones when empty) into *out. */
static desk_status
tickets_of(notmuch_database_t *db, GArray *numbers, GPtrArray **out, desk_err *err)
{
	ticket_filter f = { .sort = SORT_AGE };
	desk_status s = DESK_OK;

	if (numbers->len == 0)
		return ticket_list(db, &f, out, NULL, err);
	*out = g_ptr_array_new_with_free_func((GDestroyNotify)ticket_info_free);
	for (guint i = 0; s == DESK_OK && i < numbers->len; i++) {
		ticket_info *t = NULL;

		if ((s = ticket_info_get(db, g_array_index(numbers, guint, i), &t, err)) == DESK_OK)
			g_ptr_array_add(*out, t);
	}
	return s;
}

static int
show(desk_store *st, GArray *numbers, const char *format)
{
	notmuch_database_t *db = NULL;
	GPtrArray *list = NULL;
	JsonBuilder *b = json_builder_new();
	desk_err err = { 0 };
	gint64 now = desk_now();
	desk_status s = index_open(st, FALSE, &db, &err);
	int rc = 0;

	if (s == DESK_OK)
		s = tickets_of(db, numbers, &list, &err);
	json_builder_begin_array(b);
	for (guint i = 0; s == DESK_OK && i < list->len; i++) {
		sla_result r;

		sla_compute(st->cfg, list->pdata[i], now, &r);
		if (strcmp(format, "json") == 0)
			add_json(b, list->pdata[i], &r);
		else if (r.policy != NULL)
			print_text(list->pdata[i], &r);
		else if (numbers->len > 0)
			printf("%-6u no SLA policy fits\n", ((ticket_info *)list->pdata[i])->number);
	}
	json_builder_end_array(b);
	if (s == DESK_OK && strcmp(format, "json") == 0)
		out_json(json_builder_get_root(b));
	if (s != DESK_OK)
		rc = desk_error(s, "sla: %s", err.msg);
	else if (fflush(stdout) != 0)
		rc = desk_error(DESK_TEMPFAIL, "sla: cannot write: %s", g_strerror(errno));
	g_object_unref(b);
	if (list != NULL)
		g_ptr_array_unref(list);
	if (db != NULL)
		notmuch_database_destroy(db);
	return rc;
}

static int
check(desk_store *st, gboolean dry_run)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	desk_err err = { 0 };
	desk_status s = sla_check(st, dry_run, out, &err);

	for (guint i = 0; i < out->len; i++)
		printf("%s\n", out_safe(out->pdata[i]));
	g_ptr_array_unref(out);
	if (s != DESK_OK)
		return desk_error(s, "sla check: %s", err.msg);
	return 0;
}

int
verb_sla(const char *store_dir, int argc, char **argv)
{
	gboolean dry_run = FALSE;
	char *format = NULL;
	GOptionEntry entries[] = {
		{ "format", 'f', 0, G_OPTION_ARG_STRING, &format, "text or json", "FMT" },
		{ "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run, "check: print what would be written, write nothing", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	GArray *numbers = g_array_new(FALSE, FALSE, sizeof(guint));
	gboolean is_check;
	desk_store *st = NULL;
	int rc = desk_parse("sla", "[N...] | check",
			    "Show each SLA target of the open tickets (or tickets N): the working\n"
			    "time left or overdue, due when, paused or not. desk sla check writes\n"
			    "the sla-warning and sla-breach events due and runs the escalations of\n"
			    "the [sla] policies of maildesk.conf; run it every minute from a timer\n"
			    "or cron. A second run writes nothing new.",
			    entries, &argc, &argv);

	if (rc >= 0)
		goto out;
	is_check = argc > 1 && strcmp(argv[1], "check") == 0;
	if (is_check && argc > 2) {
		rc = desk_error(DESK_USAGE, "sla check takes no arguments (see desk sla --help)");
		goto out;
	}
	if (format != NULL && strcmp(format, "text") != 0 && strcmp(format, "json") != 0) {
		rc = desk_error(DESK_USAGE, "sla: --format is text or json");
		goto out;
	}
	for (int i = 1; !is_check && i < argc; i++)
		if (!ticket_args_add(argv[i], numbers)) {
			rc = 64;
			goto out;
		}
	if ((rc = desk_open_store(store_dir, &st)) != 0)
		goto out;
	if (st->cfg->sla->len == 0)
		desk_warn("sla: no [sla NAME] policy in maildesk.conf (see maildesk.conf(5))");
	rc = is_check ? check(st, dry_run) : show(st, numbers, format != NULL ? format : "text");
out:
	desk_close_store(st);
	g_array_unref(numbers);
	g_free(format);
	return rc;
}
