#!/bin/bash
# 0425-notify.sh: the agent whose ticket it is hears of it by mail
# (desk.notify_agents, the agent key notify), through a real Postfix and
# maildesk-milter: the owner gets one mail when the requester writes,
# none for held or automatic mail, none again after desk reindex or when
# the follow-up runs twice; an agent gets one when another agent gives them
# a ticket (desk assign, a template's Owner:, #assign by mail), none on
# desk take, their own template, or a template naming who has it already; an agent with notify = false gets none
# (nor desk comment's mail); the mail carries the ticket number, the
# reply token address that answering it uses (a public reply relayed to
# the requester), Auto-Submitted, and reads right in any charset. An
# agent's automatic mail to that address is never relayed.
. "$(dirname "$0")/lib.sh"

store_init "$T/store" || bail_out "desk init"
D() { as_maildesk "$DESK" --store "$STORE" "$@"; }
EXPECT=$TESTS_T/mail-expect.py

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
store_conf sendmail "$T/capture -oi -t" || bail_out "store_conf sendmail"
store_conf trusted_networks 127.0.0.1/32 || bail_out "store_conf trusted_networks"
unset MAILDESK_SENDMAIL MAILDESK_AGENT VISUAL
export MAILDESK_TEMPLATES_DIR=$SRCDIR/templates

D agent add alice alice@agents.test --name "Alice Agent" >/dev/null || bail_out "agent add alice"
D agent add bob bob@agents.test --name "Bøb Büilder" >/dev/null || bail_out "agent add bob"
D agent add carol carol@agents.test --name "Carol Quiet" --no-notify >/dev/null || bail_out "agent add carol"
check "desk agent add --no-notify writes notify = false" \
	sh -c "sed -n '/^\\[agent carol\\]/,/^\\[/p' '$STORE/var/agents' | grep -qx 'notify=false'"
check_eq "desk agent list --format=json says who takes mail" "alice:True bob:True carol:False" \
	"$(D agent list --format=json | python3 -c 'import json, sys; print(" ".join("%s:%s" % (a["login"], a["notify"]) for a in json.load(sys.stdin)))')"

