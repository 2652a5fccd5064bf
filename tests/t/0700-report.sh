#!/bin/bash
# 0700-report.sh: desk report (issue 15) on whole ticket histories played
# over two weeks with MAILDESK_NOW: each figure against a value computed by
# hand here (see the comments), for the whole time, a period, a past end,
# --queue, --agent, --by; acknowledgements are no response; clock skew,
# merged, split, spam and purged tickets; local days in another time zone;
# an empty store and a single ticket; the same JSON after desk reindex.
. "$(dirname "$0")/lib.sh"

STORE=$T/store
"$DESK" init --address support@helpdesk.test --address billing@helpdesk.test=billing "$STORE" >/dev/null ||
	bail_out "desk init"
D() { "$DESK" --store "$STORE" "$@"; }
export MAILDESK_SENDMAIL="$TESTS_T/sendmail-capture" CAPTURE_DIR=$T/out TZ=UTC
mkdir -p "$T/out"
unset MAILDESK_AGENT
D agent add alice alice@helpdesk.test >/dev/null || bail_out "agent add"
D agent add bob bob@helpdesk.test >/dev/null || bail_out "agent add"

# at WHEN ARGS...: desk ARGS under the clock WHEN (ISO 8601, UTC)
at() { local w=$1; shift; MAILDESK_NOW=$w D "$@" >/dev/null 2>"$T/at.err" || { cat "$T/at.err" >&2; return 1; }; }
# mail WHEN FROM MSGID SUBJECT [IN-REPLY-TO]: a customer's mail dated and delivered at WHEN
mail() {
	{
		printf 'From: %s\nTo: support@helpdesk.test\nSubject: %s\nMessage-ID: <%s>\n' "$2" "$4" "$3"
		printf 'Date: %s\n' "$(date -u -R -d "$1")"
		[ -n "${5:-}" ] && printf 'In-Reply-To: <%s>\nReferences: <%s>\n' "$5" "$5"
		printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\nText of %s.\n' "$3"
	} | MAILDESK_NOW=$1 D ingest --envelope-to support@helpdesk.test 2>>"$T/ingest.err"
}
reply() { at "$1" reply "$2" --as "$3" --force -m "An answer from $3."; }
# R [ARGS...] EXPR: EXPR (Python, j the JSON) of desk report ARGS --format=json at Mon 9 Nov 00:00
END=2026-11-09T00:00:00Z
R() {
	local e=${*: -1}
	MAILDESK_NOW=$END D report "${@:1:$#-1}" --format=json >"$T/r.json" || return 1
	python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/r.json" "$e"
}

# --- an empty store: every figure 0, nothing to answer
check_eq "empty store: no ticket opened" "0 0 0 0 0" \
	"$(R 'j["opened"], j["first_response"]["count"], int(j["resolution"]["median"]), j["backlog"]["total"], len(j["agents"])' | tr -d '(),')"
check_eq "empty store: no backlog over time, no KB deflection, SLA not configured" "day [] 0 0 False" \
	"$(R 'j["backlog_over_time"]["by"], j["backlog_over_time"]["points"], j["kb_deflection"]["offered"]["tickets"], j["kb_deflection"]["not_offered"]["tickets"], j["sla"]["available"]' | tr -d "(),'")"
out=$(MAILDESK_NOW=$END D report)
case $out in *"First response             none"*"Backlog at the end         0"*) ok "empty store: text says none" ;;
*) not_ok "empty store: text says none" "$out" ;; esac

