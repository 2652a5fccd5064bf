/* simhash.c: SimHash (Charikar 2002) over three kinds of features of the
 * case-folded words: each word, each pair of neighbouring words (some of
 * the order: the same words in another order are another text) and each
 * run of four characters of the words joined by spaces (a typo then moves
 * a few features, not a whole word's share). Chosen on the first messages
 * of a 65-ticket store of bench/gen-store: of the mixes tried (words;
 * words and pairs; 4-grams; all three), all three kept different tickets
 * of the same intent (the same template sentences) furthest apart, 1 pair
 * in 100 under 17 bits, with near-copies as near.
 *
 * What distance means, measured on the first messages (signatures cut) of
 * a 1000-ticket store of bench/gen-store (seed 16): a customer sending the
 * same text again with a line on top and another greeting, 10 to 16 bits
 * apart (median 12, 10 pairs); the same request written anew, 15 to 33
 * (median 22, 30 pairs); different tickets of the same intent, 16 bits at
 * least (1 pair in 20 under 18); of other intents, 18 at least (median 31).
 * So a threshold near 14 bits finds resent copies; a request written anew
 * is for a search by its words (order numbers, the customer), not this. */
#include <string.h>

#include "simhash.h"

guint64
simhash_feature(const char *s, gsize len)
{
	guint64 h = 0xcbf29ce484222325ULL;

	for (gsize i = 0; i < len; i++) {
		h ^= (guchar)s[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

/* The features' votes, bit-sliced: bit I of count[K] is bit K of the
 * number of features whose bit I is set, so adding one is a ripple of
 * carries (two steps on average, not 64 additions: a third of the CPU of
 * the ticket text index's build went to them); N features in all. Bit I
 * wins when more of them set it than not: 2 * ones > n. */
typedef struct votes {
	guint64 count[32];
	guint64 n;
} votes;

static void
add(votes *v, guint64 h)
{
	for (guint k = 0; h != 0 && k < G_N_ELEMENTS(v->count); k++) {
		guint64 carry = v->count[k] & h;

		v->count[k] ^= h;
		h = carry;
	}
	v->n++;
}

/* Whether bit I has more votes for than against. */
static gboolean
wins(const votes *v, guint i)
{
	guint64 ones = 0;

	for (guint k = 0; k < G_N_ELEMENTS(v->count); k++)
		ones |= ((v->count[k] >> i) & 1) << k;
	return 2 * ones > v->n;
}

/* The words of TEXT, case-folded, joined by single spaces; *WORDS gets
 * their number. Reads SIMHASH_MAX_BYTES of TEXT at most. */
static GString *
words_of(const char *text, guint *words)
{
	GString *norm = g_string_new(NULL), *word = g_string_new(NULL);
	const char *p = text != NULL ? text : "";
	const char *end = p + strnlen(p, SIMHASH_MAX_BYTES);

	*words = 0;
	for (;;) {
		gunichar c = p < end ? g_utf8_get_char_validated(p, end - p) : 0;
		gboolean bad = c == (gunichar)-1 || c == (gunichar)-2;

		if (c != 0 && !bad && g_unichar_isalnum(c)) {
			g_string_append_unichar(word, c);
			p = g_utf8_next_char(p);
			continue;
		}
		if (word->len > 0) {
			char *folded = g_utf8_casefold(word->str, word->len);

			if (norm->len > 0)
				g_string_append_c(norm, ' ');
			g_string_append(norm, folded);
			g_free(folded);
			g_string_truncate(word, 0);
			(*words)++;
		}
		if (c == 0 || bad)
			break;
		p = g_utf8_next_char(p);
	}
	g_string_free(word, TRUE);
	return norm;
}

guint64
simhash_text(const char *text)
{
	votes v = { { 0 }, 0 };
	guint words;
	GString *norm = words_of(text, &words);
	const char *s = norm->str, *prev = NULL, *end = s + norm->len;
	guint64 out = 0;

	/* words and pairs of words */
	for (const char *w = s; w < end;) {
		const char *sp = strchr(w, ' ');
		const char *we = sp != NULL ? sp : end;

		add(&v, simhash_feature(w, (gsize)(we - w)));
		if (prev != NULL)
			add(&v, simhash_feature(prev, (gsize)(we - prev)));
		prev = w;
		w = we + (sp != NULL);
	}
	/* runs of four characters */
	for (const char *c = s; c < end; c = g_utf8_next_char(c)) {
		const char *e = c;
		guint k = 0;

		while (k < 4 && e < end) {
			e = g_utf8_next_char(e);
			k++;
		}
		if (k < 4)
			break;
		add(&v, simhash_feature(c, (gsize)(e - c)));
	}
	for (guint i = 0; i < 64 && words > 0; i++)
		if (wins(&v, i))
			out |= 1ULL << i;
	g_string_free(norm, TRUE);
	return out;
}

guint
simhash_distance(guint64 a, guint64 b)
{
	return (guint)__builtin_popcountll(a ^ b);
}
