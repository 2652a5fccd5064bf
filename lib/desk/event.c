/* event.c: compose and store messages of ours in a ticket's thread. */
#include <string.h>
#include <time.h>

#include "clock.h"
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

void
event_add_mailbox(GMimeMessage *msg, GMimeAddressType type, const char *name, const char *addr)
{
	char *valid = g_utf8_make_valid(name != NULL ? name : "", -1);
	InternetAddress *a = internet_address_mailbox_new(valid, addr);

	/* else GMime writes a name that fits in Latin-1 as =?iso-8859-1?...?= */
	internet_address_set_charset(a, "utf-8");
	internet_address_list_add(g_mime_message_get_addresses(msg, type), a);
	g_object_unref(a);
	g_free(valid);
}

void
event_set_to(GMimeMessage *msg, const char *name, const char *addr)
{
	internet_address_list_clear(g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_TO));
	event_add_mailbox(msg, GMIME_ADDRESS_TYPE_TO, name, addr);
}

GMimeObject *
event_text_part(const char *text)
{
	GMimePart *part = GMIME_PART(g_mime_text_part_new_with_subtype("plain"));
	char *utf8 = g_utf8_make_valid(text != NULL ? text : "", -1);
	GMimeStream *mem = g_mime_stream_mem_new_with_buffer(utf8, strlen(utf8));
	GMimeDataWrapper *dw = g_mime_data_wrapper_new_with_stream(mem, GMIME_CONTENT_ENCODING_DEFAULT);
	GMimeContentEncoding enc;

	/* The bytes as they are, labelled utf-8. (g_mime_text_part_set_text
	 * would convert them to the "best" charset, iso-8859-1 or whatever its
	 * table and the locale pick, and write 8bit lines of any length.) */
	g_mime_part_set_content(part, dw);
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(part), "charset", "utf-8");
	enc = g_mime_part_get_best_content_encoding(part, GMIME_ENCODING_CONSTRAINT_7BIT);
	g_mime_part_set_content_encoding(part, enc == GMIME_CONTENT_ENCODING_DEFAULT ? GMIME_CONTENT_ENCODING_7BIT
										  : enc);
	g_object_unref(dw);
	g_object_unref(mem);
	g_free(utf8);
	return GMIME_OBJECT(part);
}

static void
set_text_body(GMimeMessage *msg, const char *body)
{
	GMimeObject *part = event_text_part(body);

	g_mime_message_set_mime_part(msg, part);
	g_object_unref(part);
}

GMimeMessage *
event_message_new(desk_store *st, const ticket_info *t, const char *from_name, const char *from_addr,
		  const char *to, const char *subject, const char *irt, const char *body)
{
	GMimeMessage *msg = g_mime_message_new(TRUE);
	char *id = token_msgid(st->secret, t->number, st->cfg->domain);
	char *valid = g_utf8_make_valid(subject != NULL ? subject : t->subject != NULL ? t->subject : "", -1);
	char *subj = event_subject(st, t->number, valid);
	GDateTime *now = desk_now_local();
	GString *refs = g_string_new(NULL);

	event_add_mailbox(msg, GMIME_ADDRESS_TYPE_FROM, from_name, from_addr);
	if (to == NULL)
		event_add_mailbox(msg, GMIME_ADDRESS_TYPE_TO, NULL, event_desk_address(st, t->queue));
	else if (t->requester != NULL && g_ascii_strcasecmp(to, t->requester) == 0)
		event_add_mailbox(msg, GMIME_ADDRESS_TYPE_TO, t->requester_name, to);
	else
		event_add_mailbox(msg, GMIME_ADDRESS_TYPE_TO, NULL, to);
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
	g_free(valid);
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
	seal_facts f = { b->ticket, "ours", b->queue, b->event, set, b->kb, NULL, NULL, NULL, NULL };

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
