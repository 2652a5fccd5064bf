#!/bin/bash
# 0420-ack.sh: the acknowledgement of a new ticket, through a real Postfix
# and maildesk-milter: sent once to the requester with the ticket number,
# the token Reply-To (a reply to it joins the ticket) and Auto-Submitted;
# never for automatic, bulk, list, bounce, null-sender, no-reply or our own
# mail; once per sender per window; the copy stored first; desk ingest as
# LDA acknowledges too; imports and reindex send nothing.
. "$(dirname "$0")/lib.sh"

store_init "$T/store" || bail_out "desk init"
D() { "$DESK" --store "$STORE" "$@"; }

# sendmail(1) stand-in, run by the milter as user maildesk: each message
# to $SENT/NNN.eml, its arguments one a line to NNN.argv.
SENT=$T/sent
mkdir -p "$SENT"
chown maildesk:maildesk "$SENT"
cat >"$T/capture" <<EOF
#!/bin/sh
n=\$(date +%s%N)-\$\$
cat >"$SENT/.\$n" || exit 75
printf '%s\n' "\$@" >"$SENT/\$n.argv"
mv "$SENT/.\$n" "$SENT/\$n.eml"
EOF
chmod 0755 "$T/capture"
store_conf ack true || bail_out "store_conf ack"
store_conf sendmail "$T/capture -oi -t" || bail_out "store_conf sendmail"
unset MAILDESK_SENDMAIL  # lib.sh's default would override the key under test
export MAILDESK_TEMPLATES_DIR=$SRCDIR/templates

milter_start || bail_out "maildesk-milter does not start"
pf_start milter || bail_out "postfix does not start"

# sent_to ADDR: the captured messages whose To is ADDR (with a name or
# without), one path a line.
sent_to() { grep -l -i -x -e "To: $1" -e "To: .* <$1>" "$SENT"/*.eml 2>/dev/null; }
sent_count() { find "$SENT" -name '*.eml' | wc -l; }
# wait_sent_to ADDR [SECONDS]: until a message to ADDR was captured.
wait_sent_to() {
	local i
	for i in $(seq 1 $((${2:-30} * 10))); do
		[ -n "$(sent_to "$1")" ] && return 0
		sleep 0.1
	done
	return 1
}
# smtp_null FILE: send FILE to support@ with a null envelope sender (MAIL FROM:<>).
smtp_null() { python3 "$TESTS_T/smtp-send.py" "$PORT" support@helpdesk.test "" "$1"; }
json() { python3 -c 'import json, sys; j = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }

# ------------------------------------------------------------ one new ticket
ANN=$(make_msg ann "Ann Example <ann@customer.test>" ann-1@customer.test "" "Printer on fire")
check "a new ticket from ann is accepted" smtp_send "$ANN" support@helpdesk.test ann@customer.test
wait_msgid ann-1@customer.test
N=$(ticket_of_msgid ann-1@customer.test)
if wait_sent_to ann@customer.test; then ok "an acknowledgement goes to ann"; else
	not_ok "an acknowledgement goes to ann" "$(tail -n 20 "$T/milter.log")"; fi
ACK=$(sent_to ann@customer.test | head -n 1)
check_eq "exactly one" 1 "$(sent_to ann@customer.test | wc -l)"
check_eq "Auto-Submitted: auto-replied" auto-replied "$(header_of "$ACK" Auto-Submitted)"
check_eq "X-Auto-Response-Suppress: All" All "$(header_of "$ACK" X-Auto-Response-Suppress)"
check_eq "In-Reply-To is ann's message" "<ann-1@customer.test>" "$(header_of "$ACK" In-Reply-To)"
check "From is the desk address" grep -q -i -x "From: .*<support@helpdesk.test>" "$ACK"
subject=$(header_of "$ACK" Subject)
case $subject in *"[#$N]"*"Printer on fire"* | *"Printer on fire"*"[#$N]"*)
	ok "the subject has the ticket's tag [#$N] and ann's subject" ;;
*) not_ok "the subject has the ticket's tag [#$N] and ann's subject" "$subject" ;; esac
check "the body names ticket #$N and greets ann by name (template ack)" \
	grep -q -e "opened ticket #$N " "$ACK"
check "the greeting uses the display name" grep -q -x "Hello Ann Example," "$ACK"
reply_to=$(header_of "$ACK" Reply-To | sed -E 's/.*<([^>]*)>.*/\1/')
case $reply_to in "support+$N-"??????????"@helpdesk.test") ok "Reply-To is support+$N-TOKEN@helpdesk.test" ;;
*) not_ok "Reply-To is support+$N-TOKEN@helpdesk.test" "$reply_to" ;; esac
check_eq "sent with a null envelope sender (-f <>)" "-oi -t -f <>" "$(tr '\n' ' ' <"${ACK%.eml}.argv" | sed 's/ $//')"

