/* desk-show.c: desk show N: a ticket's facts and every message, readable,
 * each agent's message saying what it is; --attachment saves one file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "desk-kb.h"
#include "desk.h"
#include "index.h"
#include "kbticket.h"
#include "output.h"
#include "render.h"
#include "seen.h"
#include "show-similar.h"
#include "show-summary.h"
#include "sender.h"
#include "survey.h"
#include "term.h"
#include "ticket.h"
#include "triage.h"
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
 * Authentication-Results on the stored copy (lib/store/sender.h); NULL for our
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

/* Where desk show is in a ticket. */
typedef struct show_pos {
	guint all, shown;   /* the ticket's messages (events are lines), those shown */
	guint k, at;        /* the message at hand: its number among those shown, in the ticket */
	guint att;          /* the ticket's attachments before it */
} show_pos;

typedef struct show_opts {
	const char *format;     /* text, json or raw */
	GHashTable *seen;       /* --last: digests of the messages seen; NULL: show all */
	gboolean verbose;       /* each message's X-Desk-Match and tags too */
	const survey_sent *survey;     /* the ticket's survey, or NULL (lib/store/survey.h) */
	const survey_rating *rating;   /* its rating, or NULL */
	const char *suggested;  /* desk triage's line (text), or NULL */
	const char *duplicate;  /* the possible-duplicate line (text), or NULL */
} show_opts;

/* "Survey:" and "Rating:" lines: the survey sent, the score that counts
 * and its comment (said safe: the comment is the customer's). */
static void
survey_text(const show_opts *o)
{
	char *when;

	if (o->survey != NULL) {
		when = out_iso8601(o->survey->time);
		printf("Survey:    %s sent %s\n", survey_kind_name(o->survey->kind), when);
		g_free(when);
	}
	if (o->rating != NULL) {
		const survey_rating *r = o->rating;

		when = out_iso8601(r->last);
		printf("Rating:    %d of %d-%d (%s), %s%s\n", r->score, survey_min(r->kind), survey_max(r->kind),
		       survey_kind_name(r->kind), when, survey_low(r->kind, r->score) ? ", low" : "");
		if (*r->comment != '\0')
			printf("Comment:   %s\n", out_safe(r->comment));
		g_free(when);
	}
}

/* The same as member "survey" of --format=json: null without a survey. */
static void
survey_json(JsonBuilder *b, const show_opts *o)
{
	json_builder_set_member_name(b, "survey");
	if (o->survey == NULL && o->rating == NULL) {
		json_builder_add_null_value(b);
		return;
	}
	json_builder_begin_object(b);
	out_json_string(b, "kind", survey_kind_name(o->survey != NULL ? o->survey->kind : o->rating->kind));
	out_json_time(b, "sent", o->survey != NULL ? o->survey->time : 0);
	json_builder_set_member_name(b, "score");
	if (o->rating != NULL)
		json_builder_add_int_value(b, o->rating->score);
	else
		json_builder_add_null_value(b);
	out_json_time(b, "rated", o->rating != NULL ? o->rating->last : 0);
	out_json_string(b, "comment", o->rating != NULL ? o->rating->comment : "");
	json_builder_end_object(b);
}

static void
message_json(JsonBuilder *b, const ticket_message *tm, const rendered_msg *r, const show_pos *p, const char *auth)
{
	char *when = out_iso8601(tm->time);
	char **tags = g_strsplit(tm->tags, " ", -1);

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "number");   /* as desk show numbers it; null for events */
	if (ticket_message_numbered(tm))
		json_builder_add_int_value(b, p->at);
	else
		json_builder_add_null_value(b);
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
		json_builder_set_member_name(b, "index");   /* desk show --attachment INDEX */
		json_builder_add_int_value(b, p->att + i + 1);
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
info_json(JsonBuilder *b, const ticket_info *t, const show_pos *p)
{
	char *c = out_iso8601(t->created), *u = out_iso8601(t->updated);

	json_builder_set_member_name(b, "ticket");
	json_builder_add_int_value(b, t->number);
	add_str(b, "subject", t->subject);
	add_str(b, "status", t->status);
	add_str(b, "requester", t->requester);
	add_str(b, "requester_name", t->requester_name);
	out_json_string(b, "owner", t->owner);
	add_str(b, "queue", t->queue);
	add_str(b, "priority", t->priority);
	out_json_strv(b, "tags", t->tags);
	out_json_strv(b, "cc", t->cc);
	json_builder_set_member_name(b, "messages_count");   /* what the text's Messages: says */
	json_builder_add_int_value(b, p->all);
	json_builder_set_member_name(b, "merged_into");      /* as desk list: null unless merged */
	if (t->merged_into != 0)
		json_builder_add_int_value(b, t->merged_into);
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "reopens");
	json_builder_add_int_value(b, t->reopens);
	out_json_strv(b, "links", t->links);        /* "split-to=N", "merged-from=N", ... */
	add_str(b, "created", c);
	add_str(b, "updated", u);
	out_json_time(b, "first_response", t->first_response);
	out_json_time(b, "last_customer", t->last_customer);
	out_json_time(b, "solved_at", t->solved_at);
	out_json_time(b, "activity", t->activity);
	out_json_time(b, "waiting_since", t->waiting_since);
	g_free(c);
	g_free(u);
}

