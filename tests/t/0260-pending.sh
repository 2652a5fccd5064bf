#!/usr/bin/env bash
# 0260-pending.sh: a reply that arrives before its parent is indexed still
# joins the parent's ticket (the milter remembers its decisions), and the
# indexer waits out a busy store and catches up when it is free.
. "$(dirname "$0")/lib.sh"

store_init "$T/store" || bail_out "store"
milter_start || bail_out "milter"
pf_start milter || bail_out "postfix"

# hold the store's writer lock: the indexer can't index for now
exec 9<"$STORE/lock"
flock 9

printf 'From: ann@example.test\nTo: support@helpdesk.test\nSubject: vpn down\nMessage-ID: <parent@example.test>\n\nthe vpn is down\n' >"$T/parent"
printf 'From: ann@example.test\nTo: support@helpdesk.test\nSubject: Re: vpn down\nMessage-ID: <child@example.test>\nIn-Reply-To: <parent@example.test>\n\nstill down\n' >"$T/child"
printf 'From: bob@example.test\nTo: support@helpdesk.test\nSubject: Re: vpn down\nMessage-ID: <other@example.test>\nReferences: <parent@example.test>\n\nme too\n' >"$T/stranger"
check "the parent is accepted" smtp_send "$T/parent"
check "the reply is accepted" smtp_send "$T/child"
check "a reply from someone else is accepted" smtp_send "$T/stranger" support@helpdesk.test bob@example.test
for i in $(seq 1 50); do [ "$(count_files "$STORE/mail/new")" -ge 3 ] && break; sleep 0.1; done
check_eq "all three wait in mail/new while the store is busy" 3 "$(count_files "$STORE/mail/new")"
ticket_of() { grep -l "^Message-ID: <$1@example.test>" "$STORE"/mail/*/* | head -1 | xargs sed -n 's/^X-Desk-Ticket: //p' | head -1; }
match_of() { grep -l "^Message-ID: <$1@example.test>" "$STORE"/mail/*/* | head -1 | xargs sed -n 's/^X-Desk-Match: //p' | head -1; }
p=$(ticket_of parent)
check_eq "the unindexed reply joins its parent's ticket" "$p" "$(ticket_of child)"
check_eq "by In-Reply-To" "in-reply-to" "$(match_of child)"
check_eq "the non-participant's reply joins it too" "$p" "$(ticket_of other)"
check_eq "held, not a participant" "references; held: sender not a participant" "$(match_of other)"

exec 9<&-
check "the indexer catches up once the store is free" wait_indexed 3 20
n=$("$DESK" --store "$STORE" show "$p" --format=json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["messages"]))')
check_eq "desk show lists the three messages in one ticket" 3 "$n"
check_eq "one ticket in all" 1 "$("$DESK" --store "$STORE" list --status any --format ids | wc -l)"
test_done
