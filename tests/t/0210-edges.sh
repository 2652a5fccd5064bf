#!/bin/bash
# 0210-edges.sh: nothing lost at the edges, odd mail read right.
#   - the fsync of mail/new fails after the rename (an LD_PRELOAD shim,
#     tests/faults/failfs.c): desk ingest answers 75 though the file is
#     stored, and the MTA's retry of the same bytes is the same message: one
#     copy, one ticket, one acknowledgement; through desk ingest by hand and
#     through Postfix's pipe(8) transport (deferred, then postqueue -f);
#   - the milter path: the same message landing twice in mail/new (sealed by
#     the milter, or not) is indexed once, as one ticket;
#   - desk ingest --mbox: a message whose temporary file cannot be written
#     (ulimit -f; a full tmpfs) is counted as failed, reported with its
#     line, and the import ends with 75; run again, it stores what is missing;
#   - 8-bit headers and bodies without a charset (windows-1252), a subject in
#     no charset tried (the acknowledgement quotes none of it), a text/plain
#     part with a name and no Content-Disposition (shown), desk show's
#     Messages: (what it shows), an agent's unlabelled 8-bit reply relayed
#     by mail, through a real Postfix and maildesk-milter; what was sent is
#     read with the charset it declares.
. "$(dirname "$0")/lib.sh"

