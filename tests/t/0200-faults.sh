#!/bin/bash
# 0200-faults.sh: nothing is lost when things break. A milter killed with
# SIGKILL (Postfix answers 4xx, the sender retries, every message is stored
# exactly once); a missing store and an unwritable ticket counter (451
# 4.3.0); a full file system (exit 75 / 4xx / deferred, delivered once
# space is back); a locked notmuch database ("store busy", no hang, mail
# indexed after the lock is gone).
. "$(dirname "$0")/lib.sh"

code_of() { printf '%s' "${1%% *}"; }

# send_retry FILE...: send each until it gets 2xx, as a sending MTA would
# (0.2 s between tries, 150 tries at most; each refusal printed as
# "retry: REPLY"); 5xx gives up on the file.
send_retry() {
	local f i rc reply
	for f in "$@"; do
		for i in $(seq 1 150); do
			reply=$(smtp_send "$f")
			rc=$?
			[ $rc = 0 ] && break
			[ $rc = 5 ] && { echo "5xx for $f: $reply"; return 1; }
			echo "retry: $reply"
			sleep 0.2
		done
		[ $rc = 0 ] || { echo "no 2xx for $f after 150 tries"; return 1; }
	done
}

store_init "$T/store" || bail_out "desk init"
milter_start || bail_out "maildesk-milter does not start"
pf_start milter || bail_out "postfix does not start"

# ------------------------------------------------------ milter killed (SIGKILL)
MSGS=()
for i in $(seq 1 40); do
	MSGS+=("$(make_msg "kill-$i" "Customer $i <customer$i@example.test>" "kill-$i@example.test")")
done
check "5 messages are accepted" send_retry "${MSGS[@]:0:5}"
check "and indexed" wait_indexed 5

milter_kill
check "after SIGKILL the milter's socket is left behind (stale)" test -S "$MILTER_SOCK"
reply=$(smtp_send "${MSGS[5]}")
rc=$?
if [ $rc = 4 ]; then
	ok "with the milter dead, Postfix answers 4xx ($(code_of "$reply"))"
else
	not_ok "with the milter dead, Postfix answers 4xx" "smtp_send returned $rc: $reply"
fi
check "Postfix keeps nothing of it" wait_queue_empty 10
check_eq "nothing more is stored" 5 "$(($(count_files "$STORE/mail/cur") + $(count_files "$STORE/mail/new")))"
milter_start
check_eq "the milter restarts on the stale socket" 0 "$?"
check "the refused message is accepted after the restart" send_retry "${MSGS[5]}"

# A stream of mail, the milter killed and restarted in the middle of it;
# the sender retries on 4xx. Every message ends up stored exactly once.
# wait_stored N: until mail/new and mail/cur hold N files together (30 s).
wait_stored() {
	local i
	for i in $(seq 1 300); do
		[ $(($(count_files "$STORE/mail/cur") + $(count_files "$STORE/mail/new"))) -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
send_retry "${MSGS[@]:6}" >"$T/stream.out" 2>&1 &
sender=$!
bg_track "$sender"
wait_stored 12
milter_kill
sleep 1
milter_start
started=$?
wait_stored 24
milter_kill
sleep 0.5
milter_start
started=$((started + $?))
check_eq "the milter is killed and restarted twice in the middle of a stream" 0 "$started"
wait "$sender"
check_eq "the sender got 2xx for every message in the end" "0" "$?"
retries=$(grep -c '^retry: 4' "$T/stream.out")
if [ "$retries" -ge 1 ]; then
	ok "meanwhile the sender got 4xx and retried ($retries times)"
else
	not_ok "meanwhile the sender got 4xx and retried" "$retries retries: the kills missed the stream" "$(head -n 5 "$T/stream.out")"
fi
check "Postfix's queue empties" wait_queue_empty 60
check "all 40 messages are stored and indexed" wait_indexed 40
check "every message is stored exactly once, intact" python3 "$TESTS_T/stored-check.py" "$STORE/mail/cur" "${MSGS[@]}"
check_eq "and each is its own ticket" 40 "$(desk_ids | wc -l)"
check_eq "the tickets' message counts add up to 40" 40 \
	"$("$DESK" --store "$STORE" list --status any --format=json | python3 -c 'import json,sys; print(sum(t["messages"] for t in json.load(sys.stdin)))')"
check "a message already stored and sent again is accepted" send_retry "${MSGS[0]}"
check "Postfix's queue empties" wait_queue_empty 30
check "no second copy" wait_indexed 40

# --------------------------------------------------- counter unwritable, store missing
NEWQ=$(make_msg seq-1 "Newcomer <newcomer@example.test>" seq-1@example.test)
chmod 0400 "$STORE/seq"
reply=$(smtp_send "$NEWQ")
case $reply in
"451 4.3.0"*) ok "ticket counter unwritable: a new ticket gets 451 4.3.0" ;;
*) not_ok "ticket counter unwritable: a new ticket gets 451 4.3.0" "reply: $reply" ;;
esac
chmod 0660 "$STORE/seq"
check "counter writable again: the message is accepted" smtp_send "$NEWQ"
check "and stored" wait_indexed 41

