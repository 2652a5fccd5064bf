/* test-trust.c: unit tests of what inbound mail must not get past: the
 * X-Desk-Set encoder and decoder (a property test over every key of every
 * event type), the seal's binding to its message, our Message-IDs, and
 * the Message-ID as the index reads it (against a real notmuch), and
 * addresses read structure first. Proves maildesk-security(7), "Anyone who
 * sends mail" and "What a seal proves". TAP. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>
#include <notmuch.h>

#include "addr.h"
#include "chash.h"
#include "evtype.h"
#include "facts.h"
#include "rawmsg.h"
#include "seal.h"
#include "token.h"
#include "xset.h"

static int n, failed;

static void
ok(int cond, const char *what)
{
	printf("%sok %d - %s\n", cond ? "" : "not ", ++n, what);
	failed += !cond;
}

/* LEN random bytes, biased to the ones that matter: separators, quotes,
 * escapes, white space, CR, LF, NUL, 8-bit. */
static char *
random_value(GRand *r, gsize len)
{
	static const char nasty[] = ";=%\"' \t\r\n\\<>()+-@,:";
	char *v = g_malloc(len + 1);

	for (gsize i = 0; i < len; i++) {
		switch (g_rand_int_range(r, 0, 4)) {
		case 0:
			v[i] = nasty[g_rand_int_range(r, 0, sizeof nasty)];  /* NUL too */
			break;
		case 1:
			v[i] = (char)g_rand_int_range(r, 128, 256);
			break;
		default:
			v[i] = (char)g_rand_int_range(r, 0, 256);
		}
	}
	v[len] = '\0';
	return v;
}

/* Whether A and B hold the same items: keys, values and lengths. */
static gboolean
same_items(const xset *a, const xset *b)
{
	if (xset_len(a) != xset_len(b))
		return FALSE;
	for (guint i = 0; i < xset_len(a); i++) {
		gsize la, lb;
		const char *va = xset_value(a, i, &la), *vb = xset_value(b, i, &lb);

		if (strcmp(xset_key(a, i), xset_key(b, i)) != 0 || la != lb || memcmp(va, vb, la) != 0)
			return FALSE;
	}
	return TRUE;
}

/* Every key of every event type, with random values, through the
 * encoder (plain and folded) and back: the same items, never one more. */
static void
test_roundtrip(void)
{
	GRand *r = g_rand_new_with_seed(20261202);
	const char *const *events = evtype_all();
	guint rounds = 0, bad_rounds = 0, bad_folded = 0, ascii = 0, keys = 0;

	for (const char *const *e = events; *e != NULL; e++) {
		char **ks = evtype_keys(*e);

		for (char **k = ks; *k != NULL; k++, keys++) {
			for (int round = 0; round < 200; round++, rounds++) {
				xset *s = xset_new(), *back, *back2;
				gsize len = round == 0 ? XSET_VALUE_MAX : (gsize)g_rand_int_range(r, 0, round < 150 ? 40 : 300);
				char *v = random_value(r, len), *other = random_value(r, 8), *enc, *folded;
				guint bad = 1, bad2 = 1;

				xset_add_len(s, *k, v, len);
				xset_add_len(s, "by", other, 8);
				enc = xset_encode(s);
				folded = xset_encode_folded(s, 12);
				back = xset_decode(enc, &bad);
				back2 = xset_decode(folded, &bad2);
				if (!same_items(s, back) || bad != 0)
					bad_rounds++;
				if (!same_items(s, back2) || bad2 != 0)
					bad_folded++;
				for (const char *c = enc; *c != '\0'; c++)
					if ((guchar)*c < ' ' || (guchar)*c > '~') {
						ascii++;
						break;
					}
				xset_free(back);
				xset_free(back2);
				g_free(folded);
				g_free(enc);
				g_free(other);
				g_free(v);
				xset_free(s);
			}
		}
		g_strfreev(ks);
	}
	printf("# %u rounds over %u keys of %u event types\n", rounds, keys, g_strv_length((char **)events));
	ok(keys > 20 && bad_rounds == 0, "random bytes round-trip through every key of every event type");
	ok(bad_folded == 0, "and through the folded form a header takes");
	ok(ascii == 0, "the encoded form is one line of printable ASCII");
	g_rand_free(r);
}