/* "Label:     " and the items of V joined with ", " (or "-"), safe. */
static void
list_line(const char *label, char **v)
{
	char *all = v != NULL && *v != NULL ? g_strjoinv(", ", v) : g_strdup("-");

	printf("%-11s%s\n", label, out_safe(all));
	g_free(all);
}

/* The links of T in words: "Merged:" for the tickets merged into it,
 * "Links:" for the others ("follows #3, split into #7"). */
static void
links_text(const ticket_info *t)
{
	static const struct { const char *key, *words; } names[] = {
		{ "split-from=", "split from #" }, { "split-to=", "split into #" },
		{ "follows=", "follows #" }, { "followed-by=", "followed by #" },
	};
	GString *merged = g_string_new(NULL), *links = g_string_new(NULL);

	for (char **l = t->links; l != NULL && *l != NULL; l++) {
		gsize i = 0;

		if (g_str_has_prefix(*l, "merged-from=")) {
			g_string_append_printf(merged, "%s#%s", merged->len ? ", " : "", *l + 12);
			continue;
		}
		while (i < G_N_ELEMENTS(names) && !g_str_has_prefix(*l, names[i].key))
			i++;
		g_string_append(links, links->len ? ", " : "");
		if (i < G_N_ELEMENTS(names))
			g_string_append_printf(links, "%s%s", names[i].words, *l + strlen(names[i].key));
		else
			g_string_append(links, *l);
	}
	if (t->merged_into != 0)
		printf("Merged:    into #%u (desk show %u)\n", t->merged_into, t->merged_into);
	if (merged->len > 0)
		printf("Merged:    %s into this ticket (their messages are shown here)\n", out_safe(merged->str));
	if (links->len > 0)
		printf("Links:     %s\n", out_safe(links->str));
	g_string_free(merged, TRUE);
	g_string_free(links, TRUE);
}

/* The facts of T; P says how many messages follow (events not counted). */
static void
info_text(const ticket_info *t, const show_pos *p)
{
	char *c = out_iso8601(t->created), *u = out_iso8601(t->updated);
	char *subj = term_safe(t->subject, TERM_LINE), *req = term_safe(t->requester, TERM_LINE);

	printf("Ticket:    #%u\nSubject:   %s\nStatus:    %s\nQueue:     %s\nOwner:     %s\n"
	       "Priority:  %s\nRequester: %s\n",
	       t->number, subj, out_safe(t->status), out_safe(t->queue), out_safe(*t->owner ? t->owner : "-"),
	       out_safe(t->priority), req);
	list_line("Cc:", t->cc);
	list_line("Tags:", t->tags);
	if (p->shown == p->all)
		printf("Messages:  %u\n", p->all);
	else
		printf("Messages:  %u of %u (new since you last looked)\n", p->shown, p->all);
	printf("Created:   %s\nUpdated:   %s\n", c, u);
	g_free(c);
	g_free(u);
	if (t->waiting_since != 0) {
		c = out_iso8601(t->waiting_since);
		printf("Waiting:   since %s, for an answer\n", c);
		g_free(c);
	}
	g_free(subj);
	g_free(req);
	links_text(t);
	if (t->reopens > 0)
		printf("Reopens:   %u\n", t->reopens);
}

