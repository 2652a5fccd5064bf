#!/usr/bin/env bash
# 0406-list-readable.sh: `desk list` as an agent reads it. On a terminal
# (a pseudo-terminal of a given width, tests/t/pty-run.py): a header row,
# the same columns whatever the filter, narrow terminals leaving out the
# least useful column first and never the priority, an ellipsis where a
# value is cut. Through a pipe, or with --wide, nothing is cut. Ages
# ("2h", "3d"), --absolute in the agent's time zone, people's activity
# (the desk's own events do not move a ticket up), --sort=waiting,
# tickets of automatic mail only hidden from the text with a count line,
# the unseen marker and --unseen, TSV fields in the text's column order,
# desk reindex giving the same.
. "$(dirname "$0")/lib.sh"

STORE=$T/store
store_init "$STORE" || bail_out "store_init"
unset MAILDESK_AGENT MAILDESK_STORE COLUMNS
export TZ=UTC NO_COLOR=1 TERM=xterm
export MAILDESK_SENDMAIL="$TESTS_T/sendmail-capture" CAPTURE_DIR=$T/out MAILDESK_TEMPLATES_DIR=$SRCDIR/templates
mkdir -p "$T/out"
D() { "$DESK" --store "$STORE" "$@"; }
# onterm WIDTH ARGS...: desk list ARGS on a terminal WIDTH columns wide
onterm() { local w=$1; shift; python3 "$TESTS_T/pty-run.py" "$w" "$DESK" --store "$STORE" list "$@"; }
# header WIDTH ARGS...: the header row of that list, its column names one space apart
header() { onterm "$@" | head -n 1 | xargs; }
# widest WIDTH ARGS...: the widest line of that list but its count line, in
# characters (… is one)
widest() {
	onterm "$@" | python3 -c 'import sys; print(max(len(l) for l in sys.stdin.buffer.read().decode().splitlines() if not l.startswith("(")))'
}
# col ARGS...: the first column (the ticket numbers) of desk list ARGS through a pipe
col() { D list "$@" 2>/dev/null | awk '{ print $1 }' | xargs; }
D agent add alice alice@helpdesk.test >/dev/null || bail_out "agent add"
D agent add bob bob@helpdesk.test >/dev/null || bail_out "agent add"

NOW=$(date +%s)
# mail ID FROM SUBJECT AGE-SECONDS [EXTRA-HEADER]: a message written AGE ago, ingested
mail() {
	{
		printf 'From: %s\nTo: support@helpdesk.test\nSubject: %s\nMessage-ID: <%s@customer.test>\n' "$2" "$3" "$1"
		printf 'Date: %s\n' "$(date -R -d "@$((NOW - $4))")"
		[ -z "${5:-}" ] || printf '%s\n' "$5"
		printf '\nPlease help (%s).\n' "$1"
	} | D ingest --envelope-to support@helpdesk.test
}
LONG="Printer on fire in the accounting department, third floor, next to the coffee machine"
mail ann 'Ann <ann@customer.test>' "$LONG" $((2 * 3600 + 60))
mail ben 'Ben <ben@customer.test>' 'Invoice 2211' $((3 * 86400 + 60))
mail cid 'Cid <cid@customer.test>' 'VPN down' $((5 * 3600 + 60))
mail eve 'Eve <eve@customer.test>' 'Login loop' $((3 * 86400 + 600))
mail ooo 'Dee <dee@customer.test>' 'Out of office: Re: news' 600 'Auto-Submitted: auto-replied'
mail lst 'Lisa <lisa@lists.test>' '[users] weekly digest' 300 'List-Id: <users.lists.test>'
check_eq "six tickets" "6" "$(D list --format=ids | wc -l)"
# the desk's own events on cid's ticket, then a public reply to ben
D take 3 --as bob >/dev/null && D tag 3 +vpn --as bob >/dev/null && D priority 3 urgent --as bob >/dev/null ||
	bail_out "events on ticket 3"
sleep 1
D reply 2 --as bob --force -m "Paid on Monday." >/dev/null || bail_out "reply to ticket 2"

# --- people's activity, waiting, ages
check_eq "default order: people's latest activity first (bob's take, tag, priority do not count)" "2 1 3 4" "$(col)"
check_eq "--sort=updated: any change, so bob's events count" "2 3 1 4" "$(col --sort=updated)"
check_eq "--sort=waiting: the requester waiting longest first; answered last" "4 3 1 2" "$(col --sort=waiting)"
check_eq "JSON: activity of ticket 3 is cid's mail, not bob's events" "True" \
	"$(D list --format=json | python3 -c 'import json,sys; t=[x for x in json.load(sys.stdin) if x["ticket"]==3][0]; print(t["activity"] == t["created"] and t["updated"] > t["activity"])')"
check_eq "JSON: ticket 2 was answered: waiting_since null; ticket 1 waits since ann's mail" "None True" \
	"$(D list --format=json | python3 -c 'import json,sys; j={x["ticket"]:x for x in json.load(sys.stdin)}; print(j[2]["waiting_since"], j[1]["waiting_since"] == j[1]["created"])')"
