/* trend.c: keys of tickets rising week over week (trend.h). */
#include <string.h>

#include "trend.h"

#define WEEK (7 * 24 * 3600)

/* Words too common in subjects to be a topic. */
static const char *const common[] = {
	"about", "again", "after", "also", "been", "cannot", "could", "does", "dear", "from", "have",
	"hello", "help", "just", "need", "please", "question", "some", "still", "thanks", "that",
	"their", "there", "they", "this", "urgent", "what", "when", "where", "which", "with",
	"would", "your", NULL,
};

static void
trend_free(gpointer p)
{
	report_trend *t = p;

	g_free(t->key);
	g_array_unref(t->tickets);
	g_free(t);
}

/* Count ticket T (in the last week when LAST) under KIND:KEY in H. */
static void
count(GHashTable *h, const char *kind, const char *key, const trend_ticket *t, gboolean last)
{
	char buf[256], *k = buf;   /* the key looked up with no malloc, made to keep */
	gsize lk = strlen(kind), lkey = strlen(key);
	report_trend *r;

	if (lk + 1 + lkey < sizeof buf) {
		memcpy(buf, kind, lk);
		buf[lk] = ':';
		memcpy(buf + lk + 1, key, lkey + 1);
	} else
		k = g_strconcat(kind, ":", key, NULL);
	r = g_hash_table_lookup(h, k);
	if (r == NULL) {
		r = g_new0(report_trend, 1);
		r->kind = kind;
		r->key = g_strdup(key);
		r->tickets = g_array_new(FALSE, FALSE, sizeof(guint));
		g_hash_table_insert(h, k != buf ? k : g_strdup(buf), r);
	} else if (k != buf)
		g_free(k);
	if (!last) {
		r->prev++;
		return;
	}
	r->last++;
	if (r->tickets->len < TREND_TICKETS)
		g_array_append_val(r->tickets, t->number);
}

/* The distinct topic words of SUBJECT, counted for T. */
static void
count_words(GHashTable *h, const trend_ticket *t, gboolean last)
{
	char *low = g_utf8_strdown(t->subject != NULL ? t->subject : "", -1);
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	char *p = low;

	while (*p != '\0') {
		char *start = p;
		glong letters = 0;
		gboolean digits = TRUE;

		while (*p != '\0' && g_unichar_isalnum(g_utf8_get_char(p))) {
			digits = digits && g_ascii_isdigit(*p);
			letters++;
			p = g_utf8_next_char(p);
		}
		if (letters >= 4 && letters <= 40 && !digits) {
			char *w = g_strndup(start, (gsize)(p - start));

			if (!g_strv_contains(common, w) && !g_hash_table_contains(seen, w)) {
				count(h, "word", w, t, last);
				g_hash_table_add(seen, w);
			} else
				g_free(w);
		}
		if (*p != '\0' && start == p)
			p = g_utf8_next_char(p);
	}
	g_hash_table_destroy(seen);
	g_free(low);
}

static void
count_ticket(GHashTable *h, const trend_ticket *t, gboolean last)
{
	const char *at = t->requester != NULL ? strrchr(t->requester, '@') : NULL;

	count_words(h, t, last);
	for (char **tag = t->tags; tag != NULL && *tag != NULL; tag++)
		count(h, "tag", *tag, t, last);
	if (at != NULL && at[1] != '\0') {
		char *d = g_ascii_strdown(at + 1, -1);

		count(h, "domain", d, t, last);
		g_free(d);
	}
}

static gint
by_rise(gconstpointer a, gconstpointer b)
{
	const report_trend *x = *(report_trend *const *)a, *y = *(report_trend *const *)b;
	gint64 dx = (gint64)x->last - x->prev, dy = (gint64)y->last - y->prev;
	int c;

	if (dx != dy)
		return dx > dy ? -1 : 1;
	if (x->last != y->last)
		return x->last > y->last ? -1 : 1;
	return (c = strcmp(x->kind, y->kind)) != 0 ? c : strcmp(x->key, y->key);
}

static gint
cmp_uint(gconstpointer a, gconstpointer b)
{
	guint x = *(const guint *)a, y = *(const guint *)b;

	return x < y ? -1 : x > y;
}

GPtrArray *
trend_rising(const trend_ticket *tt, guint n, gint64 until, guint top)
{
	GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GPtrArray *out = g_ptr_array_new_with_free_func(trend_free);
	GHashTableIter it;
	gpointer v;

	for (guint i = 0; i < n; i++)
		if (tt[i].opened >= until - TREND_WEEKS * WEEK && tt[i].opened < until)
			count_ticket(h, &tt[i], tt[i].opened >= until - WEEK);
	g_hash_table_iter_init(&it, h);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		report_trend *r = v;

		if (r->last > r->prev) {
			g_array_sort(r->tickets, cmp_uint);
			g_ptr_array_add(out, r);
		} else
			trend_free(r);
	}
	g_hash_table_destroy(h);
	g_ptr_array_sort(out, by_rise);
	if (out->len > top)
		g_ptr_array_set_size(out, top);
	return out;
}
