/* triageeval.c: desk triage eval: the history replayed in time order,
 * each ticket predicted from the tickets before it alone (an index and a
 * model grown as the replay goes), against two baselines: the majority
 * label so far, and the queue of the address the ticket came to. Output
 * is text in a fixed order: the same store gives the same bytes. */
#include <math.h>
#include <string.h>

#include "triage.h"

/* The confidence levels at which coverage and precision are shown. */
static const double levels[] = { 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99 };
#define NLEVELS G_N_ELEMENTS(levels)

enum { P_TRIAGE, P_KNN, P_BAYES, P_MAJORITY, P_ADDRESS, NPRED };
static const char *const pred_names[NPRED] = { "triage", "nearest", "bayes", "majority", "address" };

/* One predictor's record in one dimension. */
typedef struct pred {
	guint top1, top3, none;
	GHashTable *conf;        /* "TRUTH\nPREDICTED" -> count ("-": none) */
} pred;

typedef struct dim_stats {
	guint n;
	pred p[NPRED];
	guint covered[NLEVELS], right[NLEVELS];
	GHashTable *classes;     /* every label seen (truth or suggested) */
	GHashTable *seen;        /* label -> count of earlier tickets (majority) */
} dim_stats;

typedef struct tag_stats {
	guint n, tp, fp, fn;
} tag_stats;

static void
stats_init(dim_stats *s)
{
	memset(s, 0, sizeof *s);
	for (int i = 0; i < NPRED; i++)
		s->p[i].conf = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	s->classes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	s->seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

static void
stats_clear(dim_stats *s)
{
	for (int i = 0; i < NPRED; i++)
		g_hash_table_destroy(s->p[i].conf);
	g_hash_table_destroy(s->classes);
	g_hash_table_destroy(s->seen);
}

static void
bump(GHashTable *h, const char *key)
{
	gpointer old = g_hash_table_lookup(h, key);

	if (old == NULL)
		g_hash_table_insert(h, g_strdup(key), GUINT_TO_POINTER(1));
	else
		g_hash_table_insert(h, g_strdup(key), GUINT_TO_POINTER(GPOINTER_TO_UINT(old) + 1));
}

static guint
count(GHashTable *h, const char *key)
{
	return GPOINTER_TO_UINT(g_hash_table_lookup(h, key));
}

/* Record that predictor P ranked RANKED (const char*, best first) for TRUTH. */
static void
pred_add(dim_stats *s, pred *p, const char *truth, GPtrArray *ranked)
{
	char *key = g_strdup_printf("%s\n%s", truth, ranked->len > 0 ? (char *)ranked->pdata[0] : "-");

	if (ranked->len == 0)
		p->none++;
	for (guint i = 0; i < ranked->len && i < 3; i++)
		if (strcmp(ranked->pdata[i], truth) == 0) {
			p->top1 += i == 0;
			p->top3++;
		}
	if (ranked->len > 0 && !g_hash_table_contains(s->classes, ranked->pdata[0]))
		g_hash_table_add(s->classes, g_strdup(ranked->pdata[0]));
	bump(p->conf, key);
	g_free(key);
}

typedef struct scored {
	const char *name;
	double v;
} scored;

static gint
by_value(gconstpointer a, gconstpointer b)
{
	const scored *x = a, *y = b;

	if (x->v != y->v)
		return x->v > y->v ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The labels of R in dimension D ranked by one model's probability
 * (WHICH: 0 combined, 1 nearest, 2 bayes), those above 0 only. */
static GPtrArray *
ranked_by(const triage_result *r, int d, int which)
{
	GPtrArray *labels = r != NULL ? r->labels[d] : NULL;
	GArray *a = g_array_new(FALSE, FALSE, sizeof(scored));
	GPtrArray *out = g_ptr_array_new();

	for (guint i = 0; labels != NULL && i < labels->len; i++) {
		const triage_label *l = labels->pdata[i];
		scored sc = { l->name, which == 0 ? l->p : which == 1 ? l->knn : l->nb };

		if (sc.v > 0)
			g_array_append_val(a, sc);
	}
	g_array_sort(a, by_value);
	for (guint i = 0; i < a->len; i++)
		g_ptr_array_add(out, (gpointer)g_array_index(a, scored, i).name);
	g_array_unref(a);
	return out;
}

/* The labels seen so far, most frequent first. */
static GPtrArray *
ranked_majority(dim_stats *s)
{
	GArray *a = g_array_new(FALSE, FALSE, sizeof(scored));
	GPtrArray *out = g_ptr_array_new();
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, s->seen);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		scored sc = { k, GPOINTER_TO_UINT(v) };

		g_array_append_val(a, sc);
	}
	g_array_sort(a, by_value);
	for (guint i = 0; i < a->len; i++)
		g_ptr_array_add(out, (gpointer)g_array_index(a, scored, i).name);
	g_array_unref(a);
	return out;
}

