#!/bin/bash
# 0140-trust.sh: what a stranger who only sends mail cannot do
# (maildesk-security(7)), through a real Postfix and maildesk-milter, and
# through desk ingest and mail/new where no milter saw the mail:
#  1. text from mail never becomes ticket state: a requester, a Cc, a
#     subject and an attachment name built to inject X-Desk-Set keys leave
#     the ticket as it was, and so does desk reindex;
#  2. a sealed header block (of an event, of an agent's mail) copied onto
#     another message proves nothing: that message is customer mail, on
#     every path, and after desk reindex; a copy of the very message is a
#     redelivery;
#  3. a Message-ID the store has, with other content (in a comment, folded,
#     without brackets, among several), never replaces the stored message:
#     the new text is a message of its own, the old ticket stays;
#  4. participants are exact: the requester, a Cc an agent added, a sender
#     with a valid token; not the desk's own address, not an agent's, not
#     a part of an address, not a name that decodes to an address;
#  5. the same decisions on every path: a blocked sender's mail found in
#     mail/new is held, desk addresses are compared as addresses.
. "$(dirname "$0")/lib.sh"

D() { "$DESK" --store "$STORE" "$@"; }
json() { python3 -c 'import json, sys; j = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
# state N: what desk says of ticket N's state, one line
state() {
	D list --status new,open,pending,on-hold,solved,closed,spam,merged --format=json | python3 -c 'import json, sys
j = [t for t in json.load(sys.stdin) if t["ticket"] == int(sys.argv[1])][0]
print(" ".join(str(x) for x in (j["status"], j["owner"] or "-", j["priority"], ",".join(j["tags"]) or "-",
	",".join(j["cc"]) or "-", j["merged_into"] or "-")))' "$1"
}
stored_with() { grep -l -F -- "$1" "$STORE"/mail/cur/* 2>/dev/null | head -n 1; }
# stored_id ID: the stored file whose Message-ID is ID
stored_id() { grep -l -i -F -x -- "Message-ID: <$1>" "$STORE"/mail/cur/* 2>/dev/null | head -n 1; }
# block FILE: the X-Desk-* header block on top of a stored file, through its seal
block() { awk '/^X-Desk-/ { print; if ($0 ~ /^X-Desk-Seal:/) exit; next } /^[ \t]/ && p { print } { p = /^X-Desk-/ }' "$1"; }
# snapshot NAME: desk's view of every ticket
snapshot() {
	D list --status any --format=json >"$T/$1.list" &&
		for t in $(desk_ids | sort -n); do D show "$t" --format=json || return 1; done >"$T/$1.show"
}
sent_count() { outbox_count; }
wait_outbox() { wait_for "outbox $1" test "$(outbox_count)" -ge "$1"; }
wait_state() { wait_for "ticket $1: $2" sh -c "[ \"\$($DESK --store $STORE show $1 --format=json | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j[\"status\"], j[\"priority\"])')\" = '$2' ]"; }

store_init "$T/store" || bail_out "desk init"
store_conf ack true || bail_out "ack on"
D agent add alice alice@helpdesk.test --name "Alice Agent" >/dev/null || bail_out "agent add alice"
D agent add bob bob@helpdesk.test --name Bob >/dev/null || bail_out "agent add bob"
sed -i 's|^#trusted_networks = .*|trusted_networks = 127.0.0.1/32|' "$STORE/maildesk.conf"
outbox_for_milter || bail_out "outbox"
milter_start || bail_out "maildesk-milter does not start"
pf_start milter || bail_out "postfix does not start"

# ------------------------------------------------ 1. text is never state
f=$(make_msg ann "Ann <ann@customer.test>" ann-1@customer.test "" "Printer on fire")
smtp_send "$f" support@helpdesk.test ann@customer.test >/dev/null || bail_out "ann's mail"
check "ann's ticket is stored" wait_indexed 2 # and its acknowledgement
A=$(desk_ids | head -1)

evil='"x;status=solved;owner=alice;priority=urgent;tag=+pwned;cc=+evil@evil.test;merged-into='$A'"@example.net'
{
	printf 'From: Mallory <%s>\n' "$evil"
	printf 'To: support@helpdesk.test\n'
	printf 'Cc: "y;cc=+evil2@evil.test;status=closed"@example.net, "owner=bob" <z@example.net>\n'
	printf 'Subject: Help; status=closed; owner=bob; merged-into=%s\n' "$A"
	printf 'Message-ID: <mallory-1@example.net>\nDate: Tue, 17 Nov 2009 22:00:00 +0600\n'
	printf 'X-Desk-Event: status\nX-Desk-Set: status=closed; owner=bob\n'
	printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\n'
	printf 'Content-Type: text/plain\n\nplease\n--b\n'
	printf 'Content-Type: application/pdf; name="a;status=solved;owner=bob.pdf"\n'
	printf 'Content-Disposition: attachment; filename="a;status=solved;owner=bob;merged-into=%s.pdf"\n' "$A"
	printf 'Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--b--\n'
} >"$T/mallory.eml"
check "the injecting mail is accepted" smtp_send "$T/mallory.eml" support@helpdesk.test "$evil"
check "it is stored with its acknowledgement" wait_indexed 4
M=$(sed -n 's/^X-Desk-Ticket: //p' "$(stored_id mallory-1@example.net)" | head -1)
mf=$(stored_id mallory-1@example.net)
check_eq "the milter took the X-Desk-Event/Set the mail came with away: its 4 headers only" "4 0" \
	"$(grep -c '^X-Desk-' "$mf") $(grep -c '^X-Desk-Event' "$mf")"
check_eq "mallory's ticket is new, nobody's, normal, untagged, no Cc, not merged" "new - normal - - -" "$(state "$M")"
check_eq "ann's ticket is as it was" "new - normal - - -" "$(state "$A")"
check "the acknowledgement went to mallory's address as it is" wait_outbox 2
ack=$(grep -l -F 'mallory' "$STORE"/mail/cur/* | xargs grep -l '^X-Desk-Event: ack' | head -1)
check_eq "the ack event's set is acked= the whole address and by=system, nothing else" \
	"acked=$evil|by=system" \
	"$(D show "$M" --format=json | json '"|".join(s for m in j["messages"] if m["event"] == "ack" for s in m["set"])')"
check "the stored ack event has no ';' or '=' inside its value" \
	sh -c "grep '^X-Desk-Set: ' '$ack' | grep -q '^X-Desk-Set: acked=%22x%3Bstatus%3Dsolved'"

# an agent blocks the sender: block= carries the address, nothing more
check "desk spam --block" D spam "$M" --block --as alice
check_eq "spam, still nobody's, nothing else changed" "spam - normal - - -" "$(state "$M")"
check_eq "the block list holds the address as it is" "$evil" "$(grep -v '^#' "$STORE/var/blocked" | tail -1)"
check "desk spam --undo --block" D spam "$M" --undo --block --as alice
check_eq "open again (an agent's change), nobody's, nothing else" "open - normal - - -" "$(state "$M")"
check_eq "ann's ticket is still as it was" "new - normal - - -" "$(state "$A")"

# the same mail through desk ingest and into mail/new, where no milter was
sed 's/mallory-1@/mallory-2@/' "$T/mallory.eml" | as_maildesk "$DESK" --store "$STORE" ingest \
	--envelope-to support@helpdesk.test --envelope-from "$evil" >/dev/null
M2=$(sed -n 's/^X-Desk-Ticket: //p' "$(stored_id mallory-2@example.net)" | head -1)
check_eq "through desk ingest: a new ticket that nothing set" "new - normal - - -" "$(state "$M2")"
sed 's/mallory-1@/mallory-3@/' "$T/mallory.eml" >"$STORE/mail/new/1.mallory3.test"
chown maildesk:maildesk "$STORE/mail/new/1.mallory3.test"
D tag "$A" +seen --as bob >/dev/null # any verb indexes mail/new first
M3=$(sed -n 's/^X-Desk-Ticket: //p' "$(stored_id mallory-3@example.net)" | head -1)
check_eq "found in mail/new: a new ticket that nothing set" "new - normal - - -" "$(state "$M3")"
D tag "$A" -seen --as bob >/dev/null

snapshot before1
check "desk reindex" D reindex
snapshot after1
check "desk reindex gives every ticket the same state and messages" \
	sh -c "diff '$T/before1.list' '$T/after1.list' && diff '$T/before1.show' '$T/after1.show'"

# --------------------------------------- 2. a seal proves only its message
# alice (trusted network) comments on ann's ticket with commands
printf 'From: Alice Agent <alice@helpdesk.test>\nTo: support+%s@helpdesk.test\nSubject: note\nMessage-ID: <alice-1@helpdesk.test>\nDate: Tue, 17 Nov 2009 22:00:00 +0600\n\n#priority urgent\n#status pending\nasked the customer\n' "$A" >"$T/alice.eml"
check "alice's comment is accepted" smtp_send "$T/alice.eml" "support+$A@helpdesk.test" alice@helpdesk.test
check "her commands are carried out" wait_state "$A" "pending urgent"
D priority "$A" high --as bob >/dev/null
D priority "$A" low --as bob >/dev/null
D status "$A" open --as bob >/dev/null
before=$(state "$A")
agent_file=$(stored_id alice-1@helpdesk.test)
event_file=$(grep -l '^X-Desk-Set: priority=high' "$STORE"/mail/cur/* | head -1)
check "the agent's mail and bob's event are stored sealed" \
	sh -c "grep -q '^X-Desk-Seal: 2-' '$agent_file' && grep -q '^X-Desk-Seal: 2-' '$event_file'"
# forge FILE NAME: a new message under the block of FILE, with commands
forge() {
	local n=$2
	{
		block "$1"
		printf 'From: Mallory <mallory@evil.test>\nTo: support@helpdesk.test\nSubject: [#%s] re\n' "$A"
		printf 'Message-ID: <forged-%s@evil.test>\nDate: Tue, 17 Nov 2009 22:00:00 +0600\n\n#close\n#priority urgent\nforged-copy %s\n' "$n" "$n"
	} >"$T/$2.eml"
	echo "$T/$2.eml"
}
for src in agent event; do
	file=$agent_file
	[ $src = event ] && file=$event_file
	f=$(forge "$file" "$src-ingest")
	as_maildesk "$DESK" --store "$STORE" ingest --envelope-to support@helpdesk.test <"$f" >/dev/null
	f=$(forge "$file" "$src-new")
	cp "$f" "$STORE/mail/new/1.$src.forged.test" && chown maildesk:maildesk "$STORE/mail/new/1.$src.forged.test"
	D tag "$A" +x --as bob >/dev/null && D tag "$A" -x --as bob >/dev/null
	f=$(forge "$file" "$src-smtp")
	smtp_send "$f" support@helpdesk.test mallory@evil.test >/dev/null
done
check "every forged message is stored" wait_for forged sh -c "[ \$(grep -l 'forged-copy' '$STORE'/mail/cur/* | wc -l) -eq 6 ]"
sleep 1
check_eq "the ticket is as it was after six copied blocks (event's and agent's; ingest, mail/new, SMTP)" \
	"$before" "$(state "$A")"
bad=
for f in $(grep -l 'forged-copy' "$STORE"/mail/cur/*); do
	m=$(sed -n 's/^X-Desk-Match: //p' "$f" | head -1)
	case $m in
	subject-tag*held* | new*) [ "$(block "$f" | grep -c '^X-Desk-Event:')" = 0 ] || bad="$bad $f:event" ;;
	*) bad="$bad $f:$m" ;;
	esac
done
check_eq "each is customer mail: held (not a participant) or new, with no event believed" "" "$bad"
cp "$event_file" "$STORE/mail/new/1.verbatim.test" && chown maildesk:maildesk "$STORE/mail/new/1.verbatim.test"
files=$(count_files "$STORE/mail/cur")
D tag "$A" +x --as bob >/dev/null && D tag "$A" -x --as bob >/dev/null
check_eq "a verbatim copy of the event is a redelivery: no new file" "$((files + 2))" "$(count_files "$STORE/mail/cur")"
check_eq "and changes nothing" "$before" "$(state "$A")"
snapshot before2
check "desk reindex" D reindex
snapshot after2
check "after desk reindex the same tickets and messages" \
	sh -c "diff '$T/before2.list' '$T/after2.list' && diff '$T/before2.show' '$T/after2.show'"
check_eq "the ticket too" "$before" "$(state "$A")"

# ----------------------------------- 3. a known Message-ID, other content
f=$(make_msg carol "Carol <carol@customer.test>" carol-1@customer.test "" "Carol's question")
smtp_send "$f" support@helpdesk.test carol@customer.test >/dev/null
wait_for carol sh -c "grep -q -l needle-carol '$STORE'/mail/cur/*"
C=$(sed -n 's/^X-Desk-Ticket: //p' "$(stored_with needle-carol)" | head -1)
carol_before=$(D show "$C" --format=json | json '(j["requester"], j["subject"], [m["message_id"] for m in j["messages"] if m["event"] != "ack"])')
n=0
for idv in '(<fresh-1@evil.test>) <carol-1@customer.test>' '
 <carol-1@customer.test>' 'carol-1@customer.test' '<carol-1@customer.test> <fresh-2@evil.test>' \
	"<$(printf 'l%.0s' $(seq 1 300))@evil.test>"; do
	n=$((n + 1))
	{
		printf 'From: Mallory <mallory@evil.test>\nTo: support@helpdesk.test\nSubject: takeover %s\n' "$n"
		printf 'Message-ID: %s\nDate: Tue, 17 Nov 2009 22:00:00 +0600\n\ntakeover text %s\n' "$idv" "$n"
	} >"$T/take$n.eml"
	if [ "$n" = 3 ]; then
		as_maildesk "$DESK" --store "$STORE" ingest --envelope-to support@helpdesk.test <"$T/take$n.eml" >/dev/null
	else
		smtp_send "$T/take$n.eml" support@helpdesk.test mallory@evil.test >/dev/null
	fi
done
check "each takeover message is stored" wait_for takeover sh -c "[ \$(grep -l 'takeover text' '$STORE'/mail/cur/* | wc -l) -eq 5 ]"
check_eq "carol's ticket keeps its requester, subject and messages" "$carol_before" \
	"$(D show "$C" --format=json | json '(j["requester"], j["subject"], [m["message_id"] for m in j["messages"] if m["event"] != "ack"])')"
check "carol's ticket is still listed" sh -c "D() { \"$DESK\" --store \"$STORE\" \"\$@\"; }; D list --status any --format ids | grep -qx '$C'"
shown=0
for i in 1 2 3 4 5; do
	f=$(stored_with "takeover text $i")
	t=$(sed -n 's/^X-Desk-Ticket: //p' "$f" | head -1)
	D show "$t" | grep -q "takeover text $i" && shown=$((shown + 1))
done
check_eq "the text of each is shown in a ticket" 5 "$shown"
check_eq "the ones whose id is carol's are marked reused" 4 \
	"$(grep -l 'takeover text' "$STORE"/mail/cur/* | xargs grep -l '^X-Desk-Reused-Message-ID: <carol-1@customer.test>' | wc -l)"
files=$(count_files "$STORE/mail/cur")
sed 's/^Date:/X-Trace: again\nDate:/' "$T/carol.eml" >"$T/carol-again.eml"
smtp_send "$T/carol-again.eml" support@helpdesk.test carol@customer.test >/dev/null
sleep 2
D tag "$C" +x --as bob >/dev/null && D tag "$C" -x --as bob >/dev/null
check_eq "carol's own message again is a redelivery: only the two tag events are new" "$((files + 2))" \
	"$(count_files "$STORE/mail/cur")"
snapshot before3
check "desk reindex" D reindex
snapshot after3
check "after desk reindex the same" sh -c "diff '$T/before3.list' '$T/after3.list' && diff '$T/before3.show' '$T/after3.show'"

# ----------------------------------------------- 4. exact participants
# ann's ticket A: who may write into it by its subject tag or references
pmsg() { # pmsg NAME FROM: a message to A by its subject tag; prints its match
	{
		printf 'From: %s\nTo: support@helpdesk.test\nSubject: Re: [#%s] Printer on fire\n' "$2" "$A"
		printf 'Message-ID: <%s@p.test>\nDate: Tue, 17 Nov 2009 22:00:00 +0600\n\nparticipant check %s\n' "$1" "$1"
	} | as_maildesk "$DESK" --store "$STORE" ingest --envelope-to support@helpdesk.test >/dev/null
	sed -n 's/^X-Desk-Match: //p' "$(stored_id "$1@p.test")" | head -1
}
held() { case $(pmsg "$1" "$2") in *"held: sender not a participant"*) return 0 ;; esac; return 1; }
check_eq "the requester writes in: not held" subject-tag "$(pmsg p1 'Ann <ann@customer.test>')"
check_eq "the requester with another case and a +detail: not held" subject-tag "$(pmsg p2 'ANN <Ann+x@Customer.TEST>')"
check "the desk's own address: held" held p3 'Support <support@helpdesk.test>'
check "an agent's address, not sent through the MTA as an agent: held" held p4 'Alice <alice@helpdesk.test>'
check "a part of the requester's address: held" held p5 'nn@customer.test'
check "the requester's address with more domain: held" held p6 'ann@customer.test.evil'
check "a name that decodes to the requester's address: held" held p7 \
	'=?utf-8?q?Ann_=3Cann=40customer=2Etest=3E?= <eve@evil.test>'
check "a name with the requester's address in an encoded-word, raw: held" held p8 \
	'=?utf-8?q?x_<ann@customer.test>=2C?= <eve@evil.test>'
check_eq "a From of two mailboxes is no sender: held" "subject-tag; held: sender not a participant" \
	"$(pmsg p9 'ann@customer.test, eve@evil.test')"
D cc "$A" add boss@customer.test --as bob >/dev/null
check_eq "a Cc an agent added: not held" subject-tag "$(pmsg p10 'Boss <boss@customer.test>')"
D cc "$A" remove boss@customer.test --as bob >/dev/null
check "once removed: held" held p11 'Boss <boss@customer.test>'
# dave answers through the token address of ann's acknowledgement
ackf=$(grep -l "^To: .*ann@customer.test" "$T"/outbox/*.eml | head -1)
tok=$(header_of "$ackf" Reply-To | sed 's/.*<//; s/>.*//')
check "ann's acknowledgement has a token Reply-To" sh -c "echo '$tok' | grep -q '^support+$A-'"
printf 'From: Dave <dave@partner.test>\nTo: %s\nSubject: about it\nMessage-ID: <dave-1@p.test>\nDate: Tue, 17 Nov 2009 22:00:00 +0600\n\nfrom dave\n' "$tok" |
	as_maildesk "$DESK" --store "$STORE" ingest --envelope-to "$tok" >/dev/null
check_eq "dave by the token: not held" token "$(sed -n 's/^X-Desk-Match: //p' "$(stored_id dave-1@p.test)" | head -1)"
check_eq "dave is a participant from then on" subject-tag "$(pmsg p12 'Dave <dave@partner.test>')"
tl=${tok%@*}
td=${tok#*@}
check "the token's quoted and routed forms reach the desk alike" sh -c "
	printf 'From: Dave <dave@partner.test>\nTo: x\nSubject: again\nMessage-ID: <dave-2@p.test>\n\nmore\n' |
	'$DESK' --store '$STORE' ingest --envelope-to '<@relay.test:\"$tl\"@$td>' >/dev/null &&
	grep -q '^X-Desk-Match: token' \$(grep -l -x 'Message-ID: <dave-2@p.test>' '$STORE'/mail/cur/*)"
snapshot before4
check "desk reindex" D reindex
snapshot after4
check "after desk reindex the same participants decide the same" \
	sh -c "diff '$T/before4.list' '$T/after4.list' && diff '$T/before4.show' '$T/after4.show'"
check "and they still are participants" test "$(pmsg p13 'Dave <dave@partner.test>')" = subject-tag
check "and strangers still are not" held p14 'nn@customer.test'

# -------------------------------------------- 5. on every path the same
D spam "$M" --block --as alice >/dev/null
n0=$(desk_ids | wc -l)
sed 's/mallory-1@/mallory-9@/; s/^Subject: .*/Subject: blocked, found in mail\/new/' "$T/mallory.eml" >"$STORE/mail/new/1.blocked.test"
chown maildesk:maildesk "$STORE/mail/new/1.blocked.test"
sent0=$(outbox_count)
D tag "$A" +x --as bob >/dev/null && D tag "$A" -x --as bob >/dev/null
bf=$(stored_id mallory-9@example.net)
check "a blocked sender's mail found in mail/new is kept" test -n "$bf"
check_eq "and held as blocked" "new; held: sender blocked" "$(sed -n 's/^X-Desk-Match: //p' "$bf" | head -1)"
check_eq "it makes no ticket in the list" "$n0" "$(desk_ids | wc -l)"
sleep 1
check_eq "and gets no acknowledgement" "$sent0" "$(outbox_count)"
f=$(make_msg blocked-plus "M <mallory+x@evil.test>" bp-1@evil.test "" "x")
printf 'mallory@evil.test\n' >>"$STORE/var/blocked"
rc=0; smtp_send "$f" support@helpdesk.test mallory+x@evil.test >/dev/null || rc=$?
check_eq "a +detail variant of a blocked address is refused at SMTP time" 5 "$rc"

test_done
