/* summary.c: a ticket told in its own sentences. Nothing is written that
 * the mail does not say: each line is a sentence found in the rendered
 * text of one message (its own words: quotes and signatures left out), or
 * the line of an event as desk show prints it. What is chosen: the
 * requester's first message (its first statement and first question), the
 * last customer message (its questions, else its first statement), who
 * answered and when (with the first sentence of the answer), and each
 * change of status. */
#include <string.h>

#include "quote.h"
#include "render.h"
#include "sentence.h"
#include "summary.h"
#include "xset.h"


static void
line_free(gpointer p)
{
	summary_line *l = p;

	g_free(l->by);
	g_free(l->value);
	g_free(l->text);
	g_free(l);
}

void
ticket_summary_free(ticket_summary *s)
{
	if (s == NULL)
		return;
	g_ptr_array_unref(s->first);
	g_ptr_array_unref(s->last);
	g_ptr_array_unref(s->answers);
	g_ptr_array_unref(s->changes);
	g_free(s);
}

static summary_line *
line_new(guint message, gint64 time, const char *by, const char *text, gsize len, gboolean question)
{
	summary_line *l = g_new0(summary_line, 1);

	l->message = message;
	l->time = time;
	l->by = g_strdup(by);
	l->text = g_strndup(text, len);
	l->question = question;
	return l;
}

static gboolean
has_tag(const char *tags, const char *tag)
{
	char **v = g_strsplit(tags != NULL ? tags : "", " ", -1);
	gboolean yes = g_strv_contains((const char *const *)v, tag);

	g_strfreev(v);
	return yes;
}

/* Mail from outside that people wrote: not ours, not an event, not automatic. */
static gboolean
customer_mail(const ticket_message *tm)
{
	static const char *const not[] = { "ours", "auto", "bulk", "bounce", "spam", NULL };

	if (tm->event != NULL)
		return FALSE;
	for (guint i = 0; not[i] != NULL; i++)
		if (has_tag(tm->tags, not[i]))
			return FALSE;
	return TRUE;
}

/* The sentences of the own words of TEXT: text_spans of TEXT. */
static GArray *
own_sentences(const char *text)
{
	GArray *spans = quote_own_spans(text), *all = g_array_new(FALSE, FALSE, sizeof(text_span));

	for (guint i = 0; i < spans->len && all->len < SUMMARY_SENTENCES; i++) {
		GArray *s = sentence_split(text, g_array_index(spans, text_span, i), SUMMARY_SENTENCES - all->len);

		g_array_append_vals(all, s->data, s->len);
		g_array_unref(s);
	}
	g_array_unref(spans);
	return all;
}

/* The first statement and the first question of TEXT (message NUM) into
 * OUT, in text order, each once; with QUESTIONS_ONLY every question, and
 * the first statement only when it asks none. A text with neither gives
 * its first sentence that is no salutation ("Thanks!"), if any. */
static void
pick(GPtrArray *out, const char *text, guint num, gint64 time, gboolean questions_only)
{
	GArray *s = own_sentences(text);
	gint stmt = -1, asked = 0, other = -1;
	guint had = out->len;

	for (guint i = 0; i < s->len; i++) {
		const text_span *x = &g_array_index(s, text_span, i);
		gboolean q = sentence_is_question(text, *x);
		char last = text[x->start + x->len - 1];

		if (other < 0 && last != ',' && last != ':')
			other = (gint)i;

		if (q && (questions_only || asked == 0)) {
			g_ptr_array_add(out, line_new(num, time, NULL, text + x->start, x->len, TRUE));
			asked++;
		} else if (!q && stmt < 0 && sentence_is_statement(text, *x)) {
			stmt = (gint)i;
			if (!questions_only)
				g_ptr_array_add(out, line_new(num, time, NULL, text + x->start, x->len, FALSE));
		}
	}
	if (questions_only && asked == 0 && stmt >= 0) {
		const text_span *x = &g_array_index(s, text_span, stmt);

		g_ptr_array_add(out, line_new(num, time, NULL, text + x->start, x->len, FALSE));
	}
	if (out->len == had && other >= 0) {
		const text_span *x = &g_array_index(s, text_span, other);

		g_ptr_array_add(out, line_new(num, time, NULL, text + x->start, x->len, FALSE));
	}
	g_array_unref(s);
}

/* The first sentence of an answer's own words ("" when there is none). */
static summary_line *
answer_line(const char *text, guint num, gint64 time, const char *by)
{
	GArray *s = own_sentences(text);
	summary_line *l = NULL;

	for (guint i = 0; i < s->len && l == NULL; i++) {
		const text_span *x = &g_array_index(s, text_span, i);

		if (sentence_is_statement(text, *x) || sentence_is_question(text, *x))
			l = line_new(num, time, by, text + x->start, x->len, sentence_is_question(text, *x));
	}
	g_array_unref(s);
	return l != NULL ? l : line_new(num, time, by, "", 0, FALSE);
}

desk_status
summary_build(const char *fallback_charsets, const ticket_info *info, GPtrArray *msgs, ticket_summary **out,
	      desk_err *err)
{
	ticket_summary *s = g_new0(ticket_summary, 1);
	const ticket_message *last = NULL;
	char *last_text = NULL;
	guint num = 0, last_num = 0, first_num = 0;

	(void)err;
	s->first = g_ptr_array_new_with_free_func(line_free);
	s->last = g_ptr_array_new_with_free_func(line_free);
	s->answers = g_ptr_array_new_with_free_func(line_free);
	s->changes = g_ptr_array_new_with_free_func(line_free);
	for (guint i = 0; i < msgs->len; i++) {
		const ticket_message *tm = msgs->pdata[i];
		gboolean numbered = ticket_message_numbered(tm);
		char *status = tm->event != NULL ? xset_lookup(tm->set, "status") : NULL;
		rendered_msg *r = NULL;
		desk_err one = { 0 };

		/* as desk show: the merge event of a ticket merged into this one is not shown */
		if (tm->ticket != info->number && tm->event != NULL && strcmp(tm->event, "merge") == 0) {
			g_free(status);
			continue;
		}
		num += numbered;
		if (!(numbered || status != NULL) ||
		    render_message(tm->path, fallback_charsets, &r, &one) != DESK_OK) {
			g_free(status);
			continue;
		}
		if (!numbered) {
			/* a change of status: the event's line as desk show prints it */
			const char *nl = strchr(r->text, '\n');
			char *by = xset_lookup(tm->set, "by");
			summary_line *l = line_new(0, tm->time, by, r->text,
						   nl != NULL ? (gsize)(nl - r->text) : strlen(r->text), FALSE);

			l->value = g_strdup(status);
			g_ptr_array_add(s->changes, l);
			g_free(by);
		} else if (customer_mail(tm)) {
			if (first_num == 0) {
				first_num = num;
				pick(s->first, r->text, num, tm->time, FALSE);
			}
			last = tm;
			last_num = num;
			g_free(last_text);
			last_text = g_strdup(r->text);
			s->answered = FALSE;
		} else if (tm->event != NULL && (strcmp(tm->event, "reply") == 0 || strcmp(tm->event, "mail-reply") == 0)) {
			char *by = xset_lookup(tm->set, "by");

			g_ptr_array_add(s->answers, answer_line(r->text, num, tm->time, by != NULL ? by : "an agent"));
			s->answered = last != NULL;
			g_free(by);
		}
		rendered_msg_free(r);
		g_free(status);
	}
	if (last != NULL) {
		s->last_message = last_num;
		pick(s->last, last_text, last_num, last->time, TRUE);
	}
	g_free(last_text);
	*out = s;
	return DESK_OK;
}
