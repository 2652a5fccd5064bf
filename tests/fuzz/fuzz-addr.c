/* fuzz-addr.c: libFuzzer harness of address lists read structure first
 * (lib/mail/addr.c) and of the From facts made of them.
 *
 * The input is a header value. Checks: every mailbox has an addr-spec of
 * at most ADDR_MAX bytes, valid UTF-8 without controls, with an '@' and
 * something after it, and a display name of at most ADDR_NAME_MAX bytes
 * on one line without controls; no display name brings an address into
 * the list (the mailboxes of a list never grow when its names are taken
 * out); the canonical form is idempotent; the From facts have a sender
 * exactly when the value is one mailbox. */
#include <string.h>

#include "addr.h"
#include "facts.h"
#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	return 0;
}

static void
check_box(const addr_box *b)
{
	const char *at = strrchr(b->addr, '@');
	char *c1 = addr_canonical(b->addr), *c2 = addr_canonical(c1);

	FUZZ_CHECK(strlen(b->addr) <= ADDR_MAX && at != NULL && at > b->addr && at[1] != '\0',
		   "an addr-spec: local part, '@', domain, bounded");
	FUZZ_CHECK(fuzz_clean_utf8(b->addr, FALSE), "an addr-spec is UTF-8 without controls");
	FUZZ_CHECK(strlen(b->name) <= ADDR_NAME_MAX && fuzz_clean_utf8(b->name, FALSE) && strchr(b->name, '\n') == NULL,
		   "a name is one bounded line without controls");
	FUZZ_CHECK(strcmp(c1, c2) == 0, "addr_canonical is idempotent");
	FUZZ_CHECK(addr_same(b->addr, c1), "an address is the same as its canonical form");
	g_free(c1);
	g_free(c2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_str(data, size);
	guint bad = 0;
	GPtrArray *boxes = addr_parse(text, 50, &bad);
	msg_facts *f = facts_new();

	for (guint i = 0; i < boxes->len; i++)
		check_box(boxes->pdata[i]);
	facts_header(f, "From", text);
	FUZZ_CHECK((f->from != NULL) == (boxes->len == 1 && bad == 0), "a sender exactly when From is one mailbox");
	FUZZ_CHECK(f->from == NULL || !f->from_bad, "a sender is not a bad From");
	facts_free(f);
	g_ptr_array_unref(boxes);
	g_free(text);
	return 0;
}
