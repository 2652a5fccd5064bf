/* hooks.h: event hooks (DESIGN.md "Hooks", maildesk-hooks(5)): the
 * executables of STORE/hooks/EVENT.d/, run from a journal after the event
 * is stored and indexed.
 *
 * The journal (lib/desk/hooks.c): the follow-up of a freshly indexed message
 * (lib/desk/followup.h) records one run per hook of its event's name
 * (evtype_hook_name, lib/store/evtype.h) as a file STORE/var/hooks/ID,
 * written to a temporary name, synced and renamed, before the follow-up
 * is taken off; a crash in between records the same IDs again (no second
 * run unless the first had finished: runs are at least once). A rebuild of
 * the index owes no follow-up for old mail, so `desk reindex` fires
 * nothing again.
 *
 * The runner (lib/desk/hookrun.c): one at a time per store
 * (STORE/var/hooks.lock); each run gets the stored message on stdin, the
 * facts in a clean environment, the hook's path as its only argument (no
 * shell), hooks.timeout seconds before its process group is killed, and
 * its output (stdout and stderr) read to the end, the first
 * hooks.output_kb KiB logged in STORE/var/hooks.log. A run that fails is
 * retried with backoff, then marked failed (hooks.attempts). Hooks run only
 * in processes of the store's owner: the milter's runner thread, desk
 * hooks run (a timer), and desk verbs run by the owner; anyone else's desk
 * only records. */
#ifndef DESK_HOOKS_H
#define DESK_HOOKS_H

#include "followup.h"
#include "store.h"

/* One recorded run, as in its journal file. */
typedef struct hook_run {
	char *id;          /* 16 hex digits, the file's name */
	char *event;       /* the hooks' name: "assign" for STORE/hooks/assign.d/ */
	char *hook;        /* the file's name in that directory */
	guint ticket;
	char *message;     /* the stored message, relative to the store */
	char *message_id;
	char *queue, *status, *owner, *priority, *requester, *subject;
	char *by;          /* the agent who acted ("by" of the event), "" if none */
	char *stored_event; /* X-Desk-Event of the message, "" if none */
	gint64 created, due;
	int attempts;      /* runs done */
	gboolean failed;   /* no more retries (desk hooks retry) */
	char *last;        /* how the last run ended, "" before the first */
} hook_run;

void hook_run_free(hook_run *r);

/* Record the runs that ITEM's event owes (a follow-up handler; errors are
 * logged). Sets st->hooks_owed when it recorded one. */
void hooks_followup(desk_store *st, const followup_item *item);

/* Every recorded run (of hook_run*), oldest first; an empty array when
 * there are none. */
desk_status hooks_list(const char *store_dir, GPtrArray **out, desk_err *err);

/* Whether a recorded run is due now (not failed, due <= desk_now()). */
gboolean hooks_due(const char *store_dir);

/* What a runner may use of the configuration (copied: the milter's thread
 * runs without holding the configuration). */
typedef struct hooks_limits {
	int timeout;       /* seconds */
	int attempts;
	int output_kb;
} hooks_limits;
void hooks_limits_of(const desk_config *cfg, hooks_limits *lim);

typedef struct hooks_result {
	guint ran, ok, failed;  /* runs done; of them ended well; marked failed */
} hooks_result;

/* Run what is due, under STORE/var/hooks.lock (waited for up to
 * WAIT_MS; DESK_BUSY after), again until nothing is due. RETRY (may be
 * NULL) first makes those runs due now and not failed; an empty vector
 * means every recorded run; an ID not recorded gives DESK_NOTFOUND and runs
 * nothing. *res (may be NULL) gets the counts. */
desk_status hooks_run(const char *store_dir, const hooks_limits *lim, char **retry, int wait_ms,
		      hooks_result *res, desk_err *err);

/* Whether this process may run the store's hooks: its user owns STORE/hooks.
 * Otherwise *why (caller g_free()s) says who may. */
gboolean hooks_may_run(const char *store_dir, char **why);

/* After a desk verb: when runs are owed and this process may run hooks,
 * run them in a detached child (its own session, no terminal, output to
 * /dev/null: the log is STORE/var/hooks.log), so that the verb returns at
 * once. */
void hooks_run_detached(desk_store *st);

/* Internal to hooks.c and hookrun.c: the journal's files. */
char *hooks_journal_dir(const char *store_dir);
hook_run *hooks_read(const char *store_dir, const char *id);
desk_status hooks_write(const char *store_dir, const hook_run *r, gboolean sync, desk_err *err);
void hooks_remove(const char *store_dir, const char *id);
/* Run R once (lib/desk/hookrun.c): update or remove its journal file. */
void hookrun_one(const char *store_dir, const hooks_limits *lim, hook_run *r, hooks_result *res);

#endif
