/* triage.c: suggestions from the nearest tickets and from naive Bayes
 * (triage.h). Every loop runs in a fixed order (classes as first learned,
 * terms as they stand in the ticket), so the same history gives the same
 * figures. */
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "index.h"
#include "triage.h"

#define WORDS_SHOWN 5
#define TAGS_KEPT 5
#define DAY 86400.0
/* The priority's cue terms (cue_lean): P(c | term) is shrunk to P(c) by
 * CUE_PSEUDO tickets, and a term is a cue when, so shrunk, it makes some
 * class at least e^CUE_MIN_LEAN (2.7) times as likely as the history says.
 * PRIORITY_BAYES is the cue model's share of the priority's confidence
 * (the nearest tickets', which speak for the matter, the rest). On the
 * generated store of bench/gen-store (seed 16; bench/README.md) macro-F1
 * was 0.649 at a lean of 0.7, 0.698 at 1.0, 0.638 at 1.2; 0.692 with 3 or
 * 8 pseudo-tickets; 0.696 and 0.692 at a share of 0.6 and 0.8. */
#define CUE_PSEUDO 4.0
#define CUE_MIN_LEAN 1.0
#define PRIORITY_BAYES 0.7

/* ------------------------------------------------------- naive Bayes */

typedef struct nb_class {
	char *name;
	guint docs;
	guint64 words;
} nb_class;

typedef struct nb_dim {
	GPtrArray *classes;      /* nb_class*, as first learned */
	GHashTable *index;       /* name -> position + 1 */
	GHashTable *counts;      /* term -> GArray of guint, one per class */
	GHashTable *all;         /* tags: term -> its count in the whole population */
	guint docs;
	guint64 words;
} nb_dim;

struct triage_model {
	nb_dim dim[TRIAGE_DIMS];
	GHashTable *vocab;       /* every term learned (owns the strings); loaded
				  * from the counts: those of one ticket */
	gint64 vsize;            /* the vocabulary's size when loaded, else -1 */
	guint taught;
};

/* V, the size of the vocabulary. */
static double
vocab_size(const triage_model *m)
{
	return m->vsize >= 0 ? (double)m->vsize : (double)g_hash_table_size(m->vocab);
}

const char *
triage_dim_name(triage_dim d)
{
	static const char *const names[] = { "queue", "priority", "tags" };

	return names[d];
}

static void
nb_class_free(gpointer p)
{
	nb_class *c = p;

	g_free(c->name);
	g_free(c);
}

triage_model *
triage_model_new(void)
{
	triage_model *m = g_new0(triage_model, 1);

	m->vocab = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	m->vsize = -1;
	for (int d = 0; d < TRIAGE_DIMS; d++) {
		m->dim[d].classes = g_ptr_array_new_with_free_func(nb_class_free);
		m->dim[d].index = g_hash_table_new(g_str_hash, g_str_equal);
		m->dim[d].counts = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_array_unref);
		m->dim[d].all = g_hash_table_new(g_str_hash, g_str_equal);
	}
	return m;
}

void
triage_model_free(triage_model *m)
{
	if (m == NULL)
		return;
	for (int d = 0; d < TRIAGE_DIMS; d++) {
		g_hash_table_destroy(m->dim[d].counts);
		g_hash_table_destroy(m->dim[d].all);
		g_hash_table_destroy(m->dim[d].index);
		g_ptr_array_unref(m->dim[d].classes);
	}
	g_hash_table_destroy(m->vocab);
	g_free(m);
}

guint
triage_model_size(const triage_model *m)
{
	return m->taught;
}

/* The vocabulary's copy of TERM (added when new). */
static const char *
vocab_term(triage_model *m, const char *term)
{
	char *v = g_hash_table_lookup(m->vocab, term);

	if (v == NULL) {
		v = g_strdup(term);
		g_hash_table_add(m->vocab, v);
	}
	return v;
}

/* The position of class NAME of DIM, added when new. */
static guint
class_of(nb_dim *dim, const char *name)
{
	guint i = GPOINTER_TO_UINT(g_hash_table_lookup(dim->index, name));

	if (i == 0) {
		nb_class *c = g_new0(nb_class, 1);

		c->name = g_strdup(name);
		g_ptr_array_add(dim->classes, c);
		i = dim->classes->len;
		g_hash_table_insert(dim->index, c->name, GUINT_TO_POINTER(i));
	}
	return i - 1;
}

