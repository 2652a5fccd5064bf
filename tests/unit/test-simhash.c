/* test-simhash.c: unit tests of lib/mail/simhash.c: distances counted by
 * hand, a one-word text is its word's hash, case and folding, and texts
 * that say nearly the same near, unrelated ones far. TAP. */
#include <stdio.h>
#include <string.h>

#include "simhash.h"

static int n, failed;

static void
ok(int good, const char *what)
{
	printf("%sok %d - %s\n", good ? "" : "not ", ++n, what);
	failed += !good;
}

static guint
dist(const char *a, const char *b)
{
	return simhash_distance(simhash_text(a), simhash_text(b));
}

/* Near: a ticket written again, or with a typo and another greeting. */
static const char *const near[][2] = {
	{ "Hello,\n\nI was charged twice for my order 586-51044, $20.00 each time. My customer number is K429408. "
	  "Can you refund the second payment?\n\nThanks,\nKevin",
	  "Hi,\n\nI am writing again because I have not heard back. I was charged twice for my order 586-51044, "
	  "$20.00 each time. My customer number is K429408. Can you refund the second payment?\n\nBest regards,\nKevin" },
	{ "Ich kann mich nicht in mein Konto einloggen und die E-Mail zum Zurücksetzen kommt nie an. "
	  "Können Sie mein Passwort manuell zurücksetzen?",
	  "Ich kann mich nicht in mein Konto einlogen und die E-Mail zum Zurücksetzen kommt nie an. "
	  "Können Sie mein Passwort bitte manuell zurücksetzen?" },
	{ "J'ai reçu un e-mail qui ressemble au vôtre et qui me demande de confirmer mon mot de passe sur un site "
	  "étrange. Cet e-mail est-il authentique ?",
	  "Bonjour, j'ai reçu un e-mail qui ressemble au vôtre et qui me demande de confirmer mon mot de passe sur "
	  "un site étrange. Cet e-mail est-il authentique ? Merci" },
};

/* Far: other requests, some in the same words (order, account, payment). */
static const char *const far[][2] = {
	{ "I was charged twice for my order 586-51044, $20.00 each time. Can you refund the second payment?",
	  "My order 586-51044 has still not arrived. When will my order arrive? Can you check with the carrier?" },
	{ "Ich kann mich nicht in mein Konto einloggen und die E-Mail zum Zurücksetzen kommt nie an.",
	  "Wir möchten unser Abo von Basic auf Business umstellen. Was wäre der neue Preis?" },
	{ "Our integration gets 401 Unauthorized from the API since this morning with a valid key.",
	  "Since the last update the desktop client crashes as soon as I open it. Is this a known bug?" },
};

int
main(void)
{
	char what[160];

	ok(simhash_distance(0, 0) == 0, "distance of equal fingerprints: 0");
	ok(simhash_distance(0, ~0ULL) == 64, "distance of complements: 64");
	ok(simhash_distance(0xF0, 0x0F) == 8, "0xF0 and 0x0F differ in 8 bits");
	ok(simhash_distance(1, 3) == 1, "1 and 3 differ in 1 bit");
	ok(simhash_distance(0x8000000000000001ULL, 0) == 2, "the top and the bottom bit both count");
	ok(simhash_text("ab") == simhash_feature("ab", 2),
	   "one word of two letters: one feature (no pair, no run of four): every bit is its hash's");
	ok(simhash_text("  Invoice! ") == simhash_text("invoice"), "case and punctuation do not count");
	ok(simhash_text("Straße") == simhash_text("STRASSE"), "case folding: Straße is STRASSE");
	ok(simhash_text("") == 0 && simhash_text("... !!! --") == 0 && simhash_text(NULL) == 0,
	   "no words: 0");
	ok(simhash_text("one two three four") != simhash_text("four three two one"),
	   "word pairs keep order: the same words reversed differ");
	ok(simhash_text("ok \xff broken") == simhash_text("ok"), "invalid UTF-8 ends the text");
	ok(simhash_feature("a", 1) != simhash_feature("b", 1), "features differ");
	{
		/* 1 MB of text: only the first SIMHASH_MAX_BYTES count */
		GString *big = g_string_new(NULL);
		char *head;

		while (big->len < 1024 * 1024)
			g_string_append(big, "lorem ipsum dolor sit amet ");
		head = g_strndup(big->str, SIMHASH_MAX_BYTES);
		ok(simhash_text(big->str) == simhash_text(head), "1 MB of text: its first 256 KiB are read, no more");
		g_free(head);
		g_string_free(big, TRUE);
	}
	for (guint i = 0; i < G_N_ELEMENTS(near); i++) {
		guint d = dist(near[i][0], near[i][1]);

		g_snprintf(what, sizeof what, "near pair %u: %u bits apart (<= 16)", i + 1, d);
		ok(d <= 16, what);
	}
	for (guint i = 0; i < G_N_ELEMENTS(far); i++) {
		guint d = dist(far[i][0], far[i][1]);

		g_snprintf(what, sizeof what, "far pair %u: %u bits apart (>= 20)", i + 1, d);
		ok(d >= 20, what);
	}
	printf("1..%d\n", n);
	return failed ? 1 : 0;
}
