/* facts.c: header facts for threading and classification, bounded. */
#include <string.h>
#include <gmime/gmime.h>

#include "charset.h"
#include "facts.h"

msg_facts *
facts_new(void)
{
	msg_facts *f = g_new0(msg_facts, 1);

	f->references = g_ptr_array_new_with_free_func(g_free);
	f->recipients = g_ptr_array_new_with_free_func(g_free);
	return f;
}

void
facts_free(msg_facts *f)
{
	if (f == NULL)
		return;
	g_free(f->message_id);
	g_free(f->in_reply_to);
	g_ptr_array_unref(f->references);
	g_free(f->subject);
	g_free(f->from);
	g_free(f->from_name);
	g_ptr_array_unref(f->recipients);
	g_free(f->content_type);
	g_free(f->x_original_to);
	g_free(f->date);
	g_free(f->x_ticket);
	g_free(f->x_match);
	g_free(f->x_queue);
	g_free(f->x_seal);
	g_free(f->x_event);
	g_free(f->x_set);
	g_free(f->x_reused);
	g_free(f);
}

char *
facts_parse_id(const char *value, const char **end)
{
	const char *p = value;

	while ((p = strchr(p, '<')) != NULL) {
		const char *q = p + 1, *at = NULL;

		while (*q != '\0' && *q != '>' && *q != '<' && (guchar)*q > 32 && (guchar)*q < 127) {
			if (*q == '@')
				at = q;
			q++;
		}
		if (*q == '>' && at != NULL && at > p + 1 && at < q - 1 && q - p - 1 <= FACTS_MAX_ID) {
			if (end != NULL)
				*end = q + 1;
			return g_strndup(p + 1, q - p - 1);
		}
		p = *q == '\0' ? q : q + (*q == '>');
		if (*p == '\0')
			break;
	}
	if (end != NULL)
		*end = NULL;
	return NULL;
}

char *
facts_decode_text(const char *value, gboolean *lossy)
{
	char *valid = charset_decode(value, -1, NULL, charset_fallback()), *dec;

	if (lossy != NULL)
		*lossy = valid == NULL;
	if (valid == NULL)
		valid = g_utf8_make_valid(value, -1);
	dec = g_mime_utils_header_decode_text(NULL, valid);
	g_free(valid);
	if (!g_utf8_validate(dec, -1, NULL)) {
		valid = g_utf8_make_valid(dec, -1);
		g_free(dec);
		dec = valid;
	}
	return g_strstrip(dec);
}

static void
set_once(char **field, const char *value, gsize max)
{
	if (*field == NULL)
		*field = g_strndup(value, max);
}

static void
add_addresses(msg_facts *f, const char *value, gboolean from)
{
	InternetAddressList *list = internet_address_list_parse(NULL, value);
	int n = list != NULL ? internet_address_list_length(list) : 0;

	for (int i = 0; i < n; i++) {
		InternetAddress *a = internet_address_list_get_address(list, i);
		const char *spec;

		if (!INTERNET_ADDRESS_IS_MAILBOX(a))
			continue;
		spec = internet_address_mailbox_get_idn_addr(INTERNET_ADDRESS_MAILBOX(a));
		if (spec == NULL || strchr(spec, '@') == NULL || strlen(spec) > 254)
			continue;
		if (from) {
			f->from = g_ascii_strdown(spec, -1);
			if (internet_address_get_name(a) != NULL)
				f->from_name = facts_decode_text(internet_address_get_name(a), NULL);
			break;
		}
		if (f->recipients->len < 100)
			g_ptr_array_add(f->recipients, g_ascii_strdown(spec, -1));
	}
	if (list != NULL)
		g_object_unref(list);
}

static void
add_references(msg_facts *f, const char *value)
{
	const char *p = value, *end;
	char *id;

	while ((id = facts_parse_id(p, &end)) != NULL) {
		if (f->references->len == FACTS_MAX_REFS)
			g_ptr_array_remove_index(f->references, 0);
		g_ptr_array_add(f->references, id);
		p = end;
	}
}

static gboolean
has_word(const char *value, const char *const *words)
{
	char *v = g_ascii_strdown(value, -1);
	gboolean yes = FALSE;

	g_strstrip(v);
	for (const char *const *w = words; *w != NULL && !yes; w++)
		yes = g_str_has_prefix(v, *w);
	g_free(v);
	return yes;
}

