#!/usr/bin/env bash
# 0162-reindex-followup.sh: a follow-up still owed survives a reindex, a
# copy of the store and a crash. The acknowledgement of a new ticket is
# kept from running (another process holds STORE/followup.lock, as a
# follow-up killed half way would leave it owed), then `desk reindex`
# deletes the index: the acknowledgement still goes out, exactly once, and
# neither a second reindex nor later verbs send it again. A copy of the
# store taken while it was owed owes it too.
. "$(dirname "$0")/lib.sh"

STORE=$T/store
"$DESK" init --address support@helpdesk.test "$STORE" >/dev/null || bail_out "desk init"
store_conf ack true || bail_out "store_conf ack"
store_conf lock_timeout 1 || bail_out "store_conf lock_timeout"
OUT=$T/out
mkdir -p "$OUT"
export MAILDESK_SENDMAIL="$TESTS_T/sendmail-capture" CAPTURE_DIR=$OUT MAILDESK_AGENT=alice
export MAILDESK_TEMPLATES_DIR=$SRCDIR/templates
D() { "$DESK" --store "$1" "${@:2}"; }
D "$STORE" agent add alice alice@helpdesk.test >/dev/null || bail_out "agent add"
acks_to() { grep -l -i -e "^To: $1" -e "^To: .*<$1>" "$OUT"/*.eml 2>/dev/null | wc -l; }
owed() { find "$1/followup" -type f 2>/dev/null | wc -l; }

# Hold the follow-up lock: the message is stored and indexed, its
# acknowledgement is owed and not sent.
(exec 9>>"$STORE/followup.lock" && flock -x 9 && exec sleep 120) &
holder=$!
bg_track $holder
sleep 0.2
printf 'From: Ann <ann@customer.test>\nTo: support@helpdesk.test\nSubject: Printer on fire\nMessage-ID: <ow1@customer.test>\n\nHelp.\n' |
	D "$STORE" ingest --envelope-to support@helpdesk.test
check_eq "the mail is stored (exit 0) though its follow-up cannot run" 0 $?
check_eq "it is a ticket" 1 "$(D "$STORE" list --status any --format ids | wc -l)"
check_eq "no acknowledgement yet" 0 "$(acks_to ann@customer.test)"
check_eq "the store owes it a follow-up (STORE/followup)" 1 "$(owed "$STORE")"
check "the name there is the stored file itself (a link, no copy)" \
	test "$(stat -c %i "$STORE"/followup/*)" = "$(stat -c %i "$STORE"/mail/cur/"$(basename "$STORE"/followup/*)")"

# A copy of the store while it is owed (cp -a keeps the link).
cp -a "$STORE" "$T/copy"
kill $holder 2>/dev/null
wait $holder 2>/dev/null

check "desk reindex" D "$STORE" reindex
check_eq "after the reindex the acknowledgement went out once" 1 "$(acks_to ann@customer.test)"
check_eq "nothing is owed any more" 0 "$(owed "$STORE")"
check "a second desk reindex" D "$STORE" reindex
check "a verb after it" D "$STORE" tag 1 +seen-again
check_eq "still one acknowledgement" 1 "$(acks_to ann@customer.test)"
check_eq "the ticket holds one acknowledgement event" 1 \
	"$(D "$STORE" show 1 --format=json | python3 -c 'import json,sys; print(sum(1 for m in json.load(sys.stdin)["messages"] if m.get("event") == "ack"))')"

# A purge deletes the other name too: no copy of an erased message stays
# in followup/ (its follow-up is owed while the lock is held again).
(exec 9>>"$STORE/followup.lock" && flock -x 9 && exec sleep 120) &
holder=$!
bg_track $holder
sleep 0.2
printf 'From: Bea <bea@customer.test>\nTo: support@helpdesk.test\nSubject: Erase me\nMessage-ID: <ow2@customer.test>\n\nneedle-erase\n' |
	D "$STORE" ingest --envelope-to support@helpdesk.test
check_eq "a second mail is owed its follow-up" 1 "$(owed "$STORE")"
kill $holder 2>/dev/null
wait $holder 2>/dev/null
check "desk purge of its ticket" D "$STORE" purge 2 --yes
check_eq "nothing of it is left in followup/" "0 0" \
	"$(owed "$STORE") $(grep -rl needle-erase "$STORE/followup" "$STORE/mail/cur" 2>/dev/null | wc -l)"

check "desk reindex of the copy" D "$T/copy" reindex
check_eq "the copy owed it too: a second acknowledgement, from the copy" 2 "$(acks_to ann@customer.test)"
check_eq "the copy owes nothing more" 0 "$(owed "$T/copy")"

test_done
