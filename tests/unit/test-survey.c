/* test-survey.c: unit tests of the survey links (lib/store/survey.c,
 * token_survey): a signed link reads back as its kind, ticket and score;
 * changing any part of it, another secret or a score off the scale makes
 * it bad; the sealed match reads back; the low and high bounds of each
 * scale; the rule of the first answer and its day. TAP. */
#include <stdio.h>
#include <string.h>

#include "survey.h"
#include "token.h"

static int n, failed;

static void
ok(int cond, const char *what)
{
	printf("%sok %d - %s\n", cond ? "" : "not ", ++n, what);
	failed += !cond;
}

/* The extension of ADDR ("support+EXT@x"), a copy. */
static char *
ext_of(const char *addr)
{
	const char *plus = strchr(addr, '+'), *at = strchr(addr, '@');

	return g_strndup(plus + 1, at - plus - 1);
}

static survey_link_status
parse(GBytes *secret, const char *ext, survey_link *l)
{
	return survey_parse_ext(secret, ext, l);
}

static void
test_links(GBytes *secret, GBytes *other)
{
	survey_link l = { FALSE, SURVEY_CSAT, 42, 4 }, got;
	char *addr = survey_address(secret, "support@helpdesk.test", &l), *ext = ext_of(addr);
	char *tok = token_survey(secret, "csat", 42, 4), *want = g_strdup_printf("support+csat-42-4-%s@helpdesk.test", tok);
	char *bad, *t5 = token_survey(secret, "csat", 42, 5), *t43 = token_survey(secret, "csat", 43, 4);
	char buf[64];

	ok(strcmp(addr, want) == 0, "the address is support+csat-N-SCORE-TOKEN@domain");
	ok(strlen(tok) == 10 && strspn(tok, "abcdefghijklmnopqrstuvwxyz234567") == 10, "the token: 10 base32 characters");
	ok(parse(secret, ext, &got) == SURVEY_LINK_OK && !got.optout && got.kind == SURVEY_CSAT && got.ticket == 42 &&
	   got.score == 4, "a signed link reads back as csat, ticket 42, score 4");
	ok(parse(other, ext, &got) == SURVEY_LINK_BAD, "another store's secret: bad");
	bad = g_strdup_printf("csat-43-4-%s", tok);
	ok(parse(secret, bad, &got) == SURVEY_LINK_BAD && got.ticket == 43, "ticket altered (43 with 42's token): bad");
	g_free(bad);
	bad = g_strdup_printf("csat-42-5-%s", tok);
	ok(parse(secret, bad, &got) == SURVEY_LINK_BAD, "score altered (5 with 4's token): bad");
	g_free(bad);
	bad = g_strdup_printf("nps-42-4-%s", tok);
	ok(parse(secret, bad, &got) == SURVEY_LINK_BAD, "kind altered (nps with csat's token): bad");
	g_free(bad);
	bad = g_strdup_printf("csat-42-4-%.9sa", tok[9] == 'a' ? "bbbbbbbbb" : tok);
	ok(parse(secret, bad, &got) == SURVEY_LINK_BAD, "token altered: bad");
	g_free(bad);
	bad = g_strdup_printf("csat-42-4-%s", t5);
	ok(parse(secret, bad, &got) == SURVEY_LINK_BAD, "score 5's token on score 4: bad");
	g_free(bad);
	bad = g_strdup_printf("csat-42-4-%s", t43);
	ok(parse(secret, bad, &got) == SURVEY_LINK_BAD, "ticket 43's token on ticket 42: bad");
	g_free(bad);
	bad = g_strdup_printf("csat-42-4-%sx", tok);
	ok(parse(secret, bad, &got) == SURVEY_LINK_BAD, "a longer token: bad");
	g_free(bad);
	g_free(t5);
	t5 = token_survey(secret, "csat", 42, 6);
	bad = g_strdup_printf("csat-42-6-%s", t5);
	ok(parse(secret, bad, &got) == SURVEY_LINK_BAD, "csat 6, even signed: off the scale, bad");
	g_free(bad);
	g_free(t5);
	t5 = token_survey(secret, "csat", 42, 0);
	bad = g_strdup_printf("csat-42-0-%s", t5);
	ok(parse(secret, bad, &got) == SURVEY_LINK_BAD, "csat 0, even signed: off the scale, bad");
	g_free(bad);
	bad = g_strdup_printf("csat-042-4-%s", tok);
	ok(parse(secret, bad, &got) == SURVEY_LINK_BAD, "a leading zero in the ticket: bad");
	g_free(bad);
	ok(parse(secret, "42-k7f3qa2b6x", &got) == SURVEY_LINK_NONE, "a reply token is no survey link");
	ok(parse(secret, "reply", &got) == SURVEY_LINK_NONE && parse(secret, "csatx-1-2-abc", &got) == SURVEY_LINK_NONE,
	   "other extensions are none");
	ok(parse(secret, "csat-1", &got) == SURVEY_LINK_BAD && parse(secret, "csat-", &got) == SURVEY_LINK_BAD,
	   "a cut link is bad");

	l = (survey_link){ FALSE, SURVEY_NPS, 7, 0 };
	g_free(addr);
	g_free(ext);
	addr = survey_address(secret, "support@helpdesk.test", &l);
	ext = ext_of(addr);
	ok(g_str_has_prefix(ext, "nps-7-0-") && parse(secret, ext, &got) == SURVEY_LINK_OK && got.kind == SURVEY_NPS &&
	   got.score == 0, "NPS 0 reads back");
	l = (survey_link){ TRUE, SURVEY_CSAT, 7, 0 };
	g_free(addr);
	g_free(ext);
	addr = survey_address(secret, "support@helpdesk.test", &l);
	ext = ext_of(addr);
	ok(g_str_has_prefix(ext, "optout-7-") && parse(secret, ext, &got) == SURVEY_LINK_OK && got.optout &&
	   got.ticket == 7, "the opt-out link reads back");

	l = (survey_link){ FALSE, SURVEY_CES, 9, 6 };
	survey_match(&l, buf, sizeof buf);
	ok(strcmp(buf, "survey ces=6") == 0, "the match of an answer: survey ces=6");
	g_strlcat(buf, "; held: survey answer", sizeof buf);
	ok(survey_match_parse(buf, &got) && got.kind == SURVEY_CES && got.score == 6, "and it reads back");
	ok(!survey_match_parse("survey; held: bad survey token", &got), "a bad token's match is no answer");
	ok(!survey_match_parse("survey csat=9; held: x", &got), "a match off the scale is no answer");
	ok(survey_match_parse("survey optout; held: survey opt-out", &got) && got.optout, "the opt-out's match");
	g_free(addr);
	g_free(ext);
	g_free(tok);
	g_free(t43);
	g_free(t5);
	g_free(want);
}

