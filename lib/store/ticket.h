/* ticket.h: a ticket's state, folded from its messages and events, and
 * cached on its first message in the index (tag "ticket", desk.* properties). */
#ifndef DESK_TICKET_H
#define DESK_TICKET_H

#include <glib.h>
#include <notmuch.h>
#include "err.h"

typedef struct ticket_info {
	guint number;
	char *subject;             /* the first message's, or one desk split --subject gave */
	char *status, *requester, *owner, *queue, *priority;
	char *requester_name;      /* display name of the requester, may be "" */
	char *root_id;             /* Message-ID of the ticket's first message */
	char *rcpt;                /* the desk address its first message came to (desk.rcpt of
				    * the root, lib/store/index.c), "" if none; for desk report */
	guint messages;
	gint64 created, updated;   /* Unix time */
	gint64 first_response;     /* first public reply of an agent, 0 if none */
	gint64 last_customer;      /* last message from outside, 0 if none */
	gint64 solved_at;          /* when it became solved, 0 unless solved/closed */
	gint64 activity;           /* people's last activity: mail from outside that is not
				    * automatic, agents' replies and notes; 0 if none */
	gint64 waiting_since;      /* the requester's first mail not answered yet by a
				    * public reply, 0 unless waiting (new, open, on-hold) */
	guint reopens;
	guint merged_into;         /* 0 unless merged */
	char **tags;               /* ticket tags (desk tag), NULL-terminated */
	char **cc;                 /* participants added with desk cc */
	char **links;              /* "split-from=N", "split-to=N", "follows=N", "merged-from=N" */
	char **sla;                /* the SLA timeline (lib/store/sla.h), in time order: "T m"
				    * mail of the requester, "T r" a public reply of an agent,
				    * "T s STATUS" a change of status, "T w TARGET CYCLE" and
				    * "T b TARGET CYCLE" SLA warnings and breaches stored */
} ticket_info;

/* The most moments of a ticket's SLA timeline kept. */
#define TICKET_SLA_MAX 5000

typedef struct ticket_message {
	char *path, *message_id;
	gint64 time;
	char *tags;                /* space-separated */
	char *match;               /* X-Desk-Match */
	char *event, *set;         /* X-Desk-Event, X-Desk-Set of events, else NULL */
	guint ticket;              /* the ticket it was stored in (differs after a merge) */
} ticket_message;

void ticket_info_free(ticket_info *t);
void ticket_message_free(ticket_message *m);

/* Fold ticket T's messages anew and cache the result on its root. */
desk_status ticket_recompute(notmuch_database_t *db, guint t, desk_err *err);
/* The same for every ticket; *max gets the highest ticket number. */
desk_status ticket_recompute_all(notmuch_database_t *db, guint *max, desk_err *err);

/* The folds of a rebuild, made from the files before they are indexed, so
 * that a root gets its ticket's state in the same write as its own
 * properties (no second pass over the index):
 *   ticket_folds_add for each file, as the index will see it;
 *   ticket_folds_finish folds them all in time order;
 *   ticket_folds_apply on each message right after it is indexed and
 *   annotated, while frozen: checks that the index sees it as its item
 *   said, and if it is its ticket's root writes the ticket's state on it;
 *   ticket_folds_complete at the end: TRUE if every item was applied and
 *   matched. When it says FALSE (*why tells), the result is not to be
 *   trusted: rebuild with ticket_recompute_all instead. */
typedef struct ticket_item {
	guint ticket;
	const char *id, *match, *queue;    /* desk.match, desk.queue as stored */
	const char *event, *set;           /* NULL unless an event */
	const char *from, *name;           /* desk.from, desk.name: the sender, or NULL */
	const char *path;                  /* the file, as notmuch names it */
	gint64 time;                       /* as index_message_time */
	gboolean held, ours, automatic;    /* tags held; ours; auto, bulk or bounce */
} ticket_item;
typedef struct ticket_folds ticket_folds;

ticket_folds *ticket_folds_new(void);
/* Add a copy of IT; returns its index for ticket_folds_apply. */
guint ticket_folds_add(ticket_folds *tf, const ticket_item *it);
/* Fold every item; *max gets the highest ticket number. */
void ticket_folds_finish(ticket_folds *tf, guint *max);
/* M is item I, freshly indexed: FALSE if it differs (or an earlier one did). */
gboolean ticket_folds_apply(ticket_folds *tf, notmuch_message_t *m, guint i);
/* Why the items differ from the index so far (duplicate Message-IDs are
 * seen by ticket_folds_add already), or NULL. */
