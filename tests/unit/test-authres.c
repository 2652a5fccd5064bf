/* test-authres.c: unit tests of lib/mail/authres.c: Authentication-Results
 * header fields as OpenDKIM, OpenDMARC, policyd-spf, rspamd, Gmail and
 * Microsoft write them, parsed; the verdict on a From address; relaxed
 * alignment on the Public Suffix List; the [sender] policy (lib/store/sender.h)
 * and the rate limits (lib/store/ratelimit.h) on a table in a scratch directory.
 * Every expected value is written out by hand. TAP. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "authres.h"
#include "ratelimit.h"
#include "sender.h"

static int n, failed;

static void
ok(int good, const char *what)
{
	printf("%sok %d - %s\n", good ? "" : "not ", ++n, what);
	failed += !good;
}

static void
is_str(const char *got, const char *want, const char *what)
{
	int good = (got == NULL && want == NULL) || (got != NULL && want != NULL && strcmp(got, want) == 0);

	ok(good, what);
	if (!good)
		printf("#   expected: %s\n#   got:      %s\n", want ? want : "(null)", got ? got : "(null)");
}

/* Parse VALUE; the results stay in *rs (caller unrefs). */
static char *
parse(const char *value, GPtrArray **rs)
{
	char *id = NULL;

	*rs = g_ptr_array_new_with_free_func((GDestroyNotify)authres_result_free);
	if (!authres_parse(value, &id, *rs))
		return NULL;
	return id;
}

static authres_result *
res(GPtrArray *rs, guint i)
{
	static authres_result none;  /* what a missing result reads as */

	return i < rs->len ? rs->pdata[i] : &none;
}

static void
test_opendkim_opendmarc(void)
{
	GPtrArray *rs;
	char *id = parse("mx.example.net;\n\tdkim=pass (2048-bit key; unprotected) header.d=example.com "
			 "header.i=@example.com header.a=rsa-sha256 header.s=sel1 header.b=AbCd1234",
			 &rs);

	is_str(id, "mx.example.net", "OpenDKIM, folded: authserv-id");
	ok(rs->len == 1, "OpenDKIM: one result (a ';' inside a comment ends nothing)");
	is_str(res(rs, 0)->method, "dkim", "OpenDKIM: method");
	is_str(res(rs, 0)->result, "pass", "OpenDKIM: result");
	is_str(res(rs, 0)->header_d, "example.com", "OpenDKIM: header.d");
	is_str(res(rs, 0)->header_i, "@example.com", "OpenDKIM: header.i");
	g_free(id);
	g_ptr_array_unref(rs);

	id = parse("mx.example.net; dmarc=fail (p=reject dis=none) header.from=Example.COM", &rs);
	is_str(id, "mx.example.net", "OpenDMARC: authserv-id");
	is_str(res(rs, 0)->method, "dmarc", "OpenDMARC: method");
	is_str(res(rs, 0)->result, "fail", "OpenDMARC: result");
	is_str(res(rs, 0)->header_from, "example.com", "OpenDMARC: header.from, lower case");
	g_free(id);
	g_ptr_array_unref(rs);

	id = parse("MX.Example.NET 1; spf=pass smtp.mailfrom=example.com", &rs);
	is_str(id, "mx.example.net", "a version after the authserv-id; the id in lower case");
	is_str(res(rs, 0)->smtp_mailfrom, "example.com", "OpenDMARC's SPF: smtp.mailfrom");
	g_free(id);
	g_ptr_array_unref(rs);
}

