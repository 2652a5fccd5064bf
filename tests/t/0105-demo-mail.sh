#!/usr/bin/env bash
# 0105-demo-mail.sh: the demo's own mail (contrib/demo-mail, what
# ./bootstrap demo sends) through a real Postfix and maildesk-milter: every
# message accepted and stored, follow-ups threaded, a stranger's answer held,
# legacy charsets read right, HTML as text, a PDF byte for byte, the
# auto-reply and the newsletter kept apart, and the same mail again adds
# nothing. Needs nothing outside the source tree (no corpus).
. "$(dirname "$0")/lib.sh"

store_init "$T/store" || bail_out "desk init"
milter_start || bail_out "maildesk-milter does not start"
pf_start milter || bail_out "postfix does not start"
D() { "$DESK" --store "$STORE" "$@"; }

python3 "$SRCDIR/contrib/demo-mail" --to support@helpdesk.test --billing billing@helpdesk.test \
	"$T/mail" >"$T/list" 2>"$T/demo-mail.err" || bail_out "contrib/demo-mail" "$(cat "$T/demo-mail.err")"
check_eq "contrib/demo-mail writes 21 messages" 21 "$(find "$T/mail" -name '*.eml' | wc -l)"

# send_all: each message of the list with its envelope; prints the refusals.
send_all() {
	local f from rcpt reply
	while IFS=$'\t' read -r f from rcpt; do
		reply=$(smtp_send "$f" "$rcpt" "$from" </dev/null) || echo "$(basename "$f"): $reply"
	done <"$T/list"
}
refused=$(send_all)
check_eq "Postfix and the milter accept every message" "" "$refused"
check "Postfix's queue empties" wait_queue_empty 60
check "all 21 are stored and indexed" wait_indexed 21

json=$(D list --status any --automatic --format=json)
# ticket_of SUBJECT: the number of the ticket with that subject.
ticket_of() {
	python3 -c 'import json, sys
for t in json.loads(sys.argv[1]):
    if t["subject"] == sys.argv[2]:
        print(t["ticket"])' "$json" "$1"
}
# field SUBJECT KEY: a field of that ticket.
field() {
	python3 -c 'import json, sys
for t in json.loads(sys.argv[1]):
    if t["subject"] == sys.argv[2]:
        print(t[sys.argv[3]])' "$json" "$1" "$2"
}

check_eq "14 tickets in all: 12 of people, an auto-reply and a newsletter" 14 \
	"$(python3 -c 'import json, sys; print(len(json.loads(sys.argv[1])))' "$json")"
ooo=$(ticket_of "Risposta automatica: Re: Your request")
news=$(ticket_of "Your weekly service digest")
check "the auto-reply and the newsletter are tickets" test -n "$ooo" -a -n "$news"
check_eq "theirs is no people's activity, everyone else's is" "$ooo:None $news:None 12" \
	"$ooo:$(field "Risposta automatica: Re: Your request" activity) $news:$(field "Your weekly service digest" activity) $(python3 -c 'import json, sys; print(sum(1 for t in json.loads(sys.argv[1]) if t["activity"]))' "$json")"
check_eq "desk list (text) leaves them out: 12 tickets" 12 "$(D list 2>/dev/null | wc -l)"
check "and says so" sh -c "\"$DESK\" --store '$STORE' list 2>&1 >/dev/null | grep -q '2 tickets with automatic mail only not shown'"

# subjects in legacy charsets, as the sender wrote them
printer=$(ticket_of "Drucker im Büro druckt nur noch Hieroglyphen")
facture=$(ticket_of "Problème de facture n° 2024-117")
refund=$(ticket_of "Refund for order #55812 – charged twice")
russian=$(ticket_of "Не приходят письма от клиентов")
japanese=$(ticket_of "パスワードをリセットできません")
check "UTF-8, ISO-8859-1, windows-1252, KOI8-R, ISO-2022-JP subjects read as written" \
	test -n "$printer" -a -n "$facture" -a -n "$refund" -a -n "$russian" -a -n "$japanese"
check_eq "the requester's name in UTF-8 encoded words" "Jürgen Groß" \
	"$(field "Drucker im Büro druckt nur noch Hieroglyphen" requester_name)"

# threading: follow-ups by In-Reply-To and References
check_eq "Jürgen's two follow-ups join his ticket (3 messages)" 3 \
	"$(field "Drucker im Büro druckt nur noch Hieroglyphen" messages)"
check_eq "Françoise's reminder joins hers (2 messages)" 2 "$(field "Problème de facture n° 2024-117" messages)"
check_eq "the ISO-8859-1 follow-up joins the windows-1252 ticket (2 messages)" 2 \
	"$(field "Refund for order #55812 – charged twice" messages)"
check_eq "the multipart/alternative follow-up joins its ticket (2 messages)" 2 \
	"$(field "VPN disconnects every 10 minutes" messages)"
check_eq "mail to billing@ is in queue billing" billing "$(field "Problème de facture n° 2024-117" queue)"
carol=$(grep -l -F 'Message-ID: <cal-sync.carol.1@example.org>' "$STORE"/mail/cur/* | head -n 1)
check "Carol, in Cc but no participant, answers in Bob's ticket: held" \
	grep -q '^X-Desk-Match: [a-z-]*; held: sender not a participant' "$carol"

# bodies
D show "$russian" >"$T/ru" 2>&1
check "KOI8-R body as UTF-8" grep -q 'Со вчерашнего дня нам не приходят письма' "$T/ru"
D show "$japanese" >"$T/jp" 2>&1
check "ISO-2022-JP body as UTF-8" grep -q 'パスワードのリセットメールが届きません' "$T/jp"
D show "$facture" >"$T/fr" 2>&1
check "ISO-8859-1 8bit body as UTF-8" grep -q 'Très cordialement' "$T/fr"
D show "$(ticket_of "Cannot log in since the update")" >"$T/html" 2>&1
check "HTML-only mail shows as text" grep -q 'none of us can log in' "$T/html"
check "without its tags" sh -c "! grep -q '<b>\|<table\|<img' '$T/html'"

# the PDF, byte for byte: what the script wrote, decoded from the stored mail
python3 - "$SRCDIR/contrib/demo-mail" >"$T/sent.pdf" <<-'EOF'
	import sys
	from importlib.machinery import SourceFileLoader
	sys.stdout.buffer.write(SourceFileLoader("demo_mail", sys.argv[1]).load_module().PDF)
	EOF
invoice=$(ticket_of "Invoice 2024-0117 attached - please correct the VAT number")
D show "$invoice" --attachment invoice-2024-0117.pdf >"$T/got.pdf" 2>"$T/got.err"
check "the PDF attachment comes back byte for byte" cmp "$T/sent.pdf" "$T/got.pdf"

# the same mail again: fixed Message-IDs, nothing new
before=$(count_files "$STORE/mail/cur")
refused=$(send_all)
check_eq "sent again, every message is accepted" "" "$refused"
check "Postfix's queue empties again" wait_queue_empty 60
sleep 2
check_eq "and nothing is added" "$before" "$(count_files "$STORE/mail/cur")"
test_done
