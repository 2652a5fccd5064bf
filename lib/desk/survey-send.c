/* survey-send.c: the satisfaction surveys that are due (doc/desk-survey.1).
 *
 * A ticket solved at least survey.delay_hours ago (and not more than a
 * week before that, so that turning surveys on does not mail every old
 * ticket) gets one survey, ever: its requester, unless automatic mail
 * opened the ticket (auto, bulk, list, bounce, held, spam), the address
 * is a no-reply one, the desk's or an agent's, or on the opt-out list, or
 * its From would get no acknowledgement by the MTA's authenticators
 * (sender.ack_senders: no mail to a forged From).
 * The mail (template csat, nps or ces) is stored in the ticket first as
 * event survey, under the store lock, then sent through sendmail(1) with
 * a null envelope sender; the event is what makes it once. */
#include <string.h>

#include "addr.h"
#include "change.h"
#include "clock.h"
#include "followup.h"
#include "log.h"
#include "sender.h"
#include "sendmail.h"
#include "survey.h"
#include "survey-send.h"
#include "template.h"
#include "token.h"

#define SURVEY_LATE_SECONDS (7 * 86400)

/* Why ticket T's requester gets no survey; NULL when they get one. */
static const char *
survey_refused(desk_store *st, notmuch_database_t *db, const ticket_info *t)
{
	static const char *const tags[] = { "auto", "bulk", "bounce", "held", "spam", NULL };
	const char *to = t->requester;
	notmuch_message_t *m = NULL;
	const char *why = NULL, *path;
	authres_verdict v;

	if (t->merged_into != 0 || strcmp(t->status, "spam") == 0)
		return "merged or spam";
	if (to == NULL || *to == '\0' || strchr(to, '@') == NULL || strlen(to) > 150)
		return "no usable requester";
	if (ack_noreply_address(to))
		return "no-reply requester";
	if (config_queue_for(st->cfg, to, NULL) != NULL || agent_by_address(st->cfg->agents, to) != NULL)
		return "the requester is the desk or an agent";
	if (survey_optout_has(st, to))
		return "the requester opted out";
	if (t->root_id != NULL && notmuch_database_find_message(db, t->root_id, &m) == NOTMUCH_STATUS_SUCCESS &&
	    m != NULL) {
		notmuch_tags_t *ts = notmuch_message_get_tags(m);

		for (; why == NULL && notmuch_tags_valid(ts); notmuch_tags_move_to_next(ts))
			for (const char *const *w = tags; why == NULL && *w != NULL; w++)
				if (strcmp(notmuch_tags_get(ts), *w) == 0)
					why = "automatic mail opened the ticket";
		notmuch_tags_destroy(ts);
		/* the MTA's authenticators on the stored copy, as for acknowledgements:
		 * no survey to a forged From (ack_senders, lib/store/sender.h) */
		if (why == NULL && (path = notmuch_message_get_filename(m)) != NULL &&
		    sender_verdict_file(st->cfg, path, &v, NULL))
			why = sender_no_ack(st->cfg, v);
		notmuch_message_destroy(m);
	}
	if (why == NULL && t->activity == 0)
		why = "no mail of people";
	return why;
}

/* A mailto: URL of ADDR with SUBJECT (percent-encoded). Caller g_free()s. */
static char *
mailto(const char *addr, const char *subject)
{
	char *s = g_uri_escape_string(subject, NULL, FALSE);
	char *u = g_strdup_printf("mailto:%s?subject=%s", addr, s);

	g_free(s);
	return u;
}

/* The signed opt-out address of ticket T's requester. Caller g_free()s. */
static char *
optout_address(desk_store *st, const ticket_info *t)
{
	survey_link l = { TRUE, SURVEY_CSAT, t->number, 0 };

	return survey_address(st->secret, event_desk_address(st, t->queue), &l);
}

/* The placeholders of the survey of ticket T (template_vars, with agent
 * ME, may be NULL) and its links: ${score_N} for each score N of KIND's
 * scale, ${optout}, ${scale}. */
