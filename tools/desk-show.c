/* desk-show.c: desk show N: a ticket's facts and every message, readable. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "desk-kb.h"
#include "desk.h"
#include "index.h"
#include "kbticket.h"
#include "output.h"
#include "render.h"
#include "seen.h"
#include "sender.h"
#include "term.h"
#include "ticket.h"
#include "xset.h"

static void
add_str(JsonBuilder *b, const char *name, const char *value)
{
	json_builder_set_member_name(b, name);
	json_builder_add_string_value(b, value != NULL ? value : "");
}

/* "event", "by" and "set" of TM: what an event message did and who did
 * it (null, null and [] for mail that people wrote). */
static void
event_json(JsonBuilder *b, const ticket_message *tm)
{
	char **items = tm->event != NULL ? xset_strv(tm->set) : g_new0(char *, 1);
	char *by = tm->event != NULL ? xset_lookup(tm->set, "by") : NULL;

	out_json_string(b, "event", tm->event);
	out_json_string(b, "by", by);
	out_json_strv(b, "set", items);
	g_strfreev(items);
	g_free(by);
}

/* Whether TM is mail from outside (not ours, not an event). */
static gboolean
customer_mail(const ticket_message *tm)
{
	char **tags = g_strsplit(tm->tags, " ", -1);
	gboolean ours = g_strv_contains((const char *const *)tags, "ours");

	g_strfreev(tags);
	return tm->event == NULL && !ours;
}

/* How the sender of customer mail TM was authenticated, by the MTA's
 * Authentication-Results on the stored copy (lib/sender.h); NULL for our
 * own mail and events. Caller g_free()s. */
static char *
auth_line(desk_store *st, const ticket_message *tm)
{
	authres_verdict v;
	char *how = NULL;

	if (!customer_mail(tm))
		return NULL;
	if (*st->cfg->authserv_id == '\0')
		return g_strdup("not authenticated (no sender.authserv_id)");
	if (!sender_verdict_file(st->cfg, tm->path, &v, &how))
		return g_strdup("unknown (the stored file cannot be read)");
	return how;
}

