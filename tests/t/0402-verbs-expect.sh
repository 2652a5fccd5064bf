#!/usr/bin/env bash
# 0402-verbs-expect.sh: verbs that behave as agents expect: desk take of a
# ticket you own already is no change and exit 0 (a pipeline goes on);
# desk cc N list; desk tag lower-cases and says so; desk queue names the
# real queues for an unknown one; desk list --owner of an unknown login
# says so.
. "$(dirname "$0")/lib.sh"

STORE=$T/store
"$DESK" init --address support@helpdesk.test --address billing@helpdesk.test=billing "$STORE" >/dev/null ||
	bail_out "desk init"
store_conf ack false || bail_out "store_conf"
D() { "$DESK" --store "$STORE" "$@"; }
D agent add alice alice@helpdesk.test >/dev/null && D agent add bob bob@helpdesk.test >/dev/null ||
	bail_out "agent add"
export MAILDESK_AGENT=alice
for i in 1 2 3; do
	printf 'From: Rita %d <rita%d@customer.test>\nTo: support@helpdesk.test\nSubject: Trouble %d\nMessage-ID: <vx%d@customer.test>\n\nHelp.\n' \
		$i $i $i $i | D ingest --envelope-to support@helpdesk.test || bail_out "ingest"
done
events() { D show "$1" --format=json | python3 -c 'import json,sys; print(sum(1 for m in json.load(sys.stdin)["messages"] if m["event"]))'; }

# --- take of your own ticket: no change, exit 0
D take 1 >/dev/null || bail_out "take 1"
before=$(events 1)
out=$(D take 1 2>&1)
check_eq "take of a ticket you own: exit 0" 0 $?
check_eq "it says so" "1: already yours" "$out"
check_eq "and stores no event" "$before" "$(events 1)"
out=$(printf '1\n2\n' | D take - 2>&1)
check_eq "take - of one ticket of yours and one free: exit 0" 0 $?
case $out in *"1: already yours"*"2: alice took the ticket"*) ok "one line each" ;; *) not_ok "one line each" "$out" ;; esac
out=$(D list --mine --format=ids | D take - && echo pipeline-went-on)
case $out in *pipeline-went-on) ok "desk list --mine --format=ids | desk take - && next: goes on" ;;
*) not_ok "desk list --mine --format=ids | desk take - && next: goes on" "$out" ;; esac
out=$(D take 3 --as bob >/dev/null; D take 3 2>&1)
check_eq "take of another agent's ticket is still refused (64)" 64 $?

# --- cc N list
D cc 2 add It-Lead@Customer.test >/dev/null && D cc 2 add boss@customer.test >/dev/null || bail_out "cc add"
out=$(D cc 2 list 2>&1)
check_eq "cc 2 list: exit 0" 0 $?
check_eq "cc 2 list: the requester, then the participants, one a line" \
	"requester rita2@customer.test|cc        boss@customer.test|cc        it-lead@customer.test" \
	"$(printf '%s\n' "$out" | head -1)|$(printf '%s\n' "$out" | tail -n +2 | sort | paste -sd'|')"
out=$(D cc 9 list 2>&1)
check_eq "cc of no ticket: 66" 66 $?

# --- tag lower-cases and says so
out=$(D tag 1 +VIP -Later 2>&1)
check_eq "tag +VIP: exit 0" 0 $?
case $out in *"'VIP' taken as 'vip'"*"lower case"*) ok "it says VIP is taken as vip" ;; *) not_ok "it says VIP is taken as vip" "$out" ;; esac
check_eq "the ticket has tag vip" vip "$(D list --format=json | python3 -c 'import json,sys; print(",".join([t["tags"] for t in json.load(sys.stdin) if t["ticket"] == 1][0]))')"
out=$(D tag 1 +vip 2>&1)
case $out in *"taken as"*) not_ok "a lower-case tag: no note" "$out" ;; *) ok "a lower-case tag: no note" ;; esac

# --- queue: an unknown queue names the real ones
out=$(D queue 1 sales 2>&1)
check_eq "queue of an unknown queue: 64" 64 $?
case $out in *"'sales'"*"support, billing"*) ok "it lists the real queues" ;; *) not_ok "it lists the real queues" "$out" ;; esac

# --- list --owner of an unknown login
out=$(D list --owner nobodyhere 2>&1)
check_eq "list --owner of an unknown login: 64" 64 $?
case $out in *nobodyhere*"unknown login"*) ok "it says the login is unknown" ;; *) not_ok "it says the login is unknown" "$out" ;; esac
out=$(D list --owner bob --format=ids 2>/dev/null)
check_eq "list --owner of an agent: his tickets" 3 "$out"
D agent remove bob >/dev/null 2>&1
out=$(D list --owner bob --format=ids 2>"$T/err")
check_eq "a removed agent's tickets are still listed" 3 "$out"
case $(cat "$T/err") in *bob*"not an agent"*) ok "with a word that bob is no agent now" ;;
*) not_ok "with a word that bob is no agent now" "$(cat "$T/err")" ;; esac

test_done
