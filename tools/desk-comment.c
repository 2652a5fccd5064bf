/* desk-comment.c: desk comment N: an internal note in the ticket, never
 * sent to the requester; mailed to the other agents on the ticket when
 * desk.notify_agents is set. */
#include <stdio.h>
#include <string.h>

#include "change.h"
#include "desk.h"
#include "event.h"
#include "index.h"
#include "output.h"
#include "reply.h"
#include "sendmail.h"
#include "ticket-args.h"
#include "xset.h"

/* The other agents on ticket T (its owner and those who acted on it),
 * without ME and those who take no mail (notify = false). */
static GPtrArray *
agents_involved(desk_store *st, const ticket_info *t, GPtrArray *msgs, const desk_agent *me)
{
	GPtrArray *out = g_ptr_array_new();
	GPtrArray *logins = g_ptr_array_new_with_free_func(g_free);

	if (*t->owner)
		g_ptr_array_add(logins, g_strdup(t->owner));
	for (guint i = 0; i < msgs->len; i++) {
		const ticket_message *m = msgs->pdata[i];
		char *by = m->set != NULL ? xset_lookup(m->set, "by") : NULL;

		if (by != NULL)
			g_ptr_array_add(logins, by);
	}
	for (guint i = 0; i < logins->len; i++) {
		const desk_agent *a = agent_find(st->cfg->agents, logins->pdata[i]);

		if (a == NULL || a == me || strcmp(a->login, me->login) == 0 || !a->notify ||
		    g_ptr_array_find(out, a, NULL))
			continue;
		g_ptr_array_add(out, (gpointer)a);
	}
	g_ptr_array_unref(logins);
	return out;
}

/* support+N@domain: mail to it is an internal comment on N. */
static char *
comment_address(desk_store *st, const ticket_info *t)
{
	const char *addr = event_desk_address(st, t->queue);
	const char *at = strrchr(addr, '@');

	return g_strdup_printf("%.*s+%u%s", (int)(at != NULL ? at - addr : (int)strlen(addr)), addr, t->number,
			       at != NULL ? at : "");
}

/* Store the note (under the lock); *msg gets it, *notify whether to mail it. */
static desk_status
store_note(desk_store *st, const desk_agent *me, guint n, const char *text, GMimeMessage **out,
	   guint *ticket, gboolean *notify, desk_err *err)
{
	desk_change *c = NULL;
	ticket_info *t = NULL;
	GPtrArray *msgs = NULL, *to = NULL;
	GMimeMessage *msg = NULL;
	char *subject = NULL, *ra = NULL;
	xset *set = NULL;
	desk_status s = change_begin(st, &c, err);

	*out = NULL;
	if (s == DESK_OK)
		s = ticket_get(change_db(c), n, &t, &msgs, err);
	if (s == DESK_OK)
		s = reply_check_ticket(t, n, TRUE, err);
	if (s != DESK_OK)
		goto out;
	to = agents_involved(st, t, msgs, me);
	subject = g_strdup_printf("Note: %s", t->subject);
	msg = event_message_new(st, t, *me->name ? me->name : me->login, me->address, NULL, subject, NULL, text);
	if (st->cfg->notify_agents && to->len > 0) {
		InternetAddressList *l = g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_TO);

		internet_address_list_clear(l);
		for (guint i = 0; i < to->len; i++) {
			const desk_agent *a = to->pdata[i];

			event_add_mailbox(msg, GMIME_ADDRESS_TYPE_TO, a->name, a->address);
		}
		*notify = TRUE;
	}
	ra = comment_address(st, t);
	event_add_mailbox(msg, GMIME_ADDRESS_TYPE_REPLY_TO, NULL, ra);
	g_mime_object_set_header(GMIME_OBJECT(msg), "X-Desk-Internal", "yes", NULL);
	set = xset_new();
	xset_add(set, "by", me->login);
	{
		desk_block b = { t->number, t->queue, "comment", set, NULL, NULL };

		s = change_deliver(c, &b, msg, err);
	}
	*ticket = t->number;
out:
	s = change_finish(c, s, err);
	if (s == DESK_OK)
		*out = msg;
	else if (msg != NULL)
		g_object_unref(msg);
	if (to != NULL)
		g_ptr_array_unref(to);
	if (msgs != NULL)
		g_ptr_array_unref(msgs);
	ticket_info_free(t);
	xset_free(set);
	g_free(subject);
	g_free(ra);
	return s;
}

static int
comment(desk_store *st, const desk_agent *me, guint n, const char *message, gboolean stdin_free)
{
	char *text = NULL, *out = NULL;
	GMimeMessage *msg = NULL;
	gboolean notify = FALSE;
	guint ticket = n;
	desk_err err = { 0 };
	desk_status s = reply_text(message, stdin_free, "", &text, &err);
	int rc = 0;

	if (s == DESK_OK)
		s = store_note(st, me, n, text, &msg, &ticket, &notify, &err);
	if (s != DESK_OK) {
		rc = desk_error(s, "comment %u: %s", n, err.msg);
		goto out;
	}
	printf("%u: note stored\n", ticket);
	if (notify) {
		/* The note itself is stored: a failed notification is reported,
		 * not repeated by a second run. */
		out = event_to_string(msg);
		s = sendmail_send(st, out, event_desk_address(st, NULL), &err);
		if (s != DESK_OK)
			desk_warn("comment %u: the note is stored, but mailing it to the other agents failed: %s",
				  ticket, err.msg);
		else
			printf("%u: mailed to the other agents on the ticket\n", ticket);
		if (s == DESK_CONFIG)
			rc = desk_exit_code(s);  /* refused to run: the admin must know */
	}
out:
	if (msg != NULL)
		g_object_unref(msg);
	g_free(out);
	g_free(text);
	return rc;
}

int
verb_comment(const char *store_dir, int argc, char **argv)
{
	char *as = NULL, *message = NULL;
	gboolean edit = FALSE;
	GOptionEntry entries[] = {
		{ "edit", 'e', 0, G_OPTION_ARG_NONE, &edit, "Write the text in $EDITOR even when stdin is not a terminal", NULL },
		{ "as", 0, 0, G_OPTION_ARG_STRING, &as, "Act as agent LOGIN (default $MAILDESK_AGENT, else your login)", "LOGIN" },
		{ "message", 'm', 0, G_OPTION_ARG_STRING, &message, "The text of the note (else stdin, else $EDITOR)", "TEXT" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	desk_store *st = NULL;
	const desk_agent *me = NULL;
	guint n;
	int rc = desk_parse("comment", "N", "Add an internal note to ticket N: never sent to the requester;\n"
			    "mailed to the other agents on the ticket when desk.notify_agents is set.\n"
			    "The text is -m TEXT, else stdin when it is not a terminal, else $EDITOR.",
			    entries, &argc, &argv);

	if (rc >= 0)
		goto out;
	if (argc != 2) {
		rc = desk_error(DESK_USAGE, "comment: one ticket, please (see desk comment --help)");
		goto out;
	}
	if ((n = ticket_arg_one(argv[1])) == 0) {
		rc = 64;
		goto out;
	}
	if ((rc = desk_open_as(store_dir, "comment", as, &st, &me)) != 0)
		goto out;
	rc = comment(st, me, n, message,
		     !edit && strcmp(argv[1], "-") != 0 && !g_file_test(argv[1], G_FILE_TEST_EXISTS));
out:
	desk_close_store(st);
	g_free(as);
	g_free(message);
	return rc;
}