/* Whether the space-separated TAGS hold TAG. */
static gboolean
has_tag(const char *tags, const char *tag)
{
	char **v = g_strsplit(tags, " ", -1);
	gboolean yes = g_strv_contains((const char *const *)v, tag);

	g_strfreev(v);
	return yes;
}

/* What an agent's message TM is, in words: "internal note by bob (not
 * sent)", "reply by bob to ann@example.org"; NULL for mail from outside.
 * Caller g_free()s; R's headers are the mail's: print it safe. */
static char *
agent_story(const ticket_message *tm, const rendered_msg *r)
{
	char *by, *s;
	const char *who;

	if (tm->event == NULL || !ticket_event_is_message(tm->event))
		return NULL;
	by = xset_lookup(tm->set, "by");
	who = by != NULL ? by : "an agent";
	if (strcmp(tm->event, "comment") == 0)
		s = g_strdup_printf("internal note by %s (not sent)", who);
	else if (strcmp(tm->event, "mail-comment") == 0)
		s = g_strdup_printf("internal note by %s, by mail (not sent)", who);
	else if (strcmp(tm->event, "mail-reply") == 0)
		s = g_strdup_printf("reply by %s, by mail, as written to the desk", who);
	else if (*r->cc != '\0')
		s = g_strdup_printf("reply by %s to %s, cc %s", who, *r->to ? r->to : "?", r->cc);
	else
		s = g_strdup_printf("reply by %s to %s", who, *r->to ? r->to : "?");
	g_free(by);
	return s;
}

/* Lines of what the desk knows of mail from outside: held, automatic. */
static void
mail_flags_text(const ticket_message *tm)
{
	const char *why = strstr(tm->match, "held: ");

	if (has_tag(tm->tags, "held"))
		printf("Held:    %s (changes nothing in the ticket)\n", why != NULL ? out_safe(why + 6) : "yes");
	if (has_tag(tm->tags, "bounce"))
		printf("Kind:    automatic (a bounce)\n");
	else if (has_tag(tm->tags, "auto"))
		printf("Kind:    automatic (an auto-reply)\n");
	else if (has_tag(tm->tags, "bulk"))
		printf("Kind:    automatic (bulk or list mail)\n");
}

/* The header lines of a message: for mail from outside, or with VERBOSE
 * for all, its headers; AUTH (NULL: none), how its sender was
 * authenticated; with VERBOSE its X-Desk-Match and tags. */
static void
headers_text(const ticket_message *tm, const rendered_msg *r, gboolean outside, gboolean verbose,
	     const char *auth)
{
	if (outside || verbose) {
		printf("From:    %s\n", out_safe(r->from));
		if (*r->to)
			printf("To:      %s\n", out_safe(r->to));
		if (*r->cc)
			printf("Cc:      %s\n", out_safe(r->cc));
		printf("Date:    %s\nSubject: %s\n", out_safe(r->date), out_safe(r->subject));
	}
	if (auth != NULL)
		printf("Auth:    %s\n", out_safe(auth));
	if (outside)
		mail_flags_text(tm);
	if (verbose)
		printf("Match:   %s\n", out_safe(tm->match));
	if (verbose && *tm->tags)
		printf("Tags:    %s\n", out_safe(tm->tags));
}

