/* test-triage.c: unit tests of triage's parts: the language of texts of
 * six languages (lib/mail/lang.c), the writer's own words and their stems
 * (lib/mail/terms.c), and the naive Bayes model and neighbours of
 * lib/store/triage.c on a history small enough to work out by hand. TAP. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lang.h"
#include "terms.h"
#include "triage.h"

static int n, failed;

static void
ok(int good, const char *what)
{
	printf("%sok %d - %s\n", good ? "" : "not ", ++n, what);
	failed += !good;
}

static void
is_str(const char *got, const char *want, const char *what)
{
	ok(strcmp(got, want) == 0, what);
	if (strcmp(got, want) != 0)
		printf("#   expected \"%s\", got \"%s\"\n", want, got);
}

static void
test_lang(void)
{
	static const struct { const char *code, *text; } texts[] = {
		{ "en", "Hello, I ordered a new laptop from your shop two weeks ago and it has still not arrived. "
			"The tracking page says nothing since Monday. Could you please tell me when it will be "
			"delivered, or refund the order? Thank you for your help." },
		{ "de", "Guten Tag, ich habe vor zwei Wochen einen neuen Laptop in Ihrem Shop bestellt und er ist "
			"immer noch nicht angekommen. Die Sendungsverfolgung zeigt seit Montag nichts mehr. "
			"Können Sie mir bitte sagen, wann er geliefert wird? Vielen Dank für Ihre Hilfe." },
		{ "fr", "Bonjour, j'ai commandé un nouvel ordinateur portable dans votre boutique il y a deux "
			"semaines et il n'est toujours pas arrivé. La page de suivi n'indique rien depuis lundi. "
			"Pouvez-vous me dire quand il sera livré ? Merci pour votre aide." },
		{ "es", "Hola, hace dos semanas pedí un portátil nuevo en su tienda y todavía no ha llegado. La "
			"página de seguimiento no dice nada desde el lunes. ¿Me pueden decir cuándo lo van a "
			"entregar o devolver el dinero del pedido? Gracias por su ayuda." },
		{ "it", "Buongiorno, due settimane fa ho ordinato un nuovo portatile nel vostro negozio e non è "
			"ancora arrivato. La pagina di tracciamento non dice nulla da lunedì. Potete dirmi quando "
			"sarà consegnato o rimborsare l'ordine? Grazie per il vostro aiuto." },
		{ "nl", "Hallo, ik heb twee weken geleden een nieuwe laptop in uw winkel besteld en hij is nog "
			"steeds niet aangekomen. De trackingpagina zegt sinds maandag niets meer. Kunt u mij "
			"vertellen wanneer hij wordt bezorgd? Bedankt voor uw hulp." },
	};
	double conf = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(texts); i++) {
		char what[64];

		snprintf(what, sizeof what, "lang: a text of 200 characters or more in %s", texts[i].code);
		is_str(lang_detect(texts[i].text, -1, NULL), texts[i].code, what);
	}
	is_str(lang_detect("ok", -1, &conf), "", "lang: one word says nothing");
	ok(conf == 0, "lang: ... and no confidence");
	is_str(lang_detect("", -1, NULL), "", "lang: empty text");
	is_str(lang_detect("\xff\xfe the and \xc3 of \x80", -1, NULL), "en", "lang: invalid bytes are stepped over");
	is_str(lang_detect("Привет, как дела? Заказ не пришёл.", -1, NULL), "", "lang: a language never seen");
	ok(lang_stopword("de", "und") && !lang_stopword("de", "rechnung") && lang_stopword(NULL, "the"),
	   "lang: function words");
}

static void
test_terms(void)
{
	char *own = terms_own_text("My invoice is wrong.\n> quoted old text\nOn Mon, Ann wrote:\nolder text\n", 1000);
	GPtrArray *t = g_ptr_array_new_with_free_func(g_free);
	GHashTable *surface = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	terms_ctx *ctx = terms_ctx_new();
	char *joined;

	is_str(own, "My invoice is wrong.\n", "own words: quotes and attribution cut");
	g_free(own);
	own = terms_own_text("Please help.\n-- \nAnn, ACME Invoices Ltd\n", 1000);
	is_str(own, "Please help.\n", "own words: the signature cut");
	g_free(own);
	terms_of(ctx, "en", "The invoices were charged twice, order 12345!", 100, t, surface);
	g_ptr_array_add(t, NULL);
	joined = g_strjoinv(" ", (char **)t->pdata);
	is_str(joined, "invoic charg twice order", "terms: English stemmed, function words and numbers out");
	is_str(g_hash_table_lookup(surface, "invoic"), "invoices", "terms: the word as written");
	g_free(joined);
	g_ptr_array_set_size(t, 0);
	terms_of(ctx, "de", "Die Rechnungen sind falsch", 100, t, NULL);
	g_ptr_array_add(t, NULL);
	joined = g_strjoinv(" ", (char **)t->pdata);
	is_str(joined, "rechnung falsch", "terms: German stemmed by the German stemmer");
	g_free(joined);
	g_ptr_array_set_size(t, 0);
	terms_of(ctx, "", "Zulu KILO", 100, t, NULL);
	g_ptr_array_add(t, NULL);
	joined = g_strjoinv(" ", (char **)t->pdata);
	is_str(joined, "zulu kilo", "terms: no language, no stemming");
	g_free(joined);
	g_ptr_array_unref(t);
	g_hash_table_destroy(surface);
	terms_ctx_free(ctx);
}

static triage_doc *
doc(guint num, const char *queue, const char *priority, const char *tags, const char *terms)
{
	triage_doc *d = g_new0(triage_doc, 1);

	d->number = num;
	d->created = 1700000000 + num * 60;
	d->status = g_strdup("open");
	d->subject = g_strdup_printf("ticket %u", num);
	d->lang = g_strdup("");
	d->addr_queue = g_strdup("support");
	d->queue = g_strdup(queue);
	d->priority = g_strdup(priority);
	d->tags = *tags ? g_strsplit(tags, " ", -1) : g_new0(char *, 1);
	d->terms = g_strsplit(terms, " ", -1);
	return d;
}

static const triage_label *
label(const triage_result *r, triage_dim d, const char *name)
{
	for (guint i = 0; i < r->labels[d]->len; i++)
		if (strcmp(((triage_label *)r->labels[d]->pdata[i])->name, name) == 0)
			return r->labels[d]->pdata[i];
	return NULL;
}

static void
test_model(void)
{
	triage_doc *docs[] = {
		doc(1, "billing", "normal", "", "zulu kilo"),
		doc(2, "billing", "normal", "refund", "zulu lima zulu"),
		doc(3, "tech", "normal", "", "yankee kilo"),
		doc(4, "tech", "urgent", "", "yankee mike"),
		doc(5, "tech", "urgent", "outage", "yankee lima"),
	};
	triage_doc *q = doc(6, "", "", "", "zulu kilo");
	triage_opts o = { 10, 180, 5 };
	triage_model *m = triage_model_new();
	triagetab *t = NULL;
	triage_result *r = NULL;
	desk_err err = { 0 };
	const triage_label *l;
	double b, c, yes, no;

	ok(triagetab_memory(&t, &err) == DESK_OK, "a table in memory");
	for (size_t i = 0; i < G_N_ELEMENTS(docs); i++) {
		triage_model_learn(m, docs[i]);
		triagetab_add(t, docs[i], &err);
	}
	ok(triage_model_size(m) == 5, "five taught tickets");
	ok(triage_suggest(t, m, q, &o, &r, &err) == DESK_OK && r->enough, "suggest for {zulu, kilo}");
	/* queue, by hand: V = 5; billing 2 tickets, 4 distinct terms (zulu 2,
	 * kilo 1); tech 3 tickets, 6 terms (kilo 1) */
	b = 3.0 / 7 * 3.0 / 9 * 2.0 / 9;
	c = 4.0 / 7 * 1.0 / 11 * 2.0 / 11;
	l = label(r, TRIAGE_QUEUE, "billing");
	ok(l != NULL && fabs(l->nb - b / (b + c)) < 1e-12, "bayes: P(billing) as worked out by hand");
	/* priority: from cue terms alone (triage.c, cue_lean). P(normal) =
	 * (3+1)/(5+2) = 4/7, P(urgent) 3/7; zulu is in 2 normal tickets and no
	 * urgent one: P(normal | zulu) = (2 + 4 * 4/7) / (2 + 4) = 5/7, which is
	 * 5/4 of P(normal), a lean of log 1.25 = 0.22 < 1: no cue; kilo the
	 * same (tickets 1 and 3). No cue: the priors. */
	l = label(r, TRIAGE_PRIORITY, "normal");
	ok(l != NULL && fabs(l->nb - 4.0 / 7) < 1e-12, "bayes: no cue term: P(normal) is the prior 4/7");
	/* tag refund, one against the rest: 1 of 5 tickets; with it {zulu lima}
	 * (2 terms), without it 8 terms of which zulu 1, kilo 2 */
	yes = 2.0 / 7 * 2.0 / 7 * 1.0 / 7;
	no = 5.0 / 7 * 2.0 / 13 * 3.0 / 13;
	l = label(r, TRIAGE_TAGS, "refund");
	ok(l != NULL && fabs(l->nb - yes / (yes + no)) < 1e-12, "bayes: P(refund) one against the rest");
	/* neighbours: those sharing zulu or kilo: 1, 2, 3 (1 has both) */
	ok(r->neighbours->len == 3 && ((triage_neighbour *)r->neighbours->pdata[0])->number == 1,
	   "neighbours: the three sharing a word, the one with both first");
	l = triage_best(r, TRIAGE_QUEUE);
	ok(l != NULL && strcmp(l->name, "billing") == 0 && fabs(l->p - (l->knn + l->nb) / 2) < 1e-12,
	   "the confidence is the mean of both models");
	triage_result_free(r);
	o.min_history = 6;
	ok(triage_suggest(t, m, q, &o, &r, &err) == DESK_OK && !r->enough && r->labels[TRIAGE_QUEUE]->len == 0,
	   "min history 6: not enough, nothing suggested");
	triage_result_free(r);
	triage_doc_free(q);
	for (size_t i = 0; i < G_N_ELEMENTS(docs); i++)
		triage_doc_free(docs[i]);
	triage_model_free(m);
	triagetab_close(t);
}

