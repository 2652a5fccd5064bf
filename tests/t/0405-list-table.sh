#!/usr/bin/env bash
# 0405-list-table.sh: `desk list` reads the ticket table
# (STORE/mail/.notmuch/desk-tickets.sqlite), a cache of every ticket's
# state that each list brings up to the index from the messages changed
# since its last use. After every kind of change (new mail, a reply, each
# change verb, merge, split, spam, purge, reindex) the table's answer is
# the one made from the index alone: a copy of the store with the table
# deleted (built whole) and one where it cannot be a file (built in
# memory). Every filter, sort and limit gives what filtering and sorting
# the whole list in Python gives.
. "$(dirname "$0")/lib.sh"

STORE=$T/store
store_init "$STORE" || bail_out "store_init"
unset MAILDESK_AGENT MAILDESK_STORE
export TZ=UTC
TABLE=mail/.notmuch/desk-tickets.sqlite
D() { "$DESK" --store "$STORE" "$@"; }
D agent add alice alice@helpdesk.test >/dev/null || bail_out "agent add"
D agent add bob bob@helpdesk.test >/dev/null || bail_out "agent add"
export MAILDESK_AGENT=alice

# mail N FROM SUBJECT DATE [IN-REPLY-TO]: a customer message, ingested.
mail() {
	{
		printf 'From: %s\nTo: support@helpdesk.test\nSubject: %s\nDate: %s\nMessage-ID: <c%s@customer.test>\n' \
			"$2" "$3" "$4" "$1"
		[ -z "${5:-}" ] || printf 'In-Reply-To: <%s>\nReferences: <%s>\n' "$5" "$5"
		printf '\nPlease help (%s).\n' "$1"
	} | D ingest --envelope-to support@helpdesk.test
}

# same_as_index WHAT: the list from the table equals the lists built from
# the index alone, whole into a fresh file and in memory.
same_as_index() {
	local got fresh memory
	got=$(D list --status any --format=json)
	rm -rf "$T/copy"
	cp -a "$STORE" "$T/copy"
	rm -f "$T/copy/$TABLE"
	fresh=$("$DESK" --store "$T/copy" list --status any --format=json)
	rm -f "$T/copy/$TABLE"
	mkdir "$T/copy/$TABLE"
	memory=$("$DESK" --store "$T/copy" list --status any --format=json)
	if [ -n "$got" ] && [ "$got" = "$fresh" ] && [ "$got" = "$memory" ] && [ -f "$STORE/$TABLE" ]; then
		ok "after $1: the table says what the index says"
	else
		not_ok "after $1: the table says what the index says" "table: $got" "fresh: $fresh" "memory: $memory"
	fi
}

mail 1 'Ann <ann@customer.test>' 'Printer on fire' 'Mon, 02 Nov 2026 10:00:00 +0000'
mail 2 'Ben <ben@customer.test>' 'Invoice 2211' 'Tue, 03 Nov 2026 10:00:00 +0000'
mail 3 'Cid <cid@customer.test>' 'VPN down' 'Wed, 04 Nov 2026 10:00:00 +0000'
mail 4 'Dee <Dee@Customer.test>' 'Password reset' 'Thu, 05 Nov 2026 10:00:00 +0000'
mail 5 'Eve <eve@customer.test>' 'Refund' 'Fri, 06 Nov 2026 10:00:00 +0000'
mail 6 'Fay <fay@customer.test>' 'Login loop' 'Sat, 07 Nov 2026 10:00:00 +0000'
check "the first list makes the table" D list --format=ids
check "the table is a file of the index, group-writable, nothing for others" \
	test "$(stat -c %a "$STORE/$TABLE")" = 660
same_as_index "six new tickets"

D take 1 >/dev/null && D assign 2 bob >/dev/null && D status 2 pending >/dev/null
same_as_index "take, assign, status"
D priority 3 urgent >/dev/null && D priority 4 high >/dev/null && D tag 3 +vpn +net >/dev/null &&
	D cc 3 add boss@customer.test >/dev/null && D queue 5 billing >/dev/null
same_as_index "priority, tag, cc, queue"
mail 7 'Ben <ben@customer.test>' 'Re: Invoice 2211' "$(date -R)" c2@customer.test
check_eq "the requester's reply reopened ticket 2" open \
	"$(D list --status any --format=tsv | awk -F'\t' '$1 == 2 { print $3 }')"
