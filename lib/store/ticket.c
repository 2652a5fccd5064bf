/* ticket.c: fold messages into ticket state; list and read tickets.
 *
 * A ticket's state is a fold, in time order, over its messages: customer
 * mail, our replies, and event messages whose X-Desk-Set ("k=v; k=v")
 * changes it. The result is cached as desk.* properties on its root. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gmime/gmime.h>

#include "evtype.h"
#include "index.h"
#include "log.h"
#include "ticket.h"
#include "tickettab.h"
#include "triagetab.h"
#include "xset.h"

static const char *const statuses[] = { "new", "open", "pending", "on-hold", "solved", "closed", NULL };
static const char *const priorities[] = { "low", "normal", "high", "urgent", NULL };
static const char *const reserved_tags[] = { "ticket", "event", "change", "held", "reused", "auto", "bulk",
					     "bounce", "ours", "spam", "unread", "inbox", NULL };
static const char *const open_statuses = "new,open,pending,on-hold";

/* What the fold needs of one message. */
typedef struct fold_item {
	const char *id, *match, *queue, *set, *event;
	const char *from, *name;  /* the sender (desk.from, desk.name), may be NULL */
	gint64 time;
	gint64 arrived;  /* when the file was delivered (index_file_time), or 0 */
	gboolean ticket_tag, held, ours, automatic;
} fold_item;

typedef struct fold {
	guint ticket;
	char *root_id;
	gboolean root_is_new;
	gint64 root_time, created, updated, first_response, last_customer, solved_at;
	gint64 activity, waiting_since;    /* see ticket_info */
	char *status, *owner, *queue, *priority;
	char *subject;           /* desk split --subject, else NULL: the root's */
	char *requester, *requester_name;  /* the root's sender */
	guint count, reopens, merged_into;
	GHashTable *tags, *cc;   /* sets of strings */
	GHashTable *joined;      /* senders whose mail joined by a valid token */
	GPtrArray *links;        /* "split-to=N", ... */
	GPtrArray *tagged;       /* ids carrying the ticket tag */
	GPtrArray *sla;          /* the SLA timeline (ticket_info's sla) */
} fold;

static gboolean
in_list(const char *const *list, const char *s)
{
	for (; s != NULL && *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return TRUE;
	return FALSE;
}

gboolean
ticket_status_valid(const char *status)
{
	return in_list(statuses, status);
}

gboolean
ticket_priority_valid(const char *priority)
{
	return in_list(priorities, priority);
}

gboolean
ticket_subject_valid(const char *subject)
{
	if (subject == NULL || *subject == '\0' || strlen(subject) > TICKET_SUBJECT_MAX ||
	    !g_utf8_validate(subject, -1, NULL))
		return FALSE;
	for (const char *p = subject; *p != '\0'; p = g_utf8_next_char(p))
		if (g_unichar_iscntrl(g_utf8_get_char(p)))
			return FALSE;
	return TRUE;
}

gboolean
ticket_tag_valid(const char *tag)
{
	if (tag == NULL || *tag == '\0' || strlen(tag) > 40 || in_list(reserved_tags, tag))
		return FALSE;
	for (const char *p = tag; *p != '\0'; p++)
		if (!g_ascii_islower(*p) && !g_ascii_isdigit(*p) && *p != '.' && *p != '_' && *p != '-')
			return FALSE;
	return TRUE;
}

gboolean
ticket_event_is_message(const char *event)
{
	static const char *const messages[] = { "reply", "comment", "mail-reply", "mail-comment", NULL };

	return in_list(messages, event);
}

/* Whether the space-separated LIST holds WORD. */
static gboolean
has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; p != NULL && (p = strstr(p, word)) != NULL; p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return TRUE;
	return FALSE;
}

gboolean
ticket_message_is_customer(const ticket_message *m)
{
	static const char *const not[] = { "ours", "auto", "bulk", "bounce", "held", "spam", NULL };

	if (m->event != NULL)
		return FALSE;
	for (int i = 0; not[i] != NULL; i++)
		if (has_word(m->tags, not[i]))
			return FALSE;
	return TRUE;
}

gboolean
ticket_message_numbered(const ticket_message *tm)
{
	return tm->event == NULL || ticket_event_is_message(tm->event);
}

const ticket_message *
ticket_message_nth(GPtrArray *msgs, guint k)
{
	for (guint i = 0; i < msgs->len && k > 0; i++)
		if (ticket_message_numbered(msgs->pdata[i]) && --k == 0)
			return msgs->pdata[i];
	return NULL;
}

gboolean
ticket_event_is_change(const char *event)
{
	return event != NULL && !ticket_event_is_message(event) && strcmp(event, "ack") != 0 &&
	       strcmp(event, "survey") != 0;
}

gboolean
ticket_match_new(const char *match)
{
	return match != NULL && strncmp(match, "new", 3) == 0 && (match[3] == '\0' || match[3] == ';');
}

static fold *
fold_new(guint t)
{
	fold *f = g_new0(fold, 1);

	f->ticket = t;
	f->tags = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	f->cc = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	f->joined = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	f->links = g_ptr_array_new_with_free_func(g_free);
	f->tagged = g_ptr_array_new_with_free_func(g_free);
	f->sla = g_ptr_array_new_with_free_func(g_free);
	return f;
}

static void
fold_free(gpointer p)
{
	fold *f = p;

	g_free(f->root_id);
	g_free(f->status);
	g_free(f->owner);
	g_free(f->queue);
	g_free(f->priority);
	g_free(f->subject);
	g_hash_table_destroy(f->tags);
	g_hash_table_destroy(f->cc);
	g_hash_table_destroy(f->joined);
	g_free(f->requester);
	g_free(f->requester_name);
	g_ptr_array_unref(f->links);
	g_ptr_array_unref(f->tagged);
	g_ptr_array_unref(f->sla);
	g_free(f);
}

static void
replace(char **field, const char *value)
{
	g_free(*field);
	*field = g_strdup(value);
}

static const char *
status_of(const fold *f)
{
	return f->status != NULL ? f->status : "new";
}

/* Whether a requester whose ticket has status S still waits for an
 * answer: new, open, on-hold (pending waits on the requester). */
static gboolean
status_waits(const char *s)
{
	return strcmp(s, "new") == 0 || strcmp(s, "open") == 0 || strcmp(s, "on-hold") == 0;
}

