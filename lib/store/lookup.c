/* lookup.c: Message-ID, ticket and participant questions for threading. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "addr.h"
#include "index.h"
#include "lookup.h"

typedef struct pending {
	guint ticket;
	char *who;      /* "N\naddr" key in lk->who, or NULL */
	gint64 when;
} pending;

struct desk_lookup {
	GMutex mu;
	desk_store *st;
	notmuch_database_t *db;
	gboolean own_db;
	GHashTable *ids;   /* id -> pending */
	GHashTable *who;   /* "N\naddr" -> count (participants not yet indexed) */
	GHashTable *tickets; /* ticket -> count */
	struct stat seen;  /* of the Xapian version file at the last (re)open */
	guint reopens;     /* notmuch_database_reopen calls on this handle */
};

/* notmuch_database_reopen keeps about 140 bytes per call until the handle
 * is destroyed (libnotmuch 0.37): every REOPEN_FRESH-th time a new handle
 * is opened instead, so that a lookup that lives as long as the milter
 * stays bounded in memory. */
#define REOPEN_FRESH 1024

static void
pending_free(gpointer p)
{
	pending *e = p;

	g_free(e->who);
	g_free(e);
}

static desk_lookup *
lookup_alloc(desk_store *st)
{
	desk_lookup *lk = g_new0(desk_lookup, 1);

	g_mutex_init(&lk->mu);
	lk->st = st;
	lk->ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, pending_free);
	lk->who = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	lk->tickets = g_hash_table_new(g_direct_hash, g_direct_equal);
	return lk;
}

desk_lookup *
lookup_new(desk_store *st)
{
	desk_lookup *lk = lookup_alloc(st);

	lk->own_db = TRUE;
	return lk;
}

desk_lookup *
lookup_new_for_db(desk_store *st, notmuch_database_t *db)
{
	desk_lookup *lk = lookup_alloc(st);

	lk->db = db;
	return lk;
}

void
lookup_free(desk_lookup *lk)
{
	if (lk == NULL)
		return;
	if (lk->own_db && lk->db != NULL)
		notmuch_database_destroy(lk->db);
	g_hash_table_destroy(lk->ids);
	g_hash_table_destroy(lk->who);
	g_hash_table_destroy(lk->tickets);
	g_mutex_clear(&lk->mu);
	g_free(lk);
}

/* Whether another process committed to the index since we last looked:
 * Xapian replaces its version file on every commit (desk merge, desk split
 * and the other verbs write while the milter keeps its handle open). */
static gboolean
index_changed(desk_lookup *lk)
{
	char *path = g_build_filename(lk->st->maildir, ".notmuch", "xapian", "iamglass", NULL);
	struct stat now = { 0 };
	gboolean changed;

	if (stat(path, &now) != 0)
		memset(&now, 0, sizeof now);
	g_free(path);
	changed = now.st_ino != lk->seen.st_ino || now.st_mtim.tv_sec != lk->seen.st_mtim.tv_sec ||
		  now.st_mtim.tv_nsec != lk->seen.st_mtim.tv_nsec || now.st_size != lk->seen.st_size;
	lk->seen = now;
	return changed;
}

/* See the index as it is now (own handle, mutex held); say whether a
 * retry makes sense. The handle may be NULL afterwards: db() opens it. */
static gboolean
reopen(desk_lookup *lk)
{
	if (!lk->own_db || lk->db == NULL)
		return FALSE;
	if (++lk->reopens % REOPEN_FRESH != 0)
		return notmuch_database_reopen(lk->db, NOTMUCH_DATABASE_MODE_READ_ONLY) == NOTMUCH_STATUS_SUCCESS;
	notmuch_database_destroy(lk->db);
	return index_open(lk->st, FALSE, &lk->db, NULL) == DESK_OK;
}

/* The handle, opened if needed, reopened when the index changed (mutex
 * held). */
static desk_status
db(desk_lookup *lk, desk_err *err)
{
	gboolean changed = lk->own_db && index_changed(lk);

	if (lk->db != NULL && changed)
		reopen(lk);
	if (lk->db != NULL)
		return DESK_OK;
	return index_open(lk->st, FALSE, &lk->db, err);
}

