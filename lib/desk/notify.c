/* notify.c: mail an agent about their ticket (desk.notify_agents, and the
 * agent's own key notify): the owner when a customer's mail joins the
 * ticket, an agent when another agent gives them a ticket (desk assign, a
 * template's "Owner:", #assign by mail). Never the agent who acted.
 *
 * A follow-up of the fresh message (followup.h), done once: under the
 * store lock the mail is stored in the ticket first, as event "notify"
 * (X-Desk-Set "notified=LOGIN; about=MESSAGE-ID; why=reply|assigned"),
 * unless the ticket has a notify event about that message already, and
 * then sent through sendmail(1). desk reindex follows up nothing, and a
 * crash before the follow-up tag is taken off finds the event: no mail is
 * sent twice. Failures are logged, never block mail. */
#include <string.h>

#include "change.h"
#include "event.h"
#include "evtype.h"
#include "followup.h"
#include "log.h"
#include "render.h"
#include "sendmail.h"
#include "token.h"
#include "xset.h"

/* At most this much of a customer's text is quoted. */
#define NOTIFY_TEXT_MAX (32 * 1024)

#define WHY_REPLY "reply"
#define WHY_ASSIGNED "assigned"

/* What a fresh message asks for: WHY_REPLY (a customer wrote: mail the
 * owner) or WHY_ASSIGNED (mail TO, to whom BY gave the ticket). */
typedef struct notice {
	const char *why;
	char *to, *by;  /* WHY_ASSIGNED: logins */
} notice;

/* Whether ITEM is a customer's mail to a ticket that was there before it
 * (a new one has no owner yet): no event, none of ours, not held,
 * automatic or spam, not from an agent's or the desk's address. */
static gboolean
from_customer(desk_store *st, const followup_item *item)
{
	static const char *const tags[] = { "ours", "auto", "bulk", "bounce", "held", "spam", NULL };

	if (item->event != NULL || ticket_match_new(item->match) || strchr(item->from, '@') == NULL)
		return FALSE;
	for (const char *const *t = tags; *t != NULL; t++)
		if (followup_has_tag(item, *t))
			return FALSE;
	return agent_by_address(st->cfg->agents, item->from) == NULL &&
	       config_queue_for(st->cfg, item->from, NULL) == NULL;
}

/* Whether ITEM is an event of ours that gives its ticket to an agent
 * other than the one who acted; fills N. */
static gboolean
assigned_by_other(const followup_item *item, notice *n)
{
	if (item->event == NULL || item->set == NULL || !followup_has_tag(item, "ours") ||
	    !evtype_allows(item->event, "owner"))
		return FALSE;
	n->to = xset_lookup(item->set, "owner");
	n->by = xset_lookup(item->set, "by");
	if (n->to != NULL && *n->to != '\0' && n->by != NULL && strcmp(n->to, n->by) != 0) {
		n->why = WHY_ASSIGNED;
		return TRUE;
	}
	g_clear_pointer(&n->to, g_free);
	g_clear_pointer(&n->by, g_free);
	return FALSE;
}

/* Whether MSGS (of ticket T) hold a notify event about ID. */
static gboolean
notified_already(GPtrArray *msgs, const char *id)
{
	gboolean yes = FALSE;

	for (guint i = 0; i < msgs->len && !yes; i++) {
		const ticket_message *m = msgs->pdata[i];
		char *about;

		if (m->event == NULL || strcmp(m->event, "notify") != 0)
			continue;
		about = xset_lookup(m->set, "about");
		yes = about != NULL && strcmp(about, id) == 0;
		g_free(about);
	}
	return yes;
}

/* Whether the ticket of MSGS (in the order the fold reads them) was
 * LOGIN's already before its message ID. */
static gboolean
owner_before(GPtrArray *msgs, const char *id, const char *login)
{
	char *owner = g_strdup("");
	gboolean yes;

	for (guint i = 0; i < msgs->len; i++) {
		const ticket_message *m = msgs->pdata[i];
		char *v;

		if (strcmp(m->message_id, id) == 0)
			break;
		if (m->event != NULL && m->set != NULL && evtype_allows(m->event, "owner") &&
		    (v = xset_lookup(m->set, "owner")) != NULL) {
			g_free(owner);
			owner = v;
		}
	}
	yes = strcmp(owner, login) == 0;
	g_free(owner);
	return yes;
}

/* The agent to mail about ticket T (its messages MSGS) for N about
 * message ID, or NULL (with *why_not): the owner for a reply; for an
 * assignment the new owner, while the ticket is still theirs and was not
 * before. Only agents who take mail (notify). */