/* A moment of the SLA timeline: "T KIND[ ARGS]" (see ticket_info). */
static void G_GNUC_PRINTF(4, 5)
timeline(fold *f, gint64 t, char kind, const char *fmt, ...)
{
	char *args = NULL;
	va_list ap;

	if (f->sla->len >= TICKET_SLA_MAX)
		return;
	if (fmt != NULL) {
		va_start(ap, fmt);
		args = g_strdup_vprintf(fmt, ap);
		va_end(ap);
	}
	g_ptr_array_add(f->sla, g_strdup_printf("%" G_GINT64_FORMAT " %c%s%s", t, kind, args ? " " : "",
						args ? args : ""));
	g_free(args);
}

/* Status S at time T; counts reopens of solved and closed tickets. */
static void
set_status(fold *f, const char *s, gint64 t)
{
	const char *old = status_of(f);

	if (strcmp(old, s) != 0)
		timeline(f, t, 's', "%s", s);

	if (!status_waits(s))
		f->waiting_since = 0;

	if (strcmp(s, "open") == 0 && (strcmp(old, "solved") == 0 || strcmp(old, "closed") == 0))
		f->reopens++;
	if (strcmp(s, "solved") == 0 && strcmp(old, "solved") != 0)
		f->solved_at = t;
	else if (strcmp(s, "closed") != 0 && strcmp(s, "solved") != 0)
		f->solved_at = 0;
	replace(&f->status, s);
}

/* "+x" adds X to SET, "-x" takes it away. */
static void
set_change(GHashTable *set, const char *v)
{
	if (*v == '+' && v[1] != '\0')
		g_hash_table_add(set, g_ascii_strdown(v + 1, -1));
	else if (*v == '-' && v[1] != '\0') {
		char *k = g_ascii_strdown(v + 1, -1);

		g_hash_table_remove(set, k);
		g_free(k);
	}
}

gboolean
ticket_name_ok(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n > 64)
		return FALSE;
	for (; *v != '\0'; v++)
		if (!g_ascii_islower(*v) && !g_ascii_isdigit(*v) && *v != '.' && *v != '_' && *v != '-')
			return FALSE;
	return TRUE;
}

/* A ticket number as written by us: digits, no leading zero, > 0. */
static guint
number_of(const char *v)
{
	guint64 n = 0;
	const char *p = v;

	if (*p < '1' || *p > '9')
		return 0;
	for (; g_ascii_isdigit(*p) && n <= G_MAXUINT; p++)
		n = n * 10 + (guint)(*p - '0');
	return *p == '\0' && n < G_MAXUINT ? (guint)n : 0;
}

/* "+x" or "-x" with X an address as an agent may add with desk cc. */
static gboolean
cc_ok(const char *v)
{
	const char *at = strrchr(v, '@');

	if ((*v != '+' && *v != '-') || at == NULL || at == v + 1 || at[1] == '\0' || strlen(v) > 255)
		return FALSE;
	for (const char *p = v + 1; *p != '\0'; p++)
		if ((guchar)*p <= ' ' || (guchar)*p >= 127 || strchr("<>()[]\\,;:\"", *p) != NULL)
			return FALSE;
	return TRUE;
}

/* The status event E may set: any an agent can set, or its own one. */
static gboolean
status_ok(const char *e, const char *v)
{
	if (strcmp(e, "spam") == 0)
		return strcmp(v, "spam") == 0;
	if (strcmp(e, "not-spam") == 0)
		return strcmp(v, "open") == 0;
	if (strcmp(e, "purge") == 0)
		return strcmp(v, "purged") == 0;
	return ticket_status_valid(v);
}

/* One KEY=V of event E, which may set KEY (evtype_allows). FALSE when V
 * is not a value KEY can have. */
static gboolean
fold_set(fold *f, const char *e, const char *key, const char *v, gint64 t, gboolean *status_set)
{
	if (strcmp(key, "status") == 0 && status_ok(e, v)) {
		set_status(f, v, t);
		*status_set = TRUE;
	} else if (strcmp(key, "owner") == 0 && (*v == '\0' || ticket_name_ok(v))) {
		replace(&f->owner, v);
	} else if (strcmp(key, "queue") == 0 && ticket_name_ok(v)) {
		replace(&f->queue, v);
	} else if (strcmp(key, "priority") == 0 && ticket_priority_valid(v)) {
		replace(&f->priority, v);
	} else if (strcmp(key, "tag") == 0 && (*v == '+' || *v == '-') && ticket_tag_valid(v + 1)) {
		set_change(f->tags, v);
	} else if (strcmp(key, "cc") == 0 && cc_ok(v)) {
		set_change(f->cc, v);
	} else if (strcmp(key, "subject") == 0 && ticket_subject_valid(v)) {
		replace(&f->subject, v);
	} else if (strcmp(key, "merged-into") == 0 && number_of(v) != 0) {
		f->merged_into = number_of(v);
		set_status(f, "merged", t);
		*status_set = TRUE;
	} else if ((strcmp(key, "split-from") == 0 || strcmp(key, "split-to") == 0 ||
		    strcmp(key, "follows") == 0 || strcmp(key, "merged-from") == 0 ||
		    strcmp(key, "followed-by") == 0) && number_of(v) != 0) {
		g_ptr_array_add(f->links, g_strdup_printf("%s=%u", key, number_of(v)));
	} else if (strcmp(key, "by") == 0 || strcmp(key, "acked") == 0 || strcmp(key, "offered") == 0 ||
		   strcmp(key, "block") == 0 || strcmp(key, "unblock") == 0 || strcmp(key, "moved") == 0 ||
		   strcmp(key, "tombs") == 0 || strcmp(key, "purged") == 0 || strcmp(key, "unsent") == 0 ||
		   strcmp(key, "sent") == 0 || strcmp(key, "commands") == 0 || strcmp(key, "notified") == 0 ||
		   strcmp(key, "about") == 0 || strcmp(key, "why") == 0 ||
		   strcmp(key, "rule") == 0 || strcmp(key, "template") == 0 || strcmp(key, "hold") == 0 ||
		   strcmp(key, "target") == 0 || strcmp(key, "cycle") == 0 || strcmp(key, "due") == 0 ||
		   strcmp(key, "policy") == 0 || strcmp(key, "surveyed") == 0 || strcmp(key, "scale") == 0 ||
		   strcmp(key, "score") == 0 || strcmp(key, "comment") == 0) {
		/* facts for others (ack windows, block list, split, purge, resend,
		 * notifications sent, surveys and ratings: lib/store/survey.h) */
	} else {
		return FALSE;
	}
	return TRUE;
}

