#!/usr/bin/env bash
# 0400-verbs.sh: agents and the change verbs (take, assign, unassign,
# status, close, reopen, priority, queue, tag, cc) as a help desk agent
# uses them: each change shows in `desk list` and `desk show`, ticket
# numbers come from arguments, stdin or a message, errors say what is
# wrong with the right exit code, `desk reindex` gives the same state back,
# two agents acting at once never both win, a busy store never hangs.
. "$(dirname "$0")/lib.sh"

STORE=$T/store
"$DESK" init --address support@helpdesk.test --address billing@helpdesk.test=billing "$STORE" >/dev/null ||
	bail_out "desk init"
store_conf ack false || bail_out "store_conf"  # acknowledgements are 0420's
unset MAILDESK_AGENT MAILDESK_STORE
D() { "$DESK" --store "$STORE" "$@"; }
# J EXPR: evaluate a Python expression on `desk list --status any` as JSON,
# with t(N) the ticket N.
J() {
	D list --status any --format=json | python3 -c '
import json, sys
tickets = json.load(sys.stdin)
def t(n): return next(x for x in tickets if x["ticket"] == n)
print(eval(sys.argv[1]))' "$1"
}
# S N EXPR: the same on `desk show N --format=json` (s is the document).
S() {
	D show "$1" --format=json | python3 -c '
import json, sys
s = json.load(sys.stdin)
print(eval(sys.argv[1]))' "$2"
}
# expect_fail DESC CODE PATTERN CMD...: CMD exits CODE and says PATTERN.
expect_fail() {
	local desc=$1 code=$2 pat=$3 out rc
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" = "$code" ] && printf '%s' "$out" | grep -q -- "$pat"; then
		ok "$desc"
	else
		not_ok "$desc" "expected exit $code and '$pat'" "exit $rc: $out"
	fi
}
# mail N FROM SUBJECT [DATE]: a customer message, ingested.
mail() {
	printf 'From: %s\nTo: support@helpdesk.test\nSubject: %s\nDate: %s\nMessage-ID: <c%s@customer.test>\n\nPlease help.\n' \
		"$2" "$3" "${4:-$(date -R)}" "$1" | D ingest --envelope-to support@helpdesk.test
}

# --- agents in STORE/var/agents, its comments kept; maildesk.conf untouched
printf '\n# local note: keep me\n' >>"$STORE/var/agents"
conf_before=$(sha1sum <"$STORE/maildesk.conf")
check "agent add alice" D agent add alice alice@helpdesk.test --name "Alice Archer" --queue support
check "agent add bob" D agent add bob Bob@Helpdesk.test --name "Bob Baker"
check "agent add carol with two queues" D agent add carol carol@helpdesk.test --queue support --queue billing
check_eq "agent list shows the three" "alice bob carol" "$(D agent list | awk '{ print $1 }' | sort | xargs)"
check_eq "agent list --format=json: addresses in lower case, queues" \
	"bob@helpdesk.test support,billing Alice Archer" \
	"$(D agent list --format=json | python3 -c '
import json, sys
a = {x["login"]: x for x in json.load(sys.stdin)}
print(a["bob"]["address"], ",".join(a["carol"]["queues"]), a["alice"]["name"])')"
check "the agents are in STORE/var/agents" grep -qx '\[agent carol\]' "$STORE/var/agents"
check_eq "maildesk.conf is not touched by agent add" "$conf_before" "$(sha1sum <"$STORE/maildesk.conf")"
check_eq "STORE/var/agents is group-writable, nothing for others (0660)" 660 "$(stat -c %a "$STORE/var/agents")"
check "the agents file keeps its comments" grep -q '^# local note: keep me' "$STORE/var/agents"
check "agent remove carol" D agent remove carol
check_eq "carol is gone" "alice bob" "$(D agent list | awk '{ print $1 }' | sort | xargs)"
check "the comments survive a remove" grep -q '^# local note: keep me' "$STORE/var/agents"
expect_fail "agent add with a bad login is refused (64)" 64 "" D agent add 'Bad Login' x@helpdesk.test
check "agent add carol again" D agent add carol carol@helpdesk.test --queue billing
expect_fail "agent without a verb: usage (64)" 64 "usage" D agent

