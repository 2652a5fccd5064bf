/* desk-split.c: desk split N MSG: that message (a Message-ID, or its
 * number as desk show N prints it) and the replies after it
 * (the later messages whose In-Reply-To or References lead to it) become
 * a new ticket M, linked both ways. Files are not rewritten: N gets an
 * event "split" (X-Desk-Set "split-to=M; moved=DIGEST", the header
 * X-Desk-Moved with the Message-IDs, lib/store/split.h), M an event
 * "split-from=N"; the indexer gives the moved messages to M. */
#include <stdio.h>
#include <string.h>

#include "apply.h"
#include "change-verb.h"
#include "desk.h"
#include "evlist.h"
#include "facts.h"
#include "split.h"
#include "ticket-args.h"

/* Whether the message ID of DB replies to one in MOVED (In-Reply-To or
 * References). */
static gboolean
replies_to(notmuch_database_t *db, const char *id, GHashTable *moved)
{
	notmuch_message_t *m = NULL;
	gboolean yes = FALSE;

	if (notmuch_database_find_message(db, id, &m) != NOTMUCH_STATUS_SUCCESS || m == NULL)
		return FALSE;
	for (int h = 0; h < 2 && !yes; h++) {
		const char *v = notmuch_message_get_header(m, h == 0 ? "in-reply-to" : "references");
		const char *end = NULL;
		char *ref;

		for (int n = 0; !yes && v != NULL && n < 200 && (ref = facts_parse_id(v, &end)) != NULL; n++) {
			yes = g_hash_table_contains(moved, ref);
			g_free(ref);
			v = end;
		}
	}
	notmuch_message_destroy(m);
	return yes;
}

/* The Message-IDs that move with ID out of MSGS (oldest first): ID and
 * the later messages that reply to one of them; NULL if ID is not there. */
static GPtrArray *
moving(notmuch_database_t *db, GPtrArray *msgs, const char *id, const ticket_message **first)
{
	GHashTable *set = g_hash_table_new(g_str_hash, g_str_equal);
	GPtrArray *out = NULL;

	*first = NULL;
	for (guint i = 0; i < msgs->len; i++) {
		const ticket_message *tm = msgs->pdata[i];
		gboolean state_event = tm->event != NULL && !ticket_event_is_message(tm->event);

		if (*first == NULL && strcmp(tm->message_id, id) == 0) {
			*first = tm;
			out = g_ptr_array_new_with_free_func(g_free);
		} else if (*first == NULL || state_event || !replies_to(db, tm->message_id, set)) {
			continue;
		}
		g_hash_table_add(set, tm->message_id);
		g_ptr_array_add(out, g_strdup(tm->message_id));
	}
	g_hash_table_destroy(set);
	return out;
}

/* The subject of message ID, from the index. Caller g_free()s. */
static char *
subject_of(notmuch_database_t *db, const char *id)
{
	notmuch_message_t *m = NULL;
	char *s = NULL;

	if (notmuch_database_find_message(db, id, &m) == NOTMUCH_STATUS_SUCCESS && m != NULL) {
		s = g_strdup(notmuch_message_get_header(m, "subject"));
		notmuch_message_destroy(m);
	}
	return s != NULL ? s : g_strdup("");
}

/* The moved Message-IDs for the event's body, one a line. g_free(). */
static char *
joined_ids(GPtrArray *ids)
{
	GString *s = g_string_new("Moved:\n");

	for (guint i = 0; i < ids->len; i++)
		g_string_append_printf(s, "  <%s>\n", (char *)ids->pdata[i]);
	return g_string_free(s, FALSE);
}

/* What to split: the message of Message-ID ID, else the one desk show
 * numbers NUMBER; the new ticket's SUBJECT (NULL: its first message's). */
typedef struct split_what {
	const char *id;
	guint number;
	const char *subject;
} split_what;

/* The Message-ID W names in MSGS; NULL (and ERR) when it names none. */
static const char *
id_of(const split_what *w, const ticket_info *t, GPtrArray *msgs, desk_err *err)
{
	const ticket_message *tm;

	if (w->id != NULL)
		return w->id;
	if ((tm = ticket_message_nth(msgs, w->number)) == NULL)
		desk_fail(err, DESK_USAGE, "ticket %u has no message %u (desk show %u numbers them)", t->number,
			  w->number, t->number);
	return tm != NULL ? tm->message_id : NULL;
}