static GHashTable *
survey_vars(desk_store *st, const ticket_info *t, const desk_agent *me, survey_kind kind)
{
	GHashTable *h = template_vars(st, t, me);
	const char *desk = event_desk_address(st, t->queue);
	survey_link l = { FALSE, kind, t->number, 0 };

	for (int n = survey_min(kind); n <= survey_max(kind); n++) {
		char *addr, *subject;

		l.score = n;
		addr = survey_address(st->secret, desk, &l);
		subject = g_strdup_printf("Rating %d for ticket #%u", n, t->number);
		g_hash_table_insert(h, g_strdup_printf("score_%d", n), mailto(addr, subject));
		g_free(subject);
		g_free(addr);
	}
	{
		char *addr = optout_address(st, t);

		g_hash_table_insert(h, g_strdup("optout"), mailto(addr, "No more surveys"));
		g_free(addr);
	}
	g_hash_table_insert(h, g_strdup("scale"), g_strdup_printf("%d-%d", survey_min(kind), survey_max(kind)));
	return h;
}

/* Append TEXT (LEN bytes) to O, escaped for HTML. */
static void
html_text(GString *o, const char *text, gssize len)
{
	char *e = g_markup_escape_text(text, len);

	g_string_append(o, e);
	g_free(e);
}

/* The survey's BODY as HTML for clients that show it: the same lines,
 * each that holds one of our links (LINKS, the values of VARS we made) an
 * anchor of that link over the rest of its text, so one click answers.
 * Nothing else becomes a link: text from mail (a name) is only escaped.
 * Caller g_free()s. */
static char *
survey_html(const char *body, GHashTable *links)
{
	GString *o = g_string_new("<!DOCTYPE html>\n<html><body><pre style=\"font-family:sans-serif\">");
	char **lines = g_strsplit(body, "\n", -1);

	for (char **l = lines; *l != NULL; l++) {
		const char *m = strstr(*l, "mailto:");
		size_t n = m != NULL ? strcspn(m, " \t\r") : 0;
		char *url = m != NULL ? g_strndup(m, n) : NULL;

		if (url != NULL && g_hash_table_contains(links, url)) {
			GString *rest = g_string_new_len(*l, m - *l);
			char *label;

			g_string_append(rest, m + n);
			label = g_strchomp(g_string_free(rest, FALSE));
			g_string_append(o, "<a href=\"");
			html_text(o, url, -1);
			g_string_append(o, "\">");
			html_text(o, *label ? label : url, -1);
			g_string_append(o, "</a>");
			g_free(label);
		} else {
			html_text(o, *l, -1);
		}
		g_string_append_c(o, '\n');
		g_free(url);
	}
	g_strfreev(lines);
	g_string_append(o, "</pre></body></html>\n");
	return g_string_free(o, FALSE);
}

/* The links of VARS (values that start with "mailto:"), as a set. */
static GHashTable *
links_of(GHashTable *vars)
{
	GHashTable *set = g_hash_table_new(g_str_hash, g_str_equal);
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, vars);
	while (g_hash_table_iter_next(&it, &k, &v))
		if ((g_str_has_prefix(k, "score_") || strcmp(k, "optout") == 0) && g_str_has_prefix(v, "mailto:"))
			g_hash_table_add(set, v);
	return set;
}

/* BODY as the text part and its HTML (survey_html) as alternatives. */
static GMimeObject *
survey_parts(const char *body, GHashTable *vars)
{
	GMimeMultipart *alt = g_mime_multipart_new_with_subtype("alternative");
	GHashTable *links = links_of(vars);
	char *html = survey_html(body, links);
	GMimePart *hp = GMIME_PART(g_mime_text_part_new_with_subtype("html"));
	GMimeStream *mem = g_mime_stream_mem_new_with_buffer(html, strlen(html));
	GMimeDataWrapper *dw = g_mime_data_wrapper_new_with_stream(mem, GMIME_CONTENT_ENCODING_DEFAULT);
	GMimeObject *text = event_text_part(body);

	g_mime_part_set_content(hp, dw);
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(hp), "charset", "utf-8");
	g_mime_part_set_content_encoding(hp, GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	g_mime_multipart_add(alt, text);
	g_mime_multipart_add(alt, GMIME_OBJECT(hp));
	g_object_unref(text);
	g_object_unref(hp);
	g_object_unref(dw);
	g_object_unref(mem);
	g_hash_table_unref(links);
	g_free(html);
	return GMIME_OBJECT(alt);
}

/* The survey mail of ticket T, from template NAME, asked for by ME (may
 * be NULL). */
