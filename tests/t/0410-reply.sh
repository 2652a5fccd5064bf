#!/usr/bin/env bash
# 0410-reply.sh: desk reply, desk comment, desk close --template: the text
# from -m, stdin or $EDITOR, templates with placeholders and commands,
# attachments, the outbound mail as sendmail(1) gets it (a capture script),
# the stored copy, the token that threads the customer's answer back, a
# failing sendmail and --retry, stale replies, show --last, events inline.
. "$(dirname "$0")/lib.sh"

STORE=$T/store
"$DESK" init --address support@helpdesk.test --address billing@helpdesk.test=billing "$STORE" >/dev/null ||
	bail_out "desk init"
store_conf ack false || bail_out "store_conf"  # acknowledgements are 0420's
D() { "$DESK" --store "$STORE" "$@"; }
D agent add alice alice@helpdesk.test --name "Alice Agent" >/dev/null || bail_out "agent add"
D agent add bob bob@helpdesk.test --name "Bob Agent" >/dev/null || bail_out "agent add"
OUT=$T/out
mkdir -p "$OUT"
export MAILDESK_SENDMAIL="$TESTS_T/sendmail-capture" CAPTURE_DIR=$OUT
export MAILDESK_TEMPLATES_DIR=$SRCDIR/templates
unset MAILDESK_AGENT VISUAL
sent() { find "$OUT" -maxdepth 1 -name '*.eml' | wc -l; }
last_sent() { echo "$OUT/$(sent).eml"; }
customer() { # customer ID SUBJECT TEXT [IN-REPLY-TO] [ENVELOPE-TO]
	{
		printf 'From: Carol Customer <carol@example.com>\nTo: support@helpdesk.test\n'
		printf 'Cc: Dave <dave@example.com>\nSubject: %s\nMessage-ID: <%s>\n' "$2" "$1"
		printf 'Date: Mon, 1 Jan 2024 10:00:00 +0000\n'
		[ -n "${4:-}" ] && printf 'In-Reply-To: <%s>\n' "$4"
		printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n%s\n' "$3"
	} | D ingest --envelope-to "${5:-support@helpdesk.test}"
}
json() { D show "$1" --format=json | python3 -c "import json,sys; print(json.load(sys.stdin)$2)"; }

customer c1@example.com "Printer on fire" "My printer is on fire. Help!" || bail_out "ingest"
check_eq "the customer's mail is ticket 1" 1 "$(desk_ids | tr '\n' ' ' | xargs)"

# --- a reply before the agent looked at the ticket is refused, naming the message
out=$(D reply 1 --as alice -m "Did you try turning it off?" 2>&1)
check_eq "reply before desk show: exit 65" 65 $?
case $out in *"<c1@example.com>"*"--force"*) ok "the refusal names the unseen message and --force" ;;
*) not_ok "the refusal names the unseen message and --force" "$out" ;; esac
check_eq "nothing was sent" 0 "$(sent)"
check_eq "nothing was stored" 1 "$(json 1 '["messages_count"]')"
check_eq "no first response yet" None "$(json 1 '["first_response"]')"

# --- desk show, then reply with -m
D show 1 --as alice >/dev/null
check "reply -m after desk show" D reply 1 --as alice -m "Please unplug it."
m=$(last_sent)
check_eq "one message handed to sendmail" 1 "$(sent)"
check_eq "From: the desk address, with the agent's name" 'Alice Agent via Support <support@helpdesk.test>' \
	"$(header_of "$m" From)"
