/* fuzz-thread.c: libFuzzer harness of the threading decision: the input is
 * a message (with "{tok:N}" and "{id:N}" turned into a valid reply token
 * and Message-ID of ours, fuzz.h), its facts go to thread_decide against
 * the small store of fuzz.h (tickets 1-4, one closed, one merged), to the
 * desk address of its X-Original-To, To or Cc. Checks that a decision
 * names a ticket, a reason and a queue of the desk, and that the header
 * block it makes (thread_headers) reads back as sealed. */
#include <string.h>

#include "facts.h"
#include "fuzz.h"
#include "rawmsg.h"
#include "thread.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	fuzz_lookup();
	return 0;
}

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

/* The headers of D, read back, are ours and name D's ticket. */
static void
check_headers(desk_store *st, const thread_decision *d)
{
	char *h = thread_headers(st, d, "fuzz@x.test", "0123456789abcdef", NULL);
	msg_facts *f = facts_of(h, strlen(h));
	guint t = 0;

	FUZZ_CHECK(thread_sealed(st, f, "fuzz@x.test", "0123456789abcdef", &t) && t == d->ticket,
		   "thread_headers read back as sealed");
	FUZZ_CHECK(!thread_sealed(st, f, "other@x.test", "0123456789abcdef", &t),
		   "but not on another message");
	facts_free(f);
	g_free(h);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	desk_store *st = fuzz_store();
	char *raw = fuzz_str(data, size), *text = fuzz_bless(st->secret, raw);
	msg_facts *f = facts_of(text, strlen(text));
	thread_decision d;
	desk_err err = { 0 };
	desk_status s = thread_decide(st, fuzz_lookup(), f, NULL, 0, 0, &d, &err);

	/* the store is healthy: a tempfail here would keep a message in the
	 * sender's queue for ever */
	FUZZ_CHECK(s == DESK_OK, err.msg);
	if (s == DESK_OK) {
		FUZZ_CHECK(d.ticket != 0, "a decision names a ticket");
		FUZZ_CHECK(*d.reason != '\0' && g_str_has_prefix(d.match, d.reason), "the match starts with the reason");
		FUZZ_CHECK(strcmp(d.queue, "support") == 0 || strcmp(d.queue, "billing") == 0, "a queue of the desk");
		FUZZ_CHECK(!(d.is_new && d.held), "a new ticket is not held");
		check_headers(st, &d);
	}
	if (f->subject != NULL)
		(void)thread_subject_tag(st->cfg->subject_tag, f->subject);
	facts_free(f);
	g_free(text);
	g_free(raw);
	return 0;
}
