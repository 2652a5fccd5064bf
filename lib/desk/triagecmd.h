/* triagecmd.h: the optional external model of desk triage: [triage]
 * triage_command, a program run with an argv (no shell), ticket N as JSON
 * on stdin, a timeout ([triage] command_timeout) and at most
 * TRIAGE_CMD_MAX_OUTPUT bytes of output read back, its JSON suggestions
 * checked against what exists: a queue the configuration does not know, a
 * priority that is not one, a tag nobody ever set are dropped (and
 * logged). Off unless configured; refused when the configuration file
 * could be written by others (cfg->command_problem). It only suggests:
 * nothing here sends, stores or applies. */
#ifndef DESK_TRIAGECMD_H
#define DESK_TRIAGECMD_H

#include <notmuch.h>

#include "store.h"

#define TRIAGE_CMD_MAX_OUTPUT (64 * 1024)
/* The requester's words given to the program, at most. */
#define TRIAGE_CMD_MAX_TEXT (32 * 1024)

typedef struct triage_external {
	char *queue, *priority;   /* NULL: none suggested (or dropped) */
	char **tags;              /* NULL-terminated, maybe empty */
	double confidence;        /* 0 to 1 */
	char **dropped;           /* "queue 'x': no such queue", ...; NULL-terminated */
} triage_external;
void triage_external_free(triage_external *x);

/* Whether a command is configured. */
gboolean triage_cmd_configured(const desk_store *st);

/* Run the command for ticket N of DB. DESK_NOTFOUND: none configured;
 * DESK_CONFIG: refused (the file's trust); DESK_TEMPFAIL: it failed,
 * hung past the timeout, or said too much; DESK_DATAERR: its output is
 * not the JSON asked for. Failures are logged. */
desk_status triage_cmd_run(desk_store *st, notmuch_database_t *db, guint n, triage_external **out,
			   desk_err *err);

/* Its output TEXT read as suggestions, checked against ST (for tests of
 * the parser alone and for triage_cmd_run). */
desk_status triage_cmd_parse(desk_store *st, notmuch_database_t *db, guint n, const char *text, gsize len,
			     triage_external **out, desk_err *err);

#endif
