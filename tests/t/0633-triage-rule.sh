#!/bin/bash
# 0633-triage-rule.sh: automatic application of triage only through a
# routing rule: `if triage-queue >= X` holds when the queue suggested for
# the new message is at least that confident, and `apply triage` applies
# the suggestion the rule's conditions checked, on the ingest path (the
# milter's rules_decide), as the route event by=system naming the rule.
# A confident ticket is routed, an ambiguous one is not, and a ticket the
# rule routed teaches nothing (the desk's own guess). The figures by hand:
. "$(dirname "$0")/lib.sh"

STORE=$T/store
"$DESK" init --address support@helpdesk.test --address billing@helpdesk.test=billing \
	--address tech@helpdesk.test=tech "$STORE" >/dev/null || bail_out "desk init"
store_conf ack false || bail_out "ack off"
D() { "$DESK" --store "$STORE" "$@"; }
export TZ=UTC
unset MAILDESK_AGENT
D agent add alice alice@helpdesk.test >/dev/null || bail_out "agent add"
W=2026-11-02T09:00:00Z
n=0
mail() { # SUBJECT BODY
	n=$((n + 1))
	printf 'From: c%s@customer.test\nTo: support@helpdesk.test\nSubject: %s\nMessage-ID: <r%s@customer.test>\nDate: %s\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n%s\n' \
		"$n" "$1" "$n" "$(date -u -R -d "$W")" "$2" |
		MAILDESK_NOW=$W D ingest --envelope-to support@helpdesk.test >/dev/null
}
queue_of() { D show "$1" --format=json | python3 -c 'import json,sys; print(json.load(sys.stdin)["queue"])'; }
J() {
	D triage "$1" --format=json >"$T/j.json" || return 1
	python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/j.json" "$2"
}

# --- rules check: apply triage needs a confidence to go by
printf 'rule blind\n  if subject-words zulu\n  apply triage\n' >"$STORE/rules"
out=$(D rules check 2>&1)
check_eq "apply triage without triage-DIM >= X: refused" 1 "$(printf '%s' "$out" | grep -c 'says apply triage, but has no condition')"
printf 'rule r\n  if triage-queue >= 1.5\n  apply triage\n' >"$STORE/rules"
check "a confidence above 1: refused" sh -c "! '$DESK' --store '$STORE' rules check >/dev/null 2>&1"
printf 'rule r\n  if triage-owner >= 0.5\n  apply triage\n' >"$STORE/rules"
check "triage-owner: no such condition" sh -c "'$DESK' --store '$STORE' rules check 2>&1 | grep -q 'unknown condition \"triage-owner\"'"
rm -f "$STORE/rules"

# History, words of no language (as written, not stemmed): 1-3 "zulu kilo"
# set to billing by alice, 4-6 "yankee mike" set to tech.
for i in 1 2 3; do mail "Zulu" "zulu kilo" || bail_out "mail"; done
for i in 1 2 3; do mail "Yankee" "yankee mike" || bail_out "mail"; done
MAILDESK_NOW=$W D queue 1 2 3 billing --as alice >/dev/null || bail_out "queue billing"
MAILDESK_NOW=$W D queue 4 5 6 tech --as alice >/dev/null || bail_out "queue tech"

printf 'rule confident\n  if triage-queue >= 0.95\n  apply triage\n' >"$STORE/rules"
check "rules check takes triage-queue and apply triage" D rules check

# --- 7 "zulu kilo": naive Bayes by hand (desk-triage(1)): V = {zulu kilo
# yankee mike} = 4; billing 3 tickets, 6 terms (zulu 3, kilo 3); tech 3, 6.
#   billing: (3+1)/(6+2) * (3+1)/(6+4) * (3+1)/(6+4) = 0.08
#   tech:    (3+1)/(6+2) * (0+1)/(6+4) * (0+1)/(6+4) = 0.005
# P(billing) = 0.08/0.085 = 0.9412; every neighbour sharing a word is
# billing: nearest 1.0; confidence (0.9412 + 1) / 2 = 0.9706 >= 0.95.
mail "Zulu" "zulu kilo" || bail_out "mail 7"
check_eq "7: routed to billing by the rule" billing "$(queue_of 7)"
check_eq "7: its confidence, as by hand" "billing 0.9706 1.0000 0.9412" \
	"$(J 7 '"%s %.4f %.4f %.4f" % (j["queue"]["suggestions"][0]["label"], j["queue"]["suggestions"][0]["confidence"], j["queue"]["suggestions"][0]["nearest"], j["queue"]["suggestions"][0]["bayes"])')"
ev=$(grep -l "^X-Desk-Event: route" -r "$STORE/mail/cur" "$STORE/mail/new" | xargs grep -l "^X-Desk-Ticket: 7$" | head -1)
check "7: the route event is stored" test -n "$ev"
check "7: by the system" grep -q "^X-Desk-Set: .*by=system" "$ev"
check "7: naming the rule" grep -q "confident" "$ev"

# --- 8 "zulu mike": billing 0.5*(4/10)*(1/10) = tech 0.5*(1/10)*(4/10):
# P = 0.5, far below 0.95: not routed.
mail "Mike" "zulu mike" || bail_out "mail 8"
check_eq "8: ambiguous, not routed (the queue of its address)" support "$(queue_of 8)"
check_eq "8: bayes 0.5 by hand" "0.5000" "$(J 8 '"%.4f" % j["queue"]["suggestions"][0]["bayes"]')"
check_eq "8: no route event" 0 "$(grep -l "^X-Desk-Event: route" -r "$STORE/mail/cur" "$STORE/mail/new" | xargs grep -l "^X-Desk-Ticket: 8$" | wc -l)"

# --- the desk's own guess never teaches: 7 is not in the history
check_eq "history: the six alice labelled, not 7" 6 "$(J 8 'j["history"]')"

# --- a threshold above what it reaches: not routed
printf 'rule strict\n  if triage-queue >= 0.99\n  apply triage\n' >"$STORE/rules"
mail "Zulu" "zulu kilo" || bail_out "mail 9"
check_eq "9: 0.9706 < 0.99: not routed" support "$(queue_of 9)"

# --- not enough history: no condition holds, even <=
printf 'rule low\n  if triage-queue <= 1\n  tag lowconf\n' >"$STORE/rules"
store_conf min_history 50 || bail_out "min_history"
mail "Zulu" "zulu kilo" || bail_out "mail 10"
check_eq "10: not enough history: the condition does not hold" "[]" \
	"$(D show 10 --format=json | python3 -c 'import json,sys; print(json.load(sys.stdin)["tags"])')"
test_done