/* Values built to inject keys stay values. */
static void
test_injection(void)
{
	const char *attacks[] = {
		"\"x;status=solved;owner=alice;cc=+evil@x.test\"@example.net",
		"a; merged-into=1",
		"b=c",
		"%3Bstatus%3Dsolved",
		"line\r\nX-Desk-Set: status=solved",
		"nul\0status=solved",
	};
	gboolean all = TRUE;

	for (size_t i = 0; i < G_N_ELEMENTS(attacks); i++) {
		xset *s = xset_new(), *back;
		gsize len = i == 5 ? 17 : strlen(attacks[i]);
		char *enc;

		xset_add_len(s, "acked", attacks[i], len);
		enc = xset_encode(s);
		back = xset_decode(enc, NULL);
		all = all && xset_len(back) == 1 && strcmp(xset_key(back, 0), "acked") == 0 &&
		      strchr(enc, ';') == NULL && strchr(enc + strlen("acked="), '=') == NULL;
		xset_free(back);
		g_free(enc);
		xset_free(s);
	}
	ok(all, "an address, subject or name built to inject keys is one value, no separator in it");
	{
		xset *s = xset_new();
		char *big = g_strnfill(XSET_VALUE_MAX + 1, 'a');

		ok(!xset_add(s, "acked", big) && xset_len(s) == 0, "a value over XSET_VALUE_MAX is refused, not cut");
		g_free(big);
		xset_free(s);
	}
	{
		guint bad = 0;
		xset *s = xset_decode("status=open; junk; owner=al ice; Status=solved; tag=%zz; cc=%2", &bad);

		ok(xset_len(s) == 1 && bad == 5 && strcmp(xset_get(s, "status"), "open") == 0,
		   "the decoder drops what is not key=value with a valid key and escapes, and says so");
		xset_free(s);
	}
	{
		xset *s = xset_decode("by=alice;\n status=pending;\n\ttag=+vip", NULL);

		ok(xset_len(s) == 3 && strcmp(xset_get(s, "tag"), "+vip") == 0, "a folded header value reads the same");
		xset_free(s);
	}
}

static void
test_evtype(void)
{
	ok(evtype_allows("assign", "owner") && evtype_allows("ack", "by") && !evtype_allows("ack", "status") &&
	   !evtype_allows("ack", "owner") && !evtype_allows("ack", "cc") && !evtype_allows("ack", "merged-into"),
	   "an acknowledgement may set no state");
	ok(!evtype_allows("spam", "owner") && evtype_allows("spam", "block") && !evtype_allows("tag", "status") &&
	   !evtype_allows("nonsense", "by") && !evtype_allows("status", "own") && !evtype_allows("status", "statu"),
	   "keys are allowed per event type, exactly");
	ok(strcmp(evtype_hook_name(NULL, "new"), "new-ticket") == 0 &&
	   strcmp(evtype_hook_name(NULL, "new; held"), "new-ticket") == 0 &&
	   strcmp(evtype_hook_name(NULL, "newsletter"), "reply") == 0 &&
	   strcmp(evtype_hook_name(NULL, "token"), "reply") == 0 &&
	   strcmp(evtype_hook_name("mail-comment", "agent; sasl"), "comment") == 0 &&
	   strcmp(evtype_hook_name("mail-reply", "agent; sasl"), "mail-reply") == 0 &&
	   strcmp(evtype_hook_name("assign", "ours"), "assign") == 0 &&
	   strcmp(evtype_hook_name("sla-breach", "ours"), "sla-breach") == 0,
	   "hooks are named after the event type; new tickets, mail from outside and notes by mail apart");
}

static char *
digest_of(const char *msg)
{
	chash *h = chash_new_seal();
	rawmsg_sink sink = { (void (*)(void *, const char *, const char *))chash_header,
			     (void (*)(void *, const char *, gsize))chash_body, h };

	rawmsg_scan_buf(msg, strlen(msg), &sink);
	return chash_finish(h);
}