# --- tickets
mail 1 'Ann <ann@customer.test>' 'Printer on fire' 'Mon, 02 Nov 2026 10:00:00 +0000'
mail 2 'Ben <ben@customer.test>' 'Invoice 2211' 'Tue, 03 Nov 2026 10:00:00 +0000'
mail 3 'Cid <cid@customer.test>' 'VPN down' 'Wed, 04 Nov 2026 10:00:00 +0000'
mail 4 'Dee <dee@customer.test>' 'Password reset' 'Thu, 05 Nov 2026 10:00:00 +0000'
check_eq "four new tickets" "4 3 2 1" "$(D list --format=ids | xargs)"
check_eq "all new, nobody's" "new new new new / None" "$(J '" ".join(x["status"] for x in tickets) + " / " + str(set(x["owner"] for x in tickets).pop())')"

# --- who is acting
expect_fail "acting as an unknown agent (--as) is an error (64)" 64 "not an agent" D take 1 --as zed
expect_fail "acting as an unknown agent (\$MAILDESK_AGENT) is an error (64)" 64 "'zed' is not an agent" \
	env MAILDESK_AGENT=zed "$DESK" --store "$STORE" take 1
expect_fail "acting as the login name, not an agent, is an error (64)" 64 "'$(id -un)' is not an agent" D take 1
check_eq "nothing changed by refused verbs" "None" "$(J 't(1)["owner"]')"
check "MAILDESK_AGENT=bob takes ticket 1" env MAILDESK_AGENT=bob "$DESK" --store "$STORE" take 1
check_eq "ticket 1 is bob's and open" "bob open" "$(J 't(1)["owner"] + " " + t(1)["status"]')"
check "--as wins over MAILDESK_AGENT" env MAILDESK_AGENT=bob "$DESK" --store "$STORE" unassign 1 --as alice --force
check_eq "ticket 1 is nobody's again" "None" "$(J 't(1)["owner"]')"
D agent add "$(id -un)" "$(id -un)@helpdesk.test" >/dev/null
check "the login name is the agent when nothing else says" D take 1
check_eq "ticket 1 is $(id -un)'s" "$(id -un)" "$(J 't(1)["owner"]')"
D unassign 1 >/dev/null
D agent remove "$(id -un)"

# --- each verb, seen in desk list and desk show
out=$(D take 1 --as alice)
check_eq "take says what it did" "1: alice took the ticket" "$out"
check_eq "take: owner alice, open" "alice open" "$(J 't(1)["owner"] + " " + t(1)["status"]')"
check_eq "take: desk show --format=json agrees" "alice open" "$(S 1 's["owner"] + " " + s["status"]')"
check "take: desk show has the event inline" sh -c "'$DESK' --store '$STORE' show 1 | grep -q 'alice took the ticket'"
check "assign 2 bob" D assign 2 bob --as alice
check_eq "assign: owner bob" "bob" "$(J 't(2)["owner"]')"
expect_fail "take of bob's ticket without --force is refused, naming bob" 64 "already assigned to bob" D take 2 --as alice
check_eq "it stays bob's" "bob" "$(J 't(2)["owner"]')"
check "unassign 2" D unassign 2 --as bob
check_eq "unassign: no owner" "None" "$(J 't(2)["owner"]')"
check "status 1 pending" D status 1 pending --as alice
check_eq "status: pending" "pending" "$(J 't(1)["status"]')"
check_eq "status: desk show agrees" "pending" "$(S 1 's["status"]')"
# alice: unassign --force (bob's), take (an assign to herself), status pending
check_eq "show --format=json: alice's events say what she did" "unassign: owner= | assign: owner=alice | status: status=pending" \
	"$(S 1 '" | ".join(m["event"] + ": " + " ".join(x for x in m["set"] if not x.startswith("by=")) for m in s["messages"] if m["by"] == "alice")')"
check_eq "show --format=json: mail people wrote has no event, no author, no set" "None None []" \
	"$(S 1 'str(s["messages"][0]["event"]) + " " + str(s["messages"][0]["by"]) + " " + str(s["messages"][0]["set"])')"
check "close 1" D close 1 --as alice
check_eq "close: solved, with solved_at" "solved True" "$(J 't(1)["status"] + " " + str(t(1)["solved_at"] is not None)')"
check "reopen 1" D reopen 1 --as alice
check_eq "reopen: open, one reopen, solved_at cleared" "open 1 None" \
	"$(J 't(1)["status"] + " " + str(t(1)["reopens"]) + " " + str(t(1)["solved_at"])')"