check_eq "To: the requester, with her name" "Carol Customer <carol@example.com>" "$(header_of "$m" To)"
check_eq "Cc: the Cc of the customer's mail" "Dave <dave@example.com>" "$(header_of "$m" Cc)"
check_eq "In-Reply-To: the customer's message" "<c1@example.com>" "$(header_of "$m" In-Reply-To)"
case $(header_of "$m" References) in *"<c1@example.com>"*) ok "References: the thread" ;;
*) not_ok "References: the thread" "$(header_of "$m" References)" ;; esac
case $(header_of "$m" Subject) in *"[#1]"*"Printer on fire"*) ok "Subject: the ticket's tag and subject" ;;
*) not_ok "Subject: the ticket's tag and subject" "$(header_of "$m" Subject)" ;; esac
msgid=$(header_of "$m" Message-ID)
case $msgid in "<1."*"@helpdesk.test>") ok "Message-ID of ours, carrying the ticket" ;;
*) not_ok "Message-ID of ours, carrying the ticket" "$msgid" ;; esac
rt=$(header_of "$m" Reply-To | sed 's/.*<\(.*\)>.*/\1/')
case $rt in support+1-??????????@helpdesk.test) ok "Reply-To: support+1-TOKEN@" ;;
*) not_ok "Reply-To: support+1-TOKEN@" "$rt" ;; esac
check "sendmail got the token address as envelope sender" grep -qx -- "$rt" "$OUT/1.argv"
check "the text is in the mail" grep -q "Please unplug it." "$m"
if grep -q '^X-Desk-' "$m"; then not_ok "no X-Desk-* header leaves the desk"; else ok "no X-Desk-* header leaves the desk"; fi
check "the copy is stored in the ticket (desk show)" sh -c "\"$DESK\" --store '$STORE' show 1 | grep -q 'Please unplug it.'"
copy=$(grep -l "^Message-I[dD]: $msgid" "$STORE"/mail/cur/* | head -1)
check "the stored copy is event reply by alice" grep -q '^X-Desk-Set: by=alice' "$copy"
check "the stored copy is X-Desk-Event: reply" grep -q '^X-Desk-Event: reply' "$copy"
fr=$(json 1 '["first_response"]')
case $fr in 20*) ok "the first response is recorded ($fr)" ;; *) not_ok "the first response is recorded" "$fr" ;; esac
check_eq "the first agent action opened the ticket" open "$(json 1 '["status"]')"

# --- the customer answers the Reply-To address, with no references at all
customer c2@example.com "something unrelated" "It is still smoking. needle-c2" "" "$rt"
check_eq "the answer to the token address makes no new ticket" 1 "$(desk_ids | wc -l)"
f=$(grep -l "needle-c2" "$STORE"/mail/cur/* | head -1)
check_eq "it joined ticket 1" 1 "$(header_of "$f" X-Desk-Ticket)"
check_eq "matched by the token" token "$(header_of "$f" X-Desk-Match)"

# --- stale: the requester wrote since alice looked
out=$(D reply 1 --as alice -m "Unplugged yet?" 2>&1)
check_eq "a reply to an old state is refused (exit 65)" 65 $?
case $out in *"<c2@example.com>"*) ok "the refusal names what arrived" ;; *) not_ok "the refusal names what arrived" "$out" ;; esac
case $out in *"c1@example.com"*) not_ok "the refusal names only what is new" "$out" ;; *) ok "the refusal names only what is new" ;; esac
check_eq "nothing sent" 1 "$(sent)"
D show 1 --last --as alice >"$T/last"
check "show --last shows the new message" grep -q "needle-c2" "$T/last"
if grep -q "My printer is on fire" "$T/last"; then not_ok "show --last leaves out what alice saw"; else ok "show --last leaves out what alice saw"; fi
D show 1 --last --as alice >"$T/last2"
if grep -q "needle-c2" "$T/last2"; then not_ok "a second show --last has nothing old"; else ok "a second show --last has nothing old"; fi
customer c3@example.com "Re: Printer on fire" "Now the desk is on fire. needle-c3" c1@example.com
check_eq "another customer message: refused again" 65 "$(D reply 1 --as alice -m x >/dev/null 2>&1; echo $?)"
check "--force sends anyway" D reply 1 --as alice --force -m "Call the fire brigade."
check_eq "sent with --force" 2 "$(sent)"
check_eq "--in-reply-to the latest message: sent" 0 \
	"$(D reply 1 --as bob --in-reply-to '<c3@example.com>' -m "Bob here." >/dev/null 2>&1; echo $?)"
check_eq "In-Reply-To follows --in-reply-to" "<c3@example.com>" "$(header_of "$(last_sent)" In-Reply-To)"
check_eq "--in-reply-to an older message: refused" 65 \
	"$(D reply 1 --as bob --in-reply-to c1@example.com -m "Old." >/dev/null 2>&1; echo $?)"
D show 1 --as alice >/dev/null

# --- the text from stdin
n=$(sent)
check "reply with the text on stdin" sh -c "echo 'Text from stdin.' | \"$DESK\" --store '$STORE' reply 1 --as alice"
check "it is the mail's text" grep -q "Text from stdin." "$(last_sent)"
check_eq "an empty stdin sends nothing (exit 65)" 65 "$(D reply 1 --as alice </dev/null >/dev/null 2>&1; echo $?)"

# --- $EDITOR on a draft quoting the last customer message (argv, no shell)
cat >"$T/editor" <<'EOF'
#!/bin/sh
# editor --mode MODE FILE
[ "$1" = --mode ] || exit 3
cp "$3" "$EDITOR_SAW"
case $2 in
write) { echo "Written in the editor."; cat "$3"; } >"$3.new" && mv "$3.new" "$3" ;;
fail) exit 1 ;;
empty) : >"$3" ;;
same) ;;
esac
EOF
chmod +x "$T/editor"
export EDITOR_SAW=$T/draft
n=$(sent)
EDITOR="$T/editor --mode write" D reply 1 --as alice --edit </dev/null >/dev/null
check_eq "the editor's text is sent" $((n + 1)) "$(sent)"
check "the draft quoted the last customer message" grep -q "^> Now the desk is on fire. needle-c3" "$T/draft"
check "the mail has the editor's text" grep -q "Written in the editor." "$(last_sent)"
for mode in fail empty same; do
	out=$(EDITOR="$T/editor --mode $mode" D reply 1 --as alice --edit </dev/null 2>&1)
	rc=$?
	if [ $rc -ne 0 ] && [ "$(sent)" = $((n + 1)) ]; then ok "editor $mode: exit $rc, nothing sent"
	else not_ok "editor $mode: exit non-zero, nothing sent" "exit $rc" "$out"; fi
	case $out in *"nothing sent"*) ok "editor $mode: says nothing was sent" ;;
	*) not_ok "editor $mode: says nothing was sent" "$out" ;; esac
done

# --- templates: placeholders, macro commands, overrides, unknown placeholders
mkdir -p "$STORE/templates"
cat >"$STORE/templates/waiting.txt" <<'EOF'
Status: pending
Tag: +waiting
Subject: Need more from you, ${requester_name} [#${ticket}]

Hello ${requester_name},
ticket ${ticket} (${subject}) by ${agent_name} <${agent}> of ${desk_address}, queue ${queue}.
Price: $$5, literally ${x} when escaped: $${x}.
EOF
sed -i 's/literally ${x} when escaped/literally when escaped/' "$STORE/templates/waiting.txt"
customer c10@example.com 'Odd ${agent_name} subject $${x}' "needle-c10"
t2=$(desk_ids | sort -n | tail -1)
D show "$t2" --as alice >/dev/null
check "reply --template waiting" D reply "$t2" --as alice --template waiting
m=$(last_sent)
body=$(python3 -c 'import email,sys; print(email.message_from_file(open(sys.argv[1])).get_payload(decode=True).decode())' "$m")
case $body in *"Hello Carol Customer,"*"ticket $t2 (Odd \${agent_name} subject \$\${x}) by Alice Agent <alice> of support@helpdesk.test, queue support."*)
	ok "placeholders filled, the subject from mail left as it is" ;;
*) not_ok "placeholders filled, the subject from mail left as it is" "$body" ;; esac
case $body in *'Price: $5, literally when escaped: ${x}.'*) ok "\$\$ is a dollar" ;; *) not_ok "\$\$ is a dollar" "$body" ;; esac
case $(header_of "$m" Subject) in "[#$t2] Need more from you, Carol Customer") ok "Subject: from the template, the tag in front" ;;
*) not_ok "Subject: from the template" "$(header_of "$m" Subject)" ;; esac
check_eq "Status: pending in the template set the ticket pending" pending "$(json "$t2" '["status"]')"
check "the template's commands are in the stored reply" grep -q "^X-Desk-Set: status=pending; tag=+waiting; by=alice" \
	"$(grep -l "^X-Desk-Event: reply" $(grep -l "^X-Desk-Ticket: $t2\$" "$STORE"/mail/cur/*) | tail -1)"
printf 'Hello ${requester_name}, ${nosuch_thing}\n' >"$STORE/templates/bad.txt"
n=$(sent)
out=$(D reply "$t2" --as alice --template bad 2>&1)
rc=$?
check_eq "an unknown placeholder: exit 65" 65 $rc
case $out in *'${nosuch_thing}'*) ok "the error names the placeholder" ;; *) not_ok "the error names the placeholder" "$out" ;; esac
check_eq "nothing sent" "$n" "$(sent)"
check_eq "an unknown template: exit 66" 66 "$(D reply "$t2" --as alice --template nosuch >/dev/null 2>&1; echo $?)"
check_eq "a template name with a slash is refused" 64 "$(D reply "$t2" --as alice --template ../x >/dev/null 2>&1; echo $?)"
D reply "$t2" --as alice --template reply >/dev/null
check "the installed reply template" grep -q "Best regards" "$(last_sent)"
printf 'Local template for #${ticket}.\n' >"$STORE/templates/reply.txt"
D reply "$t2" --as alice --template reply >/dev/null
check "STORE/templates overrides the installed one" grep -q "Local template for #$t2." "$(last_sent)"

# --- attachments
printf '%%PDF-1.4\n%%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%%%EOF\n' >"$T/report.pdf"
printf 'plain notes\n' >"$T/notes.txt"
check "reply with two attachments" D reply "$t2" --as alice -m "See attached." --attach "$T/report.pdf" --attach "$T/notes.txt"
parts=$(python3 - "$(last_sent)" <<'EOF'
import email, sys
m = email.message_from_file(open(sys.argv[1]))
print(m.get_content_type(), *[f"{p.get_filename()}={p.get_content_type()}" for p in m.walk() if p.get_filename()])
EOF
)
check_eq "multipart/mixed with the files, types guessed" "multipart/mixed report.pdf=application/pdf notes.txt=text/plain" "$parts"
check "desk show lists the attachments of the copy" sh -c "\"$DESK\" --store '$STORE' show $t2 | grep -q 'report.pdf (application/pdf'"
check_eq "a missing attachment: nothing sent" 66 "$(D reply "$t2" --as alice -m x --attach "$T/nope" >/dev/null 2>&1; echo $?)"

# --- sendmail fails: the reply stays stored, --retry sends it once
n=$(sent)
touch "$OUT/fail"
out=$(D reply 1 --as alice -m "This one is delayed. needle-delayed" 2>&1)
check_eq "a failing sendmail: exit 75" 75 $?
case $out in *"--retry 1"*) ok "the error tells how to send it later" ;; *) not_ok "the error tells how to send it later" "$out" ;; esac
check "the unsent reply is kept in the ticket" sh -c "\"$DESK\" --store '$STORE' show 1 | grep -q needle-delayed"
check "the failure shows as an event line" sh -c "\"$DESK\" --store '$STORE' show 1 | grep -q 'not sent'"
check_eq "--retry while sendmail still fails: exit 75" 75 "$(D reply 1 --as alice --retry >/dev/null 2>&1; echo $?)"
rm "$OUT/fail"
check "reply --retry sends it" D reply 1 --as alice --retry
check_eq "exactly one more message" $((n + 1)) "$(sent)"
check "it is the delayed reply" grep -q needle-delayed "$(last_sent)"
check_eq "the same Message-ID as the stored copy" 1 \
	"$(grep -l "^Message-I[dD]: $(header_of "$(last_sent)" Message-ID)" "$STORE"/mail/cur/* | wc -l)"
if grep -q '^X-Desk-' "$(last_sent)"; then not_ok "the resent mail has no X-Desk-* headers"; else ok "the resent mail has no X-Desk-* headers"; fi
out=$(D reply 1 --as alice --retry 2>&1)
check_eq "a second --retry sends nothing" $((n + 1)) "$(sent)"
case $out in *"no unsent reply"*) ok "and says so" ;; *) not_ok "and says so" "$out" ;; esac

# --- sendmail hangs: killed after desk.sendmail_timeout, the reply kept unsent
printf '#!/bin/sh\necho $$ >"%s"\ncat >/dev/null\nexec sleep 300\n' "$T/hang.pid" >"$T/hang-sendmail"
chmod +x "$T/hang-sendmail"
store_conf sendmail_timeout 1 || bail_out "store_conf sendmail_timeout"
n=$(sent)
start=$(date +%s)
out=$(MAILDESK_SENDMAIL=$T/hang-sendmail D reply 1 --as alice -m "Stuck in the pipe. needle-hung" 2>&1)
rc=$?
check_eq "a hanging sendmail: exit 75" 75 "$rc"
case $out in *"did not finish within 1 s"*"--retry 1"*) ok "the error says it was killed, and how to send it later" ;;
*) not_ok "the error says it was killed, and how to send it later" "$out" ;; esac
if [ $(($(date +%s) - start)) -lt 60 ]; then ok "desk did not wait for it"; else not_ok "desk did not wait for it"; fi
check "the hanging sendmail was killed" sh -c "test -s '$T/hang.pid' && ! kill -0 \$(cat '$T/hang.pid') 2>/dev/null"
check "the unsent reply is kept in the ticket" sh -c "\"$DESK\" --store '$STORE' show 1 | grep -q needle-hung"
store_conf sendmail_timeout 60 || bail_out "store_conf sendmail_timeout"
check "reply --retry sends it with a working sendmail" D reply 1 --as alice --retry
check_eq "exactly one more message" $((n + 1)) "$(sent)"
check "it is the reply that hung" grep -q needle-hung "$(last_sent)"

# --- comments: stored, never to the requester, mailed to the other agents
n=$(sent)
check "comment -m" D comment 1 --as bob -m "Internal: the fuse is the problem. needle-note"
m=$(last_sent)
check_eq "the note went to the other agent on the ticket only" alice@helpdesk.test \
	"$(header_of "$m" To | sed 's/.*<\(.*\)>.*/\1/')"
if grep -qi "carol@example.com\|dave@example.com" "$m"; then not_ok "the requester and Cc are not addressed"
else ok "the requester and Cc are not addressed"; fi
check_eq "marked internal" yes "$(header_of "$m" X-Desk-Internal)"
check "the note is stored (desk show)" sh -c "\"$DESK\" --store '$STORE' show 1 | grep -q needle-note"
check "the stored note is event comment" grep -q "^X-Desk-Event: comment" \
	"$(grep -l needle-note "$STORE"/mail/cur/* | head -1)"
echo "Stdin note." | D comment 1 --as alice >/dev/null
check_eq "alice's note goes to bob" bob@helpdesk.test "$(header_of "$(last_sent)" To | sed 's/.*<\(.*\)>.*/\1/')"
sed -i 's/^#notify_agents = true/notify_agents = false/' "$STORE/maildesk.conf"
n=$(sent)
check "with desk.notify_agents = false a note is stored" D comment 1 --as bob -m "Quiet note. needle-quiet"
check_eq "and mailed to nobody" "$n" "$(sent)"
check "it is in the ticket" sh -c "\"$DESK\" --store '$STORE' show 1 | grep -q needle-quiet"
check_eq "an empty note is refused" 65 "$(D comment 1 --as alice -m '  ' >/dev/null 2>&1; echo $?)"

check_eq "the seen marker is group-writable (0660)" 660 "$(stat -c %a "$STORE/seen/alice")"
check "it has a line for ticket 1" grep -q "^1	[0-9]*	[0-9a-f]" "$STORE/seen/alice"

# --- events inline in desk show
D assign 1 alice --as bob >/dev/null
D show 1 --as bob >"$T/show"
check "an assignment is one line" grep -q '^--- 20.*  bob assigned to alice$' "$T/show"
if grep -q '^Subject: .*assign:' "$T/show"; then not_ok "no full message for an event"; else ok "no full message for an event"; fi

# --- desk close --template: the closing mail, the ticket solved
D show "$t2" --as alice >/dev/null
check "close --template close" D close "$t2" --as alice --template close
check "the closing mail went out" grep -q "solved" "$(last_sent)"
check_eq "To the requester" "Carol Customer <carol@example.com>" "$(header_of "$(last_sent)" To)"
check_eq "the ticket is solved" solved "$(json "$t2" '["status"]')"

# --- closed tickets and unknown ones
D status "$t2" closed --as alice >/dev/null
out=$(D reply "$t2" --as alice -m x 2>&1)
check_eq "a reply to a closed ticket is refused" 64 $?
case $out in *"reopen"*) ok "pointing to desk reopen" ;; *) not_ok "pointing to desk reopen" "$out" ;; esac
check_eq "unknown ticket: exit 66" 66 "$(D reply 999 --as alice -m x >/dev/null 2>&1; echo $?)"
check_eq "unknown agent: exit 64" 64 "$(D reply 1 --as mallory -m x >/dev/null 2>&1; echo $?)"

test_done
