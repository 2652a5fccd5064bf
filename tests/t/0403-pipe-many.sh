#!/usr/bin/env bash
# 0403-pipe-many.sh: the pipe path with several messages: a mail client
# that pipes tagged messages as one stream (neomutt with pipe_split=no:
# each message, then a newline) gets a refusal that says so and how to
# split them, and nothing is done; one message, numbers one a line, and a
# message file still work; a body that quotes X-Desk-Ticket of another
# ticket never makes desk act on that ticket.
. "$(dirname "$0")/lib.sh"

STORE=$T/store
"$DESK" init --address support@helpdesk.test "$STORE" >/dev/null || bail_out "desk init"
store_conf ack false || bail_out "store_conf"
D() { "$DESK" --store "$STORE" "$@"; }
export MAILDESK_AGENT=alice
D agent add alice alice@helpdesk.test >/dev/null || bail_out "agent add"
for i in 1 2 3; do
	printf 'From: c%d@customer.test\nTo: support@helpdesk.test\nSubject: Trouble %d\nMessage-ID: <pm%d@customer.test>\n\nHelp %d.\n' \
		$i $i $i $i | D ingest --envelope-to support@helpdesk.test || bail_out "ingest"
done
# a customer whose body quotes an X-Desk-Ticket header of ticket 3
printf 'From: c4@customer.test\nTo: support@helpdesk.test\nSubject: Trouble 4\nMessage-ID: <pm4@customer.test>\n\nMy mail client showed:\nX-Desk-Ticket: 3\n' |
	D ingest --envelope-to support@helpdesk.test || bail_out "ingest"
stored() { grep -l "^Message-I[dD]: <pm$1@customer.test>" "$STORE"/mail/cur/* "$STORE"/mail/new/* 2>/dev/null | head -1; }
owner() { D list --status any --format=json | python3 -c 'import json,sys; print([t["owner"] or "-" for t in json.load(sys.stdin) if t["ticket"] == int(sys.argv[1])][0])' "$1"; }

# --- two messages as one stream, as neomutt pipes tagged ones without pipe_split
{ cat "$(stored 1)"; echo; cat "$(stored 2)"; echo; } >"$T/two.txt"
out=$(D take - <"$T/two.txt" 2>&1)
rc=$?
check_eq "take - of two messages on stdin is refused (64)" 64 $rc
case $out in *"more than one message"*"pipe_split"*) ok "the refusal says why and how to split them" ;;
*) not_ok "the refusal says why and how to split them" "$out" ;; esac
check_eq "nothing was done: ticket 1 is nobody's" - "$(owner 1)"
check_eq "nothing was done: ticket 2 is nobody's" - "$(owner 2)"
out=$(D take "$T/two.txt" 2>&1)
check_eq "a file of two messages is refused too" 64 $?

# --- a body quoting X-Desk-Ticket of another ticket
out=$(D take - <"$(stored 4)" 2>&1)
check_eq "a message whose body quotes X-Desk-Ticket: refused (64)" 64 $?
check_eq "ticket 3 was not taken" - "$(owner 3)"
check_eq "ticket 4 was not taken either" - "$(owner 4)"

# --- what works still works
out=$(D take - <"$(stored 1)" 2>&1)
check_eq "one message on stdin: taken" "0 1: alice took the ticket" "$? $out"
out=$(printf '2\n3\n' | D take - 2>&1)
check_eq "numbers on stdin, one a line: each taken" "0 alice alice" "$? $(owner 2) $(owner 3)"
out=$(D close "$(stored 1)" 2>&1)
check_eq "a message file: acted on" "0 1: alice set status solved" "$? $out"

test_done