# --- the histories (November 2026; Mon 2 Nov is in ISO week 45)
# 1: old@ opens Fri 30 Oct 09:00; nobody answers                      backlog >7d
mail 2026-10-30T09:00:00Z "Old <old@customer.test>" q1@c "Old question" || bail_out "mail 1"
# 2: ann opens Mon 02 10:00; alice answers 11:00 (first response 1h), solves 12:00
#    (resolution 2h): solved with one reply, never reopened (first-contact)
mail 2026-11-02T10:00:00Z "Ann <ann@customer.test>" q2@c "Printer" || bail_out "mail 2"
reply 2026-11-02T11:00:00Z 2 alice || bail_out "reply 2"
at 2026-11-02T12:00:00Z status 2 solved --as alice || bail_out "solve 2"
# 3: bob@other opens Mon 02 14:00; bob answers 16:00 (first 2h); the customer
#    writes Tue 03 09:00, bob answers 10:30 (next 1h30), solves 11:00; the
#    customer writes Wed 04 08:00 (reopened), alice answers 09:00 (next 1h)
#    and solves 10:00: resolution Mon 14:00 -> Wed 10:00 = 44h; tagged billing
mail 2026-11-02T14:00:00Z "Bob <bob@other.test>" q3@o "Invoice" || bail_out "mail 3"
reply 2026-11-02T16:00:00Z 3 bob || bail_out "reply 3"
mail 2026-11-03T09:00:00Z "Bob <bob@other.test>" q3b@o "Re: Invoice" q3@o || bail_out "mail 3b"
reply 2026-11-03T10:30:00Z 3 bob || bail_out "reply 3b"
at 2026-11-03T11:00:00Z status 3 solved --as bob || bail_out "solve 3"
at 2026-11-03T11:05:00Z tag 3 +billing --as bob || bail_out "tag 3"
mail 2026-11-04T08:00:00Z "Bob <bob@other.test>" q3c@o "Re: Invoice" q3@o || bail_out "mail 3c"
reply 2026-11-04T09:00:00Z 3 alice || bail_out "reply 3c"
at 2026-11-04T10:00:00Z status 3 solved --as alice || bail_out "solve 3 again"
# 4: carol opens Tue 03 08:00 and gets only the acknowledgement (no response)
mail 2026-11-03T08:00:00Z "Carol <carol@customer.test>" q4@c "Login" || bail_out "mail 4"
# 5: dan opens Thu 05 12:00, but alice's reply is stamped 11:00 (her clock is
#    wrong): first response counted 0, one skewed; then pending; queue billing
mail 2026-11-05T12:00:00Z "Dan <dan@example.org>" q5@e "Refund" || bail_out "mail 5"
reply 2026-11-05T11:00:00Z 5 alice || bail_out "reply 5"
at 2026-11-05T13:00:00Z status 5 pending --as alice || bail_out "pending 5"
at 2026-11-05T13:01:00Z queue 5 billing --as alice || bail_out "queue 5"
at 2026-11-05T13:02:00Z assign 2 5 alice --as alice || bail_out "assign 2 5"
# 6: spam, Fri 06 09:00                                                    left out
mail 2026-11-06T09:00:00Z "Eve <eve@spam.test>" q6@s "Cheap pills" || bail_out "mail 6"
at 2026-11-06T09:30:00Z spam 6 --as bob || bail_out "spam 6"
# 7: ann again Fri 06 10:00, merged into 4                                 left out
mail 2026-11-06T10:00:00Z "Ann <ann@customer.test>" q7@c "Printer again" || bail_out "mail 7"
at 2026-11-06T10:30:00Z merge 7 4 --as bob || bail_out "merge 7"
# 8: carol's second question Fri 06 11:00 in ticket 4, split off at 12:00:
#    ticket 8 is opened at 11:00 (its first message); bob answers 15:00 (4h)
mail 2026-11-06T11:00:00Z "Carol <carol@customer.test>" q4b@c "Re: Login" q4@c || bail_out "mail 4b"
at 2026-11-06T12:00:00Z split 4 q4b@c --as bob || bail_out "split 4"
check_eq "the split made ticket 8, carol's" carol@customer.test \
	"$(D show 8 --format=json | python3 -c 'import json, sys; print(json.load(sys.stdin)["requester"])')"
reply 2026-11-06T15:00:00Z 8 bob || bail_out "reply 8"
# 9: frank Sat 07 09:00, purged 10:00                                      left out
mail 2026-11-07T09:00:00Z "Frank <frank@gone.test>" q9@g "Delete me" || bail_out "mail 9"
at 2026-11-07T10:00:00Z purge 9 --yes --as bob || bail_out "purge 9"
# 10: gus Sun 08 18:00, nobody answers yet                                 backlog 0-1d
mail 2026-11-08T18:00:00Z "Gus <gus@customer.test>" q10@c "Hello" || bail_out "mail 10"

