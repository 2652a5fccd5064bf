/* ticket.c: fold messages into ticket state; list and read tickets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gmime/gmime.h>

#include "index.h"
#include "ticket.h"

static const char *const statuses[] = { "new", "open", "pending", "on-hold", "solved", "closed", NULL };
static const char *const open_statuses = "new,open,pending,on-hold";

typedef struct fold {
	guint ticket;
	char *root_id;
	gboolean root_is_new;
	gint64 root_time, created, updated;
	char *status, *owner, *queue, *priority;
	guint count;
	GPtrArray *tagged;       /* ids carrying the ticket tag */
} fold;

static fold *
fold_new(guint t)
{
	fold *f = g_new0(fold, 1);

	f->ticket = t;
	f->tagged = g_ptr_array_new_with_free_func(g_free);
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
	g_ptr_array_unref(f->tagged);
	g_free(f);
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
replace(char **field, const char *value)
{
	g_free(*field);
	*field = g_strdup(value);
}

/* An event's "key=value": the state it sets. */
static void
fold_event(fold *f, const char *set)
{
	const char *eq = set != NULL ? strchr(set, '=') : NULL;
	char *key;

	if (eq == NULL)
		return;
	key = g_strndup(set, eq - set);
	if (strcmp(key, "status") == 0 && ticket_status_valid(eq + 1))
		replace(&f->status, eq + 1);
	else if (strcmp(key, "owner") == 0)
		replace(&f->owner, eq + 1);
	else if (strcmp(key, "queue") == 0)
		replace(&f->queue, eq + 1);
	else if (strcmp(key, "priority") == 0)
		replace(&f->priority, eq + 1);
	g_free(key);
}

static void
fold_message(fold *f, notmuch_message_t *m)
{
	gint64 t = index_message_time(m);
	const char *match = prop(m, "desk.match");
	gboolean is_new = match != NULL && strcmp(match, "new") == 0;

	if (has_tag(m, "ticket"))
		g_ptr_array_add(f->tagged, g_strdup(notmuch_message_get_message_id(m)));
	if (has_tag(m, "held")) {
		f->count += !has_tag(m, "event");
		return;
	}
	f->updated = MAX(f->updated, t);
	if (has_tag(m, "event")) {
		fold_event(f, prop(m, "desk.set"));
		return;
	}
	f->count++;
	if (f->root_id == NULL || (is_new && !f->root_is_new) ||
	    (is_new == f->root_is_new && t < f->root_time)) {
		replace(&f->root_id, notmuch_message_get_message_id(m));
		f->root_is_new = is_new;
		f->root_time = t;
		if (f->queue == NULL)
			f->queue = g_strdup(prop(m, "desk.queue"));
	}
	if (f->created == 0 || t < f->created)
		f->created = t;
}

/* The lower-case address of the first mailbox in a From header. */
static char *
first_address(const char *from)
{
	InternetAddressList *l = from != NULL ? internet_address_list_parse(NULL, from) : NULL;
	char *addr = NULL;

	for (int i = 0; l != NULL && addr == NULL && i < internet_address_list_length(l); i++) {
		InternetAddress *a = internet_address_list_get_address(l, i);

		if (INTERNET_ADDRESS_IS_MAILBOX(a))
			addr = g_ascii_strdown(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a)), -1);
	}
	if (l != NULL)
		g_object_unref(l);
	return addr != NULL ? addr : g_strdup("");
}

static void
set_num(notmuch_message_t *m, const char *key, gint64 v)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%" G_GINT64_FORMAT, v);
	index_set_prop(m, key, buf);
}

