/* report-mail.c: desk report --mail: the text report as the body and the
 * HTML page attached, one mail through sendmail(1) (lib/desk/sendmail.h). */
#include <stdio.h>
#include <string.h>
#include <gmime/gmime.h>

#include "actions.h"
#include "clock.h"
#include "event.h"
#include "output.h"
#include "report-out.h"
#include "sendmail.h"

/* The text of R as report_print_text writes it. Caller g_free()s. */
static char *
text_of(const report *r, const char *by)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return g_strdup("");
	report_print_text(f, r, by);
	fclose(f);
	return buf;
}

/* An attachment NAME of type text/html holding HTML, base64 (7-bit safe). */
static GMimeObject *
html_part(const char *html, const char *name)
{
	GMimePart *part = GMIME_PART(g_mime_text_part_new_with_subtype("html"));
	GMimeStream *mem = g_mime_stream_mem_new_with_buffer(html, strlen(html));
	GMimeDataWrapper *dw = g_mime_data_wrapper_new_with_stream(mem, GMIME_CONTENT_ENCODING_DEFAULT);

	g_mime_part_set_content(part, dw);
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(part), "charset", "utf-8");
	g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
	g_mime_part_set_filename(part, name);
	g_object_unref(dw);
	g_object_unref(mem);
	return GMIME_OBJECT(part);
}

/* The mail of R to TO, with HTML attached. Unref when done. */
static GMimeMessage *
mail_of(desk_store *st, const report *r, const char *by, const char *to, const char *html)
{
	GMimeMessage *msg = g_mime_message_new(TRUE);
	GMimeMultipart *mp = g_mime_multipart_new_with_subtype("mixed");
	char *text = text_of(r, by), *s = out_iso8601(r->since), *u = out_iso8601(r->until);
	char *subject = g_strdup_printf("Desk report: %s to %s", *s ? s : "the beginning", u);
	char *id = g_mime_utils_generate_message_id(*st->cfg->domain ? st->cfg->domain : "localhost");
	GMimeObject *body = event_text_part(text), *att = html_part(html, "desk-report.html");
	GDateTime *now = desk_now_local();

	event_add_mailbox(msg, GMIME_ADDRESS_TYPE_FROM, "maildesk", event_desk_address(st, NULL));
	event_add_mailbox(msg, GMIME_ADDRESS_TYPE_TO, NULL, to);
	g_mime_message_set_subject(msg, subject, "utf-8");
	g_mime_message_set_date(msg, now);
	g_mime_message_set_message_id(msg, id);
	g_mime_object_set_header(GMIME_OBJECT(msg), "Auto-Submitted", "auto-generated", NULL);
	g_mime_multipart_add(mp, body);
	g_mime_multipart_add(mp, att);
	g_mime_message_set_mime_part(msg, GMIME_OBJECT(mp));
	g_object_unref(body);
	g_object_unref(att);
	g_object_unref(mp);
	g_date_time_unref(now);
	g_free(id);
	g_free(subject);
	g_free(text);
	g_free(s);
	g_free(u);
	return msg;
}

desk_status
report_mail(desk_store *st, const report *r, const char *by, const char *to, desk_err *err)
{
	GMimeMessage *msg;
	char *html, *text;
	desk_status s;

	if (!actions_address_ok(to))
		return desk_fail(err, DESK_USAGE, "--mail %s: not a mail address", to);
	if ((s = sendmail_check(st, err)) != DESK_OK)
		return s;
	html = report_html(r);
	msg = mail_of(st, r, by, to, html);
	text = g_mime_object_to_string(GMIME_OBJECT(msg), NULL);
	s = sendmail_send(st, text, NULL, err);
	g_free(text);
	g_free(html);
	g_object_unref(msg);
	return s;
}