static void
count_terms(nb_dim *dim, const char *term, guint c, guint n)
{
	GArray *a = g_hash_table_lookup(dim->counts, term);

	if (a == NULL) {
		a = g_array_new(FALSE, TRUE, sizeof(guint));
		g_hash_table_insert(dim->counts, (gpointer)term, a);
	}
	if (a->len <= c)
		g_array_set_size(a, c + 1);
	g_array_index(a, guint, c) += n;
}

static void
count_term(nb_dim *dim, const char *term, guint c)
{
	count_terms(dim, term, c, 1);
}

static guint
count_of(const nb_dim *dim, const char *term, guint c)
{
	GArray *a = g_hash_table_lookup(dim->counts, term);

	return a != NULL && c < a->len ? g_array_index(a, guint, c) : 0;
}

/* D's distinct terms, in order (not copies). */
static GPtrArray *
distinct_terms(const triage_doc *d)
{
	GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
	GPtrArray *u = g_ptr_array_new();

	for (char **t = d->terms; t != NULL && *t != NULL; t++)
		if (g_hash_table_add(seen, *t))
			g_ptr_array_add(u, *t);
	g_hash_table_destroy(seen);
	return u;
}

static void
learn_label(triage_model *m, nb_dim *dim, const char *label, GPtrArray *u)
{
	nb_class *c;
	guint i = class_of(dim, label);

	c = dim->classes->pdata[i];
	c->docs++;
	c->words += u->len;
	dim->docs++;
	for (guint k = 0; k < u->len; k++)
		count_term(dim, vocab_term(m, u->pdata[k]), i);
}

void
triage_model_learn(triage_model *m, const triage_doc *d)
{
	GPtrArray *u;
	nb_dim *tags = &m->dim[TRIAGE_TAGS];

	if (!triage_doc_taught(d))
		return;
	u = distinct_terms(d);
	m->taught++;
	for (guint k = 0; k < u->len; k++)
		vocab_term(m, u->pdata[k]);
	if (*d->queue != '\0') {
		GPtrArray *w = triagetab_words_of(u);   /* the queue: words alone */

		learn_label(m, &m->dim[TRIAGE_QUEUE], d->queue, w);
		g_ptr_array_unref(w);
	}
	if (*d->priority != '\0')
		learn_label(m, &m->dim[TRIAGE_PRIORITY], d->priority, u);
	/* tags: each one against the rest of the taught tickets */
	tags->docs++;
	tags->words += u->len;
	for (guint k = 0; k < u->len; k++) {
		const char *t = vocab_term(m, u->pdata[k]);

		g_hash_table_insert(tags->all, (gpointer)t,
				    GUINT_TO_POINTER(GPOINTER_TO_UINT(g_hash_table_lookup(tags->all, t)) + 1));
	}
	for (char **g = d->tags; g != NULL && *g != NULL; g++) {
		guint i = class_of(tags, *g);
		nb_class *c = tags->classes->pdata[i];

		c->docs++;
		c->words += u->len;
		for (guint k = 0; k < u->len; k++)
			count_term(tags, vocab_term(m, u->pdata[k]), i);
	}
	g_ptr_array_unref(u);
}

/* log P(term | class C) with add-one smoothing over the vocabulary. */
static double
log_term(const nb_dim *dim, const char *term, guint c, double v)
{
	const nb_class *k = dim->classes->pdata[c];

	return log((count_of(dim, term, c) + 1.0) / ((double)k->words + v));
}

/* log P(term | not tag C). */
static double
log_term_not(const nb_dim *dim, const char *term, guint c, double v)
{
	const nb_class *k = dim->classes->pdata[c];
	guint all = GPOINTER_TO_UINT(g_hash_table_lookup(dim->all, term));

	return log((all - count_of(dim, term, c) + 1.0) / ((double)(dim->words - k->words) + v));
}

/* ------------------------------------------- the priority's cue terms */

