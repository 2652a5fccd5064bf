#!/bin/bash
# 0701-report-sla.sh: the figures of desk report that need SLA policies,
# the knowledge base or more than one desk address (issue 15): SLA
# attainment per policy and target, --hours business (durations in the
# working hours of each ticket's SLA calendar), KB deflection (tickets
# whose acknowledgement offered articles and were solved with no agent
# reply, against those offered nothing), volume by recipient address, and
# the backlog at the end of each day, in UTC and across a time zone's day
# boundary. Histories played with MAILDESK_NOW; every expected value is
# worked out by hand in the comment above its check.
. "$(dirname "$0")/lib.sh"

STORE=$T/store
"$DESK" init --address support@helpdesk.test --address billing@helpdesk.test=billing "$STORE" >/dev/null ||
	bail_out "desk init"
D() { "$DESK" --store "$STORE" "$@"; }
G() { git -C "$T/work" -c user.name="Ann Author" -c user.email=ann@helpdesk.test "$@"; }
export MAILDESK_SENDMAIL="$TESTS_T/sendmail-capture" CAPTURE_DIR=$T/out MAILDESK_TEMPLATES_DIR=$SRCDIR/templates TZ=UTC
mkdir -p "$T/out"
unset MAILDESK_AGENT VISUAL
D agent add alice alice@helpdesk.test >/dev/null || bail_out "agent add"
D agent add bob bob@helpdesk.test >/dev/null || bail_out "agent add"
store_conf ack true && store_conf ack_articles true && store_conf min_score 0 || bail_out "store_conf"

# Two policies, their clocks never paused, so that each figure below is
# plain arithmetic: fast (high, urgent) on a clock that always runs;
# standard (low, normal) in working hours, Monday to Friday 09-17 UTC.
cat >>"$STORE/maildesk.conf" <<'CONF'

[sla fast]
priority = high; urgent
first_response = 1h
resolution = 4h
timezone = UTC
hours = always
pause_pending = false
pause_on_hold = false

[sla standard]
priority = low; normal
first_response = 4h
next_response = 2h
resolution = 40h
timezone = UTC
hours = mon-fri 09:00-17:00
pause_pending = false
pause_on_hold = false
CONF

# One public article the acknowledgement can offer for password questions
git clone -q "$STORE/kb" "$T/work" 2>/dev/null || bail_out "git clone"
mkdir -p "$T/work/articles"
printf 'Title: Resetting your password\nTags: help\nAudience: public\nStatus: published\n\n%s\n' \
	"Open the login page and choose Forgot password; the link we mail resets your password." \
	>"$T/work/articles/reset-password.txt"
G add -A && G commit -qm "articles" && G push -q origin HEAD:main 2>/dev/null || bail_out "git push"

at() { local w=$1; shift; MAILDESK_NOW=$w D "$@" >/dev/null 2>"$T/at.err" || { cat "$T/at.err" >&2; return 1; }; }
# mail WHEN FROM MSGID TO SUBJECT BODY [IN-REPLY-TO [X-ORIGINAL-TO]]: a
# customer's mail to TO, dated and delivered at WHEN (envelope: support@)
mail() {
	{
		printf 'From: %s\nTo: %s\nSubject: %s\nMessage-ID: <%s>\n' "$2" "$4" "$5" "$3"
		printf 'Date: %s\n' "$(date -u -R -d "$1")"
		[ -n "${7:-}" ] && printf 'In-Reply-To: <%s>\nReferences: <%s>\n' "$7" "$7"
		[ -n "${8:-}" ] && printf 'X-Original-To: %s\n' "$8"
		printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n%s\n' "$6"
	} | MAILDESK_NOW=$1 D ingest --envelope-to support@helpdesk.test 2>>"$T/ingest.err"
}
reply() { at "$1" reply "$2" --as "$3" --force -m "An answer from $3."; }
END=2026-11-09T00:00:00Z
R() {
	local e=${*: -1}
	MAILDESK_NOW=$END D report "${@:1:$#-1}" --format=json >"$T/r.json" || return 1
	python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/r.json" "$e"
}

