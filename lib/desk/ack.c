/* ack.c: the acknowledgement of a new ticket (template ack, RFC 3834).
 *
 * Once per fresh message that opened a ticket: unless the mail is
 * automatic (auto-submitted, bulk, list, bounce, null sender, a no-reply
 * address), ours, held, or from an agent, unless ack_senders refuses its
 * sender (the MTA's Authentication-Results on the stored copy, lib/store/sender.h:
 * no backscatter to a forged From), unless that sender (addr_canonical)
 * got an acknowledgement within ack_window_hours, and unless a rate_ack_*
 * limit is reached, a copy is stored in the ticket first (event "ack",
 * X-Desk-Set "acked=ADDR"), under the store lock, and then sent through
 * sendmail(1). The customer's name and subject go into it as one line,
 * bounded. Failures are logged, never block mail. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "change.h"
#include "clock.h"
#include "event.h"
#include "followup.h"
#include "index.h"
#include "kbindex.h"
#include "kbticket.h"
#include "log.h"
#include "ratelimit.h"
#include "render.h"
#include "rules.h"
#include "scan.h"
#include "sender.h"
#include "sendmail.h"
#include "term.h"
#include "token.h"

#define ACK_ADDR_MAX 150
#define ACK_TEMPLATE_MAX (64 * 1024)
#define ACK_LINE_MAX 200   /* characters of a customer's name or subject in an ack */

static const char ack_default[] = "Subject: Re: ${subject} [#${ticket}]\n\n"
				  "Hello ${requester_name},\n\n"
				  "we received your message and opened ticket #${ticket} for it.\n"
				  "Reply to this mail to add to the ticket.\n\n-- \n${desk_name}\n";

gboolean
ack_noreply_address(const char *addr)
{
	static const char *const exact[] = { "mailer-daemon", "postmaster", "listserv", "majordomo",
					     "bounce", "bounces", "nobody", NULL };
	static const char *const inside[] = { "noreply", "no-reply", "no_reply", "donotreply",
					      "do-not-reply", "do_not_reply", NULL };
	const char *at = strrchr(addr, '@');
	char *local = g_ascii_strdown(addr, at != NULL ? at - addr : -1);
	char *plus = strchr(local, '+');
	gboolean yes = g_str_has_prefix(local, "owner-") || g_str_has_suffix(local, "-request") ||
		       g_str_has_suffix(local, "-owner") || g_str_has_suffix(local, "-bounces");

	if (plus != NULL)
		*plus = '\0';
	for (const char *const *w = exact; !yes && *w != NULL; w++)
		yes = strcmp(local, *w) == 0;
	for (const char *const *w = inside; !yes && *w != NULL; w++)
		yes = strstr(local, *w) != NULL;
	g_free(local);
	return yes;
}

/* Why the message of ITEM with facts F gets no acknowledgement; NULL when
 * it gets one. */
static const char *
ack_refused(desk_store *st, const followup_item *item, const msg_facts *f)
{
	static const char *const tags[] = { "auto", "bulk", "bounce", "ours", "held", "spam", NULL };

	for (const char *const *t = tags; *t != NULL; t++)
		if (followup_has_tag(item, *t))
			return *t;
	if (f->is_auto || f->is_bulk || f->is_bounce || f->null_sender)
		return "automatic mail";
	if (f->from == NULL || *f->from == '\0' || strchr(f->from, '@') == NULL ||
	    strlen(f->from) > ACK_ADDR_MAX)
		return "no usable From";
	if (ack_noreply_address(f->from))
		return "no-reply sender";
	if (config_queue_for(st->cfg, f->from, NULL) != NULL)
		return "from the desk itself";
	if (agent_by_address(st->cfg->agents, f->from) != NULL)
		return "from an agent";
	/* the MTA's authenticators on the stored copy (lib/store/sender.h) */
	return sender_no_ack(st->cfg, sender_verdict(st->cfg, f, NULL));
}

/* *yes = whether ADDR got an acknowledgement (event ack, acked=ADDR)
 * during the last HOURS: the same address by addr_same (ann+x@, Ann@ and
 * ann@ are one sender). */