static void
test_gmail_and_others(void)
{
	GPtrArray *rs;
	char *id = parse("mx.google.com;\r\n       dkim=pass header.i=@example.org header.s=20230601 header.b=Zx9+/a==;\r\n"
			 "       spf=pass (google.com: domain of ann@example.org designates 192.0.2.7 as permitted sender) "
			 "smtp.mailfrom=ann@example.org;\r\n"
			 "       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.org",
			 &rs);

	is_str(id, "mx.google.com", "Gmail: authserv-id");
	ok(rs->len == 3, "Gmail: three results over CR LF folding");
	is_str(res(rs, 0)->header_i, "@example.org", "Gmail: dkim header.i (no header.d)");
	ok(res(rs, 0)->header_d == NULL, "Gmail: no header.d");
	is_str(res(rs, 1)->smtp_mailfrom, "ann@example.org", "Gmail: spf smtp.mailfrom, an address");
	is_str(res(rs, 2)->result, "pass", "Gmail: dmarc result after a comment");
	g_free(id);
	g_ptr_array_unref(rs);

	id = parse("mx.example.net; spf=pass (sender SPF authorized) smtp.mailfrom=example.com "
		   "(client-ip=192.0.2.1; helo=mail.example.com; envelope-from=a@example.com; receiver=<UNKNOWN>)",
		   &rs);
	ok(rs->len == 1, "policyd-spf: ';' inside the trailing comment is no resinfo");
	is_str(res(rs, 0)->smtp_mailfrom, "example.com", "policyd-spf: smtp.mailfrom");
	g_free(id);
	g_ptr_array_unref(rs);

	id = parse("spf=pass (sender IP is 192.0.2.9) smtp.mailfrom=example.com; dkim=pass (signature was verified) "
		   "header.d=example.com;dmarc=pass action=none header.from=example.com;compauth=pass reason=100",
		   &rs);
	ok(id == NULL, "Microsoft style, without an authserv-id: does not parse");
	g_ptr_array_unref(rs);

	id = parse("mx.example.net; none", &rs);
	is_str(id, "mx.example.net", "no-result: the id");
	ok(rs->len == 0, "no-result: no results");
	g_free(id);
	g_ptr_array_unref(rs);

	id = parse("\"quoted.example\"; DKIM/1 = PASS reason=\"good; sig\" header . d = \"Example.com\"", &rs);
	is_str(id, "quoted.example", "a quoted authserv-id");
	is_str(res(rs, 0)->method, "dkim", "method with a version and blanks around '='");
	is_str(res(rs, 0)->result, "pass", "result in upper case read in lower case");
	is_str(res(rs, 0)->header_d, "example.com", "quoted property value; ';' in a quoted reason");
	g_free(id);
	g_ptr_array_unref(rs);

	id = parse("mx.example.net; ==garbage==; dmarc=pass header.from=ok.example; dkim", &rs);
	ok(rs->len == 1, "garbage resinfos are skipped, the good one kept");
	is_str(res(rs, 0)->header_from, "ok.example", "the good one's header.from");
	g_free(id);
	g_ptr_array_unref(rs);

	id = parse("mx.example.net (a (nested) comment); dmarc=pass (unclosed comment header.from=x.example", &rs);
	is_str(id, "mx.example.net", "a nested comment after the id");
	ok(rs->len == 1 && res(rs, 0)->header_from == NULL, "an unclosed comment swallows the rest, no crash");
	g_free(id);
	g_ptr_array_unref(rs);
}

static void
test_bounds(void)
{
	GString *big = g_string_new("mx.example.net");
	GPtrArray *rs;
	char *id;

	for (int i = 0; i < 100; i++)
		g_string_append(big, "; dkim=pass header.d=example.com");
	id = parse(big->str, &rs);
	ok(id != NULL && rs->len == AUTHRES_MAX_RESULTS, "at most AUTHRES_MAX_RESULTS results");
	g_free(id);
	g_ptr_array_unref(rs);
	g_string_set_size(big, 0);
	g_string_append(big, "mx.example.net; dmarc=pass header.from=");
	while (big->len <= AUTHRES_MAX_VALUE)
		g_string_append(big, "aaaaaaaaaa");
	id = parse(big->str, &rs);
	ok(id == NULL, "a value longer than AUTHRES_MAX_VALUE is not read");
	g_ptr_array_unref(rs);
	g_string_free(big, TRUE);
	ok(authres_id_is("mx.Example.net; dmarc=pass", "MX.example.NET"), "authres_id_is: case-insensitive");
	ok(!authres_id_is("mx.example.net.evil; dmarc=pass", "mx.example.net"), "authres_id_is: no prefix match");
	ok(!authres_id_is("", "mx.example.net"), "authres_id_is: empty value");
	ok(!authres_id_is("mx.example.net; x", ""), "authres_id_is: an empty id matches nothing");
}

/* The verdict on FROM of the values (NULL-terminated). */
static void
verdict(const char *from, authres_verdict want, const char *want_how, const char *what, ...)
{
	GPtrArray *values = g_ptr_array_new();
	char *how = NULL, *label;
	va_list ap;
	const char *v;
	authres_verdict got;

	va_start(ap, what);
	while ((v = va_arg(ap, const char *)) != NULL)
		g_ptr_array_add(values, (gpointer)v);
	va_end(ap);
	got = authres_judge(values, from, &how);
	label = g_strdup_printf("%s: verdict", what);
	ok(got == want, label);
	if (got != want)
		printf("#   expected %d, got %d\n", want, got);
	g_free(label);
	label = g_strdup_printf("%s: how", what);
	is_str(how, want_how, label);
	g_free(label);
	g_free(how);
	g_ptr_array_unref(values);
}

