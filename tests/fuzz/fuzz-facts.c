/* fuzz-facts.c: libFuzzer harness of message facts: a message's bytes
 * through rawmsg_scan_buf into facts_header/facts_finish and the content
 * hash (chash), as the milter and desk ingest read mail; facts_parse_id
 * over the whole input as a References value; thread_bounced over it.
 * Checks the contracts of facts.h: Message-IDs without <>, white space or
 * control bytes, with an '@', at most FACTS_MAX_ID long; at most
 * FACTS_MAX_REFS references; Subject and names valid UTF-8. */
#include <string.h>

#include "chash.h"
#include "facts.h"
#include "fuzz.h"
#include "rawmsg.h"
#include "thread.h"

static GBytes *secret;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	secret = g_bytes_new_static("0123456789abcdef0123456789abcdef", 32);
	return 0;
}

static void
check_id(const char *id)
{
	if (id == NULL)
		return;
	FUZZ_CHECK(*id != '\0' && strlen(id) <= FACTS_MAX_ID, "an id is 1 to FACTS_MAX_ID bytes");
	FUZZ_CHECK(strchr(id, '@') != NULL, "an id has an '@'");
	for (const char *p = id; *p != '\0'; p++)
		FUZZ_CHECK((guchar)*p > 32 && (guchar)*p < 127 && *p != '<' && *p != '>',
			   "an id is printable ASCII without white space or <>");
}

/* Both sinks at once: the facts and the content hash. */
typedef struct both {
	msg_facts *f;
	chash *h;
} both;

static void
on_header(void *ud, const char *name, const char *value)
{
	both *b = ud;

	FUZZ_CHECK(*name != '\0' && strchr(name, ':') == NULL, "a header name is not empty, has no colon");
	facts_header(b->f, name, value);
	chash_header(b->h, name, value);
}

static void
on_body(void *ud, const char *buf, gsize len)
{
	chash_body(((both *)ud)->h, buf, len);
}

static void
check_facts(const msg_facts *f)
{
	check_id(f->message_id);
	check_id(f->in_reply_to);
	FUZZ_CHECK(f->references->len <= FACTS_MAX_REFS, "at most FACTS_MAX_REFS references");
	for (guint i = 0; i < f->references->len; i++)
		check_id(f->references->pdata[i]);
	FUZZ_CHECK(!(f->message_id != NULL && f->bad_message_id), "a usable Message-ID is not a bad one");
	FUZZ_CHECK(f->subject == NULL || g_utf8_validate(f->subject, -1, NULL), "the Subject is UTF-8");
	FUZZ_CHECK(f->from_name == NULL || g_utf8_validate(f->from_name, -1, NULL), "the From name is UTF-8");
	FUZZ_CHECK(f->from == NULL || (strlen(f->from) <= 254 && strchr(f->from, '@') != NULL),
		   "From is a bounded addr-spec");
	FUZZ_CHECK(f->recipients->len <= 100, "at most 100 recipients");
	if (f->from != NULL)
		for (const char *p = f->from; *p != '\0'; p++)
			FUZZ_CHECK(!g_ascii_isupper(*p), "From is lower case");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	both b = { facts_new(), chash_new() };
	rawmsg_sink sink = { on_header, on_body, &b };
	char *s = fuzz_str(data, size), *hash, *id;
	const char *p = s, *end;

	rawmsg_scan_buf((const char *)data, size, &sink);
	facts_finish(b.f);
	check_facts(b.f);
	hash = chash_finish(b.h);
	FUZZ_CHECK(strlen(hash) == 64, "the content hash has 64 hex digits");
	while ((id = facts_parse_id(p, &end)) != NULL) {
		check_id(id);
		FUZZ_CHECK(end > p && end <= s + strlen(s), "facts_parse_id moves forward");
		g_free(id);
		p = end;
	}
	g_free(facts_decode_text(s, NULL));
	(void)thread_bounced(secret, (const char *)data, size);
	g_free(hash);
	g_free(s);
	facts_free(b.f);
	return 0;
}
