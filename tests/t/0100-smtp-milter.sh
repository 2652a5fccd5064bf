#!/bin/bash
# 0100-smtp-milter.sh: mail through a real Postfix with maildesk-milter into
# the store: one message end to end, mail that is not the desk's, replies
# (a participant's and a stranger's), a second queue, the whole corpus,
# redelivery, and a rebuild of the index.
. "$(dirname "$0")/lib.sh"
need_corpus

store_init "$T/store" || bail_out "desk init"
milter_start || bail_out "maildesk-milter does not start"
pf_start milter || bail_out "postfix does not start"

# py CODE ARGS...: a short Python check (JSON, headers).
py() {
	local code=$1
	shift
	python3 -c "$code" "$@"
}

# prefix_names STORED ORIGINAL: the names of the header fields on top of
# ORIGINAL's bytes in STORED, one a line; fails when STORED does not end
# with ORIGINAL (line endings as LF).
prefix_names() {
	py '
import re, sys
stored = open(sys.argv[1], "rb").read()
orig = re.sub(rb"\r\n", b"\n", open(sys.argv[2], "rb").read())
if not stored.endswith(orig):
    sys.exit("stored file does not end with the original bytes")
for line in stored[:len(stored) - len(orig)].split(b"\n"):
    if line and line[:1] not in (b" ", b"\t"):
        print(line.split(b":", 1)[0].decode())
' "$1" "$2"
}

# json_field JSON EXPR: evaluate EXPR (Python, j = the parsed JSON).
json_field() {
	py 'import json, sys; j = json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"
}

