#!/bin/bash
# 0430-lifecycle.sh: a ticket's life through a real Postfix and
# maildesk-milter: new -> open on the first agent action; a requester's
# reply to pending, on-hold and solved opens it again, each reopen counted;
# desk autoclose closes solved tickets after the cool-off (idempotent,
# --dry-run, --hours, autoclose_hours); mail to a closed ticket starts a
# new ticket linked both ways; desk reindex gives the same state.
. "$(dirname "$0")/lib.sh"

store_init "$T/store" || bail_out "desk init"
"$DESK" --store "$STORE" agent add alice alice@helpdesk.test --name Alice >/dev/null || bail_out "agent add"
chown maildesk:maildesk "$STORE/maildesk.conf"
milter_start || bail_out "maildesk-milter does not start"
pf_start milter || bail_out "postfix does not start"

# D ARGS...: desk as the maildesk user (agents are in its group).
D() { as_maildesk "$DESK" --store "$STORE" "$@"; }
json() { python3 -c 'import json, sys; j = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
# field N EXPR: EXPR of desk show N --format=json (j).
field() { D show "$1" --format=json | json "$2"; }
# send NAME MSGID [IN-REPLY-TO] [SUBJECT]: ann's mail, dated now, through SMTP, then
# wait until it is indexed and its ticket recomputed.
send() {
	local f i
	f=$(make_msg "$1" "Ann <ann@customer.test>" "$2" "${3:-}" "${4:-Question $1}")
	# dated now, a second after the last event (the fold goes by time)
	sleep 1
	sed -i "s/^Date: .*/Date: $(LC_ALL=C date -R)/" "$f"
	smtp_send "$f" support@helpdesk.test ann@customer.test >/dev/null || { diag "smtp_send $1 refused"; return 1; }
	for i in $(seq 1 300); do
		[ -n "$(ticket_of_msgid "$2")" ] && [ "$(count_files "$STORE/mail/new")" -eq 0 ] && return 0
		sleep 0.1
	done
	diag "$2 not indexed" "$(tail -n 5 "$T/milter.log")"
	return 1
}

# ------------------------------------------------------ new -> open
check "ann's question is accepted and indexed" send q1 q1@customer.test
N=$(ticket_of_msgid q1@customer.test)
check_eq "ticket $N starts new" new "$(field "$N" 'j["status"]')"
check "alice takes it" D take "$N" --as alice
check_eq "the first agent action opens it" open "$(field "$N" 'j["status"]')"
check_eq "owned by alice" alice "$(field "$N" 'j["owner"]')"
check_eq "no reopen yet" 0 "$(field "$N" 'j["reopens"]')"

# ------------------------------------------ requester replies reopen
n=0
for st in pending on-hold solved; do
	n=$((n + 1))
	sleep 1  # after ann's last mail: messages and events are ordered by their second
	check "alice sets $st" D status "$N" "$st" --as alice
	check_eq "ticket $N is $st" "$st" "$(field "$N" 'j["status"]')"
	check "ann replies to the $st ticket" send "r$n" "r$n@customer.test" q1@customer.test "Re: Question q1"
	check_eq "her reply joined ticket $N" "$N" "$(ticket_of_msgid "r$n@customer.test")"
	check_eq "the reply to a $st ticket opens it again" open "$(field "$N" 'j["status"]')"
	check_eq "reopens counted: $n" "$n" "$(field "$N" 'j["reopens"]')"
done
case $(D show "$N") in *"Reopens:   3"*) ok "desk show (text) says Reopens: 3" ;;
*) not_ok "desk show (text) says Reopens: 3" "$(D show "$N" | head -n 14)" ;; esac

# ------------------------------------------------------ autoclose
sleep 1
check "alice solves it" D status "$N" solved --as alice
check "ann asks a second question" send q2 q2@customer.test
M=$(ticket_of_msgid q2@customer.test)
check "alice solves that one too" D status "$M" solved --as alice
check "and a third stays open" send q3 q3@customer.test
O=$(ticket_of_msgid q3@customer.test)
check "alice takes it" D take "$O" --as alice

out=$(D autoclose 2>&1)
check_eq "with the default 72 h, nothing just solved is closed" "" "$out"
out=$(D autoclose --hours 1 2>&1)
check_eq "nor with --hours 1" "" "$out"
check_eq "ticket $N still solved" solved "$(field "$N" 'j["status"]')"
out=$(D autoclose --dry-run --hours 0 2>&1)
check_eq "--dry-run --hours 0 names both solved tickets" "$N: would close $M: would close" \
	"$(printf '%s\n' "$out" | sed -E 's/ \(solved [^)]*\)$//' | sort -n | tr '\n' ' ' | sed 's/ $//')"