pipe=$(D list 2>"$T/pipe.err")
line1=$(printf '%s\n' "$pipe" | awk '$1 == 1')
line2=$(printf '%s\n' "$pipe" | awk '$1 == 2')
case $line1 in *"  2h  "*"2h  ann@customer.test"*) ok "ages as people read them: ann's ticket active and waiting 2h" ;;
*) not_ok "ages as people read them: ann's ticket active and waiting 2h" "$line1" ;; esac
check "ben's: active now (bob's reply), waiting -" sh -c 'printf "%s\n" "$1" | grep -q "  now  *-  *ben@customer.test"' _ "$line2"
check "cid's: 5h and 5h" sh -c 'printf "%s\n" "$1" | grep -q "  5h  *5h  cid@customer.test"' _ "$pipe"
check "eve's: 3d and 3d" sh -c 'printf "%s\n" "$1" | grep -q "  3d  *3d  eve@customer.test"' _ "$pipe"
hours=$(D list --absolute 2>/dev/null | awk '$1 == 1')
want=$(TZ=Asia/Tokyo date -d "@$((NOW - 2 * 3600 - 60))" '+%Y-%m-%d %H:%M')
case $(TZ=Asia/Tokyo "$DESK" --store "$STORE" list --absolute 2>/dev/null | awk '$1 == 1') in
*"  $want  $want  ann@customer.test"*) ok "--absolute: times in the agent's time zone (TZ=Asia/Tokyo: $want)" ;;
*) not_ok "--absolute: times in the agent's time zone (TZ=Asia/Tokyo: $want)" "$(TZ=Asia/Tokyo D list --absolute)" ;; esac
case $hours in *"$(date -u -d "@$((NOW - 2 * 3600 - 60))" '+%Y-%m-%d %H:%M')"*) ok "--absolute with TZ=UTC: UTC" ;;
*) not_ok "--absolute with TZ=UTC: UTC" "$hours" ;; esac

# --- automatic mail only: not in the text list, counted
check "the out-of-office and the list mail are not in the text list" \
	sh -c '! printf "%s\n" "$1" | grep -q "dee@\|lisa@"' _ "$pipe"
check_eq "through a pipe the count line goes to standard error" \
	"(2 tickets with automatic mail only not shown: --automatic)" "$(cat "$T/pipe.err")"
check_eq "on a terminal it ends the list" \
	"(2 tickets with automatic mail only not shown: --automatic)" "$(onterm 200 | tail -n 1)"
check_eq "--automatic lists them (last: no people's activity)" "2 1 3 4 6 5" "$(col --automatic)"
check_eq "the formats for programs list them all" "2 1 3 4 6 5" "$(D list --format=ids | xargs)"
check_eq "their activity is null in JSON" "None None" \
	"$(D list --format=json | python3 -c 'import json,sys; j={x["ticket"]:x for x in json.load(sys.stdin)}; print(j[5]["activity"], j[6]["activity"])')"

# --- a terminal: header, columns by width alone, ellipsis
ALL="# STATUS PRI OWNER QUEUE ACTIVE WAITING REQUESTER SUBJECT"
check_eq "a header row on a terminal (120 columns: all)" "$ALL" "$(header 120)"
check "no header through a pipe" sh -c '! printf "%s\n" "$1" | grep -q STATUS' _ "$pipe"
check_eq "97 columns: the queue goes first" "# STATUS PRI OWNER ACTIVE WAITING REQUESTER SUBJECT" "$(header 97)"
check_eq "80 columns: then the waiting time" "# STATUS PRI OWNER ACTIVE REQUESTER SUBJECT" "$(header 80)"
check_eq "70 columns: then the requester" "# STATUS PRI OWNER ACTIVE SUBJECT" "$(header 70)"
check_eq "60 columns: then the owner" "# STATUS PRI ACTIVE SUBJECT" "$(header 60)"
check_eq "40 columns: then the status; the sort's column (activity) stays" "# PRI ACTIVE SUBJECT" "$(header 40)"
check_eq "50 columns --sort=priority: the activity goes before the status" "# STATUS PRI SUBJECT" \
	"$(header 50 --sort=priority)"
check_eq "80 columns --sort=waiting: the waiting time stays, the requester goes" \
	"# STATUS PRI OWNER ACTIVE WAITING SUBJECT" "$(header 80 --sort=waiting)"
check_eq "25 columns: the priority never goes (the subject's header is cut too)" "# PRI ACTIVE SUB…" "$(header 25)"
for w in 120 97 80 70 60 40 30; do
	check "$w columns: no line is longer" test "$(widest $w)" -le $w
done
for args in "" "--owner none" "--priority urgent" "--sort=priority" "--status any" "--mine --as bob" "subject:invoice"; do
	# shellcheck disable=SC2086
	check_eq "80 columns, the same columns with '$args'" "# STATUS PRI OWNER ACTIVE REQUESTER SUBJECT" "$(header 80 $args)"