/* Count KEY up or down in T; a string key is copied (insert frees the
 * copy when the key is already there). */
static void
count_add(GHashTable *t, gpointer key, gboolean str_key, int d)
{
	int n = GPOINTER_TO_INT(g_hash_table_lookup(t, key)) + d;

	if (n <= 0)
		g_hash_table_remove(t, key);
	else
		g_hash_table_insert(t, str_key ? g_strdup(key) : key, GINT_TO_POINTER(n));
}

static void
forget(desk_lookup *lk, const char *id)
{
	pending *e = g_hash_table_lookup(lk->ids, id);

	if (e == NULL)
		return;
	if (e->who != NULL)
		count_add(lk->who, e->who, TRUE, -1);
	count_add(lk->tickets, GUINT_TO_POINTER(e->ticket), FALSE, -1);
	g_hash_table_remove(lk->ids, id);
}

/* Drop decisions older than the TTL (mutex held). */
static void
expire(desk_lookup *lk)
{
	gint64 old = g_get_monotonic_time() - (gint64)lk->st->cfg->pending_ttl * G_USEC_PER_SEC;
	GHashTableIter it;
	gpointer k, v;
	GPtrArray *gone = g_ptr_array_new_with_free_func(g_free);

	g_hash_table_iter_init(&it, lk->ids);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (((pending *)v)->when < old)
			g_ptr_array_add(gone, g_strdup(k));
	for (guint i = 0; i < gone->len; i++)
		forget(lk, gone->pdata[i]);
	g_ptr_array_unref(gone);
}

void
lookup_remember(desk_lookup *lk, const char *id, guint ticket, const char *from)
{
	pending *e;

	if (id == NULL)
		return;
	g_mutex_lock(&lk->mu);
	forget(lk, id);
	if (g_hash_table_size(lk->ids) % 1024 == 1023)
		expire(lk);
	e = g_new0(pending, 1);
	e->ticket = ticket;
	e->when = g_get_monotonic_time();
	if (from != NULL && *from != '\0') {
		char *canon = addr_canonical(from);

		e->who = g_strdup_printf("%u\n%s", ticket, canon);
		count_add(lk->who, e->who, TRUE, 1);
		g_free(canon);
	}
	count_add(lk->tickets, GUINT_TO_POINTER(ticket), FALSE, 1);
	g_hash_table_insert(lk->ids, g_strdup(id), e);
	g_mutex_unlock(&lk->mu);
}

void
lookup_indexed(desk_lookup *lk, GPtrArray *ids)
{
	g_mutex_lock(&lk->mu);
	reopen(lk);
	for (guint i = 0; ids != NULL && i < ids->len; i++)
		forget(lk, ids->pdata[i]);
	g_mutex_unlock(&lk->mu);
}

guint
lookup_pending_count(desk_lookup *lk)
{
	guint n;

	g_mutex_lock(&lk->mu);
	n = g_hash_table_size(lk->ids);
	g_mutex_unlock(&lk->mu);
	return n;
}

static desk_status
xapian_error(desk_err *err, const char *what, notmuch_status_t ns)
{
	return desk_fail(err, DESK_TEMPFAIL, "index: %s: %s", what, notmuch_status_to_string(ns));
}

static desk_status
find_msgid(desk_lookup *lk, const char *id, guint *ticket, desk_err *err)
{
	notmuch_message_t *m = NULL;
	notmuch_status_t ns;
	const char *v = NULL;

	ns = notmuch_database_find_message(lk->db, id, &m);
	if (ns != NOTMUCH_STATUS_SUCCESS && reopen(lk))
		ns = notmuch_database_find_message(lk->db, id, &m);
	if (ns != NOTMUCH_STATUS_SUCCESS)
		return xapian_error(err, "find message", ns);
	if (m != NULL && notmuch_message_get_property(m, "desk.ticket", &v) == NOTMUCH_STATUS_SUCCESS && v != NULL)
		*ticket = (guint)g_ascii_strtoull(v, NULL, 10);
	if (m != NULL)
		notmuch_message_destroy(m);
	return DESK_OK;
}

