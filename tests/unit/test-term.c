/* test-term.c: unit tests of term_safe (lib/base/term.c), the filter between
 * data and a terminal: every replacement written out by hand. TAP. */
#include <stdio.h>
#include <string.h>

#include "term.h"

static int n, failed;

/* Print BYTES with everything but printable ASCII as \xNN. */
static void
show(const char *label, const char *bytes)
{
	printf("#   %s: \"", label);
	for (const unsigned char *p = (const unsigned char *)bytes; *p != '\0'; p++)
		printf(*p >= 0x20 && *p < 0x7F && *p != '\\' ? "%c" : "\\x%02x", *p);
	printf("\"\n");
}

/* term_safe(IN, MODE) is exactly WANT. */
static void
is(const char *in, term_mode mode, const char *want, const char *what)
{
	char *got = term_safe(in, mode);
	int good = strcmp(got, want) == 0;

	printf("%sok %d - %s\n", good ? "" : "not ", ++n, what);
	if (!good) {
		show("expected", want);
		show("got     ", got);
	}
	failed += !good;
	g_free(got);
}

#define FFFD "\xEF\xBF\xBD"

static void
test_controls(void)
{
	is("a\x1b[2Jb", TERM_LINE, "a" FFFD "[2Jb", "CSI: ESC is U+FFFD, the rest shows as text");
	is("\x1b]0;owned\x07title", TERM_LINE, FFFD "]0;owned" FFFD "title", "OSC: ESC and BEL are U+FFFD");
	is("ding\x07", TERM_TEXT, "ding" FFFD, "BEL in text is U+FFFD");
	is("a\x01\x08\x0b\x0c\x1f" "b", TERM_TEXT, "a" FFFD FFFD FFFD FFFD FFFD "b",
	   "C0 controls (SOH, BS, VT, FF, US) are U+FFFD");
	is("del\x7f", TERM_LINE, "del" FFFD, "DEL is U+FFFD");
	is("x\xc2\x9b" "31m\xc2\x80\xc2\x9f" "y", TERM_LINE, "x" FFFD "31m" FFFD FFFD "y",
	   "C1 controls U+009B, U+0080, U+009F are U+FFFD");
	is("\xc2\xa0nbsp\xc2\xa9", TERM_LINE, "\xc2\xa0nbsp\xc2\xa9", "U+00A0 and U+00A9 (not C1) stay");
}

static void
test_whitespace(void)
{
	is("Subject\ttab\r\nFrom: ceo", TERM_LINE, "Subject tab  From: ceo",
	   "a line: tab, CR and LF are spaces (no forged header line)");
	is("para\tgraph\nnext\n", TERM_TEXT, "para\tgraph\nnext\n", "text: tab and LF stay");
	is("dos\r\nline\r\n", TERM_TEXT, "dos\nline\n", "text: CR LF is LF");
	is("pay 100\rpay 999", TERM_TEXT, "pay 100" FFFD "pay 999", "text: a lone CR (overprinting) is U+FFFD");
	is("a\xe2\x80\xa8" "b\xe2\x80\xa9" "c", TERM_LINE, "a b c", "a line: U+2028 and U+2029 are spaces");
	is("a\xe2\x80\xa8" "b\xe2\x80\xa9" "c", TERM_TEXT, "a\nb\nc", "text: U+2028 and U+2029 are LF");
}

static void
test_bidi_and_invisible(void)
{
	is("invoice\xe2\x80\xae" "fdp.exe", TERM_LINE, "invoice" FFFD "fdp.exe", "RLO U+202E is U+FFFD");
	is("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad", TERM_LINE, FFFD FFFD FFFD FFFD,
	   "LRE, RLE, PDF, LRO (U+202A-U+202D) are U+FFFD");
	is("\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9", TERM_TEXT, FFFD FFFD FFFD FFFD,
	   "the isolates U+2066-U+2069 are U+FFFD");
	is("\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c", TERM_LINE, FFFD FFFD FFFD, "LRM, RLM, ALM (U+200E, U+200F, U+061C)");
	is("pay\xe2\x80\x8bpal\xef\xbb\xbf\xe2\x81\xa0", TERM_LINE, "pay" FFFD "pal" FFFD FFFD,
	   "zero-width space U+200B, U+FEFF, word joiner U+2060 are U+FFFD");
	is("a\xf3\xa0\x80\x81z", TERM_LINE, "a" FFFD "z", "tag character U+E0001 is U+FFFD");
	is("\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb \xd9\x85\xe2\x80\x8c\xd9\x86 soft\xc2\xad" "hyphen",
	   TERM_LINE, "\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb \xd9\x85\xe2\x80\x8c\xd9\x86 soft\xc2\xad" "hyphen",
	   "ZWJ (emoji), ZWNJ and the soft hyphen stay");
	is("\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xe6\x97\xa5\xe6\x9c\xac", TERM_LINE,
	   "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xe6\x97\xa5\xe6\x9c\xac", "Hebrew and Japanese text stays as it is");
}

static void
test_utf8(void)
{
	is("caf\xe9!", TERM_LINE, "caf" FFFD "!", "a latin-1 byte is U+FFFD");
	is("\x9b" "2J", TERM_LINE, FFFD "2J", "a raw 0x9B byte (8-bit CSI) is U+FFFD");
	is("\xc0\x9b|\xed\xa0\x80|\xf8\x88\x80\x80\x80", TERM_TEXT, FFFD FFFD "|" FFFD FFFD FFFD "|" FFFD FFFD FFFD FFFD FFFD,
	   "overlong, surrogate and 5-byte forms are U+FFFD per byte");
	is("cut \xe2\x80", TERM_LINE, "cut " FFFD FFFD, "a truncated sequence at the end is U+FFFD per byte");
	is(NULL, TERM_LINE, "", "NULL is the empty string");
	is("", TERM_TEXT, "", "the empty string stays empty");
}

static void
test_unsafe(void)
{
	int good = term_unsafe(0x1b) && term_unsafe(0x9b) && term_unsafe(0x202e) && term_unsafe(0x2066) &&
		   term_unsafe(0x061c) && !term_unsafe('a') && !term_unsafe(0x200d) && !term_unsafe(0xfffd);

	printf("%sok %d - term_unsafe names ESC, U+009B, U+202E, U+2066, U+061C, not a, ZWJ, U+FFFD\n",
	       good ? "" : "not ", ++n);
	failed += !good;
}

int
main(void)
{
	test_controls();
	test_whitespace();
	test_bidi_and_invisible();
	test_utf8();
	test_unsafe();
	printf("1..%d\n", n);
	return failed != 0;
}
