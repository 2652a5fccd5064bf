/* bymail-followup.c: carry out an agent's mail once it is indexed (once:
 * followup.c removes its name from STORE/followup/ after): its #commands become
 * events by that agent, a public reply is relayed to the requester from
 * the desk address and stored as event "reply", and whatever fails (or
 * was not the agent's to command, as decided at SMTP time) is answered to
 * the agent by mail and noted in the ticket. Automatic mail of an agent
 * (an auto-reply, a bounce, bulk mail) is a comment only: no command
 * runs, nothing is relayed, and no mail answers it. */
#include <fcntl.h>
#include <string.h>
#include <gmime/gmime.h>

#include "actions.h"
#include "bymail.h"
#include "change.h"
#include "charset.h"
#include "event.h"
#include "followup.h"
#include "html.h"
#include "log.h"
#include "sendmail.h"
#include "token.h"
#include "xset.h"

#define MAX_ATTACHMENTS 50

typedef struct agent_mail {
	GMimeMessage *msg;
	char *text;              /* the body as UTF-8 text, never NULL after mail_read */
	char *html;              /* the HTML body's source when there is a text one too, or NULL */
	GPtrArray *attachments;  /* GMimeObject*, kept in a relayed reply */
} agent_mail;

/* The text of part O as UTF-8: its charset, else UTF-8, else the
 * fallback charsets (charset.h). Caller g_free()s. */
static char *
part_text(GMimeObject *o)
{
	GMimeDataWrapper *w = g_mime_part_get_content(GMIME_PART(o));
	GMimeStream *mem = g_mime_stream_mem_new();
	GByteArray *b;
	char *t;

	if (w != NULL)
		g_mime_data_wrapper_write_to_stream(w, mem);  /* transfer encoding undone */
	b = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	t = charset_to_utf8((const char *)b->data, b->len, g_mime_object_get_content_type_parameter(o, "charset"),
			    charset_fallback());
	g_object_unref(mem);
	return t;
}

/* The first text/plain part that is not an attachment is the text; the
 * first text/html one stands in when there is none; attachments (by
 * disposition or filename, non-text parts, attached messages) are kept. */
static void
walk(GMimeObject *o, agent_mail *m, GMimeObject **html, int depth)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);

	if (GMIME_IS_MULTIPART(o) && depth < 20) {
		for (int i = 0; i < g_mime_multipart_get_count(GMIME_MULTIPART(o)); i++)
			walk(g_mime_multipart_get_part(GMIME_MULTIPART(o), i), m, html, depth + 1);
	} else if (GMIME_IS_MESSAGE_PART(o) || GMIME_IS_PART(o)) {
		gboolean att = GMIME_IS_MESSAGE_PART(o) || g_mime_part_is_attachment(GMIME_PART(o)) ||
			       g_mime_part_get_filename(GMIME_PART(o)) != NULL;

		if (!att && GMIME_IS_TEXT_PART(o) && g_mime_content_type_is_type(ct, "text", "plain")) {
			if (m->text == NULL)
				m->text = part_text(o);
		} else if (!att && GMIME_IS_TEXT_PART(o) && g_mime_content_type_is_type(ct, "text", "html")) {
			if (*html == NULL)
				*html = o;
		} else if ((att || !GMIME_IS_TEXT_PART(o)) && m->attachments->len < MAX_ATTACHMENTS) {
			g_ptr_array_add(m->attachments, g_object_ref(o));
		}
	}
}

static desk_status
mail_read(const char *path, agent_mail *m, desk_err *err)
{
	GError *gerr = NULL;
	GMimeStream *fs = g_mime_stream_fs_open(path, O_RDONLY, 0, &gerr);
	GMimeParser *p;
	GMimeObject *html = NULL;

	m->attachments = g_ptr_array_new_with_free_func(g_object_unref);
	if (fs == NULL) {
		desk_status s = desk_fail(err, DESK_TEMPFAIL, "%s: %s", path, gerr->message);

		g_error_free(gerr);
		return s;
	}
	p = g_mime_parser_new_with_stream(fs);
	m->msg = g_mime_parser_construct_message(p, NULL);
	g_object_unref(p);
	g_object_unref(fs);
	if (m->msg == NULL)
		return desk_fail(err, DESK_DATAERR, "%s: not a message", path);
	if (g_mime_message_get_mime_part(m->msg) != NULL)
		walk(g_mime_message_get_mime_part(m->msg), m, &html, 0);
	if (html != NULL) {
		char *h = part_text(html);

		if (m->text != NULL)
			m->html = h;  /* an alternative: its commands must agree */
		else
			m->text = h != NULL ? html_to_text(h, strlen(h)) : NULL;
		if (m->html != h)
			g_free(h);
	}
	if (m->text == NULL)
		m->text = g_strdup("");
	g_strdelimit(m->text, "\r", ' ');
	return DESK_OK;
}