# --- the whole time, at Mon 09 00:00. Kept: 1 2 3 4 5 8 10 (7 opened).
# first responses 0 (5), 1h (2), 2h (3), 4h (8): mean 6300, median 5400, p90 (rank 4) 14400
check_eq "opened: 7 (spam, merged and purged left out)" 7 "$(R 'j["opened"]')"
check_eq "left out: 1 spam, 1 merged, 1 purged" "1 1 1" \
	"$(R 'j["left_out"]["spam"], j["left_out"]["merged"], j["left_out"]["purged"]' | tr -d '(),')"
check_eq "first response: n 4, mean 6300, median 5400, p90 14400" "4 6300 5400 14400" \
	"$(R 'j["first_response"]["count"], int(j["first_response"]["mean"]), int(j["first_response"]["median"]), int(j["first_response"]["p90"])' | tr -d '(),')"
check_eq "unanswered 3 (1, 4, 10: an acknowledgement is no response), skewed 1" "3 1" \
	"$(R 'j["unanswered"], j["skewed"]' | tr -d '(),')"
# next responses: 1h30 and 1h (both on 3): mean 4500, median 4500, p90 (rank 2) 5400
check_eq "next response: n 2, mean 4500, median 4500, p90 5400" "2 4500 4500 5400" \
	"$(R 'j["next_response"]["count"], int(j["next_response"]["mean"]), int(j["next_response"]["median"]), int(j["next_response"]["p90"])' | tr -d '(),')"
# solved: 2 (2h) and 3 (44h = 158400): mean 82800, median 82800, p90 158400
check_eq "resolution: n 2, mean 82800, median 82800, p90 158400" "2 82800 82800 158400" \
	"$(R 'j["resolution"]["count"], int(j["resolution"]["mean"]), int(j["resolution"]["median"]), int(j["resolution"]["p90"])' | tr -d '(),')"
check_eq "first-contact resolution: 1 (2) of 2 solved" "1 2" "$(R 'j["fcr"], j["solved"]' | tr -d '(),')"
check_eq "reopened: 1 (3) of 2 solved in the period" "1 2" "$(R 'j["reopened"], j["solved_any"]' | tr -d '(),')"
# backlog at Mon 09 00:00: 10 (6h) 0-1d; 8 (2d13h) 1-3d; 4 (5d16h), 5 (3d12h) 3-7d; 1 (9d15h) >7d
check_eq "backlog 5: 0-1d 1, 1-3d 1, 3-7d 2, >7d 1" "5 1 1 2 1" \
	"$(R 'j["backlog"]["total"], j["backlog"]["0-1d"], j["backlog"]["1-3d"], j["backlog"]["3-7d"], j["backlog"][">7d"]' | tr -d '(),')"
check_eq "volume by day" "{'2026-10-30': 1, '2026-11-02': 2, '2026-11-03': 1, '2026-11-05': 1, '2026-11-06': 1, '2026-11-08': 1}" \
	"$(R 'j["volume"]["day"]')"
check_eq "volume by week and month" "{'2026-W44': 1, '2026-W45': 6} {'2026-10': 1, '2026-11': 6}" \
	"$(R 'str(j["volume"]["week"]) + " " + str(j["volume"]["month"])')"
check_eq "volume by queue, tag and domain" \
	"{'support': 6, 'billing': 1} {'-': 6, 'billing': 1} {'customer.test': 5, 'example.org': 1, 'other.test': 1}" \
	"$(R 'str(j["volume"]["queue"]) + " " + str(j["volume"]["tag"]) + " " + str(j["volume"]["domain"])')"