static void
test_seal(GBytes *secret, GBytes *other)
{
	char *d1 = digest_of("From: a@x.test\nTo: support@helpdesk.test\nSubject: one\n\nclose it\n");
	char *d2 = digest_of("From: a@x.test\nTo: support@helpdesk.test\nSubject: one\n\nclose it!\n");
	char *d3 = digest_of("From: a@x.test\r\nTo: support@helpdesk.test\r\nSubject: [#7] one\r\n\r\nclose it\r\n");
	seal_facts f = { 7, "agent; sasl", "support", "mail-comment", "by=alice", NULL, NULL, "m1@x.test", d1, NULL };
	char *seal = seal_make(secret, &f), *block;
	seal_facts g = f;

	ok(seal != NULL && g_str_has_prefix(seal, "2-") && strlen(seal) == 28, "a seal is 2- and 26 characters");
	ok(seal_check(secret, &f, seal), "it verifies on its own message");
	ok(strcmp(d1, d3) == 0, "the digest ignores line endings and the subject (the tag the milter adds)");
	g.message_id = "m2@x.test";
	ok(!seal_check(secret, &g, seal), "not on a message with another Message-ID");
	g = f;
	g.message_id = NULL;
	ok(!seal_check(secret, &g, seal), "not on a message without one");
	g = f;
	g.digest = d2;
	ok(!seal_check(secret, &g, seal), "not on other content under the same Message-ID");
	g = f;
	g.set = "by=bob";
	ok(!seal_check(secret, &g, seal), "not with another set");
	g = f;
	g.set = "by=alice; junk";
	ok(!seal_check(secret, &g, seal), "not with a malformed set");
	g = f;
	g.set = "by=alice; status=closed";
	ok(!seal_check(secret, &g, seal), "not with a key added");
	g = f;
	g.kb = "slug@abc";
	ok(!seal_check(secret, &g, seal), "not with an X-Desk-KB added");
	ok(!seal_check(other, &f, seal), "not with another store's secret");
	f.set = "by=alice; tag=%2Bvip";
	g_free(seal);
	seal = seal_make(secret, &f);
	g = f;
	g.set = "by=alice;\n tag=%2bvip";
	ok(seal_check(secret, &g, seal), "a folded set with other escapes is the same set");
	block = seal_block(secret, &f);
	ok(block != NULL && strstr(block, "X-Desk-Seal: 2-") != NULL && g_str_has_suffix(block, "\n") &&
	   strstr(block, "X-Desk-Event: mail-comment\n") != NULL, "the block ends with the seal");
	g_free(block);
	g = f;
	g.queue = "support\nX-Desk-Set: status=closed";
	block = seal_block(secret, &g);
	ok(block == NULL, "a value that is not one line is never sealed");
	g_free(seal);
	g_free(d1);
	g_free(d2);
	g_free(d3);
}

static void
test_msgid(GBytes *secret)
{
	char *id = token_msgid(secret, 42, "helpdesk.test"), *up, *zero, *other;
	guint t = 0;

	ok(token_parse_msgid(secret, id, &t) && t == 42, "our Message-ID verifies");
	up = g_ascii_strup(id, -1);
	/* the domain's case is not the signature's business; the rest is */
	other = g_strdup(id);
	memcpy(strchr(other, '@') + 1, "HELPDESK", 8);
	ok(token_parse_msgid(secret, other, &t), "in any case of its domain");
	g_free(other);
	other = g_strdup_printf("%.*s@elsewhere.test", (int)(strchr(id, '@') - id), id);
	ok(!token_parse_msgid(secret, other, &t), "not with another domain: the signature covers it");
	zero = g_strconcat("0", id, NULL);
	ok(!token_parse_msgid(secret, zero, &t), "not with the number written otherwise (042)");
	ok(!token_parse_msgid(secret, up, &t), "not with the case of its signature and random part changed");
	g_free(zero);
	g_free(other);
	g_free(up);
	g_free(id);
}

/* The Message-ID notmuch gives the file MSG, indexed into DB. */
static char *
notmuch_id(notmuch_database_t *db, const char *dir, const char *msg, int i)
{
	char *path = g_strdup_printf("%s/cur/m%d:2,", dir, i), *id = NULL;
	notmuch_message_t *m = NULL;
	notmuch_status_t ns;

	g_file_set_contents(path, msg, -1, NULL);
	ns = notmuch_database_index_file(db, path, NULL, &m);
	if ((ns == NOTMUCH_STATUS_SUCCESS || ns == NOTMUCH_STATUS_DUPLICATE_MESSAGE_ID) && m != NULL) {
		id = g_strdup(notmuch_message_get_message_id(m));
		notmuch_database_remove_message(db, path);
		notmuch_message_destroy(m);
	}
	g_free(path);
	return id;
}

/* The desk reads a message's id as notmuch does: the same id, or none
 * usable (then the desk's own id on top is what both read). */