static desk_status
acked_recently(notmuch_database_t *db, const char *addr, int hours, gboolean *yes, desk_err *err)
{
	gint64 since = desk_now() - (gint64)hours * 3600;
	char *query = g_strdup_printf("tag:event and property:desk.event=ack and date:@%" G_GINT64_FORMAT "..",
				      since - 86400);
	notmuch_query_t *q = notmuch_query_create(db, query);
	notmuch_messages_t *ms = NULL;
	notmuch_status_t ns;

	*yes = FALSE;
	ns = q != NULL ? notmuch_query_search_messages(q, &ms) : NOTMUCH_STATUS_OUT_OF_MEMORY;
	for (; ns == NOTMUCH_STATUS_SUCCESS && !*yes && notmuch_messages_valid(ms);
	     notmuch_messages_move_to_next(ms)) {
		notmuch_message_t *m = notmuch_messages_get(ms);
		char *set = index_message_time(m) >= since ? index_get_text(m, "desk.set") : NULL;

		if (set != NULL) {
			xset *items = xset_decode(set, NULL);

			for (guint i = 0; i < xset_len(items) && !*yes; i++)
				*yes = strcmp(xset_key(items, i), "acked") == 0 &&
				       addr_same(xset_value(items, i, NULL), addr);
			xset_free(items);
			g_free(set);
		}
		notmuch_message_destroy(m);
	}
	if (q != NULL)
		notmuch_query_destroy(q);
	g_free(query);
	if (ns != NOTMUCH_STATUS_SUCCESS)
		return desk_fail(err, DESK_TEMPFAIL, "index: %s", notmuch_status_to_string(ns));
	return DESK_OK;
}

/* What an acknowledgement answers: the sender, the message, and its
 * subject to quote ("" when its bytes are in no charset the desk tries:
 * nothing rather than the wrong letters). */
typedef struct ack_for {
	const char *to, *irt, *subject;
	const char *template;  /* the template's name: "ack", or a routing rule's */
} ack_for;

/* S with each run of spaces made one, and none at either end. Returns S. */
static char *
squeeze_spaces(char *s)
{
	char *o = s;

	for (const char *p = s; *p != '\0'; p++)
		if (*p != ' ' || (o > s && o[-1] != ' '))
			*o++ = *p;
	if (o > s && o[-1] == ' ')
		o--;
	*o = '\0';
	return s;
}

/* The text of template ack: STORE/templates/ack.txt, $MAILDESK_TEMPLATES_DIR,
 * the installed one, templates/ next to the program, else built in.
 * Caller g_free()s. */
static char *
ack_template_text(desk_store *st, const char *name)
{
	char *file = g_strconcat(name, ".txt", NULL);
	char *exe = g_file_read_link("/proc/self/exe", NULL);
	char *exedir = exe != NULL ? g_path_get_dirname(exe) : NULL;
	const char *env = g_getenv("MAILDESK_TEMPLATES_DIR");
	char *places[] = {
		g_build_filename(st->dir, "templates", file, NULL),
		env != NULL && *env ? g_build_filename(env, file, NULL) : NULL,
		g_build_filename(DESK_DATADIR, "templates", file, NULL),
		g_build_filename(DESK_DATADIR, file, NULL),
		exedir != NULL ? g_build_filename(exedir, "templates", file, NULL) : NULL,
	};
	char *text = NULL;
	gsize len = 0;

	for (gsize i = 0; i < G_N_ELEMENTS(places); i++) {
		if (text == NULL && places[i] != NULL && g_file_get_contents(places[i], &text, &len, NULL) &&
		    (len > ACK_TEMPLATE_MAX || !g_utf8_validate(text, len, NULL))) {
			desk_log(LOG_WARNING, "template %s: too long or not UTF-8, ignored", places[i]);
			g_clear_pointer(&text, g_free);
		}
		g_free(places[i]);
	}
	g_free(exedir);
	g_free(exe);
	g_free(file);
	if (text == NULL && strcmp(name, "ack") != 0) {
		desk_log(LOG_WARNING, "template %s not found: the acknowledgement instead", name);
		return ack_template_text(st, "ack");
	}
	return text != NULL ? text : g_strdup(ack_default);
}