# --- an SLA policy configured, no ticket yet: available, every count 0
check_eq "no ticket: SLA available, 5 targets (fast 2, standard 3), all 0, attained null" \
	"True 5 0 [None, None, None, None, None]" \
	"$(R 'j["sla"]["available"], len(j["sla"]["targets"]), sum(t["met"] + t["breached"] + t["pending"] for t in j["sla"]["targets"]), [t["attained"] for t in j["sla"]["targets"]]' | tr -d '(),' | sed 's/\[None None None None None\]/[None, None, None, None, None]/')"

# --- the histories (November 2026; Mon 2 Nov). Working hours: Mon-Fri 09-17 UTC.
# 1 (standard): ann, Mon 02 08:00, printer; alice answers 10:00 (wall 2h,
#   working 1h: met 4h), solves 11:00 (wall 3h, working 2h: met 40h)
mail 2026-11-02T08:00:00Z "Ann <ann@customer.test>" p1@c support@helpdesk.test "Printer jammed" \
	"The printer on floor two is jammed." || bail_out "mail 1"
reply 2026-11-02T10:00:00Z 1 alice || bail_out "reply 1"
at 2026-11-02T11:00:00Z status 1 solved --as alice || bail_out "solve 1"
# 2 (standard; came to billing@, its X-Original-To <Billing@HelpDesk.test>
#   says; the envelope, support@, makes its queue support): bob, Mon 02 16:00; bob
#   answers Tue 03 15:00 (wall 23h; working Mon 16-17 + Tue 09-15 = 7h:
#   first response breached); bob writes Tue 16:00, answered Wed 09:30
#   (wall 17h30; working 1h + 30m = 1h30: next response met); never solved:
#   resolution runs, at Mon 09 00:00 working 1 + 8 x 4 = 33h < 40h: pending
mail 2026-11-02T16:00:00Z "Bob <bob@other.test>" p2@o billing@helpdesk.test "Invoice wrong" \
	"The invoice amount is wrong." "" "<Billing@HelpDesk.test>" || bail_out "mail 2"
reply 2026-11-03T15:00:00Z 2 bob || bail_out "reply 2"
mail 2026-11-03T16:00:00Z "Bob <bob@other.test>" p2b@o billing@helpdesk.test "Re: Invoice wrong" \
	"Still wrong." p2@o || bail_out "mail 2b"
reply 2026-11-04T09:30:00Z 2 bob || bail_out "reply 2b"
# 3 (fast: alice makes it urgent): carol, Wed 04 12:00, a password question:
#   the acknowledgement offers the article; solved 14:00 with no reply
#   (deflected): resolution 2h met; first response never came: breached
mail 2026-11-04T12:00:00Z "Carol <carol@customer.test>" p3@c support@helpdesk.test "Forgot password" \
	"I forgot my password, how do I reset the password?" || bail_out "mail 3"
at 2026-11-04T12:05:00Z priority 3 urgent --as alice || bail_out "priority 3"
at 2026-11-04T14:00:00Z status 3 solved --as alice || bail_out "solve 3"
# 4 (standard): dave, Thu 05 09:00, to "Support Desk" <Support+Urgent@HelpDesk.test>
#   (counted as support@helpdesk.test); offered the article too; waits: first response working 8h
#   by Thu 17:00: breached; resolution 16h: pending
mail 2026-11-05T09:00:00Z "Dave <dave@example.org>" p4@e '"Support Desk" <Support+Urgent@HelpDesk.test>' "Password reset" \
	"How do I reset my password?" || bail_out "mail 4"
# 5 (standard): frank, Fri 06 10:00, closed 11:00 with no reply (deflected,
#   nothing offered): resolution 1h met; first response working 7h: breached
mail 2026-11-06T10:00:00Z "Frank <frank@customer.test>" p6@c support@helpdesk.test "Cancel order" \
	"Please cancel order 12." || bail_out "mail 5"
at 2026-11-06T11:00:00Z status 5 closed --as alice || bail_out "close 5"
# 6 (standard): erin, Sat 07 23:30 (Sun 08:30 in Tokyo), Bcc'd: To someone
#   else and an X-Original-To that is no desk address: recipient "-";
#   waits; no working time by Mon 00:00: first response and resolution pending
mail 2026-11-07T23:30:00Z "Erin <erin@customer.test>" p5@c "Someone <someone@else.test>" "Hello there" \
	"Greetings." "" evil@attacker.test || bail_out "mail 6"
check_eq "tickets 1-6" "1 2 3 4 5 6" \
	"$(D list --status any --format ids | sort -n | tr '\n' ' ' | sed 's/ $//')"