/* P(C) of DIM's N classes into PRIOR, add-one smoothed. */
static void
class_priors(const nb_dim *dim, double *prior)
{
	guint n = dim->classes->len;

	for (guint c = 0; c < n; c++)
		prior[c] = (((const nb_class *)dim->classes->pdata[c])->docs + 1.0) / (dim->docs + (double)n);
}

/* Log-probabilities P of N classes made probabilities that sum to 1. */
static void
logs_to_probs(double *p, guint n)
{
	double top = -INFINITY, sum = 0;

	for (guint c = 0; c < n; c++)
		top = MAX(top, p[c]);
	for (guint c = 0; c < n; c++)
		sum += (p[c] = exp(p[c] - top));
	for (guint c = 0; c < n; c++)
		p[c] /= sum;
}

/* Into W, log P(c | TERM) / P(c) of each class of DIM: how much a ticket
 * with TERM leans to each class against the history as a whole, with
 * P(c | TERM) shrunk to the prior by CUE_PSEUDO tickets so that a term
 * seen a few times says little. Returns the largest |W|: the term is a cue
 * when it is at least CUE_MIN_LEAN. */
static double
cue_lean(const nb_dim *dim, const char *term, const double *prior, double *w)
{
	GArray *a = g_hash_table_lookup(dim->counts, term);
	guint n = dim->classes->len;
	double total = 0, most = 0;

	for (guint c = 0; c < n; c++)
		total += a != NULL && c < a->len ? g_array_index(a, guint, c) : 0;
	for (guint c = 0; c < n; c++) {
		double k = a != NULL && c < a->len ? g_array_index(a, guint, c) : 0;

		w[c] = log((k + CUE_PSEUDO * prior[c]) / (total + CUE_PSEUDO) / prior[c]);
		most = MAX(most, w[c]);
	}
	return most;
}

/* P(priority | U) into P: naive Bayes over the ticket's cue terms alone
 * (cue_lean), P(c) times the product of each cue's P(c | term) / P(c).
 * A bag of all the words let the 20-30 words of what the ticket is about
 * outvote the few that say how pressing it is (urgent, dringend, down,
 * no hurry) and the sender's facts (vip:yes); the words of a matter that
 * is about as pressing as any other lean less than CUE_MIN_LEAN and stay
 * out, the nearest tickets speak for the matter. */
static void
cue_classes(const triage_model *m, const nb_dim *dim, GPtrArray *u, double *p)
{
	guint n = dim->classes->len;
	double *prior = g_new(double, n), *w = g_new(double, n);

	class_priors(dim, prior);
	for (guint c = 0; c < n; c++)
		p[c] = log(prior[c]);
	for (guint i = 0; i < u->len; i++)
		if (g_hash_table_contains(m->vocab, u->pdata[i]) && cue_lean(dim, u->pdata[i], prior, w) >= CUE_MIN_LEAN)
			for (guint c = 0; c < n; c++)
				p[c] += w[c];
	logs_to_probs(p, n);
	g_free(prior);
	g_free(w);
}

/* P(class | U) of each class of DIM (queue, priority) into P. */
static void
nb_classes(const triage_model *m, const nb_dim *dim, GPtrArray *u, double *p)
{
	guint n = dim->classes->len;
	double v = vocab_size(m);

	if (dim == &m->dim[TRIAGE_PRIORITY]) {
		cue_classes(m, dim, u, p);
		return;
	}
	class_priors(dim, p);
	for (guint c = 0; c < n; c++) {
		p[c] = log(p[c]);
		for (guint i = 0; i < u->len; i++)
			if (g_hash_table_contains(m->vocab, u->pdata[i]) &&
			    !(dim == &m->dim[TRIAGE_QUEUE] && triage_term_fact(u->pdata[i])))
				p[c] += log_term(dim, u->pdata[i], c, v);
	}
	logs_to_probs(p, n);
}

/* P(tag C | U), one against the rest. */
static double
nb_tag(const triage_model *m, const nb_dim *dim, GPtrArray *u, guint c)
{
	const nb_class *k = dim->classes->pdata[c];
	double v = vocab_size(m);
	double yes = log((k->docs + 1.0) / (dim->docs + 2.0)), no = log((dim->docs - k->docs + 1.0) / (dim->docs + 2.0));

	for (guint i = 0; i < u->len; i++)
		if (g_hash_table_contains(m->vocab, u->pdata[i])) {
			yes += log_term(dim, u->pdata[i], c, v);
			no += log_term_not(dim, u->pdata[i], c, v);
		}
	return 1.0 / (1.0 + exp(CLAMP(no - yes, -700.0, 700.0)));
}