/* TEXT with ${name} replaced from VARS, in one pass (values are never
 * read again, so nothing from mail is a placeholder); "$$" is "$".
 * DESK_DATAERR on an unknown placeholder. To be replaced by the common
 * template engine (lib/desk/template.c). */
static desk_status
ack_expand(const char *text, GHashTable *vars, char **out, desk_err *err)
{
	GString *o = g_string_new(NULL);

	for (const char *p = text; *p != '\0'; p++) {
		const char *end;
		char *name, *v;

		if (p[0] == '$' && p[1] == '$') {
			g_string_append_c(o, '$');
			p++;
			continue;
		}
		if (p[0] != '$' || p[1] != '{') {
			g_string_append_c(o, *p);
			continue;
		}
		if ((end = strchr(p + 2, '}')) == NULL) {
			g_string_free(o, TRUE);
			return desk_fail(err, DESK_DATAERR, "unclosed ${ in template ack");
		}
		name = g_strndup(p + 2, end - p - 2);
		v = g_hash_table_lookup(vars, name);
		if (v == NULL) {
			desk_status s = desk_fail(err, DESK_DATAERR, "unknown placeholder ${%s} in template ack", name);

			g_free(name);
			g_string_free(o, TRUE);
			return s;
		}
		g_string_append(o, v);
		g_free(name);
		p = end;
	}
	*out = g_string_free(o, FALSE);
	return DESK_OK;
}

/* S as one line for mail of ours: control characters (C0, DEL, C1) and
 * invisible format characters taken out (term_unsafe), line and
 * paragraph breaks and tabs made one space, blanks collapsed and trimmed,
 * at most ACK_LINE_MAX characters (cut on a character, "..." after). A
 * customer's name or subject is never copied into an acknowledgement
 * as given. Caller g_free()s. */
static char *
ack_one_line(const char *s)
{
	char *valid = g_utf8_make_valid(s != NULL ? s : "", -1);
	GString *o = g_string_new(NULL);
	guint chars = 0;
	gboolean blank = FALSE, cut = FALSE;

	for (const char *p = valid; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (c == '\t' || c == '\r' || c == '\n' || c == 0x2028 || c == 0x2029 || g_unichar_isspace(c)) {
			blank = o->len > 0;
			continue;
		}
		if (term_unsafe(c))
			continue;
		if (chars + (blank ? 1 : 0) >= ACK_LINE_MAX) {
			cut = TRUE;
			break;
		}
		if (blank) {
			g_string_append_c(o, ' ');
			chars++;
		}
		blank = FALSE;
		g_string_append_unichar(o, c);
		chars++;
	}
	if (cut)
		g_string_append(o, "...");
	g_free(valid);
	return g_string_free(o, FALSE);
}

/* The placeholders of ticket T (the names of the common template engine);
 * SUBJECT is the one to quote; what came with the customer's mail is one
 * line, bounded (ack_one_line). */
static GHashTable *
ack_vars(desk_store *st, const ticket_info *t, const char *subject)
{
	GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	char *desk_name = g_strdup(*t->queue ? t->queue : "support");

	desk_name[0] = g_ascii_toupper(desk_name[0]);
	g_hash_table_insert(h, "ticket", g_strdup_printf("%u", t->number));
	g_hash_table_insert(h, "subject", ack_one_line(subject));
	g_hash_table_insert(h, "requester", ack_one_line(t->requester));
	g_hash_table_insert(h, "requester_name", ack_one_line(*t->requester_name ? t->requester_name : t->requester));
	g_hash_table_insert(h, "queue", g_strdup(t->queue));
	g_hash_table_insert(h, "desk_address", g_strdup(event_desk_address(st, t->queue)));
	g_hash_table_insert(h, "desk_name", desk_name);
	g_hash_table_insert(h, "agent_name", g_strdup(desk_name));
	g_hash_table_insert(h, "status", g_strdup(t->status));
	g_hash_table_insert(h, "priority", g_strdup(t->priority));
	return h;
}

