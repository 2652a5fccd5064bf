#!/bin/bash
# 0415-charsets.sh: what the desk sends reads as it was written, in any
# script. Through a real Postfix and maildesk-milter, for five kinds of
# text (ASCII, Latin-1 letters only, Latin-1 with € and —, CJK, emoji) in
# bodies, subjects and display names, every kind of outbound mail: the
# acknowledgement, desk reply (-m, stdin, $EDITOR, --template, --kb,
# --attach), desk close --template, desk comment's mail to the other
# agents, a reply by mail relayed to the requester, the answer to an agent
# whose command failed, and the notifications of the owner (a customer
# wrote, a ticket was assigned). Each captured message is read with
# Python's email package (policy=default: RFC 2047 words decoded, each
# text part decoded with the charset it declares, strictly) and compared
# with the text the agent, the template or the customer wrote, character
# for character (tests/t/mail-expect.py).
. "$(dirname "$0")/lib.sh"

store_init "$T/store" || bail_out "desk init"
D() { as_maildesk "$DESK" --store "$STORE" "$@"; }
EXPECT=$TESTS_T/mail-expect.py

# sendmail(1) stand-in, run by the milter and desk as user maildesk: each
# message to $SENT/TIME-PID.eml (names sort in the order they came).
SENT=$T/sent
mkdir -p "$SENT"
chown maildesk:maildesk "$SENT"
cat >"$T/capture" <<EOF
#!/bin/sh
n=\$(date +%s%N)-\$\$
cat >"$SENT/.\$n" || exit 75
mv "$SENT/.\$n" "$SENT/\$n.eml"
EOF
chmod 0755 "$T/capture"
store_conf ack true || bail_out "store_conf ack"
store_conf sendmail "$T/capture -oi -t" || bail_out "store_conf sendmail"
store_conf trusted_networks 127.0.0.1/32 || bail_out "store_conf trusted_networks"
unset MAILDESK_SENDMAIL MAILDESK_AGENT VISUAL
export MAILDESK_TEMPLATES_DIR=$SRCDIR/templates

# ------------------------------------------------------------ the texts
KINDS=(ascii latin1 mixed cjk emoji)
# the requester's name, the ticket's subject, the customer's first and second mail
CNAME=("Ann Example" "Jürgen Müller" "Zoë Weiß — €uro Büro" "山田太郎" "Kim 🎉 Lee")
SUBJ=("Printer on fire" "Drucker brennt, Grüße aus Köln" "Rechnung über 50 € — falsch" \
	"プリンターが燃えています" "Printer 🔥 on fire 🚒")
ASK=("The printer is on fire.\nPlease help." "Der Drucker brennt. Schöne Grüße, Jürgen Müller.\nÀ bientôt, ça va? ÿ" \
	"Die Rechnung über 50 € ist falsch — bitte prüfen.\nGrüße, Zoë" \
	"プリンターが燃えています。\n至急お願いします。" "The printer is 🔥!\nHelp 🙏 please 👍")
MORE=("It is still smoking." "Er qualmt noch, Grüße." "Noch offen: 50 € — Grüße" \
	"まだ煙が出ています。" "Still smoking 💨😱")
# two agents of each kind: A owns the ticket, B is a colleague
ANAME=("Alice Agent" "Jörg Ångström" "Renée Faßbender — €" "鈴木花子" "Bob 🤖 Bot")
BNAME=("Bert Agent" "Bärbel Höß" "Chloé Brontë – €" "佐藤健" "Eve ✨ Ops")
# what the agent writes
REPLY=("Please unplug the printer.\nThen wait ten minutes." \
	"Grüße zurück, Herr Müller! Bitte ausschalten.\nÀ bientôt, ça va? ÿ Ø ß" \
	"Die Gutschrift über 50 € — ist gebucht.\nGrüße, Renée" \
	"プリンターの電源を切ってください。\nよろしくお願いします。" \
	"Unplug it 🔌, wait ⏳,\nthen smile 😀👍")
# a word per kind, to tell the mails apart
WORD=("plain" "grüße" "€—" "漢字" "🎉")  # no ASCII capitals: commands are lowered

nl() { printf '%b' "$1"; }  # TEXT with \n made newlines