/* --------------------------------------------------------- results */

static void
label_free(gpointer p)
{
	triage_label *l = p;

	g_free(l->name);
	g_free(l);
}

static void
word_free(gpointer p)
{
	triage_word *w = p;

	g_free(w->term);
	g_free(w);
}

static void
neighbour_free(gpointer p)
{
	triage_neighbour *n = p;

	g_free(n->subject);
	g_free(n->queue);
	g_free(n->priority);
	g_free(n->tags);
	g_free(n);
}

void
triage_result_free(triage_result *r)
{
	if (r == NULL)
		return;
	for (int d = 0; d < TRIAGE_DIMS; d++) {
		g_ptr_array_unref(r->labels[d]);
		g_ptr_array_unref(r->words[d]);
	}
	g_ptr_array_unref(r->neighbours);
	g_free(r);
}

const triage_label *
triage_best(const triage_result *r, triage_dim d)
{
	return r->labels[d]->len > 0 ? r->labels[d]->pdata[0] : NULL;
}

/* The label NAME of LABELS, added when new. */
static triage_label *
label_of(GPtrArray *labels, const char *name)
{
	triage_label *l;

	for (guint i = 0; i < labels->len; i++)
		if (strcmp(((triage_label *)labels->pdata[i])->name, name) == 0)
			return labels->pdata[i];
	l = g_new0(triage_label, 1);
	l->name = g_strdup(name);
	g_ptr_array_add(labels, l);
	return l;
}

static gint
by_confidence(gconstpointer a, gconstpointer b)
{
	const triage_label *x = *(triage_label *const *)a, *y = *(triage_label *const *)b;

	if (x->p != y->p)
		return x->p > y->p ? -1 : 1;
	return strcmp(x->name, y->name);
}

static gint
by_weight(gconstpointer a, gconstpointer b)
{
	const triage_word *x = *(triage_word *const *)a, *y = *(triage_word *const *)b;

	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	return strcmp(x->term, y->term);
}

/* The words of U that weighed most for class C of DIM over class OTHER
 * (-1: tags, over "not C"), into OUT. */
static void
weighed_words(const triage_model *m, const nb_dim *dim, GPtrArray *u, guint c, int other, GPtrArray *out)
{
	double v = vocab_size(m);
	gboolean cues = dim == &m->dim[TRIAGE_PRIORITY];
	double *prior = g_new(double, dim->classes->len + 1), *lean = g_new(double, dim->classes->len + 1);

	if (cues)
		class_priors(dim, prior);
	for (guint i = 0; i < u->len; i++) {
		const char *t = u->pdata[i];
		double w;

		if (count_of(dim, t, c) == 0)
			continue;
		if (cues) {
			/* the priority: its cue terms only, as cue_classes weighs them */
			if (other < 0 || cue_lean(dim, t, prior, lean) < CUE_MIN_LEAN)
				continue;
			w = lean[c] - lean[other];
		} else
			w = log_term(dim, t, c, v) -
			    (other < 0 ? log_term_not(dim, t, c, v) : log_term(dim, t, (guint)other, v));
		if (w > 0) {
			triage_word *tw = g_new0(triage_word, 1);

			tw->term = g_strdup(t);
			tw->weight = w;
			g_ptr_array_add(out, tw);
		}
	}
	g_free(prior);
	g_free(lean);
	g_ptr_array_sort(out, by_weight);
	if (out->len > WORDS_SHOWN)
		g_ptr_array_set_size(out, WORDS_SHOWN);
}

/* The naive Bayes probabilities of D into R's labels (nb), and the words. */
static void
nb_suggest(const triage_model *m, GPtrArray *u, triage_result *r)
{
	for (int d = 0; d < TRIAGE_DIMS; d++) {
		const nb_dim *dim = &m->dim[d];
		guint n = dim->classes->len;
		double *p = g_new0(double, n + 1);

		if (d != TRIAGE_TAGS && n < 2)
			n = 0;   /* one class learned: nothing to tell apart */
		if (d != TRIAGE_TAGS && n > 0)
			nb_classes(m, dim, u, p);
		for (guint c = 0; c < n; c++) {
			const nb_class *k = dim->classes->pdata[c];

			label_of(r->labels[d], k->name)->nb = d == TRIAGE_TAGS ? nb_tag(m, dim, u, c) : p[c];
		}
		g_free(p);
	}
}