static desk_status
survey_message(desk_store *st, const ticket_info *t, const desk_agent *me, survey_kind kind, const char *name,
	       GMimeMessage **out, desk_err *err)
{
	GHashTable *vars = survey_vars(st, t, me, kind);
	desk_template *tpl = NULL;
	const char *desk = event_desk_address(st, t->queue);
	char *from = g_strdup(*t->queue ? t->queue : "support"), *subject, *reply_to, *optout, *unsub;
	desk_status s = template_load(st, name, vars, &tpl, err);
	GMimeObject *o;

	*out = NULL;
	if (s == DESK_OK) {
		from[0] = g_ascii_toupper(from[0]);
		subject = event_subject(st, t->number, tpl->subject != NULL ? tpl->subject : "How did we do?");
		*out = event_message_new(st, t, from, desk, t->requester, subject, NULL, tpl->body);
		o = survey_parts(tpl->body, vars);
		g_mime_message_set_mime_part(*out, o);
		g_object_unref(o);
		o = GMIME_OBJECT(*out);
		reply_to = token_address(st->secret, desk, t->number);
		event_add_mailbox(*out, GMIME_ADDRESS_TYPE_REPLY_TO, from, reply_to);
		g_mime_object_set_header(o, "Auto-Submitted", "auto-generated", NULL);
		g_mime_object_set_header(o, "X-Auto-Response-Suppress", "All", NULL);
		/* RFC 2369: clients offer "unsubscribe", which mails the signed
		 * opt-out address (a mailto: has no List-Unsubscribe-Post) */
		optout = optout_address(st, t);
		unsub = g_strdup_printf("<mailto:%s>", optout);
		g_mime_object_set_header(o, "List-Unsubscribe", unsub, NULL);
		g_free(unsub);
		g_free(optout);
		g_free(reply_to);
		g_free(subject);
	}
	template_free(tpl);
	g_hash_table_unref(vars);
	g_free(from);
	return s;
}

/* The template of KIND's survey: survey.template, else the kind's own. */
static const char *
survey_template_name(const desk_config *cfg, survey_kind kind)
{
	return *cfg->survey_template ? cfg->survey_template : survey_kind_name(kind);
}

/* Store the survey of ticket T (template NAME) in it, asked for by ME
 * (NULL: the system); *text gets the mail to send. */
static desk_status
survey_store(desk_change *c, desk_store *st, const ticket_info *t, const desk_agent *me, survey_kind kind,
	     const char *name, char **text, desk_err *err)
{
	GMimeMessage *msg = NULL;
	desk_status s = survey_message(st, t, me, kind, name, &msg, err);

	*text = NULL;
	if (s == DESK_OK) {
		xset *set = xset_new();
		desk_block b = { t->number, t->queue, "survey", set, NULL, NULL };

		xset_add(set, "surveyed", t->requester);
		xset_add(set, "scale", survey_kind_name(kind));
		xset_add(set, "by", me != NULL ? me->login : "system");
		if ((s = change_deliver(c, &b, msg, err)) == DESK_OK)
			*text = event_to_string(msg);
		xset_free(set);
	}
	if (msg != NULL)
		g_object_unref(msg);
	return s;
}

/* Whether ticket T's survey is due at NOW. */
static gboolean
due(const desk_config *cfg, const ticket_info *t, gint64 now)
{
	gint64 at = t->solved_at + (gint64)cfg->survey_delay_hours * 3600;

	return t->solved_at > 0 && at <= now && at > now - SURVEY_LATE_SECONDS;
}