check_eq "volume by recipient address: all came to support@" "{'support@helpdesk.test': 7}" "$(R 'j["volume"]["recipient"]')"
# backlog at the end of each day from Fri 30 Oct (ticket 1, 09:00), UTC:
# 1 waits throughout; 2 is solved the day it opens; 3 waits Mon 02 (10h),
# is solved Tue; 4 waits from Tue 08:00, 5 from Thu 12:00, 8 from Fri 11:00,
# 10 from Sun 18:00; 6 7 9 are left out.
#   Oct 30: 1 (15h) 0-1d | Oct 31: 1 (1d15h) 1-3d | Nov 1: 1 (2d15h) 1-3d
#   Nov 2: 1 (3d15h) 3-7d, 3 (10h) 0-1d | Nov 3: 1 (4d15h), 4 (16h)
#   Nov 4: 1 (5d15h) 3-7d, 4 (1d16h) 1-3d | Nov 5: 1, 4 (2d16h), 5 (12h)
#   Nov 6: 1 (7d15h) >7d, 4 (3d16h), 5 (1d12h), 8 (13h): one in each
#   Nov 7: 1 >7d, 4 (4d16h) 3-7d, 5 (2d12h), 8 (1d13h) 1-3d | Nov 8: the end's
check_eq "backlog over time, by day" \
	"day 2026-10-30 1 1 0 0 0 | 2026-10-31 1 0 1 0 0 | 2026-11-01 1 0 1 0 0 | 2026-11-02 2 1 0 1 0 | 2026-11-03 2 1 0 1 0 | 2026-11-04 2 0 1 1 0 | 2026-11-05 3 1 1 1 0 | 2026-11-06 4 1 1 1 1 | 2026-11-07 4 0 2 1 1 | 2026-11-08 5 1 1 2 1" \
	"$(R 'j["backlog_over_time"]["by"] + " " + " | ".join("%s %d %d %d %d %d" % (p["key"], p["total"], p["0-1d"], p["1-3d"], p["3-7d"], p[">7d"]) for p in j["backlog_over_time"]["points"])')"
# every new ticket but 8 (split off, its mail a follow-up) was acknowledged,
# none offered an article (ack_articles is off); of 1 2 3 4 5 10 none was
# solved without a reply
check_eq "KB deflection: nothing offered; offered none 6, deflected 0" "0 6 0 0.0" \
	"$(R 'j["kb_deflection"]["offered"]["tickets"], j["kb_deflection"]["not_offered"]["tickets"], j["kb_deflection"]["not_offered"]["deflected"], j["kb_deflection"]["not_offered"]["rate"]' | tr -d '(),')"
# --hours business with no SLA policy: the default calendar, Mon-Fri 09-17
# in the desk's time zone (UTC here). First responses all fall in working
# hours: the same 6300. Next responses: 3's Tue 09:00 -> 10:30 (5400) and
# Wed 08:00 -> 09:00, before the day's work starts (0): mean 2700.
# Resolution: 2 Mon 10-12 (7200); 3 Mon 14:00 -> Wed 10:00: 3h + 8h + 1h
# = 43200: mean 25200, p90 43200
check_eq "--hours business (default calendar): first 6300, next mean 2700, resolution mean 25200 p90 43200" \
	"business 6300 2700 25200 43200" \
	"$(R --hours business 'j["hours"], int(j["first_response"]["mean"]), int(j["next_response"]["mean"]), int(j["resolution"]["mean"]), int(j["resolution"]["p90"])' | tr -d "(),'")"
# alice: replies on 2, 3, 5 (3), solved 2 and 3 (the last solve counts), first
# responses 1h (2) and 0 (5): median 1800. bob: replies 3 (two), 8; solved none
# (his solve of 3 was undone); first responses 2h (3), 4h (8): median 10800
check_eq "per agent: login handled replies solved median-first" "alice 3 3 2 1800 bob 2 3 0 10800" \
	"$(R '" ".join("%s %d %d %d %d" % (a["agent"], a["handled"], a["replies"], a["solved"], a["first_response"]["median"]) for a in j["agents"])')"
check_eq "SLA: not available, said so" "False SLAs are not configured" \
	"$(R 'j["sla"]["available"], j["sla"]["why"]' | tr -d "(),'")"

# --- a period: Mon 02 00:00 to Sat 07 00:00; states at its end. Opened in
# it: 2 3 4 5 8; 6 spam and 7 merged left out, 9 not yet opened.
P=(--since 2026-11-02 --until 2026-11-07)
check_eq "period: opened 5, unanswered 1 (4), left out 1 spam 1 merged 0 purged" "5 1 1 1 0" \
	"$(R "${P[@]}" 'j["opened"], j["unanswered"], j["left_out"]["spam"], j["left_out"]["merged"], j["left_out"]["purged"]' | tr -d '(),')"
# backlog at Sat 07 00:00: 8 (13h) 0-1d; 5 (1d12h) 1-3d; 4 (3d16h) 3-7d; 1 (7d15h) >7d
check_eq "period: backlog 4, one in each bucket" "4 1 1 1 1" \
	"$(R "${P[@]}" 'j["backlog"]["total"], j["backlog"]["0-1d"], j["backlog"]["1-3d"], j["backlog"]["3-7d"], j["backlog"][">7d"]' | tr -d '(),')"
