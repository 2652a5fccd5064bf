/* test-text.c: unit tests of the own words of a body (lib/mail/quote.c)
 * and of sentences (lib/mail/sentence.c), in English, German and French:
 * every expected piece written out by hand. TAP. */
#include <stdio.h>
#include <string.h>

#include "quote.h"
#include "sentence.h"

static int n, failed;

static void
is(const char *got, const char *want, const char *what)
{
	int good = strcmp(got, want) == 0;

	printf("%sok %d - %s\n", good ? "" : "not ", ++n, what);
	if (!good)
		printf("#   expected: \"%s\"\n#   got:      \"%s\"\n", want, got);
	failed += !good;
}

static void
own(const char *in, const char *want, const char *what)
{
	char *got = quote_own_text(in);

	is(got, want, what);
	g_free(got);
}

/* The sentences of all of IN, joined by " | ". */
static void
sentences(const char *in, const char *want, const char *what)
{
	text_span all = { 0, strlen(in) };
	GArray *s = sentence_split(in, all, 0);
	GString *got = g_string_new(NULL);

	for (guint i = 0; i < s->len; i++) {
		const text_span *x = &g_array_index(s, text_span, i);

		g_string_append_printf(got, "%s%.*s", i ? " | " : "", (int)x->len, in + x->start);
	}
	is(got->str, want, what);
	g_string_free(got, TRUE);
	g_array_unref(s);
}

static void
flag(gboolean got, gboolean want, const char *what)
{
	printf("%sok %d - %s\n", got == want ? "" : "not ", ++n, what);
	failed += got != want;
}

static gboolean
question(const char *s)
{
	text_span x = { 0, strlen(s) };

	return sentence_is_question(s, x);
}

static gboolean
statement(const char *s)
{
	text_span x = { 0, strlen(s) };

	return sentence_is_statement(s, x);
}

static void
test_quotes(void)
{
	own("Hi,\n\nIt still fails.\n\nOn Tue, 3 Nov 2026 at 10:00, Alice <support@helpdesk.test> wrote:\n> Try again.\n> Alice\n",
	    "Hi,\nIt still fails.", "English: the attribution and the quote go; blank lines split runs");
	own("Es geht nicht.\n\nAm 03.11.2026 um 10:00 schrieb Support <support@helpdesk.test>:\n> Bitte neu starten.\n",
	    "Es geht nicht.", "German attribution");
	own("Toujours en panne.\n\nLe 03/11/2026 à 10:00, Support a écrit :\n> Merci de réessayer.\n",
	    "Toujours en panne.", "French attribution");
	own("Toujours en panne.\nLe 3 nov. 2026, Support a écrit\xc2\xa0:\n>> vieux\n", "Toujours en panne.",
	    "French attribution with a no-break space, a quote of a quote");
	own("Still broken.\n\nOn Tue, 3 Nov 2026 at 10:00, Alice Morgan\n<support@helpdesk.test> wrote:\n\n> Try again.\n",
	    "Still broken.", "an attribution folded over two lines goes whole");
	own("> Did it work?\nNo, it did not.\n> Is it urgent?\nYes.\n", "No, it did not.\nYes.",
	    "interleaved answers are kept, each its own run");
	own("Thanks,\nAnn\n-- \nAnn Smith\nAcme Ltd\n+1 555 0100\n", "Thanks,\nAnn",
	    "the signature goes from its separator");
	own("Danke\n\n-----Ursprüngliche Nachricht-----\nVon: Support\nGesendet: Montag\nBetreff: x\n\nalter Text\n",
	    "Danke", "Outlook's German separator cuts the rest");
	own("Ok then.\n\nFrom: Support <support@helpdesk.test>\nSent: Monday, 2 November 2026 10:00\nTo: Ann\n\nOld text.\n",
	    "Ok then.", "an Outlook header block without a separator cuts the rest");
	own("Merci.\n\n________________________________\nDe : Support\nEnvoyé : lundi\n\nAncien texte.\n", "Merci.",
	    "Outlook's rule before a French header block cuts the rest");
	own("Fine.\n\nSent from my iPhone\n", "Fine.", "a phone's signature line goes");
	own("I wrote: it fails.\nThe log says so.\n", "I wrote: it fails.\nThe log says so.",
	    "a line ending in wrote: with no quote after it and no On is the sender's");
	own("> only a quote\n", "", "only quoted text: nothing is the sender's");
	own("", "", "an empty body");
}

