#!/usr/bin/env bash
# 0411-seen-log.sh: what an agent was shown (STORE/seen/LOGIN) is a log:
# desk show appends one line and rewrites nothing (the file keeps its
# inode), the newest line of a ticket wins, a line torn by a crash is
# skipped, and the log is compacted to one line a ticket once it has
# doubled past 256 KiB. Through all of it desk reply's stale-reply check
# stays exact: refused while a customer's message is unseen, sent once
# it was shown.
. "$(dirname "$0")/lib.sh"

STORE=$T/store
"$DESK" init --address support@helpdesk.test "$STORE" >/dev/null || bail_out "desk init"
store_conf ack false || bail_out "store_conf"
D() { "$DESK" --store "$STORE" "$@"; }
D agent add alice alice@helpdesk.test --name "Alice Agent" >/dev/null || bail_out "agent add"
OUT=$T/out
mkdir -p "$OUT"
export MAILDESK_SENDMAIL="$TESTS_T/sendmail-capture" CAPTURE_DIR=$OUT MAILDESK_AGENT=alice
LOG=$STORE/seen/alice
customer() { # customer ID TEXT [IN-REPLY-TO]
	{
		printf 'From: Carol <carol@example.com>\nTo: support@helpdesk.test\nSubject: Printer\n'
		printf 'Message-ID: <%s>\n' "$1"
		[ -n "${3:-}" ] && printf 'In-Reply-To: <%s>\n' "$3"
		printf '\n%s\n' "$2"
	} | D ingest --envelope-to support@helpdesk.test
}
lines_of() { grep -c "^$1	" "$LOG"; }
reply_rc() { D reply 1 -m "$1" >/dev/null 2>&1; echo $?; }

customer s1@example.com "It jams." || bail_out "ingest"
D show 1 >/dev/null || bail_out "show"
ino=$(stat -c %i "$LOG")
size=$(stat -c %s "$LOG")
D show 1 >/dev/null
check_eq "a second show appends one line for the ticket" 2 "$(lines_of 1)"
check_eq "the log is appended to, not rewritten (same inode)" "$ino" "$(stat -c %i "$LOG")"
check "and it only grew" test "$(stat -c %s "$LOG")" -gt "$size"
check_eq "the log stays 0660" 660 "$(stat -c %a "$LOG")"

# The newest line wins: the customer writes again, alice looks again, and
# the reply goes out (an older line without the new message must not win).
customer s2@example.com "Still jams." s1@example.com || bail_out "ingest 2"
check_eq "reply with the second message unseen: refused (65)" 65 "$(reply_rc 'Try again.')"
D show 1 >/dev/null
check_eq "shown again: the reply is sent (the newest line wins)" 0 "$(reply_rc 'Try again.')"

# A line torn by a crash (no newline, cut in its digests) is skipped; the
# next show starts a line of its own.
printf '1\t17' >>"$LOG"
customer s3@example.com "Now it smokes." s2@example.com || bail_out "ingest 3"
D show 1 >/dev/null
check "the torn line was ended before the new one" grep -qx "1	17" "$LOG"
check_eq "after a torn line: the reply is sent" 0 "$(reply_rc 'Unplug it.')"
customer s4@example.com "Smoke is gone." s3@example.com || bail_out "ingest 4"
check_eq "and a new customer message is unseen again (65)" 65 "$(reply_rc 'Good.')"

# Compaction: 300 KiB of older lines for other tickets, most of them
# superseded; the next show compacts to one line a ticket.
for i in $(seq 1 4000); do
	printf '%d\t1700000000\t0123456789,abcdefabcd,0011223344,5566778899,aabbccddee\n' $((1000 + i % 500))
done >>"$LOG"
before=$(stat -c %s "$LOG")
check "the log is past 256 KiB before" test "$before" -gt 262144
D show 1 >/dev/null
after=$(stat -c %s "$LOG")
check "the show compacted it (smaller than a fifth)" test "$after" -lt $((before / 5))
check_eq "one line a ticket after compaction" 0 "$(cut -f1 "$LOG" | sort | uniq -d | wc -l)"
check_eq "every ticket is still there (500 others and ticket 1)" 501 "$(cut -f1 "$LOG" | sort -u | wc -l)"
check_eq "the lock file holds the compacted size" "$after" "$(head -n 1 "$STORE/seen/alice.lock")"
check_eq "after compaction: the reply is sent (the newest line was kept)" 0 "$(reply_rc 'Good.')"
customer s5@example.com "Thanks." s4@example.com || bail_out "ingest 5"
check_eq "and a new customer message is unseen (65)" 65 "$(reply_rc 'Welcome.')"
D show 1 >/dev/null
check_eq "one more show does not compact again (twice the compacted size first)" \
	"$((after + $(tail -n 1 "$LOG" | wc -c)))" "$(stat -c %s "$LOG")"
check_eq "list --unseen agrees: ticket 1 seen" "" "$(D list --unseen --format ids)"

test_done