check "status 1 on-hold" D status 1 on-hold --as alice
check_eq "status: on-hold" "on-hold" "$(J 't(1)["status"]')"
check "priority 3 high" D priority 3 high --as bob
check_eq "priority: high" "high" "$(J 't(3)["priority"]')"
check "queue 3 billing" D queue 3 billing --as bob
check_eq "queue: billing" "billing" "$(J 't(3)["queue"]')"
check "tag 3 +vip +hardware" D tag 3 +vip +hardware --as bob
check "tag 3 -vip" D tag 3 -vip --as bob
check_eq "tag: hardware left" "['hardware']" "$(J 't(3)["tags"]')"
check "cc 3 add two participants" sh -c "'$DESK' --store '$STORE' cc 3 add Eve@Partner.test --as bob &&
	'$DESK' --store '$STORE' cc 3 add fay@partner.test --as bob"
check "cc 3 remove one" D cc 3 remove eve@partner.test --as bob
check_eq "cc: fay is left" "['fay@partner.test']" "$(J 't(3)["cc"]')"
check_eq "desk show lists the events of ticket 3 in order" \
	"bob set priority high|bob tagged +vip +hardware|bob tagged -vip" \
	"$(D show 3 | sed -n 's/^--- [^ ]*  //p' | grep '^bob ' | grep -v 'queue\|participants' | paste -sd'|')"
check "desk show has the queue change" sh -c "'$DESK' --store '$STORE' show 3 | sed -n 's/^--- [^ ]*  //p' | grep '^bob ' | grep -q billing"

# --- desk list filters and formats
check_eq "--owner alice" "1" "$(D list --owner alice --format=ids | xargs)"
check_eq "--owner none (people's latest activity first: the agents' events do not count)" "4 3 2" \
	"$(D list --owner none --format=ids | xargs)"
check_eq "--owner none --sort=updated (the latest change of any kind first)" "3 2 4" \
	"$(D list --owner none --sort=updated --format=ids | xargs)"
check_eq "--mine --as alice" "1" "$(D list --mine --as alice --format=ids | xargs)"
check_eq "--mine from \$MAILDESK_AGENT" "1" "$(MAILDESK_AGENT=alice "$DESK" --store "$STORE" list --mine --format=ids | xargs)"
expect_fail "--mine as an unknown agent (64)" 64 "not an agent" D list --mine --as zed
check_eq "--queue billing" "3" "$(D list --queue billing --format=ids | xargs)"
check_eq "--priority high" "3" "$(D list --priority high --format=ids | xargs)"
check_eq "--requester (any case)" "4" "$(D list --requester Dee@Customer.TEST --format=ids | xargs)"
check_eq "--status on-hold" "1" "$(D list --status on-hold --format=ids | xargs)"
check_eq "a notmuch QUERY on the messages" "2" "$(D list 'subject:invoice' --format=ids | xargs)"
check_eq "a QUERY on ticket tags" "3" "$(D list tag:hardware --format=ids | xargs)"
check_eq "--sort=created (newest first)" "4 3 2 1" "$(D list --sort=created --format=ids | xargs)"
check_eq "--sort=age (oldest first)" "1 2 3 4" "$(D list --sort=age --format=ids | xargs)"
check_eq "--sort=priority (high first, then oldest)" "3 1 2 4" "$(D list --sort=priority --format=ids | xargs)"
check_eq "--limit 2 after sorting" "1 2" "$(D list --sort=age --limit 2 --format=ids | xargs)"
check_eq "--until a date: updated before it" "" "$(D list --until 2026-11-01 --format=ids | xargs)"
check_eq "--since and --until (ISO 8601): ticket 4, untouched since its mail" "4" \
	"$(D list --since 2026-11-02T12:00:00Z --until '2026-11-06 00:00' --format=ids | xargs)"
check_eq "--since an age (1h): the tickets agents just changed" "1 2 3" "$(D list --since 1h --format=ids | sort | xargs)"
expect_fail "a bad --since (64)" 64 "bad --since" D list --since yesterday-ish
expect_fail "a bad --sort (64)" 64 "unknown sort" D list --sort=random
expect_fail "a bad --status (64)" 64 "unknown status" D list --status later
expect_fail "a bad --priority (64)" 64 "unknown priority" D list --priority meh
tsv=$(D list --format=tsv | awk -F'\t' '$1 == 3')
check_eq "tsv: number, unseen, status, priority, owner, queue, activity, waiting, requester, subject, messages, created, updated, tags" \
	"3|-|open|high|-|billing|2026-11-04T10:00:00Z|2026-11-04T10:00:00Z|cid@customer.test|VPN down|1|2026-11-04T10:00:00Z|hardware" \
	"$(printf '%s' "$tsv" | awk -F'\t' '{ print $1 "|" $2 "|" $3 "|" $4 "|" $5 "|" $6 "|" $7 "|" $8 "|" $9 "|" $10 "|" $11 "|" $12 "|" $14 }')"