static void
record(dim_stats *s, int d, const char *truth, const triage_result *r, const char *address)
{
	GPtrArray *ranked[NPRED] = { ranked_by(r, d, 0), ranked_by(r, d, 1), ranked_by(r, d, 2),
				     ranked_majority(s), g_ptr_array_new() };
	const triage_label *best = r != NULL ? triage_best(r, d) : NULL;

	if (address != NULL && *address != '\0')
		g_ptr_array_add(ranked[P_ADDRESS], (gpointer)address);
	s->n++;
	if (!g_hash_table_contains(s->classes, truth))
		g_hash_table_add(s->classes, g_strdup(truth));
	for (int i = 0; i < NPRED; i++) {
		if (i != P_ADDRESS || d == TRIAGE_QUEUE)
			pred_add(s, &s->p[i], truth, ranked[i]);
		g_ptr_array_unref(ranked[i]);
	}
	for (guint l = 0; best != NULL && l < NLEVELS; l++)
		if (best->p >= levels[l]) {
			s->covered[l]++;
			s->right[l] += strcmp(best->name, truth) == 0;
		}
}

static void
record_tags(tag_stats *s, const triage_doc *d, const triage_result *r)
{
	GPtrArray *tags = r != NULL ? r->labels[TRIAGE_TAGS] : NULL;

	s->n++;
	for (guint i = 0; tags != NULL && i < tags->len; i++) {
		const triage_label *l = tags->pdata[i];

		if (l->p < 0.5)
			continue;
		if (g_strv_contains((const char *const *)d->tags, l->name))
			s->tp++;
		else
			s->fp++;
	}
	for (char **g = d->tags; *g != NULL; g++) {
		gboolean found = FALSE;

		for (guint i = 0; tags != NULL && i < tags->len; i++)
			found = found || (((triage_label *)tags->pdata[i])->p >= 0.5 &&
					  strcmp(((triage_label *)tags->pdata[i])->name, *g) == 0);
		s->fn += !found;
	}
}

/* ---------------------------------------------------------- printing */

static double
pct(guint a, guint b)
{
	return b > 0 ? 100.0 * a / b : 0.0;
}

static int
cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static GPtrArray *
sorted_classes(dim_stats *s)
{
	GPtrArray *a = g_ptr_array_new();
	GHashTableIter it;
	gpointer k;

	g_hash_table_iter_init(&it, s->classes);
	while (g_hash_table_iter_next(&it, &k, NULL))
		g_ptr_array_add(a, k);
	g_ptr_array_sort(a, cmp_str);
	return a;
}

/* F1 of class C for predictor P; recall into *recall. */
static double
f1_of(dim_stats *s, pred *p, const char *c, GPtrArray *classes, double *recall)
{
	guint tp = 0, fp = 0, fn = 0;

	for (guint i = 0; i < classes->len; i++) {
		char *k1 = g_strdup_printf("%s\n%s", c, (char *)classes->pdata[i]);
		char *k2 = g_strdup_printf("%s\n%s", (char *)classes->pdata[i], c);

		if (strcmp(classes->pdata[i], c) == 0)
			tp = count(p->conf, k1);
		else {
			fn += count(p->conf, k1);
			fp += count(p->conf, k2);
		}
		g_free(k1);
		g_free(k2);
	}
	{
		char *k = g_strdup_printf("%s\n-", c);

		fn += count(p->conf, k);
		g_free(k);
	}
	(void)s;
	if (recall != NULL)
		*recall = tp + fn > 0 ? (double)tp / (tp + fn) : 0;
	return 2.0 * tp + fp + fn > 0 ? 2.0 * tp / (2.0 * tp + fp + fn) : 0;
}

