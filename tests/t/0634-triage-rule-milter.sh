#!/bin/bash
# 0634-triage-rule-milter.sh: the routing rule `if triage-queue >= X` /
# `apply triage` (maildesk-rules(5)) on the milter path: a real Postfix and
# maildesk-milter, run as the maildesk user, route a confident new ticket
# to the suggested queue (the route event by=system naming the rule) and
# leave an ambiguous one alone. The history and the figures are those of
# 0633-triage-rule.sh (worked out by hand there: 0.9706 and 0.5).
. "$(dirname "$0")/lib.sh"

ensure_maildesk_user || bail_out "no maildesk user"
"$DESK" init --address support@helpdesk.test --address billing@helpdesk.test=billing \
	--address tech@helpdesk.test=tech "$T/store" >/dev/null || bail_out "desk init"
STORE=$(cd "$T/store" && pwd)
store_conf ack false || bail_out "ack off"
chown -R maildesk:maildesk "$STORE" || bail_out "chown"
D() { as_maildesk "$DESK" --store "$STORE" "$@"; }
I() { as_maildesk "$DESK" --store "$STORE" ingest --envelope-to support@helpdesk.test; }
D agent add alice alice@helpdesk.test >/dev/null || bail_out "agent add"
D agent add bob bob@helpdesk.test >/dev/null || bail_out "agent add"
queue_of() { D show "$1" --format=json | python3 -c 'import json,sys; print(json.load(sys.stdin)["queue"])'; }

n=0
hist() { # SUBJECT BODY
	n=$((n + 1))
	printf 'From: h%s@customer.test\nTo: support@helpdesk.test\nSubject: %s\nMessage-ID: <h%s@customer.test>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n%s\n' \
		"$n" "$1" "$n" "$2" | I >/dev/null
}
for i in 1 2 3; do hist "Zulu" "zulu kilo" || bail_out "history"; done
for i in 1 2 3; do hist "Yankee" "yankee mike" || bail_out "history"; done
D queue 1 2 3 billing --as alice >/dev/null || bail_out "queue billing"
D queue 4 5 6 tech --as bob >"$T/q.err" 2>&1 || bail_out "queue tech: $(cat "$T/q.err")"
printf 'rule confident\n  if triage-queue >= 0.95\n  apply triage\n' >"$STORE/rules"
chown -R maildesk:maildesk "$STORE"
check "desk rules check: the file is good" D rules check

milter_start || bail_out "maildesk-milter does not start"
pf_start milter || bail_out "postfix does not start"

msg() { # NAME SUBJECT BODY
	local f=$T/$1.eml
	printf 'From: %s@customer.test\nTo: support@helpdesk.test\nSubject: %s\nDate: %s\nMessage-ID: <%s@customer.test>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n%s\n' \
		"$1" "$2" "$(LC_ALL=C date -R)" "$1" "$3" >"$f"
	echo "$f"
}
stored_of() { grep -l -F -x "Message-ID: <$1@customer.test>" "$STORE"/mail/cur/* 2>/dev/null | head -n 1; }
ticket_of() { local f; f=$(stored_of "$1") && [ -n "$f" ] && header_of "$f" X-Desk-Ticket; }
send() { # NAME SUBJECT BODY: through SMTP, then until indexed
	local f i
	f=$(msg "$@")
	smtp_send "$f" support@helpdesk.test "$1@customer.test" >"$T/reply" || return 1
	for i in $(seq 1 300); do
		if [ -n "$(ticket_of "$1")" ] && [ "$(count_files "$STORE/mail/new")" -eq 0 ]; then
			sleep 0.3
			return 0
		fi
		sleep 0.1
	done
	diag "$1 not indexed" "$(tail -n 5 "$T/milter.log")"
	return 1
}
route_of() { grep -l "^X-Desk-Event: route" "$STORE"/mail/cur/* 2>/dev/null | xargs -r grep -l "^X-Desk-Ticket: $1\$" | head -n 1; }

check "a confident message goes through the milter" send sure "Zulu" "zulu kilo"
t=$(ticket_of sure)
for i in $(seq 1 50); do [ -n "$(route_of "$t")" ] && break; sleep 0.1; done
check_eq "routed to the suggested queue" billing "$(queue_of "$t")"
check "the stored copy names the rule (X-Desk-Rule)" grep -q "^X-Desk-Rule: confident" "$(stored_of sure)"
ev=$(route_of "$t")
check "the route event, by the system" grep -q "^X-Desk-Set: .*by=system" "${ev:-/dev/null}"

check "an ambiguous message goes through" send unsure "Mike" "zulu mike"
t=$(ticket_of unsure)
check_eq "not routed: the queue of its address" support "$(queue_of "$t")"
check "no rule named on it" sh -c "! grep -q '^X-Desk-Rule:' '$(stored_of unsure)'"
check "the milter did not log a triage failure" sh -c "! grep -q 'rules: no triage' '$T/milter.log'"
test_done
