/* desk.c: the desk command: global options, then a table of verbs. */
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <gmime/gmime.h>

#include "desk.h"
#include "followup.h"
#include "hooks.h"
#include "log.h"
#include "term.h"

static const struct verb {
	const char *name;
	verb_fn fn;
	const char *summary;
} verbs[] = {
	{ "init", verb_init, "create a store: Maildir, index, config, secret, KB" },
	{ "ingest", verb_ingest, "store mail from stdin, an mbox or a Maildir as tickets" },
	{ "list", verb_list, "list tickets" },
	{ "show", verb_show, "show a ticket and its messages" },
	{ "reindex", verb_reindex, "rebuild the index and ticket state from the Maildir" },
	{ "reseal", verb_reseal, "seal anew the messages of an older store (then reindex)" },
	{ "agent", verb_agent, "add, list and remove the desk's agents" },
	{ "assign", verb_assign, "assign tickets to an agent" },
	{ "take", verb_take, "assign tickets to yourself" },
	{ "unassign", verb_unassign, "take the owner off tickets" },
	{ "status", verb_status, "set the status: open, pending, on-hold, solved, closed" },
	{ "close", verb_close, "mark tickets solved" },
	{ "reopen", verb_reopen, "open solved or closed tickets again" },
	{ "priority", verb_priority, "set the priority: low, normal, high, urgent" },
	{ "queue", verb_queue, "move tickets to another queue" },
	{ "tag", verb_tag, "add and remove ticket tags" },
	{ "cc", verb_cc, "add or remove a participant" },
	{ "reply", verb_reply, "reply to the requester (stored, sent by sendmail)" },
	{ "templates", verb_templates, "list the templates of reply and close, and where each is" },
	{ "comment", verb_comment, "add an internal note, never sent to the requester" },
	{ "merge", verb_merge, "merge a ticket into another" },
	{ "split", verb_split, "split a message and its replies off into a new ticket" },
	{ "spam", verb_spam, "hide tickets as spam; --block refuses the sender" },
	{ "purge", verb_purge, "delete a ticket's messages (erasure request)" },
	{ "rules", verb_rules, "check, test and replay the routing rules of new tickets" },
	{ "report", verb_report, "the desk's figures: volume, response times, backlog, agents" },
	{ "hooks", verb_hooks, "event hooks: runs pending and failed; run what is due, retry" },
	{ "autoclose", verb_autoclose, "close tickets solved longer than autoclose_hours" },
	{ "survey", verb_survey, "satisfaction surveys: send those due; requesters who want none" },
	{ "triage", verb_triage, "suggested queue, priority and tags from the desk's history; eval" },
	{ "sla", verb_sla, "service levels: time left or overdue; sla check writes warnings, breaches" },
	{ "doctor", verb_doctor, "check the store, the milter and Postfix: what is wrong, how to fix it" },
	{ "kb", verb_kb, "the knowledge base: list, show, search, suggest, new, lint" },
};

static void
usage(FILE *out)
{
	fprintf(out, "usage: desk [--store DIR] VERB [ARGS...]\n\n"
		     "The help desk in your mail system. The store is --store, else\n"
		     "$MAILDESK_STORE, else /var/lib/maildesk.\n\nVerbs:\n");
	for (size_t i = 0; i < G_N_ELEMENTS(verbs); i++)
		fprintf(out, "  %-10s %s\n", verbs[i].name, verbs[i].summary);
	fprintf(out, "\n'desk VERB --help' explains one; man desk-VERB has the details.\n"
		     "Text from mail is printed with its control characters as U+FFFD (see desk(1)).\n");
}

static void
vwarn(const char *fmt, va_list ap)
{
	char *msg = g_strdup_vprintf(fmt, ap);
	char *safe = term_safe(msg, TERM_LINE);

	fprintf(stderr, "desk: %s\n", safe);
	g_free(safe);
	g_free(msg);
}

int
desk_error(desk_status s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	return desk_exit_code(s);
}

void
desk_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

int
desk_open_store(const char *store_dir, desk_store **st)
{
	desk_err err = { 0 };
	desk_status s = store_open(store_default_dir(store_dir), st, &err);

	return s == DESK_OK ? 0 : desk_error(s, "%s", err.msg);
}

void
desk_close_store(desk_store *st)
{
	desk_err err = { 0 };

	if (st == NULL)
		return;
	if (st->followup_owed && followup_run(st, NULL, &err) != DESK_OK)
		desk_log(LOG_WARNING, "follow-up of new mail: %s", err.msg);
	hooks_run_detached(st);  /* the runs the follow-up recorded */
	store_free(st);
}

int
desk_open_as(const char *store_dir, const char *verb, const char *as, desk_store **st,
	     const desk_agent **me)
{
	desk_err err = { 0 };
	desk_status s;
	int rc = desk_open_store(store_dir, st);

	if (rc != 0)
		return rc;
	if ((s = agent_acting((*st)->cfg->agents, as, me, &err)) != DESK_OK) {
		store_free(*st);
		*st = NULL;
		return desk_error(s, "%s: %s", verb, err.msg);
	}
	return 0;
}

int
desk_parse(const char *verb, const char *args_doc, const char *summary, GOptionEntry *entries,
	   int *argc, char ***argv)
{
	char *param = g_strdup_printf("%s%s%s", verb, *args_doc ? " " : "", args_doc);
	GOptionContext *ctx = g_option_context_new(param);
	GError *gerr = NULL;
	int rc = -1;

	g_option_context_set_summary(ctx, summary);
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, argc, argv, &gerr)) {
		rc = desk_error(DESK_USAGE, "%s: %s (see desk %s --help)", verb, gerr->message, verb);
		g_error_free(gerr);
	}
	g_option_context_free(ctx);
	g_free(param);
	return rc;
}

/* Whether this is desk ingest: as an LDA, a usage error must not bounce
 * the mail (EX_USAGE is permanent for MTAs); EX_TEMPFAIL keeps it queued. */
static gboolean
lda_call(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "ingest") == 0)
			return TRUE;
	return FALSE;
}

int
main(int argc, char **argv)
{
	const char *store_dir = NULL;
	int i = 1;

	setlocale(LC_ALL, "");
	umask(007);
	g_set_prgname("desk");
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--store") == 0 && i + 1 < argc) {
			store_dir = argv[++i];
		} else if (strncmp(argv[i], "--store=", 8) == 0) {
			store_dir = argv[i] + 8;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("desk %s\n", PACKAGE_VERSION);
			return 0;
		} else {
			usage(stderr);
			return lda_call(argc, argv) ? EX_TEMPFAIL : EX_USAGE;
		}
	}
	if (i == argc) {
		usage(stderr);
		return EX_USAGE;
	}
	for (size_t v = 0; v < G_N_ELEMENTS(verbs); v++) {
		if (strcmp(verbs[v].name, argv[i]) == 0) {
			int rc;

			g_mime_init();
			log_quiet_gmime();
			rc = verbs[v].fn(store_dir, argc - i, argv + i);
			g_mime_shutdown();
			return rc;
		}
	}
	return desk_error(DESK_USAGE, "unknown verb '%s' (see desk --help)", argv[i]);
}
