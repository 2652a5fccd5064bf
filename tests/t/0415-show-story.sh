#!/usr/bin/env bash
# 0415-show-story.sh: `desk show` tells a ticket's story plainly: the
# exact text of a ticket with an acknowledgement, an internal note, a
# public reply and a merge (the summary with Cc, Tags and the merged
# ticket; Messages: what is shown; each event once; internal lines only
# with --verbose); attachments numbered across the ticket and saved byte
# for byte with --attachment (never to a terminal); desk split of a
# message by the number desk show prints, with --subject; and no
# acknowledgement for a blocked sender's mail.
. "$(dirname "$0")/lib.sh"

STORE=$T/store
store_init "$STORE" || bail_out "store_init"
store_conf ack true || bail_out "store_conf ack"
unset MAILDESK_STORE COLUMNS
export TZ=UTC MAILDESK_AGENT=alice
export MAILDESK_SENDMAIL="$TESTS_T/sendmail-capture" CAPTURE_DIR=$T/out MAILDESK_TEMPLATES_DIR=$SRCDIR/templates
mkdir -p "$T/out"
D() { "$DESK" --store "$STORE" "$@"; }
sent() { find "$T/out" -maxdepth 1 -name '*.eml' | wc -l; }
D agent add alice alice@helpdesk.test --name "Alice Agent" >/dev/null || bail_out "agent add"
D agent add bob bob@helpdesk.test >/dev/null || bail_out "agent add"
# masked: ISO 8601 times of this test's run (not those of the mail's Date) as TIME
START=$(date +%s)
masked() {
	python3 -c '
import datetime, re, sys
start = int(sys.argv[1])
def mask(m):
    t = datetime.datetime.strptime(m.group(0), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    return "TIME" if t.timestamp() >= start else m.group(0)
sys.stdout.write(re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", mask, sys.stdin.read()))' "$START"
}

# --- the story: ann's mail and ben's (acknowledged), a note, a reply, a merge
printf 'From: Ann <ann@customer.test>\nTo: support@helpdesk.test\nCc: Dave <dave@customer.test>\nSubject: Printer on fire\nDate: Mon, 02 Nov 2026 10:00:00 +0000\nMessage-ID: <ann1@customer.test>\n\nMy printer is on fire.\n' |
	D ingest --envelope-to support@helpdesk.test 2>/dev/null || bail_out "ingest ann"
sleep 1
printf 'From: Ben <ben@customer.test>\nTo: support@helpdesk.test\nSubject: Printer smokes too\nDate: Mon, 02 Nov 2026 11:00:00 +0000\nMessage-ID: <ben1@customer.test>\n\nMine smokes.\n' |
	D ingest --envelope-to support@helpdesk.test 2>/dev/null || bail_out "ingest ben"
check_eq "two acknowledgements sent" 2 "$(sent)"
sleep 1
D comment 1 -m "Facilities know." >/dev/null || bail_out "comment"
sleep 1
D reply 1 --force -m "Please leave the building." >/dev/null || bail_out "reply"
sleep 1
D merge 2 1 >/dev/null || bail_out "merge"
sleep 1
D tag 1 +fire >/dev/null && D cc 1 add boss@customer.test >/dev/null || bail_out "tag, cc"

D show 1 --as bob >"$T/show1" || not_ok "desk show 1" "$(cat "$T/show1")"
cat >"$T/want1" <<'EOF'
Ticket:    #1
Subject:   Printer on fire
Status:    open
Queue:     support
Owner:     -
Priority:  normal
Requester: ann@customer.test
Cc:        boss@customer.test
Tags:      fire
Messages:  4
Created:   2026-11-02T10:00:00Z
Updated:   TIME
Merged:    #2 into this ticket (their messages are shown here)

--- message 1/4, received 2026-11-02T10:00:00Z ---
From:    Ann <ann@customer.test>
To:      support@helpdesk.test
Cc:      Dave <dave@customer.test>
Date:    Mon, 02 Nov 2026 10:00:00 +0000
Subject: Printer on fire
Auth:    not authenticated (no sender.authserv_id)

My printer is on fire.

--- message 2/4, received 2026-11-02T11:00:00Z ---
From:    Ben <ben@customer.test>
To:      support@helpdesk.test
Date:    Mon, 02 Nov 2026 11:00:00 +0000
Subject: Printer smokes too
Auth:    not authenticated (no sender.authserv_id)

Mine smokes.

--- TIME  acknowledgement sent to ann@customer.test

--- TIME  acknowledgement sent to ben@customer.test

--- message 3/4, TIME: internal note by alice (not sent) ---

Facilities know.

--- message 4/4, TIME: reply by alice to Ann <ann@customer.test>, cc Dave <dave@customer.test> ---

Please leave the building.

--- TIME  alice merged #2 into this ticket

--- TIME  alice tagged +fire

--- TIME  alice added boss@customer.test to the participants
EOF
if masked <"$T/show1" | diff "$T/want1" - >"$T/diff1"; then
	ok "desk show 1: the whole story, in words"
else
	not_ok "desk show 1: the whole story, in words" "$(cat "$T/diff1")"
fi
check_eq "the merge is told once" 1 "$(grep -c 'merged #2' "$T/show1")"
check "no internal lines without --verbose" sh -c "! grep -q '^Match:\|^Tags:    [^ ]' '$T/show1'"
D show 1 --as bob --verbose >"$T/verbose1"
check_eq "--verbose: a Match: line for each of the 4 messages" 4 \
	"$(grep -c '^Match: ' "$T/verbose1")"
check "--verbose: the note's own headers (From: the agent)" grep -q "^From:    Alice Agent <alice@helpdesk.test>" "$T/verbose1"
check "--verbose: its tags" grep -q "^Tags:    .*event.*ours" "$T/verbose1"
D show 2 --as bob >"$T/show2"
check "the merged ticket says where it went" grep -q -x "Merged:    into #1 (desk show 1)" "$T/show2"
check "and tells its own merge" grep -q "  alice merged #2 into #1$" "$T/show2"
D show 1 --format=json >"$T/show1.json"
check_eq "JSON: merged_into null as in desk list; 4 messages; tags, cc" "None 4 ['fire'] ['boss@customer.test']" \
	"$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["merged_into"], j["messages_count"], j["tags"], j["cc"])' "$T/show1.json")"
check_eq "JSON: merged_into of the merged ticket is a number in desk show" 1 \
	"$(D show 2 --format=json | python3 -c 'import json,sys; print(json.load(sys.stdin)["merged_into"])')"
check_eq "  as in desk list" 1 \
	"$(D list --status merged --format=json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["merged_into"])')"
check_eq "JSON: messages numbered as the text numbers them, events null" "1 2 None None 3 4 None None None" \
	"$(python3 -c 'import json,sys; print(*[m["number"] for m in json.load(open(sys.argv[1]))["messages"]])' "$T/show1.json")"
check_eq "desk list counts the merged ticket's message too" 4 "$(D list --format=tsv | awk -F'\t' '$1 == 1 { print $11 }')"

# --- attachments: numbered across the ticket, saved byte for byte
head -c 3000 /dev/urandom >"$T/scan.bin"
printf 'line one\r\nline two\n' >"$T/notes1.txt"
printf 'second notes\n' >"$T/notes2.txt"
# mime ID FILE... [-- IN-REPLY-TO]: cid's message with FILEs attached (base64), ingested
mime() {
	python3 - "$@" <<-'PY' | D ingest --envelope-to support@helpdesk.test 2>/dev/null
	import email.message, os, sys
	args = sys.argv[1:]
	irt = args[args.index("--") + 1] if "--" in args else None
	files = args[1:args.index("--")] if "--" in args else args[1:]
	m = email.message.EmailMessage()
	m["From"], m["To"], m["Subject"] = "Cid <cid@customer.test>", "support@helpdesk.test", "Scans"
	m["Message-ID"], m["Date"] = "<%s@customer.test>" % args[0], "Tue, 03 Nov 2026 10:00:00 +0000"
	if irt:
	    m["In-Reply-To"] = "<%s@customer.test>" % irt
	m.set_content("See the files.\n")
	for f in files:
	    m.add_attachment(open(f, "rb").read(), maintype="application", subtype="octet-stream",
	                     filename=os.path.basename(f).replace("notes1", "notes").replace("notes2", "notes"))
	sys.stdout.buffer.write(m.as_bytes())
	PY
}
mime cid1 "$T/scan.bin" "$T/notes1.txt" || bail_out "ingest cid1"
mime cid2 "$T/notes2.txt" -- cid1 || bail_out "ingest cid2"
C=$(D list --requester cid@customer.test --format=ids)
D show "$C" --as bob >"$T/show3"
check_eq "the attachments numbered across the ticket" \
	"  [1] scan.bin (application/octet-stream, 3000 bytes)|  [2] notes.txt (application/octet-stream, 19 bytes)|  [3] notes.txt (application/octet-stream, 13 bytes)" \
	"$(grep '^  \[' "$T/show3" | paste -sd'|')"
D show "$C" --attachment 1 >"$T/got1"
check "--attachment 1: the exact bytes of scan.bin" cmp "$T/scan.bin" "$T/got1"
D show "$C" --attachment 2 >"$T/got2"
check "--attachment 2: notes.txt with its CR LF" cmp "$T/notes1.txt" "$T/got2"
D show "$C" --attachment 3 >"$T/got3"
check "--attachment 3: the second message's" cmp "$T/notes2.txt" "$T/got3"
D show "$C" --attachment scan.bin >"$T/gotn"
check "--attachment NAME" cmp "$T/scan.bin" "$T/gotn"
rc=0; D show "$C" --attachment notes.txt >/dev/null 2>"$T/err" || rc=$?
check_eq "a name two attachments have: 64, naming their numbers" \
	"64 desk: show: 2 attachments are named notes.txt: give its number (2, 3)" "$rc $(cat "$T/err")"
rc=0; D show "$C" --attachment 9 >/dev/null 2>"$T/err" || rc=$?
check_eq "no attachment 9: 66" 66 "$rc"
python3 "$TESTS_T/pty-run.py" 80 "$DESK" --store "$STORE" show "$C" --attachment 1 >"$T/tty" && rc=0 || rc=$?
check_eq "never to a terminal: 64" 64 "$rc"
check "  saying how" grep -q "desk show $C --attachment 1 > FILE" "$T/tty"
check "  and nothing of the file reached it" test "$(wc -c <"$T/tty")" -lt 200
check_eq "JSON: the attachments' index" "1 2 3" \
	"$(D show "$C" --format=json | python3 -c 'import json,sys; print(*[a["index"] for m in json.load(sys.stdin)["messages"] for a in m["attachments"]])')"
mime cid3 "$T/notes1.txt" -- cid2 || bail_out "ingest cid3"
D show "$C" --as bob --last >"$T/last3"
check_eq "--last: the message's number in the ticket too" "--- message 1/1 (3/3 of the ticket), received 2026-11-03T10:00:00Z ---" \
	"$(grep '^--- message' "$T/last3")"
check_eq "--last: its attachment keeps its number in the ticket" "  [4] notes.txt (application/octet-stream, 19 bytes)" \
	"$(grep '^  \[' "$T/last3")"

# --- desk split by the number desk show prints, with --subject
rc=0; D split "$C" 9 >/dev/null 2>"$T/err" || rc=$?
check_eq "split of a message the ticket does not have: 64" "64" "$rc"
check "  saying so" grep -q "has no message 9" "$T/err"
rc=0; D split "$C" 2 --subject "$(printf 'bad\033[2Jsubject')" >/dev/null 2>"$T/err" || rc=$?
check_eq "a --subject with a control character: 64" "64" "$rc"
D split "$C" 2/3 --subject "Second notes" >"$T/split" 2>&1 || not_ok "desk split $C 2/3" "$(cat "$T/split")"
S=$(tail -n 1 "$T/split")
check_eq "message 2 (as desk show numbers it) and its reply moved" "cid2@customer.test cid3@customer.test" \
	"$(D show "$S" --format=json | python3 -c 'import json,sys; print(*[m["message_id"] for m in json.load(sys.stdin)["messages"] if m["number"]])')"
check_eq "the new ticket has the subject given" "Second notes" "$(D list --format=tsv | awk -F'\t' -v s="$S" '$1 == s { print $10 }')"
check "desk show says it" grep -q -x "Subject:   Second notes" <(D show "$S")
check "and where it came from" grep -q -x "Links:     split from #$C" <(D show "$S")
D list --status any --format=json >"$T/before.json"
D reindex >/dev/null
check "desk reindex keeps the subject" cmp "$T/before.json" <(D list --status any --format=json)

# --- no acknowledgement for a blocked sender's mail (held), one for others
printf 'From: Pills <pills@spam.test>\nTo: support@helpdesk.test\nSubject: cheap pills\nMessage-ID: <pills1@spam.test>\n\nbuy\n' |
	D ingest --envelope-to support@helpdesk.test 2>/dev/null
P=$(D list --requester pills@spam.test --format=ids)
D spam "$P" --block >/dev/null || bail_out "spam --block"
n=$(sent)
printf 'From: Pills <pills@spam.test>\nTo: support@helpdesk.test\nSubject: cheaper pills\nMessage-ID: <pills2@spam.test>\n\nbuy now\n' >"$STORE/mail/new/1.pills.test"
printf 'From: Fay <fay@customer.test>\nTo: support@helpdesk.test\nSubject: Hello\nMessage-ID: <fay1@customer.test>\n\nhi\n' >"$STORE/mail/new/2.fay.test"
D tag 1 +x >/dev/null 2>&1 && D tag 1 -x >/dev/null 2>&1   # a writer indexes what waits in mail/new
check "the blocked sender's mail is stored, held" grep -q -x "X-Desk-Match: new; held: sender blocked" \
	"$(grep -l -x 'Message-ID: <pills2@spam.test>' "$STORE"/mail/cur/*)"
check_eq "fay got an acknowledgement, the blocked sender none" "Fay <fay@customer.test>" \
	"$(for f in $(ls "$T/out"/*.eml | sort -V | tail -n +$((n + 1))); do header_of "$f" To; done | xargs)"
test_done
