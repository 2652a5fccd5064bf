/* kbticket.c: the KB for tickets: suggestions, citations, drafts. */
#include <gmime/gmime.h>
#include <string.h>

#include "kbticket.h"
#include "render.h"
#include "ticket.h"

desk_status
kb_suggest_text(desk_store *st, const char *subject, const char *body, guint k, kb_scope scope,
		double min_score, GPtrArray **hits, desk_err *err)
{
	desk_kb *kb = NULL;
	char *clean = article_strip_quotes(body != NULL ? body : "");
	char *text = g_strconcat(subject != NULL ? subject : "", "\n", clean, NULL);
	desk_status s = kb_open(st, &kb, err);

	if (s == DESK_OK)
		s = kbindex_search(kb, text, FALSE, scope, k, hits, err);
	if (s == DESK_USAGE) {  /* no word worth searching for: nothing to suggest */
		*hits = g_ptr_array_new_with_free_func((GDestroyNotify)kb_hit_free);
		s = DESK_OK;
	}
	for (guint i = 0; s == DESK_OK && i < (*hits)->len;) {
		if (((kb_hit *)(*hits)->pdata[i])->score < min_score)
			g_ptr_array_remove_index(*hits, i);
		else
			i++;
	}
	kb_close(kb);
	g_free(clean);
	g_free(text);
	return s;
}

/* The lower-case address of a From header, or "". Caller g_free()s. */
static char *
from_address(const char *from)
{
	InternetAddressList *l = internet_address_list_parse(NULL, from);
	char *addr = NULL;

	for (int i = 0; l != NULL && addr == NULL && i < internet_address_list_length(l); i++) {
		InternetAddress *a = internet_address_list_get_address(l, i);

		if (INTERNET_ADDRESS_IS_MAILBOX(a))
			addr = g_ascii_strdown(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a)), -1);
	}
	if (l != NULL)
		g_object_unref(l);
	return addr != NULL ? addr : g_strdup("");
}

/* Whether M was written by the desk: tagged ours, or from a desk address. */
static gboolean
from_desk(desk_store *st, const ticket_message *m, const rendered_msg *r)
{
	char *addr = from_address(r->from);
	gboolean ours = config_queue_for(st->cfg, addr, NULL) != NULL;
	char **tags = g_strsplit(m->tags, " ", -1);

	ours = ours || g_strv_contains((const char *const *)tags, "ours");
	g_strfreev(tags);
	g_free(addr);
	return ours;
}

typedef struct ticket_text {
	char *subject;
	GString *question;  /* the requester's messages, quoting removed */
	char *answer;       /* the desk's last message, or NULL */
} ticket_text;

static void
ticket_text_clear(ticket_text *tt)
{
	g_free(tt->subject);
	if (tt->question != NULL)
		g_string_free(tt->question, TRUE);
	g_free(tt->answer);
}

/* Ticket N's subject, its requester's words and the desk's last answer. */
static desk_status
ticket_text_get(desk_store *st, notmuch_database_t *db, guint n, ticket_text *tt, desk_err *err)
{
	ticket_info *info = NULL;
	GPtrArray *msgs = NULL;
	desk_status s = ticket_get(db, n, &info, &msgs, err);

	if (s != DESK_OK)
		return s;
	tt->subject = g_strdup(info->subject);
	tt->question = g_string_new(NULL);
	for (guint i = 0; i < msgs->len; i++) {
		const ticket_message *m = msgs->pdata[i];
		rendered_msg *r = NULL;
		char *clean;

		/* state changes, acknowledgements and notes are nobody's answer */
		if (m->event != NULL && strcmp(m->event, "reply") != 0 && strcmp(m->event, "mail-reply") != 0)
			continue;
		if (render_message(m->path, st->cfg->fallback_charsets, &r, NULL) != DESK_OK)
			continue;
		clean = article_strip_quotes(r->text);
		if (from_desk(st, m, r)) {
			g_free(tt->answer);
			tt->answer = g_steal_pointer(&clean);
		} else if (tt->answer == NULL) {  /* what was asked before the answer */
			g_string_append_printf(tt->question, "%s%s", tt->question->len ? "\n" : "", clean);
		}
		g_free(clean);
		rendered_msg_free(r);
	}
	ticket_info_free(info);
	g_ptr_array_unref(msgs);
	return DESK_OK;
}