/* The classes that are some ticket's truth. */
static gboolean
is_truth(dim_stats *s, const char *c)
{
	return count(s->seen, c) > 0;
}

static void
print_confusion(GString *out, dim_stats *s, GPtrArray *classes)
{
	guint w = 8;

	for (guint i = 0; i < classes->len; i++)
		w = MAX(w, (guint)strlen(classes->pdata[i]) + 1);
	g_string_append_printf(out, "  confusion (rows: set by a person; columns: suggested, - none)\n  %-*s", w, "");
	for (guint j = 0; j < classes->len; j++)
		g_string_append_printf(out, " %*s", w, (char *)classes->pdata[j]);
	g_string_append_printf(out, " %*s\n", w, "-");
	for (guint i = 0; i < classes->len; i++) {
		if (!is_truth(s, classes->pdata[i]))
			continue;
		g_string_append_printf(out, "  %-*s", w, (char *)classes->pdata[i]);
		for (guint j = 0; j <= classes->len; j++) {
			char *k = g_strdup_printf("%s\n%s", (char *)classes->pdata[i],
						  j < classes->len ? (char *)classes->pdata[j] : "-");

			g_string_append_printf(out, " %*u", w, count(s->p[P_TRIAGE].conf, k));
			g_free(k);
		}
		g_string_append_c(out, '\n');
	}
}

static void
print_dim(GString *out, dim_stats *s, int d)
{
	int npred = d == TRIAGE_QUEUE ? NPRED : NPRED - 1;
	GPtrArray *classes = sorted_classes(s);

	g_string_append_printf(out, "\n%s: %u tickets with a %s a person set\n", triage_dim_name(d), s->n,
			       triage_dim_name(d));
	if (s->n == 0) {
		g_ptr_array_unref(classes);
		return;
	}
	g_string_append_printf(out, "  %-14s", "");
	for (int i = 0; i < npred; i++)
		g_string_append_printf(out, " %9s", pred_names[i]);
	g_string_append_printf(out, "\n  %-14s", "top-1");
	for (int i = 0; i < npred; i++)
		g_string_append_printf(out, " %8.1f%%", pct(s->p[i].top1, s->n));
	g_string_append_printf(out, "\n  %-14s", "top-3");
	for (int i = 0; i < npred; i++)
		g_string_append_printf(out, " %8.1f%%", pct(s->p[i].top3, s->n));
	g_string_append_printf(out, "\n  %-14s", "no suggestion");
	for (int i = 0; i < npred; i++)
		g_string_append_printf(out, " %8.1f%%", pct(s->p[i].none, s->n));
	g_string_append_printf(out, "\n  %-14s", "macro-F1");
	for (int i = 0; i < npred; i++) {
		double sum = 0;
		guint n = 0;

		for (guint c = 0; c < classes->len; c++)
			if (is_truth(s, classes->pdata[c])) {
				sum += f1_of(s, &s->p[i], classes->pdata[c], classes, NULL);
				n++;
			}
		g_string_append_printf(out, " %9.3f", n > 0 ? sum / n : 0.0);
	}
	if (d == TRIAGE_PRIORITY && is_truth(s, "urgent")) {
		g_string_append_printf(out, "\n  %-14s", "urgent recall");
		for (int i = 0; i < npred; i++) {
			double r = 0;

			f1_of(s, &s->p[i], "urgent", classes, &r);
			g_string_append_printf(out, " %9.3f", r);
		}
	}
	g_string_append(out, "\n  coverage and precision of the triage suggestion by confidence:\n");
	for (guint l = 0; l < NLEVELS; l++)
		g_string_append_printf(out, "    >= %.2f  covers %5.1f%%  precision %5.1f%%\n", levels[l],
				       pct(s->covered[l], s->n), pct(s->right[l], s->covered[l]));
	print_confusion(out, s, classes);
	g_ptr_array_unref(classes);
}