# which acknowledgements offered the article
# which stored acknowledgements (event ack) offered the article (offered=)
offered=$(python3 - "$STORE/mail/cur" <<-'EOF'
	import email, email.policy, os, sys
	acks = {}
	for f in os.listdir(sys.argv[1]):
	    m = email.message_from_binary_file(open(os.path.join(sys.argv[1], f), "rb"), policy=email.policy.compat32)
	    if (m["X-Desk-Event"] or "").strip() == "ack":
	        acks[int(m["X-Desk-Ticket"])] = "K" if "offered=" in "".join((m["X-Desk-Set"] or "").split()) else "A"
	print(" ".join(acks.get(n, "-") for n in range(1, 7)))
	EOF
)
check_eq "acknowledgements: 3 and 4 offered the article, 1 2 5 6 nothing" "A A K K A A" "$offered"

# --- SLA attainment, all time at Mon 09 00:00 (cycles begun in it)
# fast: first-response 0 met 1 breached (3); resolution 1 met (3)
# standard: first-response met 1 (1), breached 3 (2 4 5), pending 1 (6): 25.0%
#           next-response met 1 (2): 100.0%
#           resolution met 2 (1 5), pending 3 (2 4 6): 100.0%
check_eq "SLA attainment per policy and target" \
	"fast/first-response 0 1 0 0.0 | fast/resolution 1 0 0 100.0 | standard/first-response 1 3 1 25.0 | standard/next-response 1 0 0 100.0 | standard/resolution 2 0 3 100.0" \
	"$(R '" | ".join("%s/%s %d %d %d %s" % (t["policy"], t["target"], t["met"], t["breached"], t["pending"], t["attained"]) for t in j["sla"]["targets"])')"
# a period from Thu 05: the cycles begun in it: 4, 5, 6 (first response and
# resolution); 2's next-response cycle began Tue: out
check_eq "SLA attainment --since Thu 05: standard first-response 0 2 1, resolution 1 0 2, next none" \
	"0 2 1 | 0 0 0 | 1 0 2 | None" \
	"$(R --since 2026-11-05 '" | ".join("%d %d %d" % (t["met"], t["breached"], t["pending"]) for t in j["sla"]["targets"][2:]) + " | " + str(j["sla"]["targets"][3]["attained"])')"
# an end in the past, Tue 03 12:00: 1 met both; 2's first response runs
# (Mon 1h + Tue 3h = 4h: reached, breached), its resolution pending
check_eq "SLA attainment --until Tue 03 12:00: standard first-response 1 1 0, resolution 1 0 1" \
	"1 1 0 | 1 0 1" \
	"$(R --until 2026-11-03T12:00:00Z '" | ".join("%d %d %d" % (t["met"], t["breached"], t["pending"]) for t in (j["sla"]["targets"][2], j["sla"]["targets"][4]))')"

# --- --hours business: first responses working 1h (1), 7h (2): mean and
# median 14400; wall 2h, 23h: mean 45000. Next response working 1h30 (5400),
# wall 63000. Resolution working 2h (1), 2h (3, always), 1h (5): mean
# 6000, median 7200; wall 3h, 2h, 1h: mean 7200
check_eq "--hours wall: first response mean 45000, next 63000, resolution mean 7200" "wall 45000 63000 7200" \
	"$(R 'j["hours"], int(j["first_response"]["mean"]), int(j["next_response"]["mean"]), int(j["resolution"]["mean"])' | tr -d "(),'")"
check_eq "--hours business: first response mean 14400 median 14400, next 5400, resolution mean 6000 median 7200" \
	"business 14400 14400 5400 6000 7200" \
	"$(R --hours business 'j["hours"], int(j["first_response"]["mean"]), int(j["first_response"]["median"]), int(j["next_response"]["mean"]), int(j["resolution"]["mean"]), int(j["resolution"]["median"])' | tr -d "(),'")"
check_eq "--hours business: the agents' median first response too (alice 1h, bob 7h)" "alice 3600 bob 25200" \
	"$(R --hours business '" ".join("%s %d" % (a["agent"], a["first_response"]["median"]) for a in j["agents"] if a["first_response"]["count"])')"
check_eq "--hours nonsense: exit 64" 64 "$(D report --hours office >/dev/null 2>&1; echo $?)"

