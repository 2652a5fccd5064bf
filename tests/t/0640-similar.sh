#!/bin/bash
# 0640-similar.sh: similar and duplicate tickets, incidents (issue 16): a
# small store played over days with MAILDESK_NOW. desk show N --similar
# lists the tickets sharing words, the hand-made near-copy first; a
# re-sent copy is flagged as a possible duplicate of the open original
# with the merge command, which works; a burst of three like tickets
# within 30 minutes makes exactly one incident event, which runs the
# incident hook and which desk report counts; desk reindex keeps it all.
. "$(dirname "$0")/lib.sh"

store_init "$T/store" || bail_out "desk init"
D() { as_maildesk "$DESK" --store "$STORE" "$@"; }
export TZ=UTC
unset MAILDESK_AGENT MAILDESK_NOW
store_conf ack false || bail_out "ack off"
store_conf notify_agents false || bail_out "notify off"
store_conf incident_tickets 3 || bail_out "incident_tickets"
store_conf incident_minutes 30 || bail_out "incident_minutes"
D agent add alice alice@agents.test >/dev/null || bail_out "agent add"

OUT=$T/out
mkdir -p "$OUT" && chown maildesk:maildesk "$OUT" && chmod 0777 "$OUT"
mkdir -p "$STORE/hooks/incident.d" && chown maildesk:maildesk "$STORE/hooks/incident.d" &&
	chmod 2750 "$STORE/hooks/incident.d" || bail_out "hooks dir"
cat >"$T/rec" <<EOF
#!/bin/sh
env | sort >"$OUT/\$DESK_EVENT.\$DESK_TICKET.env"
EOF
install -o maildesk -g maildesk -m 0755 "$T/rec" "$STORE/hooks/incident.d/rec" || bail_out "install hook"

n=0
# mail WHEN FROM SUBJECT BODY: a customer's new ticket to support@, at WHEN
mail() {
	n=$((n + 1))
	printf 'From: %s\nTo: support@helpdesk.test\nSubject: %s\nMessage-ID: <t%s@customer.test>\nDate: %s\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n%s\n' \
		"$2" "$3" "$n" "$(date -u -R -d "$1")" "$4" |
		MAILDESK_NOW=$1 D ingest --envelope-to support@helpdesk.test >/dev/null 2>>"$T/ingest.err"
}
# J N EXPR: EXPR (Python, j the JSON) of desk show N --similar --format=json
J() {
	D show "$1" --similar --format=json >"$T/j.json" || return 1
	python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/j.json" "$2"
}

# Words of no language (as in 0630: the terms are the words as written).
LONG="zulu kilo lima mike oscar papa"
mail 2026-11-02T09:00:00Z c1@customer.test "Zulu kilo" "$LONG" || bail_out "mail 1"
mail 2026-11-02T09:10:00Z c2@customer.test "Yankee" "yankee xray whiskey" || bail_out "mail 2"
mail 2026-11-02T09:20:00Z c3@customer.test "Zulu" "zulu alpha bravo" || bail_out "mail 3"
mail 2026-11-02T09:30:00Z c4@customer.test "Delta" "delta echo foxtrot" || bail_out "mail 4"
# 5: c1 sends ticket 1 again, the same words
mail 2026-11-02T11:00:00Z c1@customer.test "Zulu kilo" "$LONG" || bail_out "mail 5"

# --- --similar of 5: 1 shares all its words, 3 one (zulu); 2 and 4 none
# (six distinct words: all of them in the query, TRIAGE_NEAR_TERMS 8)
check_eq "--similar of 5: the copy first, then the ticket sharing one word" "1 3" "$(J 5 '" ".join(str(h["ticket"]) for h in j["similar"])')"
check_eq "scores positive and falling" "True True" \
	"$(J 5 'j["similar"][0]["score"] > j["similar"][1]["score"], j["similar"][1]["score"] > 0' | tr -d '(),')"
check_eq "the copy's fingerprint: 0 bits apart, likeness 1" "0 1.00" \
	"$(J 5 '"%d %.2f" % (j["similar"][0]["bits"], j["similar"][0]["likeness"])')"
check_eq "5 is a possible duplicate of 1, with the merge command" "1 desk merge 5 1" \
	"$(J 5 '"%s %s" % (j["duplicate_of"], j["merge"])')"
check_eq "1 is no duplicate (5 is later)" "None" "$(J 1 'j["duplicate_of"]')"
D show 5 >"$T/show5" || bail_out "desk show 5"
check "desk show 5 flags the duplicate and prints the merge" \
	grep -qx 'Duplicate: possible duplicate of #1 (fingerprints 0 bits apart); merge: desk merge 5 1' "$T/show5"