/* The vote of the neighbours of D into R's labels (knn); FALSE when no
 * neighbour votes in a dimension (VOTED[d]). */
static desk_status
knn_suggest(triagetab *t, const triage_doc *d, const triage_opts *o, triage_result *r, gboolean *voted,
	    desk_err *err)
{
	GArray *hits = g_array_new(FALSE, FALSE, sizeof(triage_hit));
	double total[TRIAGE_DIMS] = { 0 };
	desk_status s = triagetab_near(t, d->terms, d->number, o->k, hits, err);

	for (guint i = 0; s == DESK_OK && i < hits->len; i++) {
		triage_hit *h = &g_array_index(hits, triage_hit, i);
		triage_neighbour *nb;
		triage_doc *x = NULL;
		double days;

		if (triagetab_doc(t, h->number, &x, NULL) != DESK_OK)
			continue;
		days = fabs((double)(d->created - x->created)) / DAY;
		nb = g_new0(triage_neighbour, 1);
		nb->number = x->number;
		nb->score = h->score;
		nb->weight = h->score * pow(0.5, days / MAX(o->half_life_days, 1.0));
		nb->subject = g_strdup(x->subject);
		nb->queue = g_strdup(x->queue);
		nb->priority = g_strdup(x->priority);
		nb->tags = g_strjoinv(" ", x->tags);
		g_ptr_array_add(r->neighbours, nb);
		if (*x->queue != '\0') {
			label_of(r->labels[TRIAGE_QUEUE], x->queue)->knn += nb->weight;
			total[TRIAGE_QUEUE] += nb->weight;
		}
		if (*x->priority != '\0') {
			label_of(r->labels[TRIAGE_PRIORITY], x->priority)->knn += nb->weight;
			total[TRIAGE_PRIORITY] += nb->weight;
		}
		total[TRIAGE_TAGS] += nb->weight;
		for (char **g = x->tags; *g != NULL; g++)
			label_of(r->labels[TRIAGE_TAGS], *g)->knn += nb->weight;
		triage_doc_free(x);
	}
	for (int dd = 0; dd < TRIAGE_DIMS; dd++) {
		voted[dd] = total[dd] > 0;
		for (guint i = 0; voted[dd] && i < r->labels[dd]->len; i++)
			((triage_label *)r->labels[dd]->pdata[i])->knn /= total[dd];
	}
	g_array_unref(hits);
	return s;
}

static triage_result *
result_new(guint number)
{
	triage_result *r = g_new0(triage_result, 1);

	r->number = number;
	for (int d = 0; d < TRIAGE_DIMS; d++) {
		r->labels[d] = g_ptr_array_new_with_free_func(label_free);
		r->words[d] = g_ptr_array_new_with_free_func(word_free);
	}
	r->neighbours = g_ptr_array_new_with_free_func(neighbour_free);
	return r;
}