mv "$STORE/mail" "$STORE/mail.away"
GONE=$(make_msg gone-1 "Lost <lost@example.test>" gone-1@example.test)
reply=$(smtp_send "$GONE")
case $reply in
"451 4.3.0"*) ok "store's Maildir missing: 451 4.3.0" ;;
*) not_ok "store's Maildir missing: 451 4.3.0" "reply: $reply" ;;
esac
as_maildesk "$DESK" --store "$STORE" ingest --envelope-to support@helpdesk.test <"$GONE" >"$T/ingest.out" 2>&1
check_eq "store's Maildir missing: desk ingest exits 75" 75 "$?"
as_maildesk "$DESK" --store "$T/no-such-store" ingest --envelope-to support@helpdesk.test <"$GONE" >"$T/ingest.out" 2>&1
check_eq "no store at all: desk ingest exits 75" 75 "$?"
mv "$STORE/mail.away" "$STORE/mail"
check "Maildir back: the message is accepted" smtp_send "$GONE"
check "and stored" wait_indexed 42

# A daemon user started with root's HOME (sudo -u, su without -): libnotmuch
# looks under $HOME/.config for hooks; that must not stop the store.
HOMELESS=$(make_msg home-1 "Homeless <homeless@example.test>" home-1@example.test)
HOME=/root setpriv --reuid="$MAILDESK_UID" --regid="$MAILDESK_GID" --init-groups -- \
	"$DESK" --store "$STORE" ingest --envelope-to support@helpdesk.test <"$HOMELESS" >"$T/ingest.out" 2>&1
rc=$?
check_eq "desk ingest as maildesk with an unreadable HOME (root's) stores the message" 0 "$rc"
[ "$rc" = 0 ] || diag "$(cat "$T/ingest.out")"
HOME=/root setpriv --reuid="$MAILDESK_UID" --regid="$MAILDESK_GID" --init-groups -- \
	"$DESK" --store "$STORE" list --status any --format ids >"$T/list.out" 2>&1
check_eq "desk list as maildesk with an unreadable HOME works" 0 "$?"
check "and the message is indexed" wait_indexed 43

