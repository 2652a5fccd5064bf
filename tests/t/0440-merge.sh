#!/usr/bin/env bash
# 0440-merge.sh: desk merge FROM INTO: FROM's messages show in INTO, later
# mail for FROM (by token, In-Reply-To and subject tag; through desk ingest
# and through Postfix with maildesk-milter) lands in INTO, FROM shows as
# merged, verbs on FROM act on INTO, bad merges are refused, and desk
# reindex gives the same tickets.
. "$(dirname "$0")/lib.sh"

store_init "$T/store" || bail_out "desk init"
milter_start || bail_out "maildesk-milter does not start"
pf_start milter || bail_out "postfix does not start"
D() { "$DESK" --store "$STORE" "$@"; }
D agent add alice alice@helpdesk.test --name "Alice Agent" >/dev/null || bail_out "agent add"
export MAILDESK_AGENT=alice

# jq_ JSON-FILE EXPR: a Python expression over the parsed JSON (j).
jq_() { python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
show_json() { D show "$1" --format=json >"$T/show.json" && jq_ "$T/show.json" "$2"; }
ticket_of_file() { sed -n 's/^X-Desk-Ticket: //p' "$1" | head -1; }
stored_id() { grep -l "^Message-ID: <$1>" "$STORE"/mail/cur/* 2>/dev/null | head -1; }
# token N: the signed reply address token of ticket N (lib/store/token.c)
token() {
	python3 - "$STORE/secret" "$1" <<-'PY'
	import hmac, hashlib, sys
	key = open(sys.argv[1], "rb").read()
	b32 = "abcdefghijklmnopqrstuvwxyz234567"
	d = hmac.new(key, ("token:%s" % sys.argv[2]).encode(), hashlib.sha256).digest()
	print("".join(b32[x & 31] for x in d[:10]))
	PY
}

# --- two tickets through Postfix: ann's printer, bob's (the same problem)
a=$(make_msg ann1 "Ann <ann@example.test>" ann1@example.test "" "Printer on fire")
b=$(make_msg bob1 "Bob <bob@example.test>" bob1@example.test "" "Printer smokes too")
smtp_send "$a" support@helpdesk.test ann@example.test >/dev/null || bail_out "send ann1"
wait_indexed 1 || bail_out "ann1 not indexed"
smtp_send "$b" support@helpdesk.test bob@example.test >/dev/null || bail_out "send bob1"
wait_indexed 2 || bail_out "bob1 not indexed"
INTO=$(ticket_of_file "$(stored_id ann1@example.test)")
FROM=$(ticket_of_file "$(stored_id bob1@example.test)")
[ -n "$INTO" ] && [ -n "$FROM" ] && [ "$INTO" != "$FROM" ] || bail_out "two tickets expected: '$INTO' '$FROM'"

# --- refusals before the merge
rc=0; D merge "$FROM" "$FROM" >/dev/null 2>"$T/err" || rc=$?
check_eq "merging a ticket into itself is refused (64)" 64 "$rc"
rc=0; D merge "$FROM" 999 >/dev/null 2>"$T/err" || rc=$?
check "merging into an unknown ticket is refused" test "$rc" -ne 0
check "  and says which" grep -q "no ticket 999" "$T/err"
rc=0; D merge 998 "$INTO" >/dev/null 2>"$T/err" || rc=$?
check "merging an unknown ticket is refused" test "$rc" -ne 0

# --- the merge
files_before=$(cd "$STORE/mail/cur" && md5sum * | sort)
out=$(D merge "$FROM" "$INTO" 2>&1)
check_eq "desk merge exits 0 and says so" "$FROM: merged into $INTO (its mail goes to $INTO from now on)" "$out"
check_eq "no stored file was changed (events only)" "$files_before" \
	"$(cd "$STORE/mail/cur" && md5sum $(echo "$files_before" | awk '{print $2}') | sort)"
check_eq "FROM shows as merged into INTO (json)" "merged $INTO" "$(show_json "$FROM" 'j["status"], j["merged_into"]' | tr -d "(),'")"
D show "$FROM" >"$T/show.txt"
check "FROM's text show points to INTO" grep -q "^Merged: *into #$INTO" "$T/show.txt"
check_eq "desk list --status merged lists FROM" "$FROM" "$(D list --status merged --format=ids)"
check "desk list (open tickets) does not list FROM" test -z "$(D list --format=ids | grep -x "$FROM")"
check_eq "INTO links merged-from=FROM" "True" "$(show_json "$INTO" "'merged-from=$FROM' in j['links']")"
check_eq "INTO shows FROM's message" "True" \
	"$(show_json "$INTO" "'bob1@example.test' in [m['message_id'] for m in j['messages']]")"

rc=0; D merge "$INTO" "$FROM" >/dev/null 2>"$T/err" || rc=$?
check "merging INTO into FROM (a cycle) is refused" test "$rc" -ne 0
check "  and says it would be a cycle" grep -q "cycle" "$T/err"
rc=0; D merge "$FROM" "$INTO" >/dev/null 2>"$T/err" || rc=$?
check "merging FROM again is refused" grep -q "already merged into $INTO" "$T/err"

# --- later mail for FROM lands in INTO
tok=$(token "$FROM")
r=$(make_msg bob2 "Bob <bob@example.test>" bob2@example.test "" "Re: anything")
D ingest --envelope-to "support+$FROM-$tok@helpdesk.test" <"$r"
f=$(stored_id bob2@example.test)
check_eq "a reply by FROM's token (desk ingest) is stored in INTO" "$INTO" "$(ticket_of_file "$f")"
check "  its X-Desk-Match says it followed the merge" grep -q "^X-Desk-Match: token; merged from $FROM" "$f"
r=$(make_msg bob3 "Bob <bob@example.test>" bob3@example.test "" "Re: [#$FROM] Printer smokes too")
D ingest --envelope-to support@helpdesk.test <"$r"
check_eq "a reply with FROM's subject tag (desk ingest) is stored in INTO" "$INTO" \
	"$(ticket_of_file "$(stored_id bob3@example.test)")"
r=$(make_msg bob4 "Bob <bob@example.test>" bob4@example.test bob1@example.test "Re: Printer smokes too")
n=$(count_files "$STORE/mail/cur")
reply=$(smtp_send "$r" support@helpdesk.test bob@example.test) || not_ok "send bob4" "$reply"
check "the reply through Postfix and the milter is indexed" wait_indexed $((n + 1))
f=$(stored_id bob4@example.test)
check_eq "a reply to FROM's message through Postfix + milter is stored in INTO" "$INTO" "$(ticket_of_file "$f")"
check "  not held: bob is a participant" test -z "$(grep '^X-Desk-Match:.*held' "$f")"
r=$(make_msg bob5 "Bob <bob@example.test>" bob5@example.test "" "Re: again")
n=$(count_files "$STORE/mail/cur")
reply=$(smtp_send "$r" "support+$FROM-$tok@helpdesk.test" bob@example.test) || not_ok "send bob5" "$reply"
check "the token reply through Postfix is indexed" wait_indexed $((n + 1))
check_eq "a reply by FROM's token through Postfix + milter is stored in INTO" "$INTO" \
	"$(ticket_of_file "$(stored_id bob5@example.test)")"
check_eq "INTO shows the replies" "True" \
	"$(show_json "$INTO" "all(i in [m['message_id'] for m in j['messages']] for i in ['bob2@example.test', 'bob3@example.test', 'bob4@example.test', 'bob5@example.test'])")"
check_eq "FROM stays merged" "merged" "$(show_json "$FROM" 'j["status"]')"

# --- verbs on FROM act on INTO, and say so
out=$(D take "$FROM" 2>&1)
check "desk take FROM says it acts on INTO" grep -q "^$FROM: merged into $INTO: acting on $INTO" <<<"$out"
check_eq "INTO is alice's" "alice" "$(show_json "$INTO" 'j["owner"]')"

# --- desk reindex gives the same
D list --status any --format=json >"$T/list.before"
D show "$INTO" --format=json >"$T/into.before"
D show "$FROM" --format=json >"$T/from.before"
D reindex >/dev/null
D list --status any --format=json >"$T/list.after"
D show "$INTO" --format=json >"$T/into.after"
D show "$FROM" --format=json >"$T/from.after"
check "reindex: the same ticket list" cmp "$T/list.before" "$T/list.after"
check "reindex: INTO shows the same" cmp "$T/into.before" "$T/into.after"
check "reindex: FROM shows the same" cmp "$T/from.before" "$T/from.after"
r=$(make_msg bob6 "Bob <bob@example.test>" bob6@example.test bob2@example.test "Re: after reindex")
D ingest <"$r"
check_eq "after reindex a reply still lands in INTO" "$INTO" "$(ticket_of_file "$(stored_id bob6@example.test)")"

test_done