show=$(D show "$N" --format=json)
check_eq "the acknowledgement is stored in the ticket (event ack, ours)" 1 \
	"$(printf '%s' "$show" | json 'sum(1 for m in j["messages"] if "ours" in m["tags"] and "event" in m["tags"])')"
ack_id=$(header_of "$ACK" Message-Id | tr -d '<>')
check_eq "the stored copy is the mail sent (same Message-ID)" "$ack_id" \
	"$(printf '%s' "$show" | json '[m["message_id"] for m in j["messages"] if "ours" in m["tags"]][0]')"
check_eq "the acknowledgement changes no state: still new" new "$(printf '%s' "$show" | json 'j["status"]')"
check_eq "and counts as no message" 1 "$(printf '%s' "$show" | json 'j["messages_count"]')"

# a reply to the acknowledgement: to the Reply-To address, and to plain
# support@ quoting the acknowledgement's Message-ID
R1=$(make_msg ann-r1 "Ann Example <ann@customer.test>" ann-2@customer.test "" "Re: $subject")
check "ann's reply to the Reply-To address is accepted" smtp_send "$R1" "$reply_to" ann@customer.test
wait_msgid ann-2@customer.test
check_eq "it joins ticket $N" "$N" "$(ticket_of_msgid ann-2@customer.test)"
check_eq "by its token" token "$(header_of "$(grep -l -F -x 'Message-ID: <ann-2@customer.test>' "$STORE"/mail/cur/*)" X-Desk-Match)"
R2=$(make_msg ann-r2 "Ann Example <ann@customer.test>" ann-3@customer.test "$ack_id" "Re: anything")
check "a reply to the acknowledgement at support@ is accepted" smtp_send "$R2" support@helpdesk.test ann@customer.test
wait_msgid ann-3@customer.test
check_eq "it joins ticket $N by In-Reply-To" "$N" "$(ticket_of_msgid ann-3@customer.test)"

# ------------------------------------------------------ no acknowledgement
# mk NAME FROM HEADER: a new message with one extra header line (may be "").
mk() {
	local f
	f=$(make_msg "$1" "$2" "$1@origin.test" "" "Subject of $1")
	[ -n "$3" ] && sed -i "1i $3" "$f"
	echo "$f"
}
check "auto-submitted mail is accepted" smtp_send "$(mk auto 'Carl <carl@origin.test>' 'Auto-Submitted: auto-replied')" support@helpdesk.test carl@origin.test
check "Precedence: bulk mail is accepted" smtp_send "$(mk bulk 'Dora <dora@origin.test>' 'Precedence: bulk')" support@helpdesk.test dora@origin.test
check "Precedence: junk mail is accepted" smtp_send "$(mk junk 'Jim <jim@origin.test>' 'Precedence: junk')" support@helpdesk.test jim@origin.test
check "list mail (List-Id) is accepted" smtp_send "$(mk list 'Lisa <lisa@origin.test>' 'List-Id: <users.lists.origin.test>')" support@helpdesk.test lisa@origin.test
check "mail with a null envelope sender is accepted" smtp_null "$(mk nullsender 'Nina <nina@origin.test>' '')"
check "a bounce from MAILER-DAEMON is accepted" smtp_null "$(mk bounce 'Mail Delivery System <MAILER-DAEMON@origin.test>' 'X-Failed-Recipients: x@origin.test')"
check "mail from a noreply address is accepted" smtp_send "$(mk noreply 'Shop <no-reply@origin.test>' '')" support@helpdesk.test no-reply@origin.test
check "mail from the desk's own address is accepted" smtp_send "$(mk own 'Support <support@helpdesk.test>' '')" support@helpdesk.test support@helpdesk.test
check "a second new ticket from ann is accepted" smtp_send "$(mk ann-again 'Ann Example <ann@customer.test>' '')" support@helpdesk.test ann@customer.test
# the control: a new sender after all of them (the indexer handles mail in
# order, so once eve has hers, every message above was decided)
check "a new ticket from eve is accepted" smtp_send "$(mk eve 'Eve <eve@origin.test>' '')" support@helpdesk.test eve@origin.test
if wait_sent_to eve@origin.test; then ok "eve gets an acknowledgement"; else
	not_ok "eve gets an acknowledgement" "$(tail -n 20 "$T/milter.log")"; fi
for who in carl dora jim lisa nina mailer-daemon no-reply; do
	check_eq "none to $who@origin.test" "" "$(sent_to "$who@origin.test")"
done
check_eq "none to the desk itself" "" "$(sent_to support@helpdesk.test)"
check_eq "ann's second ticket within the window gets none: still one to ann" 1 "$(sent_to ann@customer.test | wc -l)"
check_eq "two acknowledgements in all (ann, eve)" 2 "$(sent_count)"
t_again=$(ticket_of_msgid ann-again@origin.test)
check "ann's second message did open a ticket of its own" test -n "$t_again" -a "$t_again" != "$N"
tickets=$(desk_ids | wc -l)

# -------------------------------------- desk ingest as LDA acknowledges too
GINA=$(make_msg gina "Gina <gina@origin.test>" gina-1@origin.test "" "Via the LDA")
check "desk ingest (as maildesk) stores gina's message" as_maildesk "$DESK" --store "$STORE" ingest --envelope-to support@helpdesk.test <"$GINA"
if wait_sent_to gina@origin.test 5; then ok "desk ingest acknowledges a new ticket"; else not_ok "desk ingest acknowledges a new ticket"; fi

# ------------------------------------------- imports and reindex send none
before=$(sent_count)
mkdir -p "$T/import/cur" "$T/import/new" "$T/import/tmp"
make_msg old-1 "Olga <olga@origin.test>" old-1@origin.test "" "Old mail" >/dev/null
cp "$T/old-1.eml" "$T/import/cur/1:2,"
{ printf 'From olaf@origin.test Mon Nov 23 10:00:00 2026\n'; cat "$(make_msg old-2 'Olaf <olaf@origin.test>' old-2@origin.test '' 'Old mail 2')"; } >"$T/old.mbox"
check "desk ingest --maildir imports" as_maildesk "$DESK" --store "$STORE" ingest --maildir "$T/import"
check "desk ingest --mbox imports" as_maildesk "$DESK" --store "$STORE" ingest --mbox "$T/old.mbox"
check "the imports made tickets" test -n "$(ticket_of_msgid old-1@origin.test)" -a -n "$(ticket_of_msgid old-2@origin.test)"
check "desk reindex rebuilds" as_maildesk "$DESK" --store "$STORE" reindex
sleep 1  # a follow-up, were there one, would run right after indexing
check_eq "no acknowledgement for imported mail or after reindex" "$before" "$(sent_count)"
check_eq "reindex keeps the tickets" "$((tickets + 3))" "$(desk_ids | wc -l)"

# the window survives the rebuild: it is read from the stored copies
check "a second ticket from eve after reindex is accepted" smtp_send "$(mk eve-again 'Eve <eve@origin.test>' '')" support@helpdesk.test eve@origin.test
check "and a first one from fred" smtp_send "$(mk fred 'Fred <fred@origin.test>' '')" support@helpdesk.test fred@origin.test
wait_sent_to fred@origin.test || diag "no acknowledgement to fred" "$(tail -n 20 "$T/milter.log")"
check_eq "fred gets one, eve no second one" "1 1" "$(sent_to fred@origin.test | wc -l) $(sent_to eve@origin.test | wc -l)"

# ----------------------------------------- window 0 and ack = false
milter_stop
store_conf ack_window_hours 0
milter_start || bail_out "milter restart"
check "with ack_window_hours = 0, another ticket from fred" smtp_send "$(mk fred-2 'Fred <fred@origin.test>' '')" support@helpdesk.test fred@origin.test
for i in $(seq 1 300); do [ "$(sent_to fred@origin.test | wc -l)" -ge 2 ] && break; sleep 0.1; done
check_eq "gets a second acknowledgement" 2 "$(sent_to fred@origin.test | wc -l)"
milter_stop
store_conf ack false
milter_start || bail_out "milter restart"
before=$(sent_count)
check "with ack = false, a new ticket from hugo" smtp_send "$(mk hugo 'Hugo <hugo@origin.test>' '')" support@helpdesk.test hugo@origin.test
wait_msgid hugo@origin.test
sleep 1
check_eq "gets none" "$before" "$(sent_count)"

# sendmail failing: the copy stays stored, mail is not blocked
milter_stop
store_conf ack true
store_conf sendmail /bin/false
milter_start || bail_out "milter restart"
check "with sendmail failing, a new ticket from ivan is accepted" smtp_send "$(mk ivan 'Ivan <ivan@origin.test>' '')" support@helpdesk.test ivan@origin.test
wait_msgid ivan@origin.test
for i in $(seq 1 100); do grep -q "acknowledgement stored, not sent" "$T/milter.log" && break; sleep 0.1; done
check "the failure is logged" grep -q "ticket $(ticket_of_msgid ivan@origin.test): acknowledgement stored, not sent" "$T/milter.log"

# ----------------------------------------- mail that a verb indexes, that verb follows up
milter_stop
store_conf sendmail "$T/capture -oi -t" || bail_out "store_conf sendmail"
D agent add alice alice@helpdesk.test >/dev/null || bail_out "desk agent add"
# drop NAME: a new customer message into mail/new, as virtual(8) delivers it
drop() {
	cp "$(mk "$1" "Customer <$1@origin.test>" "Delivered-To: support@helpdesk.test")" \
		"$STORE/mail/new/$(date +%s).M$RANDOM$RANDOM.$1.mx.helpdesk.test"
}
drop jack
drop kate
t=$(ticket_of_msgid hugo@origin.test)
check "with the milter stopped, desk tag indexes what waits in mail/new" D tag "$t" +waited --as alice
check_eq "and acknowledges it at once, once each" "1 1" \
	"$(sent_to jack@origin.test | wc -l) $(sent_to kate@origin.test | wc -l)"
# a verb and desk ingest indexing and following up at the same time
for r in 1 2 3 4 5 6; do
	drop "lee$r"
	drop "may$r"
	D tag "$t" "+round$r" --as alice >/dev/null 2>&1 &
	D ingest --envelope-to support@helpdesk.test <"$(mk "ned$r" "Ned <ned$r@origin.test>" '')" &
	wait
done
twice=
for r in 1 2 3 4 5 6; do
	for who in "lee$r" "may$r" "ned$r"; do
		[ "$(sent_to "$who@origin.test" | wc -l)" = 1 ] || twice="$twice $who:$(sent_to "$who@origin.test" | wc -l)"
	done
done
check_eq "a verb and desk ingest at once: one acknowledgement each, never two" "" "$twice"

test_done
