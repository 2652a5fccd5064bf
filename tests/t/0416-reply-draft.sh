#!/usr/bin/env bash
# 0416-reply-draft.sh: desk reply N --draft opens $EDITOR on the published
# public KB articles that match the ticket (cited by commit as --kb cites)
# and the public answer of the most similar solved ticket, under [draft ...]
# marker lines: a draft left unchanged or with a marker line left sends
# nothing (and the agent's text is kept); a kept article is cited in the
# stored copy (X-Desk-KB); one taken out is not.
. "$(dirname "$0")/lib.sh"

STORE=$T/store
"$DESK" init --address support@helpdesk.test "$STORE" >/dev/null || bail_out "desk init"
store_conf ack false || bail_out "store_conf"
D() { "$DESK" --store "$STORE" "$@"; }
G() { git -C "$T/work" -c user.name="Ann Author" -c user.email=ann@helpdesk.test "$@"; }
OUT=$T/out
mkdir -p "$OUT"
export MAILDESK_SENDMAIL="$TESTS_T/sendmail-capture" CAPTURE_DIR=$OUT MAILDESK_AGENT=alice TZ=UTC
unset VISUAL
D agent add alice alice@helpdesk.test --name Alice >/dev/null || bail_out "agent add"
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

n=0
customer() { # SUBJECT TEXT
	n=$((n + 1))
	printf 'From: c%s@customer.test\nTo: support@helpdesk.test\nSubject: %s\nMessage-ID: <d%s@customer.test>\n\n%s\n' \
		"$n" "$1" "$n" "$2" | D ingest --envelope-to support@helpdesk.test >/dev/null
}
# History: 1 (password, solved), 2 (invoice, solved), 3 (password, open:
# nobody's answer to copy), then the new ticket 4.
customer "Forgot my password" "I cannot remember my password for the portal, please reset it" || bail_out "1"
customer "Invoice missing" "The invoice for March is missing from the portal" || bail_out "2"
customer "Password again" "My password for the portal does not work" || bail_out "3"
D show 1 >/dev/null && D reply 1 -m "Use the reset link on the portal login page. needle-old-answer" >/dev/null || bail_out "reply 1"
D show 2 >/dev/null && D reply 2 -m "We mailed the March invoice again. needle-invoice" >/dev/null || bail_out "reply 2"
D show 3 >/dev/null && D comment 3 -m "looking. needle-note" >/dev/null || bail_out "comment 3"
D close 1 2 >/dev/null || bail_out "close"
customer "Password reset" "I lost my password for the portal and need to reset it" || bail_out "4"
D show 4 >/dev/null
base=$(sent)

# --- the draft, as the editor sees it (it copies it and sends it cleaned)
cat >"$T/editor" <<EOF
#!/bin/sh
cp "\$1" "$T/draft.txt"
sed -i -e '/^\[draft/d' -e '0,/^\$/s/^\$/Dear customer, needle-agent/' "\$1"
EOF
chmod +x "$T/editor"
out=$(EDITOR=$T/editor script -qec "'$DESK' --store '$STORE' reply 4 --draft" /dev/null 2>&1)
check_eq "reply --draft: exit 0" 0 $?
check_eq "the draft has the comment header" 1 "$(grep -c '^# Ticket: 4 Password reset' "$T/draft.txt")"
check_eq "it opens with the marker that says what to do" 1 "$(grep -c '^\[draft: write your reply' "$T/draft.txt")"
check_eq "the public published article, by its citation" 1 \
	"$(grep -c "^\[draft: KB article reset-password@$commit " "$T/draft.txt")"
check "with its text" grep -qx "Open the login page and choose Forgot password; the link we mail resets your password." "$T/draft.txt"
check "not the internal article" sh -c "! grep -q 'VPN password' '$T/draft.txt'"
check "not the draft article" sh -c "! grep -q 'twelve characters' '$T/draft.txt'"
check_eq "the most similar solved ticket's answer, named" 1 \
	"$(grep -c '^\[draft: the answer to solved ticket #1 "Forgot my password"' "$T/draft.txt")"
check "with its text" grep -q "^Use the reset link on the portal login page. needle-old-answer" "$T/draft.txt"
check "not an open ticket's note" sh -c "! grep -q needle-note '$T/draft.txt'"
check "not the other solved ticket's answer" sh -c "! grep -q needle-invoice '$T/draft.txt'"
check "the last customer message is quoted below" grep -q '^> I lost my password' "$T/draft.txt"
check_eq "one mail sent" $((base + 1)) "$(sent)"
m=$OUT/$((base + 1)).eml
check "the agent's words are sent" grep -q needle-agent "$m"
check "the old answer as kept" grep -q needle-old-answer "$m"
check_eq "no marker line is sent" 0 "$(grep -c '^\[draft' "$m")"
check "the citation does not leave the desk" sh -c "! grep -q '^X-Desk-KB' '$m'"
copy=$(grep -l 'needle-agent' "$STORE"/mail/cur/* | head -n 1)
check "the stored copy cites the kept article SLUG@COMMIT" grep -qx "X-Desk-KB: reset-password@$commit" "$copy"
check "the reply is by the agent" grep -q '^X-Desk-Set: .*by=alice' "$copy"

# --- unchanged: nothing sent
printf '#!/bin/sh\nexit 0\n' >"$T/noop"
chmod +x "$T/noop"
out=$(EDITOR=$T/noop script -qec "'$DESK' --store '$STORE' reply 4 --draft --force" /dev/null 2>&1)
case $out in *"draft unchanged; nothing sent"*) ok "an unchanged draft: nothing sent, and said" ;; *) not_ok "an unchanged draft: nothing sent, and said" "$out" ;; esac
check_eq "still the same mails" $((base + 1)) "$(sent)"

# --- a marker line left: refused, the text kept
cat >"$T/keep" <<EOF
#!/bin/sh
sed -i -e '0,/^\$/s/^\$/My own words needle-kept/' "\$1"
EOF
chmod +x "$T/keep"
out=$(EDITOR=$T/keep script -qec "'$DESK' --store '$STORE' reply 4 --draft --force" /dev/null 2>&1)
case $out in *"still has a [draft line"*"nothing sent; your text is kept in "*) ok "a marker line left: refused, and said" ;;
*) not_ok "a marker line left: refused, and said" "$out" ;; esac
check_eq "nothing sent" $((base + 1)) "$(sent)"
kept=$(printf '%s' "$out" | sed -n 's/.*your text is kept in \([^ ]*\.txt\).*/\1/p' | tr -d '\r')
check "the agent's text is in the file named" grep -q needle-kept "$kept"
rm -f "$kept"

# --- the article taken out: no citation
cat >"$T/noart" <<EOF
#!/bin/sh
sed -i -e '/^\[draft/d' -e '/choose Forgot password/d' -e '0,/^\$/s/^\$/Short answer needle-noart/' "\$1"
EOF
chmod +x "$T/noart"
EDITOR=$T/noart script -qec "'$DESK' --store '$STORE' reply 4 --draft --force" /dev/null >/dev/null 2>&1
check_eq "sent" $((base + 2)) "$(sent)"
copy=$(grep -l 'needle-noart' "$STORE"/mail/cur/* | head -n 1)
check "an article taken out is not cited" sh -c "! grep -q '^X-Desk-KB' '$copy'"

# --- not with -m
out=$(D reply 4 --draft -m hello 2>&1)
check_eq "--draft with -m: usage (64)" 64 $?
case $out in *"--draft writes the text in \$EDITOR"*) ok "and says why" ;; *) not_ok "and says why" "$out" ;; esac
test_done