/* Write F's result on its root; take the tag off other messages. */
static desk_status
fold_store(notmuch_database_t *db, fold *f, desk_err *err)
{
	notmuch_message_t *m = NULL;
	char *req;

	for (guint i = 0; i < f->tagged->len; i++) {
		if (f->root_id != NULL && strcmp(f->tagged->pdata[i], f->root_id) == 0)
			continue;
		if (notmuch_database_find_message(db, f->tagged->pdata[i], &m) == NOTMUCH_STATUS_SUCCESS && m) {
			notmuch_message_remove_tag(m, "ticket");
			notmuch_message_destroy(m);
		}
	}
	if (f->root_id == NULL)
		return DESK_OK;
	if (notmuch_database_find_message(db, f->root_id, &m) != NOTMUCH_STATUS_SUCCESS || m == NULL)
		return desk_fail(err, DESK_TEMPFAIL, "index: ticket %u: root message vanished", f->ticket);
	req = first_address(notmuch_message_get_header(m, "from"));
	notmuch_message_freeze(m);
	notmuch_message_add_tag(m, "ticket");
	index_set_prop(m, "desk.status", f->status != NULL ? f->status : "new");
	index_set_prop(m, "desk.owner", f->owner);
	index_set_prop(m, "desk.tqueue", f->queue);
	index_set_prop(m, "desk.priority", f->priority != NULL ? f->priority : "normal");
	index_set_prop(m, "desk.requester", req);
	set_num(m, "desk.count", f->count);
	set_num(m, "desk.created", f->created);
	set_num(m, "desk.updated", f->updated);
	notmuch_message_thaw(m);
	notmuch_message_destroy(m);
	g_free(req);
	return DESK_OK;
}

/* Run QUERY (oldest first), calling FN on each message. */
static desk_status
each_message(notmuch_database_t *db, const char *query, void (*fn)(void *, notmuch_message_t *),
	     void *ud, desk_err *err)
{
	notmuch_query_t *q = notmuch_query_create(db, query);
	notmuch_messages_t *ms = NULL;
	notmuch_status_t ns;

	if (q == NULL)
		return desk_fail(err, DESK_SOFTWARE, "index: out of memory");
	notmuch_query_set_sort(q, NOTMUCH_SORT_OLDEST_FIRST);
	ns = notmuch_query_search_messages(q, &ms);
	if (ns != NOTMUCH_STATUS_SUCCESS) {
		notmuch_query_destroy(q);
		return desk_fail(err, DESK_TEMPFAIL, "index: search %s: %s", query, notmuch_status_to_string(ns));
	}
	for (; notmuch_messages_valid(ms); notmuch_messages_move_to_next(ms)) {
		notmuch_message_t *m = notmuch_messages_get(ms);

		fn(ud, m);
		notmuch_message_destroy(m);
	}
	notmuch_query_destroy(q);
	return DESK_OK;
}

static void
fold_one(void *ud, notmuch_message_t *m)
{
	fold_message(ud, m);
}

desk_status
ticket_recompute(notmuch_database_t *db, guint t, desk_err *err)
{
	char q[64];
	fold *f = fold_new(t);
	desk_status s;

	snprintf(q, sizeof q, "property:desk.ticket=%u", t);
	s = each_message(db, q, fold_one, f, err);
	if (s == DESK_OK)
		s = fold_store(db, f, err);
	fold_free(f);
	return s;
}

typedef struct all_ctx {
	GHashTable *folds;
	guint max;
} all_ctx;

static void
fold_any(void *ud, notmuch_message_t *m)
{
	all_ctx *c = ud;
	const char *v = prop(m, "desk.ticket");
	guint t = v != NULL ? (guint)g_ascii_strtoull(v, NULL, 10) : 0;
	fold *f;

	if (t == 0)
		return;
	f = g_hash_table_lookup(c->folds, GUINT_TO_POINTER(t));
	if (f == NULL) {
		f = fold_new(t);
		g_hash_table_insert(c->folds, GUINT_TO_POINTER(t), f);
	}
	c->max = MAX(c->max, t);
	fold_message(f, m);
}

desk_status
ticket_recompute_all(notmuch_database_t *db, guint *max, desk_err *err)
{
	all_ctx c = { g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, fold_free), 0 };
	desk_status s = each_message(db, "*", fold_any, &c, err);
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, c.folds);
	while (s == DESK_OK && g_hash_table_iter_next(&it, NULL, &v))
		s = fold_store(db, v, err);
	*max = c.max;
	g_hash_table_destroy(c.folds);
	return s;
}

gboolean
ticket_status_valid(const char *status)
{
	for (const char *const *s = statuses; *s != NULL; s++)
		if (strcmp(*s, status) == 0)
			return TRUE;
	return FALSE;
}

void
ticket_info_free(ticket_info *t)
{
	if (t == NULL)
		return;
	g_free(t->subject);
	g_free(t->status);
	g_free(t->requester);
	g_free(t->owner);
	g_free(t->queue);
	g_free(t->priority);
	g_free(t);
}

void
ticket_message_free(ticket_message *m)
{
	g_free(m->path);
	g_free(m->message_id);
	g_free(m->tags);
	g_free(m->match);
	g_free(m);
}