static desk_status
split(desk_store *st, desk_change *c, const desk_agent *me, guint n, const split_what *w, desk_err *err)
{
	const char *id = NULL;
	ticket_info *t = NULL, *head = NULL, nt = { 0 };
	GPtrArray *msgs = NULL, *ids = NULL;
	const ticket_message *first = NULL;
	char *line = NULL, *hdr = NULL, *list = NULL, *digest = NULL, *back = NULL;
	xset *set = NULL, *bset = NULL;
	guint m = 0;
	desk_status s = change_ticket(c, n, &head, NULL, err);

	if (s == DESK_OK)
		s = ticket_get(change_db(c), head->number, &t, &msgs, err);
	if (s == DESK_OK && (id = id_of(w, t, msgs, err)) == NULL)
		s = DESK_USAGE;
	if (s != DESK_OK)
		goto out;
	ids = moving(change_db(c), msgs, id, &first);
	if (first == NULL) {
		s = desk_fail(err, DESK_USAGE, "no message <%s> in ticket %u (desk show %u --format=json lists them)",
			      id, t->number, t->number);
		goto out;
	}
	if (first->event != NULL && !ticket_event_is_message(first->event))
		s = desk_fail(err, DESK_USAGE, "<%s> is an event, not a message", id);
	else if (strcmp(first->message_id, t->root_id) == 0)
		s = desk_fail(err, DESK_USAGE, "<%s> is the first message of ticket %u: nothing to split off", id,
			      t->number);
	if (s != DESK_OK || (s = store_next_ticket(st, &m, err)) != DESK_OK)
		goto out;
	digest = evlist_digest(ids);
	hdr = evlist_header(SPLIT_HEADER, ids);
	list = joined_ids(ids);
	set = xset_new();
	xset_add_uint(set, "split-to", m);
	xset_add(set, "moved", digest);
	line = g_strdup_printf("%s split %u message%s off into #%u", me->login, ids->len, ids->len == 1 ? "" : "s", m);
	s = change_verb_event(st, c, t, me, "split", set, line, hdr, list, err);
	/* M's own event: it has no messages in the index yet, so T's facts do */
	nt.number = m;
	nt.subject = w->subject != NULL ? g_strdup(w->subject) : subject_of(change_db(c), id);
	nt.queue = t->queue;
	nt.root_id = (char *)id;
	bset = xset_new();
	xset_add_uint(bset, "split-from", t->number);
	if (w->subject != NULL)
		xset_add(bset, "subject", w->subject);
	back = g_strdup_printf("%s split this ticket off #%u", me->login, t->number);
	if (s == DESK_OK)
		s = change_verb_event(st, c, &nt, me, "split", bset, back, NULL, NULL, err);
	if (s == DESK_OK)
		printf("%u: split %u message%s off into new ticket %u\n%u\n", t->number, ids->len,
		       ids->len == 1 ? "" : "s", m, m);
	g_free(nt.subject);
out:
	ticket_info_free(head);
	ticket_info_free(t);
	if (msgs != NULL)
		g_ptr_array_unref(msgs);
	if (ids != NULL)
		g_ptr_array_unref(ids);
	xset_free(set);
	g_free(line);
	g_free(hdr);
	g_free(list);
	g_free(digest);
	g_free(back);
	xset_free(bset);
	return s;
}

/* A message number as desk show prints it: "3", or "3/5"; 0 if S is none. */
static guint
message_number(const char *s)
{
	char *end;
	guint64 k;

	if (!g_ascii_isdigit(*s))
		return 0;
	k = g_ascii_strtoull(s, &end, 10);
	if (*end == '/' && g_ascii_isdigit(end[1]))
		g_ascii_strtoull(end + 1, &end, 10);
	return *end == '\0' && k > 0 && k <= G_MAXUINT ? (guint)k : 0;
}

int
verb_split(const char *store_dir, int argc, char **argv)
{
	char *as = NULL, *id = NULL, *subject = NULL;
	GOptionEntry entries[] = {
		APPLY_AS_OPTION(as),
		{ "subject", 0, 0, G_OPTION_ARG_STRING, &subject, "The new ticket's subject (default: its first message's)",
		  "TEXT" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	split_what w = { NULL, 0, NULL };
	desk_store *st = NULL;
	const desk_agent *me = NULL;
	desk_change *c = NULL;
	desk_err err = { 0 };
	const char *end;
	guint n;
	int rc = desk_parse("split", "N MSG",
			    "Split message MSG of ticket N, and the replies after it, off into a\n"
			    "new ticket, linked both ways. MSG is its number as desk show N prints\n"
			    "it, or its Message-ID. Prints the new ticket's number last.",
			    entries, &argc, &argv);

	if (rc >= 0)
		goto out;
	if (argc != 3) {
		rc = desk_error(DESK_USAGE, "split: usage: desk split N MSG (a number as desk show prints it, or a Message-ID)");
		goto out;
	}
	if (subject != NULL && !ticket_subject_valid(subject)) {
		rc = desk_error(DESK_USAGE, "split: --subject: 1 to %d bytes of UTF-8 text on one line, please",
				TICKET_SUBJECT_MAX);
		goto out;
	}
	if ((n = ticket_arg_one(argv[1])) == 0) {
		rc = 64;
		goto out;
	}
	/* a number as desk show prints it ("3", "3/5"), or a Message-ID with
	 * or without the angle brackets */
	w.number = message_number(argv[2]);
	id = argv[2][0] == '<' ? facts_parse_id(argv[2], &end) : NULL;
	if (id == NULL && strchr(argv[2], '@') != NULL && strpbrk(argv[2], "<> \t") == NULL)
		id = g_strdup(argv[2]);
	if (id == NULL && w.number == 0) {
		rc = desk_error(DESK_USAGE, "split: '%s' is neither a message number nor a Message-ID", argv[2]);
		goto out;
	}
	w.id = id;
	w.subject = subject;
	if ((rc = change_verb_begin(store_dir, "split", as, &st, &me, &c)) != 0)
		goto out;
	desk_status s = split(st, c, me, n, &w, &err);

	rc = s == DESK_OK ? 0 : desk_error(s, "split %u: %s", n, err.msg);
	rc = change_verb_end("split", st, c, rc);
out:
	g_free(id);
	g_free(as);
	g_free(subject);
	return rc;
}
