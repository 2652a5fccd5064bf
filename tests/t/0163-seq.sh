#!/usr/bin/env bash
# 0163-seq.sh: the ticket counter STORE/seq (maildesk-store(5), lib/store/seq.c).
# Numbers are dense and never given twice; the counter is synced to disk
# only when a number reaches the reserve (every 64), and after a restart of
# the machine (another boot id in the file) numbering goes on from the
# reserve, past anything a lost write may have handed out. A machine crash
# is played by writing back what the disk may hold after one.
. "$(dirname "$0")/lib.sh"

STORE=$T/store
"$DESK" init --address support@helpdesk.test "$STORE" >/dev/null || bail_out "desk init"
BOOT=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null)
[ ${#BOOT} -eq 36 ] || bail_out "no boot id in /proc/sys/kernel/random/boot_id"
OTHER=00000000-1111-2222-3333-444444444444
# mail N: a new ticket (the N-th mail) through desk ingest; prints the
# highest ticket number then
mail() {
	local n=$1
	printf 'From: c%d@customer.test\nTo: support@helpdesk.test\nSubject: question %d\nMessage-ID: <seq%d@customer.test>\n\nHello.\n' \
		"$n" "$n" "$n" | "$DESK" --store "$STORE" ingest --envelope-to support@helpdesk.test >/dev/null &&
		"$DESK" --store "$STORE" list --status any --format ids | sort -n | tail -n 1
}
seqfile() { cat "$STORE/seq"; }
# syncs: how many fdatasync(2) calls on STORE/seq one mail makes (strace)
syncs() {
	# LeakSanitizer cannot run under ptrace: off for this one (the same
	# ingest runs without strace above)
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -y -e trace=fdatasync -o "$T/strace" "$DESK" --store "$STORE" ingest \
		--envelope-to support@helpdesk.test <<-EOF_MAIL >/dev/null 2>&1
	From: s$1@customer.test
	To: support@helpdesk.test
	Subject: synced $1
	Message-ID: <sync$1@customer.test>

	Hello.
	EOF_MAIL
	grep -c 'fdatasync([0-9]*</.*/seq>)' "$T/strace"
}

check_eq "a new store's counter is the one number of older stores" "1" "$(seqfile)"
check_eq "the first ticket is 1" 1 "$(mail 1)"
check_eq "the counter: next 2, reserve 2 + 64, this kernel's boot id" "0000000002 0000000066 $BOOT" "$(seqfile)"
check_eq "then 2" 2 "$(mail 2)"
check_eq "then 3" 3 "$(mail 3)"
check_eq "below the reserve only the next number moves" "0000000004 0000000066 $BOOT" "$(seqfile)"

# The machine crashed after ticket 3: the disk may still hold the counter
# as last synced (next 2), written by the kernel of before.
printf '0000000002 0000000066 %s\n' "$OTHER" >"$STORE/seq"
check_eq "after a crash of the machine numbering goes on from the reserve, not from 2" 66 "$(mail 4)"
check_eq "and the counter is this boot's again, with a new reserve" "0000000067 0000000131 $BOOT" "$(seqfile)"
check_eq "no ticket number twice" "" "$("$DESK" --store "$STORE" list --status any --format ids | sort | uniq -d)"

# Reaching the reserve.
printf '0000000129 0000000131 %s\n' "$BOOT" >"$STORE/seq"
check_eq "129" 129 "$(mail 5)"
check_eq "130" 130 "$(mail 6)"
check_eq "131 crosses the reserve: a new one" 131 "$(mail 7)"
check_eq "the counter after it" "0000000132 0000000196 $BOOT" "$(seqfile)"

# An older store's file of one number.
printf '500\n' >"$STORE/seq"
check_eq "an older store's counter of one number goes on from it" 500 "$(mail 8)"
check_eq "and is rewritten in the new form" "0000000501 0000000565 $BOOT" "$(seqfile)"

# desk reindex raises the counter above the highest ticket of the Maildir.
printf '0000000007 0000000009 %s\n' "$BOOT" >"$STORE/seq"
check "desk reindex" "$DESK" --store "$STORE" reindex
check_eq "after it the counter is above ticket 500, with a reserve past it" "0000000501 0000000565 $BOOT" "$(seqfile)"
check_eq "the next ticket is 501" 501 "$(mail 9)"

if command -v strace >/dev/null; then
	printf '0000000600 0000000610 %s\n' "$BOOT" >"$STORE/seq"
	check_eq "a number below the reserve: the counter is not synced" 0 "$(syncs 1)"
	printf '0000000610 0000000610 %s\n' "$BOOT" >"$STORE/seq"
	check_eq "a number that reaches the reserve: synced once" 1 "$(syncs 2)"
	printf '0000000700 0000000710 %s\n' "$OTHER" >"$STORE/seq"
	check_eq "the first number after a restart: synced once" 1 "$(syncs 3)"
else
	for what in "below the reserve" "reaching the reserve" "after a restart"; do
		skip "the syncs of the counter $what" "strace is not installed (bootstrap installs it)"
	done
fi

test_done