done
onterm 80 >"$T/80"
check "the cut subject ends with an ellipsis" grep -q "^1 .*  Printer on fire in the .*…$" "$T/80"
check "COLUMNS on a terminal wins over its size" test "$(COLUMNS=50 widest 200)" -le 50
check_eq "the ticket 3 line on a terminal of 80: urgent, bob" "3 open urgent bob 5h cid@customer.test VPN down" \
	"$(onterm 80 | awk '$1 == 3' | xargs)"

# --- nothing cut through a pipe or with --wide
check "through a pipe the whole subject (desk list | grep)" sh -c "'$DESK' --store '$STORE' list | grep -q 'coffee machine$'"
check "even with COLUMNS=40" sh -c "COLUMNS=40 '$DESK' --store '$STORE' list | grep -q 'coffee machine$'"
check "no ellipsis through a pipe" sh -c '! printf "%s\n" "$1" | grep -q "…"' _ "$pipe"
onterm 40 --wide >"$T/wide40"
check "--wide on a terminal of 40: the header with every column" grep -q "^#.*QUEUE.*WAITING.*REQUESTER.*SUBJECT$" "$T/wide40"
check "and the whole subject" grep -q "coffee machine$" "$T/wide40"

# --- the marker: what the acting agent has not seen
export MAILDESK_AGENT=alice
check_eq "alice looked at nothing: every ticket unseen" "2 1 3 4" "$(col --unseen)"
D show 1 >/dev/null && D show 2 >/dev/null
check_eq "after desk show 1 and 2: 3 and 4 are unseen" "3 4" "$(col --unseen)"
check_eq "the marker after the number (oldest first: 4 2 3 1)" "4 *|2|3 *|1" \
	"$(D list --sort=age 2>/dev/null | awk '{ print ($2 == "*") ? $1 " *" : $1 }' | paste -sd'|')"
D tag 1 +printer >/dev/null
check_eq "alice's own event does not make ticket 1 unseen" "3 4" "$(col --unseen)"
D assign 1 alice --as bob >/dev/null
check_eq "bob assigning ticket 1 to alice does" "4 3 1" "$(col --unseen --sort=age)"
check "--mine shows the marker" sh -c "'$DESK' --store '$STORE' list --mine | grep -q '^1 \*  '"
mail ben2 'Ben <ben@customer.test>' 'Re: Invoice 2211' 30 'In-Reply-To: <ben@customer.test>'
check_eq "ben's answer makes ticket 2 unseen again" "2 1 3 4" "$(col --unseen)"
check_eq "--unseen --limit 1: the first unseen one" "2" "$(D list --unseen --limit 1 --format=ids)"
D show 1 >/dev/null
check_eq "JSON says unseen for the acting agent" "True False" \
	"$(D list --format=json | python3 -c 'import json,sys; j={x["ticket"]:x for x in json.load(sys.stdin)}; print(j[2]["unseen"], j[1]["unseen"])')"
check_eq "JSON: unseen is null with no acting agent" "None" \
	"$(env -u MAILDESK_AGENT "$DESK" --store "$STORE" list --format=json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["unseen"])')"
rc=0; env -u MAILDESK_AGENT "$DESK" --store "$STORE" list --unseen >/dev/null 2>"$T/err" || rc=$?
check_eq "--unseen without an agent: 64" 64 "$rc"

# --- TSV: the text's columns in the text's order
onterm 300 --wide --absolute --sort=age --automatic >"$T/wide"
D list --format=tsv --sort=age >"$T/tsv"
check "TSV fields 1-10 are the text columns, in order (the header names them)" python3 - "$T/wide" "$T/tsv" <<'EOF'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
rows = [l.split("\t") for l in open(sys.argv[2]).read().splitlines()]
head, body = lines[0], [l for l in lines[1:] if not l.startswith("(")]
names = ["STATUS", "PRI", "OWNER", "QUEUE", "ACTIVE", "WAITING", "REQUESTER", "SUBJECT"]
starts = [re.search(r"\b%s\b" % n, head).start() for n in names]
assert starts == sorted(starts), ("header order", head)
num_end = head.index("#") + 1
assert len(body) == len(rows), (len(body), len(rows))
def tsv_cell(i, v):
    if i in (6, 7) and v != "-":  # times: 2026-11-04T10:00:00Z as 2026-11-04 10:00
        return v[:10] + " " + v[11:16]
    return "" if i == 1 and v == "-" else v
for line, row in zip(body, rows):
    text = [line[:num_end].strip(), line[num_end + 1:num_end + 2].strip()]
    text += [line[a:b].strip() for a, b in zip(starts, starts[1:] + [len(line)])]
    want = [tsv_cell(i, v) for i, v in enumerate(row[:10])]
    assert text == want, (text, want)
print("ok")
EOF
check_eq "TSV: 14 fields a row" "14" "$(awk -F'\t' '{ print NF }' "$T/tsv" | sort -u | xargs)"

# --- desk reindex gives the same
D list --format=json >"$T/before.json"
check "desk reindex" D reindex
check "the same activity, waiting and unseen after it" cmp "$T/before.json" <(D list --format=json)
test_done
