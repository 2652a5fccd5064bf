/* incident.c: bursts of similar new tickets, and the incident events
 * that record them (incident.h). */
#include <string.h>

#include "incident.h"
#include "index.h"
#include "simhash.h"
#include "triagetab.h"
#include "xset.h"

void
incident_free(incident *i)
{
	if (i == NULL)
		return;
	g_array_unref(i->tickets);
	g_free(i);
}

static void
incident_free_p(gpointer p)
{
	incident_free(p);
}

static gint
by_time(gconstpointer a, gconstpointer b)
{
	const incident *x = *(incident *const *)a, *y = *(incident *const *)b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

desk_status
incident_list(notmuch_database_t *db, gint64 since, gint64 until, GPtrArray *out, desk_err *err)
{
	notmuch_query_t *q = notmuch_query_create(db, "property:desk.event=incident");
	notmuch_messages_t *ms = NULL;
	guint start = out->len;

	if (q == NULL)
		return desk_fail(err, DESK_SOFTWARE, "incidents: out of memory");
	notmuch_query_set_sort(q, NOTMUCH_SORT_UNSORTED);
	if (notmuch_query_search_messages(q, &ms) != NOTMUCH_STATUS_SUCCESS) {
		notmuch_query_destroy(q);
		return desk_fail(err, DESK_TEMPFAIL, "incidents: cannot read the index");
	}
	for (; notmuch_messages_valid(ms); notmuch_messages_move_to_next(ms)) {
		notmuch_message_t *m = notmuch_messages_get(ms);
		gint64 when = index_message_time(m);
		const char *v = NULL;
		char *set, *list;
		incident *i;

		if (when < since || (until != 0 && when >= until) ||
		    notmuch_message_get_property(m, "desk.ticket", &v) != NOTMUCH_STATUS_SUCCESS || v == NULL) {
			notmuch_message_destroy(m);
			continue;
		}
		i = g_new0(incident, 1);
		i->first = (guint)g_ascii_strtoull(v, NULL, 10);
		i->time = when;
		i->tickets = g_array_new(FALSE, FALSE, sizeof(guint));
		set = index_get_text(m, "desk.set");
		list = set != NULL ? xset_lookup(set, "tickets") : NULL;
		if (list != NULL) {
			char **parts = g_strsplit(list, ",", -1);

			for (char **p = parts; *p != NULL; p++) {
				guint n = (guint)g_ascii_strtoull(*p, NULL, 10);

				if (n != 0)
					g_array_append_val(i->tickets, n);
			}
			g_strfreev(parts);
		}
		g_free(list);
		g_free(set);
		g_ptr_array_add(out, i);
		notmuch_message_destroy(m);
	}
	notmuch_query_destroy(q);
	/* sort only what was added */
	if (out->len > start) {
		GPtrArray *mine = g_ptr_array_new();

		for (guint k = start; k < out->len; k++)
			g_ptr_array_add(mine, out->pdata[k]);
		g_ptr_array_sort(mine, by_time);
		for (guint k = 0; k < mine->len; k++)
			out->pdata[start + k] = mine->pdata[k];
		g_ptr_array_unref(mine);
	}
	return DESK_OK;
}

/* Whether B is like A, the first of a burst (incident.h); HITS: A's
 * bm25 neighbours (number -> score), SELF A's own score. */
static gboolean
like(const triage_doc *a, const triage_doc *b, GHashTable *hits, double self, guint bits)
{
	double *score = g_hash_table_lookup(hits, GUINT_TO_POINTER(b->number));

	if (bits > 0 && a->simhash != 0 && b->simhash != 0 && simhash_distance(a->simhash, b->simhash) <= bits)
		return TRUE;
	return score != NULL && self > 0 && *score >= INCIDENT_LIKENESS * self;
}

desk_status
incident_find(notmuch_database_t *db, const incident_opts *o, GPtrArray *out, desk_err *err)
{
	GPtrArray *docs = g_ptr_array_new_with_free_func((GDestroyNotify)triage_doc_free);
	GPtrArray *known = g_ptr_array_new_with_free_func(incident_free_p);
	GHashTable *taken = g_hash_table_new(g_direct_hash, g_direct_equal);
	GPtrArray *recent = g_ptr_array_new();
	triagetab *t = NULL;
	desk_status s;

	if (o->tickets == 0) {
		s = DESK_OK;
		goto out;
	}
	s = incident_list(db, 0, 0, known, err);
	for (guint i = 0; s == DESK_OK && i < known->len; i++) {
		incident *k = known->pdata[i];

		for (guint j = 0; j < k->tickets->len; j++)
			g_hash_table_add(taken, GUINT_TO_POINTER(g_array_index(k->tickets, guint, j)));
	}
	if (s == DESK_OK)
		s = triagetab_open(db, &t, err);
	if (s == DESK_OK)
		s = triagetab_docs_between(t, o->since, o->until, docs, err);
	for (guint i = 0; s == DESK_OK && i < docs->len; i++) {
		triage_doc *d = docs->pdata[i];

		if (strcmp(d->status, "merged") != 0 &&
		    !g_hash_table_contains(taken, GUINT_TO_POINTER(d->number)))
			g_ptr_array_add(recent, d);
	}
	/* each ticket in time order opens a burst of those like it after it */
	for (guint i = 0; s == DESK_OK && i < recent->len; i++) {
		triage_doc *a = recent->pdata[i];
		GArray *hits = g_array_new(FALSE, FALSE, sizeof(triage_hit));
		GHashTable *score = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
		GArray *burst = g_array_new(FALSE, FALSE, sizeof(guint));
		double self = 0;

		if (g_hash_table_contains(taken, GUINT_TO_POINTER(a->number)))
			goto next;
		s = triagetab_similar(t, a->terms, a->number, 200, hits, err);
		if (s == DESK_OK)
			s = triagetab_score(t, a->terms, a->number, &self, err);
		for (guint h = 0; h < hits->len; h++) {
			triage_hit *th = &g_array_index(hits, triage_hit, h);

			g_hash_table_insert(score, GUINT_TO_POINTER(th->number), g_memdup2(&th->score, sizeof th->score));
		}
		g_array_append_val(burst, a->number);
		for (guint j = i + 1; s == DESK_OK && j < recent->len; j++) {
			triage_doc *b = recent->pdata[j];

			if (b->created - a->created > (gint64)o->minutes * 60)
				break;
			if (!g_hash_table_contains(taken, GUINT_TO_POINTER(b->number)) &&
			    like(a, b, score, self, o->bits))
				g_array_append_val(burst, b->number);
		}
		if (s == DESK_OK && burst->len >= o->tickets) {
			incident *inc = g_new0(incident, 1);

			inc->first = a->number;
			inc->time = a->created;
			inc->tickets = g_array_ref(burst);
			for (guint j = 0; j < burst->len; j++)
				g_hash_table_add(taken, GUINT_TO_POINTER(g_array_index(burst, guint, j)));
			g_ptr_array_add(out, inc);
		}
next:
		g_array_unref(burst);
		g_array_unref(hits);
		g_hash_table_destroy(score);
	}
out:
	triagetab_close(t);
	g_ptr_array_unref(recent);
	g_ptr_array_unref(docs);
	g_ptr_array_unref(known);
	g_hash_table_destroy(taken);
	return s;
}