desk_status
survey_send_due(desk_store *st, gboolean dry_run, GPtrArray *lines, guint *count, desk_err *err)
{
	ticket_filter f = { .statuses = "solved,closed", .sort = SORT_AGE };
	GPtrArray *tickets = NULL, *texts = g_ptr_array_new_with_free_func(g_free);
	GHashTable *sent = NULL;
	desk_change *c = NULL;
	gint64 now = desk_now();
	survey_kind kind = SURVEY_CSAT;
	desk_status s;

	*count = 0;
	if (!st->cfg->survey_enabled) {
		g_ptr_array_unref(texts);
		return DESK_OK;
	}
	survey_kind_parse(st->cfg->survey_kind, &kind);
	/* a ticket solved within the window was updated then or later */
	f.since = now - (gint64)st->cfg->survey_delay_hours * 3600 - SURVEY_LATE_SECONDS;
	s = change_begin(st, &c, err);
	if (s == DESK_OK)
		s = ticket_list(change_db(c), &f, &tickets, NULL, err);
	if (s == DESK_OK)
		s = survey_sends(change_db(c), 0, &sent, err);
	for (guint i = 0; s == DESK_OK && i < tickets->len; i++) {
		const ticket_info *t = tickets->pdata[i];
		const char *why;
		char *text = NULL;

		if (!due(st->cfg, t, now) || g_hash_table_contains(sent, GUINT_TO_POINTER(t->number)))
			continue;
		if ((why = survey_refused(st, change_db(c), t)) != NULL) {
			g_ptr_array_add(lines, g_strdup_printf("%u: no survey: %s", t->number, why));
			continue;
		}
		if (!dry_run && (s = survey_store(c, st, t, NULL, kind, survey_template_name(st->cfg, kind), &text,
						  err)) != DESK_OK)
			break;
		if (text != NULL)
			g_ptr_array_add(texts, text);
		g_ptr_array_add(lines, g_strdup_printf("%u: %s %s (%s)", t->number, dry_run ? "would survey" : "surveyed",
						       t->requester, survey_kind_name(kind)));
		(*count)++;
	}
	s = change_finish(c, s, err);
	/* stored first: a failed send is logged, never sent twice */
	for (guint i = 0; s == DESK_OK && i < texts->len; i++) {
		desk_err e = { 0 };

		if (sendmail_send(st, texts->pdata[i], "<>", &e) != DESK_OK)
			desk_log(LOG_WARNING, "survey stored, not sent: %s", e.msg);
	}
	if (tickets != NULL)
		g_ptr_array_unref(tickets);
	if (sent != NULL)
		g_hash_table_unref(sent);
	g_ptr_array_unref(texts);
	return s;
}

gboolean
survey_template_kind(const desk_config *cfg, const char *name, survey_kind *kind)
{
	if (survey_kind_parse(name, kind))
		return TRUE;
	if (*cfg->survey_template == '\0' || strcmp(name, cfg->survey_template) != 0)
		return FALSE;
	*kind = SURVEY_CSAT;
	survey_kind_parse(cfg->survey_kind, kind);
	return TRUE;
}

desk_status
survey_send_ticket(desk_store *st, const desk_agent *me, guint n, const char *name, char **line, desk_err *err)
{
	desk_change *c = NULL;
	ticket_info *t = NULL;
	GHashTable *sent = NULL;
	const survey_sent *was;
	survey_kind kind = SURVEY_CSAT;
	char *text = NULL;
	const char *why;
	desk_status s;

	*line = NULL;
	if (!survey_template_kind(st->cfg, name, &kind))
		return desk_fail(err, DESK_USAGE, "template %s is not a survey", name);
	if ((s = sendmail_check(st, err)) != DESK_OK)   /* before anything is stored */
		return s;
	s = change_begin(st, &c, err);
	if (s == DESK_OK)
		s = ticket_info_get(change_db(c), n, &t, err);
	if (s == DESK_OK)
		s = survey_sends(change_db(c), n, &sent, err);
	if (s == DESK_OK && (was = g_hash_table_lookup(sent, GUINT_TO_POINTER(n))) != NULL) {
		GDateTime *d = g_date_time_new_from_unix_utc(was->time);
		char *when = g_date_time_format(d, "%Y-%m-%dT%H:%M:%SZ");

		s = desk_fail(err, DESK_DATAERR, "ticket %u was surveyed already (%s, %s): one survey a ticket",
			      n, survey_kind_name(was->kind), when);
		g_free(when);
		g_date_time_unref(d);
	}
	if (s == DESK_OK && (why = survey_refused(st, change_db(c), t)) != NULL)
		s = desk_fail(err, DESK_DATAERR, "no survey for ticket %u: %s", n, why);
	if (s == DESK_OK)
		s = survey_store(c, st, t, me, kind, name, &text, err);
	s = change_finish(c, s, err);
	if (s == DESK_OK)
		*line = g_strdup_printf("%u: surveyed %s (%s)", n, t->requester, survey_kind_name(kind));
	if (s == DESK_OK && (s = sendmail_send(st, text, "<>", err)) != DESK_OK) {
		char *why2 = g_strdup(err->msg);

		desk_fail(err, s, "the survey is stored in ticket %u but not sent: %s", n, why2);
		g_free(why2);
		g_clear_pointer(line, g_free);
	}
	if (sent != NULL)
		g_hash_table_unref(sent);
	ticket_info_free(t);
	g_free(text);
	return s;
}