const char *ticket_folds_differ(ticket_folds *tf);
gboolean ticket_folds_complete(ticket_folds *tf, const char **why);
void ticket_folds_free(ticket_folds *tf);

/* Whether STATUS is one an agent can set. */
gboolean ticket_status_valid(const char *status);

/* A login, queue or "system" as the fold takes it: [a-z0-9._-], 1 to 64
 * long. */
gboolean ticket_name_ok(const char *v);
/* Whether PRIORITY is low, normal, high or urgent. */
gboolean ticket_priority_valid(const char *priority);
/* Whether SUBJECT can be a ticket's own subject (desk split --subject):
 * valid UTF-8 without control characters, 1 to TICKET_SUBJECT_MAX bytes. */
#define TICKET_SUBJECT_MAX 200
gboolean ticket_subject_valid(const char *subject);
/* Whether TAG can be a ticket tag (a-z 0-9 . _ -, not one of ours). */
gboolean ticket_tag_valid(const char *tag);

typedef enum { SORT_ACTIVITY, SORT_UPDATED, SORT_CREATED, SORT_PRIORITY, SORT_AGE, SORT_WAITING } ticket_sort;

typedef struct ticket_filter {
	const char *statuses;      /* comma-separated, "any"; NULL: the open ones */
	const char *owner;         /* login, or "none" */
	const char *queue, *priority, *requester;
	gint64 since, until;       /* on updated; 0 for none */
	const char *query;         /* more notmuch query, ANDed on the ticket's messages */
	const char *lang;          /* the language of its first mail (triagetab.h), "unknown": none known */
	ticket_sort sort;
	guint limit;               /* 0: all */
	gboolean people;           /* only tickets with people's activity (activity > 0) */
} ticket_filter;

/* Tickets matching F. *out is an array of ticket_info*. When F->people,
 * *hidden (may be NULL) gets the number of tickets F matches but for it. */
desk_status ticket_list(notmuch_database_t *db, const ticket_filter *f, GPtrArray **out, guint *hidden,
			desk_err *err);

/* Ticket T and its messages (ticket_message*, oldest first), with those of
 * the tickets merged into it. DESK_NOTFOUND if there is no such ticket. */
desk_status ticket_get(notmuch_database_t *db, guint t, ticket_info **info, GPtrArray **messages,
		       desk_err *err);

/* The state cached on M, a ticket's root (tag "ticket"). */
ticket_info *ticket_info_of(notmuch_message_t *m);

/* Ticket T's state alone (no messages). */
desk_status ticket_info_get(notmuch_database_t *db, guint t, ticket_info **info, desk_err *err);

/* Whether messages of EVENT are messages people wrote (reply, comment,
 * mail-reply, mail-comment), counted and shown as such, not state changes. */
gboolean ticket_event_is_message(const char *event);

/* Whether TM is a message desk show numbers (mail, replies, notes), not
 * an event shown as a line (a change of state). */
gboolean ticket_message_numbered(const ticket_message *tm);
/* The message desk show numbers K (from 1) in MSGS (ticket_get's), or NULL. */
const ticket_message *ticket_message_nth(GPtrArray *msgs, guint k);
/* Whether M is a message people outside wrote: no event, and none of the
 * tags ours, auto, bulk, bounce, held, spam. */
gboolean ticket_message_is_customer(const ticket_message *m);

/* Whether EVENT (NULL: none) records a change of the ticket's state
 * (assign, status, tag, ...): neither a message people wrote nor the
 * acknowledgement or the satisfaction survey (mail sent). The index tags such events "change". */
gboolean ticket_event_is_change(const char *event);

/* The first characters of the state tags on a ticket's root: "#N" its
 * number, "=STATUS", "@OWNER" ("@-" for nobody), "^PRIORITY". */
#define TICKET_STATE_PREFIXES "#=@^"

/* Whether an X-Desk-Match value opened a new ticket: "new", or "new; why"
 * (e.g. "new; follows closed ticket 7"). */
gboolean ticket_match_new(const char *match);

#endif
