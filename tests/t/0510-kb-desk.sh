#!/usr/bin/env bash
# 0510-kb-desk.sh: the knowledge base in the help desk: an acknowledgement
# offers public published articles and the ticket records which (event
# ack, offered=SLUG@COMMIT); desk reply --kb SLUG puts the article in the
# reply and cites it in the stored copy (X-Desk-KB).
. "$(dirname "$0")/lib.sh"

STORE=$T/store
"$DESK" init --address support@helpdesk.test "$STORE" >/dev/null || bail_out "desk init"
D() { "$DESK" --store "$STORE" "$@"; }
G() { git -C "$T/work" -c user.name="Ann Author" -c user.email=ann@helpdesk.test "$@"; }
OUT=$T/out
mkdir -p "$OUT"
export MAILDESK_SENDMAIL="$TESTS_T/sendmail-capture" CAPTURE_DIR=$OUT MAILDESK_TEMPLATES_DIR=$SRCDIR/templates
unset MAILDESK_AGENT VISUAL
D agent add alice alice@helpdesk.test --name "Alice Agent" >/dev/null || bail_out "agent add"
store_conf ack true && store_conf ack_articles true && store_conf min_score 0 || bail_out "store_conf"
sent() { find "$OUT" -maxdepth 1 -name '*.eml' | wc -l; }

article() { # SLUG TITLE AUDIENCE STATUS TEXT
	mkdir -p "$T/work/articles"
	printf 'Title: %s\nTags: help\nAudience: %s\nStatus: %s\n\n%s\n' "$2" "$3" "$4" "$5" \
		>"$T/work/articles/$1.txt"
}
git clone -q "$STORE/kb" "$T/work" 2>/dev/null || bail_out "git clone"
article reset-password "Resetting your password" public published \
	"Open the login page and choose Forgot password; the link we mail resets your password."
article vpn-password "VPN password for agents" internal published \
	"Agents only: the VPN password is rotated monthly on the intranet."
article password-draft "Password rules (draft)" public draft \
	"Passwords need twelve characters."
G add -A && G commit -qm "articles" && G push -q origin HEAD:main 2>/dev/null || bail_out "git push"
commit=$(git -C "$STORE/kb" rev-parse --short=7 main)

customer() { # ID SUBJECT TEXT FROM
	printf 'From: %s\nTo: support@helpdesk.test\nSubject: %s\nMessage-ID: <%s>\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n\n%s\n' \
		"$4" "$2" "$1" "$3" | D ingest --envelope-to support@helpdesk.test
}

# --- the acknowledgement offers the public published article, nothing else
customer k1@example.com "I forgot my password" "I cannot remember my password, how do I reset it?" \
	carol@example.com || bail_out "ingest"
check_eq "the new ticket is acknowledged" 1 "$(sent)"
ack=$OUT/1.eml
check "the acknowledgement offers the public article by title" grep -q "Resetting your password" "$ack"
check "and inline, its text (no kb.url)" grep -q "choose Forgot password" "$ack"
check "not the internal article" sh -c "! grep -q 'VPN password' '$ack'"
check "not the draft" sh -c "! grep -q 'twelve characters' '$ack'"
stored=$(grep -l '^X-Desk-Event: ack' "$STORE"/mail/cur/* | head -n 1)
check "the ticket records the offered article with its commit" \
	grep -Eq "^X-Desk-Set: .*offered=reset-password@$commit" "$stored"

# --- with kb.url the acknowledgement links instead of quoting
store_conf url "https://help.example.com/kb/%s" || bail_out "store_conf"
customer k2@example.com "Password reset" "How do I reset my password please" dave@example.com || bail_out "ingest"
check_eq "a second requester is acknowledged" 2 "$(sent)"
check "the link follows kb.url" grep -q "https://help.example.com/kb/reset-password" "$OUT/2.eml"
check "and the text is not inline" sh -c "! grep -q 'choose Forgot password' '$OUT/2.eml'"

# --- kb.ack off: no articles
store_conf ack false || bail_out "store_conf"  # no acknowledgements from here on
D show 1 --as alice >/dev/null

# --- desk reply --kb SLUG
D reply 1 --as alice -m "Here is how:" --kb reset-password >/dev/null
check_eq "reply --kb is sent" 3 "$(sent)"
check "the reply holds the agent's text" grep -q "Here is how:" "$OUT/3.eml"
check "and the article's text" grep -q "choose Forgot password" "$OUT/3.eml"
check "the citation does not leave the desk" sh -c "! grep -q '^X-Desk-KB' '$OUT/3.eml'"
copy=$(grep -l '^X-Desk-KB:' "$STORE"/mail/cur/* | head -n 1)
check "the stored copy cites SLUG@COMMIT" grep -qx "X-Desk-KB: reset-password@$commit" "$copy"
check "the stored copy is the reply" grep -q '^X-Desk-Event: reply' "$copy"
out=$(D reply 1 --as alice -m "x" --kb vpn-password --force 2>&1)
check "an internal article is refused for a reply" test $? -ne 0
case $out in *vpn-password*) ok "the refusal names the article" ;; *) not_ok "the refusal names the article" "$out" ;; esac
out=$(D reply 1 --as alice -m "x" --kb no-such-article --force 2>&1)
check "an unknown article is refused" test $? -ne 0
check_eq "nothing more was sent" 3 "$(sent)"

test_done