static void
test_msgid_as_notmuch(void)
{
	static const char *const headers[] = {
		"<plain@x.test>",
		"(<fresh@x.test>) <existing@x.test>",
		"(comment (nested <n@x.test>) more) <after@x.test>",
		"\n <folded@x.test>",
		"<first@x.test> <second@x.test>",
		"no-brackets@x.test",
		"no brackets@x.test",
		"< spaced @ x.test >",
		"<in\tside@x.test>",
		"=?us-ascii?q?=3Cencoded=40x=2Etest=3E?=",
		"<no-at-sign>",
		"<>",
		"",
		"garbage <late@x.test>",
		"<unclosed@x.test",
		"(only a comment)",
		"<\"quoted local\"@x.test>",
		"<a@b@c.test>",
	};
	char *dir = g_dir_make_tmp("test-trust-XXXXXX", NULL), *cur = g_build_filename(dir, "cur", NULL);
	char *ls = g_strnfill(400, 'l'), *long_id = g_strdup_printf("<%s@x.test>", ls);
	notmuch_database_t *db = NULL;
	guint agree = 0, unusable = 0, total = 0;
	GString *diffs = g_string_new(NULL);

	g_mkdir(cur, 0700);
	if (notmuch_database_create(dir, &db) != NOTMUCH_STATUS_SUCCESS) {
		ok(0, "a notmuch database to compare with");
		return;
	}
	for (size_t i = 0; i <= G_N_ELEMENTS(headers); i++) {
		const char *h = i < G_N_ELEMENTS(headers) ? headers[i] : long_id;
		char *msg = g_strdup_printf("From: a@x.test\nTo: b@x.test\nSubject: s\nMessage-ID: %s\n"
					    "Message-ID: <second-header@x.test>\n\nbody %zu\n", h, i);
		char *nm = notmuch_id(db, dir, msg, (int)i), *desk;
		msg_facts *f = facts_new();
		rawmsg_sink sink = { (void (*)(void *, const char *, const char *))facts_header, NULL, f };

		rawmsg_scan_buf(msg, strlen(msg), &sink);
		desk = f->message_id;
		total++;
		if (desk == NULL)
			unusable++;
		else if (nm != NULL && strcmp(nm, desk) == 0)
			agree++;
		else
			g_string_append_printf(diffs, "# %s: desk <%s>, notmuch <%s>\n", h, desk, nm ? nm : "(null)");
		facts_free(f);
		g_free(nm);
		g_free(msg);
	}
	printf("# %u headers: %u read alike, %u not usable (the desk puts its own id on top)\n", total, agree,
	       unusable);
	fputs(diffs->str, stdout);
	ok(agree + unusable == total, "the desk reads every Message-ID as notmuch does, or as none");
	ok(agree >= 8, "and reads the usable ones (comments, folding, several ids, no brackets, encoded)");
	{
		char *msg = g_strdup("Message-ID: <derived@desk.invalid>\nFrom: a@x.test\nTo: b@x.test\n"
				     "Message-ID: (<fresh@x.test>) <existing@x.test>\n\nb\n");
		char *nm = notmuch_id(db, dir, msg, 99);

		ok(g_strcmp0(nm, "derived@desk.invalid") == 0, "an id of ours on top is the one notmuch takes");
		g_free(nm);
		g_free(msg);
	}
	notmuch_database_destroy(db);
	g_string_free(diffs, TRUE);
	g_free(long_id);
	g_free(ls);
	{
		char *cmd = g_strdup_printf("rm -rf '%s'", dir);

		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
		g_free(cmd);
	}
	g_free(cur);
	g_free(dir);
}

/* The mailboxes of RAW as "addr|name;addr|name" (bad ones counted). */
static char *
boxes(const char *raw)
{
	guint bad = 0;
	GPtrArray *l = addr_parse(raw, 10, &bad);
	GString *out = g_string_new(NULL);

	for (guint i = 0; i < l->len; i++) {
		addr_box *b = l->pdata[i];

		g_string_append_printf(out, "%s%s|%s", i ? ";" : "", b->addr, b->name);
	}
	if (bad > 0)
		g_string_append_printf(out, " (%u bad)", bad);
	g_ptr_array_unref(l);
	return g_string_free(out, FALSE);
}