/* ------------------------------------------------------------ replay */

static void
learn_seen(dim_stats *s, const char *label)
{
	if (*label != '\0')
		bump(s->seen, label);
}

desk_status
triage_eval(notmuch_database_t *db, gint64 since, const triage_opts *o, GString *out, desk_err *err)
{
	GPtrArray *docs = g_ptr_array_new_with_free_func((GDestroyNotify)triage_doc_free);
	GHashTable *langs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	triage_model *m = triage_model_new();
	triagetab *t = NULL, *mem = NULL;
	dim_stats st[2];
	tag_stats tags = { 0 };
	guint taught = 0, replayed = 0;
	desk_status s = triagetab_open(db, &t, err);

	stats_init(&st[0]);
	stats_init(&st[1]);
	if (s == DESK_OK)
		s = triagetab_docs(t, docs, err);
	if (s == DESK_OK)
		s = triagetab_memory(&mem, err);
	for (guint i = 0; s == DESK_OK && i < docs->len; i++) {
		triage_doc *d = docs->pdata[i];
		triage_result *r = NULL;

		if (!triage_doc_taught(d))
			continue;
		taught++;
		if (d->created >= since) {
			replayed++;
			bump(langs, *d->lang != '\0' ? d->lang : "unknown");
			s = triage_suggest(mem, m, d, o, &r, err);
			if (s == DESK_OK && r != NULL && !r->enough)
				g_clear_pointer(&r, triage_result_free);
			if (s == DESK_OK && *d->queue != '\0')
				record(&st[0], TRIAGE_QUEUE, d->queue, r, d->addr_queue);
			if (s == DESK_OK && *d->priority != '\0')
				record(&st[1], TRIAGE_PRIORITY, d->priority, r, NULL);
			if (s == DESK_OK)
				record_tags(&tags, d, r);
			triage_result_free(r);
		}
		learn_seen(&st[0], d->queue);
		learn_seen(&st[1], d->priority);
		triage_model_learn(m, d);
		if (s == DESK_OK)
			s = triagetab_add(mem, d, err);
	}
	if (s == DESK_OK) {
		GPtrArray *keys = g_ptr_array_new();
		GHashTableIter it;
		gpointer k;

		g_hash_table_iter_init(&it, langs);
		while (g_hash_table_iter_next(&it, &k, NULL))
			g_ptr_array_add(keys, k);

		g_string_append_printf(out, "desk triage eval: %u tickets, %u with labels a person set, %u replayed"
					    " in time order\n(each predicted from the tickets before it alone; k=%u,"
					    " half life %.0f days, min history %u)\n", docs->len, taught, replayed,
				       o->k, o->half_life_days, o->min_history);
		g_ptr_array_sort(keys, cmp_str);
		g_string_append(out, "languages:");
		for (guint i = 0; i < keys->len; i++)
			g_string_append_printf(out, " %s %u", (char *)keys->pdata[i], count(langs, keys->pdata[i]));
		g_string_append_c(out, '\n');
		g_ptr_array_unref(keys);
		print_dim(out, &st[0], TRIAGE_QUEUE);
		print_dim(out, &st[1], TRIAGE_PRIORITY);
		g_string_append_printf(out, "\ntags: %u tickets; suggested (confidence >= 0.50): precision %.1f%%"
					    " recall %.1f%% F1 %.3f\n", tags.n, pct(tags.tp, tags.tp + tags.fp),
				       pct(tags.tp, tags.tp + tags.fn),
				       2.0 * tags.tp + tags.fp + tags.fn > 0
					       ? 2.0 * tags.tp / (2.0 * tags.tp + tags.fp + tags.fn) : 0.0);
	}
	stats_clear(&st[0]);
	stats_clear(&st[1]);
	g_hash_table_destroy(langs);
	triage_model_free(m);
	triagetab_close(mem);
	triagetab_close(t);
	g_ptr_array_unref(docs);
	return s;
}