/* An SLA event's target and cycle on the timeline: "w"arning or "b"reach. */
static void
fold_sla_event(fold *f, const fold_item *it, const xset *set)
{
	const char *target = xset_get(set, "target"), *cycle = xset_get(set, "cycle");

	if (target == NULL || cycle == NULL || !ticket_name_ok(target) || number_of(cycle) == 0)
		return;
	timeline(f, it->time, strcmp(it->event, "sla-warning") == 0 ? 'w' : 'b', "%s %s", target, cycle);
}

/* An event: the keys its type may set (others are ignored and logged);
 * an agent's first action opens a new ticket. TRUE when an agent made it. */
static gboolean
fold_event(fold *f, const fold_item *it)
{
	guint bad = 0;
	xset *set = xset_decode(it->set, &bad);
	gboolean status_set = FALSE, by_agent = FALSE;

	if (bad > 0)
		desk_log(LOG_NOTICE, "ticket %u: event %s: %u malformed item(s) of X-Desk-Set ignored",
			 f->ticket, it->event, bad);
	for (guint i = 0; i < xset_len(set); i++) {
		const char *key = xset_key(set, i);
		gsize len;
		const char *v = xset_value(set, i, &len);

		if (strlen(v) != len || !evtype_allows(it->event, key) ||
		    !fold_set(f, it->event, key, v, it->time, &status_set)) {
			desk_log(LOG_NOTICE, "ticket %u: event %s: key %s ignored", f->ticket, it->event, key);
			continue;
		}
		if (strcmp(key, "by") == 0 && strcmp(v, "system") != 0 && ticket_name_ok(v))
			by_agent = TRUE;
	}
	if (by_agent && !status_set && strcmp(status_of(f), "new") == 0)
		set_status(f, "open", it->time);
	if (strcmp(it->event, "sla-warning") == 0 || strcmp(it->event, "sla-breach") == 0)
		fold_sla_event(f, it, set);
	xset_free(set);
	return by_agent;
}

/* Mail from outside: a reply to a ticket waiting on the requester or
 * solved opens it again. */
static void
fold_customer(fold *f, const fold_item *it)
{
	const char *s = status_of(f);
	gboolean solved = strcmp(s, "solved") == 0;   /* set_status frees s */

	f->last_customer = MAX(f->last_customer, it->time);
	if (strcmp(s, "pending") == 0 || strcmp(s, "on-hold") == 0 || solved) {
		set_status(f, "open", it->time);
		if (!solved)
			f->reopens++;
	}
}

/* People's activity (DESIGN: the desk's own events, acknowledgements,
 * tags, assignments, do not count): mail from outside that is not
 * automatic, and agents' replies and notes. The requester waits from
 * their first mail that no public reply has answered yet. */
static void
fold_people(fold *f, const fold_item *it)
{
	gboolean customer = it->event == NULL && !it->ours && !it->automatic;

	if (customer || (it->event != NULL && ticket_event_is_message(it->event)))
		f->activity = MAX(f->activity, it->time);
	if (customer && f->waiting_since == 0 && status_waits(status_of(f)))
		f->waiting_since = it->time;
	else if (it->event != NULL && strcmp(it->event, "reply") == 0)
		f->waiting_since = 0;
}

static void
fold_item_add(fold *f, const fold_item *it)
{
	gboolean is_new = ticket_match_new(it->match);

	if (it->ticket_tag)
		g_ptr_array_add(f->tagged, g_strdup(it->id));
	/* held: joins, changes nothing; but mail that opened its ticket held
	 * (over a rate limit, lib/store/ratelimit.h) is that ticket, to be seen;
	 * a blocked sender's (desk spam --block) is not */
	if (it->held && (!is_new || strstr(it->match, "held: sender blocked") != NULL)) {
		f->count += it->event == NULL;
		return;
	}
	f->updated = MAX(f->updated, it->time);
	if (it->event != NULL && fold_event(f, it) && strcmp(it->event, "reply") == 0)
		timeline(f, it->time, 'r', NULL);
	if (it->event != NULL && strcmp(it->event, "reply") == 0 && f->first_response == 0)
		f->first_response = it->time;
	if (it->event != NULL && !ticket_event_is_message(it->event)) {
		/* desk purge: its event is what is left of the ticket */
		if (strcmp(it->event, "purge") == 0 && f->root_id == NULL) {
			replace(&f->root_id, it->id);
			replace(&f->requester, it->from);
			replace(&f->requester_name, it->name);
			f->root_time = f->created = it->time;
			if (f->queue == NULL)
				f->queue = g_strdup(it->queue);
		}
		return;
	}
	f->count++;
	/* when the desk got it: a Date a sender wrote never moves an SLA clock */
	if (it->event == NULL && !it->ours && !it->automatic)
		timeline(f, it->arrived > 0 ? it->arrived : it->time, 'm', NULL);
	if (it->event == NULL && !it->ours && !it->automatic && f->root_id != NULL)
		fold_customer(f, it);
	fold_people(f, it);
	if (f->root_id == NULL || (is_new && !f->root_is_new) ||
	    (is_new == f->root_is_new && it->time < f->root_time)) {
		replace(&f->root_id, it->id);
		replace(&f->requester, it->from);
		replace(&f->requester_name, it->name);
		f->root_is_new = is_new;
		f->root_time = it->time;
		if (f->queue == NULL)
			f->queue = g_strdup(it->queue);
	}
	/* a valid token makes its sender a participant (DESIGN.md) */
	if (it->event == NULL && !it->ours && !it->automatic && it->from != NULL && *it->from != '\0' &&
	    g_str_has_prefix(it->match, "token") && g_hash_table_size(f->joined) < 50)
		g_hash_table_add(f->joined, g_strdup(it->from));
	if (it->event == NULL && !it->ours && !it->automatic)
		f->last_customer = MAX(f->last_customer, it->time);
	if (f->created == 0 || it->time < f->created)
		f->created = it->time;
}

static const char *
prop(notmuch_message_t *m, const char *key)
{
	const char *v = NULL;

	if (notmuch_message_get_property(m, key, &v) != NOTMUCH_STATUS_SUCCESS)
		return NULL;
	return v;
}