static void
test_spans(void)
{
	const char *t = "Hi,\n\n> old\nNew line.\nSecond.\n";
	GArray *s = quote_own_spans(t);
	char got[64];

	g_snprintf(got, sizeof got, "%u: %zu+%zu %zu+%zu", s->len, g_array_index(s, text_span, 0).start,
		   g_array_index(s, text_span, 0).len, g_array_index(s, text_span, 1).start,
		   g_array_index(s, text_span, 1).len);
	is(got, "2: 0+3 11+17", "spans are byte runs of the text (Hi, at 0, the two lines at 11)");
	g_array_unref(s);
}

static void
test_sentences(void)
{
	sentences("I was charged twice. Can you refund it? Thanks!", "I was charged twice. | Can you refund it? | Thanks!",
		  "English: . ? !");
	sentences("Please call Dr. Smith, e.g. tomorrow. He knows J. Doe.",
		  "Please call Dr. Smith, e.g. tomorrow. | He knows J. Doe.", "abbreviations and initials end nothing");
	sentences("Version 3.5 on example.org fails. Why?", "Version 3.5 on example.org fails. | Why?",
		  "a '.' inside a number or a name ends nothing");
	sentences("Ich habe am 3. November bestellt. Wo ist sie, bzw. wann kommt sie?",
		  "Ich habe am 3. November bestellt. | Wo ist sie, bzw. wann kommt sie?",
		  "German: an ordinal and bzw. end nothing");
	sentences("Ich brauche z.B. die Rechnung Nr. 5. Danke.", "Ich brauche z.B. die Rechnung Nr. 5. | Danke.",
		  "German: z.B. and Nr. end nothing");
	sentences("Pouvez-vous m'aider ? Merci d'avance !", "Pouvez-vous m'aider ? | Merci d'avance !",
		  "French: a space before ? and !");
	sentences("Bonjour M. Dupont. C'est urgent\xc2\xa0!", "Bonjour M. Dupont. | C'est urgent\xc2\xa0!",
		  "French: M. and a no-break space before !");
	sentences("He said \"stop.\" Then it crashed...  Really?!", "He said \"stop.\" | Then it crashed... | Really?!",
		  "closing quotes, an ellipsis, ?! end a sentence");
	sentences("It costs approx. five euros.", "It costs approx. five euros.", "a lower-case word after '.'");
	sentences("Hello,\n\nthe app\ncrashes. Help", "Hello, | the app\ncrashes. | Help",
		  "a blank line ends one; a line break inside one stays in it");
	sentences("", "", "no text, no sentence");
	sentences("Hi Ann,\nthe app crashes. Thanks!\nBest regards,\nKevin",
		  "Hi Ann, | the app crashes. | Thanks! | Best regards, | Kevin",
		  "a greeting or a closing line ends at its line break: the name is apart");
	sentences("I tried this, that and the other,\nand it still fails.",
		  "I tried this, that and the other,\nand it still fails.",
		  "a line of five words ending in ',' is no salutation");
	flag(question("Can you help?"), TRUE, "a question");
	flag(question("Pouvez-vous m'aider ?"), TRUE, "a French question");
	flag(question("Is it \"broken?\")"), TRUE, "a question in quotes and brackets");
	flag(question("Why?!"), TRUE, "?! asks");
	flag(question("It fails."), FALSE, "a statement does not ask");
	flag(question("?"), TRUE, "a lone ? asks");
	flag(statement("It fails again."), TRUE, "three words say something");
	flag(statement("Best regards,"), FALSE, "a closing does not");
	flag(statement("Dear support team,"), FALSE, "a salutation does not");
	flag(statement("Thanks!"), FALSE, "one word does not");
}

int
main(void)
{
	test_quotes();
	test_spans();
	test_sentences();
	printf("1..%d\n", n);
	return failed ? 1 : 0;
}