static void
test_scales(void)
{
	ok(survey_low(SURVEY_CSAT, 2) && !survey_low(SURVEY_CSAT, 3), "CSAT low: 1-2");
	ok(survey_high(SURVEY_CSAT, 4) && !survey_high(SURVEY_CSAT, 3), "CSAT high: 4-5");
	ok(survey_low(SURVEY_NPS, 6) && !survey_low(SURVEY_NPS, 7), "NPS low: 0-6 (detractors)");
	ok(survey_high(SURVEY_NPS, 9) && !survey_high(SURVEY_NPS, 8), "NPS high: 9-10 (promoters)");
	ok(survey_low(SURVEY_CES, 5) && !survey_low(SURVEY_CES, 4), "CES low: 5-7 (hard)");
	ok(survey_high(SURVEY_CES, 3) && !survey_high(SURVEY_CES, 4), "CES high: 1-3");
	ok(survey_min(SURVEY_NPS) == 0 && survey_max(SURVEY_NPS) == 10 && survey_max(SURVEY_CES) == 7 &&
	   survey_min(SURVEY_CSAT) == 1 && survey_max(SURVEY_CSAT) == 5, "the scales");
}

static void
test_rule(void)
{
	survey_rating r = { .first = 1000000 };

	ok(survey_may_rate(NULL, 5), "the first answer counts");
	ok(survey_may_rate(&r, 1000000 + 24 * 3600), "a later one within 24 hours of the first may change it");
	ok(!survey_may_rate(&r, 1000000 + 24 * 3600 + 1), "after that it is ignored");
}

int
main(void)
{
	GBytes *s1 = g_bytes_new_static("0123456789abcdef0123456789abcdef", 32);
	GBytes *s2 = g_bytes_new_static("fedcba9876543210fedcba9876543210", 32);

	test_links(s1, s2);
	test_scales();
	test_rule();
	g_bytes_unref(s1);
	g_bytes_unref(s2);
	printf("1..%d\n", n);
	return failed ? 1 : 0;
}