# --- an end in the past, Wed 04 00:00: 3 is solved then (Tue 11:00, after 21h
# = 75600), its reopen is later; opened 1 2 3 4; backlog 4 (16h) and 1 (4d15h)
U=(--until 2026-11-04T00:00:00Z)
check_eq "past end: resolution n 2 mean 41400 p90 75600; reopened 0 of 2; fcr 1" "2 41400 75600 0 2 1" \
	"$(R "${U[@]}" 'j["resolution"]["count"], int(j["resolution"]["mean"]), int(j["resolution"]["p90"]), j["reopened"], j["solved_any"], j["fcr"]' | tr -d '(),')"
check_eq "past end: opened 4, next response n 1 (5400), backlog 0-1d 1, 3-7d 1" "4 1 5400 1 1" \
	"$(R "${U[@]}" 'j["opened"], j["next_response"]["count"], int(j["next_response"]["median"]), j["backlog"]["0-1d"], j["backlog"]["3-7d"]' | tr -d '(),')"

# --- --queue billing: ticket 5 alone; --by queue: its figures per queue
check_eq "--queue billing: 5 alone: opened 1, first response 0, skewed 1" "1 1 0 1" \
	"$(R --queue billing 'j["opened"], j["first_response"]["count"], int(j["first_response"]["mean"]), j["skewed"]' | tr -d '(),')"
check_eq "--by queue: billing 1 opened 0 solved, support 6 opened 2 solved" "billing 1 0 support 6 2" \
	"$(R --by queue '" ".join("%s %d %d" % (g["key"], g["opened"], g["solved"]) for g in j["groups"])')"
check_eq "--by week" "2026-W44 1 2026-W45 6" \
	"$(R --by week '" ".join("%s %d" % (g["key"], g["opened"]) for g in j["groups"])')"
# --agent alice: the tickets she owns, 2 and 5; her work on them: replies on
# both, solved 2, first responses 1h and 0 (median 1800)
check_eq "--agent alice: opened 2 (2 and 5)" 2 "$(R --agent alice 'j["opened"]')"
check_eq "--agent alice: alice alone: handled 2 replies 2 solved 1 median-first 1800" "alice 2 2 1 1800" \
	"$(R --agent alice '" ".join("%s %d %d %d %d" % (a["agent"], a["handled"], a["replies"], a["solved"], a["first_response"]["median"]) for a in j["agents"])')"

# --- another time zone: days are local (Asia/Tokyo, UTC+9): 10 (Sun 18:00 UTC) is Mon 09
check_eq "TZ=Asia/Tokyo: 2026-11-09 has ticket 10, 2026-11-08 none" "1 0" \
	"$(TZ=Asia/Tokyo R 'j["volume"]["day"].get("2026-11-09", 0), j["volume"]["day"].get("2026-11-08", 0)' | tr -d '(),')"

# --- rising topics, the week to Mon 09 against the week before: customer.test
# 4 (2 4 8 10) against 1 (ticket 1); "login" 2 (4, and 8 "Re: Login") against
# 0; then rises of 1 by kind and key; "question" and "hello" are common words
check_eq "rising: domain customer.test +3, word login +2, then 6 of +1" \
	"domain customer.test 4 1 [2, 4, 8, 10] | word login 2 0 [4, 8] | 8" \
	"$(R '" | ".join("%s %s %d %d %s" % (t["kind"], t["key"], t["last"], t["prev"], t["tickets"]) for t in j["trends"][:2]) + " | " + str(len(j["trends"]))')"
check_eq "rising, the +1s in order" "domain:example.org domain:other.test tag:billing word:invoice word:printer word:refund" \
	"$(R '" ".join(t["kind"] + ":" + t["key"] for t in j["trends"][2:])')"

# --- --html: one page, nothing fetched, drawn by headless Chromium
MAILDESK_NOW=$END D report --html "$T/r.html" >"$T/html.out"
check_eq "--html alone prints nothing" "" "$(cat "$T/html.out")"
check_eq "the page is not world-readable" 640 "$(stat -c %a "$T/r.html")"
check_eq "nothing on the page loads from elsewhere (script, src, href, url, import)" 0 \
	"$(grep -Eic '<script|src=|href=|url\(|@import|<link' "$T/r.html")"
