/* show-summary.c: the summary of a ticket (lib/desk/summary.h) for people
 * and for programs. In the text, a sentence that runs over lines is
 * printed on one (out_safe); the JSON gives it as the message has it. */
#include <stdio.h>

#include "output.h"
#include "show-summary.h"

static void
lines_json(JsonBuilder *b, const char *name, GPtrArray *lines)
{
	json_builder_set_member_name(b, name);
	json_builder_begin_array(b);
	for (guint i = 0; i < lines->len; i++) {
		const summary_line *l = lines->pdata[i];

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "message");
		if (l->message != 0)
			json_builder_add_int_value(b, l->message);
		else
			json_builder_add_null_value(b);
		out_json_time(b, "time", l->time);
		out_json_string(b, "by", l->by);
		if (l->value != NULL)
			out_json_string(b, "status", l->value);
		else {
			json_builder_set_member_name(b, "question");
			json_builder_add_boolean_value(b, l->question);
		}
		json_builder_set_member_name(b, "text");
		json_builder_add_string_value(b, l->text);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

static void
summary_json(const ticket_info *info, const ticket_summary *s)
{
	JsonBuilder *b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "ticket");
	json_builder_add_int_value(b, info->number);
	out_json_string(b, "subject", info->subject);
	out_json_string(b, "status", info->status);
	lines_json(b, "first", s->first);
	json_builder_set_member_name(b, "last_message");   /* the last customer message's number */
	if (s->last_message != 0)
		json_builder_add_int_value(b, s->last_message);
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "answered");       /* an agent replied after it */
	json_builder_add_boolean_value(b, s->answered);
	lines_json(b, "last", s->last);
	lines_json(b, "answers", s->answers);
	lines_json(b, "status_changes", s->changes);
	json_builder_end_object(b);
	out_json(json_builder_get_root(b));
	g_object_unref(b);
}

static void
sentences_text(GPtrArray *lines)
{
	for (guint i = 0; i < lines->len; i++) {
		const summary_line *l = lines->pdata[i];

		printf("  [%u] %s\n", l->message, out_safe(l->text));
	}
}

void
show_summary_print(const ticket_info *info, const ticket_summary *s, gboolean json)
{
	gboolean asks = FALSE;

	if (json) {
		summary_json(info, s);
		return;
	}
	printf("Summary of #%u: %s (%s)\n", info->number, out_safe(info->subject), out_safe(info->status));
	printf("Each line is a sentence of message [N] of desk show %u, as written.\n", info->number);
	if (s->first->len == 0) {
		printf("\nFirst asked: nothing (no text from the requester)\n");
	} else {
		printf("\nFirst asked:\n");
		sentences_text(s->first);
	}
	for (guint i = 0; i < s->last->len; i++)
		asks = asks || ((const summary_line *)s->last->pdata[i])->question;
	if (s->last_message != 0 && s->last->len > 0)
		printf("\n%s (message %u, %s):\n", asks ? "Last asked" : "Last said", s->last_message,
		       s->answered ? "answered since" : "no answer since");
	if (s->last->len > 0)
		sentences_text(s->last);
	printf("\nAnswered:%s\n", s->answers->len == 0 ? " nobody yet" : "");
	for (guint i = 0; i < s->answers->len; i++) {
		const summary_line *l = s->answers->pdata[i];
		char *when = out_iso8601(l->time);

		printf("  [%u] %s %s: %s\n", l->message, when, out_safe(l->by), out_safe(l->text));
		g_free(when);
	}
	printf("\nStatus changes:%s\n", s->changes->len == 0 ? " none" : "");
	for (guint i = 0; i < s->changes->len; i++) {
		const summary_line *l = s->changes->pdata[i];
		char *when = out_iso8601(l->time);

		printf("  %s %s\n", when, out_safe(l->text));
		g_free(when);
	}
}
