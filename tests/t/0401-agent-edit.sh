#!/usr/bin/env bash
# 0401-agent-edit.sh: desk agent add on an agent that exists changes only
# what is given (and says what), never wiping its name and queues; desk
# agent remove warns about the agent's open tickets, naming them, and
# --reassign LOGIN gives them to another agent first (events by the agent
# who acts), refusing a LOGIN that is no other agent.
. "$(dirname "$0")/lib.sh"

STORE=$T/store
"$DESK" init --address support@helpdesk.test --address billing@helpdesk.test=billing "$STORE" >/dev/null ||
	bail_out "desk init"
store_conf ack false || bail_out "store_conf"
D() { "$DESK" --store "$STORE" "$@"; }
unset MAILDESK_AGENT
agent() { # agent LOGIN KEY: KEY of LOGIN in desk agent list --format=json
	D agent list --format=json | python3 -c '
import json, sys
a = [a for a in json.load(sys.stdin) if a["login"] == sys.argv[1]]
v = a[0][sys.argv[2]] if a else "(no agent)"
print(",".join(v) if isinstance(v, list) else v)' "$1" "$2"
}

check "add alice with a name and two queues" D agent add alice alice@helpdesk.test --name "Alice Archer" \
	--queue support --queue billing
check "add bob and carol" sh -c "'$DESK' --store '$STORE' agent add bob bob@helpdesk.test --name Bob &&
	'$DESK' --store '$STORE' agent add carol carol@helpdesk.test --name Carol"

# --- add on an agent that exists: only what is given changes
out=$(D agent add alice alice@helpdesk.test 2>&1)
check_eq "add again with the same address: exit 0" 0 $?
check_eq "her name is kept" "Alice Archer" "$(agent alice name)"
check_eq "her queues are kept" "support,billing" "$(agent alice queues)"
case $out in *alice*unchanged*) ok "it says nothing changed" ;; *) not_ok "it says nothing changed" "$out" ;; esac
out=$(D agent add alice --queue billing 2>&1)
check_eq "add LOGIN --queue, no address: exit 0" 0 $?
check_eq "the queues given replace hers" billing "$(agent alice queues)"
check_eq "her address is kept" alice@helpdesk.test "$(agent alice address)"
check_eq "her name is kept again" "Alice Archer" "$(agent alice name)"
case $out in *"alice: changed queues"*) ok "it names what changed" ;; *) not_ok "it names what changed" "$out" ;; esac
out=$(D agent add alice Alice@Example.Test --name "Alice A." 2>&1)
case $out in *"changed name, address"*) ok "a new address and name: both named" ;; *) not_ok "a new address and name: both named" "$out" ;; esac
check_eq "the new address, in lower case" alice@example.test "$(agent alice address)"
out=$(D agent add dave 2>&1)
check_eq "a new agent without an address is refused (64)" 64 $?
case $out in *dave*address*) ok "the refusal asks for an address" ;; *) not_ok "the refusal asks for an address" "$out" ;; esac
check_eq "dave was not added" "(no agent)" "$(agent dave login)"
out=$(D agent add erin erin@helpdesk.test 2>&1)
check_eq "a new agent: exit 0 and nothing printed" "0:" "$?:$out"

# --- remove: the open tickets of the agent are named
for i in 1 2 3 4; do
	printf 'From: c%d@customer.test\nTo: support@helpdesk.test\nSubject: Trouble %d\nMessage-ID: <ae%d@customer.test>\n\nHelp.\n' \
		$i $i $i | D ingest --envelope-to support@helpdesk.test || bail_out "ingest"
done
D take 1 2 --as bob >/dev/null && D take 3 --as carol >/dev/null && D take 4 --as bob >/dev/null &&
	D close 4 --as bob >/dev/null || bail_out "take"
out=$(D agent remove bob 2>&1)
check_eq "remove bob, who owns open tickets: exit 0" 0 $?
case $out in *"bob still owns 2 open tickets (1, 2)"*) ok "the warning names bob's open tickets, not the solved one" ;;
*) not_ok "the warning names bob's open tickets, not the solved one" "$out" ;; esac
case $out in *"--reassign LOGIN"*"desk assign"*|*"desk assign"*"--reassign LOGIN"*) ok "and says how to give them away" ;;
*) not_ok "and says how to give them away" "$out" ;; esac
check_eq "bob is gone" "(no agent)" "$(agent bob login)"

# --- remove --reassign: carol's tickets go to alice first
out=$(D agent remove carol --reassign bob --as alice 2>&1)
check_eq "--reassign to no agent: refused (64)" 64 $?
case $out in *"--reassign bob"*) ok "the refusal names the login" ;; *) not_ok "the refusal names the login" "$out" ;; esac
check_eq "carol is still an agent" carol "$(agent carol login)"
out=$(D agent remove carol --reassign carol --as alice 2>&1)
check_eq "--reassign to herself: refused (64)" 64 $?
out=$(D agent remove carol --reassign alice --as alice 2>&1)
check_eq "remove carol --reassign alice: exit 0" 0 $?
case $out in *"3: alice assigned to alice"*|*"3: alice took the ticket"*) ok "ticket 3 is given to alice, one line" ;;
*) not_ok "ticket 3 is given to alice, one line" "$out" ;; esac
case $out in *"still owns"*) not_ok "no warning once the tickets are given away" "$out" ;; *) ok "no warning once the tickets are given away" ;; esac
check_eq "ticket 3 is alice's" alice "$(D list --format=json | python3 -c 'import json,sys; print([t["owner"] for t in json.load(sys.stdin) if t["ticket"] == 3][0])')"
check_eq "carol is gone" "(no agent)" "$(agent carol login)"
check "the change is an event by alice in ticket 3" sh -c "'$DESK' --store '$STORE' show 3 --format=json |
	python3 -c 'import json,sys; m=json.load(sys.stdin)[\"messages\"]; sys.exit(0 if any(\"by=alice\" in (x.get(\"set\") or \"\") and \"owner=alice\" in (x.get(\"set\") or \"\") for x in m) else 1)'"
check "agent remove --help names --reassign" sh -c "'$DESK' --store '$STORE' agent --help | grep -q -- --reassign"

test_done