same_as_index "a reply of the requester"
D close 6 >/dev/null && D merge 4 3 >/dev/null
same_as_index "close, merge"
mail 8 'Cid <cid@customer.test>' 'Re: VPN down, and the printer' 'Tue, 10 Nov 2026 10:00:00 +0000' c3@customer.test
D split 3 c8@customer.test >/dev/null
same_as_index "split"
D spam 5 >/dev/null && D purge 1 --yes >/dev/null
same_as_index "spam, purge"
before=$(D list --status any --format=json)
check "desk reindex" D reindex
check_eq "after reindex the table is made anew, the same" "$before" "$(D list --status any --format=json)"
same_as_index "reindex"

# --- every filter, sort and limit against Python on the whole list
D list --status any --format=json >"$T/all.json"
# py FILTER SORT LIMIT: ticket numbers of all.json kept by FILTER (an
# expression on t), in SORT order (activity|waiting|updated|created|priority|age),
# at most LIMIT (0: all).
py() {
	python3 - "$T/all.json" "$1" "$2" "$3" <<'EOF'
import json, sys
tickets, keep, sort, limit = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3], int(sys.argv[4])
rank = {"low": 0, "normal": 1, "high": 2, "urgent": 3}
sel = [t for t in tickets if eval(keep)]
key = {
    "updated": lambda t: (t["updated"], t["ticket"]),
    "created": lambda t: (t["created"], t["ticket"]),
}
if sort in key:
    sel.sort(key=key[sort], reverse=True)
elif sort == "activity":
    # people's activity, newest first; none (automatic mail only) last
    sel.sort(key=lambda t: (t["activity"] or "", t["ticket"]), reverse=True)
elif sort == "waiting":
    # waiting longest first, then not waiting; each by activity, then number
    sel.sort(key=lambda t: t["ticket"])
    sel.sort(key=lambda t: t["activity"] or "", reverse=True)
    sel.sort(key=lambda t: (t["waiting_since"] is None, t["waiting_since"] or ""))
elif sort == "age":
    sel.sort(key=lambda t: (t["created"], t["ticket"]))
else:
    sel.sort(key=lambda t: (-rank[t["priority"]], t["created"], t["ticket"]))
print(" ".join(str(t["ticket"]) for t in (sel[:limit] if limit else sel)))
EOF
}
OPEN='t["status"] in ("new", "open", "pending", "on-hold")'
# same DESC PYFILTER SORT LIMIT DESK-ARGS...
same() {
	local desc=$1 keep=$2 sort=$3 limit=$4
	shift 4
	check_eq "$desc" "$(py "$keep" "$sort" "$limit")" "$(D list --format=ids --sort="$sort" --limit="$limit" "$@" | xargs)"
}
same "default: the open ones, newest activity first" "$OPEN" activity 0
check_eq "the default sort is activity" "$(D list --format=ids --sort=activity | xargs)" "$(D list --format=ids | xargs)"
same "--status any leaves out spam" 't["status"] != "spam"' updated 0 --status any
same "--status solved,closed,merged" 't["status"] in ("solved", "closed", "merged")' updated 0 --status solved,closed,merged
check_eq "--status spam: the one ticket marked spam" 5 "$(D list --status spam --format=ids)"
same "--status purged" 't["status"] == "purged"' updated 0 --status purged
same "--owner bob" "$OPEN"' and t["owner"] == "bob"' updated 0 --owner bob
same "--owner none" "$OPEN"' and t["owner"] is None' updated 0 --owner none
same "--mine" 't["owner"] == "alice" and t["status"] != "spam"' updated 0 --mine --status any
same "--queue billing" 't["queue"] == "billing" and t["status"] != "spam"' updated 0 --queue billing --status any
same "--priority high" "$OPEN"' and t["priority"] == "high"' updated 0 --priority high
same "--requester in any case" 't["status"] != "spam" and t["requester"] == "dee@customer.test"' updated 0 \
	--requester DEE@customer.TEST --status any
same "--since" 't["status"] != "spam" and t["updated"] >= "2026-11-05"' updated 0 --status any --since 2026-11-05
same "--until" 't["status"] != "spam" and t["updated"] < "2026-11-05"' updated 0 --status any --until 2026-11-05
for s in activity waiting updated created priority age; do
	same "--sort=$s --limit 3" 't["status"] != "spam"' "$s" 3 --status any
	same "--sort=$s" "$OPEN" "$s" 0
done
same "a notmuch query with --limit" 't["status"] != "spam" and t["requester"] in ("ben@customer.test", "cid@customer.test")' updated 2 --status any \
	'from:ben@customer.test or from:cid@customer.test'

# --- a damaged table is made anew; one that cannot be a file is made in memory
printf 'not a database' >"$STORE/$TABLE"
check_eq "a damaged table is built again" "$(py "$OPEN" activity 0)" "$(D list --format=ids | xargs)"
check "and is a database again" sh -c "! grep -q 'not a database' '$STORE/$TABLE'"
test_done