static gboolean
has_tag(notmuch_message_t *m, const char *tag)
{
	notmuch_tags_t *tags = notmuch_message_get_tags(m);
	gboolean yes = FALSE;

	for (; !yes && notmuch_tags_valid(tags); notmuch_tags_move_to_next(tags))
		yes = strcmp(notmuch_tags_get(tags), tag) == 0;
	notmuch_tags_destroy(tags);
	return yes;
}

static void
set_num(notmuch_message_t *m, const char *key, gint64 v)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%" G_GINT64_FORMAT, v);
	index_set_prop(m, key, buf);
}

static char *
joined_keys(GHashTable *set)
{
	GList *keys = g_list_sort(g_hash_table_get_keys(set), (GCompareFunc)strcmp);
	GString *s = g_string_new(NULL);

	for (GList *k = keys; k != NULL; k = k->next)
		g_string_append_printf(s, "%s%s", s->len ? " " : "", (char *)k->data);
	g_list_free(keys);
	return g_string_free(s, FALSE);
}

/* Ticket tags are notmuch tags on the root, so queries can use tag:x;
 * desk.ttags remembers which ones are ours to take away again. */
static void
store_tags(notmuch_message_t *m, fold *f)
{
	const char *old = prop(m, "desk.ttags");
	char **was = g_strsplit(old != NULL ? old : "", " ", -1);
	char *now = joined_keys(f->tags);
	GHashTableIter it;
	gpointer k;

	for (char **w = was; *w != NULL; w++)
		if (**w != '\0' && !g_hash_table_contains(f->tags, *w))
			notmuch_message_remove_tag(m, *w);
	g_hash_table_iter_init(&it, f->tags);
	while (g_hash_table_iter_next(&it, &k, NULL))
		notmuch_message_add_tag(m, k);
	index_set_prop(m, "desk.ttags", now);
	g_strfreev(was);
	g_free(now);
}

static void
store_multi(notmuch_message_t *m, const char *key, GHashTable *set)
{
	GHashTableIter it;
	gpointer k;

	notmuch_message_remove_all_properties(m, key);
	g_hash_table_iter_init(&it, set);
	while (g_hash_table_iter_next(&it, &k, NULL))
		notmuch_message_add_property(m, key, k);
}

/* Whether TAG is one of the state tags (ticket_state_tags), by its first
 * character: no ticket tag (a-z 0-9 . _ -) starts so. */
static gboolean
is_state_tag(const char *tag)
{
	return tag[0] != '\0' && strchr(TICKET_STATE_PREFIXES, tag[0]) != NULL;
}

/* Take from M the state tags not in KEEP (NULL: all of them). */
static void
drop_state_tags(notmuch_message_t *m, char **keep)
{
	notmuch_tags_t *tags = notmuch_message_get_tags(m);
	GPtrArray *drop = g_ptr_array_new_with_free_func(g_free);

	for (; notmuch_tags_valid(tags); notmuch_tags_move_to_next(tags)) {
		const char *t = notmuch_tags_get(tags);

		if (is_state_tag(t) && (keep == NULL || !g_strv_contains((const char *const *)keep, t)))
			g_ptr_array_add(drop, g_strdup(t));
	}
	notmuch_tags_destroy(tags);
	for (guint i = 0; i < drop->len; i++)
		notmuch_message_remove_tag(m, drop->pdata[i]);
	g_ptr_array_unref(drop);
}

/* The ticket's number, status, owner and priority as tags on its root, for
 * mail readers that show tags (neomutt's index): "#42", "=open",
 * "@alice" ("@-": nobody), "^high"; sorted as tags are, they read in
 * that order. */
static void
store_state_tags(notmuch_message_t *m, fold *f)
{
	char *now[] = {
		g_strdup_printf("#%u", f->ticket),
		g_strdup_printf("=%s", status_of(f)),
		g_strdup_printf("@%s", f->owner != NULL && *f->owner ? f->owner : "-"),
		g_strdup_printf("^%s", f->priority != NULL ? f->priority : "normal"),
		NULL,
	};

	drop_state_tags(m, now);
	for (char **t = now; *t != NULL; t++) {
		notmuch_message_add_tag(m, *t);
		g_free(*t);
	}
}

/* The SLA timeline as desk.sla values "NNNNNN T KIND ...": the number
 * keeps their order (notmuch gives a key's values sorted). */
static void
store_timeline(notmuch_message_t *m, fold *f)
{
	notmuch_message_remove_all_properties(m, "desk.sla");
	for (guint i = 0; i < f->sla->len; i++) {
		char *v = g_strdup_printf("%06u %s", i, (char *)f->sla->pdata[i]);

		notmuch_message_add_property(m, "desk.sla", v);
		g_free(v);
	}
}

/* Write F's result on M, its root. */
static void
fold_write(notmuch_message_t *m, fold *f)
{
	notmuch_message_freeze(m);
	notmuch_message_add_tag(m, "ticket");
	store_state_tags(m, f);
	index_set_prop(m, "desk.status", status_of(f));
	index_set_prop(m, "desk.owner", f->owner);
	index_set_prop(m, "desk.tqueue", f->queue);
	index_set_prop(m, "desk.priority", f->priority != NULL ? f->priority : "normal");
	index_set_text(m, "desk.requester", f->requester != NULL ? f->requester : "");
	index_set_text(m, "desk.requester_name", f->requester_name != NULL ? f->requester_name : "");
	set_num(m, "desk.count", f->count);
	set_num(m, "desk.created", f->created);
	set_num(m, "desk.updated", f->updated);
	set_num(m, "desk.first_response", f->first_response);
	set_num(m, "desk.last_customer", f->last_customer);
	set_num(m, "desk.solved_at", f->solved_at);
	set_num(m, "desk.activity", f->activity);
	set_num(m, "desk.waiting", f->waiting_since);
	if (f->subject != NULL)
		index_set_text(m, "desk.subject", f->subject);
	else
		notmuch_message_remove_all_properties(m, "desk.subject");
	set_num(m, "desk.reopens", f->reopens);
	set_num(m, "desk.merged_into", f->merged_into);
	store_tags(m, f);
	store_multi(m, "desk.cc", f->cc);
	store_multi(m, "desk.joined", f->joined);
	notmuch_message_remove_all_properties(m, "desk.link");
	for (guint i = 0; i < f->links->len; i++)
		notmuch_message_add_property(m, "desk.link", f->links->pdata[i]);
	store_timeline(m, f);
	notmuch_message_thaw(m);
}