# --- KB deflection: offered 3 and 4, of which 3 solved with no reply:
# 1 of 2, 50.0%; offered nothing 1 2 5 6, of which 5: 1 of 4, 25.0%
check_eq "KB deflection: offered 2 deflected 1 (50%), not offered 4 deflected 1 (25%)" "2 1 50.0 4 1 25.0" \
	"$(R 'j["kb_deflection"]["offered"]["tickets"], j["kb_deflection"]["offered"]["deflected"], j["kb_deflection"]["offered"]["rate"], j["kb_deflection"]["not_offered"]["tickets"], j["kb_deflection"]["not_offered"]["deflected"], j["kb_deflection"]["not_offered"]["rate"]' | tr -d '(),')"

# --- volume by recipient: support@ 1 3 4 (support+urgent@) 5; billing@ 2; - 6
check_eq "volume by recipient address" "{'support@helpdesk.test': 4, '-': 1, 'billing@helpdesk.test': 1}" \
	"$(R 'j["volume"]["recipient"]')"

# --- backlog at the end of each day (UTC), from Mon 02 (the first ticket):
# 2 waits from Mon 16:00, 4 from Thu 09:00, 6 from Sat 23:30; 1 3 5 are
# solved the day they open. Ages at each end of day:
#   Mon 2 (8h)                           1: 0-1d
#   Tue 2 (1d8h)                         1: 1-3d
#   Wed 2 (2d8h)                         1: 1-3d
#   Thu 2 (3d8h) 4 (15h)                 2: 0-1d 1, 3-7d 1
#   Fri 2 (4d8h) 4 (1d15h)               2: 1-3d 1, 3-7d 1
#   Sat 2 (5d8h) 4 (2d15h) 6 (30m)       3: one each 0-1d 1-3d 3-7d
#   Sun 2 (6d8h) 4 (3d15h) 6 (1d0h30m)   3: 1-3d 1, 3-7d 2
series() { R "$@" 'j["backlog_over_time"]["by"] + " " + " | ".join("%s %d %d %d %d %d" % (p["key"], p["total"], p["0-1d"], p["1-3d"], p["3-7d"], p[">7d"]) for p in j["backlog_over_time"]["points"])'; }
check_eq "backlog over time, by day in UTC" \
	"day 2026-11-02 1 1 0 0 0 | 2026-11-03 1 0 1 0 0 | 2026-11-04 1 0 1 0 0 | 2026-11-05 2 1 0 1 0 | 2026-11-06 2 0 1 1 0 | 2026-11-07 3 1 1 1 0 | 2026-11-08 3 0 1 2 0" \
	"$(series)"
check_eq "the last point is the backlog at the end" "3 0 1 2 0" \
	"$(R 'j["backlog"]["total"], j["backlog"]["0-1d"], j["backlog"]["1-3d"], j["backlog"]["3-7d"], j["backlog"][">7d"]' | tr -d '(),')"
# in Tokyo (UTC+9) a day ends at 15:00 UTC; the first ticket opens Mon 02
# 17:00 local, so days Mon 02 to Mon 09 (that last one cut at the end of
# the period, 09:00 local). 6 (Sat 23:30 UTC) opens on Sunday 08 there.
#   02 (ends 02 15:00Z) nothing yet waits (2 opens 16:00Z)      0
#   03 2 (23h)                                                  1: 0-1d
#   04 2 (1d23h); 3 solved 14:00Z                               1: 1-3d
#   05 2 (2d23h) 4 (6h)                                         2: 0-1d, 1-3d
#   06 2 (3d23h) 4 (1d6h)                                       2: 1-3d, 3-7d
#   07 2 (4d23h) 4 (2d6h)                                       2: 1-3d, 3-7d
#   08 2 (5d23h) 4 (3d6h) 6 (15h30m)                            3: 0-1d 1, 3-7d 2
#   09 (ends 09 00:00Z) 2 (6d8h) 4 (3d15h) 6 (1d0h30m)          3: 1-3d 1, 3-7d 2
check_eq "backlog over time, by day in Asia/Tokyo: the day boundary at 15:00 UTC" \
	"day 2026-11-02 0 0 0 0 0 | 2026-11-03 1 1 0 0 0 | 2026-11-04 1 0 1 0 0 | 2026-11-05 2 1 1 0 0 | 2026-11-06 2 0 1 1 0 | 2026-11-07 2 0 1 1 0 | 2026-11-08 3 1 0 2 0 | 2026-11-09 3 0 1 2 0" \
	"$(TZ=Asia/Tokyo series)"