D() { "$DESK" --store "$STORE" "$@"; }
json() { python3 -c 'import json, sys; j = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
# copies TEXT: how many stored files (mail/new and mail/cur) hold the line TEXT.
copies() { grep -l -F -x -- "$1" "$STORE"/mail/new/* "$STORE"/mail/cur/* 2>/dev/null | wc -l; }
tickets() { D list --status any --format ids | wc -l; }
# ticket_of TEXT: the ticket of the stored message holding the line TEXT.
ticket_of() {
	local f
	f=$(grep -l -F -x -- "$1" "$STORE"/mail/cur/* 2>/dev/null | head -n 1)
	[ -n "$f" ] && header_of "$f" X-Desk-Ticket
}
# decoded FILE EXPR: the captured message FILE parsed by Python's email
# package, which decodes headers and text with their declared charsets
# (strictly: a byte not in it is an error); EXPR of m (the message), s (its
# Subject) and b (its text).
decoded() {
	python3 - "$1" "$2" <<-'EOF'
	import email, email.policy, sys
	m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
	s = str(m["subject"])
	part = m.get_body(("plain",))
	b = part.get_payload(decode=True).decode(part.get_content_charset("us-ascii"), "strict")
	print(eval(sys.argv[2]))
	EOF
}
new_empty() { [ "$(count_files "$STORE/mail/new")" = 0 ]; }
# sent_to ADDR: the captured messages to ADDR, one path a line.
sent_to() { grep -l -i -x "To: .*$1.*" "$T"/outbox/*.eml 2>/dev/null; }

# ------------------------------------------------------------ the shim
FAILFS=$BUILDDIR/tests/faults/failfs.so
[ -f "$FAILFS" ] || make -C "$BUILDDIR" tests/faults/failfs.so >"$T/make-failfs.log" 2>&1 ||
	bail_out "tests/faults/failfs.so is not built" "$(tail -n 5 "$T/make-failfs.log")"
# an AddressSanitizer build wants its runtime first in the preload list
asan=$(ldd "$DESK" 2>/dev/null | awk '/libasan/ { print $3 }')
PRELOAD=${asan:+$asan:}$FAILFS
mkdir -p "$T/faults" && chmod 1777 "$T/faults"
FLOG=$T/faults/failfs.log

store_init "$T/store" || bail_out "desk init"
store_conf ack true || bail_out "store_conf ack"
outbox_for_milter || bail_out "outbox"
export MAILDESK_TEMPLATES_DIR=$SRCDIR/templates

# ------------------------------ fsync of mail/new fails, desk ingest by hand
# ingest_failing FILE: desk ingest as the MTA runs it, fsync of mail/new failing.
ingest_failing() {
	as_maildesk env LD_PRELOAD="$PRELOAD" FAILFS_FSYNC="$STORE/mail/new" FAILFS_LOG="$FLOG" \
		"$DESK" --store "$STORE" ingest --envelope-to support@helpdesk.test <"$1"
}
SYNC1=$(make_msg sync-1 "Sam Sync <sam@example.test>" sync-1@example.test)
ingest_failing "$SYNC1" >"$T/sync1.out" 2>&1
check_eq "fsync of mail/new fails: desk ingest exits 75" 75 "$?"
check "the shim did fail that fsync" grep -q -x "fsync $STORE/mail/new" "$FLOG"
check "desk ingest says the message is there but not synced" grep -q "desk: message in $STORE/mail/new/.* but not synced" "$T/sync1.out"
check_eq "the file is stored once all the same" 1 "$(copies "Message-ID: <sync-1@example.test>")"
check_eq "no acknowledgement yet (the delivery failed)" 0 "$(outbox_count)"
as_maildesk "$DESK" --store "$STORE" ingest --envelope-to support@helpdesk.test <"$SYNC1" >"$T/sync1.retry" 2>&1
rc=$?
check_eq "the MTA's retry of the same bytes: exit 0" 0 "$rc"
[ "$rc" = 0 ] || diag "$(cat "$T/sync1.retry")"
check_eq "no second copy" 1 "$(copies "Message-ID: <sync-1@example.test>")"
check_eq "mail/new is empty: indexed" 0 "$(count_files "$STORE/mail/new")"
check_eq "one ticket" 1 "$(tickets)"
check_eq "one acknowledgement, sent with the retry" 1 "$(sent_to sam@example.test | wc -l)"

# the same without a Message-ID (the desk derives one from the content)
printf 'From: Nina Noid <nina@example.test>\nTo: support@helpdesk.test\nSubject: no id\n\nneedle-sync-2\n' >"$T/sync2.eml"
ingest_failing "$T/sync2.eml" >"$T/sync2.out" 2>&1
check_eq "without a Message-ID: exit 75 on the failed fsync" 75 "$?"
check_eq "stored once" 1 "$(copies needle-sync-2)"
as_maildesk "$DESK" --store "$STORE" ingest --envelope-to support@helpdesk.test <"$T/sync2.eml" >"$T/sync2.retry" 2>&1
check_eq "its retry: exit 0" 0 "$?"
check_eq "no second copy" 1 "$(copies needle-sync-2)"
check_eq "no second ticket: two in all" 2 "$(tickets)"
check_eq "one acknowledgement" 1 "$(sent_to nina@example.test | wc -l)"
D reindex >/dev/null 2>&1
check_eq "reindex from the Maildir: still two tickets" 2 "$(tickets)"

# ------------------------------------------ mbox: a temporary file that fails
# Three messages, the second too big for the file size limit of the first
# run (ulimit -f, EFBIG); each message holds the line needle-NAME.
STORE_MAIN=$STORE
store_init "$T/mbox-store" || bail_out "desk init (mbox)"
mbox_msg() { # mbox_msg NAME LINES: a message of LINES body lines
	printf 'From: Old Desk <old@example.test>\nTo: support@helpdesk.test\nSubject: old %s\nMessage-ID: <%s@old.example.test>\n\nneedle-%s\n' \
		"$1" "$1" "$1"
	for i in $(seq 1 "$2"); do printf 'line %d of the history of %s, kept for the record\n' "$i" "$1"; done
}
{
	for m in "mb-1 5" "mb-2 6000" "mb-3 5"; do
		printf 'From old@example.test Mon Jan  1 00:00:00 2024\n'
		mbox_msg $m
		printf '\n'
	done
} >"$T/old.mbox"
line2=$(grep -n '^From old@' "$T/old.mbox" | sed -n 2p | cut -d: -f1)
(
	trap '' XFSZ
	ulimit -f 200
	as_maildesk "$DESK" --store "$STORE" ingest --mbox "$T/old.mbox"
) >"$T/mbox.out" 2>"$T/mbox.err"
check_eq "a message that cannot be spooled (EFBIG): the import exits 75" 75 "$?"
check_eq "it is counted as failed" "2 messages: 1 stored, 0 duplicates, 1 failed" "$(cat "$T/mbox.out")"
check "and reported with its line ($line2) and why" \
	grep -q "import stopped: $T/old.mbox: the message at line $line2: cannot spool it in .*: File too large" "$T/mbox.err"
check_eq "what came before it is stored" "1 0 0" "$(copies needle-mb-1) $(copies needle-mb-2) $(copies needle-mb-3)"
as_maildesk "$DESK" --store "$STORE" ingest --mbox "$T/old.mbox" >"$T/mbox.out" 2>"$T/mbox.err"
check_eq "the same import again, without the limit: exit 0" 0 "$?"
check_eq "it stores what is missing" "3 messages: 2 stored, 1 duplicates, 0 failed" "$(cat "$T/mbox.out")"
check_eq "each message once" "1 1 1 3" \
	"$(copies needle-mb-1) $(copies needle-mb-2) $(copies needle-mb-3) $(count_files "$STORE/mail/cur")"
STORE=$STORE_MAIN

# ------------------------------------------------------- through the milter
milter_start || bail_out "maildesk-milter does not start"
pf_start milter || bail_out "postfix does not start"

# 8-bit Subject, From and body with no charset anywhere: windows-1252
printf 'From: J\xfcrgen Kr\xe4mer <juergen@example.test>\nTo: support@helpdesk.test\nSubject: \x93Caf\xe9\x94 cr\xe8me\nDate: Tue, 17 Nov 2009 22:00:00 +0600\nMessage-ID: <w1252@example.test>\n\nDer Drucker \x93brennt\x94, Kosten 5 \x80.\n' >"$T/w1252.eml"
check "an 8-bit message without a charset is accepted" smtp_send "$T/w1252.eml" support@helpdesk.test juergen@example.test
wait_for "indexed" ticket_of "Message-ID: <w1252@example.test>"
W=$(ticket_of "Message-ID: <w1252@example.test>")
check "and stored as ticket $W" test -n "$W"
check_eq "desk list shows the subject read as windows-1252" "“Café” crème" \
	"$(D list --status any --format json | json "[t['subject'] for t in j if t['ticket'] == $W][0]")"
D show "$W" >"$T/show.w1252"
check "desk show: the message's Subject" grep -q -x "Subject: “Café” crème" "$T/show.w1252"
check "desk show: its From" grep -q -x "From:    Jürgen Krämer <juergen@example.test>" "$T/show.w1252"
check "desk show: its text" grep -q -x "Der Drucker “brennt”, Kosten 5 €." "$T/show.w1252"
check "desk show is valid UTF-8" iconv -f UTF-8 -t UTF-8 "$T/show.w1252" -o /dev/null
wait_for "ack" sent_to juergen@example.test
ACK=$(sent_to juergen@example.test | head -n 1)
check "an acknowledgement goes out" test -n "$ACK"
check_eq "it quotes the subject, right in its declared charset" "[#$W] Re: “Café” crème" "$(decoded "$ACK" s)"
check_eq "and greets him by his name" "True" "$(decoded "$ACK" '"Hello Jürgen Krämer," in b')"

# a Subject in no charset tried (0x81, 0x8D and 0x90 are in neither UTF-8
# nor windows-1252): the acknowledgement quotes nothing of it
printf 'From: Una Known <una@example.test>\nTo: support@helpdesk.test\nSubject: Bestellung \x81\x8d\x90 Nr. 7\nMessage-ID: <undecodable@example.test>\n\nneedle-undecodable\n' >"$T/undecodable.eml"
check "a message with an undecodable subject is accepted" smtp_send "$T/undecodable.eml" support@helpdesk.test una@example.test
wait_for "indexed" ticket_of "Message-ID: <undecodable@example.test>"
U=$(ticket_of "Message-ID: <undecodable@example.test>")
wait_for "ack" sent_to una@example.test
ACK=$(sent_to una@example.test | head -n 1)
check "an acknowledgement goes out" test -n "$ACK"
check_eq "its subject quotes nothing of the undecodable one" "[#$U]" "$(decoded "$ACK" s)"
check_eq "its text decodes cleanly" "True" "$(decoded "$ACK" 'b.startswith("Hello Una Known,") and "\ufffd" not in b')"
D show "$U" >"$T/show.undecodable"
check "desk show of it is valid UTF-8" iconv -f UTF-8 -t UTF-8 "$T/show.undecodable" -o /dev/null

# text/plain parts with a name and no Content-Disposition are text (RFC 2183)
printf 'From: Nora Named <nora@example.test>\nTo: support@helpdesk.test\nSubject: named\nMessage-ID: <named-1@example.test>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8; name="note.txt"\n\nThe printer in room 4 is on fire.\n' >"$T/named1.eml"
printf 'From: Nora Named <nora@example.test>\nTo: support@helpdesk.test\nSubject: named two\nMessage-ID: <named-2@example.test>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=BB\n\n--BB\nContent-Type: text/plain; name=body.txt\n\nSee the scan.\n--BB\nContent-Type: application/pdf; name=scan.pdf\nContent-Transfer-Encoding: base64\n\naGVsbG8=\n--BB--\n' >"$T/named2.eml"
check "a message whose only part is a named text/plain is accepted" smtp_send "$T/named1.eml" support@helpdesk.test nora@example.test
check "so is one whose only text part is named, beside a PDF" smtp_send "$T/named2.eml" support@helpdesk.test nora@example.test
wait_for "indexed" ticket_of "Message-ID: <named-2@example.test>"
wait_for "indexed" ticket_of "Message-ID: <named-1@example.test>"
D show "$(ticket_of "Message-ID: <named-1@example.test>")" >"$T/show.named1"
D show "$(ticket_of "Message-ID: <named-2@example.test>")" >"$T/show.named2"
check "desk show shows the named text/plain part's text" grep -q -x "The printer in room 4 is on fire." "$T/show.named1"
check "and lists it as a file" grep -q "^  \[1\] note.txt (text/plain, " "$T/show.named1"
check "beside a PDF: its text" grep -q -x "See the scan." "$T/show.named2"
check "and both files listed" grep -q "^  \[1\] body.txt (text/plain, " "$T/show.named2"
check "(the PDF)" grep -q "^  \[2\] scan.pdf (application/pdf, 5 bytes)" "$T/show.named2"

# Messages: counts what desk show then shows (the acknowledgement and a
# take are event lines, not messages)
D agent add bob bob@helpdesk.test >/dev/null
MAILDESK_AGENT=bob D take "$W" >/dev/null
REPLY=$(make_msg w-reply "Jürgen <juergen@example.test>" w-reply@example.test w1252@example.test "Re: thanks")
check "the requester's reply is accepted" smtp_send "$REPLY" support@helpdesk.test juergen@example.test
wait_for "indexed" ticket_of "Message-ID: <w-reply@example.test>"
D show "$W" >"$T/show.count"
shown=$(grep -c '^--- message ' "$T/show.count")
check_eq "Messages: is the number of messages shown" "Messages:  $shown" "$(grep '^Messages:' "$T/show.count")"
check_eq "two of them, numbered 1/2 and 2/2" "2 1/2 2/2" \
	"$shown $(sed -n 's/^--- message \([0-9]*\/[0-9]*\),.*/\1/p' "$T/show.count" | tr '\n' ' ' | sed 's/ $//')"
check "the events are lines of their own" grep -q "^--- .*bob took the ticket" "$T/show.count"
MAILDESK_AGENT=bob D show "$W" >/dev/null
REPLY2=$(make_msg w-reply2 "Jürgen <juergen@example.test>" w-reply2@example.test w-reply@example.test "Re: thanks")
smtp_send "$REPLY2" support@helpdesk.test juergen@example.test >/dev/null
wait_for "indexed" ticket_of "Message-ID: <w-reply2@example.test>"
MAILDESK_AGENT=bob D show --last "$W" >"$T/show.last"
check_eq "--last: Messages: says how many of how many" "Messages:  1 of 3 (new since you last looked)" \
	"$(grep '^Messages:' "$T/show.last")"
check_eq "and numbers what it shows" "--- message 1/1" "$(grep -o '^--- message [0-9/]*' "$T/show.last")"

# the milter path: Postfix's virtual(8) delivering the same message twice
# (the copy the milter sealed lands in mail/new again)
before=$(tickets)
W_FILE=$(grep -l -F -x "Message-ID: <w1252@example.test>" "$STORE"/mail/cur/* | head -n 1)
for i in 1 2; do
	cp "$W_FILE" "$STORE/mail/new/$(date +%s).again$i.test"
done
chown maildesk:maildesk "$STORE"/mail/new/*
check "the milter's indexer takes the two copies from mail/new" wait_for "indexed" new_empty
check_eq "and dropped: one copy of the message" 1 "$(copies "Message-ID: <w1252@example.test>")"
check_eq "no ticket more" "$before" "$(tickets)"
# ... and a message without the milter's headers, twice in mail/new before
# the indexer starts: one copy, one new ticket
milter_stop
printf 'From: Twice <twice@example.test>\nTo: support@helpdesk.test\nSubject: twice\nMessage-ID: <twice@example.test>\n\nneedle-twice\n' >"$T/twice.eml"
cp "$T/twice.eml" "$STORE/mail/new/$(date +%s).twice1.test"
cp "$T/twice.eml" "$STORE/mail/new/$(date +%s).twice2.test"
chown maildesk:maildesk "$STORE"/mail/new/*
milter_start || bail_out "maildesk-milter does not start again"
wait_for "indexed" new_empty
check_eq "a message twice in mail/new when the milter starts: one copy" 1 "$(copies "Message-ID: <twice@example.test>")"
check_eq "and one ticket for it" "$((before + 1))" "$(tickets)"

# an agent's public reply by mail in 8-bit with no charset: relayed to the
# requester as the same letters, in a charset the relay declares
D agent add alice alice@helpdesk.test --name "Alice Agent" >/dev/null
store_conf trusted_networks "127.0.0.1/32" || bail_out "store_conf trusted_networks"
milter_stop
milter_start || bail_out "maildesk-milter does not start again"
printf 'From: Alice Agent <alice@helpdesk.test>\nTo: support+%s-reply@helpdesk.test\nSubject: Re: [#%s]\nMessage-ID: <alice-1@helpdesk.test>\nMIME-Version: 1.0\nContent-Type: text/plain\n\nDer Drucker l\xe4uft wieder, Gr\xfc\xdfe.\n' \
	"$W" "$W" >"$T/alice.eml"
check "an agent's 8-bit reply without a charset is accepted" \
	smtp_send "$T/alice.eml" "support+$W-reply@helpdesk.test" alice@helpdesk.test
relayed() { grep -l -x "From: Alice Agent <support@helpdesk.test>" $(sent_to juergen@example.test) /dev/null; }
check "it is relayed to the requester" wait_for "relayed" relayed
RELAY=$(relayed | head -n 1)
check_eq "relayed to the requester with its letters (windows-1252 read, charset declared)" "True" \
	"$(decoded "$RELAY" '"Der Drucker läuft wieder, Grüße." in b')"

# --------------------- Postfix's pipe transport, the fsync of mail/new failing
milter_stop
pf_stop
store_conf sendmail "$T/sendmail-capture -oi -t"  # pipe(8) gives desk ingest no MAILDESK_SENDMAIL
touch "$T/faults/failing"
PF_EXTRA_MAIN_CF="export_environment = TZ MAIL_CONFIG LANG LD_PRELOAD=$PRELOAD FAILFS_FSYNC=$STORE/mail/new FAILFS_WHILE=$T/faults/failing FAILFS_LOG=$T/faults/pipe.log"
pf_start pipe || bail_out "postfix does not start (pipe)"
before=$(tickets)
PIPE=$(make_msg pipe-1 "Pia Pipe <pia@example.test>" pipe-1@example.test)
check "pipe transport: the message is accepted" smtp_send "$PIPE" support@helpdesk.test pia@example.test
for i in $(seq 1 100); do
	grep -q 'relay=desk.*status=deferred' "$PF/maillog" && break
	sleep 0.1
done
check "desk ingest exits 75 (the fsync of mail/new failed): Postfix defers it" \
	grep -q 'relay=desk.*status=deferred' "$PF/maillog"
check "the shim failed that fsync" grep -q -x "fsync $STORE/mail/new" "$T/faults/pipe.log"
check_eq "the message is in the store all the same" 1 "$(copies "Message-ID: <pipe-1@example.test>")"
rm -f "$T/faults/failing"
postqueue -c "$PF/conf" -f
check "postqueue -f: Postfix delivers it again, and the queue empties" wait_queue_empty 60
check "this time desk ingest says 0 (status=sent)" grep -q 'relay=desk.*status=sent' "$PF/maillog"
check_eq "one copy" 1 "$(copies "Message-ID: <pipe-1@example.test>")"
check_eq "one ticket more" "$((before + 1))" "$(tickets)"
check_eq "one acknowledgement" 1 "$(sent_to pia@example.test | wc -l)"
pf_stop

# ------------------------------------- mbox into a full file system (tmpfs)
mkdir -p "$T/fs"
if ! mount -t tmpfs -o size=4m,mode=0755 tmpfs "$T/fs" 2>"$T/mount.err"; then
	skip "mbox into a full file system" "mount not permitted here ($(cat "$T/mount.err"))"
	test_done
fi
track_mount "$T/fs"
store_init "$T/fs/store" || bail_out "desk init on tmpfs"
store_conf min_free_mb 0
dd if=/dev/zero of="$T/fs/fill" bs=64k >/dev/null 2>&1
check_eq "the file system is full" 0 "$(df --output=avail -k "$T/fs" | tail -n 1 | tr -d ' ')"
as_maildesk "$DESK" --store "$STORE" ingest --mbox "$T/old.mbox" >"$T/full.out" 2>"$T/full.err"
check_eq "disk full: the mbox import exits 75" 75 "$?"
check_eq "the message it could not spool is counted as failed" "1 messages: 0 stored, 0 duplicates, 1 failed" \
	"$(cat "$T/full.out")"
check "and reported: line 1, no space" grep -q "the message at line 1: cannot spool it in .*: No space left on device" "$T/full.err"
check_eq "nothing is left in mail/tmp, mail/new or mail/cur" "0 0 0" \
	"$(count_files "$STORE/mail/tmp") $(count_files "$STORE/mail/new") $(count_files "$STORE/mail/cur")"
rm -f "$T/fs/fill"
as_maildesk "$DESK" --store "$STORE" ingest --mbox "$T/old.mbox" >"$T/full.out" 2>"$T/full.err"
check_eq "space back: the import again exits 0" 0 "$?"
check_eq "and stores all three" "3 messages: 3 stored, 0 duplicates, 0 failed" "$(cat "$T/full.out")"
check_eq "once each" "1 1 1" "$(copies needle-mb-1) $(copies needle-mb-2) $(copies needle-mb-3)"
test_done