if ! command -v chromium >/dev/null; then
	skip "the page in headless Chromium" "chromium is not installed (bootstrap's TEST_PACKAGES)"
else
	chrome() { HOME=$T/home timeout 120 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$T/chrome" "$@" 2>>"$T/chrome.err"; }
	mkdir -p "$T/home"
	chrome --window-size=1000,3000 --screenshot="$T/shot.png" "file://$T/r.html" >/dev/null
	chrome --dump-dom "file://$T/r.html" >"$T/dom.html"
	MAILDESK_NOW=$END D report --format=json >"$T/r.json"
	# each chart's bars (rect.mark) in the DOM Chromium built, and the numbers
	# of the page (data-figure="json.path") against --format=json
	out=$(python3 "$TESTS_T/report-page-check.py" "$T/dom.html" "$T/r.json")
	# backlog over time: the parts of its 10 days above, 1+1+1+2+2+2+3+4+3+4 = 23
	check_eq "Chromium's DOM: bars in each chart (6 days; responses <1h, 1-4h, 4-8h; 4 backlog buckets; 23 parts of the backlog over time; 8 topics); 27 figures + 2 agents x 4 + 10 days x 5 + 6 of KB deflection on the page equal the JSON" \
		"chart-backlog=4 chart-backlog-time=23 chart-response=3 chart-trends=8 chart-volume=6 91 figures all equal" "$out"
	# the screenshot: pixels of each chart's own colour were drawn
	out=$(python3 - "$T/shot.png" <<-'EOF'
	import struct, sys, zlib
	d = open(sys.argv[1], "rb").read(); p = 8; idat = b""
	while p < len(d):
	    n, = struct.unpack(">I", d[p:p + 4]); t = d[p + 4:p + 8]
	    if t == b"IHDR": w, h, depth, ctype = struct.unpack(">IIBB", d[p + 8:p + 18])
	    if t == b"IDAT": idat += d[p + 8:p + 8 + n]
	    p += 12 + n
	bpp = {2: 3, 6: 4}[ctype]; raw = zlib.decompress(idat); stride = w * bpp
	prev = bytearray(stride); rows = []; i = 0
	for y in range(h):
	    f = raw[i]; line = bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
	    for x in range(stride):
	        a = line[x - bpp] if x >= bpp else 0; b = prev[x]; c = prev[x - bpp] if x >= bpp else 0
	        if f == 1: line[x] = (line[x] + a) & 255
	        elif f == 2: line[x] = (line[x] + b) & 255
	        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
	        elif f == 4:
	            pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
	            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
	    rows.append(bytes(line)); prev = line
	colours = {"volume": "1a73e8", "response": "e8710a", "backlog": "188038", "backlog-time": "34a853", "trends": "9334e6"}
	print(" ".join("%s=%s" % (k, "drawn" if any(
	    bytes.fromhex(c) in (r if bpp == 3 else b"".join(r[x:x + 3] for x in range(0, len(r), 4))) for r in rows)
	    else "blank") for k, c in colours.items()))
	EOF
	)
	check_eq "the screenshot shows each chart's bars" "volume=drawn response=drawn backlog=drawn backlog-time=drawn trends=drawn" "$out"
	check "the screenshot says SLA attainment is not available" grep -q 'Not available: SLAs are not configured' "$T/dom.html"
fi

# --- text and CSV say the same
MAILDESK_NOW=$END D report >"$T/r.txt"
check "text: first response line" grep -Eq '^First response +n=4 +mean 1h45m +median 1h30m +p90 4h00m' "$T/r.txt"
check "text: backlog line" grep -Fq 'Backlog at the end         5:  0-1d 1, 1-3d 1, 3-7d 2, >7d 1' "$T/r.txt"
MAILDESK_NOW=$END D report --format=csv >"$T/r.csv"
check "csv: opened" grep -qx 'all,,opened,7' "$T/r.csv"
check "csv: alice's replies" grep -qx 'agent,alice,replies,3' "$T/r.csv"
check "csv: resolution p90" grep -qx 'all,,resolution_p90,158400' "$T/r.csv"

# --- --weekly: Mon 02 to Mon 09 (the last whole week before Tue 10);
# --monthly: November; mailed to --mail, else to report_to, else printed
check_eq "--weekly on Tue 10: 2026-11-02 to 2026-11-09, opened 6 (2 3 4 5 8 10)" \
	"2026-11-02T00:00:00Z 2026-11-09T00:00:00Z 6" \
	"$(MAILDESK_NOW=2026-11-10T08:00:00Z D report --weekly --format=json | python3 -c 'import json, sys; j = json.load(sys.stdin); print(j["since"], j["until"], j["opened"])')"
check_eq "--monthly on Dec 1: November, opened 6 (1 was in October)" \
	"2026-11-01T00:00:00Z 2026-12-01T00:00:00Z 6" \
	"$(MAILDESK_NOW=2026-12-01T10:00:00Z D report --monthly --format=json | python3 -c 'import json, sys; j = json.load(sys.stdin); print(j["since"], j["until"], j["opened"])')"
check_eq "--weekly with --since: exit 64" 64 "$(D report --weekly --since 7d >/dev/null 2>&1; echo $?)"
rm -f "$T/out"/*
check_eq "--weekly without report_to or --mail prints the report" "Report from 2026-11-02T00:00:00Z to 2026-11-09T00:00:00Z" \
	"$(MAILDESK_NOW=2026-11-10T08:00:00Z D report --weekly | head -n 1)"
check_eq "... and mails nothing" 0 "$(find "$T/out" -name '*.eml' | wc -l)"
check "report_to = boss@example.com" store_conf report_to boss@example.com
check_eq "--weekly with report_to prints nothing" "" "$(MAILDESK_NOW=2026-11-10T08:00:00Z D report --weekly)"
check_eq "... and mails the report to report_to" "boss@example.com" "$(header_of "$T/out/1.eml" To)"
out=$(python3 - "$T/out/1.eml" <<-'EOF'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
parts = list(m.iter_parts())
text = parts[0].get_content()
print(m["Auto-Submitted"], m["Subject"], parts[1].get_content_type(), parts[1].get_filename(),
      "Tickets opened             6" in text, "<svg" in parts[1].get_content())
EOF
)
check_eq "the mail: auto-generated, its subject, the text report, the page attached" \
	"auto-generated Desk report: 2026-11-02T00:00:00Z to 2026-11-09T00:00:00Z text/html desk-report.html True True" "$out"
check "--mail ADDR sends there" env MAILDESK_NOW=2026-11-10T08:00:00Z "$DESK" --store "$STORE" report --mail cfo@example.com
check_eq "... to ADDR" "cfo@example.com" "$(header_of "$T/out/2.eml" To)"
check_eq "--mail 'not an address': exit 64, nothing sent" "64 2" \
	"$(D report --mail 'a b@x' >/dev/null 2>&1; echo $?) $(find "$T/out" -name '*.eml' | wc -l)"

# --- bad options
check_eq "--by nonsense: exit 64" 64 "$(D report --by year >/dev/null 2>&1; echo $?)"
check_eq "--since garbage: exit 64" 64 "$(D report --since yesterday-ish >/dev/null 2>&1; echo $?)"
check_eq "--format xml: exit 64" 64 "$(D report --format xml >/dev/null 2>&1; echo $?)"

# --- the same numbers after desk reindex
MAILDESK_NOW=$END D report --format=json --by tag >"$T/before.json"
check "desk reindex" D reindex
MAILDESK_NOW=$END D report --format=json --by tag >"$T/after.json"
check "the report is the same after desk reindex" cmp "$T/before.json" "$T/after.json"

# --- a single ticket in a store of its own: opened 1, unanswered, backlog 1-3d
STORE=$T/one
"$DESK" init --address support@helpdesk.test "$STORE" >/dev/null || bail_out "desk init one"
mail 2026-11-07T12:00:00Z "Ann <ann@customer.test>" one@c "Alone" || bail_out "mail one"
check_eq "single ticket: opened 1, unanswered 1, no response, backlog 1-3d (1d12h)" "1 1 0 1" \
	"$(R 'j["opened"], j["unanswered"], j["first_response"]["count"], j["backlog"]["1-3d"]' | tr -d '(),')"
check_eq "single ticket: backlog over time Sat 07 (12h) and Sun 08 (1d12h)" "2026-11-07 1 1 0 | 2026-11-08 1 0 1" \
	"$(R '" | ".join("%s %d %d %d" % (p["key"], p["total"], p["0-1d"], p["1-3d"]) for p in j["backlog_over_time"]["points"])')"
test_done
