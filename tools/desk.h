/* desk.h: what the verbs of desk share. */
#ifndef DESK_TOOL_H
#define DESK_TOOL_H

#include <glib.h>
#include "agent.h"
#include "store.h"

/* A verb: argv[0] is the verb's name; STORE_DIR is --store (or NULL).
 * Returns the process's exit code (sysexits). */
typedef int (*verb_fn)(const char *store_dir, int argc, char **argv);

/* Open the store or print "desk: ..." and return the exit code. */
int desk_open_store(const char *store_dir, desk_store **st);

/* Close what desk_open_store opened. First, when this command indexed
 * mail (st->followup_owed), run the follow-ups that are due
 * (acknowledgements, agents' commands by mail, notifications; lib/desk/followup.h):
 * the one place a verb's follow-ups run, after its changes are done.
 * ST may be NULL. */
void desk_close_store(desk_store *st);

/* Open the store and know the acting agent AS (NULL: $MAILDESK_AGENT,
 * else the login name). 0, or the exit code after "desk: VERB: ..."
 * (nothing left open). */
int desk_open_as(const char *store_dir, const char *verb, const char *as, desk_store **st,
		 const desk_agent **me);

/* Print "desk: MSG" on stderr and return the exit code of S. MSG is made
 * safe for a terminal (one line, lib/base/term.h): it may quote mail. */
int desk_error(desk_status s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print "desk: MSG" on stderr, safe as desk_error's: a warning. */
void desk_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parse options of a verb with GOptionContext: "desk VERB ARGS_DOC".
 * Returns -1 on success, else the exit code to return. */
int desk_parse(const char *verb, const char *args_doc, const char *summary, GOptionEntry *entries,
	       int *argc, char ***argv);

int verb_init(const char *store_dir, int argc, char **argv);
int verb_hooks(const char *store_dir, int argc, char **argv);
int verb_survey(const char *store_dir, int argc, char **argv);
int verb_rules(const char *store_dir, int argc, char **argv);
int verb_ingest(const char *store_dir, int argc, char **argv);
int verb_reindex(const char *store_dir, int argc, char **argv);
int verb_reseal(const char *store_dir, int argc, char **argv);
int verb_list(const char *store_dir, int argc, char **argv);
int verb_show(const char *store_dir, int argc, char **argv);
int verb_agent(const char *store_dir, int argc, char **argv);
int verb_assign(const char *store_dir, int argc, char **argv);
int verb_take(const char *store_dir, int argc, char **argv);
int verb_unassign(const char *store_dir, int argc, char **argv);
int verb_status(const char *store_dir, int argc, char **argv);
int verb_close(const char *store_dir, int argc, char **argv);
int verb_reopen(const char *store_dir, int argc, char **argv);
int verb_priority(const char *store_dir, int argc, char **argv);
int verb_queue(const char *store_dir, int argc, char **argv);
int verb_tag(const char *store_dir, int argc, char **argv);
int verb_cc(const char *store_dir, int argc, char **argv);
int verb_autoclose(const char *store_dir, int argc, char **argv);
int verb_kb(const char *store_dir, int argc, char **argv);
int verb_reply(const char *store_dir, int argc, char **argv);
int verb_templates(const char *store_dir, int argc, char **argv);
int verb_comment(const char *store_dir, int argc, char **argv);
int verb_merge(const char *store_dir, int argc, char **argv);
int verb_split(const char *store_dir, int argc, char **argv);
int verb_spam(const char *store_dir, int argc, char **argv);
int verb_doctor(const char *store_dir, int argc, char **argv);
int verb_report(const char *store_dir, int argc, char **argv);
int verb_purge(const char *store_dir, int argc, char **argv);
int verb_sla(const char *store_dir, int argc, char **argv);
int verb_triage(const char *store_dir, int argc, char **argv);

/* desk triage's settings from [triage] of CFG, and its one-line summary of
 * a suggestion (desk show's Suggested:); caller g_free()s. */
struct triage_opts;
struct triage_result;
void desk_triage_opts(const desk_config *cfg, struct triage_opts *o);
char *desk_triage_line(const struct triage_result *r, const struct triage_opts *o);

#endif