/* The acknowledgement's Subject (NULL when the template has none) and
 * body for ticket T, quoting QUOTE as its subject: template ack, its
 * header block split off first, then each part expanded (so nothing from
 * mail can make a header line). The one place that renders it. Caller
 * g_free()s both. */
static desk_status
ack_render(desk_store *st, const ticket_info *t, const char *tpl, const char *quote, char **subject, char **body,
	   desk_err *err)
{
	char *text = ack_template_text(st, tpl), *subj_tpl = NULL;
	GHashTable *vars = ack_vars(st, t, quote);
	const char *b = text;
	desk_status s = DESK_OK;

	*subject = *body = NULL;
	/* an optional header block: "Subject: ..." lines, then a blank line */
	while (g_ascii_strncasecmp(b, "Subject:", 8) == 0 && strchr(b, '\n') != NULL) {
		const char *nl = strchr(b, '\n');

		g_free(subj_tpl);
		subj_tpl = g_strstrip(g_strndup(b + 8, nl - b - 8));
		b = nl + 1;
	}
	if (subj_tpl != NULL && *b == '\n')
		b++;
	if (subj_tpl != NULL)
		s = ack_expand(subj_tpl, vars, subject, err);
	if (s == DESK_OK)
		s = ack_expand(b, vars, body, err);
	if (*subject != NULL)
		squeeze_spaces(g_strdelimit(*subject, "\r\n\t", ' '));
	if (s != DESK_OK) {
		g_clear_pointer(subject, g_free);
		g_clear_pointer(body, g_free);
	}
	g_free(subj_tpl);
	g_hash_table_unref(vars);
	g_free(text);
	return s;
}

/* BODY with the KB articles HITS offered: titles with a link (kb.url),
 * or the text inline. Caller g_free()s. */
static char *
ack_with_articles(desk_store *st, char *body, const GPtrArray *hits)
{
	GString *b = g_string_new(body);

	g_free(body);
	if (hits == NULL || hits->len == 0)
		return g_string_free(b, FALSE);
	g_string_append(b, "\nThese articles of our knowledge base may already answer your question:\n");
	for (guint i = 0; i < hits->len; i++) {
		const kb_hit *h = hits->pdata[i];

		g_string_append_printf(b, "\n* %s\n", h->title);
		if (*st->cfg->kb_url != '\0' && strstr(st->cfg->kb_url, "%s") != NULL) {
			char **parts = g_strsplit(st->cfg->kb_url, "%s", 2);

			g_string_append_printf(b, "  %s%s%s\n", parts[0], h->slug, parts[1]);
			g_strfreev(parts);
		} else {
			g_string_append_printf(b, "\n%.4000s\n", h->text);
		}
	}
	return g_string_free(b, FALSE);
}

/* The ack event's set: acked=ADDR, an offered=SLUG@COMMIT for each of
 * HITS, by=system. */
static xset *
ack_set(const char *addr, const GPtrArray *hits)
{
	xset *s = xset_new();

	xset_add(s, "acked", addr);
	for (guint i = 0; hits != NULL && i < hits->len; i++)
		xset_add(s, "offered", ((kb_hit *)hits->pdata[i])->citation);
	xset_add(s, "by", "system");
	return s;
}

/* Up to KB_ACK_MAX public published articles for the message at PATH
 * (kb.ack_articles on, score at least kb.min_score); NULL when none or off. */
static GPtrArray *
ack_suggestions(desk_store *st, const char *path)
{
	rendered_msg *r = NULL;
	GPtrArray *hits = NULL;
	desk_err err = { 0 };

	if (!st->cfg->kb_ack || render_message(path, st->cfg->fallback_charsets, &r, &err) != DESK_OK)
		return NULL;
	if (kb_suggest_text(st, r->subject, r->text, KB_ACK_MAX, KB_PUBLIC,
			    g_ascii_strtod(st->cfg->kb_min_score, NULL), &hits, &err) != DESK_OK) {
		desk_log(LOG_INFO, "no KB suggestions for the acknowledgement: %s", err.msg);
		hits = NULL;
	}
	rendered_msg_free(r);
	return hits;
}