/* The Subject of M as UTF-8 (charset.h), "" when it has none. Caller
 * g_free()s. */
static char *
mail_subject(const agent_mail *m)
{
	GMimeHeader *h = g_mime_header_list_get_header(g_mime_object_get_header_list(GMIME_OBJECT(m->msg)),
							"Subject");

	return g_strstrip(charset_header_text(h != NULL ? g_mime_header_get_raw_value(h) : NULL,
					      charset_fallback()));
}

static void
mail_clear(agent_mail *m)
{
	if (m->msg != NULL)
		g_object_unref(m->msg);
	if (m->attachments != NULL)
		g_ptr_array_unref(m->attachments);
	g_free(m->text);
	g_free(m->html);
}

/* The words of a command line, empty ones left out. g_strfreev(). */
static char **
words_of(const char *cmd, int *n)
{
	char **w = g_strsplit_set(cmd, " \t", -1);
	int j = 0;

	for (int i = 0; w[i] != NULL; i++) {
		if (*w[i] != '\0')
			w[j++] = w[i];
		else
			g_free(w[i]);
	}
	w[j] = NULL;
	*n = j;
	return w;
}

/* The event of command W (checked by bymail_command_ok) on ticket T. */
static desk_status
decide(const desk_config *cfg, const ticket_info *t, const desk_agent *me, char **w, int n,
       apply_event *ev, desk_err *err)
{
	gboolean force = n > 1 && strcmp(w[n - 1], "--force") == 0;

	if (strcmp(w[0], "take") == 0)
		return assign_decide(t, me, me->login, force, ev, err);
	if (strcmp(w[0], "unassign") == 0)
		return assign_decide(t, me, "", force, ev, err);
	if (strcmp(w[0], "assign") == 0)
		return assign_decide(t, me, agent_find(cfg->agents, w[1])->login, force, ev, err);
	if (strcmp(w[0], "status") == 0)
		return status_decide(t, me, w[1], ev, err);
	if (strcmp(w[0], "close") == 0)
		return status_decide(t, me, "solved", ev, err);
	if (strcmp(w[0], "reopen") == 0)
		return reopen_decide(t, me, ev, err);
	if (strcmp(w[0], "priority") == 0)
		return priority_decide(t, me, w[1], ev, err);
	if (strcmp(w[0], "queue") == 0)
		return queue_decide(t, me, w[1], ev, err);
	if (strcmp(w[0], "tag") == 0)
		return tag_decide(t, me, w + 1, ev, err);
	if (strcmp(w[0], "cc") == 0)
		return cc_decide(t, me, strcmp(w[1], "add") == 0, w[2], ev, err);
	return desk_fail(err, DESK_SOFTWARE, "unknown command '%s'", w[0]);
}

/* One command, in a change of its own: the next one sees its result. */
static void
apply_command(desk_store *st, guint ticket, const desk_agent *me, const char *cmd, GString *errors)
{
	desk_change *c = NULL;
	ticket_info *t = NULL;
	apply_event ev = { 0 };
	desk_err err = { 0 };
	int n;
	char **w = words_of(cmd, &n);
	desk_status s = change_begin(st, &c, &err);

	if (s == DESK_OK)
		s = change_ticket(c, ticket, &t, NULL, &err);
	if (s == DESK_OK)
		s = decide(st->cfg, t, me, w, n, &ev, &err);
	if (s == DESK_OK && ev.event != NULL)
		s = change_event(c, t, me, ev.event, ev.set, ev.line, &err);
	s = change_finish(c, s, &err);
	if (s != DESK_OK)
		g_string_append_printf(errors, "#%s: %s\n", cmd, err.msg);
	else
		desk_log(LOG_INFO, "ticket %u: #%s by mail from %s: %s", ticket, cmd, me->login,
			 ev.line != NULL ? ev.line : "unchanged");
	xset_free(ev.set);
	g_free(ev.line);
	ticket_info_free(t);
	g_strfreev(w);
}