/* Write F's result on its root; take the tag off other messages. */
static desk_status
fold_store(notmuch_database_t *db, fold *f, desk_err *err)
{
	notmuch_message_t *m = NULL;

	for (guint i = 0; i < f->tagged->len; i++) {
		if (f->root_id != NULL && strcmp(f->tagged->pdata[i], f->root_id) == 0)
			continue;
		if (notmuch_database_find_message(db, f->tagged->pdata[i], &m) == NOTMUCH_STATUS_SUCCESS && m) {
			notmuch_message_remove_tag(m, "ticket");
			drop_state_tags(m, NULL);
			notmuch_message_destroy(m);
		}
	}
	if (f->root_id == NULL)
		return DESK_OK;
	if (notmuch_database_find_message(db, f->root_id, &m) != NOTMUCH_STATUS_SUCCESS || m == NULL)
		return desk_fail(err, DESK_TEMPFAIL, "index: ticket %u: root message vanished", f->ticket);
	fold_write(m, f);
	notmuch_message_destroy(m);
	return DESK_OK;
}

/* Run QUERY in ORDER, calling FN on each message. */
static desk_status
each_message_in(notmuch_database_t *db, const char *query, notmuch_sort_t order,
		void (*fn)(void *, notmuch_message_t *), void *ud, desk_err *err)
{
	notmuch_query_t *q = notmuch_query_create(db, query);
	notmuch_messages_t *ms = NULL;
	notmuch_status_t ns;

	if (q == NULL)
		return desk_fail(err, DESK_SOFTWARE, "index: out of memory");
	notmuch_query_set_sort(q, order);
	ns = notmuch_query_search_messages(q, &ms);
	if (ns != NOTMUCH_STATUS_SUCCESS) {
		notmuch_query_destroy(q);
		return desk_fail(err, ns == NOTMUCH_STATUS_BAD_QUERY_SYNTAX ? DESK_USAGE : DESK_TEMPFAIL,
				 "index: search %s: %s", query, notmuch_status_to_string(ns));
	}
	for (; notmuch_messages_valid(ms); notmuch_messages_move_to_next(ms)) {
		notmuch_message_t *m = notmuch_messages_get(ms);

		fn(ud, m);
		notmuch_message_destroy(m);
	}
	notmuch_query_destroy(q);
	return DESK_OK;
}

/* Run QUERY (oldest first), calling FN on each message. */
static desk_status
each_message(notmuch_database_t *db, const char *query, void (*fn)(void *, notmuch_message_t *),
	     void *ud, desk_err *err)
{
	return each_message_in(db, query, NOTMUCH_SORT_OLDEST_FIRST, fn, ud, err);
}

/* An item of one message, its strings owned (the notmuch message is gone
 * by the time it is folded: messages are folded in time order, and the
 * query's order is by Date, which index_message_time may correct). */
typedef struct owned_item {
	fold_item it;
	guint ticket;
	char *strings;           /* one block: id, match, queue, event, set, path */
	const char *path;
} owned_item;

static const char *
keep(GString *block, const char *v)
{
	/* offsets for now, made pointers once the block stops moving */
	if (v == NULL)
		return NULL;
	g_string_append_c(block, '\0');
	g_string_append(block, v);
	return (const char *)(gintptr)(block->len - strlen(v));
}

static const char *
fix(const char *off, const char *base)
{
	return off == NULL ? NULL : base + (gintptr)off;
}

/* Copy the strings of O's item (and PATH) into one block O owns. */
static void
own_strings(owned_item *o, const char *id, const char *match, const char *queue, const char *event,
	    const char *set, const char *from, const char *name, const char *path)
{
	GString *block = g_string_new(NULL);

	o->it.id = keep(block, id);
	o->it.match = keep(block, match);
	o->it.queue = keep(block, queue);
	o->it.event = keep(block, event);
	o->it.set = keep(block, set);
	o->it.from = keep(block, from);
	o->it.name = keep(block, name);
	o->path = keep(block, path);
	o->strings = g_string_free(block, FALSE);
	o->it.id = fix(o->it.id, o->strings);
	o->it.match = fix(o->it.match, o->strings);
	o->it.queue = fix(o->it.queue, o->strings);
	o->it.event = fix(o->it.event, o->strings);
	o->it.set = fix(o->it.set, o->strings);
	o->it.from = fix(o->it.from, o->strings);
	o->it.name = fix(o->it.name, o->strings);
	o->path = fix(o->path, o->strings);
}

static void
collect_item(void *ud, notmuch_message_t *m)
{
	GArray *a = ud;
	const char *v = prop(m, "desk.ticket");
	owned_item o = { 0 };
	gboolean event = has_tag(m, "event");
	char *set, *from, *name;

	o.ticket = v != NULL ? (guint)g_ascii_strtoull(v, NULL, 10) : 0;
	if (o.ticket == 0)
		return;
	set = event ? index_get_text(m, "desk.set") : NULL;
	from = index_get_text(m, "desk.from");
	name = index_get_text(m, "desk.name");
	own_strings(&o, notmuch_message_get_message_id(m), prop(m, "desk.match"), prop(m, "desk.queue"),
		    event ? prop(m, "desk.event") ?: "" : NULL, set, from, name, notmuch_message_get_filename(m));
	g_free(set);
	g_free(from);
	g_free(name);
	o.it.time = index_message_time(m);
	o.it.arrived = o.path != NULL ? index_file_time(o.path) : 0;
	o.it.ticket_tag = has_tag(m, "ticket");
	o.it.held = has_tag(m, "held");
	o.it.ours = has_tag(m, "ours");
	o.it.automatic = has_tag(m, "auto") || has_tag(m, "bulk") || has_tag(m, "bounce");
	g_array_append_val(a, o);
}

static gint
by_item_time(gconstpointer a, gconstpointer b)
{
	const owned_item *x = a, *y = b;

	if (x->it.time != y->it.time)
		return x->it.time < y->it.time ? -1 : 1;
	return strcmp(x->path, y->path);
}

static desk_status
fold_query(notmuch_database_t *db, const char *query, GHashTable *folds, guint *max, desk_err *err)
{
	GArray *a = g_array_new(FALSE, FALSE, sizeof(owned_item));
	desk_status s = each_message(db, query, collect_item, a, err);

	g_array_sort(a, by_item_time);
	for (guint i = 0; i < a->len; i++) {
		owned_item *o = &g_array_index(a, owned_item, i);
		fold *f = g_hash_table_lookup(folds, GUINT_TO_POINTER(o->ticket));

		if (f == NULL) {
			f = fold_new(o->ticket);
			g_hash_table_insert(folds, GUINT_TO_POINTER(o->ticket), f);
		}
		if (max != NULL)
			*max = MAX(*max, o->ticket);
		fold_item_add(f, &o->it);
		g_free(o->strings);
	}
	g_array_unref(a);
	return s;
}

