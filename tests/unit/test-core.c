/* test-core.c: unit tests of libdesk's pure parts: tokens, Message-IDs,
 * content hash, header scanning, facts, subject tags, config. TAP. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <gmime/gmime.h>

#include "chash.h"
#include "config.h"
#include "charset.h"
#include "facts.h"
#include "listen.h"
#include "rawmsg.h"
#include "thread.h"
#include "token.h"
#include "trust.h"

static int n, failed;

static void
ok(int cond, const char *what)
{
	printf("%sok %d - %s\n", cond ? "" : "not ", ++n, what);
	failed += !cond;
}

static char *
hash_of(const char *msg)
{
	chash *h = chash_new();
	rawmsg_sink sink = { (void (*)(void *, const char *, const char *))chash_header,
			     (void (*)(void *, const char *, gsize))chash_body, h };

	rawmsg_scan_buf(msg, strlen(msg), &sink);
	return chash_finish(h);
}

static void
test_tokens(GBytes *secret, GBytes *other)
{
	char *tok = token_make(secret, 42), *ext = g_strdup_printf("42-%s", tok), *bad;
	char *id = token_msgid(secret, 42, "helpdesk.test");
	guint t = 0;

	ok(strlen(tok) == 10, "token has 10 characters");
	ok(token_check_ext(secret, ext, &t) && t == 42, "a valid token names its ticket");
	ok(!token_check_ext(other, ext, &t), "a token from another secret is refused");
	bad = g_strdup_printf("43-%s", tok);
	ok(!token_check_ext(secret, bad, &t), "a token of ticket 42 does not open ticket 43");
	ok(!token_check_ext(secret, "42", &t) && !token_check_ext(secret, "42-", &t), "no token, no ticket");
	t = 0;
	ok(token_parse_msgid(secret, id, &t) && t == 42, "our Message-ID carries its ticket");
	id[0] = '7';
	ok(!token_parse_msgid(secret, id, &t), "a Message-ID with a changed number fails its signature");
	ok(token_equal("abc", "abc") && !token_equal("abc", "abd") && !token_equal("abc", "ab"),
	   "constant-time comparison compares");
	g_free(tok);
	g_free(ext);
	g_free(bad);
	g_free(id);
}

static void
test_hash(void)
{
	const char *a = "Received: from x\nMessage-ID: <a@b>\nSubject: hi\n\nline one\nline two\n";
	const char *b = "Return-Path: <x@y>\r\nDelivered-To: s@h\r\nMessage-ID: <a@b>\r\nSubject:  hi\r\n\r\nline one\r\nline two";
	const char *c = "Message-ID: <a@b>\nSubject: hi\n\nline one\nline 2\n";
	const char *d = "X-Desk-Ticket: 4\nList-Id: <l.x>\nMessage-ID: <a@b>\nSubject: hi\n\nline one\nline two\n";
	char *ha = hash_of(a), *hb = hash_of(b), *hc = hash_of(c), *hd = hash_of(d);

	ok(strcmp(ha, hb) == 0, "trace headers and CRLF do not change the hash");
	ok(strcmp(ha, hc) != 0, "a changed body changes the hash");
	ok(strcmp(ha, hd) == 0, "our own X-Desk headers and list headers do not change the hash");
	g_free(ha);
	g_free(hb);
	g_free(hc);
	g_free(hd);
}

/* The digest itself never changes: stored desk.hash values and seals were
 * made with it (this value came from the code before chash fed the
 * checksum a buffer at a time: a folded header longer than that buffer,
 * CRLF, a bare CR and an empty line in the body). */
static void
test_hash_pinned(void)
{
	GString *m = g_string_new("Received: from x\nMessage-ID: <a@b>\nSubject: hi\nTo: ");
	char *h;

	for (int i = 0; i < 150; i++)
		g_string_append_printf(m, "\t user%03d@example.test,\r\n", i);
	g_string_append(m, " last@example.test\n\nline one\r\n\r\nline\rtwo\n");
	h = hash_of(m->str);
	ok(strcmp(h, "41c0971e241ce95e0e95e7f8aae5b359f510835dedc9827425516efaa044d70d") == 0,
	   "the content hash is the same as ever (long folded header, CR, CRLF)");
	g_free(h);
	g_string_free(m, TRUE);
}

static void
on_header(void *ud, const char *name, const char *value)
{
	facts_header(ud, name, value);
}

static msg_facts *
facts_of(const char *msg)
{
	msg_facts *f = facts_new();
	rawmsg_sink sink = { on_header, NULL, f };

	rawmsg_scan_buf(msg, strlen(msg), &sink);
	facts_finish(f);
	return f;
}

