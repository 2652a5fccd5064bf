#!/bin/bash
# 0610-sla.sh: SLAs (issue 14, "SLAs"): policies in maildesk.conf on a
# business-hours calendar (Europe/Berlin, mon-fri 09:00-17:00, holidays),
# measured from the events alone under a fixed clock (MAILDESK_NOW) across
# a weekend, holidays, both DST changes, a pending pause, a reopen and a
# priority change; desk sla check writes each warning and breach once (run
# twice, late, after desk reindex and on a copy of the store: nothing new)
# and escalates; desk list --sort=due, --breaching, due and breached in
# JSON; bad calendars and policies are clear errors with line numbers.
# Every expected time below is worked out by hand in the comment above it.
. "$(dirname "$0")/lib.sh"

STORE=$T/store
"$DESK" init --address support@helpdesk.test --address billing@helpdesk.test=billing "$STORE" >/dev/null ||
	bail_out "desk init"
store_conf ack false
outbox_for_milter || bail_out "outbox"
D() { "$DESK" --store "$STORE" "$@"; }
at() { MAILDESK_NOW=$1 "$DESK" --store "$STORE" "${@:2}"; }
json() { python3 -c 'import json, sys; j = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
D agent add alice alice@helpdesk.test >/dev/null || bail_out "agent add alice"
D agent add bob bob@helpdesk.test >/dev/null || bail_out "agent add bob"

# Good Friday and Easter Monday 2026 are holidays
printf '# Easter 2026\n2026-04-03\n2026-04-06   # Easter Monday\n' >"$STORE/holidays.txt"
cat >>"$STORE/maildesk.conf" <<'CONF'

[sla fast]
priority = high; urgent
first_response = 1h
resolution = 4h
timezone = Europe/Berlin
escalate_priority = raise
escalate_owner = bob

[sla standard]
priority = low; normal
first_response = 4h
next_response = 8h
resolution = 16h
timezone = Europe/Berlin
hours = mon-fri 09:00-17:00
holidays = holidays.txt
escalate_queue = billing
escalate_mail = boss@helpdesk.test
CONF

# ingest_at TIME NAME FROM ID [IN-REPLY-TO]: a customer's mail written
# and received at TIME
ingest_at() {
	local f
	f=$(make_msg "$2" "$3" "$4" "${5:-}")
	sed -i "s/^Date: .*/Date: $(date -u -R -d "$1")/" "$f"
	MAILDESK_NOW=$1 "$DESK" --store "$STORE" ingest --envelope-to support@helpdesk.test <"$f"
}
# line N TARGET: the line of desk sla N about TARGET, blanks squeezed
line() { at "$NOW" sla "$1" | awk -v t="$2" '$2 == t' | tr -s ' '; }

# --- ticket 1: a weekend, the spring DST change, a priority change
# created Fri 27 March 15:00 CET (14:00Z)
check "ticket 1 arrives on Friday afternoon" ingest_at 2026-03-27T14:00:00Z a1 "Ann <ann@customer.test>" a1@customer.test
# first response 4h: 2h on Friday (15-17 CET), DST starts Sunday, then
# Monday 09:00 CEST + 2h = 11:00 CEST = 09:00Z. At Monday 10:00 CEST
# (08:00Z) 3h are used: 1h left
NOW=2026-03-30T08:00:00Z
check_eq "Monday 10:00 CEST: first response has 1h left, due Monday 11:00 CEST" \
	"1 first-response 1h left due 2026-03-30T09:00:00Z standard" "$(line 1 first-response)"
# resolution 16h: Friday 2h, Monday 8h, Tuesday 6h: Tuesday 15:00 CEST = 13:00Z
check_eq "resolution has 13h left, due Tuesday 15:00 CEST" \
	"1 resolution 13h left due 2026-03-31T13:00:00Z standard" "$(line 1 resolution)"
# alice makes it high: policy fast measures the same cycles: first
# response 1h after creation is Friday 16:00 CET (15:00Z); 3h used, 2h over
check "alice raises ticket 1 to high on Monday" at "$NOW" priority 1 high --as alice
check_eq "under the high policy first response is 2h overdue since Friday 16:00 CET" \
	"1 first-response 2h overdue due 2026-03-27T15:00:00Z fast" "$(line 1 first-response)"
check_eq "resolution (4h): Friday 2h, Monday 2h: due 11:00 CEST, 1h left" \
	"1 resolution 1h left due 2026-03-30T09:00:00Z fast" "$(line 1 resolution)"

# --- ticket 2: holidays and a reopen
# created Thu 2 April 15:00 CEST (13:00Z), solved an hour later
check "ticket 2 arrives on Maundy Thursday" ingest_at 2026-04-02T13:00:00Z c1 "Cy <cy@customer.test>" c1@customer.test
check "alice solves it at 16:00 CEST" at 2026-04-02T14:00:00Z status 2 solved --as alice
NOW=2026-04-02T15:00:00Z
check_eq "resolution was met within 16h" "2 resolution met within 16h met 2026-04-02T14:00:00Z standard" \
	"$(line 2 resolution)"
# Cy writes again Tuesday 7 April 09:00 CEST (07:00Z): solved -> open, a new cycle
check "Cy writes again after Easter" ingest_at 2026-04-07T07:00:00Z c2 "Cy <cy@customer.test>" c2@customer.test c1@customer.test
NOW=2026-04-07T10:00:00Z
check_eq "the reopened ticket is open" open "$(at $NOW show 2 --format=json | json 'j["status"]')"
# first response 4h, still not met: Thursday 2h, Friday and Monday are
# holidays, the weekend, Tuesday 09:00 + 2h = 11:00 CEST = 09:00Z; at
# Tuesday 12:00 CEST 1h over
check_eq "first response skips two holidays and a weekend: 1h overdue" \
	"2 first-response 1h overdue due 2026-04-07T09:00:00Z standard" "$(line 2 first-response)"
# resolution restarts at the reopening: Tuesday 09:00-12:00 = 3h used; 13h
# left: Tuesday 5h, Wednesday 8h: Wednesday 17:00 CEST = 15:00Z
check_eq "the reopen restarts resolution: 13h left" \
	"2 resolution 13h left due 2026-04-08T15:00:00Z standard" "$(line 2 resolution)"

# --- ticket 3: the autumn DST change, a pending pause, next response
# created Fri 23 October 15:00 CEST (13:00Z); alice replies and sets it
# pending at 16:00 CEST (14:00Z)
check "ticket 3 arrives on Friday 23 October" ingest_at 2026-10-23T13:00:00Z b1 "Bo <bo@customer.test>" b1@customer.test
check "alice replies an hour later" at 2026-10-23T14:00:00Z reply 3 --as alice --force -m "Which model is it?"
check "and sets it pending" at 2026-10-23T14:00:00Z status 3 pending --as alice
NOW=2026-10-24T10:00:00Z
check_eq "first response met in 1h" "3 first-response met within 4h met 2026-10-23T14:00:00Z standard" \
	"$(line 3 first-response)"
# resolution: 1h used (15-16 CEST), then pending: paused, no due time
check_eq "pending: resolution paused with 15h left" "3 resolution 15h left, paused - standard" \
	"$(line 3 resolution)"
# Bo answers Monday 26 October 10:00 CET (09:00Z), after DST ended on Sunday
check "Bo answers on Monday" ingest_at 2026-10-26T09:00:00Z b2 "Bo <bo@customer.test>" b2@customer.test b1@customer.test
NOW=2026-10-26T12:00:00Z
# next response 8h from Monday 10:00 CET: 3h used at 13:00 CET; 5h left:
# Monday 13-17 4h, Tuesday 09:00 + 1h = 10:00 CET = 09:00Z
check_eq "next response runs from Bo's answer: 5h left" \
	"3 next-response 5h left due 2026-10-27T09:00:00Z standard" "$(line 3 next-response)"
# resolution: 1h Friday + 3h Monday = 4h; 12h left: Monday 4h, Tuesday
# 8h: Tuesday 17:00 CET = 16:00Z
check_eq "resolution resumed after the pause: 12h left" \
	"3 resolution 12h left due 2026-10-27T16:00:00Z standard" "$(line 3 resolution)"

# --- desk list by due time, breaching, JSON
# soonest due not met: 1 (Friday 27 March), 2 (7 April), 3 (27 October)
check_eq "list --sort=due" "1 2 3" "$(at $NOW list --sort=due --format=ids | tr '\n' ' ' | sed 's/ $//')"
check_eq "list --breaching: tickets 1 and 2" "1 2" "$(at $NOW list --breaching --sort=due --format=ids | tr '\n' ' ' | sed 's/ $//')"
check_eq "JSON due and breached" "2026-10-27T09:00:00Z False 2026-03-27T15:00:00Z True" \
	"$(at $NOW list --format=json --sort=due | json '" ".join(str(x) for t in (j[2], j[0]) for x in (t["due"], t["breached"]))')"

# --- desk sla check at Monday 26 October 13:00 CET, late for 1 and 2
out=$(at $NOW sla check)
expect="1: sla-warning first-response (due 2026-03-27T15:00:00Z)
1: sla-breach first-response (due 2026-03-27T15:00:00Z)
1: sla-warning resolution (due 2026-03-30T09:00:00Z)
1: sla-breach resolution (due 2026-03-30T09:00:00Z)
1: set priority urgent
1: set owner bob
2: sla-warning first-response (due 2026-04-07T09:00:00Z)
2: sla-breach first-response (due 2026-04-07T09:00:00Z)
2: sla-warning resolution (due 2026-04-08T15:00:00Z)
2: sla-breach resolution (due 2026-04-08T15:00:00Z)
2: set queue billing
2: mail boss@helpdesk.test"
check_eq "the check writes each warning and breach due, and escalates" "$expect" "$out"
check_eq "ticket 1 was raised to urgent and given to bob" "urgent bob" \
	"$(D show 1 --format=json | json 'j["priority"] + " " + j["owner"]')"
check_eq "ticket 2 moved to billing" billing "$(D show 2 --format=json | json 'j["queue"]')"
mail=$(grep -l '^To: boss@helpdesk.test' "$T"/outbox/*.eml | head -n 1)
check "the manager got mail" test -n "$mail"
check_eq "its subject comes from template sla-breach" "[#2] SLA breach: first-response of ticket #2" \
	"$(header_of "$mail" Subject)"
check "desk show tells the breach" sh -c "'$DESK' --store '$STORE' show 2 | grep -q 'SLA breach: first-response target of 4h'"
ev=$(grep -l '^X-Desk-Event: sla-breach' "$STORE"/mail/*/* | head -n 1)
check "an sla-breach event is an event by the system" grep -q 'by=system' "$ev"

n_before=$(count_files "$STORE/mail/new")$(count_files "$STORE/mail/cur")
check_eq "a second check writes nothing" "" "$(at $NOW sla check)"
# a day later: ticket 3's next response (due Tue 09:00Z) is breached and
# its resolution at 13:00 CET has used 1h + 7h + 4h = 12h = 75 % of 16h
out=$(at 2026-10-27T12:00:00Z sla check)
expect="3: sla-warning next-response (due 2026-10-27T09:00:00Z)
3: sla-breach next-response (due 2026-10-27T09:00:00Z)
3: sla-warning resolution (due 2026-10-27T16:00:00Z)
3: set queue billing
3: mail boss@helpdesk.test"
check_eq "a day later only ticket 3's new warnings and breach" "$expect" "$out"
check_eq "and again nothing" "" "$(at 2026-10-27T12:00:00Z sla check)"
n_mid=$(count_files "$STORE/mail/new")$(count_files "$STORE/mail/cur")
check "desk reindex" D reindex
check_eq "after desk reindex, a check writes nothing" "" "$(at 2026-10-27T12:00:00Z sla check)"
check_eq "the same figures after reindex" "3 resolution 4h left due 2026-10-27T16:00:00Z standard" \
	"$(NOW=2026-10-27T12:00:00Z line 3 resolution)"
cp -a "$STORE" "$T/copy"
check_eq "a check on a copy of the store writes nothing" "" \
	"$(MAILDESK_NOW=2026-10-27T12:00:00Z "$DESK" --store "$T/copy" sla check)"
check_eq "nothing was stored by the idle checks" "$n_mid" \
	"$(count_files "$STORE/mail/new")$(count_files "$STORE/mail/cur")"
check "the first checks stored something" test "$n_before" != "$n_mid"

# --- a Date the sender wrote moves no clock: mail received Wednesday 28
# October 10:00 CET (09:00Z) that claims to be from January
f=$(make_msg d4 "Dan <dan@customer.test>" d4@customer.test "")
sed -i "s/^Date: .*/Date: Mon, 05 Jan 2026 08:00:00 +0000/" "$f"
check "a backdated mail is stored" env MAILDESK_NOW=2026-10-28T09:00:00Z "$DESK" --store "$STORE" ingest \
	--envelope-to support@helpdesk.test <"$f"
t4=$(D list --status any --format ids | sort -n | tail -n 1)
# first response 4h from Wednesday 10:00 CET: 14:00 CET = 13:00Z; at
# 11:00 CET 1h is used, 3h left (from January it would be months overdue)
NOW=2026-10-28T10:00:00Z
check_eq "its first response counts from its delivery: 3h left, due Wednesday 14:00 CET" \
	"$t4 first-response 3h left due 2026-10-28T13:00:00Z standard" "$(line "$t4" first-response)"
# resolution 16h: Wednesday 7h, Thursday 8h, Friday 1h: Friday 10:00 CET = 09:00Z
check_eq "its resolution too: 15h left, due Friday 10:00 CET" \
	"$t4 resolution 15h left due 2026-10-30T09:00:00Z standard" "$(line "$t4" resolution)"
check_eq "a check then writes nothing for it" "" "$(at "$NOW" sla check | grep "^$t4:")"

# --- bad configurations: clear errors with line numbers, at store open and in desk doctor
cp "$STORE/maildesk.conf" "$T/good.conf"
bad_conf() {  # WHAT SED-EXPRESSION EXPECTED-TEXT
	cp "$T/good.conf" "$STORE/maildesk.conf"
	sed -i "$2" "$STORE/maildesk.conf"
	local err rc
	err=$(D list 2>&1)
	rc=$?
	case "$rc:$err" in
	78:*"$3"*) ok "$1: $err" ;;
	*) not_ok "$1" "rc=$rc" "$err" ;;
	esac
	err=$(D doctor 2>&1)
	case "$err" in
	*"$3"*) ok "desk doctor says it too" ;;
	*) not_ok "desk doctor says it too" "$err" ;;
	esac
}
line_of() { grep -n -x "$1" "$T/good.conf" | cut -d: -f1; }
hl=$(line_of 'hours = mon-fri 09:00-17:00')
bad_conf "a calendar with no working hours" "s/^hours = mon-fri 09:00-17:00/hours = sat-sun/" \
	"maildesk.conf:$hl: [sla standard] hours:"
bad_conf "a calendar of days without hours" "s/^hours = mon-fri 09:00-17:00/hours = /" \
	"maildesk.conf:$hl: [sla standard] hours: no working hours"
printf '2026-04-03\n2026-02-30\n' >"$STORE/holidays.txt"
bad_conf "a holiday that is no date" "s/^x//" "holidays.txt:2: not a date YYYY-MM-DD: 2026-02-30"
printf '2026-04-03\n' >"$STORE/holidays.txt"
pl=$(line_of 'priority = high; urgent')
bad_conf "an unknown priority" "s/^priority = high; urgent/priority = high; critical/" \
	"maildesk.conf:$pl: [sla fast] priority: unknown priority (low, normal, high, urgent): critical"
ql=$(line_of 'escalate_queue = billing')
bad_conf "an unknown queue" "s/^escalate_queue = billing/escalate_queue = sales/" \
	"maildesk.conf:$ql: [sla standard] escalate_queue: unknown queue: sales"
cp "$T/good.conf" "$STORE/maildesk.conf"
check "the good configuration works again" D list
test_done