static void
message_text(const show_pos *p, gboolean last, gboolean verbose, const ticket_message *tm, const rendered_msg *r,
	     const char *auth)
{
	char *when = out_iso8601(tm->time), *story = agent_story(tm, r);
	GString *num = g_string_new(NULL);
	const char *text;

	g_string_printf(num, "%u/%u", p->k, p->shown);
	if (last)
		g_string_append_printf(num, " (%u/%u of the ticket)", p->at, p->all);
	if (story != NULL)
		printf("\n--- message %s, %s: %s ---\n", num->str, when, out_safe(story));
	else
		printf("\n--- message %s, received %s ---\n", num->str, when);
	headers_text(tm, r, story == NULL, verbose, auth);
	text = out_safe_text(r->text);
	printf("\n%s", text);
	if (*text && text[strlen(text) - 1] != '\n')
		putchar('\n');
	for (guint a = 0; a < r->attachments->len; a++) {
		const render_attachment *at = r->attachments->pdata[a];

		printf("%s  [%u] %s (%s, %" G_GSIZE_FORMAT " bytes)\n", a ? "" : "\nAttachments:\n", p->att + a + 1,
		       out_safe(at->name), out_safe(at->type), at->size);
	}
	g_string_free(num, TRUE);
	g_free(story);
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

/* An event (a change of state) as one line: "--- TIME  WHAT": for an
 * acknowledgement or a survey to whom it went, else the first line of its
 * text. */
static void
event_text(const ticket_message *tm, const rendered_msg *r)
{
	char *when = out_iso8601(tm->time);
	gboolean ack = strcmp(tm->event, "ack") == 0, survey = strcmp(tm->event, "survey") == 0;
	char *to = ack ? xset_lookup(tm->set, "acked") : survey ? xset_lookup(tm->set, "surveyed") : NULL;
	const char *nl = strchr(r->text, '\n');
	char *line = to != NULL ? g_strdup_printf("%s sent to %s", ack ? "acknowledgement" : "satisfaction survey", to)
				: g_strndup(r->text, nl != NULL ? (gsize)(nl - r->text) : strlen(r->text));

	printf("\n--- %s  %s\n", when, out_safe(line));
	g_free(line);
	g_free(to);
	g_free(when);
}

/* Whether TM is shown in ticket INFO at all: the merge event of a ticket
 * merged into it says again what INFO's own merge event says. */
static gboolean
shown_here(const ticket_info *info, const ticket_message *tm)
{
	return tm->ticket == info->number || tm->event == NULL || strcmp(tm->event, "merge") != 0;
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

/* The attachments of TM as desk show numbers them (0 when it cannot be read). */
static GPtrArray *
attachments_of(desk_store *st, const ticket_message *tm)
{
	rendered_msg *r = NULL;
	desk_err err = { 0 };
	GPtrArray *a;

	if (render_attachments(tm->path, st->cfg->fallback_charsets, &r, &err) != DESK_OK)
		return g_ptr_array_new();
	a = g_ptr_array_ref(r->attachments);
	rendered_msg_free(r);
	return a;
}

/* Show one message or event line TM at P (already counted). */
static desk_status
show_one(desk_store *st, JsonBuilder *b, const show_opts *o, show_pos *p, const ticket_message *tm)
{
	gboolean numbered = ticket_message_numbered(tm);
	rendered_msg *r = NULL;
	desk_err one = { 0 };
	char *auth;

	if (render_message(tm->path, st->cfg->fallback_charsets, &r, &one) != DESK_OK) {
		desk_warn("show: message %s: %s", tm->message_id, one.msg);
		if (b == NULL && numbered)
			printf("\n--- message %u/%u: cannot be read (see standard error) ---\n", p->k, p->shown);
		return DESK_DATAERR;
	}
	auth = auth_line(st, tm);
	if (b != NULL)
		message_json(b, tm, r, p, auth);
	else if (!numbered)
		event_text(tm, r);
	else
		message_text(p, o->seen != NULL, o->verbose, tm, r, auth);
	p->att += numbered ? r->attachments->len : 0;
	rendered_msg_free(r);
	g_free(auth);
	return DESK_OK;
}

static desk_status
show(desk_store *st, const ticket_info *info, GPtrArray *msgs, const show_opts *o, desk_err *err)
{
	JsonBuilder *b = strcmp(o->format, "json") == 0 ? json_builder_new() : NULL;
	desk_status s = DESK_OK;
	show_pos p = { 0 };

	if (strcmp(o->format, "raw") == 0) {
		for (guint i = 0; i < msgs->len && s == DESK_OK; i++)
			if (!seen_before(o->seen, msgs->pdata[i]))
				s = message_raw(msgs->pdata[i], err);
		return s;
	}
	for (guint i = 0; i < msgs->len; i++) {
		if (ticket_message_numbered(msgs->pdata[i])) {
			p.all++;
			p.shown += !seen_before(o->seen, msgs->pdata[i]);
		}
	}
	if (b != NULL) {
		json_builder_begin_object(b);
		info_json(b, info, &p);
		survey_json(b, o);
		json_builder_set_member_name(b, "messages");
		json_builder_begin_array(b);
	} else {
		info_text(info, &p);
		survey_text(o);
		if (o->suggested != NULL)
			printf("Suggested: %s\n", out_safe(o->suggested));
		if (o->duplicate != NULL)
			printf("Duplicate: %s\n", out_safe(o->duplicate));
	}
	for (guint i = 0; i < msgs->len; i++) {
		const ticket_message *tm = msgs->pdata[i];
		gboolean numbered = ticket_message_numbered(tm);

		if (!shown_here(info, tm))
			continue;
		p.at += numbered;
		if (seen_before(o->seen, tm)) {
			GPtrArray *a = numbered ? attachments_of(st, tm) : NULL;

			p.att += a != NULL ? a->len : 0;
			if (a != NULL)
				g_ptr_array_unref(a);
			continue;
		}
		p.k += numbered;
		if (show_one(st, b, o, &p, tm) != DESK_OK)
			s = DESK_DATAERR;
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

/* The attachments of MSGS numbered WANT (from 1, as desk show lists
 * them), or, when WANT is 0, named NAME: how many; the first in *hit, its
 * index in that message in *index, the numbers of all in NUMBERS. */
static guint
find_attachments(desk_store *st, GPtrArray *msgs, guint64 want, const char *name, const ticket_message **hit,
		 guint *index, GString *numbers)
{
	guint n = 0, hits = 0;

	for (guint i = 0; i < msgs->len && (want == 0 || n < want); i++) {
		const ticket_message *tm = msgs->pdata[i];
		GPtrArray *a = ticket_message_numbered(tm) ? attachments_of(st, tm) : NULL;

		for (guint k = 0; a != NULL && k < a->len; k++) {
			n++;
			if (want != 0 ? n != want : strcmp(((render_attachment *)a->pdata[k])->name, name) != 0)
				continue;
			if (hits++ == 0) {
				*hit = tm;
				*index = k;
			}
			g_string_append_printf(numbers, "%s%u", hits > 1 ? ", " : "", n);
		}
		if (a != NULL)
			g_ptr_array_unref(a);
	}
	return hits;
}

/* desk show N --attachment WHICH: the attachment numbered WHICH (as desk
 * show lists them), else the one named WHICH, written to standard output,
 * which must not be a terminal. */
static desk_status
save_attachment(desk_store *st, const ticket_info *info, GPtrArray *msgs, const char *which, desk_err *err)
{
	char *end = NULL;
	guint64 want = g_ascii_isdigit(*which) ? g_ascii_strtoull(which, &end, 10) : 0;
	const ticket_message *hit = NULL;
	GString *numbers = g_string_new(NULL);
	guint hits = 0, index = 0;
	desk_status s;

	if (isatty(STDOUT_FILENO)) {
		g_string_free(numbers, TRUE);
		return desk_fail(err, DESK_USAGE,
				 "the attachment would go to your terminal: desk show %u --attachment %s > FILE",
				 info->number, which);
	}
	if (want != 0 && *end == '\0')
		hits = find_attachments(st, msgs, want, NULL, &hit, &index, numbers);
	if (hits == 0)
		hits = find_attachments(st, msgs, 0, which, &hit, &index, numbers);
	if (hits == 1)
		s = render_save_attachment(hit->path, st->cfg->fallback_charsets, index, STDOUT_FILENO, err);
	else if (hits == 0)
		s = desk_fail(err, DESK_NOTFOUND, "ticket %u has no attachment %s (desk show %u lists them)",
			      info->number, which, info->number);
	else
		s = desk_fail(err, DESK_USAGE, "%u attachments are named %s: give its number (%s)", hits, which,
			      numbers->str);
	g_string_free(numbers, TRUE);
	return s;
}

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

/* desk show N --summary (lib/desk/summary.h). */
static int
print_summary(desk_store *st, const ticket_info *info, GPtrArray *msgs, gboolean json)
{
	ticket_summary *sum = NULL;
	desk_err err = { 0 };
	desk_status s = summary_build(st->cfg->fallback_charsets, info, msgs, &sum, &err);

	if (s != DESK_OK)
		return desk_error(s, "show: summary: %s", err.msg);
	show_summary_print(info, sum, json);
	ticket_summary_free(sum);
	return 0;
}

/* desk show N --suggest: the KB's published articles for the ticket. */
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

/* desk triage's short line for ticket N (lib/store/triage.h), or NULL
 * when it cannot be had or there is not enough history yet (a desk that
 * does not triage hears nothing of it; desk triage N says why). */
static char *
suggested_line(desk_store *st, notmuch_database_t *db, guint n)
{
	triage_result *r = NULL;
	triage_opts o;
	char *line;

	desk_triage_opts(st->cfg, &o);
	if (triage_ticket(db, n, &o, &r, NULL, NULL) != DESK_OK)
		return NULL;
	line = r->enough ? desk_triage_line(r, &o) : NULL;
	triage_result_free(r);
	return line;
}

int
verb_show(const char *store_dir, int argc, char **argv)
{
	char *format = NULL, *attachment = NULL;
	gboolean suggest = FALSE, last = FALSE, verbose = FALSE, summary = FALSE, similar = FALSE;
	char *as = NULL;
	const desk_agent *me = NULL;
	GHashTable *seen = NULL;
	gint64 seen_when = 0;
	GOptionEntry entries[] = {
		{ "last", 'l', 0, G_OPTION_ARG_NONE, &last, "Only what is new since you last looked", NULL },
		{ "as", 0, 0, G_OPTION_ARG_STRING, &as, "Look as agent LOGIN (default $MAILDESK_AGENT, else your login)", "LOGIN" },
		{ "format", 'f', 0, G_OPTION_ARG_STRING, &format, "text, json or raw (the stored messages as mbox)", "FMT" },
		{ "suggest", 0, 0, G_OPTION_ARG_NONE, &suggest, "Then the KB's suggested articles (text only)", NULL },
		{ "summary", 's', 0, G_OPTION_ARG_NONE, &summary,
		  "A summary in the mail's own sentences: first and last asked, answers, status changes", NULL },
		{ "similar", 0, 0, G_OPTION_ARG_NONE, &similar,
		  "The 5 most similar tickets with their scores, and a possible duplicate to merge", NULL },
		{ "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose,
		  "Every header of every message, its X-Desk-Match and tags", NULL },
		{ "attachment", 'a', 0, G_OPTION_ARG_STRING, &attachment,
		  "Write attachment INDEX (as listed), or the one named NAME, to standard output", "INDEX|NAME" },
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
	if (s == DESK_OK && summary) {
		if (strcmp(format, "raw") == 0 || last || attachment != NULL)
			rc = desk_error(DESK_USAGE, "show: --summary goes with --format text or json only");
		else
			rc = print_summary(st, info, msgs, strcmp(format, "json") == 0);
		goto out;
	}
	if (s == DESK_OK && similar) {
		if (strcmp(format, "raw") == 0 || last || attachment != NULL)
			rc = desk_error(DESK_USAGE, "show: --similar goes with --format text or json only");
		else
			rc = show_similar_print(st, db, info, strcmp(format, "json") == 0);
		goto out;
	}
	if (s == DESK_OK && attachment != NULL) {
		if ((s = save_attachment(st, info, msgs, attachment, &err)) != DESK_OK)
			rc = desk_error(s, "show: %s", err.msg);
		goto out;
	}
	if (s == DESK_OK && last && seen_get(st, me->login, (guint)n, &seen, &seen_when, &err) == DESK_TEMPFAIL)
		s = DESK_TEMPFAIL;
	if (s == DESK_OK) {
		char *line = strcmp(format, "text") == 0 ? suggested_line(st, db, info->number) : NULL;
		char *dup = strcmp(format, "text") == 0 ? show_duplicate_line(st, db, info->number) : NULL;
		show_opts o = { format, seen, verbose, NULL, NULL, line, dup };
		GHashTable *sent = NULL, *rated = NULL;

		s = survey_sends(db, (guint)n, &sent, &err);
		if (s == DESK_OK)
			s = survey_ratings(db, (guint)n, &rated, &err);
		if (s == DESK_OK) {
			o.survey = g_hash_table_lookup(sent, GUINT_TO_POINTER((guint)n));
			o.rating = g_hash_table_lookup(rated, GUINT_TO_POINTER((guint)n));
			s = show(st, info, msgs, &o, &err);
		}
		if (sent != NULL)
			g_hash_table_unref(sent);
		if (rated != NULL)
			g_hash_table_unref(rated);
		g_free(line);
		g_free(dup);
	}
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
	desk_close_store(st);
	g_free(format);
	g_free(attachment);
	g_free(as);
	return rc;
}