desk_status
triage_suggest(triagetab *t, const triage_model *m, const triage_doc *d, const triage_opts *o,
	       triage_result **out, desk_err *err)
{
	triage_result *r = result_new(d->number);
	gboolean voted[TRIAGE_DIMS] = { FALSE };
	GPtrArray *u = distinct_terms(d);
	desk_status s = DESK_OK;

	r->history = m->taught;
	r->enough = m->taught >= MAX(o->min_history, 1);
	if (r->enough)
		s = knn_suggest(t, d, o, r, voted, err);
	if (s == DESK_OK && r->enough) {
		nb_suggest(m, u, r);
		for (int dd = 0; dd < TRIAGE_DIMS; dd++) {
			gboolean bayes = m->dim[dd].classes->len > (dd == TRIAGE_TAGS ? 0u : 1u);
			double a = dd == TRIAGE_PRIORITY ? PRIORITY_BAYES : 0.5;   /* bayes's share */

			for (guint i = 0; i < r->labels[dd]->len; i++) {
				triage_label *l = r->labels[dd]->pdata[i];

				l->p = voted[dd] && bayes ? (1 - a) * l->knn + a * l->nb : voted[dd] ? l->knn : l->nb;
			}
			g_ptr_array_sort(r->labels[dd], by_confidence);
			if (dd == TRIAGE_TAGS && r->labels[dd]->len > TAGS_KEPT)
				g_ptr_array_set_size(r->labels[dd], TAGS_KEPT);
			if (r->labels[dd]->len > 0 && bayes) {
				const nb_dim *dim = &m->dim[dd];
				const triage_label *best = r->labels[dd]->pdata[0];
				guint c = GPOINTER_TO_UINT(g_hash_table_lookup(dim->index, best->name));
				guint other = 0;

				/* over the next best class the model knows */
				for (guint i = 1; other == 0 && i < r->labels[dd]->len; i++)
					other = GPOINTER_TO_UINT(g_hash_table_lookup(
						dim->index, ((triage_label *)r->labels[dd]->pdata[i])->name));
				if (c > 0 && (dd == TRIAGE_TAGS || other > 0))
					weighed_words(m, dim, u, c - 1, dd == TRIAGE_TAGS ? -1 : (int)other - 1,
						      r->words[dd]);
			}
		}
	}
	g_ptr_array_unref(u);
	if (s != DESK_OK) {
		triage_result_free(r);
		return s;
	}
	*out = r;
	return DESK_OK;
}

/* ------------------------------------------- the model from the counts */

typedef struct loader {
	triage_model *m;
	const triage_doc *except;   /* the ticket asked about, if it teaches */
	GArray *classes;            /* loaded_class, as the table gives them */
	const char *term;           /* the term being read */
} loader;

typedef struct loaded_class {
	int dim;
	char *label;
	gint64 docs, words;
} loaded_class;

/* Whether E teaches LABEL in dimension DIM (3: the population). */
static gboolean
teaches(const triage_doc *e, int dim, const char *label)
{
	if (e == NULL)
		return FALSE;
	if (dim == 3)
		return TRUE;
	if (dim == 2)
		return g_strv_contains((const char *const *)e->tags, label);
	return strcmp(dim == 0 ? e->queue : e->priority, label) == 0;
}

static void
on_class(void *ud, int dim, const char *label, gint64 n, gint64 words)
{
	loader *l = ud;
	loaded_class c = { dim, g_strdup(label), n, words };

	g_array_append_val(l->classes, c);
}

static void
on_term(void *ud, int dim, const char *label, gint64 n, gint64 words)
{
	loader *l = ud;
	triage_model *m = l->m;
	guint c;

	(void)words;
	n -= teaches(l->except, dim, label);
	if (n <= 0 || dim < 0 || dim > 3)
		return;
	if (dim == 3) {
		const char *t = vocab_term(m, l->term);

		g_hash_table_insert(m->dim[TRIAGE_TAGS].all, (gpointer)t, GUINT_TO_POINTER((guint)n));
		return;
	}
	if ((c = GPOINTER_TO_UINT(g_hash_table_lookup(m->dim[dim].index, label))) == 0)
		return;
	count_terms(&m->dim[dim], vocab_term(m, l->term), c - 1, (guint)n);
}

/* The model of T's counts, less what ticket E (NULL: none) teaches, with
 * the terms of E alone: what triage_suggest asks of E. */