static gint64
prop_num(notmuch_message_t *m, const char *key)
{
	const char *v = prop(m, key);

	return v != NULL ? g_ascii_strtoll(v, NULL, 10) : 0;
}

static ticket_info *
info_of(notmuch_message_t *m)
{
	ticket_info *t = g_new0(ticket_info, 1);
	const char *subj = notmuch_message_get_header(m, "subject");

	t->number = (guint)prop_num(m, "desk.ticket");
	t->subject = g_strdup(subj != NULL ? subj : "");
	t->status = g_strdup(prop(m, "desk.status") ?: "new");
	t->requester = g_strdup(prop(m, "desk.requester") ?: "");
	t->owner = g_strdup(prop(m, "desk.owner") ?: "");
	t->queue = g_strdup(prop(m, "desk.tqueue") ?: "");
	t->priority = g_strdup(prop(m, "desk.priority") ?: "normal");
	t->messages = (guint)prop_num(m, "desk.count");
	t->created = prop_num(m, "desk.created");
	t->updated = prop_num(m, "desk.updated");
	return t;
}

static void
collect_info(void *ud, notmuch_message_t *m)
{
	g_ptr_array_add(ud, info_of(m));
}

static gint
by_updated(gconstpointer a, gconstpointer b)
{
	const ticket_info *x = *(ticket_info *const *)a, *y = *(ticket_info *const *)b;

	if (x->updated != y->updated)
		return x->updated > y->updated ? -1 : 1;
	return x->number > y->number ? -1 : x->number < y->number;
}

/* The query for a comma-separated status list; NULL if one is unknown. */
static char *
status_query(const char *list)
{
	char **items = g_strsplit(list, ",", -1);
	GString *q = g_string_new("tag:ticket");
	gboolean ok = TRUE;

	if (strcmp(list, "any") != 0) {
		g_string_append(q, " and (");
		for (char **i = items; *i != NULL; i++) {
			char *s = g_strstrip(*i);

			ok = ok && ticket_status_valid(s);
			g_string_append_printf(q, "%sproperty:desk.status=%s", i == items ? "" : " or ", s);
		}
		g_string_append(q, ")");
	}
	g_strfreev(items);
	if (!ok) {
		g_string_free(q, TRUE);
		return NULL;
	}
	return g_string_free(q, FALSE);
}

desk_status
ticket_list(notmuch_database_t *db, const char *list, GPtrArray **out, desk_err *err)
{
	char *q = status_query(list != NULL ? list : open_statuses);
	desk_status s;

	*out = g_ptr_array_new_with_free_func((GDestroyNotify)ticket_info_free);
	if (q == NULL)
		return desk_fail(err, DESK_USAGE, "unknown status in '%s' (new, open, pending, on-hold, solved, closed, any)",
				 list);
	s = each_message(db, q, collect_info, *out, err);
	g_ptr_array_sort(*out, by_updated);
	g_free(q);
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
} get_ctx;

static void
collect_message(void *ud, notmuch_message_t *m)
{
	get_ctx *c = ud;
	ticket_message *tm = g_new0(ticket_message, 1);

	tm->path = g_strdup(notmuch_message_get_filename(m));
	tm->message_id = g_strdup(notmuch_message_get_message_id(m));
	tm->time = index_message_time(m);
	tm->tags = tags_of(m);
	tm->match = g_strdup(prop(m, "desk.match") ?: "");
	g_ptr_array_add(c->messages, tm);
	if (c->info == NULL && has_tag(m, "ticket"))
		c->info = info_of(m);
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
ticket_get(notmuch_database_t *db, guint t, ticket_info **info, GPtrArray **messages, desk_err *err)
{
	char q[64];
	get_ctx c = { g_ptr_array_new_with_free_func((GDestroyNotify)ticket_message_free), NULL };
	desk_status s;

	snprintf(q, sizeof q, "property:desk.ticket=%u", t);
	s = each_message(db, q, collect_message, &c, err);
	if (s == DESK_OK && c.info == NULL)
		s = desk_fail(err, DESK_NOTFOUND, "no ticket %u", t);
	g_ptr_array_sort(c.messages, by_time);
	if (s != DESK_OK) {
		ticket_info_free(c.info);
		g_ptr_array_unref(c.messages);
		*info = NULL;
		*messages = NULL;
		return s;
	}
	*info = c.info;
	*messages = c.messages;
	return DESK_OK;
}