/* Whether M answers a notification of ours (its In-Reply-To is an event
 * notify, lib/desk/notify.c): its Subject is then the notification's
 * ("Assigned to you by ..."), not one for the requester. */
static gboolean
answers_notice(notmuch_database_t *db, const agent_mail *m)
{
	const char *irt = g_mime_object_get_header(GMIME_OBJECT(m->msg), "In-Reply-To");
	char *id = irt != NULL ? g_mime_utils_decode_message_id(irt) : NULL;
	notmuch_message_t *nm = NULL;
	const char *ev = NULL;
	gboolean yes = FALSE;

	if (id != NULL && *id != '\0' && notmuch_database_find_message(db, id, &nm) == NOTMUCH_STATUS_SUCCESS &&
	    nm != NULL) {
		yes = notmuch_message_get_property(nm, "desk.event", &ev) == NOTMUCH_STATUS_SUCCESS && ev != NULL &&
		      strcmp(ev, "notify") == 0;
		notmuch_message_destroy(nm);
	}
	g_free(id);
	return yes;
}

/* The reply to T's requester: From the agent's name at the desk address,
 * To the requester (with their name), Cc the participants, Reply-To with
 * the token, BODY and the agent's attachments; the Subject of the agent's
 * mail, else (none, or RE_TICKET) "Re: " and the ticket's. */
static GMimeMessage *
compose_reply(desk_store *st, const ticket_info *t, const desk_agent *me, agent_mail *m, const char *body,
	      gboolean re_ticket)
{
	const char *desk = event_desk_address(st, t->queue);
	char *subj = re_ticket ? g_strdup("") : mail_subject(m);
	char *fallback = g_strdup_printf("Re: %s", t->subject != NULL ? t->subject : "");
	GMimeMessage *out = event_message_new(st, t, *me->name ? me->name : me->login, desk, t->requester,
					      *subj ? subj : fallback, NULL, body);
	char *reply_to = token_address(st->secret, desk, t->number);

	for (char **p = t->cc; p != NULL && *p != NULL; p++)
		if (strcmp(*p, t->requester) != 0 && config_queue_for(st->cfg, *p, NULL) == NULL)
			event_add_mailbox(out, GMIME_ADDRESS_TYPE_CC, NULL, *p);
	event_add_mailbox(out, GMIME_ADDRESS_TYPE_REPLY_TO, NULL, reply_to);
	if (m->attachments->len > 0) {
		GMimeMultipart *mixed = g_mime_multipart_new_with_subtype("mixed");
		GMimeObject *text = g_object_ref(g_mime_message_get_mime_part(out));

		g_mime_multipart_add(mixed, text);
		for (guint i = 0; i < m->attachments->len; i++)
			g_mime_multipart_add(mixed, m->attachments->pdata[i]);
		g_mime_message_set_mime_part(out, GMIME_OBJECT(mixed));
		g_object_unref(mixed);
		g_object_unref(text);
	}
	g_free(reply_to);
	g_free(fallback);
	g_free(subj);
	return out;
}

/* Relay the reply and store the copy as event "reply" by ME; when
 * sendmail fails, store a "send-failed" event instead. */