static desk_status
model_load(triagetab *t, const triage_doc *e, triage_model **out, desk_err *err)
{
	triage_model *m = triage_model_new();
	loader l = { m, e != NULL && triage_doc_taught(e) ? e : NULL, g_array_new(FALSE, TRUE, sizeof(loaded_class)),
		     NULL };
	GPtrArray *u = distinct_terms(e), *w = triagetab_words_of(u);
	gint64 v = 0;
	guint only = 0;
	desk_status s = triagetab_classes(t, on_class, &l, err);

	for (guint i = 0; s == DESK_OK && i < l.classes->len; i++) {
		loaded_class *c = &g_array_index(l.classes, loaded_class, i);
		gboolean minus = teaches(l.except, c->dim, c->label);
		gint64 docs = c->docs - minus, words = c->words - (minus ? (gint64)(c->dim == 0 ? w : u)->len : 0);

		if (c->dim == 3) {
			m->taught = (guint)docs;
			m->dim[TRIAGE_TAGS].docs = (guint)docs;
			m->dim[TRIAGE_TAGS].words = (guint64)words;
		} else if (docs > 0 && c->dim >= 0 && c->dim < 3) {
			guint at = class_of(&m->dim[c->dim], c->label);
			nb_class *k = m->dim[c->dim].classes->pdata[at];

			k->docs = (guint)docs;
			k->words = (guint64)words;
			if (c->dim != TRIAGE_TAGS)
				m->dim[c->dim].docs += (guint)docs;
		}
	}
	for (guint i = 0; s == DESK_OK && i < u->len; i++) {
		l.term = u->pdata[i];
		s = triagetab_term(t, l.term, on_term, &l, err);
		/* a term only E has leaves the vocabulary with it */
		only += l.except != NULL && !g_hash_table_contains(m->dim[TRIAGE_TAGS].all, l.term);
	}
	if (s == DESK_OK)
		s = triagetab_vocabulary(t, &v, err);
	m->vsize = v - only;
	/* the vocabulary holds the terms of E that others have, the lookups' set */
	for (guint i = 0; i < u->len; i++)
		if (!g_hash_table_contains(m->dim[TRIAGE_TAGS].all, u->pdata[i]))
			g_hash_table_remove(m->vocab, u->pdata[i]);
	for (guint i = 0; i < l.classes->len; i++)
		g_free(g_array_index(l.classes, loaded_class, i).label);
	g_array_unref(l.classes);
	g_ptr_array_unref(u);
	g_ptr_array_unref(w);
	if (s != DESK_OK) {
		triage_model_free(m);
		return s;
	}
	*out = m;
	return DESK_OK;
}

desk_status
triage_ticket(notmuch_database_t *db, guint n, const triage_opts *o, triage_result **out, triage_doc **doc,
	      desk_err *err)
{
	triagetab *t = NULL;
	triage_model *m = NULL;
	triage_doc *d = NULL;
	desk_status s = triagetab_open(db, &t, err);

	if (s == DESK_OK)
		s = triagetab_doc(t, n, &d, err);
	if (s == DESK_OK)
		s = model_load(t, d, &m, err);
	if (s == DESK_OK)
		s = triage_suggest(t, m, d, o, out, err);
	if (s == DESK_OK && doc != NULL)
		*doc = d;
	else
		triage_doc_free(d);
	triage_model_free(m);
	triagetab_close(t);
	return s;
}

/* triage_text with the text index T open. */
static desk_status
text_in(triagetab *t, const char *subject, const char *body, gint64 now, const triage_opts *o,
	triage_result **out, desk_err *err)
{
	triage_model *m = NULL;
	triage_doc *d = triagetab_doc_of_text(t, subject, body, now);
	desk_status s = model_load(t, d, &m, err);

	if (s == DESK_OK)
		s = triage_suggest(t, m, d, o, out, err);
	triage_doc_free(d);
	triage_model_free(m);
	return s;
}

desk_status
triage_text(notmuch_database_t *db, const char *subject, const char *body, gint64 now, const triage_opts *o,
	    triage_result **out, desk_err *err)
{
	triagetab *t = NULL;
	desk_status s = triagetab_open(db, &t, err);

	if (s == DESK_OK)
		s = text_in(t, subject, body, now, o, out, err);
	triagetab_close(t);
	return s;
}

/* ------------------------------------------- kept open between messages */

/* Catch-ups on one notmuch handle before it is opened anew
 * (notmuch_database_reopen keeps a little memory a call, lookup.c). */
#define KEEP_FRESH 1000
#define KEEP_TRIES 3
/* How long the text index is taken as it is before it catches up with the
 * index again (us): each catch-up is a transaction, and new tickets that
 * nobody labelled yet teach nothing. */
#define KEEP_STALE (1 * G_USEC_PER_SEC)
/* How long a first use waits for this process's index writer (us), and
 * how often it looks. */
#define KEEP_WAIT (10 * G_USEC_PER_SEC)
#define KEEP_NAP (10 * 1000)

