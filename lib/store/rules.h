/* rules.h: routing rules (STORE/rules, maildesk-rules(5)): read, checked
 * and evaluated in order for each new ticket, on the milter path, in desk
 * ingest and in the indexer alike; first match wins unless `continue`. */
#ifndef DESK_RULES_H
#define DESK_RULES_H

#include "facts.h"
#include "render.h"
#include "scan.h"
#include "store.h"
#include "thread.h"

/* Bytes of a message the rules read at most (headers and body): the
 * rest is not looked at (the milter keeps no more). */
#define RULES_MAX_MESSAGE (2 * 1024 * 1024)
/* Steps a regular expression may take on one text before it gives up
 * (PCRE2's match limit): a backtracking pattern fails, logged, instead
 * of taking the MTA's time. */
#define RULES_MATCH_LIMIT 200000

typedef struct desk_rules desk_rules;

/* What the rules decided for a new ticket. Empty strings: no change. */
typedef struct rules_route {
	char rule[200];       /* the names of the rules that matched, space-separated */
	char queue[64];
	char priority[16];
	char tags[256];       /* space-separated */
	char owner[64];       /* a login, "round-robin" or "least-open" */
	char template[64];    /* answer with it instead of the acknowledgement */
	gboolean hold;        /* hold for review: no acknowledgement, tag review */
	char refuse[256];     /* refuse at SMTP time: "5.7.1 text" */
	guint regex_errors;   /* patterns that gave up (match limit): logged, no match */
} rules_route;

/* What the rules look at in one message: F (its header facts), the
 * envelope recipient, and MSG (headers, text, attachments), which may be
 * NULL when no rule needs them. */
typedef struct rules_input {
	const msg_facts *f;
	const char *rcpt;
	const rendered_msg *msg;
} rules_input;

/* Read the rules file PATH. A missing file is no rules. On errors,
 * DESK_CONFIG, err says the first as "PATH:LINE: why", and ERRORS (may
 * be NULL) gets every one (char*). Checks: syntax, unknown queues and
 * agents, templates and VIP files that are not there, regular
 * expressions that do not compile, a rule that ends in `continue` with no
 * rule after it. */
desk_status rules_load(desk_store *st, const char *path, desk_rules **out, GPtrArray *errors, desk_err *err);
desk_rules *rules_ref(desk_rules *r);
void rules_unref(desk_rules *r);
guint rules_count(const desk_rules *r);
/* The templates R's rules name (with the line of each, "NAME:LINE"), for
 * desk rules check to look for. Caller g_strfreev()s. */
char **rules_templates(const desk_rules *r);
/* Whether a rule of R needs the message's text, headers or attachments
 * (else rules_input's msg may be NULL). */
gboolean rules_need_message(const desk_rules *r);

/* The store's rules, STORE/rules, read again when the file changed (its
 * inode, size or time). When the new file has errors, the rules read
 * before stay, and the errors are logged once. Thread-safe. Caller
 * rules_unref()s; never NULL. */
desk_rules *rules_current(desk_store *st);

/* Evaluate R for a new ticket: each rule in order, all of its
 * conditions must hold; its actions apply (later rules' queue, priority,
 * owner, template override, tags add up); evaluation stops at the first
 * rule that matched unless it says `continue`, and at a refusal. NOW is
 * desk_now(). The index is read for the requester's history only when a
 * rule asks. */
void rules_eval(desk_store *st, const desk_rules *r, const rules_input *in, gint64 now, rules_route *out);

/* The message in FD (read from its start with pread-like access; FD stays
 * open and its offset is kept), at most RULES_MAX_MESSAGE bytes of it,
 * parsed for the rules. Caller rendered_msg_free()s. */
desk_status rules_read_message(int fd, rendered_msg **out, desk_err *err);

/* The one step every path takes for a new ticket (D->is_new; else it
 * does nothing): the milter, desk ingest, and the indexer for mail found
 * in mail/new. Evaluates the store's rules (rules_current) over the
 * message in FD (read with pread-like access from its start, FD kept
 * open; -1: none, the header facts F alone) sent to RCPT, at desk_now(),
 * and records the result in D: rule and route (sealed on the stored copy
 * as X-Desk-Rule and X-Desk-Set), queue, and refuse. Logged. TRUE when a
 * rule matched. */
gboolean rules_decide(desk_store *st, int fd, const msg_facts *f, const char *rcpt, thread_decision *d);

/* The routing of the stored message SC (scanned from its file): when its
 * header block is sealed and names rules, *rule gets X-Desk-Rule and
 * *set X-Desk-Set (maybe NULL) and TRUE is returned. Caller g_free()s. */
gboolean rules_routed(desk_store *st, const scanned *sc, char **rule, char **set);

/* ROUTE as the items of an X-Desk-Set value (queue, priority, tag, owner,
 * template, hold), encoded (lib/mail/xset.h), or NULL when it sets none.
 * Caller g_free()s. */
char *rules_route_set(const rules_route *route);

/* Whether NAME is a usable rule name: [a-z0-9._-], 1 to 40 characters. */
gboolean rules_name_ok(const char *name);

#endif
