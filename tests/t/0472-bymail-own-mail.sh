#!/bin/bash
# 0472-bymail-own-mail.sh: commands by mail only from the agent's own mail,
# through a real Postfix and maildesk-milter, with the client network
# trusted (127.0.0.1/32: alice's From makes a mail hers). bob redirects a
# mail of alice's to the desk (Resent-From: bob, From still alice): it is
# stored as an internal comment and none of its commands run, also when it
# went to support+1-reply@ (nothing reaches the requester); alice is told
# why by mail, and desk show has the event line. In multipart/alternative
# mail (here nested in multipart/mixed) commands run only when the text and
# the HTML version have the same command lines, or neither has any: a
# #close only in the HTML version closes nothing and is answered; one in
# both closes the ticket; a reply with none in either is relayed as usual.
# (An authenticated agent whose From is someone else's: 0475-sasl.sh.)
# Proves maildesk-security(7), "Agents (commands only in their own mail)".
. "$(dirname "$0")/lib.sh"

py() {
	local code=$1
	shift
	python3 -c "$code" "$@"
}
# state N: "STATUS OWNER PRIORITY" of ticket N in desk show --format=json
state() {
	py 'import json, sys
t = json.loads(sys.argv[1])
print(t["status"], t["owner"] or "-", t["priority"])' "$("$DESK" --store "$STORE" show "$1" --format=json 2>&1)" 2>&1
}
# shown N MESSAGE-ID EXPR: EXPR of the message MESSAGE-ID (m) in
# desk show N --format=json
shown() {
	py 'import json, sys
j = json.loads(sys.argv[1])
m = [x for x in j["messages"] if x["message_id"] == sys.argv[2]]
if not m:
    sys.exit("(not in ticket)")
print(eval(sys.argv[3], {"m": m[0]}), end="")
' "$("$DESK" --store "$STORE" show "$1" --format=json 2>&1)" "$2" "$3" 2>&1
}
in_ticket() { [ "$(shown "$1" "$2" '"yes"')" = yes ]; }
stored_with() { grep -l -F -- "$1" "$STORE"/mail/cur/* 2>/dev/null | head -n 1; }
# wait_outbox N: until the capture holds N messages (30 s).
wait_outbox() { wait_for outbox eval '[ "$(outbox_count)" -ge '"$1"' ]'; }
# newest_out: the message the capture got last
newest_out() { ls "$T"/outbox/*.eml | sort | tail -n 1; }
# sent_to ADDR: how many captured messages are To ADDR
sent_to() { grep -l -i "^To:.*$1" "$T"/outbox/*.eml 2>/dev/null | wc -l; }
# needle_out NEEDLE: captured messages that hold NEEDLE (one name a line)
needle_out() { grep -l -F -- "$1" "$T"/outbox/*.eml 2>/dev/null; }
# mail_head NAME FROM TO SUBJECT [EXTRA-HEADER-LINES]: the common headers
mail_head() {
	printf 'From: %s\nTo: %s\nSubject: %s\nDate: Tue, 17 Nov 2009 22:00:00 +0600\nMessage-ID: <%s@example.test>\nMIME-Version: 1.0\n%b' \
		"$2" "$3" "$4" "$1" "${5:-}"
}
ALICE="Alice Agent <alice@helpdesk.test>"

store_init "$T/store" || bail_out "desk init"
"$DESK" --store "$STORE" agent add alice alice@helpdesk.test --name "Alice Agent" >/dev/null || bail_out "agent add alice"
"$DESK" --store "$STORE" agent add bob bob@helpdesk.test --name Bob >/dev/null || bail_out "agent add bob"
store_conf trusted_networks 127.0.0.1/32 || bail_out "cannot set trusted_networks"
outbox_for_milter || bail_out "outbox"
milter_start || bail_out "maildesk-milter does not start"
pf_start milter || bail_out "postfix does not start"

# ------------------------------------------------------------ a customer's ticket
{
	mail_head q1 "Rita Requester <requester@example.test>" support@helpdesk.test "Printer on fire"
	printf 'Content-Type: text/plain; charset=utf-8\n\nIt burns.\n'
} >"$T/q1.eml"
reply=$(smtp_send "$T/q1.eml" support@helpdesk.test requester@example.test) || bail_out "customer mail: $reply"
check "the customer's question is stored" wait_indexed 1
check_eq "ticket 1: new, nobody's, normal" "new - normal" "$(state 1)"

# ------------------------------- alice's mail, redirected by bob: a comment only
{
	mail_head rs1 "$ALICE" support+1@helpdesk.test "Re: [#1] Printer on fire" \
		'Resent-From: Bob <bob@helpdesk.test>\nResent-To: support+1@helpdesk.test\nResent-Date: Wed, 18 Nov 2009 09:00:00 +0600\nResent-Message-ID: <resent-rs1@example.test>\n'
	printf 'Content-Type: text/plain; charset=utf-8\n\n#close\n#assign bob\n#priority urgent\n\nRedirected: needle-resent.\n'
} >"$T/rs1.eml"
reply=$(smtp_send "$T/rs1.eml" support+1@helpdesk.test bob@helpdesk.test)
check_eq "alice's mail redirected by bob (Resent-From) to support+1@ is accepted" 0 $?
check "it is stored in ticket 1" wait_for stored in_ticket 1 rs1@example.test
stored=$(stored_with "rs1@example.test")
check_eq "the stored file: a comment by alice, commands=no-resent" "1|mail-comment|by=alice; commands=no-resent" \
	"$(header_of "$stored" X-Desk-Ticket)|$(header_of "$stored" X-Desk-Event)|$(header_of "$stored" X-Desk-Set)"
check_eq "desk show --format=json: event mail-comment by alice, set by=alice commands=no-resent" \
	"mail-comment|alice|by=alice commands=no-resent" \
	"$(shown 1 rs1@example.test 'm["event"] + "|" + m["by"] + "|" + " ".join(m["set"])')"
check "alice is told by mail (one message to the capture)" wait_outbox 1
out=$(newest_out)
check_eq "the answer goes to alice" "Alice Agent <alice@helpdesk.test>" "$(header_of "$out" To 2>&1 | tr -d '"')"
check "it says why: Resent-* headers" grep -q "its commands were not taken: it carries Resent-\* headers" "$out"
check "it says what became of the mail" grep -q "stored in the ticket as an internal comment only" "$out"
check "it is an automatic reply" grep -q '^Auto-Submitted: auto-replied' "$out"
sleep 1
# (an agent's mail in a new ticket opens it, as any of theirs does)
check_eq "none of its commands ran: ticket 1 open, not bob's, not urgent (desk show --format=json)" "open - normal" \
	"$(state 1)"
show=$("$DESK" --store "$STORE" show 1 2>&1)
case $show in
*"--- "*"mail from alice: its commands were not taken: it carries Resent-* headers"*)
	ok "desk show 1 has the event line of it" ;;
*) not_ok "desk show 1 has the event line of it" "$show" ;;
esac

# --------------------------- redirected to support+1-reply@: not sent to Rita
{
	mail_head rs2 "$ALICE" support+1-reply@helpdesk.test "Re: [#1] Printer on fire" \
		'Resent-From: bob@helpdesk.test\nResent-Date: Wed, 18 Nov 2009 09:05:00 +0600\n'
	printf 'Content-Type: text/plain; charset=utf-8\n\n#status pending\n\nHello Rita, redirected: needle-resent-reply.\n'
} >"$T/rs2.eml"
reply=$(smtp_send "$T/rs2.eml" support+1-reply@helpdesk.test bob@helpdesk.test)
check_eq "alice's reply redirected by bob to support+1-reply@ is accepted" 0 $?
check "it is stored in ticket 1" wait_for stored in_ticket 1 rs2@example.test
check_eq "it is a comment, not a reply (event, set)" "mail-comment|by=alice commands=no-resent" \
	"$(shown 1 rs2@example.test 'm["event"] + "|" + " ".join(m["set"])')"
check "alice is told by mail" wait_outbox 2
check_eq "that answer goes to alice" "Alice Agent <alice@helpdesk.test>" "$(header_of "$(newest_out)" To 2>&1 | tr -d '"')"
sleep 1
check_eq "nothing went to the requester" 0 "$(sent_to requester@example.test)"
check_eq "its text went nowhere" "" "$(needle_out needle-resent-reply)"
check_eq "its #status pending did not run" "open - normal" "$(state 1)"

# ------------------------ multipart/alternative: #close only in the HTML part
{
	mail_head alt1 "$ALICE" support+1@helpdesk.test "Re: [#1] Printer on fire"
	cat <<-'EOF'
	Content-Type: multipart/mixed; boundary="mixed-1"

	--mixed-1
	Content-Type: multipart/alternative; boundary="alt-1"

	--alt-1
	Content-Type: text/plain; charset=utf-8

	Still looking into it: needle-htmlonly.

	--alt-1
	Content-Type: text/html; charset=utf-8

	<html><body><p>#close</p><p>Still looking into it: needle-htmlonly.</p></body></html>

	--alt-1--

	--mixed-1
	Content-Type: application/octet-stream
	Content-Disposition: attachment; filename="log.bin"
	Content-Transfer-Encoding: base64

	AAECAw==

	--mixed-1--
	EOF
} >"$T/alt1.eml"
reply=$(smtp_send "$T/alt1.eml" support+1@helpdesk.test alice@helpdesk.test)
check_eq "alice's mail with #close only in its HTML part is accepted" 0 $?
check "it is stored in ticket 1" wait_for stored in_ticket 1 alt1@example.test
check_eq "it is alice's comment, commands not off at SMTP time" "mail-comment|by=alice" \
	"$(shown 1 alt1@example.test 'm["event"] + "|" + " ".join(m["set"])')"
check "alice is told that the versions differ" wait_outbox 3
out=$(newest_out)
check_eq "the answer goes to alice" "Alice Agent <alice@helpdesk.test>" "$(header_of "$out" To 2>&1 | tr -d '"')"
check "it says the text and HTML versions differ" grep -q "its text and HTML versions do not have the same command lines" "$out"
sleep 1
check_eq "the ticket is not closed" "open - normal" "$(state 1)"

# -------------------------------- a reply with commands in neither version
{
	mail_head alt2 "$ALICE" support+1-reply@helpdesk.test "Re: [#1] Printer on fire"
	cat <<-'EOF'
	Content-Type: multipart/alternative; boundary="alt-2"

	--alt-2
	Content-Type: text/plain; charset=utf-8

	Hello Rita, please unplug it: needle-neither.

	--alt-2
	Content-Type: text/html; charset=utf-8

	<div>Hello Rita, please unplug it: needle-neither.</div>

	--alt-2--
	EOF
} >"$T/alt2.eml"
reply=$(smtp_send "$T/alt2.eml" support+1-reply@helpdesk.test alice@helpdesk.test)
check_eq "alice's reply with no command in either version is accepted" 0 $?
check "it is relayed" wait_outbox 4
out=$(newest_out)
check_eq "relayed to the requester" 'Rita Requester <requester@example.test>' "$(header_of "$out" To 2>&1 | tr -d '"')"
check "relayed: the text" grep -q "needle-neither" "$out"
check_eq "nothing else went out (no answer to alice)" 4 "$(outbox_count)"

# ----------------------------------------- #close in both versions: closed
{
	mail_head alt3 "$ALICE" support+1@helpdesk.test "Re: [#1] Printer on fire"
	cat <<-'EOF'
	Content-Type: multipart/mixed; boundary="mixed-3"

	--mixed-3
	Content-Type: multipart/alternative; boundary="alt-3"

	--alt-3
	Content-Type: text/plain; charset=utf-8

	#close

	Solved by unplugging: needle-agree.

	--alt-3
	Content-Type: multipart/related; boundary="rel-3"

	--rel-3
	Content-Type: text/html; charset=utf-8

	<div>#close</div><div><br></div><div>Solved by unplugging: needle-agree.</div>

	--rel-3--

	--alt-3--

	--mixed-3--
	EOF
} >"$T/alt3.eml"
reply=$(smtp_send "$T/alt3.eml" support+1@helpdesk.test alice@helpdesk.test)
check_eq "alice's mail with #close in both versions is accepted" 0 $?
status_is() { [ "$(state 1)" = "$1" ]; }
check "the ticket is closed (solved)" wait_for closed status_is "solved - normal"
sleep 1
check_eq "no answer to alice" 4 "$(outbox_count)"

# ------------------------------------------------ the same after a rebuild
milter_stop
check "desk reindex" "$DESK" --store "$STORE" reindex
check_eq "after reindex: the redirected mails are still comments with commands=no-resent" \
	"mail-comment|by=alice commands=no-resent mail-comment|by=alice commands=no-resent" \
	"$(shown 1 rs1@example.test 'm["event"] + "|" + " ".join(m["set"])') $(shown 1 rs2@example.test 'm["event"] + "|" + " ".join(m["set"])')"
check_eq "after reindex: solved, nobody's, normal" "solved - normal" "$(state 1)"
check_eq "a reindex sends nothing again" 4 "$(outbox_count)"
test_done