static const desk_agent *
recipient(desk_store *st, const ticket_info *t, GPtrArray *msgs, const notice *n, const char *id,
	  const char **why_not)
{
	const char *login = strcmp(n->why, WHY_REPLY) == 0 ? t->owner : n->to;
	const desk_agent *a;

	*why_not = NULL;
	if (login == NULL || *login == '\0')
		*why_not = "nobody's ticket";
	else if (strcmp(t->owner, login) != 0)
		*why_not = "no longer theirs";
	else if (strcmp(n->why, WHY_ASSIGNED) == 0 && owner_before(msgs, id, login))
		*why_not = "theirs already";
	else if (strcmp(t->status, "spam") == 0)
		*why_not = "spam";
	else if ((a = agent_find(st->cfg->agents, login)) == NULL)
		*why_not = "not an agent";
	else if (!a->notify)
		*why_not = "the agent takes no mail (notify = false)";
	else if (config_queue_for(st->cfg, a->address, NULL) != NULL)
		*why_not = "the agent's address is the desk's";
	else
		return a;
	return NULL;
}

/* The text of the message at PATH, at most NOTIFY_TEXT_MAX bytes (cut
 * between characters, "[...]" after). "" when it cannot be read. */
static char *
quoted_text(desk_store *st, const char *path)
{
	rendered_msg *r = NULL;
	desk_err err = { 0 };
	char *text;

	if (path == NULL || render_message(path, st->cfg->fallback_charsets, &r, &err) != DESK_OK)
		return g_strdup("");
	if (strlen(r->text) > NOTIFY_TEXT_MAX) {
		const char *end = g_utf8_find_prev_char(r->text, r->text + NOTIFY_TEXT_MAX + 1);

		text = g_strdup_printf("%.*s\n[...]\n", (int)(end - r->text), r->text);
	} else {
		text = g_strdup(r->text);
	}
	rendered_msg_free(r);
	return text;
}

/* The last customer message of MSGS, or NULL. */
static const ticket_message *
last_customer(GPtrArray *msgs)
{
	for (guint i = msgs->len; i > 0; i--)
		if (ticket_message_is_customer(msgs->pdata[i - 1]))
			return msgs->pdata[i - 1];
	return NULL;
}

/* "support+N@domain" (a comment) and the token address with "-reply"
 * before the '@' (a public reply) of ticket T, for agents (README
 * "Working by mail"). Caller g_free()s. */
static char *
agent_address(desk_store *st, const ticket_info *t, gboolean reply)
{
	const char *desk = event_desk_address(st, t->queue);
	const char *at = strrchr(desk, '@');
	int local = (int)(at != NULL ? at - desk : (int)strlen(desk));
	char *tok, *out;

	if (!reply)
		return g_strdup_printf("%.*s+%u%s", local, desk, t->number, at != NULL ? at : "");
	tok = token_address(st->secret, desk, t->number);
	at = strrchr(tok, '@');
	out = g_strdup_printf("%.*s-reply%s", (int)(at != NULL ? at - tok : (int)strlen(tok)), tok,
			      at != NULL ? at : "");
	g_free(tok);
	return out;
}

/* The body: what happened (its first line is the event's line in desk
 * show), the ticket's facts, TEXT (the customer's), how to answer. */
static char *
notify_body(desk_store *st, const ticket_info *t, const desk_agent *to, const notice *n,
	    const followup_item *item, const char *text)
{
	GString *b = g_string_new(NULL);
	char *reply = agent_address(st, t, TRUE), *comment = agent_address(st, t, FALSE);
	const char *rname = *t->requester_name ? t->requester_name : t->requester;

	if (strcmp(n->why, WHY_REPLY) == 0)
		g_string_append_printf(b, "To %s: a new reply from %s%s<%s> in your ticket #%u.\n\n", to->login,
				       item->from_name, *item->from_name ? " " : "", item->from, t->number);
	else
		g_string_append_printf(b, "To %s: %s assigned ticket #%u to you.\n\n", to->login, n->by, t->number);
	g_string_append_printf(b, "Subject:   %s\nRequester: %s <%s>\nStatus:    %s, priority %s\n", t->subject,
			       rname, t->requester, t->status, t->priority);
	if (*text != '\0')
		g_string_append_printf(b, "\n%s%s%s", strcmp(n->why, WHY_REPLY) == 0 ? "" :
				       "The requester's last message:\n\n", text, g_str_has_suffix(text, "\n") ? "" : "\n");
	g_string_append_printf(b, "\n-- \nAnswer this mail to reply to the requester (through the desk, to\n"
			       "%s). Command lines at the top of your answer (#status pending,\n"
			       "#assign LOGIN, ...) work as in any mail of yours to the desk.\n"
			       "Mail to %s is an internal note. desk show %u\n", reply, comment, t->number);
	g_free(reply);
	g_free(comment);
	return g_string_free(b, FALSE);
}