/* The acknowledgement of ticket T for A. */
static desk_status
ack_message(desk_store *st, const ticket_info *t, const ack_for *a, const GPtrArray *hits, GMimeMessage **out,
	    desk_err *err)
{
	char *subject = NULL, *body = NULL, *reply_to;
	const char *desk = event_desk_address(st, t->queue);
	char *name = g_strdup(*t->queue ? t->queue : "support");
	desk_status s = ack_render(st, t, a->template, a->subject, &subject, &body, err);
	GMimeObject *o;

	*out = NULL;
	if (s != DESK_OK) {
		g_free(name);
		return s;
	}
	name[0] = g_ascii_toupper(name[0]);
	if (subject == NULL)
		subject = ack_one_line(t->subject);  /* a template without Subject: the ticket's */
	body = ack_with_articles(st, body, hits);
	*out = event_message_new(st, t, name, desk, a->to, subject, a->irt, body);
	o = GMIME_OBJECT(*out);
	reply_to = token_address(st->secret, desk, t->number);
	event_add_mailbox(*out, GMIME_ADDRESS_TYPE_REPLY_TO, name, reply_to);
	g_mime_object_set_header(o, "Auto-Submitted", "auto-replied", NULL);
	g_mime_object_set_header(o, "Precedence", "bulk", NULL);
	g_mime_object_set_header(o, "X-Auto-Response-Suppress", "All", NULL);
	g_free(reply_to);
	g_free(name);
	g_free(subject);
	g_free(body);
	return DESK_OK;
}

/* Whether TO had an acknowledgement within the window already, as the
 * round's read-only view (ITEM->db) shows: then no change is begun (a
 * change takes the store lock and indexes what waits in mail/new first).
 * FALSE when it cannot tell; ack_store looks again under the lock. */
static gboolean
acked_before(desk_store *st, const followup_item *item, const char *to)
{
	gboolean recent = FALSE;
	char *key;

	if (item->db == NULL || st->cfg->ack_window_hours <= 0)
		return FALSE;
	key = addr_canonical(to);
	/* one that had one a moment ago still has: the round asks the index
	 * once for each sender, however many new tickets it opened */
	if (item->acked != NULL && g_hash_table_contains(item->acked, key))
		recent = TRUE;
	else if (acked_recently(item->db, to, st->cfg->ack_window_hours, &recent, NULL) != DESK_OK)
		recent = FALSE;
	if (recent && item->acked != NULL)
		g_hash_table_add(item->acked, g_steal_pointer(&key));
	g_free(key);
	return recent;
}

/* TO has had an acknowledgement within the window (found under the
 * store lock, or just sent): the round's later items need not look. */
static void
acked_now(desk_store *st, const followup_item *item, const char *to)
{
	if (item->acked != NULL && st->cfg->ack_window_hours > 0)
		g_hash_table_add(item->acked, addr_canonical(to));
}

/* Under the store lock: unless A->to had one within the window, store the
 * acknowledgement of ticket N in the ticket. *text gets what to send
 * (NULL: nothing). */
static desk_status
ack_store(desk_store *st, guint n, const ack_for *a, const GPtrArray *hits, char **text, gboolean *acked,
	  desk_err *err)
{
	const char *to = a->to;
	desk_change *c = NULL;
	ticket_info *t = NULL;
	GMimeMessage *msg = NULL;
	gboolean recent = FALSE;
	int over = -1;
	desk_status s = change_begin(st, &c, err);

	*text = NULL;
	if (s == DESK_OK && st->cfg->ack_window_hours > 0)
		s = acked_recently(change_db(c), to, st->cfg->ack_window_hours, &recent, err);
	if (s == DESK_OK && recent)
		desk_log(LOG_INFO, "ticket %u: no acknowledgement: %s had one in the last %d hours", n, to,
			 st->cfg->ack_window_hours);
	*acked = s == DESK_OK && recent;
	if (s == DESK_OK && !recent && (over = ratelimit_take(st->rate, st->cfg, RATE_KIND_ACK, to)) >= 0)
		desk_log(LOG_NOTICE, "ticket %u: no acknowledgement: %s (%s) reached by %s", n, ratelimit_name(over),
			 st->cfg->rate_spec[over], to);
	if (s == DESK_OK && !recent && over < 0)
		s = change_ticket(c, n, &t, NULL, err);
	/* never to a ticket marked spam, nor one of held or automatic mail only */
	if (s == DESK_OK && t != NULL && t->number == n && strcmp(t->status, "spam") != 0 && t->activity > 0)
		s = ack_message(st, t, a, hits, &msg, err);
	if (s == DESK_OK && msg != NULL) {
		xset *set = ack_set(to, hits);
		desk_block b = { n, t->queue, "ack", set, NULL, NULL };

		if ((s = change_deliver(c, &b, msg, err)) == DESK_OK)
			*text = event_to_string(msg);
		*acked = s == DESK_OK;
		xset_free(set);
	}
	if (msg != NULL)
		g_object_unref(msg);
	ticket_info_free(t);
	return change_finish(c, s, err);
}