static desk_status
relay(desk_store *st, const followup_item *it, const desk_agent *me, agent_mail *m, const char *body,
      desk_err *err)
{
	desk_change *c = NULL;
	ticket_info *t = NULL;
	desk_status s = change_begin(st, &c, err);
	GMimeMessage *out = NULL;
	char *text = NULL;
	xset *set = xset_new();

	if (s == DESK_OK)
		s = change_ticket(c, it->ticket, &t, NULL, err);
	if (s == DESK_OK && (t->requester == NULL || *t->requester == '\0'))
		s = desk_fail(err, DESK_DATAERR, "ticket %u has no requester to answer", t->number);
	if (s == DESK_OK) {
		out = compose_reply(st, t, me, m, body, answers_notice(change_db(c), m));
		text = event_to_string(out);
		s = sendmail_send(st, text, event_desk_address(st, t->queue), err);
	}
	if (s == DESK_OK) {
		desk_block b = { t->number, t->queue, "reply", set, NULL, NULL };

		xset_add(set, "by", me->login);
		s = change_deliver(c, &b, out, err);
		desk_log(LOG_INFO, "ticket %u: reply by mail from %s relayed to %s", t->number, me->login, t->requester);
	} else if (t != NULL) {
		desk_err e2 = { 0 };
		char *line = g_strdup_printf("the reply of %s by mail was not sent: %.300s", me->login, err->msg);

		desk_log(LOG_ERR, "ticket %u: %s", t->number, line);
		change_event(c, t, NULL, "send-failed", NULL, line, &e2);
		g_free(line);
	}
	if (c != NULL) {
		desk_err e2 = { 0 };

		if (change_commit(c, &e2) != DESK_OK && s == DESK_OK)
			s = desk_fail(err, e2.status, "%s", e2.msg);
	}
	if (out != NULL)
		g_object_unref(out);
	ticket_info_free(t);
	g_free(text);
	xset_free(set);
	return s;
}

/* Whether IT is automatic mail: an auto-reply, a bounce, bulk mail. */
static gboolean
is_automatic(const followup_item *it)
{
	return followup_has_tag(it, "auto") || followup_has_tag(it, "bulk") || followup_has_tag(it, "bounce");
}

/* What became of a mail, told after what failed. */
static const char done_rest[] = "The rest of it was carried out.";
static const char done_no_commands[] = "None of its commands were carried out: correct them and send them again.";
static const char done_nothing[] = "Nothing of it was done and nothing was sent to the requester:\n"
				   "correct it and send it again.";
static const char done_comment[] = "It is stored in the ticket as an internal comment only: none of its\n"
				   "commands were carried out and nothing of it was sent to the requester.\n"
				   "Send it again yourself, from your own address.";

/* Tell the agent what failed and DONE, what became of the mail (by mail,
 * unless their mail was automatic), and note it in the ticket as event
 * "command-failed". */
static void
answer(desk_store *st, const followup_item *it, const desk_agent *me, agent_mail *m, const char *errors,
       const char *done)
{
	desk_change *c = NULL;
	ticket_info *t = NULL;
	desk_err err = { 0 };
	const char *nl = strchr(errors, '\n');
	char *first = g_strndup(errors, nl != NULL ? (gsize)(nl - errors) : strlen(errors));
	char *line = g_strdup_printf("mail from %s: %.300s", me->login, first);
	gboolean automatic = is_automatic(it);
	desk_status s = change_begin(st, &c, &err);

	desk_log(LOG_NOTICE, "ticket %u: %s", it->ticket, line);
	if (s == DESK_OK)
		s = change_ticket(c, it->ticket, &t, NULL, &err);
	if (s == DESK_OK)
		s = change_event(c, t, NULL, "command-failed", NULL, line, &err);
	if (s == DESK_OK && !automatic) {
		char *subj = mail_subject(m);
		char *body = g_strdup_printf("Your mail to ticket %u <%s> was not carried out in full:\n\n%s\n%s\n",
					     t->number, it->message_id, errors, done);
		char *subject = g_strdup_printf("Not carried out: %s", subj);
		GMimeMessage *msg = event_message_new(st, t, "maildesk", event_desk_address(st, t->queue),
						      me->address, subject, it->message_id, body);
		char *text;

		event_set_to(msg, me->name, me->address);
		g_mime_object_set_header(GMIME_OBJECT(msg), "Auto-Submitted", "auto-replied", NULL);
		text = event_to_string(msg);
		s = sendmail_send(st, text, event_desk_address(st, t->queue), &err);
		g_free(text);
		g_object_unref(msg);
		g_free(subject);
		g_free(subj);
		g_free(body);
	}
	if (c != NULL && change_commit(c, s == DESK_OK ? &err : NULL) != DESK_OK && s == DESK_OK)
		s = err.status;
	if (s != DESK_OK)
		desk_log(LOG_ERR, "ticket %u: cannot tell %s what failed: %s", it->ticket, me->login, err.msg);
	ticket_info_free(t);
	g_free(line);
	g_free(first);
}