static void
test_facts(void)
{
	msg_facts *f = facts_of("From: \"Ann\" <Ann@Example.COM>\nTo: support@helpdesk.test, b@x.test\n"
				"Message-ID:  <id1@x.test> (comment)\nIn-Reply-To: garbage <p@x.test>\n"
				"References: <r1@x> <bad id@x> <r2@x>\n"
				"Subject: =?utf-8?q?caf=C3=A9?=\n  folded\n\nbody\n");

	ok(g_strcmp0(f->message_id, "id1@x.test") == 0, "Message-ID parsed without brackets or comment");
	ok(g_strcmp0(f->in_reply_to, "p@x.test") == 0, "In-Reply-To: first valid id");
	ok(f->references->len == 3 && strcmp(f->references->pdata[1], "badid@x") == 0 &&
	   strcmp(f->references->pdata[2], "r2@x") == 0,
	   "References: ids read as notmuch reads them (white space inside taken out)");
	ok(g_strcmp0(f->from, "ann@example.com") == 0, "From address in lower case");
	ok(f->recipients->len == 2, "To recipients collected");
	ok(f->subject != NULL && g_str_has_prefix(f->subject, "caf\xc3\xa9"), "RFC 2047 subject decoded");
	facts_free(f);

	f = facts_of("Message-ID: <>\nSubject: x\n\n");
	ok(f->message_id == NULL && f->bad_message_id, "an empty Message-ID counts as none");
	facts_free(f);
	f = facts_of("Message-ID: not-an-id\n\n");
	ok(f->message_id == NULL, "a malformed Message-ID counts as none");
	facts_free(f);
	f = facts_of("Subject: caf\xe9\n\n");
	ok(f->subject != NULL && g_utf8_validate(f->subject, -1, NULL) && strstr(f->subject, "caf\xc3\xa9"),
	   "an 8-bit latin-1 subject becomes valid UTF-8");
	facts_free(f);
	f = facts_of("Subject: \x93" "Caf\xe9\x94\n\n");
	ok(g_strcmp0(f->subject, "\xe2\x80\x9c" "Caf\xc3\xa9\xe2\x80\x9d") == 0 && !f->subject_lossy,
	   "an 8-bit subject without a charset: windows-1252, the default fallback");
	facts_free(f);
	f = facts_of("Subject: Re: [#7] caf\x81\x8d\n\n");
	ok(f->subject != NULL && f->subject_lossy && g_utf8_validate(f->subject, -1, NULL) &&
	   g_str_has_prefix(f->subject, "Re: [#7] caf"), "a subject in no charset tried: lossy, its ASCII kept");
	facts_free(f);
	charset_set_fallback("koi8-r");
	f = facts_of("Subject: \xd0\xd2\xc9\xd7\xc5\xd4\n\n");
	ok(g_strcmp0(f->subject, "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82") == 0 && !f->subject_lossy,
	   "the configured fallback charsets decode an 8-bit subject (koi8-r)");
	facts_free(f);
	charset_set_fallback(config_default("desk", "fallback_charsets"));

	f = facts_of("Auto-Submitted: auto-replied\n\n");
	ok(f->is_auto, "Auto-Submitted: auto-replied is auto");
	facts_free(f);
	f = facts_of("Auto-Submitted: no\n\n");
	ok(!f->is_auto, "Auto-Submitted: no is not auto");
	facts_free(f);
	f = facts_of("Precedence: bulk\n\n");
	ok(f->is_bulk, "Precedence: bulk is bulk");
	facts_free(f);
	f = facts_of("List-Id: <dev.lists.example>\n\n");
	ok(f->is_bulk, "List-Id is bulk");
	facts_free(f);
	f = facts_of("Content-Type: multipart/report; report-type=delivery-status; boundary=x\n\n");
	ok(f->is_bounce, "multipart/report delivery-status is a bounce");
	facts_free(f);
	f = facts_of("Return-Path: <>\nSubject: x\n\n");
	ok(f->is_auto && !f->is_bounce, "null sender without a report is an automatic message");
	facts_free(f);
	f = facts_of("X-Desk-Ticket: 5\nX-Desk-Ticket: 9\n\n");
	ok(g_strcmp0(f->x_ticket, "5") == 0, "the first X-Desk-Ticket (ours, on top) wins");
	facts_free(f);
}

typedef struct hdrs {
	int count;
	GString *body;
} hdrs;

static void
count_header(void *ud, const char *name, const char *value)
{
	(void)name;
	(void)value;
	((hdrs *)ud)->count++;
}