/* The notification of N about ITEM in ticket T to agent TO. */
static GMimeMessage *
notify_message(desk_store *st, const ticket_info *t, const desk_agent *to, const notice *n,
	       const followup_item *item, const char *text)
{
	const desk_agent *by = n->by != NULL ? agent_find(st->cfg->agents, n->by) : NULL;
	const char *who = strcmp(n->why, WHY_REPLY) == 0 ? (*item->from_name ? item->from_name : item->from)
							  : (by != NULL && *by->name ? by->name : n->by);
	char *q = g_strdup(*t->queue ? t->queue : "support");
	char *subject, *name, *body = notify_body(st, t, to, n, item, text);
	char *reply_to = agent_address(st, t, TRUE);
	GMimeMessage *msg;

	q[0] = g_ascii_toupper(q[0]);
	name = g_strdup_printf("%s via %s", who, q);
	if (strcmp(n->why, WHY_REPLY) == 0)
		subject = g_strdup_printf("New reply from %s: %s", who, t->subject);
	else
		subject = g_strdup_printf("Assigned to you by %s: %s", n->by, t->subject);
	msg = event_message_new(st, t, name, event_desk_address(st, t->queue), to->address, subject,
				strcmp(n->why, WHY_REPLY) == 0 ? item->message_id : NULL, body);
	event_set_to(msg, to->name, to->address);
	event_add_mailbox(msg, GMIME_ADDRESS_TYPE_REPLY_TO, NULL, reply_to);
	g_mime_object_set_header(GMIME_OBJECT(msg), "Auto-Submitted", "auto-generated", NULL);
	g_mime_object_set_header(GMIME_OBJECT(msg), "X-Auto-Response-Suppress", "All", NULL);
	g_free(reply_to);
	g_free(body);
	g_free(subject);
	g_free(name);
	g_free(q);
	return msg;
}

/* Store the notification of N about ITEM in its ticket, unless there is
 * one already or nobody is to get it. *text gets what to send (NULL:
 * nothing), *to_addr where. */
static desk_status
notify_store(desk_store *st, const followup_item *item, const notice *n, char **text, char **to_addr,
	     desk_err *err)
{
	desk_change *c = NULL;
	ticket_info *t = NULL, *full = NULL;
	GPtrArray *msgs = NULL;
	const desk_agent *to = NULL;
	const char *why_not = NULL;
	desk_status s = change_begin(st, &c, err);

	*text = *to_addr = NULL;
	if (s == DESK_OK)
		s = change_ticket(c, item->ticket, &t, NULL, err);
	if (s == DESK_OK)
		s = ticket_get(change_db(c), t->number, &full, &msgs, err);
	if (s == DESK_OK && (to = recipient(st, full, msgs, n, item->message_id, &why_not)) == NULL)
		desk_log(LOG_DEBUG, "ticket %u: no notification about <%s>: %s", full->number, item->message_id, why_not);
	if (s == DESK_OK && to != NULL && notified_already(msgs, item->message_id))
		to = NULL;
	if (s == DESK_OK && to != NULL) {
		const ticket_message *last = strcmp(n->why, WHY_REPLY) == 0 ? NULL : last_customer(msgs);
		char *quote = quoted_text(st, last != NULL ? last->path : strcmp(n->why, WHY_REPLY) == 0 ? item->path : NULL);
		GMimeMessage *msg = notify_message(st, full, to, n, item, quote);
		xset *set = xset_new();
		desk_block b = { full->number, full->queue, "notify", set, NULL, NULL };

		xset_add(set, "notified", to->login);
		xset_add(set, "about", item->message_id);
		xset_add(set, "why", n->why);
		xset_add(set, "by", "system");
		if ((s = change_deliver(c, &b, msg, err)) == DESK_OK) {
			*text = event_to_string(msg);
			*to_addr = g_strdup(to->address);
		}
		xset_free(set);
		g_object_unref(msg);
		g_free(quote);
	}
	ticket_info_free(t);
	ticket_info_free(full);
	if (msgs != NULL)
		g_ptr_array_unref(msgs);
	return change_finish(c, s, err);
}

void
notify_followup(desk_store *st, const followup_item *item)
{
	notice n = { WHY_REPLY, NULL, NULL };
	desk_err err = { 0 };
	char *text = NULL, *to = NULL;

	if (!st->cfg->notify_agents || item->ticket == 0)
		return;
	if (!from_customer(st, item) && !assigned_by_other(item, &n))
		return;
	if (notify_store(st, item, &n, &text, &to, &err) != DESK_OK)
		desk_log(LOG_WARNING, "ticket %u: no notification about <%s>: %s", item->ticket, item->message_id,
			 err.msg);
	else if (text != NULL && sendmail_send(st, text, "<>", &err) != DESK_OK)
		desk_log(LOG_WARNING, "ticket %u: notification stored, not sent to %s: %s", item->ticket, to, err.msg);
	else if (text != NULL)
		desk_log(LOG_INFO, "ticket %u: %s notified to %s", item->ticket, n.why, to);
	g_free(text);
	g_free(to);
	g_free(n.to);
	g_free(n.by);
}