static void
check_boxes(const char *raw, const char *want, const char *what)
{
	char *got = boxes(raw);

	ok(strcmp(got, want) == 0, what);
	if (strcmp(got, want) != 0)
		printf("# %s\n#   want %s\n#   got  %s\n", raw, want, got);
	g_free(got);
}

/* Addresses are split on the raw header, names decoded after. */
static void
test_addr(void)
{
	check_boxes("=?utf-8?q?Name_<someone@victim.example>=2C?= <attacker@evil.example>",
		    "attacker@evil.example|Name <someone@victim.example>,",
		    "an encoded-word is one atom: the name brings no address of its own");
	check_boxes("=?utf-8?q?Name_=3Csomeone=40victim=2Eexample=3E=2C?= <attacker@evil.example>",
		    "attacker@evil.example|Name <someone@victim.example>,",
		    "a name that decodes to an address is only a name");
	check_boxes("\"x;status=solved\"@Example.NET", "\"x;status=solved\"@example.net|",
		    "a quoted local part stays as written, the domain in lower case");
	check_boxes("Ann <ann@x.test>, \"Bob, Jr.\" <bob@x.test>", "ann@x.test|Ann;bob@x.test|Bob, Jr.",
		    "two mailboxes, a comma inside quotes");
	check_boxes("friends: a@x.test, B <b@x.test>; c@x.test", "a@x.test|;b@x.test|B;c@x.test|", "a group's members");
	check_boxes("<@relay.test,@other.test:u@D.Example>", "u@d.example|", "a source route is dropped");
	check_boxes("a@b.test (Comment <c@d.test>)", "a@b.test|", "a comment brings no address");
	check_boxes("\"Evil\r\n Name\" <e@x.test>", "e@x.test|Evil Name", "a name is one line");
	check_boxes("no at sign, <also none>, ok@x.test", "ok@x.test| (2 bad)", "what does not parse is left out, and counted");
	check_boxes("<unclosed@x.test", " (1 bad)", "an unclosed angle is no address");
	check_boxes("", "", "an empty list");
	check_boxes("\"a\xc2\x9a" "b\"@x.test, =?", " (2 bad)", "a C1 control makes no address; nor does a cut encoded-word");
	{
		char *c1 = addr_canonical("Ann+Tickets@Customer.TEST"), *c2 = addr_canonical("\"ann\"@customer.test");
		char *c3 = addr_canonical("\"a n\"@x.test");

		ok(strcmp(c1, "ann@customer.test") == 0 && strcmp(c2, "ann@customer.test") == 0,
		   "canonical: case, +detail and needless quotes do not make another address");
		ok(strcmp(c3, "\"a n\"@x.test") == 0 && !addr_same("ann@customer.test", "nn@customer.test") &&
		   !addr_same("ann@customer.test", "ann@customer.test.evil"),
		   "canonical: needed quotes stay; a part of an address is not the address");
		g_free(c1);
		g_free(c2);
		g_free(c3);
	}
	{
		msg_facts *f = facts_new();

		facts_header(f, "From", "=?utf-8?q?Name_<someone@victim.example>=2C?= <attacker@evil.example>");
		ok(g_strcmp0(f->from, "attacker@evil.example") == 0 && !f->from_bad, "the sender is the attacker, as DMARC sees it");
		facts_free(f);
		f = facts_new();
		facts_header(f, "From", "a@x.test, b@x.test");
		ok(f->from == NULL && f->from_bad, "two mailboxes in From: no sender");
		facts_free(f);
		f = facts_new();
		facts_header(f, "From", "a@x.test");
		facts_header(f, "From", "b@x.test");
		ok(f->from == NULL && f->from_bad, "two From headers: no sender");
		facts_free(f);
		f = facts_new();
		facts_header(f, "From", "undisclosed:;");
		ok(f->from == NULL && f->from_bad, "an empty group: no sender");
		facts_free(f);
	}
}

int
main(void)
{
	GBytes *secret = g_bytes_new_static("0123456789abcdef0123456789abcdef", 32);
	GBytes *other = g_bytes_new_static("fedcba9876543210fedcba9876543210", 32);

	g_mime_init();
	test_roundtrip();
	test_injection();
	test_evtype();
	test_seal(secret, other);
	test_msgid(secret);
	test_msgid_as_notmuch();
	test_addr();
	printf("1..%d\n", n);
	g_bytes_unref(secret);
	g_bytes_unref(other);
	return failed != 0;
}