static void
test_verdicts(void)
{
	verdict("ann@example.com", AUTHRES_PASS, "dmarc=pass header.from=example.com", "dmarc=pass",
		"mx.example.net; dmarc=pass (p=none dis=none) header.from=example.com", NULL);
	verdict("ann@example.com", AUTHRES_FAIL, "dmarc=fail header.from=example.com", "dmarc=fail",
		"mx.example.net; dmarc=fail (p=reject dis=none) header.from=example.com", NULL);
	verdict("ann@example.com", AUTHRES_FAIL, "dmarc=fail header.from=example.com",
		"a fail outweighs a pass in another field (a forged one cannot undo it)",
		"mx.example.net; dmarc=pass header.from=example.com",
		"mx.example.net; dmarc=fail header.from=example.com", NULL);
	verdict("ann@example.com", AUTHRES_NONE, "not authenticated",
		"a dmarc result for another From domain says nothing",
		"mx.example.net; dmarc=fail header.from=other.example", NULL);
	verdict("ann@example.com", AUTHRES_PASS, "dkim=pass header.d=mail.example.com",
		"dkim=pass from a subdomain is aligned (relaxed)",
		"mx.example.net; dkim=pass header.d=mail.example.com", NULL);
	verdict("ann@news.example.com", AUTHRES_PASS, "dkim=pass header.d=example.com",
		"dkim=pass from the parent domain is aligned",
		"mx.example.net; dkim=pass header.d=example.com", NULL);
	verdict("ann@example.com", AUTHRES_NONE, "not authenticated (dkim=pass)",
		"dkim=pass of an unrelated domain (a list's signature) is not aligned",
		"mx.example.net; dkim=pass header.d=lists.example.org", NULL);
	verdict("ann@example.com", AUTHRES_PASS, "dkim=pass header.d=example.com",
		"dkim: header.i's domain when there is no header.d",
		"mx.example.net; dkim=pass header.i=@example.com", NULL);
	verdict("ann@example.com", AUTHRES_NONE, "not authenticated (dkim=fail)", "dkim=fail",
		"mx.example.net; dkim=fail (bad signature) header.d=example.com", NULL);
	verdict("ann@example.com", AUTHRES_PASS, "spf=pass smtp.mailfrom=bounces.example.com",
		"spf=pass with an aligned smtp.mailfrom address",
		"mx.example.net; spf=pass smtp.mailfrom=ann@bounces.example.com", NULL);
	verdict("ann@example.com", AUTHRES_NONE, "not authenticated (spf=pass)",
		"spf=pass of another domain is not aligned",
		"mx.example.net; spf=pass smtp.mailfrom=mailer.example.net", NULL);
	verdict("ann@shop.co.uk", AUTHRES_NONE, "not authenticated (dkim=pass)",
		"co.uk is a public suffix: shop.co.uk and evil.co.uk are not aligned",
		"mx.example.net; dkim=pass header.d=evil.co.uk", NULL);
	verdict("ann@a.shop.co.uk", AUTHRES_PASS, "dkim=pass header.d=shop.co.uk",
		"a.shop.co.uk and shop.co.uk are aligned",
		"mx.example.net; dkim=pass header.d=shop.co.uk", NULL);
	verdict("ann@example.com", AUTHRES_PASS, "dmarc=pass header.from=example.com",
		"dmarc=pass wins the line over dkim and spf, in any order",
		"mx.example.net; spf=pass smtp.mailfrom=example.com; dkim=pass header.d=example.com",
		"mx.example.net; dmarc=pass header.from=example.com", NULL);
	verdict("ann@example.com", AUTHRES_NONE, "not authenticated (dmarc=none, dkim=none, spf=softfail)",
		"none: the results named",
		"mx.example.net; dmarc=none header.from=example.com; dkim=none; spf=softfail smtp.mailfrom=example.com",
		NULL);
	verdict("ann@example.com", AUTHRES_NONE, "not authenticated", "no fields at all", NULL);
	verdict(NULL, AUTHRES_NONE, "not authenticated", "no From: nothing to judge",
		"mx.example.net; dmarc=pass header.from=example.com", NULL);
	verdict("ann@EXAMPLE.com", AUTHRES_PASS, "dmarc=pass header.from=EXAMPLE.com",
		"dmarc=pass with header.from in another case",
		"mx.example.net; dmarc=pass header.from=Example.Com", NULL);
	verdict("ann@example.com", AUTHRES_PASS, "dmarc=pass header.from=example.com",
		"dmarc=pass without header.from is about this From",
		"mx.example.net; dmarc=pass", NULL);
	verdict("ann@example.com", AUTHRES_NONE, "not authenticated",
		"a field without an authserv-id says nothing",
		"dmarc=pass header.from=example.com", NULL);
}

