#!/bin/bash
# 0470-bymail.sh: agents working by mail, through a real Postfix and
# maildesk-milter. An agent is known only from the MTA's word: first a
# forged agent From from an untrusted client is an ordinary customer
# message; then, with the client network trusted (127.0.0.1/32), alice's
# mail to support+N@ is an internal comment, to support+N-reply@ a public
# reply relayed to the requester from the desk address, #commands at the
# top of the body change the ticket, a bad command is answered to her by
# mail, mail to support@ with [#N] is a comment too, and an unknown ticket
# is refused at SMTP time. (Agents known by their SASL login through a real
# Postfix with Cyrus SASL: 0475-sasl.sh; with miltertest: bymail.lua.)
# Proves maildesk-security(7), "Agents (known only from the MTA)".
. "$(dirname "$0")/lib.sh"

py() {
	local code=$1
	shift
	python3 -c "$code" "$@"
}
json_field() { py 'import json, sys; j = json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"; }
ticket_json() { "$DESK" --store "$STORE" list --status any --format=json 2>&1; }
# field N EXPR: EXPR of ticket N in desk list's JSON (t = that ticket)
field() {
	py 'import json, sys
t = [x for x in json.loads(sys.argv[1]) if x["ticket"] == int(sys.argv[2])][0]
print(eval(sys.argv[3]))' "$(ticket_json)" "$1" "$2" 2>&1
}
stored_with() { grep -l -F -- "$1" "$STORE"/mail/cur/* 2>/dev/null | head -n 1; }
# wait_outbox N: until the capture holds N messages (30 s).
wait_outbox() {
	local i
	for i in $(seq 1 300); do
		[ "$(outbox_count)" -ge "$1" ] && return 0
		sleep 0.1
	done
	diag "outbox has $(outbox_count) messages, waiting for $1"
	return 1
}
# msg NAME FROM TO SUBJECT BODY: a message file $T/NAME.eml
msg() {
	printf 'From: %s\nTo: %s\nSubject: %s\nDate: Tue, 17 Nov 2009 22:00:00 +0600\nMessage-ID: <%s@example.test>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n%b' \
		"$2" "$3" "$4" "$1" "$5" >"$T/$1.eml"
	echo "$T/$1.eml"
}

store_init "$T/store" || bail_out "desk init"
"$DESK" --store "$STORE" agent add alice alice@helpdesk.test --name "Alice Agent" >/dev/null || bail_out "agent add alice"
"$DESK" --store "$STORE" agent add bob bob@helpdesk.test --name Bob >/dev/null || bail_out "agent add bob"

outbox_for_milter || bail_out "outbox"

milter_start || bail_out "maildesk-milter does not start"
pf_start milter || bail_out "postfix does not start"

# ------------------------------------------------------------ a customer's ticket
f=$(msg q1 "Rita Requester <requester@example.test>" support@helpdesk.test "Printer on fire" "It burns.\n")
reply=$(smtp_send "$f" support@helpdesk.test requester@example.test) || bail_out "customer mail: $reply"
check "the customer's question is stored" wait_indexed 1
check_eq "it is ticket 1, new" "1 new" "$(field 1 'str(t["ticket"]) + " " + t["status"]')"

# ------------------------------------------------ forged agent From, untrusted
f=$(msg forged "Alice Agent <alice@helpdesk.test>" support+1-reply@helpdesk.test "Re: [#1] Printer on fire" \
	"#close\n#assign bob\n\nForged: we closed it.\n")
if reply=$(smtp_send "$f" support+1-reply@helpdesk.test alice@helpdesk.test); then
	ok "a forged agent From from an untrusted client is accepted (as customer mail)"
else
	not_ok "a forged agent From from an untrusted client is accepted (as customer mail)" "$reply"
fi
check "it is stored" wait_indexed 2
stored=$(stored_with "forged@example.test")
check_eq "it carries no event of ours" "" "$(header_of "$stored" X-Desk-Event 2>/dev/null)"
case $(header_of "$stored" X-Desk-Match) in
agent*) not_ok "its X-Desk-Match is not agent" "$(header_of "$stored" X-Desk-Match)" ;;
*) ok "its X-Desk-Match is not agent ($(header_of "$stored" X-Desk-Match))" ;;
esac
sleep 1
check_eq "its commands are not carried out: ticket 1 stays new, no owner" "new " \
	"$(field 1 't["status"] + " " + (t["owner"] or "")')"
check_eq "nothing is relayed to the requester" 0 "$(outbox_count)"

# ------------------------------------------------------------ trust 127.0.0.1
sed -i 's|^#trusted_networks = .*|trusted_networks = 127.0.0.1/32|' "$STORE/maildesk.conf"
grep -q '^trusted_networks = 127.0.0.1/32' "$STORE/maildesk.conf" || bail_out "cannot set trusted_networks"
kill -HUP "$MILTER_PID"
check "the milter reloads its configuration on SIGHUP" wait_for reload grep -q "configuration reloaded" "$T/milter.log"

# ------------------------------------------------------- comment with commands
f=$(msg c1 "Alice Agent <alice@helpdesk.test>" support+1@helpdesk.test "Re: [#1] Printer on fire" \
	"#take\n#priority high\n#tag +vip +hardware\n\nInternal: needle-comment, the customer is important.\n")
reply=$(smtp_send "$f" support+1@helpdesk.test alice@helpdesk.test)
check_eq "alice's comment to support+1@ is accepted" 0 $?
c1_stored() { grep -l 'c1@example.test' "$STORE"/mail/cur/* 2>/dev/null; }
check "it is stored" wait_for stored c1_stored
stored=$(stored_with "c1@example.test")
check_eq "it is marked as a comment of ticket 1 by alice" "1|mail-comment|by=alice" \
	"$(header_of "$stored" X-Desk-Ticket)|$(header_of "$stored" X-Desk-Event)|$(header_of "$stored" X-Desk-Set)"
check_eq "X-Desk-Match says why" "agent; trusted-network" "$(header_of "$stored" X-Desk-Match)"
owner_is() { [ "$(field 1 't["owner"] or ""')" = "$1" ]; }
check "its commands are carried out: owner alice" wait_for owner owner_is alice
check_eq "owner alice, priority high, status open" "alice high open" \
	"$(field 1 '(t["owner"] or "") + " " + t["priority"] + " " + t["status"]')"
check_eq "tags vip and hardware (desk list tag:vip tag:hardware)" 1 \
	"$("$DESK" --store "$STORE" list --status any --format ids tag:vip and tag:hardware 2>&1)"
check_eq "a comment is not sent to the requester" 0 "$(outbox_count)"
show=$("$DESK" --store "$STORE" show 1 2>&1)
case $show in
*needle-comment*) ok "desk show 1 shows the comment" ;;
*) not_ok "desk show 1 shows the comment" "$show" ;;
esac

# ------------------------------------------------------------- public reply
f=$(msg r1 "Alice Agent <alice@helpdesk.test>" support+1-reply@helpdesk.test "Re: [#1] Printer on fire" \
	"#status pending\n\nHello Rita,\n\nplease pull the plug: needle-reply.\n\nAlice\n")
reply=$(smtp_send "$f" support+1-reply@helpdesk.test alice@helpdesk.test)
check_eq "alice's reply to support+1-reply@ is accepted" 0 $?
check "the reply is relayed (one message to sendmail)" wait_outbox 1
out=$(ls "$T"/outbox/*.eml 2>/dev/null | head -n 1)
check_eq "relayed: From the desk address, in alice's name" 'Alice Agent <support@helpdesk.test>' \
	"$(header_of "$out" From 2>&1 | tr -d '"')"
check_eq "relayed: To the requester" 'Rita Requester <requester@example.test>' "$(header_of "$out" To 2>&1 | tr -d '"')"
case $(header_of "$out" Reply-To 2>&1) in
support+1-??????????@helpdesk.test) ok "relayed: Reply-To carries the ticket's token" ;;
*) not_ok "relayed: Reply-To carries the ticket's token" "$(header_of "$out" Reply-To 2>&1)" ;;
esac
case $(header_of "$out" Message-ID 2>&1) in
"<1."*"@helpdesk.test>") ok "relayed: our own Message-ID with the ticket" ;;
*) not_ok "relayed: our own Message-ID with the ticket" "$(header_of "$out" Message-ID 2>&1)" ;;
esac
case $(header_of "$out" Subject 2>&1) in
*"[#1]"*) ok "relayed: the subject tag" ;;
*) not_ok "relayed: the subject tag" "$(header_of "$out" Subject 2>&1)" ;;
esac
check "relayed: In-Reply-To the ticket's first message" grep -q '^In-Reply-To: <q1@example.test>' "$out"
check "relayed: the text" grep -q "needle-reply" "$out"
if grep -q -e '#status' -e 'X-Desk-' "$out"; then
	not_ok "relayed: no command lines, none of our X-Desk headers" "$(cat "$out")"
else
	ok "relayed: no command lines, none of our X-Desk headers"
fi
check "relayed: the envelope sender is the desk" grep -qx 'support@helpdesk.test' "${out%.eml}.argv.txt"
status_is() { [ "$(field 1 't["status"]')" = "$1" ]; }
check "the command is carried out: status pending" wait_for status status_is pending
reply_copy() { grep -l 'X-Desk-Event: reply' "$STORE"/mail/cur/* 2>/dev/null | xargs -r grep -l needle-reply; }
check "the relayed copy is stored as the reply" wait_for copy reply_copy
printf '[database]\npath=%s\n' "$STORE/mail" >"$T/notmuch-config"
first_response=$(NOTMUCH_CONFIG=$T/notmuch-config notmuch dump --include=properties 'tag:ticket and property:desk.ticket=1' 2>&1 |
	grep -o 'desk.first_response=[0-9]*')
case $first_response in
desk.first_response=[1-9]*) ok "the first response is recorded ($first_response)" ;;
*) not_ok "the first response is recorded" "$first_response" ;;
esac

# ---------------------------------------------------------- failing commands
f=$(msg bad1 "Alice Agent <alice@helpdesk.test>" support+1@helpdesk.test "Re: [#1] Printer on fire" \
	"#assign nobody\n#staus open\n#priority low\n\nTrying.\n")
reply=$(smtp_send "$f" support+1@helpdesk.test alice@helpdesk.test)
check "the error is answered by mail" wait_outbox 2
err=$(ls -t "$T"/outbox/*.eml | head -n 1)
check_eq "the answer goes to alice" "Alice Agent <alice@helpdesk.test>" "$(header_of "$err" To 2>&1 | tr -d '"')"
check "it names the unknown agent" grep -q "'nobody' is not an agent" "$err"
check "it names the unknown command" grep -q "^#staus open: unknown command" "$err"
check "it is an automatic reply" grep -q '^Auto-Submitted: auto-replied' "$err"
check_eq "nothing of that mail was done: alice's, pending, high" "alice pending high" \
	"$(field 1 '(t["owner"] or "") + " " + t["status"] + " " + t["priority"]')"
note() { grep -l 'X-Desk-Event: command-failed' "$STORE"/mail/cur/* 2>/dev/null; }
check "the failure is noted in the ticket" wait_for note note

# ------------------------------------------------ support@ with [#N]: a comment
f=$(msg s1 "Bob <bob@helpdesk.test>" support@helpdesk.test "Re: [#1] Printer on fire" \
	"#queue billing\n\nBilling should look: needle-subject.\n")
reply=$(smtp_send "$f" support@helpdesk.test bob@helpdesk.test)
check_eq "bob's mail to support@ with [#1] is accepted" 0 $?
s1_stored() { grep -l 's1@example.test' "$STORE"/mail/cur/* 2>/dev/null; }
check "it is stored" wait_for stored s1_stored
stored=$(stored_with "s1@example.test")
check_eq "it is a comment in ticket 1 by bob" "1|mail-comment|by=bob" \
	"$(header_of "$stored" X-Desk-Ticket)|$(header_of "$stored" X-Desk-Event)|$(header_of "$stored" X-Desk-Set)"
queue_is() { [ "$(field 1 't["queue"]')" = "$1" ]; }
check "its command is carried out: queue billing" wait_for queue queue_is billing
sleep 1
check_eq "nothing more went out" 2 "$(outbox_count)"

# ------------------------------------------------------------ unknown ticket
f=$(msg u1 "Alice Agent <alice@helpdesk.test>" support+99@helpdesk.test "About 99" "Hm.\n")
reply=$(smtp_send "$f" support+99@helpdesk.test alice@helpdesk.test)
check_eq "mail of an agent to an unknown ticket is refused (5xx)" 5 "$?"
case $reply in
"550 5.1.1"*"no ticket 99"*) ok "the SMTP reply says: 550 5.1.1 no ticket 99" ;;
*) not_ok "the SMTP reply says: 550 5.1.1 no ticket 99" "$reply" ;;
esac
f=$(msg u2 "Alice Agent <alice@helpdesk.test>" support+1-replay@helpdesk.test "Re: [#1]" "Typo.\n")
reply=$(smtp_send "$f" support+1-replay@helpdesk.test alice@helpdesk.test)
check_eq "a mistyped ticket address (support+1-replay@) is refused, not taken as a comment" 5 "$?"

# ------------------------------------------------ the fold survives a rebuild
milter_stop
check "desk reindex" "$DESK" --store "$STORE" reindex
check_eq "after reindex: alice, pending, high, billing" "alice pending high billing" \
	"$(field 1 '(t["owner"] or "") + " " + t["status"] + " " + t["priority"] + " " + t["queue"]')"
check_eq "a reindex relays nothing again" 2 "$(outbox_count)"
test_done
