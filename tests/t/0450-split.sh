#!/usr/bin/env bash
# 0450-split.sh: desk split N MSGID: a new topic in an old thread becomes a
# ticket of its own, linked both ways; the files stay as they were; replies
# to the moved messages (desk ingest, and Postfix with maildesk-milter) land
# in the new ticket; bad splits are refused; desk reindex gives the same.
. "$(dirname "$0")/lib.sh"

store_init "$T/store" || bail_out "desk init"
milter_start || bail_out "maildesk-milter does not start"
pf_start milter || bail_out "postfix does not start"
D() { "$DESK" --store "$STORE" "$@"; }
D agent add alice alice@helpdesk.test --name "Alice Agent" >/dev/null || bail_out "agent add"
export MAILDESK_AGENT=alice

jq_() { python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
show_json() { D show "$1" --format=json >"$T/show.json" && jq_ "$T/show.json" "$2"; }
ids_of() { show_json "$1" "' '.join(m['message_id'] for m in j['messages'] if 'event' not in m['tags'])"; }
ticket_of_file() { sed -n 's/^X-Desk-Ticket: //p' "$1" | head -1; }
stored_id() { grep -l "^Message-ID: <$1>" "$STORE"/mail/cur/* 2>/dev/null | head -1; }
ingest() { # ingest NAME MSGID IN-REPLY-TO SUBJECT (from ann), one minute apart
	local f
	f=$(make_msg "$1" "Ann <ann@example.test>" "$2" "$3" "$4")
	sed -i "s/^Date: .*/Date: Tue, 17 Nov 2009 22:$5:00 +0000/" "$f"
	D ingest --envelope-to support@helpdesk.test <"$f" || not_ok "ingest $1"
}

# --- one thread, two topics: the printer, then (in a reply) the invoice
ingest q1 q1@example.test "" "Printer broken" 01
N=$(ticket_of_file "$(stored_id q1@example.test)")
ingest q2 q2@example.test q1@example.test "Re: Printer broken" 02
ingest i1 i1@example.test q2@example.test "Re: Printer broken (and my invoice)" 03
ingest q3 q3@example.test q2@example.test "Re: Printer broken" 04
ingest i2 i2@example.test i1@example.test "Re: invoice" 05
check_eq "one ticket with five messages" "q1@example.test q2@example.test i1@example.test q3@example.test i2@example.test" "$(ids_of "$N")"

# --- refusals
rc=0; D split "$N" q1@example.test >/dev/null 2>"$T/err" || rc=$?
check "splitting at the first message is refused" test "$rc" -ne 0
check "  and says why" grep -q "first message" "$T/err"
rc=0; D split "$N" nosuch@example.test >/dev/null 2>"$T/err" || rc=$?
check "splitting at a message not in the ticket is refused" test "$rc" -ne 0
rc=0; D split "$N" "not an id" >/dev/null 2>"$T/err" || rc=$?
check_eq "a malformed Message-ID is a usage error (64)" 64 "$rc"
rc=0; D split 999 i1@example.test >/dev/null 2>"$T/err" || rc=$?
check "splitting an unknown ticket is refused" grep -q "no ticket 999" "$T/err"

# --- the split
sums=$(cd "$STORE/mail/cur" && md5sum * | sort)
D split "$N" "<i1@example.test>" >"$T/out" 2>&1 || not_ok "desk split" "$(cat "$T/out")"
M=$(tail -1 "$T/out")
check "desk split prints the new ticket's number last" test -n "$M" -a "$M" != "$N"
check "  and says how many messages moved" grep -q "^$N: split 2 messages off into new ticket $M" "$T/out"
check_eq "no stored file was changed" "$sums" "$(cd "$STORE/mail/cur" && md5sum $(echo "$sums" | awk '{print $2}') | sort)"
check_eq "the moved message's file still says X-Desk-Ticket: $N" "$N" "$(ticket_of_file "$(stored_id i1@example.test)")"
check_eq "the new ticket has the moved message and its reply" "i1@example.test i2@example.test" "$(ids_of "$M")"
check_eq "the old ticket keeps the rest" "q1@example.test q2@example.test q3@example.test" "$(ids_of "$N")"
check_eq "the new ticket's subject and requester come from the moved message" \
	"Re: Printer broken (and my invoice) ann@example.test" "$(show_json "$M" 'j["subject"] + " " + j["requester"]')"
check_eq "linked both ways: new ticket -> old" "['split-from=$N']" "$(show_json "$M" 'j["links"]')"
check_eq "linked both ways: old ticket -> new" "['split-to=$M']" "$(show_json "$N" 'j["links"]')"
check_eq "the moved first message says why it is there" "new; split from $N" \
	"$(show_json "$M" '[m["match"] for m in j["messages"] if m["message_id"] == "i1@example.test"][0]')"
check_eq "both tickets are listed" "$(printf '%s\n%s' "$M" "$N")" "$(D list --status any --format=ids)"

# --- replies to moved messages land in the new ticket
ingest i3 i3@example.test i2@example.test "Re: invoice" 06
check_eq "a reply to a moved message (desk ingest) is stored in the new ticket" "$M" \
	"$(ticket_of_file "$(stored_id i3@example.test)")"
ingest q4 q4@example.test q3@example.test "Re: Printer broken" 07
check_eq "a reply to a message that stayed is stored in the old ticket" "$N" \
	"$(ticket_of_file "$(stored_id q4@example.test)")"
r=$(make_msg i4 "Ann <ann@example.test>" i4@example.test i1@example.test "Re: invoice")
sed -i "s/^Date: .*/Date: Tue, 17 Nov 2009 22:08:00 +0000/" "$r"
n=$(count_files "$STORE/mail/cur")
reply=$(smtp_send "$r" support@helpdesk.test ann@example.test) || not_ok "send i4" "$reply"
check "the reply through Postfix is indexed" wait_indexed $((n + 1))
check_eq "a reply to a moved message through Postfix + milter is stored in the new ticket" "$M" \
	"$(ticket_of_file "$(stored_id i4@example.test)")"
check_eq "the new ticket shows it" "i1@example.test i2@example.test i3@example.test i4@example.test" "$(ids_of "$M")"

# --- desk reindex gives the same
# (the shows first: desk show marks what the agent has seen, which the list says)
D show "$N" --format=json >"$T/n.before"
D show "$M" --format=json >"$T/m.before"
D list --status any --format=json >"$T/list.before"
D reindex >/dev/null
D show "$N" --format=json >"$T/n.after"
D show "$M" --format=json >"$T/m.after"
D list --status any --format=json >"$T/list.after"
check "reindex: the same ticket list" cmp "$T/list.before" "$T/list.after"
check "reindex: the old ticket shows the same" cmp "$T/n.before" "$T/n.after"
check "reindex: the new ticket shows the same" cmp "$T/m.before" "$T/m.after"

# --- a split of the split: messages end where the last split put them
D split "$M" i3@example.test >"$T/out2" 2>&1 || not_ok "second split" "$(cat "$T/out2")"
K=$(tail -1 "$T/out2")
check_eq "the second split moved i3 alone" "i3@example.test" "$(ids_of "$K")"
D list --status any --format=json >"$T/list.before"
D reindex >/dev/null
D list --status any --format=json >"$T/list.after"
check "reindex after two splits: the same ticket list" cmp "$T/list.before" "$T/list.after"
check_eq "  i3 still in the last ticket" "i3@example.test" "$(ids_of "$K")"

test_done
