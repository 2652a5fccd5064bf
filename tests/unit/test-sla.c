/* test-sla.c: unit tests of business-time arithmetic (lib/base/calendar.c)
 * and [sla NAME] policies (lib/base/slapolicy.c). Every expected time is
 * worked out by hand in the comment beside it. TAP. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "calendar.h"
#include "config.h"
#include "slapolicy.h"

static int n, failed;

static void
ok(int cond, const char *what)
{
	printf("%sok %d - %s\n", cond ? "" : "not ", ++n, what);
	failed += !cond;
}

/* ISO 8601 with a zone into seconds since the epoch. */
static gint64
at(const char *iso)
{
	GDateTime *dt = g_date_time_new_from_iso8601(iso, NULL);
	gint64 t = g_date_time_to_unix(dt);

	g_date_time_unref(dt);
	return t;
}

static desk_calendar *
cal(const char *hours, const char *holidays)
{
	desk_calendar *c = NULL;
	desk_err err = { 0 };

	if (calendar_new("Europe/Berlin", hours, holidays, &c, &err) != DESK_OK)
		printf("# %s\n", err.msg);
	return c;
}

static void
test_weekend_and_dst(void)
{
	desk_calendar *c = cal("mon-fri 09:00-17:00", NULL);

	/* Fri 16:00 CET; 1h left that day; DST begins Sun 29 March; Mon 09:00
	 * CEST + 1h = 10:00 CEST = 08:00Z */
	ok(calendar_add(c, at("2026-03-27T16:00:00+01:00"), 7200) == at("2026-03-30T08:00:00Z"),
	   "2h from Friday 16:00 across a weekend and DST is Monday 10:00 CEST");
	ok(calendar_between(c, at("2026-03-27T16:00:00+01:00"), at("2026-03-30T10:00:00+02:00")) == 7200,
	   "and back: 2h of working time between them");
	/* Mon 30 March 09:00 CEST + 8h: the end of that day, not the next */
	ok(calendar_add(c, at("2026-03-30T09:00:00+02:00"), 8 * 3600) == at("2026-03-30T17:00:00+02:00"),
	   "a full day's 8h end at 17:00 the same day");
	/* Fri 23 Oct 16:30 CEST + 1h: 30m Friday, DST ends Sun 25 Oct, 30m
	 * Monday from 09:00 CET: 09:30 CET = 08:30Z */
	ok(calendar_add(c, at("2026-10-23T16:30:00+02:00"), 3600) == at("2026-10-26T08:30:00Z"),
	   "1h from Friday 16:30 across the autumn DST change is Monday 09:30 CET");
	/* Saturday 12:00 to Sunday 12:00: no working time */
	ok(calendar_between(c, at("2026-03-28T12:00:00+01:00"), at("2026-03-29T12:00:00+02:00")) == 0,
	   "a weekend has no working time");
	calendar_free(c);
}

static void
test_dst_days(void)
{
	desk_calendar *all = cal("always", NULL), *night = cal("sun 01:00-04:00", NULL);

	/* Sunday 29 March is 23 hours long in Berlin, Sunday 25 October 25 */
	ok(calendar_between(all, at("2026-03-29T00:00:00+01:00"), at("2026-03-30T00:00:00+02:00")) == 23 * 3600,
	   "always: the spring DST Sunday has 23 hours");
	ok(calendar_between(all, at("2026-10-25T00:00:00+02:00"), at("2026-10-26T00:00:00+01:00")) == 25 * 3600,
	   "always: the autumn DST Sunday has 25 hours");
	/* 01:00 CET = 00:00Z to 04:00 CEST = 02:00Z: 2h; 01:00 CEST = 23:00Z
	 * to 04:00 CET = 03:00Z: 4h */
	ok(calendar_between(night, at("2026-03-29T00:00:00Z"), at("2026-03-29T12:00:00Z")) == 2 * 3600,
	   "01:00-04:00 on the spring DST night is 2h of working time");
	ok(calendar_between(night, at("2026-10-24T12:00:00Z"), at("2026-10-25T12:00:00Z")) == 4 * 3600,
	   "01:00-04:00 on the autumn DST night is 4h of working time");
	ok(calendar_add(night, at("2026-10-24T12:00:00Z"), 3 * 3600) == at("2026-10-25T02:00:00Z"),
	   "3h into the autumn night shift is 03:00 CET (02:00Z)");
	calendar_free(all);
	calendar_free(night);
}

static void
test_west(void)
{
	desk_calendar *c = NULL;
	desk_err err = { 0 };

	ok(calendar_new("America/New_York", "mon-fri 09:00-17:00", NULL, &c, &err) == DESK_OK, "New York loads");
	/* Fri 6 March 16:00 EST (21:00Z): 1h; DST starts Sun 8 March; Mon
	 * 09:00 EDT + 1h = 10:00 EDT = 14:00Z; the evening in UTC is the
	 * next day there, the local day is not */
	ok(calendar_add(c, at("2026-03-06T16:00:00-05:00"), 7200) == at("2026-03-09T14:00:00Z"),
	   "2h from Friday 16:00 EST across the US DST change is Monday 10:00 EDT");
	ok(calendar_between(c, at("2026-03-06T16:00:00-05:00"), at("2026-03-16T10:00:00-04:00")) == 42 * 3600,
	   "1h + five days of 8h + 1h between Friday 16:00 and Monday 10:00 a week later");
	calendar_free(c);
}

