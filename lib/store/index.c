/* index.c: mail/new -> notmuch -> mail/cur, in short locked batches; and
 * the rebuild of the whole index from the Maildir. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <gmime/gmime.h>

#include "evtype.h"
#include "index.h"
#include "rules.h"
#include "tickettab.h"
#include "triagetab.h"
#include "log.h"
#include "purge.h"
#include "scan.h"
#include "owed.h"
#include "split.h"
#include "thread.h"
#include "ticket.h"
#include "token.h"
#include "xset.h"

typedef struct batch {
	desk_store *st;
	notmuch_database_t *db;
	desk_lookup *lk;        /* lookups through db */
	desk_blocklist *bl;     /* desk spam --block */
	GPtrArray *unlink;      /* files of new/ to remove after the commit */
	GHashTable *touched;    /* tickets */
	index_result *res;
	gboolean rebuild;       /* no follow-up for old mail */
	guint owed;             /* names added to STORE/followup (lib/store/owed.h) */
	int tombs;              /* whether the index has tombstones: -1 not asked yet */
} batch;

static gboolean
xapian_locked(desk_store *st)
{
	char *path = g_build_filename(st->maildir, ".notmuch", "xapian", "flintlock", NULL);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	gboolean locked = FALSE;

	g_free(path);
	if (fd < 0)
		return FALSE;
#ifdef F_OFD_GETLK
	if (fcntl(fd, F_OFD_GETLK, &fl) == 0)
		locked = fl.l_type != F_UNLCK;
#else
	if (fcntl(fd, F_GETLK, &fl) == 0)
		locked = fl.l_type != F_UNLCK;
#endif
	close(fd);
	return locked;
}

desk_status
index_open(desk_store *st, gboolean write, notmuch_database_t **db, desk_err *err)
{
	char *msg = NULL;
	notmuch_status_t ns;

	*db = NULL;
	if (write && xapian_locked(st))
		return desk_fail(err, DESK_BUSY, "store busy: another process holds the notmuch database %s/.notmuch",
				 st->maildir);
	ns = notmuch_database_open_with_config(st->maildir,
					       write ? NOTMUCH_DATABASE_MODE_READ_WRITE : NOTMUCH_DATABASE_MODE_READ_ONLY,
					       "", NULL, db, &msg);
	if (ns != NOTMUCH_STATUS_SUCCESS) {
		desk_fail(err, DESK_TEMPFAIL, "cannot open the index %s/.notmuch: %s", st->maildir,
			  msg != NULL ? g_strchomp(msg) : notmuch_status_to_string(ns));
		free(msg);
		return DESK_TEMPFAIL;
	}
	free(msg);
	return DESK_OK;
}

/* Group access for the index as for the rest of the store: libnotmuch
 * and Xapian make directories 0755, which the umask turns into 0750. */
static int
share_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)ftw;
	if (flag == FTW_D || flag == FTW_DP)
		chmod(path, 02770);
	else if (S_ISREG(sb->st_mode))
		chmod(path, 0660);
	return 0;
}

desk_status
index_create(desk_store *st, desk_err *err)
{
	notmuch_database_t *db = NULL;
	char *msg = NULL, *nm;
	notmuch_status_t ns = notmuch_database_create_with_config(st->maildir, "", NULL, &db, &msg);

	if (ns != NOTMUCH_STATUS_SUCCESS) {
		desk_fail(err, DESK_TEMPFAIL, "cannot create the index in %s: %s", st->maildir,
			  msg != NULL ? g_strchomp(msg) : notmuch_status_to_string(ns));
		free(msg);
		return DESK_TEMPFAIL;
	}
	free(msg);
	notmuch_database_destroy(db);
	nm = g_build_filename(st->maildir, ".notmuch", NULL);
	nftw(nm, share_one, 16, FTW_PHYS);
	g_free(nm);
	return DESK_OK;
}

char *
index_derived_id(const char *hash)
{
	return g_strdup_printf("%.32s@derived.maildesk.invalid", hash);
}

gint64
index_file_time(const char *filename)
{
	const char *base = strrchr(filename, '/');

	return g_ascii_strtoll(base != NULL ? base + 1 : filename, NULL, 10);
}

gint64
index_message_time(notmuch_message_t *m)
{
	gint64 d = notmuch_message_get_date(m);
	const char *fn = notmuch_message_get_filename(m);
	gint64 f = fn != NULL ? index_file_time(fn) : 0;

	if (f > 0 && (d <= 0 || d > f))
		return f;
	return d;
}

void
index_result_clear(index_result *r)
{
	if (r->ids != NULL)
		g_ptr_array_unref(r->ids);
	memset(r, 0, sizeof *r);
}

void
index_set_prop(notmuch_message_t *m, const char *key, const char *value)
{
	char buf[201];

	g_strlcpy(buf, value != NULL ? value : "", sizeof buf);
	notmuch_message_remove_all_properties(m, key);
	notmuch_message_add_property(m, key, buf);
}

#define TEXT_PIECE 180

void
index_set_text(notmuch_message_t *m, const char *key, const char *value)
{
	size_t n = value != NULL ? strlen(value) : 0;

	notmuch_message_remove_all_properties(m, key);
	if (n <= TEXT_PIECE && (n == 0 || !g_ascii_isdigit(*value))) {
		notmuch_message_add_property(m, key, value != NULL ? value : "");
		return;
	}
	for (size_t off = 0, i = 0; off < n && i < 100; off += TEXT_PIECE, i++) {
		char *piece = g_strdup_printf("%02zu:%.*s", i, TEXT_PIECE, value + off);

		notmuch_message_add_property(m, key, piece);
		g_free(piece);
	}
}