/* The facts of the stored file PATH. */
static desk_status
ack_scan(desk_store *st, const char *path, scanned *sc, desk_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	desk_status s;

	if (fd < 0)
		return desk_fail(err, DESK_NOTFOUND, "%s: %s", path, g_strerror(errno));
	s = scan_fd_facts(st, fd, sc, err);
	close(fd);
	if (s == DESK_OK)
		facts_finish(sc->facts);
	return s;
}

void
ack_followup(desk_store *st, const followup_item *item)
{
	scanned sc = { 0 };
	desk_err err = { 0 };
	char *text = NULL, *rule = NULL, *route = NULL, *hold = NULL, *tpl = NULL;
	const char *why;
	GPtrArray *hits = NULL;
	gboolean acked = FALSE;
	ack_for a;

	if (!st->cfg->ack || item->event != NULL || item->ticket == 0 || !ticket_match_new(item->match))
		return;
	if (ack_scan(st, item->path, &sc, &err) != DESK_OK) {
		desk_log(LOG_WARNING, "ticket %u: no acknowledgement: %s", item->ticket, err.msg);
		return;
	}
	a = (ack_for){ sc.facts->from, item->message_id,
		       sc.facts->subject != NULL && !sc.facts->subject_lossy ? sc.facts->subject : "", "ack" };
	if (rules_routed(st, &sc, &rule, &route)) {
		/* a routing rule holds it for review, or answers with its own template */
		hold = xset_lookup(route, "hold");
		tpl = xset_lookup(route, "template");
		if (tpl != NULL)
			a.template = tpl;
	}
	if (hold != NULL) {
		desk_log(LOG_INFO, "ticket %u: no acknowledgement: held for review by rule %s", item->ticket, rule);
	} else if ((why = ack_refused(st, item, sc.facts)) != NULL) {
		desk_log(LOG_DEBUG, "ticket %u: no acknowledgement: %s", item->ticket, why);
	} else if (acked_before(st, item, a.to)) {
		desk_log(LOG_INFO, "ticket %u: no acknowledgement: %s had one in the last %d hours", item->ticket, a.to,
			 st->cfg->ack_window_hours);
	} else if ((hits = ack_suggestions(st, item->path)),
		   ack_store(st, item->ticket, &a, hits, &text, &acked, &err) != DESK_OK) {
		desk_log(LOG_WARNING, "ticket %u: no acknowledgement: %s", item->ticket, err.msg);
	} else if (text != NULL && sendmail_send(st, text, "<>", &err) != DESK_OK) {
		desk_log(LOG_WARNING, "ticket %u: acknowledgement stored, not sent: %s", item->ticket, err.msg);
	} else if (text != NULL) {
		desk_log(LOG_INFO, "ticket %u: acknowledged to %s", item->ticket, sc.facts->from);
	}
	if (acked)
		acked_now(st, item, a.to);
	if (hits != NULL)
		g_ptr_array_unref(hits);
	g_free(text);
	g_free(rule);
	g_free(route);
	g_free(hold);
	g_free(tpl);
	scanned_clear(&sc);
}
