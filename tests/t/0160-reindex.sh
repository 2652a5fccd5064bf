#!/usr/bin/env bash
# 0160-reindex.sh: desk reindex gives back what the store had: every
# ticket's state (list and show), and every message's tags and
# properties in the index, after customer mail, replies, auto-replies,
# a reused Message-ID and agents' events; also when the fast rebuild must
# give way to folding from the index (a Message-ID in two files).
. "$(dirname "$0")/lib.sh"

STORE=$T/store
"$DESK" init --address support@helpdesk.test --address billing@helpdesk.test=billing "$STORE" >/dev/null
D() { "$DESK" --store "$STORE" "$@"; }
D agent add alice alice@helpdesk.test --name Alice >/dev/null
D agent add bob bob@helpdesk.test --name Bob >/dev/null

n=0
# msg FROM SUBJECT [IN-REPLY-TO] [EXTRA-HEADER]: ingest one message, dated
# a minute after the one before (or $DATE); $id gets its Message-ID.
msg() {
	n=$((n + 1))
	id="m$n@customer.test"
	{
		printf 'From: %s\nTo: support@helpdesk.test\nSubject: %s\n' "$1" "$2"
		printf 'Date: %s\nMessage-ID: <%s>\n' "${DATE:-$(date -R -d "2026-01-05 09:00 UTC + $n minutes")}" "$id"
		[ -n "${3:-}" ] && printf 'In-Reply-To: <%s>\nReferences: <%s>\n' "$3" "$3"
		[ -n "${4:-}" ] && printf '%s\n' "$4"
		printf '\nMessage %d, about %s.\n' "$n" "$2"
	} >"$T/msg$n"
	D ingest --envelope-to support@helpdesk.test <"$T/msg$n" || echo "ingest of message $n failed" >&2
}
ticket_of() { D list --status any --format=json | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    if t["subject"] == sys.argv[1]: print(t["ticket"])' "$1"; }

# --- a store with some history
msg 'Ann <ann@customer.test>' 'Printer on fire'
a=$id
msg 'Ann <ann@customer.test>' 'Re: Printer on fire' "$a"
msg 'Ben <ben@customer.test>' 'Invoice twice'
b=$id
msg 'Cid <cid@customer.test>' 'Password reset'
msg 'Vacation <ben@customer.test>' 'Out of office' "$b" 'Auto-Submitted: auto-replied'
msg 'Dee <dee@customer.test>' 'Refund please'
ta=$(ticket_of 'Printer on fire')
tb=$(ticket_of 'Invoice twice')
tc=$(ticket_of 'Password reset')
td=$(ticket_of 'Refund please')
[ -n "$ta" ] && [ -n "$tb" ] && [ -n "$tc" ] && [ -n "$td" ] || bail_out "tickets were not made" "$(D list --status any)"

D take "$ta" --as alice >/dev/null
D status "$ta" pending --as alice >/dev/null
sleep 1 # after the events
DATE=$(date -R) msg 'Ann <ann@customer.test>' 'Re: Printer on fire' "$a" # opens it again
D tag "$ta" +vip +hardware --as alice >/dev/null
D tag "$ta" -hardware --as alice >/dev/null
D priority "$ta" urgent --as alice >/dev/null
D cc "$ta" add boss@customer.test --as alice >/dev/null
D assign "$tb" bob --as alice >/dev/null
D queue "$tb" billing --as bob >/dev/null
D close "$tb" --as bob >/dev/null
D reopen "$tb" --as bob >/dev/null
D close "$tc" --as bob >/dev/null
D priority "$td" low --as bob >/dev/null
# a reused Message-ID with other content: a ticket of its own
printf 'From: mallory@evil.test\nTo: support@helpdesk.test\nSubject: hijack\nMessage-ID: <%s>\n\nnot Ann\n' "$a" |
	D ingest --envelope-to support@helpdesk.test

# the state as desk shows it, and the index's tags and properties
export NOTMUCH_CONFIG=$T/notmuch-config
printf '[database]\npath=%s\n' "$STORE/mail" >"$NOTMUCH_CONFIG"
snapshot() {
	D list --status any --format=json >"$T/$1.list" &&
		for t in $(D list --status any --format ids | sort -n); do
			D show "$t" --format=json || return 1
		done >"$T/$1.show" &&
		notmuch dump --include=tags --include=properties >"$T/$1.dump"
}
check "the state before the reindex" snapshot before
check "the store has events to fold" grep -q 'desk.event' "$T/before.dump"

# --- reindex: the same
check "desk reindex exits 0" D reindex
D reindex >"$T/reindex.out" 2>"$T/reindex.err"
check_eq "it reports every message of mail/cur" "reindexed $(count_files "$STORE/mail/cur") messages" \
	"$(sed 's/ in .*//' "$T/reindex.out")"
check_eq "it warns of nothing (the fast rebuild held)" "" "$(cat "$T/reindex.err")"
snapshot after
check "desk list is the same" diff "$T/before.list" "$T/after.list"
check "desk show of every ticket is the same" diff "$T/before.show" "$T/after.show"
check "every message has the same tags and properties in the index" diff "$T/before.dump" "$T/after.dump"
check_eq "ticket $ta after the reindex: status, owner, priority" "open alice urgent" \
	"$(D show "$ta" --format=json | python3 -c '
import json, sys
t = json.load(sys.stdin)
print(t["status"], t["owner"], t["priority"])')"
check "ticket $ta after the reindex: tag vip, cc boss@customer.test" \
	grep -q "^#= $a .*desk.cc=boss@customer.test.*desk.ttags=vip" "$T/after.dump"

# --- a new ticket after the reindex gets the next number
high=$(D list --status any --format ids | sort -n | tail -1)
msg 'Eve <eve@customer.test>' 'After the rebuild'
te=$(ticket_of 'After the rebuild')
check_eq "a ticket made after the reindex gets a fresh number" "$((high + 1))" "$te"

# --- one Message-ID in two files: folded from the index instead, same state
snapshot before2
f=$(grep -l "^Message-ID: <m1@customer.test>" "$STORE"/mail/cur/* | head -1)
cp "$f" "$STORE/mail/cur/9$(basename "$f")"
D reindex >"$T/reindex2.out" 2>"$T/reindex2.err"
check "with a Message-ID in two files, reindex says why it folds from the index" \
	grep -q "more than one file" "$T/reindex2.err"
snapshot after2
check "desk list is still the same" diff "$T/before2.list" "$T/after2.list"
check "desk show is still the same" diff "$T/before2.show" "$T/after2.show"

test_done