static void
test_alignment(void)
{
	char *o = authres_org_domain("Mail.Example.COM.");

	is_str(o, "example.com", "org domain: lower case, trailing dot dropped");
	g_free(o);
	o = authres_org_domain("a.b.example.co.uk");
	is_str(o, "example.co.uk", "org domain under a two-label public suffix");
	g_free(o);
	o = authres_org_domain("co.uk");
	is_str(o, "co.uk", "a public suffix is its own org domain");
	g_free(o);
	ok(authres_aligned("example.com", "EXAMPLE.com"), "aligned: equal in another case");
	ok(!authres_aligned("example.com", "example.net"), "not aligned: other domains");
	ok(!authres_aligned("example.com", "notexample.com"), "not aligned: a suffix that is no label boundary");
	ok(!authres_aligned("", "example.com"), "not aligned: empty");
}

static void
test_rate_parse(void)
{
	desk_rate r;

	ok(ratelimit_parse("30/1h", &r) == DESK_OK && r.count == 30 && r.seconds == 3600, "30/1h");
	ok(ratelimit_parse("5/10m", &r) == DESK_OK && r.count == 5 && r.seconds == 600, "5/10m");
	ok(ratelimit_parse("2/45s", &r) == DESK_OK && r.count == 2 && r.seconds == 45, "2/45s");
	ok(ratelimit_parse("100/1d", &r) == DESK_OK && r.count == 100 && r.seconds == 86400, "100/1d");
	ok(ratelimit_parse("0", &r) == DESK_OK && r.count == 0, "0 is no limit");
	ok(ratelimit_parse("30", &r) == DESK_CONFIG, "a count without a window is refused");
	ok(ratelimit_parse("30/h", &r) == DESK_CONFIG, "a window without a number is refused");
	ok(ratelimit_parse("30/1w", &r) == DESK_CONFIG, "an unknown unit is refused");
	ok(ratelimit_parse("30/0h", &r) == DESK_CONFIG, "an empty window is refused");
	ok(ratelimit_parse("-1/1h", &r) == DESK_CONFIG, "a negative count is refused");
	ok(ratelimit_parse("30/1h ", &r) == DESK_CONFIG, "trailing bytes are refused");
	ok(ratelimit_parse("30/400d", &r) == DESK_CONFIG, "a window over a year is refused");
}

