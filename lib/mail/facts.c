/* facts.c: header facts for threading and classification, bounded. */
#include <string.h>
#include <gmime/gmime.h>

#include "addr.h"
#include "authres.h"
#include "charset.h"
#include "facts.h"

static void
authres_free(gpointer p)
{
	facts_authres *a = p;

	g_free(a->value);
	g_free(a);
}

msg_facts *
facts_new(void)
{
	msg_facts *f = g_new0(msg_facts, 1);

	f->references = g_ptr_array_new_with_free_func(g_free);
	f->recipients = g_ptr_array_new_with_free_func(g_free);
	f->authres = g_ptr_array_new_with_free_func(authres_free);
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
	g_ptr_array_unref(f->authres);
	g_free(f->content_type);
	g_free(f->x_original_to);
	g_free(f->return_path);
	g_free(f->date);
	g_free(f->x_ticket);
	g_free(f->x_match);
	g_free(f->x_queue);
	g_free(f->x_seal);
	g_free(f->x_event);
	g_free(f->x_set);
	g_free(f->x_reused);
	g_free(f->x_kb);
	g_free(f->x_rule);
	g_free(f);
}

/* Past white space and (nested, backslash-escaped) comments. */
static const char *
skip_cfws(const char *s)
{
	while (g_ascii_isspace(*s) || *s == '(') {
		while (g_ascii_isspace(*s))
			s++;
		if (*s == '(') {
			int depth = 1;

			for (s++; *s != '\0' && depth > 0; s++) {
				if (*s == '(')
					depth++;
				else if (*s == ')')
					depth--;
				else if (*s == '\\' && s[1] != '\0')
					s++;
			}
		}
	}
	return s;
}

/* One id as notmuch 0.37 reads it (its lib/message-id.c): comments and
 * white space skipped, then anything up to '<', then up to '>', with
 * spaces and tabs inside removed. NULL when there is none; *next (may be
 * NULL) gets where to go on. */
static char *
id_next(const char *value, const char **next)
{
	const char *s = skip_cfws(value), *end;
	GString *id;

	while (*s != '\0' && *s != '<')
		s++;
	if (*s != '<') {
		if (next != NULL)
			*next = s;
		return NULL;
	}
	s = skip_cfws(s + 1);
	for (end = s; *end != '\0' && *end != '>'; end++)
		;
	if (next != NULL)
		*next = *end != '\0' ? end + 1 : end;
	if (end <= s)
		return NULL;
	id = g_string_sized_new(end - s);
	for (const char *c = s; c < end; c++)
		if (*c != ' ' && *c != '\t')
			g_string_append_c(id, *c);
	return g_string_free(id, FALSE);
}

gboolean
facts_id_usable(const char *id)
{
	const char *at;
	size_t n;

	if (id == NULL || (n = strlen(id)) == 0 || n > FACTS_MAX_ID)
		return FALSE;
	for (const char *c = id; *c != '\0'; c++)
		if ((guchar)*c <= ' ' || (guchar)*c >= 127 || *c == '<' || *c == '>' || *c == '(' || *c == ')')
			return FALSE;
	at = strrchr(id, '@');
	return at != NULL && at > id && at[1] != '\0';
}

char *
facts_parse_id(const char *value, const char **end)
{
	const char *p = value, *next = value;

	while (p != NULL && *p != '\0') {
		char *id = id_next(p, &next);

		if (facts_id_usable(id)) {
			if (end != NULL)
				*end = next;
			return id;
		}
		g_free(id);
		if (next == p)
			break;
		p = next;
	}
	if (end != NULL)
		*end = NULL;
	return NULL;
}

/* VALUE with its folding undone (CR and LF taken out). */
static char *
unfold(const char *value)
{
	GString *u = g_string_sized_new(strlen(value));

	for (const char *c = value; *c != '\0'; c++)
		if (*c != '\r' && *c != '\n')
			g_string_append_c(u, *c);
	return g_string_free(u, FALSE);
}

char *
facts_message_id(const char *value)
{
	char *flat = unfold(value);
	char *dec = g_mime_utils_header_decode_text(NULL, flat);
	char *id = id_next(dec, NULL);

	if (id == NULL && *dec != '\0')
		id = g_strdup(dec);  /* notmuch takes the whole value then */
	if (!facts_id_usable(id))
		g_clear_pointer(&id, g_free);
	g_free(dec);
	g_free(flat);
	return id;
}