desk_status
kb_ticket_answer(desk_store *st, notmuch_database_t *db, guint n, char **answer, desk_err *err)
{
	ticket_text tt = { 0 };
	desk_status s = ticket_text_get(st, db, n, &tt, err);

	*answer = s == DESK_OK ? g_steal_pointer(&tt.answer) : NULL;
	ticket_text_clear(&tt);
	return s;
}

desk_status
kb_suggest_ticket(desk_store *st, notmuch_database_t *db, guint n, guint k, kb_scope scope,
		  GPtrArray **hits, desk_err *err)
{
	ticket_text tt = { 0 };
	desk_status s = ticket_text_get(st, db, n, &tt, err);

	if (s == DESK_OK)
		s = kb_suggest_text(st, tt.subject, tt.question->str, k, scope, -G_MAXDOUBLE, hits, err);
	ticket_text_clear(&tt);
	return s;
}

desk_status
kb_cite(desk_store *st, const char *slug, gboolean public_only, char **text, char **citation,
	desk_err *err)
{
	desk_kb *kb = NULL;
	git_commit *c = NULL;
	article *a = NULL;
	desk_status s = kb_open(st, &kb, err);

	if (s == DESK_OK)
		s = kb_resolve(kb, NULL, &c, err);
	if (s == DESK_OK)
		s = kb_article_at(kb, c, slug, &a, NULL, err);
	if (s == DESK_OK && public_only &&
	    (strcmp(a->audience, "public") != 0 || strcmp(a->status, "published") != 0))
		s = desk_fail(err, DESK_USAGE, "article %s is %s and %s: not for requesters", slug,
			      a->audience, a->status);
	if (s == DESK_OK) {
		*text = g_strdup(a->text);  /* no See: lines: they are for agents */
		*citation = kb_citation(slug, c);
	}
	article_free(a);
	git_commit_free(c);
	kb_close(kb);
	return s;
}

/* SUBJECT without "Re:"/"Fwd:" prefixes and "[#N]" tags. Caller g_free()s. */
static char *
plain_subject(const char *subject)
{
	GRegex *re = g_regex_new("\\[#[0-9]+\\]|^\\s*((re|fwd?|aw|sv)\\s*:\\s*)+", G_REGEX_CASELESS, 0, NULL);
	char *s = g_regex_replace_literal(re, subject, -1, 0, "", 0, NULL);

	g_regex_unref(re);
	s = g_strstrip(s);
	if (*s == '\0') {
		g_free(s);
		s = g_strdup("Untitled");
	}
	return s;
}

/* A slug from a title: lower case words joined with '-', at most 60. */
static char *
slug_of(const char *title, guint n)
{
	GString *s = g_string_new(NULL);

	for (const char *p = title; *p && s->len < 60; p++) {
		if (g_ascii_isalnum(*p))
			g_string_append_c(s, g_ascii_tolower(*p));
		else if (s->len > 0 && s->str[s->len - 1] != '-')
			g_string_append_c(s, '-');
	}
	while (s->len > 0 && s->str[s->len - 1] == '-')
		g_string_truncate(s, s->len - 1);
	if (s->len == 0)
		g_string_printf(s, "ticket-%u", n);
	return g_string_free(s, FALSE);
}

desk_status
kb_draft_text(desk_store *st, notmuch_database_t *db, guint n, char **slug, char **text,
	      desk_err *err)
{
	ticket_text tt = { 0 };
	desk_status s = ticket_text_get(st, db, n, &tt, err);
	char *title;

	if (s == DESK_OK && tt.answer == NULL)
		s = desk_fail(err, DESK_DATAERR, "ticket %u has no answer from the desk to make an "
			      "article of", n);
	if (s != DESK_OK) {
		ticket_text_clear(&tt);
		return s;
	}
	title = plain_subject(tt.subject);
	if (*slug == NULL)
		*slug = slug_of(title, n);
	*text = g_strdup_printf("Title: %s\nTags: \nAudience: internal\nStatus: draft\n\n"
				"Question (ticket #%u):\n\n%s\n\nAnswer:\n\n%s\n",
				title, n, g_strstrip(tt.question->str), g_strstrip(tt.answer));
	g_free(title);
	ticket_text_clear(&tt);
	return DESK_OK;
}