static void
keep_body(void *ud, const char *buf, gsize len)
{
	g_string_append_len(((hdrs *)ud)->body, buf, len);
}

static void
test_rawmsg(void)
{
	hdrs h = { 0, g_string_new(NULL) };
	rawmsg_sink sink = { count_header, keep_body, &h };
	const char *nosep = "Subject: x\nFrom: a@b\nthis line starts the body\nmore\n";

	rawmsg_scan_buf(nosep, strlen(nosep), &sink);
	ok(h.count == 2 && strcmp(h.body->str, "this line starts the body\nmore\n") == 0,
	   "a missing separator: the first non-header line starts the body");
	h.count = 0;
	g_string_truncate(h.body, 0);
	rawmsg_scan_buf("Subject: x\nFrom: a@b", 20, &sink);
	ok(h.count == 2 && h.body->len == 0, "a message of headers only");
	h.count = 0;
	rawmsg_scan_buf("", 0, &sink);
	ok(h.count == 0 && h.body->len == 0, "an empty message");
	g_string_free(h.body, TRUE);
}

static void
untagged(const char *format, const char *subject, const char *want, const char *what)
{
	char *got = thread_subject_untagged(format, subject);

	ok(strcmp(got, want) == 0, what);
	if (strcmp(got, want) != 0)
		printf("# got '%s', want '%s'\n", got, want);
	g_free(got);
}

static void
test_subject_tag(void)
{
	ok(thread_subject_tag("[#%n]", "Re: [#42] printer") == 42, "subject tag [#42] found");
	ok(thread_subject_tag("[#%n]", "Re: [#42 printer") == 0, "an unclosed tag is no tag");
	ok(thread_subject_tag("[#%n]", "[#] x [#7]") == 7, "the first well-formed tag counts");
	ok(thread_subject_tag("<T%n>", "x <T9>") == 9, "the tag format comes from the config");
	untagged("[#%n]", "Re: [#2] Re: Printer", "Re: Printer", "another ticket's tag goes, Re: once");
	untagged("[#%n]", "Re: Printer on fire [#7]", "Re: Printer on fire", "a tag at the end goes");
	untagged("[#%n]", "[#21] Re: [#2] Re: x", "Re: x", "never doubled");
	untagged("[#%n]", "a [#1]b  [#] c", "a b  [#] c", "blanks squeezed where a tag was; [#] is no tag");
	untagged("[#%n]", "[#4]", "", "a tag alone leaves nothing");
	untagged("[#%n]", "Re:  [#4]", "", "nor does a Re: of a tag alone");
	untagged("<T%n>", "RE: <T9> re: x", "re: x", "the configured format; Re: in any case");
}

static void
test_config(void)
{
	char *dir = g_dir_make_tmp("desk-cfg-XXXXXX", NULL), *path = g_build_filename(dir, "c", NULL);
	char *addrs[] = { "Support@Helpdesk.test", "billing@helpdesk.test=money", NULL };
	char *text = config_template(addrs), *ext = NULL;
	desk_config *cfg = NULL;

	g_file_set_contents(path, text, -1, NULL);
	ok(config_load(path, &cfg, NULL) == DESK_OK, "the template loads");
	ok(cfg != NULL && cfg->lock_timeout == 10 && cfg->addresses->len == 2, "defaults and addresses");
	ok(g_strcmp0(config_queue_for(cfg, "support@helpdesk.test", NULL), "support") == 0,
	   "queue defaults to the local part");
	ok(g_strcmp0(config_queue_for(cfg, "Billing+12-abc@HELPDESK.test", &ext), "money") == 0 &&
	   g_strcmp0(ext, "12-abc") == 0, "plus address maps to its queue and extension");
	ok(config_queue_for(cfg, "other@helpdesk.test", NULL) == NULL, "other addresses are not the desk's");
	ok(g_strcmp0(cfg->domain, "helpdesk.test") == 0, "domain from the first address");
	g_file_set_contents(path, "[desk]\nlock_timeout = soon\n", -1, NULL);
	config_free(cfg);
	ok(config_load(path, &cfg, NULL) == DESK_CONFIG, "a bad number is a config error");
	/* found by tests/fuzz/fuzz-config (regress/config/): such an address never matched */
	g_file_set_contents(path, "[desk]\naddresses = support@helpdesk.test@other.test\n", -1, NULL);
	ok(config_load(path, &cfg, NULL) == DESK_CONFIG, "a desk address with two '@' is a config error");
	g_file_set_contents(path, "[desk]\naddresses = sup\\nport@helpdesk.test=support\n", -1, NULL);
	ok(config_load(path, &cfg, NULL) == DESK_CONFIG, "a desk address with a newline is a config error");
	/* found by fuzz-config: a tag the desk adds must read back as its ticket */
	g_file_set_contents(path, "[desk]\nsubject_tag = [#%n] [#%n]\n", -1, NULL);
	ok(config_load(path, &cfg, NULL) == DESK_CONFIG, "a subject tag with %n twice is a config error");
	g_file_set_contents(path, "[desk]\nsubject_tag = [#%n0]\n", -1, NULL);
	ok(config_load(path, &cfg, NULL) == DESK_CONFIG, "a subject tag with a digit after %n is a config error");
	unlink(path);
	rmdir(dir);
	g_free(ext);
	g_free(text);
	g_free(path);
	g_free(dir);
}

