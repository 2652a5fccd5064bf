/* show-similar.c: desk show N --similar and the possible-duplicate line
 * (show-similar.h). */
#include <stdio.h>
#include <string.h>

#include "desk.h"
#include "output.h"
#include "show-similar.h"

void
show_similar_opts(const desk_config *cfg, similar_opts *o)
{
	double like = cfg->triage_duplicate_likeness != NULL ? g_ascii_strtod(cfg->triage_duplicate_likeness, NULL) : 0;

	o->k = SIMILAR_K;
	o->duplicate_bits = cfg->triage_duplicate_bits > 0 ? (guint)MIN(cfg->triage_duplicate_bits, 64) : 0;
	o->duplicate_likeness = like > 0 ? like : 0;
}

/* Why R's duplicate is one: the fingerprint's bits, or the likeness. */
static char *
why(const similar_result *r, const similar_opts *o)
{
	if (o->duplicate_bits > 0 && r->dup_bits <= o->duplicate_bits)
		return g_strdup_printf("fingerprints %u bits apart", r->dup_bits);
	return g_strdup_printf("text score %.2f of its own", r->dup_likeness);
}

static char *
duplicate_line(const similar_result *r, const similar_opts *o)
{
	char *w = why(r, o);
	char *line = g_strdup_printf("possible duplicate of #%u (%s); merge: desk merge %u %u", r->duplicate_of, w,
				     r->number, r->duplicate_of);

	g_free(w);
	return line;
}

char *
show_duplicate_line(desk_store *st, notmuch_database_t *db, guint n)
{
	similar_result *r = NULL;
	similar_opts o;
	char *line = NULL;

	show_similar_opts(st->cfg, &o);
	if (similar_ticket(db, n, &o, &r, NULL) != DESK_OK)
		return NULL;
	if (r->duplicate_of != 0)
		line = duplicate_line(r, &o);
	similar_result_free(r);
	return line;
}

static void
print_json(const ticket_info *info, const similar_result *r, const similar_opts *o)
{
	JsonBuilder *b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "ticket");
	json_builder_add_int_value(b, info->number);
	out_json_string(b, "subject", info->subject);
	json_builder_set_member_name(b, "duplicate_of");
	if (r->duplicate_of != 0)
		json_builder_add_int_value(b, r->duplicate_of);
	else
		json_builder_add_null_value(b);
	if (r->duplicate_of != 0) {
		char *merge = g_strdup_printf("desk merge %u %u", r->number, r->duplicate_of);
		char *w = why(r, o);

		out_json_string(b, "duplicate_why", w);
		out_json_string(b, "merge", merge);
		g_free(w);
		g_free(merge);
	}
	json_builder_set_member_name(b, "similar");
	json_builder_begin_array(b);
	for (guint i = 0; i < r->hits->len; i++) {
		const similar_hit *h = r->hits->pdata[i];

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "ticket");
		json_builder_add_int_value(b, h->number);
		json_builder_set_member_name(b, "score");
		json_builder_add_double_value(b, h->score);
		json_builder_set_member_name(b, "likeness");
		json_builder_add_double_value(b, h->likeness);
		json_builder_set_member_name(b, "bits");
		json_builder_add_int_value(b, h->bits);
		out_json_string(b, "status", h->status);
		out_json_time(b, "created", h->created);
		out_json_string(b, "subject", h->subject);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	out_json(json_builder_get_root(b));
	g_object_unref(b);
}

static void
print_text(const ticket_info *info, const similar_result *r, const similar_opts *o)
{
	printf("Ticket:    #%u\n", info->number);
	printf("Subject:   %s\n", out_safe(info->subject));
	if (r->duplicate_of != 0) {
		char *line = duplicate_line(r, o);

		printf("Duplicate: %s\n", line);
		g_free(line);
	}
	if (r->hits->len == 0) {
		printf("\nNo similar tickets.\n");
		return;
	}
	printf("\nSimilar tickets (score: bm25, higher is nearer; like: share of its own; bits: fingerprints apart):\n");
	for (guint i = 0; i < r->hits->len; i++) {
		const similar_hit *h = r->hits->pdata[i];
		char bits[8];

		if (h->bits < 64)
			snprintf(bits, sizeof bits, "%u", h->bits);
		else
			strcpy(bits, "-");
		printf("  #%-6u score %6.2f  like %4.2f  bits %2s  %-8s %s\n", h->number, h->score, h->likeness, bits,
		       h->status, out_safe(h->subject));
	}
}

int
show_similar_print(desk_store *st, notmuch_database_t *db, const ticket_info *info, gboolean json)
{
	similar_result *r = NULL;
	similar_opts o;
	desk_err err = { 0 };
	desk_status s;

	show_similar_opts(st->cfg, &o);
	s = similar_ticket(db, info->number, &o, &r, &err);
	if (s != DESK_OK)
		return desk_error(s, "show: similar: %s", err.msg);
	if (json)
		print_json(info, r, &o);
	else
		print_text(info, r, &o);
	similar_result_free(r);
	return 0;
}