static desk_status
store_folds(notmuch_database_t *db, GHashTable *folds, desk_err *err)
{
	GHashTableIter it;
	gpointer v;
	desk_status s = DESK_OK;

	g_hash_table_iter_init(&it, folds);
	while (s == DESK_OK && g_hash_table_iter_next(&it, NULL, &v))
		s = fold_store(db, v, err);
	return s;
}

desk_status
ticket_recompute(notmuch_database_t *db, guint t, desk_err *err)
{
	GHashTable *folds = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, fold_free);
	char q[64];
	desk_status s;

	snprintf(q, sizeof q, "property:desk.ticket=%u", t);
	s = fold_query(db, q, folds, NULL, err);
	if (s == DESK_OK)
		s = store_folds(db, folds, err);
	g_hash_table_destroy(folds);
	return s;
}

desk_status
ticket_recompute_all(notmuch_database_t *db, guint *max, desk_err *err)
{
	GHashTable *folds = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, fold_free);
	desk_status s;

	*max = 0;
	s = fold_query(db, "*", folds, max, err);
	if (s == DESK_OK)
		s = store_folds(db, folds, err);
	g_hash_table_destroy(folds);
	return s;
}

/* The folds of a rebuild, from items made before the messages are indexed
 * (see ticket.h): the same fold_item_add, fed without reading the index. */
struct ticket_folds {
	GArray *items;        /* owned_item, in the order added */
	GHashTable *ids;      /* Message-IDs of the items, to see duplicates */
	GHashTable *folds;    /* ticket -> fold */
	guint applied;        /* items found in the index as they were made */
	char *why;            /* why the index differs from the items, or NULL */
};

ticket_folds *
ticket_folds_new(void)
{
	ticket_folds *tf = g_new0(ticket_folds, 1);

	tf->items = g_array_new(FALSE, TRUE, sizeof(owned_item));
	tf->ids = g_hash_table_new(g_str_hash, g_str_equal);
	tf->folds = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, fold_free);
	return tf;
}

static void
folds_differ(ticket_folds *tf, const char *fmt, const char *id)
{
	if (tf->why == NULL)
		tf->why = g_strdup_printf(fmt, id);
}

guint
ticket_folds_add(ticket_folds *tf, const ticket_item *in)
{
	owned_item o;

	memset(&o, 0, sizeof o);
	o.ticket = in->ticket;
	own_strings(&o, in->id, in->match, in->queue, in->event, in->set, in->from, in->name, in->path);
	o.it.time = in->time;
	o.it.arrived = o.path != NULL ? index_file_time(o.path) : 0;
	o.it.held = in->held;
	o.it.ours = in->ours;
	o.it.automatic = in->automatic;
	if (!g_hash_table_add(tf->ids, (char *)o.it.id))
		folds_differ(tf, "Message-ID <%s> is in more than one file", o.it.id);
	g_array_append_val(tf->items, o);
	return tf->items->len - 1;
}

static gint
by_item_time_p(gconstpointer a, gconstpointer b)
{
	return by_item_time(*(owned_item *const *)a, *(owned_item *const *)b);
}

void
ticket_folds_finish(ticket_folds *tf, guint *max)
{
	GPtrArray *order = g_ptr_array_sized_new(tf->items->len);

	*max = 0;
	for (guint i = 0; i < tf->items->len; i++)
		g_ptr_array_add(order, &g_array_index(tf->items, owned_item, i));
	g_ptr_array_sort(order, by_item_time_p);
	for (guint i = 0; i < order->len; i++) {
		owned_item *o = order->pdata[i];
		fold *f = g_hash_table_lookup(tf->folds, GUINT_TO_POINTER(o->ticket));

		if (f == NULL) {
			f = fold_new(o->ticket);
			g_hash_table_insert(tf->folds, GUINT_TO_POINTER(o->ticket), f);
		}
		*max = MAX(*max, o->ticket);
		fold_item_add(f, &o->it);
	}
	g_ptr_array_unref(order);
}

