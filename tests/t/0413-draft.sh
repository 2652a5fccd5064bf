#!/usr/bin/env bash
# 0413-draft.sh: the $EDITOR draft of desk reply shows the ticket, To, Cc
# and Subject in a comment header, which is taken out before sending (and
# changing it changes nothing); an empty stdin says what was read and how
# else to give the text, and sends nothing.
. "$(dirname "$0")/lib.sh"

STORE=$T/store
"$DESK" init --address support@helpdesk.test "$STORE" >/dev/null || bail_out "desk init"
store_conf ack false || bail_out "store_conf"
D() { "$DESK" --store "$STORE" "$@"; }
OUT=$T/out
mkdir -p "$OUT"
export MAILDESK_SENDMAIL="$TESTS_T/sendmail-capture" CAPTURE_DIR=$OUT MAILDESK_AGENT=alice
export MAILDESK_TEMPLATES_DIR=$SRCDIR/templates
unset VISUAL
D agent add alice alice@helpdesk.test --name Alice >/dev/null || bail_out "agent add"
sent() { find "$OUT" -maxdepth 1 -name '*.eml' | wc -l; }
printf 'From: Rita Requester <rita@customer.test>\nTo: support@helpdesk.test\nCc: Boss <boss@customer.test>\nSubject: Printer on fire\nMessage-ID: <dr1@customer.test>\n\nIt burns. needle-quoted\n' |
	D ingest --envelope-to support@helpdesk.test || bail_out "ingest"
D cc 1 add it@customer.test >/dev/null || bail_out "cc"
D show 1 >/dev/null

# The editor keeps the draft it was given, writes the answer above the
# quote, and changes the header's To line (which must change nothing).
cat >"$T/editor" <<EOF
#!/bin/sh
cp "\$1" "$T/draft.txt"
sed -i -e 's/^# To: .*/# To: mallory@evil.test/' -e '0,/^\$/s/^\$/Unplug it, please. needle-answer/' "\$1"
EOF
chmod +x "$T/editor"
# the editor path needs a terminal: script(1) gives desk one
out=$(EDITOR=$T/editor script -qec "'$DESK' --store '$STORE' reply 1" /dev/null 2>&1)
check_eq "reply from the editor: exit 0" 0 $?
check "the draft starts with the comment header" grep -q '^# desk reply:' "$T/draft.txt"
check_eq "it names the ticket" 1 "$(grep -c '^# Ticket: 1 Printer on fire (open' "$T/draft.txt")"
check_eq "To: the requester" 1 "$(grep -cx '# To: Rita Requester <rita@customer.test>' "$T/draft.txt")"
cc=$(grep '^# Cc: ' "$T/draft.txt")
case $cc in *it@customer.test*boss@customer.test*|*boss@customer.test*it@customer.test*) ok "Cc: the participants and the Cc answered" ;;
*) not_ok "Cc: the participants and the Cc answered" "$cc" ;; esac
check_eq "Subject: as it will be sent" 1 "$(grep -cx '# Subject: \[#1\] Re: Printer on fire' "$T/draft.txt")"
check "the draft quotes the customer below the header" grep -q '^> It burns. needle-quoted' "$T/draft.txt"
m=$OUT/1.eml
check_eq "one mail sent" 1 "$(sent)"
check "the answer is sent" grep -q 'needle-answer' "$m"
check_eq "no line of the header is sent" 0 "$(grep -c '^# ' "$m")"
check_eq "the changed To line changed nothing" "Rita Requester <rita@customer.test>" "$(header_of "$m" To)"
check_eq "the Subject is the one the draft showed" "[#1] Re: Printer on fire" "$(header_of "$m" Subject)"
body=$(python3 -c 'import email,sys; print(email.message_from_file(open(sys.argv[1])).get_payload(decode=True).decode(), end="")' "$m")
case $body in "Unplug it, please. needle-answer"*) ok "the text starts with the answer" ;; *) not_ok "the text starts with the answer" "$body" ;; esac

# A draft left as it was sends nothing.
printf '#!/bin/sh\nexit 0\n' >"$T/noop"
chmod +x "$T/noop"
out=$(EDITOR=$T/noop script -qec "'$DESK' --store '$STORE' reply 1 --force" /dev/null 2>&1)
case $out in *"draft unchanged"*) ok "an unchanged draft: nothing sent, and said" ;; *) not_ok "an unchanged draft: nothing sent, and said" "$out" ;; esac
check_eq "still one mail" 1 "$(sent)"

# --- an empty stdin
out=$(D reply 1 --force </dev/null 2>&1)
check_eq "an empty stdin: 65" 65 $?
case $out in *"stdin held no text (0 bytes read)"*) ok "it says what was read" ;; *) not_ok "it says what was read" "$out" ;; esac
case $out in *"-m TEXT"*"--edit"*) ok "and how else to give the text" ;; *) not_ok "and how else to give the text" "$out" ;; esac
out=$(printf ' \n\n' | D reply 1 --force 2>&1)
check_eq "blanks on stdin: 65" 65 $?
case $out in *"3 bytes read, blanks only"*) ok "it says only blanks came" ;; *) not_ok "it says only blanks came" "$out" ;; esac
check_eq "nothing more was sent" 1 "$(sent)"
out=$(printf 'From stdin. needle-stdin\n' | D reply 1 --force 2>&1)
check_eq "text on stdin is sent as it is" "0 2" "$? $(sent)"
check_eq "without any header" 0 "$(grep -c '^# ' "$OUT/2.eml")"

test_done