/* The priority's cue: 20 normal tickets {zulu kilo}, 4 urgent {zulu
 * dringend}; the ticket {zulu dringend}. P(normal) = 21/26, P(urgent) =
 * 5/26. dringend (4 urgent, 0 normal), shrunk by 4 pseudo-tickets:
 * P(urgent | dringend) = (4 + 4 * 5/26) / (4 + 4) = 31/52 = 3.1 * 5/26, a
 * lean of log 3.1 = 1.13 >= 1: a cue; P(normal | dringend) = (0 + 4 * 21/26)
 * / 8 = 21/52, half of P(normal). zulu (20 normal, 4 urgent): P(normal |
 * zulu) = (20 + 84/26) / 28 = 1.027 * 21/26, P(urgent | zulu) = (4 + 20/26)
 * / 28 = 0.886 * 5/26: no class 2.7 times as likely, no cue. So P(urgent)
 * = 5/26 * 3.1 / (5/26 * 3.1 + 21/26 * 0.5) = 31/52, and dringend weighs
 * log 3.1 - log 0.5 = log 6.2 for urgent over normal. */
static void
test_cue(void)
{
	triage_doc *docs[24];
	triage_doc *q = doc(100, "", "", "", "zulu dringend");
	triage_opts o = { 10, 180, 5 };
	triage_model *m = triage_model_new();
	triagetab *t = NULL;
	triage_result *r = NULL;
	desk_err err = { 0 };
	const triage_label *l;
	const triage_word *w;

	ok(triagetab_memory(&t, &err) == DESK_OK, "cue: a table in memory");
	for (guint i = 0; i < G_N_ELEMENTS(docs); i++) {
		docs[i] = i < 20 ? doc(i + 1, "support", "normal", "", "zulu kilo")
				 : doc(i + 1, "support", "urgent", "", "zulu dringend");
		triage_model_learn(m, docs[i]);
		triagetab_add(t, docs[i], &err);
	}
	ok(triage_suggest(t, m, q, &o, &r, &err) == DESK_OK && r->enough, "cue: suggest for {zulu, dringend}");
	l = label(r, TRIAGE_PRIORITY, "urgent");
	ok(l != NULL && fabs(l->nb - 31.0 / 52) < 1e-12, "cue: P(urgent) = 31/52 by hand, dringend alone");
	ok(l != NULL && fabs(l->p - (0.3 * l->knn + 0.7 * l->nb)) < 1e-12,
	   "cue: the priority's confidence is 0.3 nearest + 0.7 bayes");
	w = r->words[TRIAGE_PRIORITY]->len > 0 ? r->words[TRIAGE_PRIORITY]->pdata[0] : NULL;
	ok(triage_best(r, TRIAGE_PRIORITY) == l && r->words[TRIAGE_PRIORITY]->len == 1 && w != NULL &&
		   strcmp(w->term, "dringend") == 0 && fabs(w->weight - log(6.2)) < 1e-12,
	   "cue: urgent first, dringend alone weighed, log 6.2 over normal");
	triage_result_free(r);
	triage_doc_free(q);
	for (guint i = 0; i < G_N_ELEMENTS(docs); i++)
		triage_doc_free(docs[i]);
	triage_model_free(m);
	triagetab_close(t);
}

int
main(void)
{
	test_lang();
	test_terms();
	test_model();
	test_cue();
	printf("1..%d\n", n);
	return failed > 0;
}