check_eq "and changes nothing" solved "$(field "$N" 'j["status"]')"
events=$(field "$N" 'len(j["messages"])')
out=$(D autoclose --hours 0 2>&1)
check_eq "--hours 0 closes them and says so" "$N: closed $M: closed" \
	"$(printf '%s\n' "$out" | sed -E 's/ \(solved [^)]*\)$//' | sort -n | tr '\n' ' ' | sed 's/ $//')"
check_eq "ticket $N is closed" closed "$(field "$N" 'j["status"]')"
check_eq "ticket $M is closed" closed "$(field "$M" 'j["status"]')"
check_eq "the open ticket $O is left alone" open "$(field "$O" 'j["status"]')"
check_eq "closed by one event of the system" "X-Desk-Set: status=closed; by=system" \
	"$(grep -l -x "X-Desk-Ticket: $N" "$STORE"/mail/cur/* | xargs grep -h '^X-Desk-Set: status=closed')"
check_eq "one message more in the ticket" "$((events + 1))" "$(field "$N" 'len(j["messages"])')"
out=$(D autoclose --hours 0 2>&1)
rc=$?
check_eq "a second run closes nothing" "0 ''" "$rc '$out'"
check_eq "and adds no event" "$((events + 1))" "$(field "$N" 'len(j["messages"])')"

# the config key instead of --hours
check "ann asks a fourth question" send q4 q4@customer.test
P=$(ticket_of_msgid q4@customer.test)
check "alice solves it" D status "$P" solved --as alice
store_conf autoclose_hours 0
out=$(D autoclose 2>&1)
check_eq "autoclose_hours = 0 in maildesk.conf closes it without --hours" "$P: closed" "$(printf '%s' "$out" | sed -E 's/ \(solved [^)]*\)$//')"
store_conf autoclose_hours 72
check "bad --hours is a usage error" sh -c "! $DESK --store $STORE autoclose --hours -5 2>/dev/null"

# ------------------------------------------ mail to a closed ticket
check "ann replies to closed ticket $N" send late late@customer.test r3@customer.test "Re: Question q1"
K=$(ticket_of_msgid late@customer.test)
check "her reply starts a new ticket" test -n "$K" -a "$K" != "$N"
stored=$(grep -l -F -x "Message-ID: <late@customer.test>" "$STORE"/mail/cur/*)
check_eq "X-Desk-Match says why" "new; follows closed ticket $N" "$(header_of "$stored" X-Desk-Match)"
for i in $(seq 1 100); do
	[ "$(field "$K" 'j["links"]')" != "[]" ] && break
	sleep 0.1
done
check_eq "the new ticket $K links the closed one (follows=$N)" "['follows=$N']" "$(field "$K" 'j["links"]')"
check_eq "the closed ticket links the new one (followed-by=$K)" "['followed-by=$K']" "$(field "$N" 'j["links"]')"
check_eq "ticket $K is new" new "$(field "$K" 'j["status"]')"
check_eq "its requester is ann" ann@customer.test "$(field "$K" 'j["requester"]')"
check_eq "ticket $N stays closed" closed "$(field "$N" 'j["status"]')"
case $(D show "$K") in *"Links:     follows #$N"*) ok "desk show $K (text) shows the link" ;;
*) not_ok "desk show $K (text) shows the link" "$(D show "$K" | head -n 14)" ;; esac
case $(D show "$N") in *"Links:     followed by #$K"*) ok "desk show $N (text) shows the link" ;;
*) not_ok "desk show $N (text) shows the link" "$(D show "$N" | head -n 14)" ;; esac
check "a reply in the new ticket joins it" send late2 late2@customer.test late@customer.test "Re: Question late"
check_eq "ticket $K" "$K" "$(ticket_of_msgid late2@customer.test)"
check_eq "with one link each still" "['follows=$N'] ['followed-by=$K']" \
	"$(field "$K" 'j["links"]') $(field "$N" 'j["links"]')"

# ------------------------------------------------ reindex gives the same
before=$(for t in $N $M $K; do field "$t" '(j["status"], j["reopens"], j["links"])'; done)
check "desk reindex" D reindex
after=$(for t in $N $M $K; do field "$t" '(j["status"], j["reopens"], j["links"])'; done)
check_eq "statuses, reopens and links after reindex" "$before" "$after"

test_done
