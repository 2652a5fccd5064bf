/* similar.c: similar tickets and possible duplicates (similar.h). */
#include <string.h>

#include "similar.h"
#include "simhash.h"

static void
hit_free(gpointer p)
{
	similar_hit *h = p;

	g_free(h->status);
	g_free(h->subject);
	g_free(h);
}

void
similar_result_free(similar_result *r)
{
	if (r == NULL)
		return;
	if (r->hits != NULL)
		g_ptr_array_unref(r->hits);
	g_free(r);
}

static gboolean
open_status(const char *s)
{
	return strcmp(s, "new") == 0 || strcmp(s, "open") == 0 || strcmp(s, "pending") == 0 ||
	       strcmp(s, "on-hold") == 0;
}

/* Whether X was created before D (at the same second: a lower number). */
static gboolean
earlier(const triage_doc *x, const triage_doc *d)
{
	return x->created < d->created || (x->created == d->created && x->number < d->number);
}

static gint
by_score(gconstpointer a, gconstpointer b)
{
	const similar_hit *x = *(similar_hit *const *)a, *y = *(similar_hit *const *)b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->number < y->number ? -1 : x->number > y->number;
}

desk_status
similar_find(triagetab *t, const triage_doc *d, const similar_opts *o, similar_result **out, desk_err *err)
{
	similar_result *r = g_new0(similar_result, 1);
	GArray *near = g_array_new(FALSE, FALSE, sizeof(triage_hit));
	GArray *twins = g_array_new(FALSE, FALSE, sizeof(triage_hit));
	double self = 0;
	desk_status s;

	*out = r;
	r->number = d->number;
	r->hits = g_ptr_array_new_with_free_func(hit_free);
	s = triagetab_similar(t, d->terms, d->number, MAX(o->k, SIMILAR_POOL), near, err);
	if (s == DESK_OK)
		s = triagetab_score(t, d->terms, d->number, &self, err);
	/* the requester's own tickets most like it, on the scale of the others */
	if (s == DESK_OK && self > 0) {
		GArray *own = g_array_new(FALSE, FALSE, sizeof(triage_hit));

		s = triagetab_requester_near(t, d->terms, d->requester, d->number, SIMILAR_K, own, err);
		for (guint i = 0; s == DESK_OK && i < own->len; i++) {
			triage_hit h = g_array_index(own, triage_hit, i);
			gboolean have = FALSE;

			for (guint j = 0; !have && j < near->len; j++)
				have = g_array_index(near, triage_hit, j).number == h.number;
			h.score *= self;
			if (!have && h.score >= SIMILAR_OWN_LIKENESS * self)
				g_array_append_val(near, h);
		}
		g_array_unref(own);
	}
	if (s == DESK_OK && o->duplicate_bits > 0)   /* 0: the fingerprint does not decide */
		s = triagetab_twins(t, d, o->duplicate_bits, twins, err);
	for (guint i = 0; s == DESK_OK && i < near->len; i++) {
		triage_hit *th = &g_array_index(near, triage_hit, i);
		similar_hit *h = g_new0(similar_hit, 1);
		triage_doc *x = NULL;

		h->number = th->number;
		h->score = th->score;
		h->bits = 64;
		if (triagetab_doc(t, th->number, &x, NULL) == DESK_OK) {
			if (*d->requester != '\0' && strcmp(x->requester, d->requester) == 0)
				h->score *= SIMILAR_SAME_REQUESTER;
			h->created = x->created;
			h->status = g_strdup(x->status);
			h->subject = g_strdup(x->subject);
			if (x->simhash != 0 && d->simhash != 0)
				h->bits = simhash_distance(x->simhash, d->simhash);
			h->open_earlier = open_status(x->status) && earlier(x, d);
		} else {
			h->status = g_strdup("");
			h->subject = g_strdup("");
		}
		h->likeness = self > 0 ? MIN(h->score / self, 1.0) : 0;
		triage_doc_free(x);
		g_ptr_array_add(r->hits, h);
	}
	g_ptr_array_sort(r->hits, by_score);
	if (r->hits->len > o->k)
		g_ptr_array_set_size(r->hits, o->k);
	/* the first hit likely enough, open and earlier */
	for (guint i = 0; s == DESK_OK && twins->len == 0 && o->duplicate_likeness > 0 && i < r->hits->len; i++) {
		similar_hit *h = r->hits->pdata[i];

		if (h->likeness >= o->duplicate_likeness && h->open_earlier) {
			r->duplicate_of = h->number;
			r->dup_bits = h->bits;
			r->dup_likeness = h->likeness;
			break;
		}
	}
	/* the fingerprint's verdict comes first: the fewest bits apart */
	for (guint i = 0; s == DESK_OK && i < twins->len; i++) {
		triage_hit *th = &g_array_index(twins, triage_hit, i);
		guint bits = (guint)th->score;

		if (r->duplicate_of == 0 || bits < r->dup_bits) {
			r->duplicate_of = th->number;
			r->dup_bits = bits;
			r->dup_likeness = 0;
			for (guint j = 0; j < r->hits->len; j++)
				if (((similar_hit *)r->hits->pdata[j])->number == th->number)
					r->dup_likeness = ((similar_hit *)r->hits->pdata[j])->likeness;
		}
	}
	g_array_unref(near);
	g_array_unref(twins);
	return s;
}

desk_status
similar_ticket(notmuch_database_t *db, guint n, const similar_opts *o, similar_result **out, desk_err *err)
{
	triagetab *t = NULL;
	triage_doc *d = NULL;
	desk_status s = triagetab_open(db, &t, err);

	*out = NULL;
	if (s == DESK_OK)
		s = triagetab_doc(t, n, &d, err);
	if (s == DESK_OK)
		s = similar_find(t, d, o, out, err);
	if (s != DESK_OK)
		g_clear_pointer(out, similar_result_free);
	triage_doc_free(d);
	triagetab_close(t);
	return s;
}