static gint
by_piece(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char *
index_get_text(notmuch_message_t *m, const char *key)
{
	notmuch_message_properties_t *ps = notmuch_message_get_properties(m, key, TRUE);
	GPtrArray *pieces = g_ptr_array_new();
	GString *out;

	for (; ps != NULL && notmuch_message_properties_valid(ps); notmuch_message_properties_move_to_next(ps))
		g_ptr_array_add(pieces, (gpointer)notmuch_message_properties_value(ps));
	if (pieces->len == 0) {
		notmuch_message_properties_destroy(ps);
		g_ptr_array_unref(pieces);
		return NULL;
	}
	out = g_string_new(NULL);
	if (pieces->len == 1 && !g_ascii_isdigit(*(const char *)pieces->pdata[0])) {
		g_string_append(out, pieces->pdata[0]);
	} else {
		g_ptr_array_sort(pieces, by_piece);
		for (guint i = 0; i < pieces->len; i++) {
			const char *p = strchr(pieces->pdata[i], ':');

			g_string_append(out, p != NULL ? p + 1 : "");
		}
	}
	notmuch_message_properties_destroy(ps);
	g_ptr_array_unref(pieces);
	return g_string_free(out, FALSE);
}

/* Whether a message is kept out of its ticket's state (tag "held"). */
static gboolean
is_held(const msg_facts *f)
{
	return strstr(f->x_match, "held") != NULL ||
	       (f->x_reused != NULL && g_str_has_prefix(f->x_match, "duplicate"));
}

/* Whether a message of ours with facts F needs a follow-up: an event that
 * gives its ticket to an agent (lib/desk/notify.c may mail them). */
static gboolean
ours_followed_up(const msg_facts *f)
{
	char *owner;
	gboolean yes;

	if (f->x_event == NULL || f->x_set == NULL || !evtype_allows(f->x_event, "owner"))
		return FALSE;
	owner = xset_lookup(f->x_set, "owner");
	yes = owner != NULL && *owner != '\0';
	g_free(owner);
	return yes;
}

/* Whether event hooks are installed for a message of ours with facts F:
 * STORE/hooks/NAME.d exists (lib/desk/hooks.h runs them from the follow-up). */
static gboolean
ours_hooked(const desk_store *st, const msg_facts *f)
{
	char *d;
	gboolean yes;

	if (f->x_event == NULL)
		return FALSE;
	d = g_strdup_printf("%s/hooks/%s.d", st->dir, evtype_hook_name(f->x_event, f->x_match));
	yes = strchr(f->x_event, '/') == NULL && g_file_test(d, G_FILE_TEST_IS_DIR);
	g_free(d);
	return yes;
}

/* Whether the fresh message of SC is owed a follow-up (lib/desk/followup.h):
 * mail of others, events of ours that give a ticket to an agent, and
 * events of ours that hooks wait for; never in a rebuild or an import of
 * old mail. */
static gboolean
followup_owed(const batch *b, const scanned *sc)
{
	const msg_facts *f = sc->facts;

	return !b->rebuild && !b->st->no_followup &&
	       (!g_str_has_prefix(f->x_match, "ours") || ours_followed_up(f) || ours_hooked(b->st, f));
}

/* The desk address (as configured) that ADDR names: any case, with or
 * without a +extension, bare or in <...>; NULL if none. */
static const char *
desk_address_named(const desk_config *cfg, const char *addr)
{
	const char *lt = strrchr(addr, '<'), *start = lt != NULL ? lt + 1 : addr, *end, *at, *plus;
	size_t local;

	while (*start == ' ' || *start == '\t')
		start++;
	end = lt != NULL && strchr(start, '>') != NULL ? strchr(start, '>') : start + strcspn(start, " \t");
	at = memchr(start, '@', (size_t)(end - start));
	if (at == NULL)
		return NULL;
	plus = memchr(start, '+', (size_t)(at - start));
	local = (size_t)((plus != NULL ? plus : at) - start);
	for (guint i = 0; i < cfg->addresses->len; i++) {
		const char *a = ((const desk_address *)cfg->addresses->pdata[i])->address, *aat = strchr(a, '@');

		if ((size_t)(aat - a) == local && g_ascii_strncasecmp(a, start, local) == 0 &&
		    strlen(aat) == (size_t)(end - at) && g_ascii_strncasecmp(aat, at, (size_t)(end - at)) == 0)
			return a;
	}
	return NULL;
}

/* The desk address F was sent to, as desk report counts it (its volume by
 * recipient): X-Original-To when it names a desk address, else the first
 * desk address among To and Cc; the configured address (lower case, no
 * +extension), so that mail cannot make up a key; NULL when none. */
static const char *
desk_rcpt_of(const desk_config *cfg, const msg_facts *f)
{
	const char *a = f->x_original_to != NULL ? desk_address_named(cfg, f->x_original_to) : NULL;

	for (guint i = 0; a == NULL && i < f->recipients->len; i++)
		a = desk_address_named(cfg, f->recipients->pdata[i]);
	return a != NULL && strlen(a) <= 200 ? a : NULL;   /* a notmuch property stays short */
}

/* Tags and properties of a freshly indexed message, from our headers. */
static void
annotate(const desk_config *cfg, notmuch_message_t *m, const scanned *sc, guint ticket)
{
	const msg_facts *f = sc->facts;
	char num[16];
	gboolean held = is_held(f);
	const char *rcpt = desk_rcpt_of(cfg, f);

	snprintf(num, sizeof num, "%u", ticket);
	notmuch_message_freeze(m);
	index_set_prop(m, "desk.ticket", num);
	index_set_prop(m, "desk.match", f->x_match);
	index_set_prop(m, "desk.queue", f->x_queue);
	index_set_prop(m, "desk.hash", sc->hash);
	if (rcpt != NULL)
		index_set_prop(m, "desk.rcpt", rcpt);
	/* the sender as parsed from the raw From (lib/mail/addr.h), never again
	 * from notmuch's decoded one */
	index_set_text(m, "desk.from", f->from != NULL ? f->from : "");
	index_set_text(m, "desk.name", f->from_name != NULL ? f->from_name : "");
	if (f->x_event != NULL) {
		index_set_prop(m, "desk.event", f->x_event);
		notmuch_message_add_tag(m, "event");
		if (ticket_event_is_change(f->x_event))
			notmuch_message_add_tag(m, "change");  /* mail readers can leave these out */
	}
	if (f->x_event != NULL && f->x_set != NULL)
		index_set_text(m, "desk.set", f->x_set);
	if (held)
		notmuch_message_add_tag(m, "held");
	if (f->x_reused != NULL)
		notmuch_message_add_tag(m, "reused");
	if (f->is_auto)
		notmuch_message_add_tag(m, "auto");
	if (f->is_bulk)
		notmuch_message_add_tag(m, "bulk");
	if (f->is_bounce)
		notmuch_message_add_tag(m, "bounce");
	if (g_str_has_prefix(f->x_match, "ours"))
		notmuch_message_add_tag(m, "ours");
	notmuch_message_thaw(m);
}

/* Events that reach beyond their own message: a split gives messages to
 * another ticket (lib/store/split.c; a rebuild replays them all at its end), a
 * purge leaves tombstones (lib/store/purge.c). */
static void
index_special_event(batch *b, notmuch_message_t *m, const char *path, const scanned *sc, guint ticket)
{
	const char *ev = sc->facts->x_event;

	if (ev == NULL || sc->facts->x_set == NULL)
		return;
	if (strcmp(ev, "purge") == 0) {
		purge_indexed(m, path, sc->facts->x_set);
		b->tombs = 1;
	}
	else if (strcmp(ev, "split") == 0 && !b->rebuild)
		split_apply(b->db, path, ticket, sc->facts->x_set, b->touched);
}

static void rebuild_item(const scanned *sc, guint ticket, const char *path, ticket_item *it);
static void rebuild_item_clear(ticket_item *it);

/* The first message of a new ticket (TICKET has none in the index yet):
 * its ticket's state, folded from the scan alone as a rebuild does (see
 * ticket.h), to be written with the message in one write of the document
 * instead of a ticket_recompute that reads it back and writes it again.
 * NULL when the ticket has messages already (or may: a recompute then);
 * *i gets the item's index. */
static ticket_folds *
first_of_ticket(batch *b, const char *path, const scanned *sc, guint ticket, guint *i)
{
	const char *match = sc->facts->x_match;
	notmuch_query_t *q;
	ticket_folds *tf;
	ticket_item it;
	guint n = 1, max = 0;
	char query[64];

	if (b->rebuild || match == NULL || !g_str_has_prefix(match, "new") ||
	    g_hash_table_contains(b->touched, GUINT_TO_POINTER(ticket)))
		return NULL;
	snprintf(query, sizeof query, "property:desk.ticket=%u", ticket);
	if ((q = notmuch_query_create(b->db, query)) != NULL) {
		if (notmuch_query_count_messages(q, &n) != NOTMUCH_STATUS_SUCCESS)
			n = 1;
		notmuch_query_destroy(q);
	}
	if (n != 0)
		return NULL;
	tf = ticket_folds_new();
	rebuild_item(sc, ticket, path, &it);
	*i = ticket_folds_add(tf, &it);
	rebuild_item_clear(&it);
	ticket_folds_finish(tf, &max);
	return tf;
}

/* Index PATH (sealed, with its Message-ID) as a message of TICKET. */
static desk_status
index_one(batch *b, const char *path, const scanned *sc, guint ticket, desk_err *err)
{
	notmuch_message_t *m = NULL;
	guint fi = 0;
	ticket_folds *tf = first_of_ticket(b, path, sc, ticket, &fi);
	gboolean folded = FALSE;
	notmuch_status_t ns = notmuch_database_index_file(b->db, path, NULL, &m);

	if (ns == NOTMUCH_STATUS_DUPLICATE_MESSAGE_ID && !b->rebuild) {
		/* notmuch has that id already, though we looked: never let a new
		 * file join (and so change) a stored message */
		if (m != NULL)
			notmuch_message_destroy(m);
		notmuch_database_remove_message(b->db, path);
		ticket_folds_free(tf);
		return desk_fail(err, DESK_USAGE, "%s: its Message-ID <%s> is the index's already", path,
				 sc->facts->message_id);
	}
	if (ns != NOTMUCH_STATUS_SUCCESS && ns != NOTMUCH_STATUS_DUPLICATE_MESSAGE_ID) {
		ticket_folds_free(tf);
		return desk_fail(err, ns == NOTMUCH_STATUS_FILE_NOT_EMAIL ? DESK_DATAERR : DESK_TEMPFAIL,
				 "index %s: %s", path, notmuch_status_to_string(ns));
	}
	notmuch_message_freeze(m);
	annotate(b->st->cfg, m, sc, ticket);
	index_special_event(b, m, path, sc, ticket);
	/* checked as a rebuild checks: if the index sees the message otherwise
	 * than the scan, the ticket is recomputed from the index after all */
	folded = ns == NOTMUCH_STATUS_SUCCESS && tf != NULL && ticket_folds_apply(tf, m, fi) &&
		 ticket_folds_differ(tf) == NULL;
	notmuch_message_thaw(m);
	notmuch_message_destroy(m);
	ticket_folds_free(tf);
	if (!folded)
		g_hash_table_add(b->touched, GUINT_TO_POINTER(ticket));
	if (b->res->ids != NULL)
		g_ptr_array_add(b->res->ids, g_strdup(sc->facts->message_id));
	b->res->indexed++;
	return DESK_OK;
}

/* Put PREFIX on top of the file FD of new/NAME: a new file in new/, the
 * old one removed. *name gets the new name. */
static desk_status
rewrite(batch *b, int fd, const char *oldpath, const char *prefix, char **name, desk_err *err)
{
	char *path = NULL;
	desk_status s = store_deliver(b->st, prefix, fd, &path, err);

	if (s != DESK_OK) {
		/* OLDPATH stays; a copy left unsynced in new/ is a duplicate later */
		g_free(path);
		return s;
	}
	unlink(oldpath);
	*name = g_path_get_basename(path);
	g_free(path);
	b->res->rewritten++;
	return DESK_OK;
}

/* What a file of new/ is, against the index. */
typedef struct new_file {
	scanned sc;
	const char *id;           /* its usable Message-ID, NULL: none */
	char *stored_hash;        /* desk.hash of the stored message with that id, or NULL */
	gboolean known;           /* a message (not a ghost) has that id */
	gboolean sealed;          /* its block is ours, for this very message */
	guint ticket;             /* the sealed block's */
} new_file;

/* The stored message with ID: whether there is one with content, and
 * its content hash. */
static void
stored_with_id(batch *b, new_file *nf)
{
	notmuch_message_t *m = NULL;
	const char *h = NULL;

	if (nf->id == NULL || notmuch_database_find_message(b->db, nf->id, &m) != NOTMUCH_STATUS_SUCCESS ||
	    m == NULL)
		return;
	/* a ghost (only referenced) or foreign message has no hash */
	notmuch_message_get_property(m, "desk.hash", &h);
	nf->known = h != NULL;
	nf->stored_hash = g_strdup(h);
	notmuch_message_destroy(m);
}

/* The decision a sealed block records. */
static void
sealed_decision(const msg_facts *f, guint ticket, thread_decision *d)
{
	memset(d, 0, sizeof *d);
	d->ticket = ticket;
	g_strlcpy(d->match, f->x_match, sizeof d->match);
	g_strlcpy(d->reason, f->x_match, sizeof d->reason);
	g_strdelimit(d->reason, ";", '\0');
	g_strlcpy(d->queue, f->x_queue, sizeof d->queue);
	d->held = strstr(f->x_match, "held") != NULL;
	if (f->x_rule != NULL && f->x_event == NULL) {
		g_strlcpy(d->rule, f->x_rule, sizeof d->rule);
		g_strlcpy(d->route, f->x_set != NULL ? f->x_set : "", sizeof d->route);
	}
}

/* The header block a file of new/ still needs, or NULL when it has all:
 *  - a file no milter decided for, or whose block is not for it (copied
 *    from another message), is decided here, as mail from outside;
 *  - a file whose Message-ID another message has (not a redelivery, those
 *    are dropped before) gets an id of its own and is decided here as
 *    if it had none, X-Desk-Reused-Message-ID keeping the one it came with;
 *  - a file with no usable Message-ID gets the derived one, and a sealed
 *    decision goes with it only when it is no event (an event or agent
 *    mail must name the message it is for);
 *  - notmuch wants one of From, To or Subject. */
static desk_status
missing_headers(batch *b, new_file *nf, int fd, char **prefix, desk_err *err)
{
	const msg_facts *f = nf->sc.facts;
	gboolean taken = nf->known, derived = nf->sc.derived_id;
	gboolean carry = nf->sealed && !taken && (!derived || f->x_event == NULL);
	char *id = NULL, *block = NULL;
	thread_decision d;
	desk_status s = DESK_OK;

	*prefix = NULL;
	if (nf->sealed && !taken && !derived) {
		if (*scan_extra_header(&nf->sc) != '\0')
			*prefix = g_strdup(scan_extra_header(&nf->sc));
		return DESK_OK;
	}
	if (carry)
		sealed_decision(f, nf->ticket, &d);
	else if ((s = thread_decide(b->st, b->lk, f, NULL, nf->sc.bounced,
				    (taken ? THREAD_ID_TAKEN : 0) | THREAD_HOLD_OVER_LIMIT, &d, err)) != DESK_OK)
		return s;
	/* the routing rules of a new ticket; stored already, it cannot be refused */
	if (!carry && rules_decide(b->st, fd, f, NULL, &d) && *d.refuse != '\0') {
		desk_log(LOG_NOTICE, "<%s>: rule %s would refuse it, but it is stored: held", f->message_id, d.rule);
		d.held = TRUE;
		g_strlcat(d.match, "; held: refused by rule", sizeof d.match);
	}
	if (!carry && thread_hold_blocked(b->bl, NULL, f, &d))
		desk_log(LOG_NOTICE, "<%s>: sender is blocked (desk spam --block): held", f->message_id);
	/* mail found in new/ is stored already: over a rate limit it is held */
	if (d.limit != NULL)
		desk_log(LOG_NOTICE, "<%s>: held: %s reached by %s", f->message_id, d.limit,
			 f->from != NULL ? f->from : "(no From)");
	if (taken)
		id = g_strdup_printf("%.32s@reused.maildesk.invalid", nf->sc.hash);
	else
		id = g_strdup(f->message_id);  /* the derived one when it has none */
	block = thread_headers(b->st, &d, id, nf->sc.sealhash, taken ? nf->id : NULL);
	if (block == NULL) {
		g_free(id);
		return desk_fail(err, DESK_SOFTWARE, "ticket %u: cannot seal the decision", d.ticket);
	}
	if (taken)
		desk_log(LOG_NOTICE, "<%s>: that Message-ID is taken by other content: stored as <%s>", nf->id, id);
	*prefix = g_strdup_printf("%s%sMessage-ID: <%s>\n", block, scan_extra_header(&nf->sc), id);
	g_free(block);
	g_free(id);
	return s;
}

/* Take one file of new/: drop, rewrite or index it. */
static desk_status
take_new(batch *b, char *name, int depth, desk_err *err)
{
	char *path = g_build_filename(b->st->maildir, "new", name, NULL), *cur = NULL, *prefix = NULL;
	char *newname = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	new_file nf = { 0 };
	gboolean owed;
	desk_status s;

	if (fd < 0) {
		s = errno == ENOENT ? DESK_OK : desk_fail(err, DESK_TEMPFAIL, "%s: %s", path, g_strerror(errno));
		goto out;
	}
	if ((s = scan_fd(b->st, fd, -1, &nf.sc, err)) != DESK_OK)
		goto out;
	nf.id = nf.sc.derived_id ? NULL : nf.sc.facts->message_id;
	nf.sealed = thread_sealed(b->st, nf.sc.facts, nf.id, nf.sc.sealhash, &nf.ticket);
	stored_with_id(b, &nf);
	/* the same message again (same id, same content) is a redelivery; a
	 * purged message never comes back (desk purge, lib/store/purge.c) */
	if (b->tombs < 0)
		b->tombs = purge_any(b->db);  /* once a batch: most stores have none */
	if ((nf.known && strcmp(nf.stored_hash, nf.sc.hash) == 0) ||
	    (b->tombs && purge_tombstoned(b->db, nf.sc.hash, nf.id))) {
		g_ptr_array_add(b->unlink, g_strdup(path));
		b->res->duplicates++;
		goto out;
	}
	if (nf.sealed && nf.known)
		desk_log(LOG_NOTICE, "<%s>: a sealed block on other content than the stored message: not believed",
			 nf.id);
	if ((s = missing_headers(b, &nf, fd, &prefix, err)) != DESK_OK)
		goto out;
	if (prefix != NULL && depth < 3) {
		lseek(fd, 0, SEEK_SET);
		if ((s = rewrite(b, fd, path, prefix, &newname, err)) == DESK_OK)
			s = take_new(b, newname, depth + 1, err);
		goto out;
	}
	if (!nf.sealed || nf.known) {
		/* rewritten three times and still not right: leave it for a look */
		s = desk_fail(err, DESK_SOFTWARE, "%s: cannot give it a header block of its own", path);
		goto out;
	}
	cur = g_strdup_printf("%s/cur/%s%s", b->st->maildir, name, strchr(name, ':') ? "" : ":2,");
	if (link(path, cur) != 0 && errno != EEXIST) {
		s = desk_fail(err, DESK_TEMPFAIL, "link %s: %s", cur, g_strerror(errno));
		goto out;
	}
	chmod(cur, 0660);
	/* owed before the index says so: a rebuild owes what the index did */
	owed = followup_owed(b, &nf.sc);  /* once: hooks/ may change meanwhile */
	if (owed && (s = owed_add(b->st, cur, err)) != DESK_OK)
		goto out;
	b->owed += owed;
	s = index_one(b, cur, &nf.sc, nf.ticket, err);
	if (s != DESK_OK && owed)
		owed_done(b->st, cur);
	if (s == DESK_USAGE && depth < 3) {
		/* the index knew the id after all: an id of its own, decided anew */
		desk_log(LOG_WARNING, "%s", err != NULL ? err->msg : path);
		unlink(cur);
		nf.known = TRUE;
		g_clear_pointer(&prefix, g_free);
		if ((s = missing_headers(b, &nf, fd, &prefix, err)) == DESK_OK) {
			lseek(fd, 0, SEEK_SET);
			if ((s = rewrite(b, fd, path, prefix, &newname, err)) == DESK_OK)
				s = take_new(b, newname, depth + 1, err);
		}
		goto out;
	}
	/* stored in cur/ either way; one notmuch refuses is not retried forever */
	if (s == DESK_OK || s == DESK_DATAERR)
		g_ptr_array_add(b->unlink, g_strdup(path));
out:
	if (fd >= 0)
		close(fd);
	scanned_clear(&nf.sc);
	g_free(nf.stored_hash);
	g_free(path);
	g_free(cur);
	g_free(prefix);
	g_free(newname);
	return s;
}

static gint
cmp_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The file names in DIR, sorted (oldest delivery first). */
static GPtrArray *
list_dir(const char *dir)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d != NULL && (e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			g_ptr_array_add(names, g_strdup(e->d_name));
	if (d != NULL)
		closedir(d);
	g_ptr_array_sort(names, cmp_names);
	return names;
}

static void
batch_init(batch *b, desk_store *st, notmuch_database_t *db, index_result *res)
{
	memset(b, 0, sizeof *b);  /* rebuild was left unset for index_pending */
	b->st = st;
	b->db = db;
	b->lk = lookup_new_for_db(st, db);
	b->bl = blocklist_new(st);
	b->unlink = g_ptr_array_new_with_free_func(g_free);
	b->touched = g_hash_table_new(g_direct_hash, g_direct_equal);
	b->res = res;
	b->rebuild = FALSE;
	b->tombs = -1;
}

static void
batch_clear(batch *b)
{
	lookup_free(b->lk);
	blocklist_free(b->bl);
	g_ptr_array_unref(b->unlink);
	g_hash_table_destroy(b->touched);
}

static desk_status
recompute_touched(batch *b, desk_err *err)
{
	GHashTableIter it;
	gpointer k;
	desk_status s = DESK_OK;

	g_hash_table_iter_init(&it, b->touched);
	while (s == DESK_OK && g_hash_table_iter_next(&it, &k, NULL))
		s = ticket_recompute(b->db, GPOINTER_TO_UINT(k), err);
	return s;
}

/* Commit, then make cur/ durable before new/ loses its copies. */
static desk_status
commit_batch(batch *b, desk_err *err)
{
	char *cur = g_build_filename(b->st->maildir, "cur", NULL);
	char *new = g_build_filename(b->st->maildir, "new", NULL);
	notmuch_status_t ns = notmuch_database_close(b->db);
	desk_status s = DESK_OK;

	if (ns != NOTMUCH_STATUS_SUCCESS)
		s = desk_fail(err, DESK_TEMPFAIL, "index commit: %s", notmuch_status_to_string(ns));
	if (s == DESK_OK)
		s = store_sync_dir(cur, err);
	if (s == DESK_OK && b->owed > 0)
		s = owed_sync(b->st, err);
	/* new mail in the index: follow-ups are due, this batch's and any a
	 * crash left behind (followup_run looks at STORE/followup/) */
	if (s == DESK_OK && b->res->indexed > 0)
		b->st->followup_owed = TRUE;
	for (guint i = 0; s == DESK_OK && i < b->unlink->len; i++)
		unlink(b->unlink->pdata[i]);
	if (s == DESK_OK && b->unlink->len > 0)
		s = store_sync_dir(new, err);
	g_free(cur);
	g_free(new);
	return s;
}

desk_status
index_pending_locked(desk_store *st, desk_lookup *lk, guint max, index_result *res, desk_err *err)
{
	char *newdir = g_build_filename(st->maildir, "new", NULL);
	GPtrArray *names = list_dir(newdir);
	notmuch_database_t *db = NULL;
	desk_status s = DESK_OK;
	batch b;
	guint i;

	memset(res, 0, sizeof *res);
	res->ids = g_ptr_array_new_with_free_func(g_free);
	if (names->len == 0 || (s = index_open(st, TRUE, &db, err)) != DESK_OK) {
		res->left = names->len;
		goto out;
	}
	batch_init(&b, st, db, res);
	for (i = 0; i < names->len && i < max && s != DESK_TEMPFAIL; i++) {
		desk_err one = { 0 };
		desk_status fs = take_new(&b, names->pdata[i], 0, &one);

		if (fs != DESK_OK && s == DESK_OK)
			s = desk_fail(err, fs, "%s", one.msg);
	}
	if (s == DESK_OK || s == DESK_DATAERR) {
		desk_status cs = recompute_touched(&b, err);

		if (cs == DESK_OK)
			cs = commit_batch(&b, err);
		if (cs != DESK_OK)
			s = cs;
	}
	notmuch_database_destroy(db);
	batch_clear(&b);
	res->left = names->len - i;
	if (lk != NULL || (lk = st->pending) != NULL)
		lookup_indexed(lk, res->ids);
out:
	g_ptr_array_unref(names);
	g_free(newdir);
	return s;
}

desk_status
index_pending(desk_store *st, desk_lookup *lk, guint max, int timeout_ms, index_result *res,
	      desk_err *err)
{
	int lockfd = -1;
	desk_status s;

	memset(res, 0, sizeof *res);
	if (!index_new_waiting(st))
		return DESK_OK;
	if ((s = store_lock(st, timeout_ms, &lockfd, err)) != DESK_OK)
		return s;
	s = index_pending_locked(st, lk, max, res, err);
	store_unlock(lockfd);
	return s;
}

gboolean
index_new_waiting(desk_store *st)
{
	char *newdir = g_build_filename(st->maildir, "new", NULL);
	DIR *d = opendir(newdir);
	struct dirent *e;
	gboolean any = FALSE;

	while (d != NULL && !any && (e = readdir(d)) != NULL)
		any = e->d_name[0] != '.';
	if (d != NULL)
		closedir(d);
	g_free(newdir);
	return any;
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Scan the file of cur/ PATH for a rebuild into *sc; *ticket gets its
 * ticket, or 0 when it is gone or unsealed (then it goes back to new/, to
 * be decided again). */
static desk_status
rebuild_scan(batch *b, const char *path, const char *name, scanned *sc, guint *ticket, desk_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	desk_status s;

	*ticket = 0;
	if (fd < 0)
		return DESK_OK;
	s = scan_fd(b->st, fd, -1, sc, err);
	close(fd);
	if (s == DESK_OK && (sc->derived_id ||
			     !thread_sealed(b->st, sc->facts, sc->facts->message_id, sc->sealhash, ticket))) {
		char *back = g_build_filename(b->st->maildir, "new", name, NULL);

		*ticket = 0;
		if (rename(path, back) != 0)
			s = desk_fail(err, DESK_TEMPFAIL, "rename %s: %s", path, g_strerror(errno));
		g_free(back);
	}
	return s;
}

/* Index one file of cur/ during a rebuild; unsealed ones go back to new/. */
static desk_status
rebuild_one(batch *b, const char *name, desk_err *err)
{
	char *path = g_build_filename(b->st->maildir, "cur", name, NULL);
	scanned sc = { 0 };
	guint ticket = 0;
	desk_status s = rebuild_scan(b, path, name, &sc, &ticket, err);

	if (s == DESK_OK && ticket != 0) {
		s = index_one(b, path, &sc, ticket, err);
		if (s == DESK_DATAERR)
			s = DESK_OK;
	}
	scanned_clear(&sc);
	g_free(path);
	return s;
}

/* The time index_message_time will give a message not indexed yet: the
 * Date as notmuch reads it (GMime's, of the first Date header), unless
 * later than the file's name says. */
static gint64
scanned_time(const msg_facts *f, const char *path)
{
	char *text = f->date != NULL ? g_mime_utils_header_decode_text(NULL, f->date) : NULL;
	GDateTime *dt = text != NULL && *text != '\0' ? g_mime_utils_header_decode_date(text) : NULL;
	gint64 d = dt != NULL ? g_date_time_to_unix(dt) : 0, ft = index_file_time(path);

	if (dt != NULL)
		g_date_time_unref(dt);
	g_free(text);
	if (d < 0)
		d = 0;
	if (ft > 0 && (d <= 0 || d > ft))
		return ft;
	return d;
}

/* The fold's item of a sealed file, as annotate will store it and the
 * fold read it back (ticket_folds_apply checks that it does: keep this in
 * step with annotate). The strings are the caller's to g_free. */
static void
rebuild_item(const scanned *sc, guint ticket, const char *path, ticket_item *it)
{
	const msg_facts *f = sc->facts;

	memset(it, 0, sizeof *it);
	it->ticket = ticket;
	it->id = g_strdup(f->message_id);
	/* index_set_prop's cut */
	it->match = g_strndup(f->x_match != NULL ? f->x_match : "", 200);
	it->queue = g_strndup(f->x_queue != NULL ? f->x_queue : "", 200);
	it->event = f->x_event != NULL ? g_strndup(f->x_event, 200) : NULL;
	it->set = f->x_event != NULL && f->x_set != NULL ? g_strdup(f->x_set) : NULL;
	it->from = g_strdup(f->from != NULL ? f->from : "");
	it->name = g_strdup(f->from_name != NULL ? f->from_name : "");
	it->path = g_strdup(path);
	it->time = scanned_time(f, path);
	it->held = is_held(f);
	it->ours = g_str_has_prefix(f->x_match, "ours");
	it->automatic = f->is_auto || f->is_bulk || f->is_bounce;
}

static void
rebuild_item_clear(ticket_item *it)
{
	g_free((char *)it->id);
	g_free((char *)it->match);
	g_free((char *)it->queue);
	g_free((char *)it->event);
	g_free((char *)it->set);
	g_free((char *)it->from);
	g_free((char *)it->name);
	g_free((char *)it->path);
	memset(it, 0, sizeof *it);
}

/* Pass 1 of a fast rebuild, the share of one thread: every STEP-th file
 * of NAMES from FIRST into ITEMS (ticket 0: not to be indexed). */
typedef struct prescan {
	batch *b;
	const char *nmpath;   /* the index's path, as notmuch names files */
	GPtrArray *names;
	ticket_item *items;   /* one a name */
	guint first, step;
	desk_status s;
	desk_err err;
} prescan;

static gpointer
prescan_run(gpointer p)
{
	prescan *ps = p;

	for (guint i = ps->first; i < ps->names->len && ps->s == DESK_OK; i += ps->step) {
		const char *name = ps->names->pdata[i];
		char *path = g_build_filename(ps->b->st->maildir, "cur", name, NULL);
		char *nmname = g_strdup_printf("%s/cur/%s", ps->nmpath, name);
		scanned sc = { 0 };
		guint ticket;

		ps->s = rebuild_scan(ps->b, path, name, &sc, &ticket, &ps->err);
		if (ps->s == DESK_OK && ticket != 0)
			rebuild_item(&sc, ticket, nmname, &ps->items[i]);
		scanned_clear(&sc);
		g_free(path);
		g_free(nmname);
	}
	return NULL;
}

/* Threads for the scans of a rebuild, besides the indexer's. */
static guint
rebuild_threads(void)
{
	return CLAMP(g_get_num_processors(), 1, 4);
}

/* Pass 1: scan every file of NAMES, on every core, into TF; KEPT gets the
 * names of those to index, in the order of TF's items. */
static desk_status
rebuild_fold_scan(batch *b, ticket_folds *tf, GPtrArray *names, GPtrArray *kept, desk_err *err)
{
	guint n = rebuild_threads();
	prescan *ps = g_new0(prescan, n);
	GThread **th = g_new0(GThread *, n);
	ticket_item *items = g_new0(ticket_item, names->len);
	desk_status s = DESK_OK;

	for (guint t = 0; t < n; t++) {
		ps[t] = (prescan){ b, notmuch_database_get_path(b->db), names, items, t, n, DESK_OK, { 0 } };
		if (t > 0)
			th[t] = g_thread_new("rebuild-scan", prescan_run, &ps[t]);
	}
	prescan_run(&ps[0]);
	for (guint t = 0; t < n; t++) {
		if (th[t] != NULL)
			g_thread_join(th[t]);
		if (ps[t].s != DESK_OK && s == DESK_OK)
			s = desk_fail(err, ps[t].s, "%s", ps[t].err.msg);
	}
	for (guint i = 0; i < names->len; i++) {
		if (s == DESK_OK && items[i].ticket != 0) {
			ticket_folds_add(tf, &items[i]);
			g_ptr_array_add(kept, names->pdata[i]);
		}
		rebuild_item_clear(&items[i]);
	}
	g_free(items);
	g_free(th);
	g_free(ps);
	return s;
}

/* Pass 2 reads ahead of the indexer: one thread scans the files again
 * (annotate needs all of scan_fd's facts, which pass 1 does not keep)
 * while the indexer writes, at most AHEAD files in between, given back
 * to the reader AHEAD_STEP at a time (one wake-up for so many files). */
#define AHEAD 64
#define AHEAD_STEP 16

typedef struct ahead {
	guint i;              /* the item; G_MAXUINT marks the end */
	char *path;
	scanned sc;
	guint ticket;
	desk_status s;
	desk_err err;
} ahead;

typedef struct reader {
	batch *b;
	GPtrArray *kept;
	GAsyncQueue *full;    /* ahead*, in order */
	GAsyncQueue *room;    /* a token for each AHEAD_STEP files that may be read ahead */
	gint stop;            /* the indexer failed: read no more */
} reader;

static gpointer
reader_run(gpointer p)
{
	reader *r = p;
	ahead *a;

	for (guint i = 0; i < r->kept->len && !g_atomic_int_get(&r->stop); i++) {
		if (i % AHEAD_STEP == 0)
			g_async_queue_pop(r->room);
		a = g_new0(ahead, 1);
		a->i = i;
		a->path = g_build_filename(r->b->st->maildir, "cur", r->kept->pdata[i], NULL);
		a->s = rebuild_scan(r->b, a->path, r->kept->pdata[i], &a->sc, &a->ticket, &a->err);
		g_async_queue_push(r->full, a);
	}
	a = g_new0(ahead, 1);
	a->i = G_MAXUINT;
	g_async_queue_push(r->full, a);
	return NULL;
}

static void
ahead_free(ahead *a)
{
	scanned_clear(&a->sc);
	g_free(a->path);
	g_free(a);
}

/* Index the scanned file A, with its own properties and, on a root, its
 * ticket's state, in one write of the document. */
static desk_status
rebuild_fold_index(batch *b, ticket_folds *tf, ahead *a, desk_err *err)
{
	notmuch_message_t *m = NULL;
	notmuch_status_t ns;

	if (a->s != DESK_OK)
		return desk_fail(err, a->s, "%s", a->err.msg);
	if (a->ticket == 0)
		return DESK_OK;
	ns = notmuch_database_index_file(b->db, a->path, NULL, &m);
	if (ns == NOTMUCH_STATUS_SUCCESS || ns == NOTMUCH_STATUS_DUPLICATE_MESSAGE_ID) {
		notmuch_message_freeze(m);
		annotate(b->st->cfg, m, &a->sc, a->ticket);
		index_special_event(b, m, a->path, &a->sc, a->ticket);
		ticket_folds_apply(tf, m, a->i);
		notmuch_message_thaw(m);
		notmuch_message_destroy(m);
		b->res->indexed++;
	} else if (ns != NOTMUCH_STATUS_FILE_NOT_EMAIL) {
		/* one notmuch refuses is left out, as in index_one */
		return desk_fail(err, DESK_TEMPFAIL, "index %s: %s", a->path, notmuch_status_to_string(ns));
	}
	return DESK_OK;
}

/* Commit every so many messages: Xapian keeps a transaction in memory. */
#define REBUILD_CHUNK 2000

/* Pass 2: index the files of KEPT, item by item of TF. */
static desk_status
rebuild_fold_indexing(batch *b, ticket_folds *tf, GPtrArray *kept, desk_err *err)
{
	reader r = { b, kept, g_async_queue_new(), g_async_queue_new(), 0 };
	GThread *th;
	desk_status s = DESK_OK;
	guint done = 0;
	ahead *a;

	for (guint i = 0; i < AHEAD / AHEAD_STEP; i++)
		g_async_queue_push(r.room, GUINT_TO_POINTER(1));
	th = g_thread_new("rebuild-read", reader_run, &r);
	notmuch_database_begin_atomic(b->db);
	while ((a = g_async_queue_pop(r.full))->i != G_MAXUINT) {
		/* on an error or a difference, the rest is only drained */
		if (s == DESK_OK && ticket_folds_differ(tf) == NULL &&
		    ((s = rebuild_fold_index(b, tf, a, err)) != DESK_OK || ticket_folds_differ(tf) != NULL))
			g_atomic_int_set(&r.stop, 1);
		ahead_free(a);
		if (++done % AHEAD_STEP == 0)
			g_async_queue_push(r.room, GUINT_TO_POINTER(1));
		if (done % REBUILD_CHUNK == 0) {
			notmuch_database_end_atomic(b->db);
			notmuch_database_begin_atomic(b->db);
		}
	}
	ahead_free(a);
	notmuch_database_end_atomic(b->db);
	g_thread_join(th);
	g_async_queue_unref(r.full);
	g_async_queue_unref(r.room);
	return s;
}

/* Rebuild with the folds made before indexing (ticket.h, ticket_folds):
 * every document is written once. *done is FALSE when the index saw a
 * message otherwise than the scan did: then the result is to be thrown
 * away and built again the slow way. */
static desk_status
rebuild_fast(batch *b, GPtrArray *names, guint *max, gboolean *done, desk_err *err)
{
	ticket_folds *tf = ticket_folds_new();
	GPtrArray *kept = g_ptr_array_new();
	const char *why = NULL;
	desk_status s = rebuild_fold_scan(b, tf, names, kept, err);

	*done = FALSE;
	if (s == DESK_OK && ticket_folds_differ(tf) == NULL) {
		ticket_folds_finish(tf, max);
		s = rebuild_fold_indexing(b, tf, kept, err);
	}
	if (s == DESK_OK && !(*done = ticket_folds_complete(tf, &why)))
		desk_log(LOG_WARNING, "reindex: %s: folding the tickets from the index instead", why);
	g_ptr_array_unref(kept);
	ticket_folds_free(tf);
	return s;
}

/* Rebuild message by message, then fold every ticket from the index. */
static desk_status
rebuild_slow(batch *b, GPtrArray *names, guint *max, desk_err *err)
{
	desk_status s = DESK_OK;

	notmuch_database_begin_atomic(b->db);
	for (guint i = 0; i < names->len && s == DESK_OK; i++) {
		s = rebuild_one(b, names->pdata[i], err);
		if (i % REBUILD_CHUNK == REBUILD_CHUNK - 1) {
			notmuch_database_end_atomic(b->db);
			notmuch_database_begin_atomic(b->db);
		}
	}
	notmuch_database_end_atomic(b->db);
	if (s == DESK_OK)
		s = ticket_recompute_all(b->db, max, err);
	return s;
}

/* Xapian's flush threshold for a rebuild, in documents written (two a
 * message): its in-memory posting and position changes grow with it, and
 * each change costs a lookup in them; flushing every few hundred
 * documents takes a third less CPU than its default of 10000 (bench/README.md). */
#define REBUILD_FLUSH_THRESHOLD "500"

/* Delete the index and open a new empty one for writing, with
 * REBUILD_FLUSH_THRESHOLD unless XAPIAN_FLUSH_THRESHOLD says otherwise
 * (call with no other thread running: it sets the environment). */
static desk_status
index_fresh(desk_store *st, notmuch_database_t **db, desk_err *err)
{
	char *nmdir = g_build_filename(st->maildir, ".notmuch", NULL);
	gboolean set = g_getenv("XAPIAN_FLUSH_THRESHOLD") == NULL;
	desk_status s = DESK_OK;

	*db = NULL;
	if (g_file_test(nmdir, G_FILE_TEST_EXISTS) && nftw(nmdir, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		s = desk_fail(err, DESK_TEMPFAIL, "cannot delete %s: %s", nmdir, g_strerror(errno));
	g_free(nmdir);
	if (s == DESK_OK)
		s = index_create(st, err);
	if (s == DESK_OK && set)
		g_setenv("XAPIAN_FLUSH_THRESHOLD", REBUILD_FLUSH_THRESHOLD, TRUE);
	if (s == DESK_OK)
		s = index_open(st, TRUE, db, err);
	if (set)
		g_unsetenv("XAPIAN_FLUSH_THRESHOLD");
	return s;
}

/* Whether any message is an event NAME. */
static gboolean
has_event(notmuch_database_t *db, const char *name)
{
	char *q = g_strdup_printf("property:desk.event=%s", name);
	notmuch_query_t *query = notmuch_query_create(db, q);
	guint n = 0;

	if (query != NULL && notmuch_query_count_messages(query, &n) != NOTMUCH_STATUS_SUCCESS)
		n = 1;  /* in doubt, fold again */
	if (query != NULL)
		notmuch_query_destroy(query);
	g_free(q);
	return n > 0;
}

static desk_status
rebuild_locked(desk_store *st, guint *count, desk_err *err)
{
	char *curdir = g_build_filename(st->maildir, "cur", NULL);
	GPtrArray *names = NULL;
	notmuch_database_t *db = NULL;
	index_result res = { 0 };
	desk_status s = DESK_OK;
	gboolean done = FALSE;
	guint max = 0, purged = 0;
	batch b;

	if (xapian_locked(st)) {
		s = desk_fail(err, DESK_BUSY, "store busy: another process holds the notmuch database");
		goto out;
	}
	if ((s = index_fresh(st, &db, err)) != DESK_OK)
		goto out;
	names = list_dir(curdir);
	batch_init(&b, st, db, &res);
	b.rebuild = TRUE;
	s = rebuild_fast(&b, names, &max, &done, err);
	if (s == DESK_OK && !done) {
		batch_clear(&b);
		notmuch_database_destroy(db);
		g_ptr_array_unref(names);
		names = list_dir(curdir);
		memset(&res, 0, sizeof res);
		if ((s = index_fresh(st, &db, err)) != DESK_OK)
			goto out;
		batch_init(&b, st, db, &res);
		b.rebuild = TRUE;
		s = rebuild_slow(&b, names, &max, err);
	}
	/* what the index knows beyond the files: splits, purges cut short;
	 * both change membership, so the tickets are folded again then */
	if (s == DESK_OK)
		s = split_replay(db, err);
	if (s == DESK_OK)
		s = purge_replay(st, db, &purged, err);
	if (s == DESK_OK && (purged > 0 || has_event(db, "split")))
		s = ticket_recompute_all(db, &max, err);
	/* what is owed is in STORE/followup/, not in the index: only the
	 * names of files no longer stored go */
	if (s == DESK_OK)
		s = owed_prune(st, db, err);
	if (s == DESK_OK && notmuch_database_close(db) != NOTMUCH_STATUS_SUCCESS)
		s = desk_fail(err, DESK_TEMPFAIL, "index commit failed");
	notmuch_database_destroy(db);
	*count = res.indexed;
	batch_clear(&b);
	if (s == DESK_OK)
		s = store_seq_at_least(st, max + 1, err);
out:
	if (names != NULL)
		g_ptr_array_unref(names);
	g_free(curdir);
	return s;
}

/* The ticket table and the ticket text index made anew, so that the
 * first list or triage does not wait for them; only caches: when this
 * fails, their first use builds them. */
static void
table_build(desk_store *st)
{
	notmuch_database_t *db = NULL;
	desk_err ignored;

	if (index_open(st, FALSE, &db, &ignored) == DESK_OK)
		if (tickettab_sync(db, &ignored) == DESK_OK)
			triagetab_sync(db, &ignored);
	if (db != NULL)
		notmuch_database_destroy(db);
}

desk_status
index_rebuild(desk_store *st, guint *count, desk_err *err)
{
	int lockfd;
	desk_status s = store_lock(st, st->cfg->lock_timeout * 1000, &lockfd, err);
	index_result res;

	*count = 0;
	if (s != DESK_OK)
		return s;
	s = rebuild_locked(st, count, err);
	store_unlock(lockfd);
	while (s == DESK_OK) {
		s = index_pending(st, NULL, st->cfg->index_batch, st->cfg->lock_timeout * 1000, &res, err);
		*count += res.indexed;
		if (res.left == 0 || res.indexed + res.duplicates + res.rewritten == 0) {
			index_result_clear(&res);
			break;
		}
		index_result_clear(&res);
	}
	if (s == DESK_OK)
		table_build(st);
	return s;
}
