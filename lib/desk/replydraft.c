/* replydraft.c: desk reply --draft: KB articles and the answer of the most
 * similar solved ticket, marked for the agent to edit. */
#include <string.h>

#include "kbticket.h"
#include "log.h"
#include "replydraft.h"
#include "term.h"
#include "triagetab.h"

static void
reply_article_free(gpointer p)
{
	reply_article *a = p;

	g_free(a->citation);
	g_free(a->text);
	g_free(a);
}

void
reply_suggestion_free(reply_suggestion *r)
{
	if (r == NULL)
		return;
	g_ptr_array_unref(r->articles);
	g_free(r->similar_subject);
	g_free(r->answer);
	g_free(r);
}

/* The best public, published articles for ticket N, each read again with
 * kb_cite: what --kb would insert and cite. */
static void
add_articles(desk_store *st, notmuch_database_t *db, guint n, reply_suggestion *r)
{
	GPtrArray *hits = NULL;
	desk_err err = { 0 };

	if (kb_suggest_ticket(st, db, n, REPLY_DRAFT_ARTICLES, KB_PUBLIC, &hits, &err) != DESK_OK) {
		desk_log(LOG_WARNING, "reply %u --draft: no KB articles: %s", n, err.msg);
		return;
	}
	for (guint i = 0; i < hits->len; i++) {
		const kb_hit *h = hits->pdata[i];
		reply_article *a = g_new0(reply_article, 1);

		if (kb_cite(st, h->slug, TRUE, &a->text, &a->citation, &err) != DESK_OK) {
			desk_log(LOG_WARNING, "reply %u --draft: article %s: %s", n, h->slug, err.msg);
			reply_article_free(a);
			continue;
		}
		a->score = h->score;
		g_ptr_array_add(r->articles, a);
	}
	g_ptr_array_unref(hits);
}

static gboolean
is_solved(const char *status)
{
	return strcmp(status, "solved") == 0 || strcmp(status, "closed") == 0;
}

/* The nearest solved neighbour of ticket N (triagetab_near, as desk
 * triage finds them) that has a public answer. */
static void
add_answer(desk_store *st, notmuch_database_t *db, guint n, reply_suggestion *r)
{
	triagetab *t = NULL;
	triage_doc *d = NULL;
	GArray *near = g_array_new(FALSE, FALSE, sizeof(triage_hit));
	desk_err err = { 0 };
	desk_status s = triagetab_open(db, &t, &err);

	if (s == DESK_OK)
		s = triagetab_doc(t, n, &d, &err);
	if (s == DESK_OK)
		s = triagetab_near(t, d->terms, n, REPLY_DRAFT_NEIGHBOURS, near, &err);
	if (s != DESK_OK && s != DESK_NOTFOUND)
		desk_log(LOG_WARNING, "reply %u --draft: no similar ticket: %s", n, err.msg);
	for (guint i = 0; s == DESK_OK && i < near->len && r->answer == NULL; i++) {
		const triage_hit *h = &g_array_index(near, triage_hit, i);
		triage_doc *e = NULL;
		char *answer = NULL;

		if (triagetab_doc(t, h->number, &e, NULL) == DESK_OK && is_solved(e->status) &&
		    kb_ticket_answer(st, db, h->number, &answer, NULL) == DESK_OK && answer != NULL &&
		    *g_strstrip(answer) != '\0') {
			r->similar = h->number;
			r->similar_score = h->score;
			r->similar_subject = g_strdup(e->subject);
			r->answer = g_steal_pointer(&answer);
		}
		g_free(answer);
		triage_doc_free(e);
	}
	triage_doc_free(d);
	g_array_unref(near);
	triagetab_close(t);
}

desk_status
reply_suggest(desk_store *st, notmuch_database_t *db, guint n, reply_suggestion **out, desk_err *err)
{
	reply_suggestion *r = g_new0(reply_suggestion, 1);

	(void)err;
	r->articles = g_ptr_array_new_with_free_func(reply_article_free);
	add_articles(st, db, n, r);
	add_answer(st, db, n, r);
	*out = r;
	return DESK_OK;
}

char *
reply_suggestion_text(const reply_suggestion *r)
{
	GString *d = g_string_new(REPLY_DRAFT_MARKER ": write your reply from what follows; remove every "
				  "line that starts with " REPLY_DRAFT_MARKER " (the reply is refused while one is "
				  "left)]\n\n");

	for (guint i = 0; i < r->articles->len; i++) {
		const reply_article *a = r->articles->pdata[i];

		g_string_append_printf(d, REPLY_DRAFT_MARKER ": KB article %s (score %.3g): cited when its first "
				       "line is kept]\n%s%s\n", a->citation, a->score, a->text,
				       g_str_has_suffix(a->text, "\n") ? "" : "\n");
	}
	if (r->answer != NULL) {
		char *subject = term_safe(r->similar_subject, TERM_LINE);

		g_string_append_printf(d, REPLY_DRAFT_MARKER ": the answer to solved ticket #%u \"%s\" (score "
				       "%.3g): make it fit this requester]\n%s\n\n", r->similar, subject,
				       r->similar_score, r->answer);
		g_free(subject);
	}
	if (r->articles->len == 0 && r->answer == NULL)
		g_string_append(d, REPLY_DRAFT_MARKER ": no published KB article and no solved ticket like this "
				"one]\n\n");
	return g_string_free(d, FALSE);
}

desk_status
reply_draft_check(const char *text, desk_err *err)
{
	guint line = 1;

	for (const char *p = text; *p; line++) {
		const char *nl = strchr(p, '\n');

		if (g_str_has_prefix(p, REPLY_DRAFT_MARKER))
			return desk_fail(err, DESK_DATAERR, "the draft still has a " REPLY_DRAFT_MARKER
					 " line (line %u of the text): remove the desk's marker lines, "
					 "and keep only what you mean to send", line);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return DESK_OK;
}

/* The first line of TEXT with a letter or digit, or NULL. Caller g_free()s. */
static char *
first_line(const char *text)
{
	char **lines = g_strsplit(text, "\n", -1);
	char *out = NULL;

	for (char **l = lines; *l != NULL && out == NULL; l++)
		for (const char *c = *l; *c && out == NULL; c++)
			if (g_ascii_isalnum(*c))
				out = g_strdup(g_strstrip(*l));
	g_strfreev(lines);
	return out;
}

const char *
reply_suggestion_cited(const reply_suggestion *r, const char *text)
{
	for (guint i = 0; i < r->articles->len; i++) {
		const reply_article *a = r->articles->pdata[i];
		char *l = first_line(a->text);
		gboolean kept = l != NULL && strstr(text, l) != NULL;

		g_free(l);
		if (kept)
			return a->citation;
	}
	return NULL;
}