printf 'Owner: alice\n\nAlice knows printers; she will write.\n' >"$STORE/templates/handover.txt"
printf 'Owner: ${agent}\n\nI take this one.\n' >"$STORE/templates/mine.txt"
chown maildesk:maildesk "$STORE"/templates/*.txt

milter_start || bail_out "maildesk-milter does not start"
pf_start milter || bail_out "postfix does not start"

# ------------------------------------------------------------ helpers
# sent_to ADDR: the captured messages to ADDR, in the order they came.
sent_to() { grep -l -i -x -e "To: $1" -e "To: .*<$1>" "$SENT"/*.eml 2>/dev/null | sort; }
n_to() { sent_to "$1" | wc -l; }
# wait_n_to ADDR N: until N messages went to ADDR (30 s).
wait_n_to() {
	local i
	for i in $(seq 1 300); do
		[ "$(n_to "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	diag "$(n_to "$1") messages to $1, waited for $2" "$(tail -n 5 "$T/milter.log")"
	return 1
}
last_to() { sent_to "$1" | tail -n 1; }
# nm ARGS...: the notmuch command on the store's index, as user maildesk
: >"$T/notmuch-config"
nm() { as_maildesk env NOTMUCH_CONFIG="$T/notmuch-config" NOTMUCH_DATABASE="$STORE/mail" notmuch "$@"; }
# followed_up ID: the message ID is indexed and its follow-up has run (its
# file's name is gone from STORE/followup, maildesk-store(5)).
followed_up() {
	local f
	ticket_of_msgid "$1" >/dev/null && f=$(nm search --output=files "id:$1" | head -n 1) && [ -n "$f" ] &&
		[ ! -e "$STORE/followup/$(basename "$f")" ]
}
wait_followed_up() { wait_for "follow-up of $1" followed_up "$1" || diag "<$1> not followed up"; }
expect_mail() { # DESC FILE CHECK...
	local desc=$1 f=$2 out
	shift 2
	if [ -z "$f" ]; then
		not_ok "$desc" "no such mail"
	elif out=$(python3 "$EXPECT" "$f" "$@" 2>&1); then
		ok "$desc"
	else
		not_ok "$desc" "$out"
	fi
}
ANN="Ann Example <ann@customer.test>"
# ann ID [IN-REPLY-TO] [HEADER]: a mail of Ann's, sent through SMTP
ann() {
	local f
	f=$(make_msg "$1" "$ANN" "$1@customer.test" "${2:-}" "Re: Printer on fire")
	[ -n "${3:-}" ] && sed -i "1i $3" "$f"
	smtp_send "$f" support@helpdesk.test ann@customer.test >/dev/null || not_ok "ann's mail $1 is accepted"
	wait_msgid "$1@customer.test"
}

# ------------------------------------------------ a ticket, taken: no mail
f=$(make_msg q1 "$ANN" q1@customer.test "" "Printer on fire")
smtp_send "$f" support@helpdesk.test ann@customer.test >/dev/null || bail_out "ann's first mail"
wait_msgid q1@customer.test || bail_out "not indexed"
N=$(ticket_of_msgid q1@customer.test)
check "alice takes ticket $N" D take "$N" --as alice
check_eq "a new ticket (nobody's) and a take by oneself mail nobody" 0 "$(find "$SENT" -name '*.eml' | wc -l)"

# ------------------------------------------- the requester writes: the owner hears
ann r1 q1@customer.test
check "alice is told of ann's reply" wait_n_to alice@agents.test 1
m=$(last_to alice@agents.test)
expect_mail "one mail: To alice, the ticket's number and subject, ann's text" "$m" \
	"to-name=Alice Agent" "to=alice@agents.test" "subject=[#$N] New reply from Ann Example: Printer on fire" \
	"from-name=Ann Example via Support" "text~To alice: a new reply from Ann Example <ann@customer.test> in your ticket #$N." \
	"text~needle-r1" "header:Auto-Submitted=auto-generated" "header:In-Reply-To=<r1@customer.test>"
rt=$(header_of "$m" Reply-To | sed -E 's/.*<([^>]*)>.*/\1/')
case $rt in "support+$N-"??????????"-reply@helpdesk.test") ok "Reply-To: the ticket's reply token address ($rt)" ;;
*) not_ok "Reply-To: the ticket's reply token address" "$rt" ;; esac
check_eq "sent with a null envelope sender" "-oi -t -f <>" "$(tr '\n' ' ' <"${m%.eml}.argv" | sed 's/ $//')"
stored=$(grep -l '^X-Desk-Event: notify' "$STORE"/mail/cur/* 2>/dev/null)
check_eq "stored in the ticket once, as event notify" 1 "$(printf '%s' "$stored" | grep -c .)"
case $(header_of "$stored" X-Desk-Set) in *"notified=alice"*"about=r1@customer.test"*"why=reply"*)
	ok "its X-Desk-Set: notified=alice, about the message, why=reply" ;;
*) not_ok "its X-Desk-Set: notified=alice, about the message, why=reply" "$(header_of "$stored" X-Desk-Set)" ;; esac
check "desk show tells it in one line" sh -c "'$DESK' --store '$STORE' show $N | grep -q 'To alice: a new reply from Ann Example'"

# ------------------------------------------------------ held and automatic mail: none
f=$(make_msg stranger "Mallory <mallory@elsewhere.test>" stranger@elsewhere.test "" "[#$N] Printer on fire")
smtp_send "$f" support@helpdesk.test mallory@elsewhere.test >/dev/null || not_ok "the stranger's mail is accepted"
wait_msgid stranger@elsewhere.test
case $(header_of "$(grep -l -F -x 'Message-ID: <stranger@elsewhere.test>' "$STORE"/mail/cur/*)" X-Desk-Match) in
*held*) ok "a stranger's mail with the subject tag is held" ;;
*) not_ok "a stranger's mail with the subject tag is held" ;; esac
ann auto1 r1@customer.test "Auto-Submitted: auto-replied"
ann r2 r1@customer.test  # the indexer follows up in order: r2 comes after them
check "ann's next reply is told" wait_n_to alice@agents.test 2
check_eq "none for the held and the automatic mail: two in all" 2 "$(n_to alice@agents.test)"
expect_mail "the second is about r2" "$(last_to alice@agents.test)" "text~needle-r2"

# --------------------------------------------------- never twice
before=$(find "$SENT" -name '*.eml' | wc -l)
check "desk reindex" D reindex
check "a verb after it runs the follow-ups" D tag "$N" +after-reindex --as alice
check "the follow-up tag put back on ann's reply (as after a crash)" \
	nm tag +followup -- id:r2@customer.test
check "a verb runs that follow-up again" D tag "$N" +again --as alice
check "it has run" followed_up r2@customer.test
sleep 1
check_eq "no mail after reindex or a second follow-up" "$before" "$(find "$SENT" -name '*.eml' | wc -l)"

# ------------------------------------------- assignments by someone else
check "alice assigns ticket $N to bob" D assign "$N" bob --as alice
check "bob is told" wait_n_to bob@agents.test 1
expect_mail "Assigned to you by alice: To bob, in any charset" "$(last_to bob@agents.test)" \
	"to-name=Bøb Büilder" "subject=[#$N] Assigned to you by alice: Printer on fire" \
	"from-name=Alice Agent via Support" "text~To bob: alice assigned ticket #$N to you." \
	"text~Requester: Ann Example <ann@customer.test>" "text~needle-r2" "reply-to~-reply@helpdesk.test"
check "bob takes it back by his own template (Owner: himself)" D reply "$N" --as bob --force --template mine
check "bob hands it to alice by template (Owner: alice)" D reply "$N" --as bob --force --template handover
check "alice is told" wait_n_to alice@agents.test 3
expect_mail "Assigned to you by bob" "$(last_to alice@agents.test)" "subject=[#$N] Assigned to you by bob: Printer on fire"
check_eq "bob got none for his own template" 1 "$(n_to bob@agents.test)"
check "bob sends that template again, the ticket alice's already" D reply "$N" --as bob --force --template handover
check_eq "alice is not told again" 3 "$(n_to alice@agents.test)"
# by mail: alice gives it to bob with #assign
f=$(make_msg byassign "Alice Agent <alice@agents.test>" byassign@agents.test "" "Re: [#$N] Printer on fire" \
	"support+$N@helpdesk.test")
sed -i 's/^Body of byassign/#assign bob\n\nBody of byassign/' "$f"
smtp_send "$f" "support+$N@helpdesk.test" alice@agents.test >/dev/null || not_ok "alice's #assign by mail is accepted"
check "bob is told of #assign by mail" wait_n_to bob@agents.test 2
expect_mail "Assigned to you by alice, by mail" "$(last_to bob@agents.test)" "subject=[#$N] Assigned to you by alice: Printer on fire"

# --------------------------------------- answering the notification: a public reply
m=$(last_to bob@agents.test)
to_ann=$(n_to ann@customer.test)  # bob's template replies went to her
rt=$(header_of "$m" Reply-To | sed -E 's/.*<([^>]*)>.*/\1/')
f=$(make_msg bobans "Bøb Büilder <bob@agents.test>" bobans@agents.test "$(header_of "$m" Message-ID | tr -d '<>')" \
	"$(header_of "$m" Subject)" "$rt")
smtp_send "$f" "$rt" bob@agents.test >/dev/null || not_ok "bob's answer to the notification is accepted"
check "it is relayed to ann" wait_n_to ann@customer.test $((to_ann + 1))
expect_mail "as bob's public reply, with the ticket's subject, not the notification's" \
	"$(last_to ann@customer.test)" "from-name=Bøb Büilder" "text~needle-bobans" "to-name=Ann Example" \
	"subject=[#$N] Re: Printer on fire"
# an automatic answer (a vacation notice) is not relayed
f=$(make_msg vacation "Bøb Büilder <bob@agents.test>" vacation@agents.test "" "Out of office" "$rt")
sed -i '1i Auto-Submitted: auto-replied' "$f"
smtp_send "$f" "$rt" bob@agents.test >/dev/null || not_ok "bob's vacation notice is accepted"
wait_followed_up vacation@agents.test
check_eq "bob's vacation notice to that address is not relayed to ann" $((to_ann + 1)) "$(n_to ann@customer.test)"
check "the ticket says why" sh -c "'$DESK' --store '$STORE' show $N | grep -q 'automatic mail'"

# --------------------------------------------------- notify = false
check "bob gives the ticket to carol (notify = false)" D assign "$N" carol --as bob
ann r3 r1@customer.test
wait_followed_up r3@customer.test
check "bob comments" D comment "$N" --as bob -m "Carol, see above."
check "alice gets the note (she acted on the ticket)" wait_n_to alice@agents.test 4
expect_mail "the note is To alice alone" "$(last_to alice@agents.test)" "subject=[#$N] Note: Printer on fire"
check_eq "carol got nothing: no assignment, no reply, no note" 0 "$(n_to carol@agents.test)"

# --------------------------------------------------- notify_agents = false
milter_stop
store_conf notify_agents false || bail_out "store_conf notify_agents"
milter_start || bail_out "milter restart"
check "carol gives the ticket to alice" D assign "$N" alice --as carol
ann r4 r1@customer.test
wait_followed_up r4@customer.test
check_eq "with notify_agents = false nobody is told" 4 "$(n_to alice@agents.test)"

test_done