desk_status
lookup_msgid(desk_lookup *lk, const char *id, guint *ticket, desk_err *err)
{
	pending *e;
	desk_status s = DESK_OK;

	*ticket = 0;
	g_mutex_lock(&lk->mu);
	e = g_hash_table_lookup(lk->ids, id);
	if (e != NULL)
		*ticket = e->ticket;
	else if ((s = db(lk, err)) == DESK_OK)
		s = find_msgid(lk, id, ticket, err);
	g_mutex_unlock(&lk->mu);
	return s;
}

/* *n = how many messages match QUERY (mutex held). */
static desk_status
count(desk_lookup *lk, const char *query, guint *n, desk_err *err)
{
	notmuch_status_t ns = NOTMUCH_STATUS_SUCCESS;

	for (int attempt = 0; attempt < 2; attempt++) {
		notmuch_query_t *q = notmuch_query_create(lk->db, query);

		if (q == NULL)
			return desk_fail(err, DESK_SOFTWARE, "index: out of memory");
		ns = notmuch_query_count_messages(q, n);
		notmuch_query_destroy(q);
		if (ns == NOTMUCH_STATUS_SUCCESS)
			return DESK_OK;
		if (!reopen(lk))
			break;
	}
	return xapian_error(err, "count", ns);
}

desk_status
lookup_ticket_exists(desk_lookup *lk, guint ticket, gboolean *yes, desk_err *err)
{
	char q[64];
	guint n = 0;
	desk_status s = DESK_OK;

	g_mutex_lock(&lk->mu);
	*yes = g_hash_table_contains(lk->tickets, GUINT_TO_POINTER(ticket));
	if (!*yes && (s = db(lk, err)) == DESK_OK) {
		snprintf(q, sizeof q, "property:desk.ticket=%u", ticket);
		s = count(lk, q, &n, err);
		*yes = n > 0;
	}
	g_mutex_unlock(&lk->mu);
	return s;
}

/* The desk.status of the first message matching QUERY, or "" (mutex held). */
static desk_status
root_status(desk_lookup *lk, const char *query, char **status, desk_err *err)
{
	notmuch_status_t ns = NOTMUCH_STATUS_SUCCESS;

	for (int attempt = 0; attempt < 2; attempt++) {
		notmuch_query_t *q = notmuch_query_create(lk->db, query);
		notmuch_messages_t *ms = NULL;

		if (q == NULL)
			return desk_fail(err, DESK_SOFTWARE, "index: out of memory");
		ns = notmuch_query_search_messages(q, &ms);
		if (ns == NOTMUCH_STATUS_SUCCESS && notmuch_messages_valid(ms)) {
			notmuch_message_t *m = notmuch_messages_get(ms);
			const char *v = NULL;

			if (notmuch_message_get_property(m, "desk.status", &v) == NOTMUCH_STATUS_SUCCESS && v != NULL)
				*status = g_strdup(v);
			notmuch_message_destroy(m);
		}
		notmuch_query_destroy(q);
		if (ns == NOTMUCH_STATUS_SUCCESS)
			return DESK_OK;
		if (!reopen(lk))
			break;
	}
	return xapian_error(err, "search", ns);
}

desk_status
lookup_ticket_status(desk_lookup *lk, guint ticket, char **status, desk_err *err)
{
	char q[80];
	desk_status s;

	*status = NULL;
	snprintf(q, sizeof q, "tag:ticket and property:desk.ticket=%u", ticket);
	g_mutex_lock(&lk->mu);
	/* the status changes by other processes (desk autoclose): see the latest */
	if (lk->db != NULL)
		reopen(lk);
	if ((s = db(lk, err)) == DESK_OK)
		s = root_status(lk, q, status, err);
	g_mutex_unlock(&lk->mu);
	if (*status == NULL)
		*status = g_strdup("");
	return s;
}

/* Whether ADDR is one of the values of KEY on M (addr_same). */
static gboolean
has_address(notmuch_message_t *m, const char *key, const char *addr)
{
	notmuch_message_properties_t *ps = notmuch_message_get_properties(m, key, TRUE);
	gboolean yes = FALSE;

	for (; !yes && ps != NULL && notmuch_message_properties_valid(ps); notmuch_message_properties_move_to_next(ps)) {
		const char *v = notmuch_message_properties_value(ps);

		/* a +/- of desk.cc is never stored: they are addresses */
		yes = addr_same(v, addr);
	}
	notmuch_message_properties_destroy(ps);
	return yes;
}