/* The agent's login in SET ("by=LOGIN"). */
static char *
login_of(const char *set)
{
	return xset_lookup(set, "by");
}

static gboolean
blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (!g_ascii_isspace(*s))
			return FALSE;
	return TRUE;
}

void
bymail_followup(desk_store *st, const followup_item *it)
{
	agent_mail m = { 0 };
	desk_err err = { 0 };
	GString *errors = g_string_new(NULL);
	char **cmds = NULL, *rest = NULL, *login;
	const desk_agent *me;
	const char *off;
	gboolean reply;
	guint n = 0;

	desk_log(LOG_DEBUG, "bymail: ticket %u <%s> event=%s set=%s match=%s", it->ticket, it->message_id,
		 it->event != NULL ? it->event : "-", it->set != NULL ? it->set : "-", it->match);
	if (it->event == NULL || it->set == NULL || !g_str_has_prefix(it->match, "agent") ||
	    (strcmp(it->event, "mail-reply") != 0 && strcmp(it->event, "mail-comment") != 0))
		goto out;
	reply = strcmp(it->event, "mail-reply") == 0;
	login = login_of(it->set);
	me = login != NULL ? agent_find(st->cfg->agents, login) : NULL;
	if (me == NULL) {
		desk_log(LOG_WARNING, "ticket %u: mail <%s> of agent '%s', who is no longer one: not carried out",
			 it->ticket, it->message_id, login != NULL ? login : "");
		g_free(login);
		goto out;
	}
	g_free(login);
	if (mail_read(it->path, &m, &err) != DESK_OK) {
		desk_log(LOG_ERR, "ticket %u: mail <%s> of %s: %s", it->ticket, it->message_id, me->login, err.msg);
		goto out;
	}
	if ((off = bymail_commands_off_in(it->set)) != NULL) {
		g_string_append_printf(errors, "its commands were not taken: %s\n(commands count only in mail "
				       "From your own address, %s,\nthat nobody resent or redirected)\n", off, me->address);
		answer(st, it, me, &m, errors->str, done_comment);
		goto out;
	}
	if (is_automatic(it)) {
		/* e.g. an agent's vacation notice answering a notification's
		 * Reply-To (lib/desk/notify.c): never relayed to the requester */
		answer(st, it, me, &m, "it is automatic mail (an auto-reply, a bounce or bulk mail)\n", done_comment);
		goto out;
	}
	if (!bymail_alternatives_agree(m.text, m.html))
		g_string_append(errors, "its text and HTML versions do not have the same command lines, "
					"so none of them counts\n");
	bymail_split(m.text, &cmds, &rest);
	for (n = 0; cmds[n] != NULL; n++)
		if (n < BYMAIL_MAX_COMMANDS && !bymail_command_ok(st->cfg, cmds[n], &err))
			g_string_append_printf(errors, "#%s: %s\n", cmds[n], err.msg);
	if (n > BYMAIL_MAX_COMMANDS)
		g_string_append_printf(errors, "more than %d command lines\n", BYMAIL_MAX_COMMANDS);
	if (reply && blank(rest))
		g_string_append(errors, "nothing to send: the mail holds no text for the requester\n");
	if (errors->len > 0) {
		answer(st, it, me, &m, errors->str, reply ? done_nothing : done_no_commands);
		goto out;
	}
	for (guint i = 0; i < n; i++)
		apply_command(st, it->ticket, me, cmds[i], errors);
	if (reply && relay(st, it, me, &m, rest, &err) != DESK_OK)
		g_string_append_printf(errors, "the reply was not sent: %s\n", err.msg);
	if (errors->len > 0)
		answer(st, it, me, &m, errors->str, done_rest);
out:
	mail_clear(&m);
	g_strfreev(cmds);
	g_free(rest);
	g_string_free(errors, TRUE);
}
