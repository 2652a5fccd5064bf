#!/bin/bash
# 0710-survey.sh: satisfaction surveys (desk-survey(1)). Ticket histories
# played over days with MAILDESK_NOW: a survey goes out once, after the
# delay, by desk autoclose or desk survey send, never to automatic,
# no-reply, opted-out or DMARC-forged requesters; its mailto: links are signed; the
# answer, sent through a real Postfix and maildesk-milter to the signed
# address, is recorded as a rating event and answered with nothing; a
# later answer within a day changes it, one after that is ignored; forged,
# altered and out-of-range links, answers to purged and merged tickets
# change nothing; the opt-out link; NPS; desk show, desk list --csat and
# desk report's figures against values computed by hand; desk reindex
# changes none of it.
. "$(dirname "$0")/lib.sh"

store_init "$T/store" || bail_out "desk init"
D() { "$DESK" --store "$STORE" "$@"; }
outbox_for_milter || bail_out "outbox"
export MAILDESK_TEMPLATES_DIR=$SRCDIR/templates TZ=UTC
unset MAILDESK_AGENT
D agent add bob bob@helpdesk.test >/dev/null || bail_out "agent add"
store_conf enabled true || bail_out "store_conf enabled"
store_conf delay_hours 24 || bail_out "store_conf delay_hours"

