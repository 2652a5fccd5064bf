#!/usr/bin/env bash
# 0460-spam-purge.sh: desk spam hides a ticket, --block refuses its sender
# at SMTP time (a real Postfix with maildesk-milter answers 550) and in
# desk ingest; desk purge deletes a ticket's messages for an erasure
# request, leaving one event, and neither a redelivery (desk ingest,
# Postfix) nor desk reindex brings them back.
. "$(dirname "$0")/lib.sh"

store_init "$T/store" || bail_out "desk init"
milter_start || bail_out "maildesk-milter does not start"
pf_start milter || bail_out "postfix does not start"
D() { "$DESK" --store "$STORE" "$@"; }
D agent add alice alice@helpdesk.test --name "Alice Agent" >/dev/null || bail_out "agent add"
export MAILDESK_AGENT=alice

jq_() { python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
show_json() { D show "$1" --format=json >"$T/show.json" && jq_ "$T/show.json" "$2"; }
ticket_of_file() { sed -n 's/^X-Desk-Ticket: //p' "$1" | head -1; }
stored_id() { grep -l "^Message-ID: <$1>" "$STORE"/mail/cur/* 2>/dev/null | head -1; }
send() { # send FILE FROM: through Postfix, then wait until it is indexed
	local n
	n=$(count_files "$STORE/mail/cur")
	smtp_send "$1" support@helpdesk.test "$2" >"$T/reply" || { not_ok "send $1" "$(cat "$T/reply")"; return 1; }
	wait_indexed $((n + 1))
}

# --- spam and a real question
s1=$(make_msg spam1 "Cheap Pills <pills@spam.test>" spam1@spam.test "" "Buy now")
q1=$(make_msg ann1 "Ann <ann@example.test>" ann1@example.test "" "My account")
send "$s1" pills@spam.test || bail_out "send spam1"
send "$q1" ann@example.test || bail_out "send ann1"
S=$(ticket_of_file "$(stored_id spam1@spam.test)")
A=$(ticket_of_file "$(stored_id ann1@example.test)")

# --- desk spam hides it
out=$(D spam "$S" 2>&1)
check_eq "desk spam says what it did" "$S: alice marked the ticket as spam" "$out"
check "desk list does not show it" test -z "$(D list --format=ids | grep -x "$S")"
check "desk list --status any does not show it" test -z "$(D list --status any --format=ids | grep -x "$S")"
check_eq "desk list --status spam shows it" "$S" "$(D list --status spam --format=ids)"
check_eq "desk list still shows the question" "$A" "$(D list --format=ids)"
check "no block list yet" test ! -s "$STORE/var/blocked"

# --- --block: the sender is refused at SMTP time
out=$(D spam "$S" --block 2>&1)
check_eq "desk spam --block says whom it blocked" "$S: alice marked the ticket as spam and blocked pills@spam.test" "$out"
check_eq "STORE/var/blocked holds the address" "pills@spam.test" "$(cat "$STORE/var/blocked")"
check_eq "STORE/var/blocked is 0660" "660" "$(stat -c %a "$STORE/var/blocked")"
n=$(count_files "$STORE/mail/cur")
s2=$(make_msg spam2 "Cheap Pills <pills@spam.test>" spam2@spam.test "" "Buy again")
rc=0; smtp_send "$s2" support@helpdesk.test pills@spam.test >"$T/reply" || rc=$?
check_eq "a blocked sender gets a 5xx through Postfix" 5 "$rc"
check "  550 5.7.1 with a clear text" grep -q "^550 5.7.1 maildesk: the help desk does not accept mail from this sender" "$T/reply"
s3=$(make_msg spam3 "Other Name <PILLS@spam.test>" spam3@spam.test "" "Buy more")
rc=0; smtp_send "$s3" support@helpdesk.test bounce-123@other.test >"$T/reply" || rc=$?
check_eq "a blocked From (in any case) is refused too" 5 "$rc"
q2=$(make_msg ann2 "Ann <ann@example.test>" ann2@example.test ann1@example.test "Re: My account")
send "$q2" ann@example.test
check_eq "other senders still get through" "$A" "$(ticket_of_file "$(stored_id ann2@example.test)")"
check_eq "nothing of the blocked sender was stored" "$((n + 1))" "$(count_files "$STORE/mail/cur")"
check "the milter logged the refusal" grep -q "sender pills@spam.test is blocked" "$T/milter.log"
rc=0; D ingest --envelope-to support@helpdesk.test --envelope-from pills@spam.test <"$s2" || rc=$?
check_eq "desk ingest as LDA drops a blocked sender's mail with exit 0 (no backscatter)" 0 "$rc"
check_eq "  and stores nothing" "$((n + 1))" "$(count_files "$STORE/mail/cur")$(count_files "$STORE/mail/new" | sed 's/^0$//')"

D list --status spam --format=json >"$T/spam.before"
D reindex >/dev/null
check "reindex keeps the spam status" cmp "$T/spam.before" <(D list --status spam --format=json)

# --- not spam after all
D spam "$S" --undo --block >"$T/out" 2>&1
check_eq "desk spam --undo --block opens it and unblocks" "$S: alice took the ticket out of spam and unblocked pills@spam.test" "$(cat "$T/out")"
check "the block list is empty" test ! -s "$STORE/var/blocked"
check_eq "the ticket is open" "open" "$(show_json "$S" 'j["status"]')"
D spam "$S" >/dev/null

# --- purge: an erasure request for ann's ticket
a3=$(make_msg ann3 "Ann <ann@example.test>" ann3@example.test ann2@example.test "Re: My account")
D ingest --envelope-to support@helpdesk.test <"$a3"
mkdir -p "$T/saved"
for id in ann1@example.test ann2@example.test ann3@example.test; do cp "$(stored_id "$id")" "$T/saved/$id"; done
files=$(grep -l "^X-Desk-Ticket: $A$" "$STORE"/mail/cur/* | wc -l)
rc=0; D purge "$A" </dev/null >/dev/null 2>"$T/err" || rc=$?
check_eq "desk purge without --yes and no terminal refuses (64)" 64 "$rc"
check_eq "  and deletes nothing" "$files" "$(grep -l "^X-Desk-Ticket: $A$" "$STORE"/mail/cur/* | wc -l)"
total=$(count_files "$STORE/mail/cur")
out=$(D purge "$A" --yes 2>&1)
check_eq "desk purge --yes says what it did" "$A: alice purged $files message files (erasure request)" "$out"
check "no file of ann's is left" test -z "$(grep -l -r "needle-ann" "$STORE/mail")"
check_eq "one file is left of the ticket: the purge event" "$((total - files + 1))" "$(count_files "$STORE/mail/cur")"
check_eq "desk show: status purged, by alice, no messages" "purged alice@helpdesk.test 0" \
	"$(show_json "$A" 'j["status"] + " " + j["requester"] + " " + str(j["messages_count"])')"
check_eq "the event says when and by whom" "['Alice Agent <alice@helpdesk.test>']" \
	"$(show_json "$A" '[m["from"] for m in j["messages"]]')"
ev=$(grep -l "^X-Desk-Event: purge" "$STORE"/mail/cur/*)
check "the event holds tombstones (hashes, Message-IDs), no content" \
	sh -c "grep -q '^X-Desk-Purged:' '$ev' && grep -q ' i-ann1@example.test' '$ev' && ! grep -qi 'My account\|needle' '$ev'"
check_eq "desk list --status purged lists it" "$A" "$(D list --status purged --format=ids)"

# --- redelivery brings nothing back
n=$(count_files "$STORE/mail/cur")
D ingest --envelope-to support@helpdesk.test <"$q1"
D ingest --envelope-to support@helpdesk.test <"$a3"
check_eq "redelivery through desk ingest stores nothing" "$n" "$(count_files "$STORE/mail/cur")"
smtp_send "$q2" support@helpdesk.test ann@example.test >"$T/reply" || not_ok "resend ann2" "$(cat "$T/reply")"
wait_queue_empty
for i in $(seq 1 50); do [ "$(count_files "$STORE/mail/new")" -eq 0 ] && break; sleep 0.1; done
sleep 1
check_eq "redelivery through Postfix + milter stores nothing" "$n" "$(count_files "$STORE/mail/cur")"
check "  and mail/new is empty" test "$(count_files "$STORE/mail/new")" -eq 0
check "no file of ann's is back" test -z "$(grep -l -r "needle-ann" "$STORE/mail")"
sed 's/^Message-ID: .*/Message-ID: <fresh-id@example.test>/' "$q1" >"$T/fresh"
D ingest --envelope-to support@helpdesk.test <"$T/fresh"
check "the same content under a new Message-ID is dropped (hash)" test -z "$(stored_id fresh-id@example.test)"

# --- reindex brings nothing back, even a file restored behind our back
D list --status any --format=json >"$T/list.before"
cp "$T/saved/ann1@example.test" "$STORE/mail/cur/"
D reindex >/dev/null
check "reindex: the same ticket list" cmp "$T/list.before" <(D list --status any --format=json)
check "reindex: no file of ann's is back (a restored one is deleted again)" test -z "$(grep -l -r "needle-ann" "$STORE/mail")"
check_eq "reindex: still purged" "purged" "$(show_json "$A" 'j["status"]')"
D ingest --envelope-to support@helpdesk.test <"$q1"
check "after reindex a redelivery is still dropped" test -z "$(stored_id ann1@example.test)"

test_done