static gboolean
same_str(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* The same item, every field compared: strings by value, the rest as
 * bytes, so a field added to fold_item that items made before indexing
 * lack shows up as a difference instead of a wrong fold. */
static gboolean
same_item(const owned_item *a, const owned_item *b)
{
	fold_item x, y;

	if (a->ticket != b->ticket || !same_str(a->path, b->path) || !same_str(a->it.id, b->it.id) ||
	    !same_str(a->it.match, b->it.match) || !same_str(a->it.queue, b->it.queue) ||
	    !same_str(a->it.event, b->it.event) || !same_str(a->it.set, b->it.set) ||
	    !same_str(a->it.from, b->it.from) || !same_str(a->it.name, b->it.name))
		return FALSE;
	memcpy(&x, &a->it, sizeof x);
	memcpy(&y, &b->it, sizeof y);
	x.id = x.match = x.queue = x.event = x.set = x.from = x.name = NULL;
	y.id = y.match = y.queue = y.event = y.set = y.from = y.name = NULL;
	return memcmp(&x, &y, sizeof x) == 0;
}

gboolean
ticket_folds_apply(ticket_folds *tf, notmuch_message_t *m, guint i)
{
	owned_item *want = &g_array_index(tf->items, owned_item, i);
	GArray *got = g_array_new(FALSE, TRUE, sizeof(owned_item));
	gboolean same;
	fold *f;

	collect_item(got, m);
	same = got->len == 1 && same_item(want, &g_array_index(got, owned_item, 0));
	if (got->len == 1)
		g_free(g_array_index(got, owned_item, 0).strings);
	g_array_unref(got);
	if (!same)
		folds_differ(tf, "the index sees <%s> otherwise than the scan", want->it.id);
	if (tf->why != NULL)
		return FALSE;
	tf->applied++;
	f = g_hash_table_lookup(tf->folds, GUINT_TO_POINTER(want->ticket));
	if (f != NULL && f->root_id != NULL && strcmp(f->root_id, want->it.id) == 0)
		fold_write(m, f);
	return TRUE;
}

const char *
ticket_folds_differ(ticket_folds *tf)
{
	return tf->why;
}

gboolean
ticket_folds_complete(ticket_folds *tf, const char **why)
{
	if (tf->why == NULL && tf->applied != tf->items->len)
		tf->why = g_strdup_printf("%u of %u messages indexed", tf->applied, tf->items->len);
	*why = tf->why;
	return tf->why == NULL;
}

void
ticket_folds_free(ticket_folds *tf)
{
	if (tf == NULL)
		return;
	for (guint i = 0; i < tf->items->len; i++)
		g_free(g_array_index(tf->items, owned_item, i).strings);
	g_array_unref(tf->items);
	g_hash_table_destroy(tf->ids);
	g_hash_table_destroy(tf->folds);
	g_free(tf->why);
	g_free(tf);
}

void
ticket_info_free(ticket_info *t)
{
	if (t == NULL)
		return;
	g_free(t->subject);
	g_free(t->status);
	g_free(t->requester);
	g_free(t->requester_name);
	g_free(t->root_id);
	g_free(t->rcpt);
	g_free(t->owner);
	g_free(t->queue);
	g_free(t->priority);
	g_strfreev(t->tags);
	g_strfreev(t->cc);
	g_strfreev(t->links);
	g_strfreev(t->sla);
	g_free(t);
}

void
ticket_message_free(ticket_message *m)
{
	g_free(m->path);
	g_free(m->message_id);
	g_free(m->tags);
	g_free(m->match);
	g_free(m->event);
	g_free(m->set);
	g_free(m);
}

static gint64
prop_num(notmuch_message_t *m, const char *key)
{
	const char *v = prop(m, key);

	return v != NULL ? g_ascii_strtoll(v, NULL, 10) : 0;
}

static char **
props_of(notmuch_message_t *m, const char *key)
{
	notmuch_message_properties_t *p = notmuch_message_get_properties(m, key, TRUE);
	GPtrArray *a = g_ptr_array_new();

	for (; notmuch_message_properties_valid(p); notmuch_message_properties_move_to_next(p))
		g_ptr_array_add(a, g_strdup(notmuch_message_properties_value(p)));
	notmuch_message_properties_destroy(p);
	g_ptr_array_add(a, NULL);
	return (char **)g_ptr_array_free(a, FALSE);
}

ticket_info *
ticket_info_of(notmuch_message_t *m)
{
	ticket_info *t = g_new0(ticket_info, 1);
	const char *subj = notmuch_message_get_header(m, "subject");
	const char *tags = prop(m, "desk.ttags");

	t->number = (guint)prop_num(m, "desk.ticket");
	t->subject = index_get_text(m, "desk.subject") ?: g_strdup(subj != NULL ? subj : "");
	t->root_id = g_strdup(notmuch_message_get_message_id(m));
	t->rcpt = g_strdup(prop(m, "desk.rcpt") ?: "");
	t->status = g_strdup(prop(m, "desk.status") ?: "new");
	t->requester = index_get_text(m, "desk.requester") ?: g_strdup("");
	t->requester_name = index_get_text(m, "desk.requester_name") ?: g_strdup("");
	t->owner = g_strdup(prop(m, "desk.owner") ?: "");
	t->queue = g_strdup(prop(m, "desk.tqueue") ?: "");
	t->priority = g_strdup(prop(m, "desk.priority") ?: "normal");
	t->messages = (guint)prop_num(m, "desk.count");
	t->created = prop_num(m, "desk.created");
	t->updated = prop_num(m, "desk.updated");
	t->first_response = prop_num(m, "desk.first_response");
	t->last_customer = prop_num(m, "desk.last_customer");
	t->solved_at = prop_num(m, "desk.solved_at");
	/* a root an older maildesk folded has no desk.activity: its
	 * last change stands in until the ticket changes or desk reindex */
	t->activity = prop(m, "desk.activity") != NULL ? prop_num(m, "desk.activity") : prop_num(m, "desk.updated");
	t->waiting_since = prop_num(m, "desk.waiting");
	t->reopens = (guint)prop_num(m, "desk.reopens");
	t->merged_into = (guint)prop_num(m, "desk.merged_into");
	t->tags = tags != NULL && *tags != '\0' ? g_strsplit(tags, " ", -1) : g_new0(char *, 1);
	t->cc = props_of(m, "desk.cc");
	t->links = props_of(m, "desk.link");
	t->sla = props_of(m, "desk.sla");
	for (char **e = t->sla; *e != NULL; e++)  /* the order number off */
		if (strlen(*e) > 7 && (*e)[6] == ' ')
			memmove(*e, *e + 7, strlen(*e + 7) + 1);
	return t;
}

static void
collect_info(void *ud, notmuch_message_t *m)
{
	g_ptr_array_add(ud, ticket_info_of(m));
}

/* Whether LIST is "any" or comma-separated statuses a ticket can have. */
static gboolean
statuses_valid(const char *list)
{
	char **items;
	gboolean ok = TRUE;

	if (strcmp(list, "any") == 0)
		return TRUE;
	items = g_strsplit(list, ",", -1);
	for (char **i = items; ok && *i != NULL; i++) {
		char *s = g_strstrip(*i);

		ok = ticket_status_valid(s) || strcmp(s, "merged") == 0 || strcmp(s, "spam") == 0 ||
		     strcmp(s, "purged") == 0;
	}
	g_strfreev(items);
	return ok;
}

/* The tickets having a message that matches QUERY. */
static desk_status
tickets_matching(notmuch_database_t *db, const char *query, GHashTable **out, desk_err *err)
{
	notmuch_query_t *q = notmuch_query_create(db, query);
	notmuch_messages_t *ms = NULL;
	notmuch_status_t ns;

	*out = g_hash_table_new(g_direct_hash, g_direct_equal);
	if (q == NULL)
		return desk_fail(err, DESK_SOFTWARE, "index: out of memory");
	ns = notmuch_query_search_messages(q, &ms);
	if (ns != NOTMUCH_STATUS_SUCCESS) {
		notmuch_query_destroy(q);
		return desk_fail(err, DESK_USAGE, "bad query '%s': %s", query, notmuch_status_to_string(ns));
	}
	for (; notmuch_messages_valid(ms); notmuch_messages_move_to_next(ms)) {
		notmuch_message_t *m = notmuch_messages_get(ms);
		const char *v = prop(m, "desk.ticket");

		if (v != NULL)
			g_hash_table_add(*out, GUINT_TO_POINTER((guint)g_ascii_strtoull(v, NULL, 10)));
		notmuch_message_destroy(m);
	}
	notmuch_query_destroy(q);
	return DESK_OK;
}

/* *SET (made when NULL, else narrowed) to the tickets in language LANG. */
static desk_status
tickets_of_lang(notmuch_database_t *db, const char *lang, GHashTable **set, desk_err *err)
{
	GHashTable *of = g_hash_table_new(g_direct_hash, g_direct_equal);
	triagetab *t = NULL;
	desk_status s = triagetab_open(db, &t, err);

	if (s == DESK_OK)
		s = triagetab_lang(t, strcmp(lang, "unknown") == 0 ? "" : lang, of, err);
	triagetab_close(t);
	if (*set != NULL) {
		GHashTableIter it;
		gpointer k;

		g_hash_table_iter_init(&it, *set);
		while (g_hash_table_iter_next(&it, &k, NULL))
			if (!g_hash_table_contains(of, k))
				g_hash_table_iter_remove(&it);
		g_hash_table_destroy(of);
	} else
		*set = of;
	return s;
}

desk_status
ticket_list(notmuch_database_t *db, const ticket_filter *f, GPtrArray **out, guint *hidden, desk_err *err)
{
	static const ticket_filter none = { 0 };
	GHashTable *matching = NULL;
	desk_status s = DESK_OK;

	if (f == NULL)
		f = &none;
	*out = g_ptr_array_new_with_free_func((GDestroyNotify)ticket_info_free);
	if (!statuses_valid(f->statuses != NULL ? f->statuses : open_statuses))
		s = desk_fail(err, DESK_USAGE,
			      "unknown status in '%s' (new, open, pending, on-hold, solved, closed, merged, spam, purged, any)",
			      f->statuses);
	else if (f->priority != NULL && !ticket_priority_valid(f->priority))
		s = desk_fail(err, DESK_USAGE, "unknown priority '%s' (low, normal, high, urgent)", f->priority);
	if (s == DESK_OK && f->query != NULL && *f->query != '\0')
		s = tickets_matching(db, f->query, &matching, err);
	if (s == DESK_OK && f->lang != NULL)
		s = tickets_of_lang(db, f->lang, &matching, err);
	if (s == DESK_OK)
		s = tickettab_list(db, f, matching, *out, hidden, err);
	if (matching != NULL)
		g_hash_table_destroy(matching);
	return s;
}

static char *
tags_of(notmuch_message_t *m)
{
	GString *s = g_string_new(NULL);
	notmuch_tags_t *tags = notmuch_message_get_tags(m);

	for (; notmuch_tags_valid(tags); notmuch_tags_move_to_next(tags))
		g_string_append_printf(s, "%s%s", s->len ? " " : "", notmuch_tags_get(tags));
	notmuch_tags_destroy(tags);
	return g_string_free(s, FALSE);
}

typedef struct get_ctx {
	GPtrArray *messages;
	ticket_info *info;
	guint ticket;
} get_ctx;

static void
collect_message(void *ud, notmuch_message_t *m)
{
	get_ctx *c = ud;
	ticket_message *tm = g_new0(ticket_message, 1);
	gboolean event = has_tag(m, "event");

	tm->path = g_strdup(notmuch_message_get_filename(m));
	tm->message_id = g_strdup(notmuch_message_get_message_id(m));
	tm->time = index_message_time(m);
	tm->tags = tags_of(m);
	tm->match = g_strdup(prop(m, "desk.match") ?: "");
	tm->event = event ? g_strdup(prop(m, "desk.event") ?: "") : NULL;
	tm->set = event ? index_get_text(m, "desk.set") : NULL;
	if (event && tm->set == NULL)
		tm->set = g_strdup("");
	tm->ticket = (guint)prop_num(m, "desk.ticket");
	g_ptr_array_add(c->messages, tm);
	if (c->info == NULL && tm->ticket == c->ticket && has_tag(m, "ticket"))
		c->info = ticket_info_of(m);
}

static gint
by_time(gconstpointer a, gconstpointer b)
{
	const ticket_message *x = *(ticket_message *const *)a, *y = *(ticket_message *const *)b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return strcmp(x->path, y->path);
}

desk_status
ticket_info_get(notmuch_database_t *db, guint t, ticket_info **info, desk_err *err)
{
	char q[80];
	GPtrArray *a = g_ptr_array_new();
	desk_status s;

	*info = NULL;
	snprintf(q, sizeof q, "tag:ticket and property:desk.ticket=%u", t);
	s = each_message(db, q, collect_info, a, err);
	if (s == DESK_OK && a->len == 0)
		s = desk_fail(err, DESK_NOTFOUND, "no ticket %u", t);
	if (s == DESK_OK)
		*info = a->pdata[0];
	for (guint i = s == DESK_OK ? 1 : 0; i < a->len; i++)
		ticket_info_free(a->pdata[i]);
	g_ptr_array_unref(a);
	return s;
}

/* The query for T's messages and those of the tickets merged into it. */
static char *
members_query(const ticket_info *info)
{
	GString *q = g_string_new(NULL);

	g_string_append_printf(q, "property:desk.ticket=%u", info->number);
	for (char **l = info->links; *l != NULL; l++)
		if (g_str_has_prefix(*l, "merged-from="))
			g_string_append_printf(q, " or property:desk.ticket=%u",
					       (guint)g_ascii_strtoull(*l + 12, NULL, 10));
	return g_string_free(q, FALSE);
}

desk_status
ticket_get(notmuch_database_t *db, guint t, ticket_info **info, GPtrArray **messages, desk_err *err)
{
	get_ctx c = { g_ptr_array_new_with_free_func((GDestroyNotify)ticket_message_free), NULL, t };
	ticket_info *head = NULL;
	desk_status s = ticket_info_get(db, t, &head, err);
	char *q = NULL;

	if (s == DESK_OK) {
		q = members_query(head);
		s = each_message(db, q, collect_message, &c, err);
	}
	g_ptr_array_sort(c.messages, by_time);
	ticket_info_free(c.info);
	g_free(q);
	if (s != DESK_OK) {
		ticket_info_free(head);
		g_ptr_array_unref(c.messages);
		*info = NULL;
		*messages = NULL;
		return s;
	}
	*info = head;
	*messages = c.messages;
	return DESK_OK;
}