static void
message_json(JsonBuilder *b, const ticket_message *tm, const rendered_msg *r, const char *auth)
{
	char *when = out_iso8601(tm->time);
	char **tags = g_strsplit(tm->tags, " ", -1);

	json_builder_begin_object(b);
	add_str(b, "message_id", tm->message_id);
	add_str(b, "from", r->from);
	add_str(b, "to", r->to);
	add_str(b, "cc", r->cc);
	add_str(b, "date", r->date);
	add_str(b, "received", when);
	add_str(b, "subject", r->subject);
	add_str(b, "match", tm->match);
	out_json_string(b, "auth", auth);
	event_json(b, tm);
	json_builder_set_member_name(b, "tags");
	json_builder_begin_array(b);
	for (char **t = tags; *t != NULL; t++)
		if (**t)
			json_builder_add_string_value(b, *t);
	json_builder_end_array(b);
	add_str(b, "text", r->text);
	json_builder_set_member_name(b, "attachments");
	json_builder_begin_array(b);
	for (guint i = 0; i < r->attachments->len; i++) {
		const render_attachment *a = r->attachments->pdata[i];

		json_builder_begin_object(b);
		add_str(b, "name", a->name);
		add_str(b, "type", a->type);
		json_builder_set_member_name(b, "size");
		json_builder_add_int_value(b, a->size);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	g_strfreev(tags);
	g_free(when);
}

static void
info_json(JsonBuilder *b, const ticket_info *t)
{
	char *c = out_iso8601(t->created), *u = out_iso8601(t->updated);

	json_builder_set_member_name(b, "ticket");
	json_builder_add_int_value(b, t->number);
	add_str(b, "subject", t->subject);
	add_str(b, "status", t->status);
	add_str(b, "requester", t->requester);
	out_json_string(b, "owner", t->owner);
	add_str(b, "queue", t->queue);
	add_str(b, "priority", t->priority);
	json_builder_set_member_name(b, "messages_count");
	json_builder_add_int_value(b, t->messages);
	json_builder_set_member_name(b, "merged_into");  /* desk merge: 0 unless merged */
	json_builder_add_int_value(b, t->merged_into);
	json_builder_set_member_name(b, "reopens");
	json_builder_add_int_value(b, t->reopens);
	out_json_strv(b, "links", t->links);        /* "split-to=N", "merged-from=N", ... */
	add_str(b, "created", c);
	add_str(b, "updated", u);
	out_json_time(b, "first_response", t->first_response);
	g_free(c);
	g_free(u);
}

/* The facts of T; SHOWN of ALL messages follow (events not counted). */
static void
info_text(const ticket_info *t, guint shown, guint all)
{
	char *c = out_iso8601(t->created), *u = out_iso8601(t->updated);
	char *subj = term_safe(t->subject, TERM_LINE), *req = term_safe(t->requester, TERM_LINE);

	printf("Ticket:    #%u\nSubject:   %s\nStatus:    %s\nQueue:     %s\nOwner:     %s\n"
	       "Priority:  %s\nRequester: %s\n",
	       t->number, subj, out_safe(t->status), out_safe(t->queue), out_safe(*t->owner ? t->owner : "-"),
	       out_safe(t->priority), req);
	if (shown == all)
		printf("Messages:  %u\n", all);
	else
		printf("Messages:  %u of %u (new since you last looked)\n", shown, all);
	printf("Created:   %s\nUpdated:   %s\n", c, u);
	g_free(subj);
	g_free(req);
	if (t->merged_into != 0)
		printf("Merged:    into #%u (desk show %u)\n", t->merged_into, t->merged_into);
	if (t->reopens > 0)
		printf("Reopens:   %u\n", t->reopens);
	for (char **l = t->links; l != NULL && *l != NULL; l++)
		printf("Link:      %s\n", out_safe(*l));
	g_free(c);
	g_free(u);
}

static void
message_text(guint i, guint n, const ticket_message *tm, const rendered_msg *r, const char *auth)
{
	char *when = out_iso8601(tm->time);
	const char *text;

	printf("\n--- message %u/%u, received %s ---\n", i, n, when);
	printf("From:    %s\n", out_safe(r->from));
	if (*r->to)
		printf("To:      %s\n", out_safe(r->to));
	if (*r->cc)
		printf("Cc:      %s\n", out_safe(r->cc));
	printf("Date:    %s\nSubject: %s\nMatch:   %s\n", out_safe(r->date), out_safe(r->subject),
	       out_safe(tm->match));
	if (auth != NULL)
		printf("Auth:    %s\n", out_safe(auth));
	if (*tm->tags)
		printf("Tags:    %s\n", out_safe(tm->tags));
	text = out_safe_text(r->text);
	printf("\n%s", text);
	if (*text && text[strlen(text) - 1] != '\n')
		putchar('\n');
	for (guint a = 0; a < r->attachments->len; a++) {
		const render_attachment *at = r->attachments->pdata[a];

		printf("%s  %s (%s, %" G_GSIZE_FORMAT " bytes)\n", a ? "" : "\nAttachments:\n", out_safe(at->name),
		       out_safe(at->type), at->size);
	}
	g_free(when);
}

/* The stored file as an mbox entry (mboxrd quoting). */
static desk_status
message_raw(const ticket_message *tm, desk_err *err)
{
	FILE *in = fopen(tm->path, "r");
	char *line = NULL, *when;
	size_t cap = 0;
	ssize_t n;
	GDateTime *dt;
	gboolean nl = TRUE;

	if (in == NULL)
		return desk_fail(err, DESK_NOTFOUND, "%s: %s", tm->path, g_strerror(errno));
	dt = g_date_time_new_from_unix_utc(tm->time);
	when = g_date_time_format(dt, "%a %b %e %H:%M:%S %Y");
	printf("From maildesk %s\n", when);
	while ((n = getline(&line, &cap, in)) >= 0) {
		const char *p = line;

		while (*p == '>')
			p++;
		if (strncmp(p, "From ", 5) == 0)
			putchar('>');
		fwrite(line, 1, n, stdout);
		nl = line[n - 1] == '\n';
	}
	printf(nl ? "\n" : "\n\n");
	g_free(when);
	g_date_time_unref(dt);
	free(line);
	fclose(in);
	return DESK_OK;
}

/* An event (a change of state) as one line: "--- TIME  LINE". */
static void
event_text(const ticket_message *tm, const rendered_msg *r)
{
	char *when = out_iso8601(tm->time);
	const char *nl = strchr(r->text, '\n');
	char *line = g_strndup(r->text, nl != NULL ? (gsize)(nl - r->text) : strlen(r->text));

	printf("\n--- %s  %s\n", when, out_safe(line));
	g_free(line);
	g_free(when);
}

/* Whether TM is shown as an event line rather than as a message. */
static gboolean
is_event_line(const ticket_message *tm)
{
	return tm->event != NULL && !ticket_event_is_message(tm->event);
}

/* Whether a message is left out by --last: the agent saw it (SEEN: digests). */
static gboolean
seen_before(GHashTable *seen, const ticket_message *tm)
{
	char *d;
	gboolean yes;

	if (seen == NULL)
		return FALSE;
	d = seen_digest(tm->message_id);
	yes = g_hash_table_contains(seen, d);
	g_free(d);
	return yes;
}

static desk_status
show(desk_store *st, const ticket_info *info, GPtrArray *msgs, const char *format, GHashTable *seen,
     desk_err *err)
{
	JsonBuilder *b = strcmp(format, "json") == 0 ? json_builder_new() : NULL;
	desk_status s = DESK_OK;
	guint all = 0, shown = 0, k = 0;  /* messages, those shown, the one at hand */

	if (strcmp(format, "raw") == 0) {
		for (guint i = 0; i < msgs->len && s == DESK_OK; i++)
			if (!seen_before(seen, msgs->pdata[i]))
				s = message_raw(msgs->pdata[i], err);
		return s;
	}
	for (guint i = 0; i < msgs->len; i++) {
		if (!is_event_line(msgs->pdata[i])) {
			all++;
			shown += !seen_before(seen, msgs->pdata[i]);
		}
	}
	if (b != NULL) {
		json_builder_begin_object(b);
		info_json(b, info);
		json_builder_set_member_name(b, "messages");
		json_builder_begin_array(b);
	} else {
		info_text(info, shown, all);
	}
	for (guint i = 0; i < msgs->len; i++) {
		const ticket_message *tm = msgs->pdata[i];
		rendered_msg *r = NULL;
		desk_err one = { 0 };
		char *auth;

		if (seen_before(seen, tm))
			continue;
		k += !is_event_line(tm);
		if (render_message(tm->path, st->cfg->fallback_charsets, &r, &one) != DESK_OK) {
			desk_warn("show: message %s: %s", tm->message_id, one.msg);
			if (b == NULL && !is_event_line(tm))
				printf("\n--- message %u/%u: cannot be read (see standard error) ---\n", k, shown);
			s = DESK_DATAERR;
			continue;
		}
		auth = auth_line(st, tm);
		if (b != NULL)
			message_json(b, tm, r, auth);
		else if (is_event_line(tm))
			event_text(tm, r);
		else
			message_text(k, shown, tm, r, auth);
		rendered_msg_free(r);
		g_free(auth);
	}
	if (b != NULL) {
		json_builder_end_array(b);
		json_builder_end_object(b);
		out_json(json_builder_get_root(b));
		g_object_unref(b);
	}
	if (s != DESK_OK)
		desk_fail(err, s, "some messages could not be shown");
	return s;
}

/* desk show N --suggest: the KB's published articles for the ticket. */
/* Remember that the acting agent (AS, else the default; none: nothing)
 * saw ticket N's messages, for desk show --last and desk reply. */
static void
record_seen(desk_store *st, const desk_agent *me, guint n, GPtrArray *msgs)
{
	char **ids = g_new0(char *, msgs->len + 1);
	desk_err err = { 0 };

	for (guint i = 0; i < msgs->len; i++)
		ids[i] = ((ticket_message *)msgs->pdata[i])->message_id;
	if (seen_set(st, me->login, n, ids, &err) != DESK_OK)
		desk_warn("show: remembering what you saw: %s", err.msg);
	g_free(ids);
}

static int
show_suggestions(desk_store *st, notmuch_database_t *db, guint n)
{
	GPtrArray *hits = NULL;
	desk_err err = { 0 };
	desk_status s = kb_suggest_ticket(st, db, n, 5, KB_PUBLISHED, &hits, &err);

	if (s != DESK_OK)
		return desk_error(s, "show: suggestions: %s", err.msg);
	printf("\n--- suggested articles (desk kb suggest %u) ---\n", n);
	kb_hits_print(hits, FALSE);
	g_ptr_array_unref(hits);
	return 0;
}

int
verb_show(const char *store_dir, int argc, char **argv)
{
	char *format = NULL;
	gboolean suggest = FALSE, last = FALSE;
	char *as = NULL;
	const desk_agent *me = NULL;
	GHashTable *seen = NULL;
	gint64 seen_when = 0;
	GOptionEntry entries[] = {
		{ "last", 'l', 0, G_OPTION_ARG_NONE, &last, "Only what is new since you last looked", NULL },
		{ "as", 0, 0, G_OPTION_ARG_STRING, &as, "Look as agent LOGIN (default $MAILDESK_AGENT, else your login)", "LOGIN" },
		{ "format", 'f', 0, G_OPTION_ARG_STRING, &format, "text, json or raw (the stored messages as mbox)", "FMT" },
		{ "suggest", 0, 0, G_OPTION_ARG_NONE, &suggest, "Then the KB's suggested articles (text only)", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	desk_store *st = NULL;
	notmuch_database_t *db = NULL;
	ticket_info *info = NULL;
	GPtrArray *msgs = NULL;
	desk_err err = { 0 };
	desk_status s;
	char *end;
	guint64 n;
	int rc = desk_parse("show", "N", "Show ticket N: its facts and every message in order, as\n"
			    "readable UTF-8 text, with how each sender was authenticated (Auth).", entries, &argc, &argv);

	if (rc >= 0)
		goto out;
	rc = 0;
	if (format == NULL)
		format = g_strdup("text");
	if (strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "raw")) {
		rc = desk_error(DESK_USAGE, "show: unknown format '%s' (text, json, raw)", format);
		goto out;
	}
	if (argc != 2 || (n = g_ascii_strtoull(argv[1][0] == '#' ? argv[1] + 1 : argv[1], &end, 10)) == 0 ||
	    *end != '\0' || n > G_MAXUINT) {
		rc = desk_error(DESK_USAGE, "show: one ticket number, please (see desk show --help)");
		goto out;
	}
	if ((rc = desk_open_store(store_dir, &st)) != 0)
		goto out;
	s = agent_acting(st->cfg->agents, as, &me, &err);
	if (s != DESK_OK && (as != NULL || last)) {
		rc = desk_error(s, "show: %s", err.msg);
		goto out;
	}
	s = index_open(st, FALSE, &db, &err);
	if (s == DESK_OK)
		s = ticket_get(db, (guint)n, &info, &msgs, &err);
	if (s == DESK_OK && last && seen_get(st, me->login, (guint)n, &seen, &seen_when, &err) == DESK_TEMPFAIL)
		s = DESK_TEMPFAIL;
	if (s == DESK_OK)
		s = show(st, info, msgs, format, seen, &err);
	if (s == DESK_OK && me != NULL)
		record_seen(st, me, (guint)n, msgs);
	if (s != DESK_OK)
		rc = desk_error(s, "show: %s", err.msg);
	else if (suggest && strcmp(format, "text") == 0)
		rc = show_suggestions(st, db, (guint)n);
out:
	ticket_info_free(info);
	if (msgs != NULL)
		g_ptr_array_unref(msgs);
	if (db != NULL)
		notmuch_database_destroy(db);
	if (seen != NULL)
		g_hash_table_unref(seen);
	store_free(st);
	g_free(format);
	g_free(as);
	return rc;
}
