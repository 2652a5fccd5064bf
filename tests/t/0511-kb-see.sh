#!/usr/bin/env bash
# 0511-kb-see.sh: an article's See: lines are links for agents: desk reply
# --kb never sends them (nor the header block) to the customer, and they
# are not indexed as the article's text (an index built before is built
# anew); search results show a relevance that means something where bm25
# prints 0.00 in a small knowledge base.
. "$(dirname "$0")/lib.sh"

STORE=$T/store
"$DESK" init --address support@helpdesk.test "$STORE" >/dev/null || bail_out "desk init"
store_conf ack false || bail_out "store_conf"
D() { "$DESK" --store "$STORE" "$@"; }
G() { git -C "$T/work" -c user.name="Ann Author" -c user.email=ann@helpdesk.test "$@"; }
OUT=$T/out
mkdir -p "$OUT"
export MAILDESK_SENDMAIL="$TESTS_T/sendmail-capture" CAPTURE_DIR=$OUT MAILDESK_AGENT=alice
D agent add alice alice@helpdesk.test >/dev/null || bail_out "agent add"
git clone -q "$STORE/kb" "$T/work" 2>/dev/null || bail_out "git clone"
mkdir -p "$T/work/articles"
cat >"$T/work/articles/reset-password.txt" <<'EOF'
Title: Resetting your password
Tags: account, password
Audience: public
Status: published

Open the login page and choose "Forgot password"; we mail you a link.

See: cannot-log-in, zebra-internal-notes
EOF
cat >"$T/work/articles/cannot-log-in.txt" <<'EOF'
Title: Cannot log in
Tags: account
Audience: public
Status: published

Check the caps lock key, then reset your password.
EOF
cat >"$T/work/articles/zebra-internal-notes.txt" <<'EOF'
Title: Notes for agents
Tags: account
Audience: internal
Status: published

Resets of agents' own passwords go through the intranet.
EOF
G add -A && G commit -qm "articles" && G push -q origin HEAD:main 2>/dev/null || bail_out "git push"

# --- desk reply --kb: the text, not the links
printf 'From: Rita <rita@customer.test>\nTo: support@helpdesk.test\nSubject: Password\nMessage-ID: <kbs1@customer.test>\n\nForgot it.\n' |
	D ingest --envelope-to support@helpdesk.test || bail_out "ingest"
D show 1 >/dev/null
check "reply --kb reset-password" D reply 1 -m "Here is how:" --kb reset-password
m=$OUT/1.eml
check "the article's text is sent" grep -q 'choose "Forgot password"' "$m"
check_eq "no See: line is sent" 0 "$(grep -ci '^See:' "$m")"
check_eq "no other article's slug is sent" 0 "$(grep -c 'cannot-log-in\|zebra-internal-notes' "$m")"
check_eq "nor the header block" 0 "$(grep -c '^Audience:\|^Status: published\|^Tags: account' "$m")"

# --- nor does the acknowledgement that offers the article
store_conf ack true && store_conf ack_articles true && store_conf min_score 0 || bail_out "store_conf"
printf 'From: Sam <sam@customer.test>\nTo: support@helpdesk.test\nSubject: Forgot my password\nMessage-ID: <kbs2@customer.test>\n\nHow do I reset my password?\n' |
	D ingest --envelope-to support@helpdesk.test >/dev/null 2>&1 || bail_out "ingest"
ack=$(grep -l '^To: .*sam@customer.test' "$OUT"/*.eml | head -1)
check "the acknowledgement offers the article's text" grep -q 'choose "Forgot password"' "$ack"
check_eq "without its See: line" 0 "$(grep -ci '^See:' "$ack")"
store_conf ack false || bail_out "store_conf"

# --- See: lines are not indexed as text
out=$(D kb search zebra 2>&1)
check_eq "a word only in a See: line finds nothing" "" "$out"
check "the article's own words find it" sh -c "'$DESK' --store '$STORE' kb search mail link | grep -q reset-password"
check "desk kb lint still checks the links" D kb lint
# an index built by an older desk (version 1, See: lines in the text) is built anew
ix=$STORE/var/kb-index.sqlite
python3 - "$ix" <<'EOF' || bail_out "sqlite"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE meta SET value = '1' WHERE key = 'version'")
db.execute("UPDATE fts SET body = body || ' zebra-internal-notes'")
db.commit()
EOF
out=$(D kb search zebra 2>&1)
check_eq "an older index is built anew: the See: word is gone" "" "$out"

# --- relevance instead of a bm25 that prints 0.00
out=$(D kb search password 2>&1)
first=$(printf '%s\n' "$out" | head -1)
case $first in " 1. 100%  "*) ok "the best result is 100%" ;; *) not_ok "the best result is 100%" "$out" ;; esac
check_eq "no score prints as 0.00" 0 "$(printf '%s\n' "$out" | grep -c '0\.00')"
rel=$(D kb search password --format=json | python3 -c '
import json, sys
h = json.load(sys.stdin)
print(h[0]["relevance"], all(0 <= x["relevance"] <= 100 for x in h), all(x["score"] > 0 for x in h), len(h))')
check_eq "JSON: relevance 100 for the best, 0-100 for all, the bm25 score kept" "100 True True 3" "$rel"
second=$(printf '%s\n' "$out" | grep '^ 2\. ' | sed 's/^ 2\. *\([0-9]*\)%.*/\1/')
case $second in [0-9]|[0-9][0-9]) ok "the second result has a share below 100 ($second%)" ;;
*) not_ok "the second result has a share below 100" "$out" ;; esac

test_done
