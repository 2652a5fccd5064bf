/* event.c: compose and store messages of ours in a ticket's thread. */
#include <string.h>
#include <time.h>

#include "event.h"
#include "scan.h"
#include "seal.h"
#include "thread.h"
#include "token.h"

const char *
event_desk_address(desk_store *st, const char *queue)
{
	GPtrArray *a = st->cfg->addresses;

	for (guint i = 0; queue != NULL && i < a->len; i++)
		if (strcmp(((desk_address *)a->pdata[i])->queue, queue) == 0)
			return ((desk_address *)a->pdata[i])->address;
	return a->len > 0 ? ((desk_address *)a->pdata[0])->address : "maildesk@localhost";
}

char *
event_subject(desk_store *st, guint t, const char *subject)
{
	char num[16], **parts;
	char *tag, *rest, *out;

	snprintf(num, sizeof num, "%u", t);
	parts = g_strsplit(st->cfg->subject_tag, "%n", -1);
	tag = g_strjoinv(num, parts);
	g_strfreev(parts);
	rest = thread_subject_untagged(st->cfg->subject_tag, subject);
	out = *rest != '\0' ? g_strdup_printf("%s %s", tag, rest) : g_strdup(tag);
	g_free(rest);
	g_free(tag);
	return out;
}

static void
set_text_body(GMimeMessage *msg, const char *body)
{
	GMimeTextPart *part = g_mime_text_part_new_with_subtype("plain");

	/* GMime converts BODY (UTF-8) to the smallest charset that holds it
	 * (us-ascii, iso-8859-1, else utf-8) and labels the part with it */
	g_mime_text_part_set_text(part, body != NULL ? body : "");
	g_mime_message_set_mime_part(msg, GMIME_OBJECT(part));
	g_object_unref(part);
}

GMimeMessage *
event_message_new(desk_store *st, const ticket_info *t, const char *from_name, const char *from_addr,
		  const char *to, const char *subject, const char *irt, const char *body)
{
	GMimeMessage *msg = g_mime_message_new(TRUE);
	char *id = token_msgid(st->secret, t->number, st->cfg->domain);
	char *subj = event_subject(st, t->number, subject != NULL ? subject : t->subject);
	GDateTime *now = g_date_time_new_now_local();
	GString *refs = g_string_new(NULL);

	g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_FROM, from_name != NULL ? from_name : "", from_addr);
	if (to == NULL)
		g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_TO, "", event_desk_address(st, t->queue));
	else
		g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_TO, "", to);
	g_mime_message_set_subject(msg, subj, "utf-8");
	g_mime_message_set_date(msg, now);
	g_mime_message_set_message_id(msg, id);
	if (irt == NULL)
		irt = t->root_id;
	if (irt != NULL && *irt != '\0') {
		char *v = g_strdup_printf("<%s>", irt);

		g_mime_object_set_header(GMIME_OBJECT(msg), "In-Reply-To", v, NULL);
		g_free(v);
	}
	if (t->root_id != NULL && *t->root_id != '\0')
		g_string_append_printf(refs, "<%s>", t->root_id);
	if (irt != NULL && *irt != '\0' && (t->root_id == NULL || strcmp(irt, t->root_id) != 0))
		g_string_append_printf(refs, "%s<%s>", refs->len ? " " : "", irt);
	if (refs->len > 0)
		g_mime_object_set_header(GMIME_OBJECT(msg), "References", refs->str, NULL);
	set_text_body(msg, body);
	g_string_free(refs, TRUE);
	g_date_time_unref(now);
	g_free(subj);
	g_free(id);
	return msg;
}

char *
event_to_string(GMimeMessage *msg)
{
	GMimeFormatOptions *fo = g_mime_format_options_clone(NULL);
	char *s;

	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_UNIX);
	s = g_mime_object_to_string(GMIME_OBJECT(msg), fo);
	g_mime_format_options_free(fo);
	return s;
}

/* B's header block, sealed to BODY, the message as it will be stored. */
static char *
sealed_block(desk_store *st, const desk_block *b, const char *body)
{
	scanned sc;
	char *set = b->set != NULL ? xset_encode(b->set) : NULL, *block;
	seal_facts f = { b->ticket, "ours", b->queue, b->event, set, b->kb, NULL, NULL, NULL };

	scan_buf(st, body, strlen(body), &sc);
	f.message_id = sc.derived_id ? NULL : sc.facts->message_id;
	f.digest = sc.sealhash;
	block = seal_block(st->secret, &f);
	scanned_clear(&sc);
	g_free(set);
	return block;
}

desk_status
event_deliver(desk_store *st, const desk_block *b, GMimeMessage *msg, char **path, desk_err *err)
{
	char *body = event_to_string(msg);
	char *block = sealed_block(st, b, body);
	char *all;
	desk_status s;

	if (block == NULL) {
		g_free(body);
		return desk_fail(err, DESK_SOFTWARE, "ticket %u: cannot seal event %s", b->ticket,
				 b->event != NULL ? b->event : "(none)");
	}
	all = g_strconcat(block, b->extra != NULL ? b->extra : "", body, NULL);
	s = store_check_space(st, strlen(all), err);
	if (s == DESK_OK)
		s = store_deliver(st, all, -1, path, err);
	g_free(all);
	g_free(block);
	g_free(body);
	return s;
}