/* Call FN(M, UD) on the root of ticket T (the message tagged ticket),
 * if it has one; once more after reopening when Xapian says the handle
 * is old. Mutex held. */
static desk_status
on_root(desk_lookup *lk, guint t, void (*fn)(notmuch_message_t *, void *), void *ud, const char *what,
	desk_err *err)
{
	char q[80];
	notmuch_status_t ns = NOTMUCH_STATUS_SUCCESS;

	snprintf(q, sizeof q, "tag:ticket and property:desk.ticket=%u", t);
	for (int attempt = 0; attempt < 2; attempt++) {
		notmuch_query_t *nq = notmuch_query_create(lk->db, q);
		notmuch_messages_t *ms = NULL;

		if (nq == NULL)
			return desk_fail(err, DESK_SOFTWARE, "index: out of memory");
		ns = notmuch_query_search_messages(nq, &ms);
		if (ns == NOTMUCH_STATUS_SUCCESS && notmuch_messages_valid(ms)) {
			notmuch_message_t *m = notmuch_messages_get(ms);

			fn(m, ud);
			notmuch_message_destroy(m);
		}
		notmuch_query_destroy(nq);
		if (ns == NOTMUCH_STATUS_SUCCESS)
			return DESK_OK;
		if (!reopen(lk))
			break;
	}
	return xapian_error(err, what, ns);
}

typedef struct participant_q {
	const char *addr;
	gboolean yes;
} participant_q;

/* Whether the address is a participant as ticket root M says: the
 * requester, a Cc an agent added, or a sender whose mail came by a valid
 * token (lib/store/ticket.c). */
static void
root_participant(notmuch_message_t *m, void *ud)
{
	participant_q *pq = ud;
	char *req = index_get_text(m, "desk.requester");

	pq->yes = addr_same(req, pq->addr) || has_address(m, "desk.cc", pq->addr) ||
		  has_address(m, "desk.joined", pq->addr);
	g_free(req);
}

desk_status
lookup_participant(desk_lookup *lk, guint ticket, const char *addr, gboolean *yes, desk_err *err)
{
	char *canon, *key;
	desk_status s = DESK_OK;

	*yes = FALSE;
	if (addr == NULL || *addr == '\0')
		return DESK_OK;
	canon = addr_canonical(addr);
	key = g_strdup_printf("%u\n%s", ticket, canon);
	g_mutex_lock(&lk->mu);
	*yes = g_hash_table_contains(lk->who, key);
	if (!*yes && (s = db(lk, err)) == DESK_OK) {
		participant_q pq = { addr, FALSE };

		s = on_root(lk, ticket, root_participant, &pq, "participant", err);
		*yes = pq.yes;
	}
	g_mutex_unlock(&lk->mu);
	g_free(key);
	g_free(canon);
	return s;
}

/* desk.merged_into of ticket root M into *(guint *)UD. */
static void
root_merged_into(notmuch_message_t *m, void *ud)
{
	const char *v = NULL;

	if (notmuch_message_get_property(m, "desk.merged_into", &v) == NOTMUCH_STATUS_SUCCESS && v != NULL)
		*(guint *)ud = (guint)g_ascii_strtoull(v, NULL, 10);
}

/* desk.merged_into of ticket T's root, 0 if none (mutex held). */
static desk_status
merged_into(desk_lookup *lk, guint t, guint *into, desk_err *err)
{
	*into = 0;
	return on_root(lk, t, root_merged_into, into, "merged into", err);
}

desk_status
lookup_ticket_merged_into(desk_lookup *lk, guint ticket, guint *into, desk_err *err)
{
	desk_status s;

	*into = ticket;
	g_mutex_lock(&lk->mu);
	s = db(lk, err);
	for (int hops = 0; s == DESK_OK && hops < 10; hops++) {
		guint next = 0;

		if ((s = merged_into(lk, *into, &next, err)) != DESK_OK || next == 0 || next == ticket)
			break;
		*into = next;
	}
	g_mutex_unlock(&lk->mu);
	return s;
}