char *
facts_decode_text(const char *value, gboolean *lossy)
{
	char *valid = charset_decode(value, -1, NULL, charset_fallback()), *dec;

	if (lossy != NULL)
		*lossy = valid == NULL;
	if (valid == NULL)
		valid = g_utf8_make_valid(value, -1);
	dec = charset_decode_words(valid, charset_fallback());
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

/* The sender: the From header's one mailbox, parsed structure first
 * (lib/mail/addr.h). None (from_bad) when it has none, several, or one that
 * does not parse: who sent it is not known then. */
static void
set_from(msg_facts *f, const char *value)
{
	guint bad = 0;
	GPtrArray *boxes = addr_parse(value, 2, &bad);

	if (boxes->len == 1 && bad == 0) {
		addr_box *b = boxes->pdata[0];

		f->from = g_utf8_strdown(b->addr, -1);
		f->from_name = *b->name != '\0' ? g_strdup(b->name) : NULL;
	} else {
		f->from_bad = TRUE;
	}
	g_ptr_array_unref(boxes);
}

static void
add_recipients(msg_facts *f, const char *value)
{
	GPtrArray *boxes = addr_parse(value, 100, NULL);

	for (guint i = 0; i < boxes->len && f->recipients->len < 100; i++)
		g_ptr_array_add(f->recipients, g_utf8_strdown(((addr_box *)boxes->pdata[i])->addr, -1));
	g_ptr_array_unref(boxes);
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

/* Our own X-Desk-* headers: the block on top (we write it there), up to
 * and with its X-Desk-Seal; any further X-Desk-* header is not ours and
 * not read. Whether the block is ours at all is the seal's to say
 * (thread_sealed). */
static void
desk_header(msg_facts *f, const char *name, const char *value)
{
	static const struct {
		const char *name;
		size_t off, max;
	} ours[] = {
		{ "ticket", offsetof(msg_facts, x_ticket), 16 },
		{ "match", offsetof(msg_facts, x_match), 200 },
		{ "queue", offsetof(msg_facts, x_queue), 200 },
		{ "seal", offsetof(msg_facts, x_seal), 64 },
		{ "event", offsetof(msg_facts, x_event), 64 },
		{ "set", offsetof(msg_facts, x_set), FACTS_MAX_SET },
		{ "kb", offsetof(msg_facts, x_kb), 300 },
		{ "rule", offsetof(msg_facts, x_rule), 200 },
		{ "reused-message-id", offsetof(msg_facts, x_reused), FACTS_MAX_ID + 2 },
	};

	if (f->x_seal != NULL)
		return;
	for (size_t i = 0; i < G_N_ELEMENTS(ours); i++) {
		char **field = (char **)((char *)f + ours[i].off);

		if (g_ascii_strcasecmp(name + 7, ours[i].name) != 0)
			continue;
		if (*field != NULL || strlen(value) > ours[i].max)
			f->x_bad = TRUE;  /* twice, or too long: not a block of ours */
		else
			*field = g_strdup(value);
	}
}

void
facts_header(msg_facts *f, const char *name, const char *value)
{
	f->headers++;
	if (g_ascii_strcasecmp(name, "from") == 0 || g_ascii_strcasecmp(name, "to") == 0 ||
	    g_ascii_strcasecmp(name, "subject") == 0)
		f->mail_like = TRUE;
	if (g_ascii_strncasecmp(name, "resent-", 7) == 0)
		f->resent = TRUE;
	classify(f, name, value);
	if (g_ascii_strncasecmp(name, "x-desk-", 7) == 0) {
		desk_header(f, name, value);
	} else if (g_ascii_strcasecmp(name, "message-id") == 0) {
		/* the first one, as notmuch reads it: the index and we agree */
		if (f->message_id == NULL && !f->bad_message_id) {
			f->message_id = facts_message_id(value);
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
		if (f->from == NULL && !f->from_bad) {
			set_from(f, value);
		} else {
			/* two From headers: whose is it? */
			g_clear_pointer(&f->from, g_free);
			g_clear_pointer(&f->from_name, g_free);
			f->from_bad = TRUE;
		}
	} else if (g_ascii_strcasecmp(name, "to") == 0 || g_ascii_strcasecmp(name, "cc") == 0) {
		add_recipients(f, value);
	} else if (g_ascii_strcasecmp(name, "content-type") == 0) {
		if (f->content_type == NULL)
			content_type(f, value);
	} else if (g_ascii_strcasecmp(name, "return-path") == 0) {
		if (f->return_path == NULL) {
			GPtrArray *b = addr_parse(value, 1, NULL);

			f->return_path = b->len > 0 ? g_utf8_strdown(((addr_box *)b->pdata[0])->addr, -1) : g_strdup("");
			g_ptr_array_unref(b);
		}
	} else if (g_ascii_strcasecmp(name, "x-original-to") == 0) {
		set_once(&f->x_original_to, value, 254);
	} else if (g_ascii_strcasecmp(name, "date") == 0) {
		set_once(&f->date, value, 200);
	} else if (g_ascii_strcasecmp(name, "received") == 0) {
		f->received = TRUE;
	} else if (g_ascii_strcasecmp(name, "authentication-results") == 0 &&
		   f->authres->len < FACTS_MAX_AUTHRES) {
		facts_authres *a = g_new(facts_authres, 1);

		/* whose it is, lib/store/sender.h says; where it stood, we remember */
		a->value = g_strndup(value, AUTHRES_MAX_VALUE + 1);
		a->above_received = !f->received;
		g_ptr_array_add(f->authres, a);
	}
}

void
facts_finish(msg_facts *f)
{
	if (f->null_sender && !f->is_bounce && !f->is_bulk)
		f->is_auto = TRUE;
}