static void
test_holidays(void)
{
	char path[] = "/tmp/test-sla-XXXXXX";
	int fd = mkstemp(path);
	const char text[] = "# Christmas\n2026-12-25\n\n2026-12-28  # a day off\n";
	desk_calendar *c;
	desk_err err = { 0 };

	ok(fd >= 0 && write(fd, text, sizeof text - 1) == (ssize_t)(sizeof text - 1), "holidays file written");
	close(fd);
	c = cal("mon-fri 09:00-17:00", path);
	/* Thu 24 Dec 16:00 CET: 1h; Fri 25 a holiday, the weekend, Mon 28 a
	 * holiday; Tue 29 09:00 + 2h = 11:00 CET = 10:00Z */
	ok(c != NULL && calendar_add(c, at("2026-12-24T16:00:00+01:00"), 3 * 3600) == at("2026-12-29T10:00:00Z"),
	   "3h from Thursday 16:00 skip two holidays and a weekend");
	calendar_free(c);
	g_file_set_contents(path, "2026-12-25\n2026-13-01\n", -1, NULL);
	ok(calendar_new("Europe/Berlin", "mon-fri 09:00-17:00", path, &c, &err) == DESK_CONFIG &&
	   strstr(err.msg, ":2: not a date YYYY-MM-DD: 2026-13-01") != NULL, "a bad holiday date names its line");
	unlink(path);
}

static void
test_bad_hours(void)
{
	desk_calendar *c = NULL;
	desk_err err = { 0 };

	ok(calendar_new(NULL, "", NULL, &c, &err) == DESK_CONFIG && strstr(err.msg, "no working hours") != NULL,
	   "a calendar with no working hours is refused");
	ok(calendar_new(NULL, "mon-fri", NULL, &c, &err) == DESK_CONFIG && strstr(err.msg, "no period") != NULL,
	   "days without hours are refused");
	ok(calendar_new(NULL, "mon-fri 17:00-09:00", NULL, &c, &err) == DESK_CONFIG, "a period ending before it starts");
	ok(calendar_new(NULL, "mon 09:00-12:00 11:00-13:00", NULL, &c, &err) == DESK_CONFIG &&
	   strstr(err.msg, "overlaps") != NULL, "overlapping periods");
	ok(calendar_new(NULL, "moonday 09:00-12:00", NULL, &c, &err) == DESK_CONFIG, "an unknown day");
	ok(calendar_new("Mars/Olympus", "mon 09:00-12:00", NULL, &c, &err) == DESK_CONFIG, "an unknown zone");
}

static void
test_durations(void)
{
	gint64 d = -1;

	ok(sla_parse_duration("1h30m", &d) && d == 5400, "1h30m is 5400 s");
	ok(sla_parse_duration("0", &d) && d == 0, "0 is no target");
	ok(!sla_parse_duration("2d", &d) && !sla_parse_duration("h", &d) && !sla_parse_duration("", &d),
	   "2d, h and nothing are no durations");
}

/* config_load of TEXT: its status; the message into MSG. */
static desk_status
load(const char *text, desk_err *err)
{
	char dir[] = "/tmp/test-sla-conf-XXXXXX";
	char *path;
	desk_config *cfg = NULL;
	desk_status s;

	g_assert(g_mkdtemp(dir) != NULL);
	path = g_build_filename(dir, "maildesk.conf", NULL);
	g_file_set_contents(path, text, -1, NULL);
	s = config_load(path, &cfg, err);
	if (s == DESK_OK)
		ok(cfg->sla->len == 1 && ((sla_policy *)cfg->sla->pdata[0])->target[SLA_FIRST_RESPONSE] == 3600,
		   "the policy's first_response is 1h");
	config_free(cfg);
	unlink(path);
	rmdir(dir);
	g_free(path);
	return s;
}

static void
test_policies(void)
{
	desk_err err = { 0 };

	ok(load("[desk]\naddresses = support@example.test\n\n[sla std]\npriority = normal\n"
		"first_response = 1h\n", &err) == DESK_OK, "a policy loads");
	ok(load("[desk]\n\n[sla std]\npriority = normal\nfirst_response = 1h\nhours = sat\n", &err) == DESK_CONFIG &&
	   strstr(err.msg, "maildesk.conf:6: [sla std] hours:") != NULL, "bad hours name the file and line");
	ok(load("[sla std]\npriority = normal\n# a comment\nfirst_response = 3x\n", &err) == DESK_CONFIG &&
	   strstr(err.msg, ":4: [sla std] first_response: not a duration") != NULL, "a bad duration names its line");
	ok(load("[sla std]\nfirst_response = 1h\n", &err) == DESK_CONFIG &&
	   strstr(err.msg, ":1: [sla std] priority: missing") != NULL, "a policy without priorities");
	ok(load("[sla std]\npriority = high\nfirst_response = 1h\nfirst_respons = 2h\n", &err) == DESK_CONFIG &&
	   strstr(err.msg, ":4: [sla std] first_respons: unknown key") != NULL, "a misspelt key");
}

int
main(void)
{
	test_weekend_and_dst();
	test_dst_days();
	test_west();
	test_holidays();
	test_bad_hours();
	test_durations();
	test_policies();
	printf("1..%d\n", n);
	return failed != 0;
}