D show 5 --similar >"$T/sim5" || bail_out "desk show 5 --similar"
check "--similar text: the duplicate line" grep -q '^Duplicate: possible duplicate of #1 ' "$T/sim5"
check "--similar text: #1 listed first" sh -c "grep '^  #' '$T/sim5' | head -1 | grep -q '^  #1 '"
D show 3 >"$T/show3" && check "desk show 3: no Duplicate line" sh -c "! grep -q '^Duplicate:' '$T/show3'"

# --- the printed command works
cmd=$(sed -n 's/^Duplicate: .*; merge: //p' "$T/show5")
MAILDESK_NOW=2026-11-02T12:00:00Z D ${cmd#desk } --as alice >/dev/null 2>"$T/merge.err" || { cat "$T/merge.err" >&2; not_ok "the merge runs"; }
check_eq "5 is merged into 1" "merged" "$(D show 5 --format=json | python3 -c 'import json, sys; print(json.load(sys.stdin)["status"])')"
check_eq "--similar of 1 leaves the merged 5 out" "3" "$(J 1 '" ".join(str(h["ticket"]) for h in j["similar"])')"

# --- a burst: 6, 7, 8 within 30 minutes, all sharing five of their six words,
# 9 like them but 50 minutes after 6, 10 unrelated in between
mail 2026-11-03T10:00:00Z c6@customer.test "Quebec down" "quebec romeo golf hotel juliet outage" || bail_out "mail 6"
mail 2026-11-03T10:05:00Z c7@customer.test "Quebec down" "quebec romeo golf hotel juliet broken" || bail_out "mail 7"
mail 2026-11-03T10:07:00Z c8@customer.test "Tango" "tango charlie" || bail_out "mail 8"
mail 2026-11-03T10:10:00Z c9@customer.test "Quebec down" "quebec romeo golf hotel juliet again" || bail_out "mail 9"
mail 2026-11-03T10:50:00Z c10@customer.test "Quebec down" "quebec romeo golf hotel juliet still" || bail_out "mail 10"
out=$(MAILDESK_NOW=2026-11-03T11:00:00Z D triage incidents --dry-run)
check_eq "--dry-run names the burst, records nothing" "6: would record an incident of 3 tickets from 2026-11-03T10:00:00Z: #6 #7 #9" "$out"
out=$(MAILDESK_NOW=2026-11-03T11:00:00Z D triage incidents)
check_eq "one incident: 6, 7, 9 (8 unlike, 10 too late)" "6: recorded an incident of 3 tickets from 2026-11-03T10:00:00Z: #6 #7 #9" "$out"
check_eq "a second run records nothing more" "" "$(MAILDESK_NOW=2026-11-03T11:30:00Z D triage incidents)"
check_eq "one incident event in 6's thread, none elsewhere" "1 0" \
	"$(D show 6 --format=json | python3 -c 'import json, sys; print(sum(1 for m in json.load(sys.stdin)["messages"] if m["event"] == "incident"))') \
$(for t in 7 9 10; do D show $t --format=json; done | grep -c '"event" : "incident"')"
check "the incident hook ran for ticket 6" wait_for hook test -s "$OUT/incident.6.env"
check "the hook saw the incident event" grep -qx 'DESK_EVENT=incident' "$OUT/incident.6.env"
R() { MAILDESK_NOW=2026-11-05T00:00:00Z D report --since 2026-11-03T00:00:00Z --until 2026-11-04T00:00:00Z "$@"; }
check_eq "desk report counts the incident with its tickets" "1 6 [6, 7, 9]" \
	"$(R --format=json | python3 -c 'import json, sys; j = json.load(sys.stdin)["incidents"]; print(len(j), j[0]["ticket"], j[0]["tickets"])')"
R >"$T/report.txt"
check "report text: the Incidents line" grep -qE '^Incidents +1$' "$T/report.txt"
check_eq "a period before it: none" "0" \
	"$(MAILDESK_NOW=2026-11-05T00:00:00Z D report --since 2026-11-01T00:00:00Z --until 2026-11-03T00:00:00Z --format=json | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["incidents"]))')"

# --- desk reindex keeps it all
D show 6 --similar --format=json >"$T/before.json"
D reindex >/dev/null 2>&1 || bail_out "desk reindex"
D show 6 --similar --format=json >"$T/after.json"
check "after reindex: --similar gives the same bytes" cmp -s "$T/before.json" "$T/after.json"
check_eq "after reindex: no new incident" "" "$(MAILDESK_NOW=2026-11-03T12:00:00Z D triage incidents)"
check_eq "after reindex: the report still counts one" "1" \
	"$(R --format=json | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["incidents"]))')"
check_eq "after reindex: 1's similar still leaves 5 out" "3" "$(J 1 '" ".join(str(h["ticket"]) for h in j["similar"])')"

test_done