struct triage_keep {
	GMutex lock;
	notmuch_database_t *db;   /* read-only */
	triagetab *tab;
	ino_t ino;                /* the text index's file when opened (desk reindex deletes it) */
	guint uses;
	gint64 caught_up;         /* when it last caught up (g_get_monotonic_time) */
};

triage_keep *
triage_keep_new(void)
{
	triage_keep *k = g_new0(triage_keep, 1);

	g_mutex_init(&k->lock);
	return k;
}

static void
keep_close(triage_keep *k)
{
	g_clear_pointer(&k->tab, triagetab_close);
	g_clear_pointer(&k->db, notmuch_database_destroy);
	k->uses = 0;
}

void
triage_keep_free(triage_keep *k)
{
	if (k == NULL)
		return;
	keep_close(k);
	g_mutex_clear(&k->lock);
	g_free(k);
}

/* The inode of DB's text index file (0: none). */
static ino_t
tab_ino(notmuch_database_t *db)
{
	char *path = g_build_filename(notmuch_database_get_path(db), ".notmuch", TRIAGETAB_FILE, NULL);
	struct stat sb;
	ino_t ino = stat(path, &sb) == 0 ? sb.st_ino : 0;

	g_free(path);
	return ino;
}

/* keep_ready's catch-up, under st->writing. */
static desk_status
keep_catch_up(triage_keep *k, desk_store *st, gint64 now, desk_err *err)
{
	desk_status s = DESK_OK;

	if (k->db != NULL && (++k->uses >= KEEP_FRESH || tab_ino(k->db) != k->ino))
		keep_close(k);
	if (k->db == NULL)
		s = index_open(st, FALSE, &k->db, err);
	else if (notmuch_database_reopen(k->db, NOTMUCH_DATABASE_MODE_READ_ONLY) != NOTMUCH_STATUS_SUCCESS)
		s = desk_fail(err, DESK_TEMPFAIL, "cannot reopen the index");
	if (s == DESK_OK && k->tab == NULL) {
		s = triagetab_open(k->db, &k->tab, err);
		k->ino = tab_ino(k->db);
	} else if (s == DESK_OK)
		s = triagetab_refresh(k->tab, k->db, err);
	if (s == DESK_OK)
		k->caught_up = now;
	return s;
}

/* K's handles, opened or brought up to the index. The catch-up iterates
 * the index: not while this process's writer writes it (st->writing). An
 * open text index is then used as it is; with none open yet, *wait says
 * to let go of K and come back (the writer may itself be waiting for K:
 * rules run inside its batches). */
static desk_status
keep_ready(triage_keep *k, desk_store *st, gboolean *wait, desk_err *err)
{
	desk_status s;
	gint64 now = g_get_monotonic_time();

	*wait = FALSE;
	if (k->tab != NULL && now - k->caught_up < KEEP_STALE)
		return DESK_OK;
	if (st->writing != NULL && !g_rec_mutex_trylock(st->writing)) {
		*wait = k->tab == NULL;
		return DESK_OK;
	}
	s = keep_catch_up(k, st, now, err);
	if (st->writing != NULL)
		g_rec_mutex_unlock(st->writing);
	return s;
}

desk_status
triage_keep_text(triage_keep *k, desk_store *st, const char *subject, const char *body, gint64 now,
		 const triage_opts *o, triage_result **out, desk_err *err)
{
	desk_status s = DESK_TEMPFAIL;
	gint64 give_up = g_get_monotonic_time() + KEEP_WAIT;
	gboolean wait;

	g_mutex_lock(&k->lock);
	for (int i = 0; i < KEEP_TRIES && s != DESK_OK; i++) {
		s = keep_ready(k, st, &wait, err);
		while (s == DESK_OK && wait && g_get_monotonic_time() < give_up) {
			g_mutex_unlock(&k->lock);
			g_usleep(KEEP_NAP);
			g_mutex_lock(&k->lock);
			s = keep_ready(k, st, &wait, err);
		}
		if (s == DESK_OK && wait)
			s = desk_fail(err, DESK_TEMPFAIL, "the index is being written for too long");
		if (s == DESK_OK)
			s = text_in(k->tab, subject, body, now, o, out, err);
		if (s != DESK_OK)
			keep_close(k);
	}
	g_mutex_unlock(&k->lock);
	return s;
}
