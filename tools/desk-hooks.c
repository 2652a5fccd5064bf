/* desk-hooks.c: desk hooks [run | retry [ID...]]: the recorded runs of
 * event hooks (maildesk-hooks(5)) listed, run when due, run again. */
#include <stdio.h>
#include <string.h>
#include <json-glib/json-glib.h>

#include "desk.h"
#include "hooks.h"
#include "output.h"

static void
list_json(GPtrArray *runs)
{
	JsonBuilder *b = json_builder_new();
	JsonNode *root;

	json_builder_begin_array(b);
	for (guint i = 0; i < runs->len; i++) {
		const hook_run *r = runs->pdata[i];

		json_builder_begin_object(b);
		out_json_string(b, "id", r->id);
		json_builder_set_member_name(b, "ticket");
		json_builder_add_int_value(b, r->ticket);
		out_json_string(b, "event", r->event);
		out_json_string(b, "hook", r->hook);
		out_json_string(b, "state", r->failed ? "failed" : "pending");
		json_builder_set_member_name(b, "attempts");
		json_builder_add_int_value(b, r->attempts);
		out_json_time(b, "created", r->created);
		out_json_time(b, "due", r->due);
		out_json_string(b, "last", r->last);
		out_json_string(b, "message_id", r->message_id);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	root = json_builder_get_root(b);
	out_json(root);  /* takes root */
	g_object_unref(b);
}

static void
list_text(GPtrArray *runs)
{
	for (guint i = 0; i < runs->len; i++) {
		const hook_run *r = runs->pdata[i];
		char *hook = g_strdup_printf("%s.d/%s", r->event, r->hook);
		char *due = out_iso8601(r->due);

		printf("%s  %6u  %-28s %-7s  attempts %d", r->id, r->ticket, out_safe(hook),
		       r->failed ? "failed" : "pending", r->attempts);
		if (!r->failed)
			printf("  due %s", due);
		if (*r->last != '\0')
			printf("  last: %s", out_safe(r->last));
		putchar('\n');
		g_free(due);
		g_free(hook);
	}
}

static int
hooks_show(desk_store *st, const char *format)
{
	GPtrArray *runs = NULL;
	desk_err err = { 0 };
	desk_status s = hooks_list(st->dir, &runs, &err);

	if (s != DESK_OK)
		return desk_error(s, "hooks: %s", err.msg);
	if (format != NULL && strcmp(format, "json") == 0)
		list_json(runs);
	else
		list_text(runs);
	g_ptr_array_unref(runs);
	return 0;
}

/* desk hooks run, and retry with RETRY (empty: all). */
static int
hooks_go(desk_store *st, char **retry)
{
	hooks_limits lim;
	hooks_result res = { 0 };
	desk_err err = { 0 };
	desk_status s;
	char *why = NULL;

	if (!hooks_may_run(st->dir, &why)) {
		int rc = desk_error(DESK_USAGE, "hooks: %s", why);

		g_free(why);
		return rc;
	}
	hooks_limits_of(st->cfg, &lim);
	/* another runner may be at work: wait as long as a few hooks may take */
	s = hooks_run(st->dir, &lim, retry, (lim.timeout * 3 + 5) * 1000, &res, &err);
	if (s != DESK_OK)
		return desk_error(s, "hooks: %s", err.msg);
	if (res.ran > 0 || retry != NULL)  /* quiet when a timer finds nothing due */
		printf("%u run%s: %u ok, %u failed for good (STORE/var/hooks.log)\n", res.ran,
		       res.ran == 1 ? "" : "s", res.ok, res.failed);
	return 0;
}

int
verb_hooks(const char *store_dir, int argc, char **argv)
{
	char *format = NULL;
	GOptionEntry entries[] = {
		{ "format", 0, 0, G_OPTION_ARG_STRING, &format, "text (default) or json", "FMT" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	desk_store *st = NULL;
	int rc = desk_parse("hooks", "[run | retry [ID...]]",
			    "The runs of event hooks (STORE/hooks/EVENT.d/, maildesk-hooks(5)) still\n"
			    "pending or failed: ID, ticket, hook, state, attempts, when due, how the\n"
			    "last run ended. run: run those that are due (for a timer). retry: run\n"
			    "the runs ID (all when none is given) now, failed ones too. run and retry\n"
			    "work only as the owner of STORE/hooks; the log is STORE/var/hooks.log.",
			    entries, &argc, &argv);

	if (rc >= 0)
		goto out;
	if ((argc >= 2 && strcmp(argv[1], "run") != 0 && strcmp(argv[1], "retry") != 0) ||
	    (argc > 2 && strcmp(argv[1], "run") == 0) ||
	    (format != NULL && strcmp(format, "json") != 0 && strcmp(format, "text") != 0)) {
		rc = desk_error(DESK_USAGE, "hooks: usage: desk hooks [--format=text|json] | run | retry [ID...]");
		goto out;
	}
	if ((rc = desk_open_store(store_dir, &st)) != 0)
		goto out;
	if (argc < 2)
		rc = hooks_show(st, format);
	else
		rc = hooks_go(st, strcmp(argv[1], "retry") == 0 ? argv + 2 : NULL);
out:
	desk_close_store(st);
	g_free(format);
	return rc;
}
