#!/usr/bin/env bash
# 0414-subject-tag.sh: the subject tag is placed one way on all the mail
# the desk writes (in front, once), and never doubled: the acknowledgement
# (whose shipped template once put it at the end), replies, events, a
# template's own Subject, and a ticket that follows a closed one, whose
# customer subject carries the old ticket's tag ([#2] Re: ..., not
# [#2] Re: [#1] Re: ...).
. "$(dirname "$0")/lib.sh"

STORE=$T/store
"$DESK" init --address support@helpdesk.test "$STORE" >/dev/null || bail_out "desk init"
D() { "$DESK" --store "$STORE" "$@"; }
OUT=$T/out
mkdir -p "$OUT"
export MAILDESK_SENDMAIL="$TESTS_T/sendmail-capture" CAPTURE_DIR=$OUT MAILDESK_AGENT=alice
export MAILDESK_TEMPLATES_DIR=$SRCDIR/templates
D agent add alice alice@helpdesk.test >/dev/null || bail_out "agent add"
sent() { find "$OUT" -maxdepth 1 -name '*.eml' | wc -l; }
last() { echo "$OUT/$(sent).eml"; }
# subject FILE: its Subject, decoded
subject() { python3 -c 'import email,email.policy,sys; print(email.message_from_file(open(sys.argv[1]), policy=email.policy.default)["Subject"])' "$1"; }
mail() { # ID SUBJECT
	printf 'From: Rita <rita@customer.test>\nTo: support@helpdesk.test\nSubject: %s\nMessage-ID: <%s>\n\nHelp.\n' "$2" "$1" |
		D ingest --envelope-to support@helpdesk.test
}

# --- the acknowledgement: the tag in front
mail st1@customer.test 'Printer on fire' || bail_out "ingest"
check_eq "the acknowledgement: the tag in front, once" "[#1] Re: Printer on fire" "$(subject "$(last)")"
store_conf ack false || bail_out "store_conf"

# --- a reply and an event
D show 1 >/dev/null
D reply 1 -m "Unplug it." >/dev/null || bail_out "reply"
check_eq "a reply: the same place" "[#1] Re: Printer on fire" "$(subject "$(last)")"
D priority 1 high >/dev/null
ev=$(grep -l '^X-Desk-Event: priority' "$STORE"/mail/new/* "$STORE"/mail/cur/* 2>/dev/null | head -1)
case $(header_of "$ev" Subject) in "[#1] priority: "*) ok "an event: the tag in front" ;; *) not_ok "an event: the tag in front" "$(header_of "$ev" Subject)" ;; esac

# --- a template's Subject with the tag at its end
mkdir -p "$STORE/templates"
printf 'Subject: More on ${subject} [#${ticket}]\n\nTell us more.\n' >"$STORE/templates/more.txt"
D reply 1 --template more >/dev/null || bail_out "reply --template"
check_eq "a template's tag moves to the front, once" "[#1] More on Printer on fire" "$(subject "$(last)")"

# --- the ticket that follows a closed one
D close 1 >/dev/null && D status 1 closed >/dev/null || bail_out "close"
mail st2@customer.test 'Re: [#1] Re: Printer on fire' || bail_out "ingest"
t=$(desk_ids | sort -n | tail -1)
check_eq "mail to a closed ticket starts ticket 2" 2 "$t"
D show 2 >/dev/null
D reply 2 -m "Again?" >/dev/null || bail_out "reply 2"
s=$(subject "$(last)")
check_eq "its reply: [#2] Re: Printer on fire, the old tag gone" "[#2] Re: Printer on fire" "$s"
case $s in *"[#1]"*) not_ok "never two tags" "$s" ;; *) ok "never two tags" ;; esac
D tag 2 +again >/dev/null
ev=$(grep -l '^X-Desk-Event: tag' "$STORE"/mail/new/* "$STORE"/mail/cur/* 2>/dev/null | head -1)
case $(header_of "$ev" Subject) in "[#2] tag: "*"[#"*) not_ok "its events: one tag" "$(header_of "$ev" Subject)" ;;
"[#2] tag: "*) ok "its events: one tag" ;; *) not_ok "its events: one tag" "$(header_of "$ev" Subject)" ;; esac

test_done