check_eq "a period (Thu 05 to Sat 07): its days only" \
	"day 2026-11-05 2 1 0 1 0 | 2026-11-06 2 0 1 1 0" "$(series --since 2026-11-05 --until 2026-11-07)"
# from Mon 1 June (a Monday) to Mon 9 Nov: 161 days, more than 62: weeks,
# 23 of them, the last 2026-W45; from 2024: months, 35 (2024, 2025, 2026 to November)
check_eq "a longer period is by week: 23 points, the last 2026-W45 with 3 waiting" "week 23 2026-W45 3" \
	"$(R --since 2026-06-01 'j["backlog_over_time"]["by"], len(j["backlog_over_time"]["points"]), j["backlog_over_time"]["points"][-1]["key"], j["backlog_over_time"]["points"][-1]["total"]' | tr -d "(),'")"
check_eq "a still longer one by month: 35 points, 2024-01 to 2026-11" "month 35 2024-01 2026-11" \
	"$(R --since 2024-01-01 'j["backlog_over_time"]["by"], len(j["backlog_over_time"]["points"]), j["backlog_over_time"]["points"][0]["key"], j["backlog_over_time"]["points"][-1]["key"]' | tr -d "(),'")"

# --- text and CSV say the same
MAILDESK_NOW=$END D report >"$T/r.txt"
check "text: SLA line of standard first-response" grep -Eq '^  standard +first-response +1 +3 +1  25.0%$' "$T/r.txt"
check "text: KB deflection line" grep -Fq 'acknowledgement offered KB     1 of 2 (50.0%)' "$T/r.txt"
check "text: backlog on Sunday" grep -Eq '^  2026-11-08 +3 +0 +1 +2 +0$' "$T/r.txt"
MAILDESK_NOW=$END D report --format=csv >"$T/r.csv"
check "csv: SLA breaches" grep -qx 'sla,standard/first-response,breached,3' "$T/r.csv"
check "csv: SLA attained" grep -qx 'sla,standard/first-response,attained_percent,25' "$T/r.csv"
check "csv: deflection" grep -qx 'kb_deflection,offered,deflected,1' "$T/r.csv"
check "csv: backlog over time" grep -qx 'backlog_day,2026-11-07,backlog,3' "$T/r.csv"
check "csv: recipient" grep -qx 'volume_recipient,billing@helpdesk.test,tickets,1' "$T/r.csv"

# --- the HTML page: the SLA chart instead of "not configured"; each chart
# drawn; its numbers equal the JSON (the checks of 0700, on this store)
MAILDESK_NOW=$END D report --html "$T/r.html" >/dev/null
check "the page has no 'not configured'" sh -c "! grep -q 'SLAs are not configured' '$T/r.html'"
if ! command -v chromium >/dev/null; then
	skip "the page in headless Chromium" "chromium is not installed (bootstrap's TEST_PACKAGES)"
else
	HOME=$T timeout 120 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$T/chrome" \
		--dump-dom "file://$T/r.html" >"$T/dom.html" 2>>"$T/chrome.err"
	MAILDESK_NOW=$END D report --format=json >"$T/r.json"
	out=$(python3 "$TESTS_T/report-page-check.py" "$T/dom.html" "$T/r.json")
	# marks: SLA bars of the 5 targets with an attainment but fast/first-response
	# (0%: no bar): 4; backlog over time: 1+1+1+2+2+3+2 parts = 12; backlog at
	# the end 1-3d and 3-7d: 2; first responses 2h and 23h: 2; days with
	# tickets 02 04 05 06 07: 5; every topic of the last week is new: the top 10
	check_eq "Chromium's DOM: each chart drawn; every figure equals the JSON" \
		"chart-backlog=2 chart-backlog-time=12 chart-response=2 chart-sla=4 chart-trends=10 chart-volume=5 all equal" \
		"$(echo "$out" | sed 's/ [0-9]* figures//')"
fi

# --- the same numbers after desk reindex
MAILDESK_NOW=$END D report --format=json >"$T/before.json"
check "desk reindex" D reindex
MAILDESK_NOW=$END D report --format=json >"$T/after.json"
check "the report is the same after desk reindex" cmp "$T/before.json" "$T/after.json"
test_done