for i in 0 1 2 3 4; do
	D agent add "a$i" "a$i@agents.test" --name "${ANAME[$i]}" >/dev/null || bail_out "agent add a$i"
	D agent add "b$i" "b$i@agents.test" --name "${BNAME[$i]}" >/dev/null || bail_out "agent add b$i"
done

# templates of each kind, one with a header block of commands (close)
for i in 0 1 2 3 4; do
	printf 'Subject: %s [#${ticket}]\n\nHello ${requester_name},\n\n%s\n' \
		"Antwort ${WORD[$i]}: ${SUBJ[$i]}" "$(nl "${REPLY[$i]}")" >"$STORE/templates/t$i.txt"
	printf 'Subject: Closed %s\nStatus: solved\n\nGoodbye ${requester_name}: %s\n' \
		"${WORD[$i]}" "$(nl "${MORE[$i]}")" >"$STORE/templates/close$i.txt"
done
chown maildesk:maildesk "$STORE"/templates/*.txt

# KB articles of each kind, pushed as the store's owner
mkdir -p "$T/work" && chown maildesk:maildesk "$T/work"
G() { as_maildesk git -C "$T/work" -c user.name="Ann Author" -c user.email=ann@helpdesk.test "$@"; }
as_maildesk git clone -q "$STORE/kb" "$T/work" 2>/dev/null || bail_out "git clone"
as_maildesk mkdir -p "$T/work/articles"
ARTICLE=("Hold the power button for ten seconds." "Halten Sie die Taste gedrückt; Grüße, Ihr Büro." \
	"Die Gebühr von 5 € — entfällt." "電源ボタンを十秒間押してください。" "Press ⏻ for 10 s ✅")
for i in 0 1 2 3 4; do
	printf 'Title: Article %s\nTags: help\nAudience: public\nStatus: published\n\n%s\n' \
		"${WORD[$i]}" "${ARTICLE[$i]}" | as_maildesk tee "$T/work/articles/art$i.txt" >/dev/null
done
G add -A && G commit -qm "articles" && G push -q origin HEAD:main 2>/dev/null || bail_out "git push"

milter_start || bail_out "maildesk-milter does not start"
pf_start milter || bail_out "postfix does not start"

# ------------------------------------------------------------ helpers
# mail FILE FROM-NAME FROM-ADDR TO SUBJECT BODY [CHARSET] [IN-REPLY-TO] [HEADER: VALUE]:
# a message as a mail client writes it (names and Subject RFC 2047, the
# body in CHARSET, default utf-8).
mail() {
	python3 - "$@" <<-'EOF'
	import sys
	from email.message import EmailMessage
	from email.headerregistry import Address
	from email.utils import make_msgid, formatdate
	f, name, addr, to, subject, body = sys.argv[1:7]
	cs = sys.argv[7] if len(sys.argv) > 7 and sys.argv[7] else "utf-8"
	m = EmailMessage()
	m["From"] = Address(name, addr_spec=addr)
	m["To"] = to
	m["Subject"] = subject
	m["Date"] = formatdate()
	m["Message-ID"] = make_msgid(domain="sender.test")
	if len(sys.argv) > 8 and sys.argv[8]:
	    m["In-Reply-To"] = sys.argv[8]
	if len(sys.argv) > 9 and sys.argv[9]:
	    k, v = sys.argv[9].split(": ", 1)
	    m[k] = v
	m.set_content(body.replace("\\n", "\n"), charset=cs)
	open(f, "wb").write(bytes(m))
	EOF
}

# next_mail: MAIL gets the path of the next captured message (in the
# order they came), after waiting up to 30 s for it; 1 when none came.
DONE=0
MAIL=
next_mail() {
	local i
	for i in $(seq 1 300); do
		MAIL=$(find "$SENT" -maxdepth 1 -name '*.eml' | sort | sed -n "$((DONE + 1))p")
		if [ -n "$MAIL" ]; then
			DONE=$((DONE + 1))
			return 0
		fi
		sleep 0.1
	done
	return 1
}
sent_count() { find "$SENT" -maxdepth 1 -name '*.eml' | wc -l; }

# expect DESC CHECK...: the next captured mail passes mail-expect.py CHECKs.
expect() {
	local desc=$1 out
	shift
	if ! next_mail; then
		not_ok "$desc" "no mail was sent" "$(tail -n 5 "$T/milter.log")"
		return 1
	fi
	if out=$(python3 "$EXPECT" "$MAIL" "$@" 2>&1); then
		ok "$desc"
	else
		not_ok "$desc" "$out" "mail: $MAIL"
	fi
}

ticket_of_msgid() {
	local f
	f=$(grep -l -F -i "Message-ID: <$1>" "$STORE"/mail/cur/* 2>/dev/null | head -n 1)
	[ -n "$f" ] && header_of "$f" X-Desk-Ticket
}
msgid_of() { header_of "$1" Message-ID | tr -d '<>'; }

# ------------------------------------------------------------ each kind
for i in 0 1 2 3 4; do
	k=${KINDS[$i]}
	cust=cust$i@customer.test
	# --- a customer's new ticket: the acknowledgement
	mail "$T/new$i.eml" "${CNAME[$i]}" "$cust" support@helpdesk.test "${SUBJ[$i]}" "${ASK[$i]}"
	smtp_send "$T/new$i.eml" support@helpdesk.test "$cust" >/dev/null || bail_out "$k: customer mail refused"
	id=$(msgid_of "$T/new$i.eml")
	expect "$k: the acknowledgement: To name, Subject, greeting" to="$cust" "to-name=${CNAME[$i]}" \
		"subject~${SUBJ[$i]}" "text~Hello ${CNAME[$i]},\n\nwe received your message"
	ack=$MAIL
	N=$(ticket_of_msgid "$id")
	[ -n "$N" ] || bail_out "$k: no ticket for <$id>"
	token=$(header_of "$ack" Reply-To | sed -E 's/.*<([^>]*)>.*/\1/')

	# --- A takes it (no mail: nobody else did it), looks, replies
	D take "$N" --as "a$i" >/dev/null || not_ok "$k: desk take"
	D show "$N" --as "a$i" >/dev/null
	D reply "$N" --as "a$i" -m "$(nl "${REPLY[$i]}")" >/dev/null || not_ok "$k: desk reply -m failed"
	expect "$k: reply -m: text, From name, To name, Subject" "text=${REPLY[$i]}\n" "from-name=${ANAME[$i]} via Support" "to-name=${CNAME[$i]}" "subject=[#$N] Re: ${SUBJ[$i]}"

	nl "${REPLY[$i]} (stdin)" | D reply "$N" --as "a$i" --force >/dev/null || not_ok "$k: desk reply < stdin failed"
	expect "$k: reply from stdin" "text=${REPLY[$i]} (stdin)\n" "from-name=${ANAME[$i]} via Support"

	nl "${REPLY[$i]} (editor)" >"$T/editor-text"
	printf '#!/bin/sh\ncat %s >"$1"\n' "$T/editor-text" >"$T/editor"
	chmod 0755 "$T/editor"
	EDITOR="$T/editor" D reply "$N" --as "a$i" --force --edit </dev/null >/dev/null ||
		not_ok "$k: desk reply in \$EDITOR failed"
	expect "$k: reply written in \$EDITOR" "text=${REPLY[$i]} (editor)\n"

	D reply "$N" --as "a$i" --force --template "t$i" >/dev/null || not_ok "$k: desk reply --template failed"
	expect "$k: reply --template: its Subject and text, the name put in" \
		"subject=[#$N] Antwort ${WORD[$i]}: ${SUBJ[$i]}" \
		"text=Hello ${CNAME[$i]},\n\n${REPLY[$i]}\n"

	D reply "$N" --as "a$i" --force -m "$(nl "${REPLY[$i]}")" --kb "art$i" >/dev/null ||
		not_ok "$k: desk reply --kb failed"
	expect "$k: reply --kb: the agent's text, then the article's" \
		"text=${REPLY[$i]}\n\n${ARTICLE[$i]}\n"

	nl "${ARTICLE[$i]}\n${MORE[$i]}\n" >"$T/attach-$i.txt"
	D reply "$N" --as "a$i" --force -m "$(nl "${REPLY[$i]}")" --attach "$T/attach-$i.txt" >/dev/null ||
		not_ok "$k: desk reply --attach failed"
	expect "$k: reply --attach: the text and the attached text file" "text=${REPLY[$i]}\n" \
		"attachment=${ARTICLE[$i]}\n${MORE[$i]}\n"

	# --- B's note is mailed to A, the owner
	D comment "$N" --as "b$i" -m "$(nl "${MORE[$i]} — note")" >/dev/null || not_ok "$k: desk comment failed"
	expect "$k: comment mailed to the owner: From B, To A" "text=${MORE[$i]} — note\n" "from-name=${BNAME[$i]}" "to-name=${ANAME[$i]}" "subject=[#$N] Note: ${SUBJ[$i]}"

	# --- A by mail: a public reply relayed (latin1: A's mail client writes ISO-8859-1)
	cs=utf-8
	[ "$k" = latin1 ] && cs=iso-8859-1
	mail "$T/byreply$i.eml" "${ANAME[$i]}" "a$i@agents.test" "support+$N-reply@helpdesk.test" \
		"Re: [#$N] ${SUBJ[$i]}" "#priority high\n\n${REPLY[$i]} (by mail)" "$cs"
	smtp_send "$T/byreply$i.eml" "support+$N-reply@helpdesk.test" "a$i@agents.test" >/dev/null ||
		not_ok "$k: the agent's reply by mail was refused"
	expect "$k: reply by mail relayed: text without the command, names, Subject" \
		"text=${REPLY[$i]} (by mail)\n" "from-name=${ANAME[$i]}" "to-name=${CNAME[$i]}" "subject=[#$N] Re: ${SUBJ[$i]}"

	# --- A by mail: a bad command, answered to A
	mail "$T/bybad$i.eml" "${ANAME[$i]}" "a$i@agents.test" "support+$N@helpdesk.test" \
		"${WORD[$i]}: ${SUBJ[$i]}" "#status ${WORD[$i]}\n\n${MORE[$i]}" "$cs"
	smtp_send "$T/bybad$i.eml" "support+$N@helpdesk.test" "a$i@agents.test" >/dev/null ||
		not_ok "$k: the agent's bad command by mail was refused"
	expect "$k: the answer to a failed command: To A, Subject, the command quoted" \
		"to-name=${ANAME[$i]}" "subject=[#$N] Not carried out: ${WORD[$i]}: ${SUBJ[$i]}" \
		"text~#status ${WORD[$i]}: "

	# --- the customer writes again: A, the owner, is told
	mail "$T/more$i.eml" "${CNAME[$i]}" "$cust" "$token" "Re: [#$N] ${SUBJ[$i]}" "${MORE[$i]}"
	smtp_send "$T/more$i.eml" "$token" "$cust" >/dev/null || not_ok "$k: the customer's second mail was refused"
	expect "$k: notification of the owner: a customer wrote" "to-name=${ANAME[$i]}" \
		"from-name=${CNAME[$i]} via Support" "subject=[#$N] New reply from ${CNAME[$i]}: ${SUBJ[$i]}" \
		"text~To a$i: a new reply from ${CNAME[$i]} <$cust> in your ticket #$N." \
		"text~${MORE[$i]}" "reply-to~support+$N-"

	# --- A gives it to B: B is told
	D assign "$N" "b$i" --as "a$i" >/dev/null || not_ok "$k: desk assign failed"
	expect "$k: notification of an assignment" "to-name=${BNAME[$i]}" \
		"from-name=${ANAME[$i]} via Support" "subject=[#$N] Assigned to you by a$i: ${SUBJ[$i]}" \
		"text~To b$i: a$i assigned ticket #$N to you." "text~${MORE[$i]}"

	# --- B closes it with a template
	D show "$N" --as "b$i" >/dev/null
	D close "$N" --as "b$i" --template "close$i" >/dev/null || not_ok "$k: desk close --template failed"
	expect "$k: close --template" "subject=[#$N] Closed ${WORD[$i]}" "to-name=${CNAME[$i]}" \
		"text=Goodbye ${CNAME[$i]}: ${MORE[$i]}\n"
done

# ------------------------------------------------- a line longer than SMTP's
long=$(python3 -c 'print(("Grüße 50 € — 漢字 🎉 " * 120).strip())')
D reply 1 --as a0 --force -m "$long" >/dev/null || not_ok "desk reply with a long line failed"
expect "a line of 3000 bytes comes back whole" "text=$long\n"
f=$MAIL
check "and no line of the mail is longer than 998 bytes" \
	python3 -c 'import sys; sys.exit(max(len(l) for l in open(sys.argv[1], "rb").read().split(b"\n")) > 998)' "$f"

sleep 1
check_eq "no other mail was sent" "$DONE" "$(sent_count)"

test_done