/* Classification from one header (Auto-Submitted, Precedence, List-*, ...). */
static void
classify(msg_facts *f, const char *name, const char *value)
{
	static const char *const bulk[] = { "bulk", "junk", "list", NULL };
	static const char *const autorep[] = { "auto_reply", "auto-reply", NULL };
	static const char *const no[] = { "no", NULL };
	static const char *const daemon[] = { "mailer-daemon", "postmaster", NULL };
	static const char *const autosubj[] = { "auto:", "automatic reply", "out of office",
						"autoreply", "auto-reply", NULL };

	if (g_ascii_strcasecmp(name, "auto-submitted") == 0 && !has_word(value, no))
		f->is_auto = TRUE;
	else if (g_ascii_strcasecmp(name, "x-autoreply") == 0 || g_ascii_strcasecmp(name, "x-autorespond") == 0)
		f->is_auto = TRUE;
	else if (g_ascii_strcasecmp(name, "precedence") == 0 && has_word(value, bulk))
		f->is_bulk = TRUE;
	else if (g_ascii_strcasecmp(name, "precedence") == 0 && has_word(value, autorep))
		f->is_auto = TRUE;
	else if (g_ascii_strncasecmp(name, "list-", 5) == 0 &&
		 (g_ascii_strcasecmp(name + 5, "id") == 0 || g_ascii_strcasecmp(name + 5, "unsubscribe") == 0 ||
		  g_ascii_strcasecmp(name + 5, "post") == 0))
		f->is_bulk = TRUE;
	else if (g_ascii_strcasecmp(name, "x-failed-recipients") == 0)
		f->is_bounce = TRUE;
	else if (g_ascii_strcasecmp(name, "from") == 0 && has_word(value, daemon))
		f->is_bounce = TRUE;
	else if (g_ascii_strcasecmp(name, "return-path") == 0 && strstr(value, "<>") != NULL)
		f->null_sender = TRUE;
	else if (g_ascii_strcasecmp(name, "subject") == 0 && has_word(value, autosubj))
		f->is_auto = TRUE;
}

static void
content_type(msg_facts *f, const char *value)
{
	GMimeContentType *ct = g_mime_content_type_parse(NULL, value);
	char *mime;

	if (ct == NULL)
		return;
	mime = g_mime_content_type_get_mime_type(ct);  /* a copy */

	g_free(f->content_type);
	f->content_type = g_ascii_strdown(mime, -1);
	g_free(mime);
	if (strcmp(f->content_type, "multipart/report") == 0) {
		const char *rt = g_mime_content_type_get_parameter(ct, "report-type");

		if (rt == NULL || g_ascii_strcasecmp(rt, "delivery-status") == 0)
			f->is_bounce = TRUE;
	}
	g_object_unref(ct);
}

/* Our own X-Desk-* headers: the first of each is ours (we write on top). */
static void
desk_header(msg_facts *f, const char *name, const char *value)
{
	static const struct {
		const char *name;
		size_t off;
	} ours[] = {
		{ "ticket", offsetof(msg_facts, x_ticket) },
		{ "match", offsetof(msg_facts, x_match) },
		{ "queue", offsetof(msg_facts, x_queue) },
		{ "seal", offsetof(msg_facts, x_seal) },
		{ "event", offsetof(msg_facts, x_event) },
		{ "set", offsetof(msg_facts, x_set) },
		{ "reused-message-id", offsetof(msg_facts, x_reused) },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(ours); i++)
		if (g_ascii_strcasecmp(name + 7, ours[i].name) == 0)
			set_once((char **)((char *)f + ours[i].off), value, 200);
}

void
facts_header(msg_facts *f, const char *name, const char *value)
{
	f->headers++;
	if (g_ascii_strcasecmp(name, "from") == 0 || g_ascii_strcasecmp(name, "to") == 0 ||
	    g_ascii_strcasecmp(name, "subject") == 0)
		f->mail_like = TRUE;
	classify(f, name, value);
	if (g_ascii_strncasecmp(name, "x-desk-", 7) == 0) {
		desk_header(f, name, value);
	} else if (g_ascii_strcasecmp(name, "message-id") == 0) {
		if (f->message_id == NULL && !f->bad_message_id) {
			f->message_id = facts_parse_id(value, NULL);
			f->bad_message_id = f->message_id == NULL;
		}
	} else if (g_ascii_strcasecmp(name, "in-reply-to") == 0) {
		if (f->in_reply_to == NULL)
			f->in_reply_to = facts_parse_id(value, NULL);
	} else if (g_ascii_strcasecmp(name, "references") == 0) {
		add_references(f, value);
	} else if (g_ascii_strcasecmp(name, "subject") == 0) {
		if (f->subject == NULL)
			f->subject = facts_decode_text(value, &f->subject_lossy);
	} else if (g_ascii_strcasecmp(name, "from") == 0) {
		if (f->from == NULL)
			add_addresses(f, value, TRUE);
	} else if (g_ascii_strcasecmp(name, "to") == 0 || g_ascii_strcasecmp(name, "cc") == 0) {
		add_addresses(f, value, FALSE);
	} else if (g_ascii_strcasecmp(name, "content-type") == 0) {
		if (f->content_type == NULL)
			content_type(f, value);
	} else if (g_ascii_strcasecmp(name, "x-original-to") == 0) {
		set_once(&f->x_original_to, value, 254);
	} else if (g_ascii_strcasecmp(name, "date") == 0) {
		set_once(&f->date, value, 200);
	}
}

void
facts_finish(msg_facts *f)
{
	if (f->null_sender && !f->is_bounce && !f->is_bulk)
		f->is_auto = TRUE;
}