static void
test_listen(void)
{
	char *a = listen_spec("inet:8891"), *b = listen_spec("inet:8891@0.0.0.0"), *c = listen_spec("inet6:8891");
	char *d = listen_spec("unix:/run/m.sock");

	ok(strcmp(a, "inet:8891@127.0.0.1") == 0, "inet: with a port alone listens on 127.0.0.1");
	ok(strcmp(b, "inet:8891@0.0.0.0") == 0, "an address the admin names is kept");
	ok(strcmp(c, "inet6:8891@::1") == 0, "inet6: with a port alone listens on ::1");
	ok(strcmp(d, "unix:/run/m.sock") == 0, "a unix socket is kept");
	ok(!listen_spec_is_open(a) && listen_spec_is_open(b) && !listen_spec_is_open(c),
	   "only an address beyond loopback is open");
	ok(g_strcmp0(listen_unix_path(d), "/run/m.sock") == 0 && g_strcmp0(listen_unix_path("/x/s"), "/x/s") == 0 &&
	   g_strcmp0(listen_unix_path("local:/y"), "/y") == 0 && listen_unix_path(a) == NULL,
	   "the path of a unix socket, none for inet");
	g_free(a);
	g_free(b);
	g_free(c);
	g_free(d);
}

/* trust_file_problem of PATH as it is now. */
static char *
problem_of(const char *path)
{
	int fd = open(path, O_RDONLY);
	char *p = trust_file_problem(fd, path);

	close(fd);
	return p;
}

static void
test_trust(void)
{
	char *dir = g_dir_make_tmp("desk-trust-XXXXXX", NULL), *path = g_build_filename(dir, "maildesk.conf", NULL);
	char *p;

	g_file_set_contents(path, "[desk]\n", -1, NULL);
	chmod(dir, 0750);
	chmod(path, 0640);
	p = problem_of(path);
	ok(p == NULL, "a file only its owner can write, in such a directory, may name programs");
	g_free(p);
	chmod(path, 0660);
	p = problem_of(path);
	ok(p != NULL && strstr(p, "writable by every member of group") != NULL && strstr(p, "fix: chmod go-w") != NULL,
	   "a group-writable file may not, and the fix is named");
	g_free(p);
	chmod(path, 0646);
	p = problem_of(path);
	ok(p != NULL && strstr(p, "writable by every user") != NULL, "nor a world-writable one");
	g_free(p);
	chmod(path, 0640);
	chmod(dir, 02770);
	p = problem_of(path);
	ok(p != NULL && strstr(p, "its directory") != NULL && strstr(p, "who can replace it") != NULL,
	   "nor one in a group-writable directory");
	g_free(p);
	if (geteuid() == 0 && chown(path, 65534, (gid_t)-1) == 0) {
		chmod(dir, 0750);
		p = problem_of(path);
		ok(p != NULL && strstr(p, "not to root or") != NULL && strstr(p, "fix: chown") != NULL,
		   "nor a file of another user than the directory's owner or root");
		g_free(p);
	}
	unlink(path);
	rmdir(dir);
	g_free(path);
	g_free(dir);
}

int
main(void)
{
	GBytes *s1 = g_bytes_new_static("0123456789abcdef0123456789abcdef", 32);
	GBytes *s2 = g_bytes_new_static("fedcba9876543210fedcba9876543210", 32);

	g_mime_init();
	test_tokens(s1, s2);
	test_hash();
	test_hash_pinned();
	test_facts();
	test_rawmsg();
	test_subject_tag();
	test_config();
	test_listen();
	test_trust();
	printf("1..%d\n", n);
	g_bytes_unref(s1);
	g_bytes_unref(s2);
	return failed != 0;
}