# (terminal widths: 0406-list-readable.sh, under a pseudo-terminal)
text=$(COLUMNS=60 D list)
check_eq "text: one line a ticket, no header through a pipe" 4 "$(printf '%s\n' "$text" | wc -l)"
check "text: nothing is cut through a pipe, whatever COLUMNS says" \
	sh -c 'printf "%s\n" "$1" | grep -q "  dee@customer.test  Password reset$"' _ "$text"
check_eq "text: columns aligned (the requesters, all of three letters, start at the same place)" 1 \
	"$(printf '%s\n' "$text" | awk '{ print index($0, "@customer.test") }' | sort -u | wc -l)"
check "text: no colour when not a terminal" sh -c "! printf '%s' \"\$1\" | grep -q \$'\\033'" _ "$text"

# --- ticket numbers from stdin and from a message
printf '2\n4\n' | D status - pending --as alice >/dev/null
check_eq "numbers on stdin ('-')" "pending pending" "$(J 't(2)["status"] + " " + t(4)["status"]')"
D list --owner none --status pending --format=ids | D close - --as alice >"$T/close.out"
check_eq "desk list --format=ids | desk close -" "solved solved" "$(J 't(2)["status"] + " " + t(4)["status"]')"
check_eq "close says one line per ticket" 2 "$(wc -l <"$T/close.out")"
f=$(grep -l '^X-Desk-Ticket: 4$' "$STORE"/mail/cur/* | head -1)
check "a message file carrying X-Desk-Ticket names its ticket" D take "$f" --as bob
check_eq "take of the message's ticket" "bob" "$(J 't(4)["owner"]')"
check "a message on stdin (a mutt pipe) names its ticket" sh -c "'$DESK' --store '$STORE' priority - urgent --as bob <'$f'"
check_eq "priority of the piped message's ticket" "urgent" "$(J 't(4)["priority"]')"
printf 'From: x@y.test\nSubject: no ticket\n\nbody\n' >"$T/plain"
expect_fail "a message without X-Desk-Ticket (64)" 64 "no ticket" D take "$T/plain" --as bob
expect_fail "garbage on stdin (64)" 64 "not a ticket number" sh -c "echo 'one two' | '$DESK' --store '$STORE' take - --as bob"

# --- bad input
expect_fail "a bad status (64), naming the good ones" 64 "unknown status 'later'" D status 1 later --as alice
expect_fail "status new cannot be set (64)" 64 "unknown status" D status 1 new --as alice
expect_fail "a bad priority (64)" 64 "priority" D priority 1 asap --as alice
expect_fail "an unknown ticket (66)" 66 "no ticket 999" D take 999 --as alice
expect_fail "an unknown agent to assign to (64)" 64 "'zed' is not an agent" D assign 1 zed --as alice
expect_fail "a bad tag (64)" 64 "tag" D tag 1 +Bad/Tag --as alice
expect_fail "a reserved tag (64)" 64 "tag" D tag 1 +ticket --as alice
expect_fail "a bad cc address (64)" 64 "" D cc 1 add not-an-address --as alice
expect_fail "no ticket at all (64)" 64 "which ticket" D take --as alice
expect_fail "an unknown ticket among good ones fails the run (66), the good one is done" 66 "no ticket 998" \
	D priority 3 998 low --as alice
check_eq "the good one was done" "low" "$(J 't(3)["priority"]')"

# --- desk reindex gives every state back
state() {
	D list --status any --format=json
	for n in $(D list --status any --format=ids); do
		D show "$n" --format=json | python3 -c '
import json, sys
s = json.load(sys.stdin)
s.pop("messages", None)
print(json.dumps(s, sort_keys=True))'
	done
}
state >"$T/before.json"
check "desk reindex" D reindex
state >"$T/after.json"
if cmp -s "$T/before.json" "$T/after.json"; then
	ok "the same tickets, states, owners, tags and cc after reindex"
else
	not_ok "the same tickets, states, owners, tags and cc after reindex" "$(diff "$T/before.json" "$T/after.json" | head -20)"
fi

# --- collisions: two agents at once, many rounds, exactly one wins
race() { # race VERB-ARGS-FOR-ALICE -- VERB-ARGS-FOR-BOB: both at once
	local a b
	D "$@" --as alice >"$T/a.out" 2>&1 &
	a=$!
	D "$@" --as bob >"$T/b.out" 2>&1 &
	b=$!
	wait $a
	ra=$?
	wait $b
	rb=$?
}
bad_take=0 bad_assign=0 msg_ok=0 rounds=20
for i in $(seq $rounds); do
	D unassign 3 --as carol --force >/dev/null 2>&1
	race take 3
	owner=$(J 't(3)["owner"]')
	if { [ $ra = 0 ] && [ $rb != 0 ] && [ "$owner" = alice ]; } || { [ $rb = 0 ] && [ $ra != 0 ] && [ "$owner" = bob ]; }; then
		grep -q 'already assigned to' "$T/a.out" "$T/b.out" && msg_ok=$((msg_ok + 1))
	else
		bad_take=$((bad_take + 1))
		diag "take round $i: alice exit $ra ($(cat "$T/a.out")), bob exit $rb ($(cat "$T/b.out")), owner $owner"
	fi
	D unassign 3 --as carol --force >/dev/null 2>&1
	race assign 3 carol
	if [ $((ra == 0)) -eq $((rb != 0)) ] && [ "$(J 't(3)["owner"]')" = carol ]; then
		grep -q 'already assigned to carol' "$T/a.out" "$T/b.out" && msg_ok=$((msg_ok + 1))
	else
		bad_assign=$((bad_assign + 1))
		diag "assign round $i: alice exit $ra ($(cat "$T/a.out")), bob exit $rb ($(cat "$T/b.out"))"
	fi
done
check_eq "two takes at once: exactly one wins, $rounds rounds" 0 "$bad_take"
check_eq "two assigns at once: exactly one wins, $rounds rounds" 0 "$bad_assign"
check_eq "the loser is told who has it, every round" $((2 * rounds)) "$msg_ok"
check_eq "one take event per round in the thread" $rounds \
	"$(S 3 'sum(1 for m in s["messages"] if "took the ticket" in m["text"])')"
check_eq "one assign event per round in the thread" $rounds \
	"$(S 3 'sum(1 for m in s["messages"] if "assigned to carol" in m["text"])')"

# --- a busy store: "store busy" after lock_timeout, no hang
sed -i 's/^#lock_timeout = 10$/lock_timeout = 1/' "$STORE/maildesk.conf"
rm -f "$T/locked"
python3 -c 'import fcntl, sys, time
f = open(sys.argv[1])
fcntl.flock(f, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(8)' "$STORE/lock" "$T/locked" &
holder=$!
bg_track $holder
wait_for "the lock holder" test -e "$T/locked" # not a fixed sleep: a loaded machine is slow to start it
start=$(date +%s%N)
expect_fail "a held store lock: store busy (75)" 75 "store busy" timeout 6 "$DESK" --store "$STORE" take 2 --as alice
ms=$((($(date +%s%N) - start) / 1000000))
if [ $ms -ge 900 ] && [ $ms -lt 4000 ]; then ok "it gave up after lock_timeout (1 s): ${ms} ms"; else not_ok "it gave up after lock_timeout (1 s)" "${ms} ms"; fi
kill $holder 2>/dev/null
wait $holder 2>/dev/null
check "with the lock free again, the verb works" D take 2 --as alice

# --- --limit by last activity reads only the latest days and months:
# the same tickets as cutting the whole list, across days and months
mail 5 'Eve <eve@customer.test>' 'Old one' 'Mon, 05 Oct 2026 10:00:00 +0000'
mail 6 'Fay <fay@customer.test>' 'Older one' 'Mon, 03 Aug 2026 10:00:00 +0000'
mail 7 'Gus <gus@customer.test>' 'Same day' 'Mon, 05 Oct 2026 12:00:00 +0000'
bad=0
for st in any new; do
	all=$(D list --status $st --format=ids | xargs)
	for k in 1 2 3 4 5 6 7 8; do
		got=$(D list --status $st --limit $k --format=ids | xargs)
		want=$(printf '%s\n' $all | head -n $k | xargs)
		[ "$got" = "$want" ] || { bad=$((bad + 1)); diag "--status $st --limit $k: $got, not $want"; }
	done
done
check_eq "--limit K is the first K of the whole list, for every K" 0 "$bad"

test_done