# The milter's clock is the system's: the histories end before now.
H=3600
NOW=$(date -u +%s)
NOW=$((NOW - NOW % H))
T0=$((NOW - 4 * 24 * H))
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
# at SECONDS ARGS...: desk ARGS under the clock SECONDS (epoch)
at() { local w=$1; shift; MAILDESK_NOW=$(iso "$w") D "$@"; }
# mail SECONDS FROM MSGID SUBJECT [HEADER]: a customer's mail, delivered then
mail() {
	{
		printf 'From: %s\nTo: support@helpdesk.test\nSubject: %s\nMessage-ID: <%s>\n' "$2" "$4" "$3"
		printf 'Date: %s\n' "$(date -u -R -d "@$1")"
		[ -n "${5:-}" ] && printf '%s\n' "$5"
		printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\nText of %s.\n' "$3"
	} | at "$1" ingest --envelope-to support@helpdesk.test 2>>"$T/ingest.err"
}
json() { python3 -c 'import json, sys; j = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }

mail $((T0 + 60)) "Ann <ann@customer.test>" a1@customer.test "Printer on fire"         # 1
mail $((T0 + 120)) "Shop <noreply@shop.test>" b1@shop.test "Your order"                 # 2
mail $((T0 + 180)) "Carl <carl@customer.test>" c1@customer.test "Out of office" \
	"Auto-Submitted: auto-replied"                                                  # 3
mail $((T0 + 240)) "Dora <dora@customer.test>" d1@customer.test "Login fails"           # 4
mail $((T0 + 300)) "Eve <eve@customer.test>" e1@customer.test "Erase me later"          # 5
mail $((T0 + 360)) "Fred <fred@customer.test>" f1@customer.test "Same as Gina"          # 6
mail $((T0 + 420)) "Gina <gina@customer.test>" g1@customer.test "Printer jam"           # 7
mail $((T0 + 480)) "Ivy <ivy@customer.test>" i1@customer.test "Slow site"               # 8
mail $((T0 + 540)) "Hal <hal@customer.test>" h1@customer.test "Invoice"                 # 9
mail $((T0 + 600)) "Jack <jack@customer.test>" j1@customer.test "Refund"                # 10
store_conf authserv_id mx.helpdesk.test || bail_out "store_conf authserv_id"
mail $((T0 + 660)) "Kim <kim@forged.test>" k1@forged.test "Forged" \
	"Authentication-Results: mx.helpdesk.test; dmarc=fail header.from=forged.test"          # 11
check_eq "eleven tickets" "1 2 3 4 5 6 7 8 9 10 11" "$(D list --status any --format ids --automatic | sort -n | xargs)"

check_eq "desk survey optout: Dora (any case)" "Dora@Customer.test: no surveys" "$(D survey optout Dora@Customer.test)"
check_eq "desk survey optouts" "dora@customer.test" "$(D survey optouts)"
check "solved at T0+1h: 1 to 6, 8 and 11" at $((T0 + H)) close 1 2 3 4 5 6 8 11 --as bob

# --- before the delay: nothing; after it: once
check_eq "23 hours after the solve: no survey is due" "" "$(at $((T0 + 24 * H)) survey send)"
check_eq "nothing was sent" 0 "$(outbox_count)"
out=$(at $((T0 + 26 * H)) autoclose)
check_eq "desk autoclose, 25 hours after: the surveys, and why not for 2, 3, 4, 11" \
	"1: surveyed ann@customer.test (csat)
2: no survey: no-reply requester
3: no survey: automatic mail opened the ticket
4: no survey: the requester opted out
5: surveyed eve@customer.test (csat)
6: surveyed fred@customer.test (csat)
8: surveyed ivy@customer.test (csat)
11: no survey: the sender failed DMARC" "$(printf '%s\n' "$out" | sort -n)"
check_eq "four survey mails" 4 "$(outbox_count)"
out=$(at $((T0 + 27 * H)) survey send)
check_eq "a second run surveys nobody again" "" "$(printf '%s\n' "$out" | grep surveyed)"
check_eq "still four mails" 4 "$(outbox_count)"

survey_to() { grep -l -i -e "^To: .*<$1>" "$T"/outbox/*.eml; }
ANN=$(survey_to ann@customer.test)
check_eq "exactly one survey to ann" 1 "$(printf '%s\n' "$ANN" | grep -c .)"
check_eq "its Auto-Submitted" auto-generated "$(header_of "$ANN" Auto-Submitted)"
check_eq "its Subject" "[#1] How did we do? Printer on fire" "$(header_of "$ANN" Subject)"
check_eq "sent with a null envelope sender" "-f
<>" "$(grep -x -e '-f' -e '<>' "${ANN%.eml}.argv.txt")"
# link MAILFILE SCORE: the address of SCORE's mailto: link
link() { sed -n "s/^  $2 - .*mailto:\([^?]*\)?subject=.*/\1/p" "$1"; }
nlink() { sed -n "s/^ *$2 mailto:\([^?]*\)?subject=.*/\1/p" "$1"; }
links=$(for s in 5 4 3 2 1; do link "$ANN" $s; done)
check_eq "five links support+csat-1-SCORE-TOKEN@helpdesk.test" 5 \
	"$(printf '%s\n' "$links" | grep -c -E '^support\+csat-1-[1-5]-[a-z2-7]{10}@helpdesk\.test$')"
check_eq "each with its own score, 5 to 1" "5 4 3 2 1" "$(printf '%s\n' "$links" | cut -d- -f3 | xargs)"
check_eq "and its own token" 5 "$(printf '%s\n' "$links" | cut -d- -f4 | sort -u | wc -l)"
OPTOUT=$(sed -n 's/.*mailto:\(support+optout-1-[a-z2-7]\{10\}@helpdesk.test\)?subject=.*/\1/p' "$ANN" | head -n 1)
# the HTML alternative: an anchor per link of the text, over its words
check_eq "the HTML part: the same links as anchors, over their words" \
	"$(printf '%s\n' $links "$OPTOUT" | sed 's/^/mailto:/')
5 - very satisfied|No more surveys for you:" "$(python3 - "$ANN" <<-'EOF'
	import email, email.policy, html.parser, sys
	m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
	assert m.get_content_type() == "multipart/alternative", m.get_content_type()
	h = m.get_body(("html",)).get_content()
	class P(html.parser.HTMLParser):
	    def __init__(self):
	        super().__init__(); self.hrefs = []; self.words = []; self.a = False
	    def handle_starttag(self, tag, a):
	        if tag == "a": self.hrefs.append(dict(a)["href"].split("?")[0]); self.a = True; self.words.append("")
	    def handle_endtag(self, tag):
	        if tag == "a": self.a = False
	    def handle_data(self, d):
	        if self.a: self.words[-1] += d
	p = P(); p.feed(h)
	print("\n".join(p.hrefs)); print(p.words[0].strip() + "|" + p.words[-1].strip())
	EOF
)"
check "the footer's opt-out link" test -n "$OPTOUT"
check_eq "its List-Unsubscribe: the same signed opt-out address" "<mailto:$OPTOUT>" "$(header_of "$ANN" List-Unsubscribe)"
check "desk show 1: the survey mail, as an event line" sh -c "'$DESK' --store '$STORE' show 1 | grep -x -- '--- $(iso $((T0 + 26 * H)))  satisfaction survey sent to ann@customer.test'"
check "desk show 1: the survey" sh -c "'$DESK' --store '$STORE' show 1 | grep -x 'Survey:    csat sent $(iso $((T0 + 26 * H)))'"

# --- the NPS variant: ticket 9 and 10, solved later, surveyed as nps
store_conf kind nps || bail_out "store_conf kind"
check "solved at T0+30h: 9 and 10" at $((T0 + 30 * H)) close 9 10 --as bob
out=$(at $((T0 + 55 * H)) survey send)
check_eq "nps surveys of 9 and 10" "9: surveyed hal@customer.test (nps)
10: surveyed jack@customer.test (nps)" "$(printf '%s\n' "$out" | grep surveyed | sort -n)"
HAL=$(survey_to hal@customer.test)
JACK=$(survey_to jack@customer.test)
check_eq "eleven NPS links, 10 to 0" "10 9 8 7 6 5 4 3 2 1 0" \
	"$(for s in 10 9 8 7 6 5 4 3 2 1 0; do nlink "$HAL" $s; done | grep -E '^support\+nps-9-' | cut -d- -f3 | xargs)"

# --- what becomes of 5 and 6: purged, merged
check "6 merged into 7" at $((T0 + 56 * H)) merge 6 7 --as bob
check "5 purged" at $((T0 + 57 * H)) purge 5 --yes --as bob

# --- the CES variant: ticket 7 (with 6 in it), solved then
store_conf kind ces || bail_out "store_conf kind"
check "solved at T0+58h: 7" at $((T0 + 58 * H)) close 7 --as bob
check_eq "a ces survey for gina" "7: surveyed gina@customer.test (ces)" \
	"$(at $((T0 + 83 * H)) survey send | grep surveyed)"
GINA=$(survey_to gina@customer.test)
check_eq "seven CES links, 1 to 7" "1 2 3 4 5 6 7" \
	"$(for s in 1 2 3 4 5 6 7; do link "$GINA" $s; done | grep -E '^support\+ces-7-' | cut -d- -f3 | xargs)"

# --- answers through Postfix and the milter, acknowledgements on
chown -R maildesk:maildesk "$STORE"
store_conf ack true || bail_out "store_conf ack"
milter_start || bail_out "maildesk-milter does not start"
pf_start milter || bail_out "postfix does not start"
SENT_BEFORE=$(outbox_count)
# answer FILE-NAME TO BODY [FROM]: a one-click answer (the body a comment)
answer() {
	local f=$T/$1.eml
	printf 'From: %s\nTo: %s\nSubject: Rating\nMessage-ID: <%s@customer.test>\nDate: %s\n\n%s\n\n> the survey, quoted\n-- \nsignature\n' \
		"${4:-Ann <ann@customer.test>}" "$2" "$1" "$(date -u -R)" "$3" >"$f"
	smtp_send "$f" "$2" ann@customer.test >/dev/null && wait_msgid "$1@customer.test"
}
rating() { D show "$1" --format=json | json 'j["survey"] and j["survey"]["score"]'; }
check "ann answers 2, through Postfix" answer r1 "$(link "$ANN" 2)" "The printer still smokes."
wait_for "the rating" sh -c "'$DESK' --store '$STORE' show 1 | grep -q '^Rating:'"
check_eq "desk show 1: the rating, low" "Rating:    2 of 1-5 (csat)" \
	"$(D show 1 | sed -n 's/^\(Rating: .*(csat)\).*, low$/\1/p')"
check_eq "and the comment, without quote and signature" "Comment:   The printer still smokes." \
	"$(D show 1 | grep '^Comment:')"
check_eq "the event: X-Desk-Event rating, score=2; scale=csat" 1 \
	"$(grep -l -x 'X-Desk-Event: rating' "$STORE"/mail/*/* | xargs grep -l 'score=2; scale=csat' | wc -l)"
check_eq "the answer is stored held in ticket 1" "survey csat=2; held: survey answer" \
	"$(header_of "$(grep -l -x 'Message-ID: <r1@customer.test>' "$STORE"/mail/cur/*)" X-Desk-Match)"
check_eq "the ticket stays solved" solved "$(D show 1 --format=json | json 'j["status"]')"
sleep 1
check_eq "nothing is sent back (no acknowledgement, no answer)" "$SENT_BEFORE" "$(outbox_count)"
check_eq "desk list --csat low: ticket 1" 1 "$(D list --csat low --format ids)"
check_eq "desk list --csat high: none" "" "$(D list --csat high --format ids)"

# --- a second answer within a day changes the score; one after a day does not
answer_ingest() {
	printf 'From: Ann <ann@customer.test>\nTo: %s\nSubject: Rating\nMessage-ID: <%s@customer.test>\n\n%s\n' \
		"$3" "$2" "$4" | at "$1" ingest --envelope-to "$3" 2>"$T/$2.err"
}
check "ann answers 4 two hours later (desk ingest)" answer_ingest $((NOW + 2 * H)) r2 "$(link "$ANN" 4)" "Works now."
check_eq "the score is 4" 4 "$(rating 1)"
check_eq "the comment is the new one" "Comment:   Works now." "$(D show 1 | grep '^Comment:')"
check_eq "--csat low: none now" "" "$(D list --csat low --format ids)"
check_eq "--csat high: ticket 1" 1 "$(D list --csat high --format ids)"
check "ann answers 1 two days later" answer_ingest $((NOW + 48 * H)) r3 "$(link "$ANN" 1)" "Broken again."
check_eq "ignored: the score stays 4" 4 "$(rating 1)"
check "and logged" grep -q "ticket 1: survey answer <r3@customer.test> (csat 1) ignored: answered more than a day ago already" "$T/r3.err"
check "the late answer is stored all the same" grep -q -x 'Message-ID: <r3@customer.test>' -r "$STORE/mail/cur"

# --- forged and altered links, through Postfix, while ann's day is still open
l5=$(link "$ANN" 5)
tok5=$(printf '%s' "$l5" | sed 's/.*-\([a-z2-7]*\)@.*/\1/')
other=$( [ "${tok5:9:1}" = a ] && echo b || echo a)
check "a forged token is accepted (250)" answer r4 "support+csat-1-5-${tok5:0:9}$other@helpdesk.test" "Forged."
check "a score altered (3 with 5's token)" answer r5 "support+csat-1-3-$tok5@helpdesk.test" "Altered."
check "a score off the scale (9)" answer r6 "support+csat-1-9-$tok5@helpdesk.test" "Nine."
check "a valid token for another ticket (7 with 1's)" answer r7 "support+csat-7-5-$tok5@helpdesk.test" "Other."
check "nps token on a csat link" answer r8 "support+nps-1-5-$tok5@helpdesk.test" "Kind."
sleep 1
check_eq "each ignored: the score stays 4" 4 "$(rating 1)"
check_eq "ticket 7 has no rating" None "$(rating 7)"
check_eq "each stored held as a bad survey token" 5 \
	"$(for m in r4 r5 r6 r7 r8; do header_of "$(grep -l -x "Message-ID: <$m@customer.test>" "$STORE"/mail/cur/*)" X-Desk-Match; done | grep -c -x 'survey; held: bad survey token')"
check_eq "the altered ticket's in ticket 7" 7 "$(ticket_of_msgid r7@customer.test)"
check_eq "the milter logged the bad tokens" 5 "$(grep -c "bad token in recipient.*support+" "$T/milter.log")"
check_eq "and sent nothing" "$SENT_BEFORE" "$(outbox_count)"

# --- answers to a purged and a merged ticket; the opt-out link
EVE=$(survey_to eve@customer.test)
FRED=$(survey_to fred@customer.test)
check "eve answers the survey of purged 5" answer r9 "$(link "$EVE" 5)" "Hello?" "Eve <eve@customer.test>"
check "fred answers the survey of 6, merged into 7" answer r10 "$(link "$FRED" 1)" "Bad." "Fred <fred@customer.test>"
wait_for "the milter's log" grep -q "ticket 6: survey answer <r10@customer.test> (csat 1) ignored: the ticket is merged" "$T/milter.log"
check "purged: ignored and logged" grep -q "ticket 5: survey answer <r9@customer.test> (csat 5) ignored: purged" "$T/milter.log"
check "merged: ignored and logged" grep -q "ticket 6: survey answer <r10@customer.test> (csat 1) ignored: the ticket is merged" "$T/milter.log"
check_eq "the merged ticket's answer stays in it" 6 "$(ticket_of_msgid r10@customer.test)"
check_eq "neither is rated; 7 has no rating by 6's" "1" "$(D list --csat any --format ids | xargs)"
check "ann sends the opt-out link" answer r11 "$OPTOUT" "unsubscribe"
wait_for "the opt-out" sh -c "'$DESK' --store '$STORE' survey optouts | grep -qx ann@customer.test"
check_eq "ann is on the opt-out list" "ann@customer.test
dora@customer.test" "$(D survey optouts)"
check_eq "desk survey optin" "dora@customer.test: surveys again" "$(D survey optin dora@customer.test)"
check_eq "the list" "ann@customer.test" "$(D survey optouts)"

# --- NPS answers: hal 9 through Postfix, jack 5 by desk ingest; ivy's CSAT 3
check "hal answers 9" answer r12 "$(nlink "$HAL" 9)" "" "Hal <hal@customer.test>"
wait_for "hal's rating" sh -c "'$DESK' --store '$STORE' show 9 | grep -q '^Rating:    9 of 0-10 (nps)'"
check "jack answers 5" answer_ingest $((NOW + H)) r13 "$(nlink "$JACK" 5)" ""
check "ivy answers 3, with a terminal escape and 600 more letters" answer_ingest $((NOW + H)) r14 \
	"$(link "$(survey_to ivy@customer.test)" 3)" $'\e[31mRed\e[0m '"$(printf 'x%.0s' $(seq 600))"
check_eq "her comment: one line of 500 characters, the escape made U+FFFD" "500 False ?[31mRed?[0m xxxx" \
	"$(D show 8 --format=json | json '"%d %s %s" % (len(j["survey"]["comment"]), "\x1b" in j["survey"]["comment"], j["survey"]["comment"][:17].replace("\ufffd", "?"))')"
check "gina answers 6 (hard)" answer_ingest $((NOW + H)) r15 "$(link "$GINA" 6)" "Took ages."
check_eq "--csat low: gina (CES 6, hard), jack (NPS 5, a detractor)" "7 10" "$(D list --csat low --format ids | sort -n | xargs)"
check_eq "--csat high: ann (4), hal (NPS 9)" "1 9" "$(D list --csat high --format ids | sort -n | xargs)"
check_eq "--csat any" "1 7 8 9 10" "$(D list --csat any --format ids | sort -n | xargs)"
check_eq "--csat with a bad value" 64 "$(D list --csat some >/dev/null 2>&1; echo $?)"

# --- the report, by hand: CSAT surveys sent to 1, 6 and 8 (5's went with
# its purge); answered 1 (4) and 8 (3): 2 of 3 = 66.67 %, mean 3.5, 1 of 2
# satisfied = 50 %. NPS sent to 9 and 10, both answered (100 %): 9 a
# promoter, 5 a detractor: NPS 50 - 50 = 0. CES sent to 7, answered 6: hard.
END=$((NOW + 3 * 24 * H))
R() { at $END report --format=json | json "$1"; }
check_eq "CSAT: sent, answered, response rate, mean, satisfied" "3 2 66.67 3.5 50.0" \
	"$(R '"%d %d %.2f %.1f %.1f" % tuple(j["satisfaction"]["csat"][k] for k in ("sent", "answered", "response_rate", "mean", "satisfied_percent"))')"
check_eq "CSAT scores 1-5" "[0, 0, 1, 1, 0]" "$(R 'j["satisfaction"]["csat"]["scores"]')"
check_eq "NPS: sent, answered, promoters, passives, detractors, score" "2 2 1 0 1 0.0" \
	"$(R '"%d %d %d %d %d %.1f" % tuple(j["satisfaction"]["nps"][k] for k in ("sent", "answered", "promoters", "passives", "detractors", "score"))')"
check_eq "CES: sent, answered, mean, hard" "1 1 6.0 1" \
	"$(R '"%d %d %.1f %d" % tuple(j["satisfaction"]["ces"][k] for k in ("sent", "answered", "mean", "hard"))')"
check_eq "the text" "Satisfaction (CSAT 1-5)    2 answered of 3 surveys (66.7%), mean 3.50, 50.0% satisfied (4-5)
Satisfaction (NPS 0-10)    2 answered of 2 surveys (100.0%), 1 promoters, 0 passives, 1 detractors, NPS 0.0
Satisfaction (CES 1-7)     1 answered of 1 surveys (100.0%), mean 6.00, 1 hard (5-7)" \
	"$(at $END report | grep '^Satisfaction')"
check_eq "the CSV" "satisfaction,csat,satisfied_percent,50
satisfaction,nps,score,0" "$(at $END report --format=csv | grep -E '^satisfaction,(csat,satisfied|nps,score)')"
check_eq "a period before any survey: none" "Satisfaction               no surveys sent in the period" \
	"$(at $END report --until "$(iso $((T0 + 2 * H)))" | grep '^Satisfaction')"
check_eq "--queue support: the same CSAT surveys" 3 "$(at $END report --queue support --format=json | json 'j["satisfaction"]["csat"]["sent"]')"
check_eq "--queue billing: none" "Satisfaction               no surveys sent in the period" \
	"$(at $END report --queue billing | grep '^Satisfaction')"
# --- --by groups, by hand: tag slow on 8 (CSAT 3) and 9 (NPS 9): CSAT 1
# of 1 answered, mean 3, none satisfied; NPS 1 of 1, a promoter: 100.
check "tag 8 and 9 slow" sh -c "MAILDESK_NOW=$(iso $END) '$DESK' --store '$STORE' tag 8 +slow --as bob && MAILDESK_NOW=$(iso $END) '$DESK' --store '$STORE' tag 9 +slow --as bob"
check_eq "--by tag: slow's CSAT and NPS" "1 1 3.0 0.0 1 1 1 0 100.0 0" \
	"$(at $END report --by tag --format=json | json '" ".join(str(x) for x in [(g["satisfaction"]["csat"]["sent"], g["satisfaction"]["csat"]["answered"], "%.1f" % g["satisfaction"]["csat"]["mean"], "%.1f" % g["satisfaction"]["csat"]["satisfied_percent"], g["satisfaction"]["nps"]["sent"], g["satisfaction"]["nps"]["answered"], g["satisfaction"]["nps"]["promoters"], g["satisfaction"]["nps"]["detractors"], "%.1f" % g["satisfaction"]["nps"]["score"], g["satisfaction"]["ces"]["sent"]) for g in j["groups"] if g["key"] == "slow"][0])')"
check_eq "--by tag: the text under slow's row" "    CSAT 1 answered of 1 surveys (100.0%), mean 3.00, 0.0% satisfied (4-5)
    NPS  1 answered of 1 surveys (100.0%), 1 promoters, 0 passives, 0 detractors, NPS 100.0" \
	"$(at $END report --by tag | sed -n '/^  slow /,/^  [^ ]/p' | grep '^    ')"
check_eq "--by tag: the CSV" "group,slow,csat_satisfied_percent,0
group,slow,nps_score,100" "$(at $END report --by tag --format=csv | grep -E '^group,slow,(csat_satisfied|nps_score)')"
check "the HTML page" at $END report --html "$T/r.html"
check_eq "its CSAT, NPS and CES charts have their marks" "chart-ces=1 chart-csat=1 chart-nps=1" "$(python3 - "$T/r.html" <<-'EOF'
	import html.parser, sys
	class P(html.parser.HTMLParser):
	    def __init__(self):
	        super().__init__(); self.svg = None; self.marks = {}
	    def handle_starttag(self, tag, a):
	        a = dict(a)
	        if tag == "svg" and "chart" in (a.get("class") or ""): self.svg = a["id"]; self.marks[self.svg] = 0
	        if tag == "rect" and a.get("class") == "mark" and self.svg: self.marks[self.svg] += 1
	    def handle_endtag(self, tag):
	        if tag == "svg": self.svg = None
	p = P(); p.feed(open(sys.argv[1]).read())
	print(" ".join("%s=%d" % kv for kv in sorted(p.marks.items()) if kv[0] in ("chart-ces", "chart-csat", "chart-nps")))
	EOF
)"

# --- desk reply N --template csat: the same survey at an agent's asking
# (survey.kind is ces now: the template says which), answered through Postfix
mail $((NOW - 3 * H)) "Lea <lea@customer.test>" l1@customer.test "Scanner"             # 12
mail $((NOW - 3 * H + 60)) "Ann <ann@customer.test>" a2@customer.test "Toner"           # 13
check "solved: 12 and 13" at $((NOW - 2 * H)) close 12 13 --as bob
check_eq "desk reply 12 --template csat: the survey" "12: surveyed lea@customer.test (csat)" \
	"$(at $((NOW - H)) reply 12 --template csat --as bob)"
LEA=$(survey_to lea@customer.test | xargs grep -l '^Subject: \[#12\] How did we do?')
check_eq "one survey mail to lea (and her acknowledgement)" 1 "$(printf '%s\n' "$LEA" | grep -c .)"
check_eq "its five links are ticket 12's" 5 \
	"$(for s in 5 4 3 2 1; do link "$LEA" $s; done | grep -c -E '^support\+csat-12-[1-5]-[a-z2-7]{10}@helpdesk\.test$')"
LEAOUT=$(sed -n 's/.*mailto:\(support+optout-12-[a-z2-7]\{10\}@helpdesk.test\)?subject=.*/\1/p' "$LEA" | head -n 1)
check_eq "its List-Unsubscribe: lea's opt-out address" "<mailto:$LEAOUT>" "$(header_of "$LEA" List-Unsubscribe)"
check_eq "no placeholder left" 0 "$(grep -c '\${' "$LEA")"
check "desk show 12: the survey, as desk survey send records it" sh -c "'$DESK' --store '$STORE' show 12 | grep -x 'Survey:    csat sent $(iso $((NOW - H)))'"
check_eq "a second one is refused (65)" 65 "$(at $((NOW - H)) reply 12 --template csat --as bob 2>"$T/again.err"; echo $?)"
check "saying why" grep -q "ticket 12 was surveyed already (csat, " "$T/again.err"
check_eq "an opted-out requester's is refused (65)" 65 "$(at $((NOW - H)) reply 13 --template nps --as bob 2>"$T/optout.err"; echo $?)"
check "saying why" grep -q "no survey for ticket 13: the requester opted out" "$T/optout.err"
check_eq "--edit with a survey is refused (64)" 64 "$(at $((NOW - H)) reply 13 --template ces --edit --as bob 2>/dev/null; echo $?)"
check_eq "desk close --template csat is refused (64)" 64 "$(at $((NOW - H)) close 13 --template csat --as bob 2>/dev/null; echo $?)"
check "lea answers 5, through Postfix" answer r16 "$(link "$LEA" 5)" "Quick." "Lea <lea@customer.test>"
wait_for "lea's rating" sh -c "'$DESK' --store '$STORE' show 12 | grep -q '^Rating:'"
check_eq "it counts: 5" 5 "$(rating 12)"
check "lea unsubscribes: her client mails the List-Unsubscribe address" answer r17 "$LEAOUT" "unsubscribe" "Lea <lea@customer.test>"
wait_for "lea's opt-out" sh -c "'$DESK' --store '$STORE' survey optouts | grep -qx lea@customer.test"
check_eq "lea is on the list" "ann@customer.test
lea@customer.test" "$(D survey optouts)"

# --- desk reindex changes nothing
at $END report --format=json >"$T/before.json"
D show 1 | grep -E '^(Survey|Rating|Comment):' >"$T/before.show"
milter_stop
check "desk reindex" D reindex
at $END report --format=json >"$T/after.json"
check "the same report after reindex" cmp "$T/before.json" "$T/after.json"
check_eq "the same survey and rating after reindex" "$(cat "$T/before.show")" \
	"$(D show 1 | grep -E '^(Survey|Rating|Comment):')"
# dora, opted in again, is due still (solved within the week); nobody else
check_eq "and no survey is sent again, but dora's" "4: surveyed dora@customer.test (ces)" \
	"$(at $END survey send | grep surveyed)"
test_done
