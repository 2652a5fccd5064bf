/* test-similar.c: unit tests of lib/store/similar.c on a ticket text
 * index in memory: the order of the similar tickets, a same requester's
 * weight, and which earlier ticket is a possible duplicate (open, earlier,
 * fingerprints close). TAP. */
#include <stdio.h>
#include <string.h>

#include "simhash.h"
#include "similar.h"

static int n, failed;

static void
ok(int good, const char *what)
{
	printf("%sok %d - %s\n", good ? "" : "not ", ++n, what);
	failed += !good;
}

static triage_doc *
doc(guint num, gint64 created, const char *status, const char *requester, const char *text)
{
	triage_doc *d = g_new0(triage_doc, 1);

	d->number = num;
	d->created = created;
	d->status = g_strdup(status);
	d->subject = g_strdup(text);
	d->requester = g_strdup(requester);
	d->lang = g_strdup("");
	d->addr_queue = g_strdup("");
	d->queue = g_strdup("");
	d->priority = g_strdup("");
	d->tags = g_new0(char *, 1);
	d->terms = g_strsplit(text, " ", -1);
	d->simhash = simhash_text(text);
	return d;
}

static char *
numbers(const similar_result *r)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < r->hits->len; i++)
		g_string_append_printf(s, "%s%u", i ? " " : "", ((similar_hit *)r->hits->pdata[i])->number);
	return g_string_free(s, FALSE);
}

int
main(void)
{
	const char *text = "zulu kilo lima mike oscar papa quebec romeo";
	triage_doc *docs[] = {
		doc(1, 100, "open", "a@x.test", text),
		doc(2, 200, "open", "b@x.test", "zulu kilo lima mike oscar papa quebec sierra"),
		doc(3, 300, "solved", "c@x.test", "zulu tango uniform"),
		doc(4, 400, "closed", "d@x.test", text),
		doc(5, 500, "spam", "e@x.test", text),
		doc(6, 600, "open", "f@x.test", "victor whiskey xray"),
		doc(7, 700, "new", "a@x.test", "zulu kilo lima mike oscar papa quebec yankee"),
	};
	similar_opts o = { 5, 12, 0 };
	triagetab *t = NULL;
	similar_result *r = NULL;
	desk_err err = { 0 };
	char *got;

	printf("1..9\n");
	if (triagetab_memory(&t, &err) != DESK_OK)
		return printf("Bail out! %s\n", err.msg), 1;
	for (guint i = 0; i < G_N_ELEMENTS(docs); i++)
		triagetab_add(t, docs[i], NULL);

	/* ticket 4, an exact copy of 1: 1 and (closed, spam left out) 7, 2
	 * (seven of eight words), 3 (one word) */
	similar_find(t, docs[3], &o, &r, &err);
	got = numbers(r);
	ok(strcmp(got, "1 2 7 3") == 0 || strcmp(got, "1 7 2 3") == 0, "4: the copy first, the one-word match last, spam out");
	printf("# got %s\n", got);
	ok(r->hits->len > 0 && ((similar_hit *)r->hits->pdata[0])->bits == 0 &&
		   ((similar_hit *)r->hits->pdata[0])->likeness > 0.999,
	   "4: the copy is 0 bits apart, likeness 1");
	ok(r->duplicate_of == 1 && r->dup_bits == 0, "4: a possible duplicate of the open earlier 1");
	g_free(got);
	similar_result_free(r);

	/* ticket 1: its copy 4 is later and closed: no duplicate */
	similar_find(t, docs[0], &o, &r, &err);
	ok(r->duplicate_of == 0, "1: no duplicate (the copies are later)");
	got = numbers(r);
	ok(strcmp(got, "4 7 2 3") == 0, "1: 7 of its requester before 2 of another (same score otherwise)");
	printf("# got %s\n", got);
	g_free(got);
	similar_result_free(r);

	/* ticket 6 shares no word: nothing */
	similar_find(t, docs[5], &o, &r, &err);
	ok(r->hits->len == 0 && r->duplicate_of == 0, "6: no similar ticket, no duplicate");
	similar_result_free(r);

	/* ticket 7: duplicate only when within duplicate_bits */
	similar_find(t, docs[6], &o, &r, &err);
	ok(r->duplicate_of == 0 || r->dup_bits <= 12, "7: a duplicate only within duplicate_bits");
	similar_result_free(r);
	o.duplicate_bits = 0;
	similar_find(t, docs[3], &o, &r, &err);
	ok(r->duplicate_of == 0, "4: duplicate_bits 0 and likeness off: no duplicate");
	similar_result_free(r);

	/* a ticket without words (an empty body, only an attachment) */
	{
		triage_doc *e = doc(8, 800, "new", "g@x.test", "");

		o.duplicate_bits = 12;
		triagetab_add(t, e, NULL);
		similar_find(t, e, &o, &r, &err);
		ok(e->simhash == 0 && r->hits->len == 0 && r->duplicate_of == 0, "no words: no fingerprint, nothing similar");
		similar_result_free(r);
		triage_doc_free(e);
	}
	triagetab_close(t);
	for (guint i = 0; i < G_N_ELEMENTS(docs); i++)
		triage_doc_free(docs[i]);
	return failed != 0;
}