# ------------------------------------------------------ locked notmuch database
FLINT=$STORE/mail/.notmuch/xapian/flintlock
python3 -c '
import fcntl, sys, time
f = open(sys.argv[1], "r+")
fcntl.lockf(f, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(3600)
' "$FLINT" >"$T/locker.out" 2>&1 &
locker=$!
bg_track "$locker"
for i in $(seq 1 50); do
	grep -q locked "$T/locker.out" && break
	sleep 0.1
done
check "a POSIX lock is held on the notmuch database (flintlock)" grep -q locked "$T/locker.out"
lock_timeout=10
t0=$(date +%s)
timeout 60 "$DESK" --store "$STORE" reindex >"$T/reindex.out" 2>&1
rc=$?
elapsed=$(($(date +%s) - t0))
if [ $rc = 124 ]; then
	not_ok "desk reindex does not hang on the locked database" "still running after 60 s"
else
	ok "desk reindex does not hang on the locked database (exit $rc after $elapsed s)"
fi
check "it fails (non-zero exit)" test "$rc" != 0 -a "$rc" != 124
check "it says \"store busy\"" grep -q "store busy" "$T/reindex.out"
check "within lock_timeout ($lock_timeout s)" test "$elapsed" -le $((lock_timeout + 2))
check "the index is still there after the refused reindex" \
	"$DESK" --store "$STORE" show "$(desk_ids | head -n 1)"
check "desk list works while the database is locked" "$DESK" --store "$STORE" list --status any --format ids
LOCKED=$(make_msg locked-1 "Patient <patient@example.test>" locked-1@example.test)
check "mail during the lock is accepted" smtp_send "$LOCKED"
check "Postfix delivers it" wait_queue_empty 30
sleep 2
check_eq "it waits in mail/new while the database is locked" 1 "$(count_files "$STORE/mail/new")"
LOCKED2=$(make_msg locked-2 "Patient Two <patient2@example.test>" locked-2@example.test)
as_maildesk timeout 60 "$DESK" --store "$STORE" ingest --envelope-to support@helpdesk.test <"$LOCKED2" >"$T/ingest.out" 2>&1
rc=$?
check_eq "desk ingest during the lock stores the message (exit 0, no hang)" 0 "$rc"
[ "$rc" = 0 ] || diag "$(cat "$T/ingest.out")"
kill "$locker"
wait "$locker" 2>/dev/null
check "after the lock is released both are indexed" wait_indexed 45
check_eq "each is a ticket of its own" "1 1" \
	"$("$DESK" --store "$STORE" list --status any --format json | python3 -c '
import json, sys
j = json.load(sys.stdin)
print(*[sum(t["subject"] == "Question " + n for t in j) for n in ("locked-1", "locked-2")])')"

# ----------------------------------------------------------- full file system
milter_stop
pf_stop
mkdir -p "$T/fs"
if ! mount -t tmpfs -o size=2m,mode=0755 tmpfs "$T/fs" 2>"$T/mount.err"; then
	skip "full file system" "mount not permitted in this sandbox ($(cat "$T/mount.err"))"
	test_done
fi
track_mount "$T/fs"
store_init "$T/fs/store" || bail_out "desk init on tmpfs"
# 2 MiB in all: refuse new mail below 1 MiB free (default 16).
sed -i 's/^#min_free_mb = .*/min_free_mb = 1/' "$STORE/maildesk.conf"
check "min_free_mb = 1 is set" grep -q '^min_free_mb = 1$' "$STORE/maildesk.conf"
milter_start || bail_out "maildesk-milter does not start on the tmpfs store"
pf_start milter || bail_out "postfix does not start (tmpfs store)"
FULL1=$(make_msg full-1 "Early <early@example.test>" full-1@example.test)
check "tmpfs store: a message is accepted" smtp_send "$FULL1"
check "and stored" wait_indexed 1
dd if=/dev/zero of="$T/fs/fill" bs=64k >/dev/null 2>&1
check_eq "the file system is full" 0 "$(df --output=avail -k "$T/fs" | tail -n 1 | tr -d ' ')"
FULL2=$(make_msg full-2 "Late <late@example.test>" full-2@example.test)
as_maildesk "$DESK" --store "$STORE" ingest --envelope-to support@helpdesk.test <"$FULL2" >"$T/ingest.out" 2>&1
check_eq "disk full: desk ingest exits 75" 75 "$?"
check "and says the store is full" grep -q -i "full" "$T/ingest.out"
reply=$(smtp_send "$FULL2")
rc=$?
if [ $rc = 4 ]; then
	ok "disk full: SMTP answers 4xx ($(code_of "$reply"))"
else
	not_ok "disk full: SMTP answers 4xx" "smtp_send returned $rc: $reply"
fi
check_eq "nothing was stored meanwhile" "1 0" \
	"$(count_files "$STORE/mail/cur") $(count_files "$STORE/mail/new")"
check_eq "no partial file is left in mail/tmp" 0 "$(count_files "$STORE/mail/tmp")"
rm -f "$T/fs/fill"
check "space back: the message is accepted on resend" smtp_send "$FULL2"
check "and stored" wait_indexed 2

# Really out of space (min_free_mb = 0: only write errors tell), with
# desk ingest as Postfix's pipe(8) transport: Postfix keeps the mail
# (deferred) and delivers it once space is back (postqueue -f).
milter_stop
pf_stop
sed -i 's/^min_free_mb = .*/min_free_mb = 0/' "$STORE/maildesk.conf"
pf_start pipe || bail_out "postfix does not start (pipe)"
PIPE1=$(make_msg pipe-1 "Piper <piper@example.test>" pipe-1@example.test)
check "pipe transport: a message is accepted" smtp_send "$PIPE1"
check "Postfix delivers it through desk ingest" wait_queue_empty 30
check "desk ingest stored and indexed it" wait_indexed 3
dd if=/dev/zero of="$T/fs/fill" bs=4k >/dev/null 2>&1
check_eq "the file system is full" 0 "$(df --output=avail -k "$T/fs" | tail -n 1 | tr -d ' ')"
PIPE2=$(make_msg pipe-2 "Piper Two <piper2@example.test>" pipe-2@example.test)
as_maildesk "$DESK" --store "$STORE" ingest --envelope-to support@helpdesk.test <"$PIPE2" >"$T/ingest.out" 2>&1
check_eq "out of space on write: desk ingest exits 75" 75 "$?"
check_eq "no partial file is left in mail/new or mail/tmp" "0 0" \
	"$(count_files "$STORE/mail/new") $(count_files "$STORE/mail/tmp")"
check "pipe transport, disk full: Postfix accepts the message (250)" smtp_send "$PIPE2"
for i in $(seq 1 100); do
	grep -q 'status=deferred' "$PF/maillog" && break
	sleep 0.1
done
check "Postfix defers it (desk ingest exit 75)" grep -q 'relay=desk.*status=deferred' "$PF/maillog"
check_eq "it is not stored" "3 0" "$(count_files "$STORE/mail/cur") $(count_files "$STORE/mail/new")"
rm -f "$T/fs/fill"
postqueue -c "$PF/conf" -f
check "space back, postqueue -f: the queue empties" wait_queue_empty 60
check "the deferred message is stored and indexed, once" wait_indexed 4
check "every message of the tmpfs store is stored exactly once" \
	python3 "$TESTS_T/stored-check.py" "$STORE/mail/cur" "$FULL1" "$FULL2" "$PIPE1" "$PIPE2"
test_done