stored_with() { grep -l -F -- "$1" "$STORE"/mail/cur/* 2>/dev/null; }

# ---------------------------------------------------------------- one message
FIRST=$CORPUS/notmuch/default/01:2,
FIRST_ID=1258471718-6781-1-git-send-email-dottedmag@dottedmag.net
RE_SUBJECT="Re: [notmuch] [PATCH 1/2] Close message file after parsing message headers"
SENT_TO_DESK=("$FIRST")

if reply=$(smtp_send "$FIRST"); then
	ok "a corpus message to support@ is accepted over SMTP"
else
	not_ok "a corpus message to support@ is accepted over SMTP" "reply: $reply" "$(pf_log | tail -n 5)"
fi
qid=${reply##* }
check "it is stored and indexed: mail/new empty, one file in mail/cur" wait_indexed 1
stored=$(ls "$STORE"/mail/cur/* 2>/dev/null | head -n 1)
[ -n "$stored" ] || bail_out "nothing stored in $STORE/mail/cur" "$(tail -n 20 "$T/milter.log")"

names=$(prefix_names "$stored" "$FIRST" 2>&1)
check "the stored file ends with the original bytes (after LF normalisation)" prefix_names "$stored" "$FIRST"
check_eq "our four headers are on top of the original, once each" \
	"X-Desk-Match X-Desk-Queue X-Desk-Seal X-Desk-Ticket" \
	"$(printf '%s\n' "$names" | grep '^X-Desk-' | sort | tr '\n' ' ' | sed 's/ $//')"
check_eq "in order, above the Received header Postfix added: X-Desk-Ticket first" \
	"X-Desk-Ticket X-Desk-Match X-Desk-Queue X-Desk-Seal Received" \
	"$(printf '%s\n' "$names" | grep -E '^(X-Desk-|Received$)' | tr '\n' ' ' | sed 's/ $//')"
check_eq "only trace headers and ours are on top of the original" "" \
	"$(printf '%s\n' "$names" | grep -v -E '^(X-Desk-(Ticket|Match|Queue|Seal)|Return-Path|X-Original-To|Delivered-To|Received)$' | tr '\n' ' ')"
ticket=$(header_of "$stored" X-Desk-Ticket)
check "X-Desk-Ticket is a ticket number" test "${ticket:-x}" -ge 1 2>/dev/null
check_eq "X-Desk-Match says new" new "$(header_of "$stored" X-Desk-Match)"
check_eq "X-Desk-Queue is the address's queue" support "$(header_of "$stored" X-Desk-Queue)"

json=$("$DESK" --store "$STORE" list --format=json 2>&1)
check_eq "desk list --format=json shows one ticket" 1 "$(json_field "$json" 'len(j)' 2>&1)"
check_eq "its number is X-Desk-Ticket" "$ticket" "$(json_field "$json" 'j[0]["ticket"]' 2>&1)"
check_eq "its subject is the message's (unfolded)" \
	"[notmuch] [PATCH 1/2] Close message file after parsing message headers" \
	"$(json_field "$json" '" ".join(j[0]["subject"].split())' 2>&1)"
check_eq "its requester is the sender" dottedmag@dottedmag.net "$(json_field "$json" 'j[0]["requester"]' 2>&1)"
check_eq "its status is new" new "$(json_field "$json" 'j[0]["status"]' 2>&1)"
check_eq "its queue is support" support "$(json_field "$json" 'j[0]["queue"]' 2>&1)"

show=$("$DESK" --store "$STORE" show "$ticket" 2>&1)
rc=$?
check_eq "desk show N exits 0" 0 "$rc"
case $show in
*"Keeping unused files open helps to see"*"Signed-off-by: Mikhail Gusarov"*)
	ok "desk show N prints the body text" ;;
*) not_ok "desk show N prints the body text" "$show" ;;
esac
if grep -q -F "$qid: message-id=<$FIRST_ID> ticket=$ticket match=new queue=support" "$T/milter.log"; then
	ok "the milter logs the queue id, Message-ID, ticket, match and queue"
else
	not_ok "the milter logs the queue id, Message-ID, ticket, match and queue" \
		"wanted: $qid: message-id=<$FIRST_ID> ticket=$ticket match=new queue=support" "$(tail -n 5 "$T/milter.log")"
fi

# ----------------------------------------------------- mail not for the desk
OTHER=$(make_msg other "Someone <someone@example.test>" other-1@example.test "" "Not for the desk" other@helpdesk.test)
if reply=$(smtp_send "$OTHER" other@helpdesk.test); then
	ok "mail to other@ (not a desk address) is accepted"
else
	not_ok "mail to other@ (not a desk address) is accepted" "reply: $reply"
fi
for i in $(seq 1 100); do
	[ "$(count_files "$T/other/new")" -ge 1 ] && break
	sleep 0.1
done
other_file=$(ls "$T"/other/new/* 2>/dev/null | head -n 1)
if [ -n "$other_file" ]; then
	ok "it is delivered to its own mailbox"
	check_eq "it carries no X-Desk- header" "" "$(grep -i '^X-Desk-' "$other_file")"
	check "its original bytes are intact" prefix_names "$other_file" "$OTHER"
else
	not_ok "it is delivered to its own mailbox" "$(pf_log | tail -n 5)"
fi
check_eq "the milter logs no decision for it" "" "$(grep -F '<other-1@example.test>' "$T/milter.log")"
check_eq "no ticket for it" "1" "$(desk_ids | wc -l)"

# ------------------------------------------------------------------ replies
REPLY=$(make_msg reply "Mikhail Gusarov <dottedmag@dottedmag.net>" reply-1@example.test "$FIRST_ID" "$RE_SUBJECT")
SENT_TO_DESK+=("$REPLY")
check "a reply from the requester is accepted" smtp_send "$REPLY"
check "it is stored and indexed" wait_indexed 2
f=$(stored_with needle-reply)
check_eq "the reply joins the ticket (X-Desk-Ticket)" "$ticket" "$(header_of "$f" X-Desk-Ticket 2>&1)"
check_eq "X-Desk-Match says in-reply-to" in-reply-to "$(header_of "$f" X-Desk-Match 2>&1)"

STRANGER=$(make_msg stranger "Mallory <mallory@example.test>" stranger-1@example.test "$FIRST_ID" "$RE_SUBJECT")
SENT_TO_DESK+=("$STRANGER")
check "a reply from a non-participant is accepted" smtp_send "$STRANGER"
check "it is stored and indexed" wait_indexed 3
f=$(stored_with needle-stranger)
check_eq "it joins the same ticket" "$ticket" "$(header_of "$f" X-Desk-Ticket 2>&1)"
case $(header_of "$f" X-Desk-Match 2>&1) in
in-reply-to*held*) ok "X-Desk-Match says held" ;;
*) not_ok "X-Desk-Match says held" "X-Desk-Match: $(header_of "$f" X-Desk-Match 2>&1)" ;;
esac
sj=$("$DESK" --store "$STORE" show --format=json "$ticket" 2>&1)
tags_of() {
	json_field "$sj" "' '.join(sorted(t for m in j['messages'] if m['message_id'] == '$1' for t in m['tags']))" 2>&1
}
case " $(tags_of stranger-1@example.test) " in
*" held "*) ok "desk show --format=json: the stranger's message is tagged held" ;;
*) not_ok "desk show --format=json: the stranger's message is tagged held" "tags: $(tags_of stranger-1@example.test)" ;;
esac
case " $(tags_of reply-1@example.test) " in
*" held "*) not_ok "the requester's reply is not held" "tags: $(tags_of reply-1@example.test)" ;;
*) ok "the requester's reply is not held" ;;
esac
check_eq "the ticket has 3 messages" 3 "$(json_field "$sj" 'j["messages_count"]' 2>&1)"
check_eq "still one ticket" 1 "$(desk_ids | wc -l)"

# ------------------------------------------------------------ another queue
BILL=$(make_msg billing "Payer <payer@example.test>" billing-1@example.test "" "Invoice 42 is wrong" billing@helpdesk.test)
SENT_TO_DESK+=("$BILL")
check "mail to billing@ is accepted" smtp_send "$BILL" billing@helpdesk.test
check "it is stored and indexed" wait_indexed 4
f=$(stored_with needle-billing)
check_eq "it gets X-Desk-Queue: billing" billing "$(header_of "$f" X-Desk-Queue 2>&1)"
bticket=$(header_of "$f" X-Desk-Ticket 2>&1)
check_eq "it is a new ticket" new "$(header_of "$f" X-Desk-Match 2>&1)"
json=$("$DESK" --store "$STORE" list --status any --format=json 2>&1)
check_eq "desk list shows it in queue billing" billing \
	"$(json_field "$json" "[t['queue'] for t in j if t['ticket'] == int('$bticket' or 0)]" 2>&1 | tr -d "[]'")"

# ------------------------------------------------------------ the whole corpus
mapfile -t ALL < <(find "$CORPUS/notmuch" -type f | sort)
SENT_TO_DESK+=("${ALL[@]}")
smtp_send_many support@helpdesk.test "${ALL[@]}" >"$T/corpus.replies"
accepted=$(grep -c '^250' "$T/corpus.replies")
check_eq "every corpus message (${#ALL[@]}) is accepted over SMTP" "${#ALL[@]}" "$accepted"
[ "$accepted" = "${#ALL[@]}" ] || diag "$(grep -v '^250' "$T/corpus.replies" | head -n 10)"
expected=$(python3 "$TESTS_T/stored-check.py" --count "${SENT_TO_DESK[@]}")
check "Postfix's queue empties" wait_queue_empty 120
check "every distinct message ($expected) is stored and indexed" wait_indexed "$expected" 120
check "each distinct message is stored exactly once, bytes intact, nothing else" \
	python3 "$TESTS_T/stored-check.py" "$STORE/mail/cur" "${SENT_TO_DESK[@]}"
check_eq "duplicate/: the 5 contents sharing <87r2ecrr6x.fsf@zephyr.silentflame.com> are 5 files" 5 \
	"$(grep -l -i -x -F 'Message-ID: <87r2ecrr6x.fsf@zephyr.silentflame.com>' "$STORE"/mail/cur/* | wc -l)"
check_eq "duplicate/: the 2 contents sharing <87r2geywh9.fsf@tethera.net> are 2 files" 2 \
	"$(grep -l -i -x -F 'Message-ID: <87r2geywh9.fsf@tethera.net>' "$STORE"/mail/cur/* | wc -l)"
check_eq "lkml: a message in the corpus twice, byte for byte, is stored once" 1 \
	"$(grep -l -i -x -F 'Message-ID: <9866.1277312701@redhat.com>' "$STORE"/mail/cur/* | wc -l)"
check_eq "the reused Message-IDs are recorded (X-Desk-Reused-Message-ID): 4 + 1 + 1" 6 \
	"$(grep -l -i '^X-Desk-Reused-Message-ID:' "$STORE"/mail/cur/* | wc -l)"

json=$("$DESK" --store "$STORE" list --status any --format=json 2>&1)
check_eq "the tickets' message counts add up to the stored messages" "$(count_files "$STORE/mail/cur")" \
	"$(json_field "$json" 'sum(t["messages"] for t in j)' 2>&1)"
bad=
nt=0
for n in $(desk_ids); do
	nt=$((nt + 1))
	if ! "$DESK" --store "$STORE" show "$n" >"$T/show.out" 2>"$T/show.err"; then
		bad="$bad#$n (exit $?: $(head -c 300 "$T/show.err")) "
	elif ! iconv -f UTF-8 -t UTF-8 "$T/show.out" >/dev/null 2>&1; then
		bad="$bad#$n (not UTF-8) "
	fi
done
check_eq "desk show of every ticket ($nt) exits 0 and prints valid UTF-8" "" "$bad"

# ---------------------------------------------------------------- redelivery
count=$(count_files "$STORE/mail/cur")
tickets=$(desk_ids | sort -n | tr '\n' ' ')
check "a message sent again is accepted" smtp_send "$FIRST"
check "Postfix's queue empties" wait_queue_empty
check "mail/new empties, mail/cur keeps $count files: no second copy" wait_indexed "$count"
check_eq "no new ticket" "$tickets" "$(desk_ids | sort -n | tr '\n' ' ')"
check "the milter matches it as a duplicate of its ticket" \
	grep -q -F "message-id=<$FIRST_ID> ticket=$ticket match=duplicate" "$T/milter.log"

# ----------------------------------------- a rebuilt index gives the same tickets
before=$("$DESK" --store "$STORE" list --status any --format=tsv | sort)
check "desk reindex succeeds while the milter runs" "$DESK" --store "$STORE" reindex
after=$("$DESK" --store "$STORE" list --status any --format=tsv | sort)
if [ "$before" = "$after" ]; then
	ok "after desk reindex, desk list shows the same tickets"
else
	not_ok "after desk reindex, desk list shows the same tickets" "$(diff <(echo "$before") <(echo "$after") | head -n 20)"
fi
bad=$(find "$STORE/mail/.notmuch" -type d ! -perm -2070 -printf '%m %u:%g %p\n')
check_eq "after desk reindex by root, the index's directories are setgid and group-writable" "" "$bad"
maxt=$(desk_ids | sort -n | tail -n 1)
LATE=$(make_msg late "Late Comer <late@example.test>" late-1@example.test "" "A new question after the reindex")
check "mail after the reindex is accepted" smtp_send "$LATE"
check "and indexed by the milter's indexer (the rebuilt index stays writable for it)" wait_indexed $((count + 1)) 20
f=$(stored_with needle-late)
lt=$(header_of "$f" X-Desk-Ticket 2>&1)
check_eq "it is a new ticket, numbered after every other" "$((maxt + 1))" "$lt"

milter_stop
check_eq "the milter stops cleanly on SIGTERM (exit 0)" 0 $?
# (libnotmuch 0.37 itself raises a GMime critical for broken/empty-part, an
# empty message/rfc822 part; log_quiet_gmime logs it at debug level as
# "gmime: ...": that line is notmuch's, not ours.)
check_eq "the milter logged no tempfail and no indexer complaint" "" \
	"$(grep -E '^maildesk-milter\[[0-9]+\]: .*(tempfail|indexer:|error|failed)' "$T/milter.log" |
		grep -v '^maildesk-milter\[[0-9]*\]: gmime: ' | head -n 5)"
test_done
