/* survey-answer.c: the follow-up of a survey answer (doc/desk-survey.1).
 *
 * The milter or desk ingest stored the answer held in the ticket its
 * signed address names (lib/store/thread.c), with the verified kind and
 * score in its sealed X-Desk-Match. Here, once: unless the ticket is
 * spam, purged or merged, or no survey of that kind was sent for it, or
 * its first answer is more than SURVEY_CHANGE_SECONDS old, a rating event
 * records the score and the answer's text as its comment. An opt-out puts
 * the ticket's requester on the opt-out list. Nothing is sent back;
 * whatever is ignored is logged. */
#include <string.h>

#include "change.h"
#include "clock.h"
#include "followup.h"
#include "index.h"
#include "log.h"
#include "render.h"
#include "survey.h"
#include "term.h"

#define COMMENT_MAX 500   /* characters of an answer kept as the rating's comment */

/* The comment of the answer at PATH: its text without quoted lines and
 * signature, as one line of at most COMMENT_MAX characters, with nothing
 * a terminal would act on. Caller g_free()s. */
static char *
answer_comment(desk_store *st, const char *path)
{
	rendered_msg *r = NULL;
	desk_err err = { 0 };
	GString *o = g_string_new(NULL);
	glong chars = 0;
	char **lines;

	if (render_message(path, st->cfg->fallback_charsets, &r, &err) != DESK_OK)
		return g_string_free(o, FALSE);
	lines = g_strsplit(r->text != NULL ? r->text : "", "\n", -1);
	for (char **l = lines; *l != NULL && chars < COMMENT_MAX; l++) {
		char *valid;

		if (strcmp(*l, "-- ") == 0 || strcmp(*l, "--") == 0)
			break;
		if (**l == '>')
			continue;
		valid = g_utf8_make_valid(*l, -1);
		/* line breaks, blanks and what a terminal would act on: one space */
		for (const char *p = valid; *p != '\0' && chars < COMMENT_MAX; p = g_utf8_next_char(p)) {
			gunichar c = g_utf8_get_char(p);

			if (!g_unichar_isspace(c) && !term_unsafe(c)) {
				g_string_append_unichar(o, c);
				chars++;
			} else if (o->len > 0 && o->str[o->len - 1] != ' ') {
				g_string_append_c(o, ' ');
				chars++;
			}
		}
		if (o->len > 0 && o->str[o->len - 1] != ' ') {
			g_string_append_c(o, ' ');
			chars++;
		}
		g_free(valid);
	}
	g_strfreev(lines);
	rendered_msg_free(r);
	while (o->len > 0 && o->str[o->len - 1] == ' ')
		g_string_truncate(o, o->len - 1);
	return g_string_free(o, FALSE);
}

/* Why ticket T takes no answer of LINK at NOW (SENT, RATED from its
 * events); NULL when it does. */
static const char *
answer_refused(const ticket_info *t, const survey_link *link, GHashTable *sent, GHashTable *rated, gint64 now)
{
	const survey_sent *s = g_hash_table_lookup(sent, GUINT_TO_POINTER(t->number));
	const survey_rating *r = g_hash_table_lookup(rated, GUINT_TO_POINTER(t->number));

	if (strcmp(t->status, "spam") == 0 || strcmp(t->status, "purged") == 0)
		return t->status;
	if (t->merged_into != 0 || strcmp(t->status, "merged") == 0)
		return "the ticket is merged";
	if (s == NULL || s->kind != link->kind)
		return "no such survey was sent";
	if (!survey_may_rate(r, now))
		return "answered more than a day ago already";
	return NULL;
}

/* Record the answer of ITEM (LINK) on its ticket, or log why not. */
static void
survey_rate(desk_store *st, const followup_item *item, const survey_link *link)
{
	desk_change *c = NULL;
	ticket_info *t = NULL;
	GHashTable *sent = NULL, *rated = NULL;
	desk_err err = { 0 };
	gint64 now = desk_now();
	const char *why = NULL;
	char *comment = NULL;
	desk_status s = change_begin(st, &c, &err);

	if (s == DESK_OK)
		s = ticket_info_get(change_db(c), link->ticket, &t, &err);
	if (s == DESK_OK)
		s = survey_sends(change_db(c), link->ticket, &sent, &err);
	if (s == DESK_OK)
		s = survey_ratings(change_db(c), link->ticket, &rated, &err);
	if (s == DESK_OK && (why = answer_refused(t, link, sent, rated, now)) != NULL)
		desk_log(LOG_NOTICE, "ticket %u: survey answer <%s> (%s %d) ignored: %s", link->ticket,
			 item->message_id, survey_kind_name(link->kind), link->score, why);
	if (s == DESK_OK && why == NULL) {
		xset *set = xset_new();
		char *line = g_strdup_printf("rated %d of %d-%d (%s)", link->score, survey_min(link->kind),
					     survey_max(link->kind), survey_kind_name(link->kind));

		comment = answer_comment(st, item->path);
		xset_add_uint(set, "score", (guint)link->score);
		xset_add(set, "scale", survey_kind_name(link->kind));
		if (*comment != '\0')
			xset_add(set, "comment", comment);
		s = change_event(c, t, NULL, "rating", set, line, &err);
		if (s == DESK_OK)
			desk_log(LOG_INFO, "ticket %u: %s", link->ticket, line);
		xset_free(set);
		g_free(line);
	}
	s = change_finish(c, s, &err);
	if (s != DESK_OK)
		desk_log(LOG_WARNING, "ticket %u: survey answer <%s> not recorded: %s", link->ticket,
			 item->message_id, err.msg);
	if (sent != NULL)
		g_hash_table_unref(sent);
	if (rated != NULL)
		g_hash_table_unref(rated);
	ticket_info_free(t);
	g_free(comment);
}

/* Put the requester of ITEM's ticket on the opt-out list. */
static void
survey_optout(desk_store *st, const followup_item *item)
{
	notmuch_database_t *db = NULL;
	ticket_info *t = NULL;
	desk_err err = { 0 };
	gboolean changed = FALSE;
	desk_status s = index_open(st, FALSE, &db, &err);

	if (s == DESK_OK)
		s = ticket_info_get(db, item->ticket, &t, &err);
	if (s == DESK_OK)
		s = survey_optout_change(st, t->requester, TRUE, &changed, &err);
	if (s == DESK_OK)
		desk_log(LOG_INFO, "ticket %u: %s opted out of surveys%s", item->ticket, t->requester,
			 changed ? "" : " (already)");
	else
		desk_log(LOG_WARNING, "ticket %u: survey opt-out <%s> not recorded: %s", item->ticket,
			 item->message_id, err.msg);
	ticket_info_free(t);
	if (db != NULL)
		notmuch_database_destroy(db);
}

void
survey_followup(desk_store *st, const followup_item *item)
{
	survey_link link;

	if (item->event != NULL || item->ticket == 0 || item->match == NULL || !g_str_has_prefix(item->match, "survey"))
		return;
	if (!survey_match_parse(item->match, &link)) {
		desk_log(LOG_NOTICE, "ticket %u: survey answer <%s> with a bad token ignored", item->ticket,
			 item->message_id);
		return;
	}
	link.ticket = item->ticket;
	if (link.optout)
		survey_optout(st, item);
	else
		survey_rate(st, item, &link);
}