static void
test_rate_take(void)
{
	char *dir = g_dir_make_tmp("test-authres-XXXXXX", NULL);
	desk_ratelimit *rl = ratelimit_new(dir);
	desk_config cfg = { 0 };
	char *path = g_build_filename(dir, "ratelimit.sqlite", NULL);
	GStatBuf sb;

	cfg.rate[RATE_NEW_SENDER] = (desk_rate){ 2, 3600 };
	cfg.rate[RATE_NEW_DOMAIN] = (desk_rate){ 3, 3600 };
	cfg.rate[RATE_NEW_TOTAL] = (desk_rate){ 5, 3600 };
	ok(ratelimit_take(rl, &cfg, RATE_KIND_ACK, "ann@a.example") == -1, "no ack limits: allowed");
	ok(g_stat(path, &sb) != 0, "no ack limits: no table made");
	ok(ratelimit_take(rl, &cfg, RATE_KIND_NEW, "ann@a.example") == -1, "ann's first: allowed");
	ok(g_stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0660, "the table is made, mode 0660");
	ok(ratelimit_take(rl, &cfg, RATE_KIND_NEW, "Ann+x@A.example") == -1, "Ann+x@A.example's: allowed (2 of 2)");
	ok(ratelimit_take(rl, &cfg, RATE_KIND_NEW, "ann+y@a.example") == RATE_NEW_SENDER,
	   "ann+y@a.example is ann@a.example: over rate_new_sender");
	ok(ratelimit_take(rl, &cfg, RATE_KIND_NEW, "bob@a.example") == -1, "bob@a.example: allowed (domain 3 of 3)");
	ok(ratelimit_take(rl, &cfg, RATE_KIND_NEW, "cy@a.example") == RATE_NEW_DOMAIN, "cy@a.example: over rate_new_domain");
	ok(ratelimit_take(rl, &cfg, RATE_KIND_NEW, "cy@sub.a.example") == -1, "sub.a.example is another domain (4 of 5)");
	ok(ratelimit_take(rl, &cfg, RATE_KIND_NEW, NULL) == -1, "no sender: allowed, counted (5 of 5)");
	ok(ratelimit_take(rl, &cfg, RATE_KIND_NEW, "dee@d.example") == RATE_NEW_TOTAL, "dee: over rate_new_total");
	ok(ratelimit_take(rl, &cfg, RATE_KIND_ACK, "dee@d.example") == -1, "acks are counted apart");
	cfg.rate[RATE_NEW_TOTAL] = (desk_rate){ 0, 0 };
	cfg.rate[RATE_NEW_SENDER] = (desk_rate){ 1, 2 };
	ok(ratelimit_take(rl, &cfg, RATE_KIND_NEW, "eve@e.example") == -1, "eve, 1/2s: allowed");
	ok(ratelimit_take(rl, &cfg, RATE_KIND_NEW, "eve@e.example") == RATE_NEW_SENDER, "eve again at once: over");
	g_usleep(3100000);
	ok(ratelimit_take(rl, &cfg, RATE_KIND_NEW, "eve@e.example") == -1, "eve three seconds later: allowed again");
	ratelimit_free(rl);
	g_unlink(path);
	g_free(path);
	path = g_strdup_printf("rm -rf '%s'", dir);
	if (system(path) != 0)
		printf("# could not remove %s\n", dir);
	g_free(path);
	g_free(dir);
}

static void
test_policy(void)
{
	desk_config cfg = { 0 };

	cfg.authserv_id = "";
	cfg.require_aligned = "fail";
	cfg.ack_senders = "not-failed";
	ok(!sender_authres_counts(&cfg, "mx.example.net; dmarc=pass", TRUE), "no authserv_id: nothing counts");
	cfg.authserv_id = "mx.example.net";
	ok(sender_authres_counts(&cfg, "mx.example.net; dmarc=pass", TRUE), "ours above Received counts");
	ok(!sender_authres_counts(&cfg, "mx.example.net; dmarc=pass", FALSE), "ours below Received does not");
	ok(!sender_authres_counts(&cfg, "other.example; dmarc=pass", TRUE), "another authserv-id does not");
	cfg.authserv_scrubbed = TRUE;
	ok(sender_authres_counts(&cfg, "mx.example.net; dmarc=pass", FALSE), "scrubbed: ours below Received counts");
	is_str(sender_hold(&cfg, AUTHRES_FAIL), "sender failed DMARC", "fail: a DMARC fail is held");
	ok(sender_hold(&cfg, AUTHRES_NONE) == NULL, "fail: none joins");
	cfg.require_aligned = "yes";
	is_str(sender_hold(&cfg, AUTHRES_NONE), "sender not authenticated", "yes: none is held");
	ok(sender_hold(&cfg, AUTHRES_PASS) == NULL, "yes: pass joins");
	cfg.require_aligned = "no";
	ok(sender_hold(&cfg, AUTHRES_FAIL) == NULL, "no: even a fail joins");
	ok(sender_no_ack(&cfg, AUTHRES_FAIL) != NULL && sender_no_ack(&cfg, AUTHRES_NONE) == NULL,
	   "not-failed: no ack to a fail, one to none");
	cfg.ack_senders = "aligned";
	ok(sender_no_ack(&cfg, AUTHRES_NONE) != NULL && sender_no_ack(&cfg, AUTHRES_PASS) == NULL,
	   "aligned: an ack only to a pass");
	cfg.ack_senders = "any";
	ok(sender_no_ack(&cfg, AUTHRES_FAIL) == NULL, "any: an ack even to a fail");
}

int
main(void)
{
	test_opendkim_opendmarc();
	test_gmail_and_others();
	test_bounds();
	test_verdicts();
	test_alignment();
	test_rate_parse();
	test_rate_take();
	test_policy();
	printf("1..%d\n", n);
	return failed != 0;
}
