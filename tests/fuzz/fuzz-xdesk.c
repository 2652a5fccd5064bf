/* fuzz-xdesk.c: libFuzzer harness of our X-Desk-* headers: the one
 * encoder and decoder of structured values (lib/mail/xset.c), the header block
 * read from a message (lib/mail/facts.c) and its seal (lib/store/seal.c,
 * thread_sealed), and the block written for it (seal_block).
 *
 * The input is three parts cut at NUL bytes:
 *   0  a header block, read as facts; an X-Desk-Seal of "valid" is
 *      replaced by the genuine seal over the block as read, so that the
 *      fuzzer reaches what only a genuine seal reaches;
 *   1  a string decoded as an X-Desk-Set;
 *   2  bytes used as values (split at '\x01') for a round trip through
 *      the encoder, under keys of the event types (lib/store/evtype.h).
 * Checks: the decoder never makes an item without a valid key, and its
 * canonical form decodes to itself; any values, whatever bytes they
 * hold, round-trip exactly (plain and folded) and never add a key; a
 * genuine seal verifies, and does not for another Message-ID, another
 * digest or another set; a block seal_block writes reads back as sealed
 * with the same values. */
#include <stdlib.h>
#include <string.h>

#include "evtype.h"
#include "facts.h"
#include "fuzz.h"
#include "rawmsg.h"
#include "seal.h"
#include "thread.h"
#include "xset.h"

static void
on_header(void *ud, const char *name, const char *value)
{
	facts_header(ud, name, value);
}

static msg_facts *
facts_of(const char *text, gsize len)
{
	msg_facts *f = facts_new();
	rawmsg_sink sink = { on_header, NULL, f };

	rawmsg_scan_buf(text, len, &sink);
	facts_finish(f);
	return f;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	fuzz_store();
	return 0;
}

/* The decoder: valid keys only; canonical form is a fixed point. */
static void
decode_set(const char *text)
{
	guint bad = 0, bad2 = 0;
	xset *s = xset_decode(text, &bad), *again;
	char *enc = xset_encode(s), *enc2;

	for (guint i = 0; i < xset_len(s); i++)
		FUZZ_CHECK(xset_key_valid(xset_key(s, i)), "a decoded item has a valid key");
	again = xset_decode(enc, &bad2);
	enc2 = xset_encode(again);
	FUZZ_CHECK(bad2 == 0 && xset_len(again) == xset_len(s) && strcmp(enc, enc2) == 0,
		   "the canonical form decodes to itself");
	for (const char *c = enc; *c != '\0'; c++)
		FUZZ_CHECK((guchar)*c >= ' ' && (guchar)*c <= '~', "the encoded form is printable ASCII");
	g_free(enc);
	g_free(enc2);
	xset_free(again);
	xset_free(s);
}

/* Values of any bytes under real keys: the same items back, no more. */
static void
round_trip(const char *values, size_t len)
{
	const char *const *events = evtype_all();
	size_t nev = 0;
	xset *s = xset_new(), *back, *folded;
	const char *p = values, *end = values + len;
	char *enc, *fold;
	guint i = 0;

	while (events[nev] != NULL)
		nev++;
	while (p <= end && i < 16) {
		const char *q = memchr(p, '\x01', end - p);
		char **keys = evtype_keys(events[i % nev]);
		guint nk = g_strv_length(keys);

		if (q == NULL)
			q = end;
		xset_add_len(s, keys[i % nk], p, q - p);
		g_strfreev(keys);
		i++;
		p = q + 1;
	}
	enc = xset_encode(s);
	fold = xset_encode_folded(s, 12);
	back = xset_decode(enc, NULL);
	folded = xset_decode(fold, NULL);
	FUZZ_CHECK(xset_len(back) == xset_len(s) && xset_len(folded) == xset_len(s), "no item more, none less");
	for (guint k = 0; k < xset_len(s); k++) {
		gsize a, b, c;
		const char *va = xset_value(s, k, &a), *vb = xset_value(back, k, &b), *vc = xset_value(folded, k, &c);

		FUZZ_CHECK(strcmp(xset_key(s, k), xset_key(back, k)) == 0 && a == b && memcmp(va, vb, a) == 0,
			   "each value comes back exactly");
		FUZZ_CHECK(strcmp(xset_key(s, k), xset_key(folded, k)) == 0 && a == c && memcmp(va, vc, a) == 0,
			   "and from the folded form too");
	}
	g_free(enc);
	g_free(fold);
	xset_free(back);
	xset_free(folded);
	xset_free(s);
}

/* The block of the input: its seal, genuine when asked for. */
static void
check_block(desk_store *st, const char *text)
{
	msg_facts *f = facts_of(text, strlen(text));
	const char *id = f->message_id != NULL ? f->message_id : "fuzz@x.test";
	guint t = 0;

	if (f->x_seal != NULL && strcmp(f->x_seal, "valid") == 0 && f->x_ticket != NULL && f->x_match != NULL &&
	    f->x_queue != NULL) {
		char *reused = f->x_reused != NULL ? facts_parse_id(f->x_reused, NULL) : NULL;
		guint64 n = g_ascii_strtoull(f->x_ticket, NULL, 10);
		seal_facts sf = { (guint)n, f->x_match, f->x_queue, f->x_event, f->x_set, f->x_kb, reused, id, "digest", f->x_rule };
		char *seal = seal_make(st->secret, &sf);

		g_free(f->x_seal);
		f->x_seal = seal;
		g_free(reused);
	}
	if (f->x_seal != NULL && thread_sealed(st, f, id, "digest", &t)) {
		FUZZ_CHECK(t != 0 && t == g_ascii_strtoull(f->x_ticket, NULL, 10), "a sealed ticket is its own");
		FUZZ_CHECK(!thread_sealed(st, f, "other@x.test", "digest", &t), "not sealed for another Message-ID");
		FUZZ_CHECK(!thread_sealed(st, f, id, "other", &t), "not sealed for other content");
	}
	facts_free(f);
}

/* A block seal_block writes reads back as sealed, with its values. */
static void
write_block(desk_store *st, const char *setv)
{
	seal_facts sf = { 7, "ours", "support", "status", setv, NULL, NULL, "w@x.test", "digest", NULL };
	char *block = seal_block(st->secret, &sf);
	msg_facts *f;
	guint t = 0;

	if (block == NULL)
		return;  /* a set that does not decode cleanly is never sealed */
	f = facts_of(block, strlen(block));
	FUZZ_CHECK(thread_sealed(st, f, "w@x.test", "digest", &t) && t == 7, "a written block reads back as sealed");
	FUZZ_CHECK(f->x_set != NULL, "with its set");
	{
		char *a = NULL, *b = NULL;
		xset *x = xset_decode(setv, NULL), *y = xset_decode(f->x_set, NULL);

		a = xset_encode(x);
		b = xset_encode(y);
		FUZZ_CHECK(strcmp(a, b) == 0, "the same set");
		g_free(a);
		g_free(b);
		xset_free(x);
		xset_free(y);
	}
	facts_free(f);
	g_free(block);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	desk_store *st = fuzz_store();
	char **part = fuzz_split(data, size, 3);

	check_block(st, part[0]);
	decode_set(part[1]);
	write_block(st, part[1]);
	round_trip(part[2], strlen(part[2]));
	g_strfreev(part);
	return 0;
}
