#!/bin/bash
# 0630-triage.sh: triage that learns from the desk's own history (issue
# 16): a small store played over days with MAILDESK_NOW, its words chosen
# so that the figures can be worked out by hand (below): not enough history
# at first, then the naive Bayes probability of the formula in desk-triage(1),
# the neighbours that share a word, the evidence words, --apply writing an
# event by the agent, desk show's Suggested line, the label a ticket
# teaches being the first a person set (a rule's route does not count),
# desk list --lang, the rules condition lang, and desk triage eval giving
# the same bytes twice and after desk reindex.
. "$(dirname "$0")/lib.sh"

STORE=$T/store
"$DESK" init --address support@helpdesk.test --address billing@helpdesk.test=billing \
	--address tech@helpdesk.test=tech "$STORE" >/dev/null || bail_out "desk init"
store_conf ack false || bail_out "ack off"
D() { "$DESK" --store "$STORE" "$@"; }
export TZ=UTC
unset MAILDESK_AGENT
D agent add alice alice@helpdesk.test >/dev/null || bail_out "agent add"

n=0
# mail WHEN SUBJECT BODY: a customer's new ticket to support@, at WHEN
mail() {
	n=$((n + 1))
	printf 'From: c%s@customer.test\nTo: support@helpdesk.test\nSubject: %s\nMessage-ID: <t%s@customer.test>\nDate: %s\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n%s\n' \
		"$n" "$2" "$n" "$(date -u -R -d "$1")" "$3" |
		MAILDESK_NOW=$1 D ingest --envelope-to support@helpdesk.test >/dev/null 2>>"$T/ingest.err"
}
# at WHEN ARGS...: desk ARGS as alice at WHEN
at() { local w=$1; shift; MAILDESK_NOW=$w D "$@" --as alice >/dev/null 2>"$T/at.err" || { cat "$T/at.err" >&2; return 1; }; }
# J N EXPR: EXPR (Python, j the JSON) of desk triage N --format=json
J() {
	D triage "$1" --format=json >"$T/j.json" || return 1
	python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/j.json" "$2"
}

# Words of no language (no function word: not stemmed, nothing left out),
# so that the terms are the words as written. Taught tickets:
#   1 Zulu: zulu kilo      queue billing       terms {zulu, kilo}
#   2 Zulu: zulu lima      queue billing       terms {zulu, lima}
#   3 Yankee: yankee kilo  queue tech          terms {yankee, kilo}
#   4 Yankee: yankee mike  queue tech          terms {yankee, mike}
#   5 Yankee: yankee lima  queue tech, priority urgent, tag outage
# and four that nobody labelled (they teach nothing; they only make the
# words above rarer for bm25): 6-9.
mail 2026-11-02T09:00:00Z "Zulu" "zulu kilo" || bail_out "mail 1"
mail 2026-11-02T09:10:00Z "Zulu" "zulu lima" || bail_out "mail 2"
mail 2026-11-02T09:20:00Z "Yankee" "yankee kilo" || bail_out "mail 3"
mail 2026-11-02T09:30:00Z "Yankee" "yankee mike" || bail_out "mail 4"
mail 2026-11-02T09:40:00Z "Yankee" "yankee lima" || bail_out "mail 5"
for w in xray victor whiskey tango; do mail 2026-11-02T09:50:00Z "$w" "$w $w" || bail_out "mail $w"; done
at 2026-11-02T10:00:00Z queue 1 2 billing || bail_out "queue 1 2"
at 2026-11-02T10:01:00Z queue 3 4 tech || bail_out "queue 3 4"

# --- not enough history: four tickets labelled, five needed ([triage] min_history)
mail 2026-11-03T09:00:00Z "Zulu" "zulu kilo" || bail_out "mail 10"
out=$(D triage 10)
case $out in *"Suggested: not enough history (4 labelled tickets, 5 needed)"*) ok "four labelled tickets: not enough history" ;;
*) not_ok "four labelled tickets: not enough history" "$out" ;; esac
check_eq "no suggestion in JSON either" "False 0" "$(J 10 'j["enough_history"], len(j["queue"]["suggestions"])' | tr -d '(),')"
out=$(D triage 10 --apply 2>&1)
case $out in *"not enough history: nothing applied"*) ok "--apply without history applies nothing" ;;
*) not_ok "--apply without history applies nothing" "$out" ;; esac

at 2026-11-02T10:02:00Z queue 5 tech || bail_out "queue 5"
at 2026-11-02T10:03:00Z priority 5 urgent || bail_out "priority 5"
at 2026-11-02T10:04:00Z tag 5 +outage || bail_out "tag 5"

# --- naive Bayes of ticket 10 {zulu, kilo, @customer.test}, by hand
# (desk-triage(1)); every ticket also has its sender's domain, the term
# @customer.test, which the queue does not weigh (it says who writes, not
# about what) but the vocabulary counts: V = {zulu kilo lima yankee mike
# @customer.test} = 6; billing: 2 tickets, 4 terms (zulu 2, kilo 1);
# tech: 3 tickets, 6 terms (kilo 1);
#   billing: (2+1)/(5+2) * (2+1)/(4+6) * (1+1)/(4+6) = 9/350
#   tech:    (3+1)/(5+2) * (0+1)/(6+6) * (1+1)/(6+6) = 1/126
#   P(billing) = (9/350) / (9/350 + 1/126) = 0.7642...
check_eq "bayes: P(billing) of ticket 10 by hand" "billing 0.7642" \
	"$(J 10 '"%s %.4f" % (j["queue"]["suggestions"][0]["label"], j["queue"]["suggestions"][0]["bayes"])')"
hb=$(python3 -c 'b = 9 / 350; t = 1 / 126; print("%.4f" % (t / (b + t)))')
check_eq "bayes: P(tech) is the rest" "tech $hb" \
	"$(J 10 '"%s %.4f" % (j["queue"]["suggestions"][1]["label"], j["queue"]["suggestions"][1]["bayes"])')"
# neighbours: the labelled tickets sharing zulu or kilo: 1 (both words) first, then 2 and 3
check_eq "neighbours: 1 first (both words), then 2 and 3; none else" "1 [2, 3]" \
	"$(J 10 'j["neighbours"][0]["ticket"], sorted(x["ticket"] for x in j["neighbours"][1:])' | tr -d '(),' | sed 's/ \[/ [/;s/\[2 3\]/[2, 3]/')"
# the nearest tickets' vote for billing: (w1 + w2) / (w1 + w2 + w3), the weights they print
check_eq "nearest: billing's share of the weighted vote" "ok" \
	"$(J 10 '"ok" if abs(j["queue"]["suggestions"][0]["nearest"] - sum(x["weight"] for x in j["neighbours"] if x["queue"] == "billing") / sum(x["weight"] for x in j["neighbours"])) < 1e-9 else j')"
check_eq "confidence: the mean of both models" "ok" \
	"$(J 10 '"ok" if all(abs(s["confidence"] - (s["nearest"] + s["bayes"]) / 2) < 1e-9 for s in j["queue"]["suggestions"]) else j')"
# evidence words for billing over tech: zulu log((3/10)/(1/12)) = 1.28, kilo log((2/10)/(2/12)) = 0.18
check_eq "words that weighed most: zulu 1.28, kilo 0.18" "zulu 1.28 kilo 0.18" \
	"$(J 10 '" ".join("%s %.2f" % (w["word"], w["weight"]) for w in j["queue"]["words"])')"
out=$(D triage 10)
case $out in *"Suggested: queue billing ("*"nearest tickets:"*"#1 "*"Zulu"*) ok "text: suggestion, then the nearest tickets with subjects" ;;
*) not_ok "text: suggestion, then the nearest tickets with subjects" "$out" ;; esac
out=$(D show 10)
case $out in *"Suggested: queue billing ("*"; desk triage 10"*) ok "desk show prints the Suggested line" ;;
*) not_ok "desk show prints the Suggested line" "$out" ;; esac

# --- --apply as the agent: at 0.5 the queue (> 0.77 / 2), written as alice's queue event
sed -i -E 's|^#?apply_confidence = .*|apply_confidence = 0.5|' "$STORE/maildesk.conf"
MAILDESK_NOW=2026-11-03T10:00:00Z D triage 10 --apply --as alice >"$T/apply.out" 2>&1
case $(cat "$T/apply.out") in *"10: alice moved the ticket to queue billing"*) ok "--apply moves ticket 10 to billing" ;;
*) not_ok "--apply moves ticket 10 to billing" "$(cat "$T/apply.out")" ;; esac
check_eq "the ticket is in billing now" "billing" "$(D show 10 --format=json | python3 -c 'import json,sys; print(json.load(sys.stdin)["queue"])')"
ev=$(grep -l "^X-Desk-Event: queue" -r "$STORE/mail/cur" "$STORE/mail/new" | xargs grep -l "^X-Desk-Ticket: 10$" | head -1)
check "the event is stored, by alice" grep -q "by=alice" "$ev"

# --- the label a ticket teaches is the first a person set: a rule routes 11
# to tech (by=system), then alice moves it to billing, then to tech again:
# 11 teaches billing. 12 is routed to tech by the rule alone: it teaches nothing.
printf 'rule words\n  if subject-words quebec\n  queue tech\n' >"$STORE/rules"
mail 2026-11-04T09:00:00Z "Quebec" "quebec oscar" || bail_out "mail 11"
mail 2026-11-04T09:05:00Z "Quebec" "quebec oscar" || bail_out "mail 12"
check_eq "the rule routed 11 and 12 to tech" "tech tech" \
	"$(for t in 11 12; do D show $t --format=json | python3 -c 'import json,sys; print(json.load(sys.stdin)["queue"])'; done | tr '\n' ' ' | sed 's/ $//')"
at 2026-11-04T10:00:00Z queue 11 billing || bail_out "queue 11"
at 2026-11-04T11:00:00Z queue 11 tech || bail_out "queue 11 back"
mail 2026-11-05T09:00:00Z "Quebec" "quebec oscar" || bail_out "mail 13"
check_eq "13's neighbours: 11 alone (12 teaches nothing), teaching billing" "11 billing" \
	"$(J 13 '" ".join("%s %s" % (x["ticket"], x["queue"]) for x in j["neighbours"])')"

# --- language: of the subject and the writer's own words
mail 2026-11-05T10:00:00Z "Rechnung" "Guten Tag, ich habe eine Frage zu meiner Rechnung. Vielen Dank und freundliche Grüße" || bail_out "mail 14"
mail 2026-11-05T10:10:00Z "Facture" "Bonjour, je ne trouve pas ma facture dans mon compte. Merci de votre aide, cordialement" || bail_out "mail 15"
mail 2026-11-05T10:20:00Z "Invoice" "Hello, I cannot find my invoice in the account. Thanks for your help.
> Guten Tag, ich habe eine Frage zu meiner Rechnung und ich bin nicht zufrieden mit der Rechnung
-- 
Ihr Kundenservice der GmbH" || bail_out "mail 16"
check_eq "list --lang de: the German ticket" "14" "$(D list --lang de --status any --format ids | tr '\n' ' ' | sed 's/ $//')"
check_eq "list --lang fr: the French ticket" "15" "$(D list --lang fr --status any --format ids | tr '\n' ' ' | sed 's/ $//')"
check_eq "quoted German and a signature do not make 16 German" "16" "$(D list --lang en --status any --format ids | tr '\n' ' ' | sed 's/ $//')"
check_eq "tickets of no known language" "1 2 3 4 5 6 7 8 9 10 11 12 13" \
	"$(D list --lang unknown --status any --format ids | sort -n | tr '\n' ' ' | sed 's/ $//')"
out=$(D list --lang xx 2>&1)
case $out in *"unknown language 'xx'"*) ok "list --lang xx: a clear error" ;; *) not_ok "list --lang xx: a clear error" "$out" ;; esac
check_eq "desk triage says the language" "de" "$(J 14 'j["lang"]')"

# --- the rules condition lang
printf 'rule german\n  if lang de\n  tag german\n\nrule other\n  if not lang de fr\n  tag other\n' >"$STORE/rules"
check "rules check takes lang" D rules check
printf 'rule bad\n  if lang klingon\n  tag x\n' >"$T/bad.rules"
out=$(D rules check "$T/bad.rules" 2>&1)
case $out in *"unknown language klingon"*) ok "rules check: an unknown language is an error" ;;
*) not_ok "rules check: an unknown language is an error" "$out" ;; esac
mail 2026-11-06T09:00:00Z "Passwort" "Hallo, ich kann mich nicht anmelden, das Passwort wird nicht angenommen. Danke" || bail_out "mail 17"
mail 2026-11-06T09:10:00Z "Password" "Hello, I cannot log in, the password is not accepted. Thanks" || bail_out "mail 18"
check_eq "lang de: the German mail tagged german, the English one other" "german other" \
	"$(for t in 17 18; do D show $t --format=json | python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)["tags"]))'; done | tr '\n' ' ' | sed 's/ $//')"

# --- bad input: an empty body and subject, only quoted text, 1 MB of text
mail 2026-11-06T10:00:00Z "" "" || bail_out "mail 19"
check_eq "empty: no neighbour, no language, still an answer" "0 " "$(J 19 'len(j["neighbours"]), j["lang"]' | tr -d "(),'" | sed 's/None//')"
mail 2026-11-06T10:10:00Z "Hotel" "> zulu kilo zulu
> yankee lima" || bail_out "mail 20"
check_eq "only quoted text: the quoted words find no neighbour" "0" "$(J 20 'len(j["neighbours"])')"
python3 -c 'import sys; sys.stdout.write("zulu kilo " * 105000)' >"$T/big.txt"
mail 2026-11-06T10:20:00Z "Zulu" "$(cat "$T/big.txt")" || bail_out "mail 21"
check_eq "1 MB of text: suggested all the same (billing first)" "billing" "$(J 21 'j["queue"]["suggestions"][0]["label"]')"

# --- a person who handles a ticket and leaves its queue accepts it: 22,
# written to billing@ and only taken by alice, teaches billing; 12, routed
# to tech by the rule and then taken, teaches no queue (the rule's guess)
# but the default priority its taker left (no rules now: a routed ticket's
# queue is never taken as accepted)
rm -f "$STORE/rules"
printf 'From: c22@customer.test\nTo: billing@helpdesk.test\nSubject: Papa\nMessage-ID: <t22@customer.test>\nDate: %s\n\npapa romeo\n' \
	"$(date -u -R -d 2026-11-07T09:00:00Z)" |
	MAILDESK_NOW=2026-11-07T09:00:00Z D ingest --envelope-to billing@helpdesk.test >/dev/null 2>>"$T/ingest.err" || bail_out "mail 22"
n=22
at 2026-11-07T09:30:00Z take 22 || bail_out "take 22"
at 2026-11-07T09:31:00Z take 12 || bail_out "take 12"
mail 2026-11-07T10:00:00Z "Papa" "papa romeo" || bail_out "mail 23"
check_eq "23's neighbour 22 teaches the queue of its address, billing" "22 billing normal" \
	"$(J 23 '" ".join("%s %s %s" % (x["ticket"], x["queue"], x["priority"]) for x in j["neighbours"])')"
check_eq "13's neighbours: 11 (billing), 12 (no queue, priority normal)" "11 billing normal 12 None normal" \
	"$(J 13 '" ".join("%s %s %s" % (x["ticket"], x["queue"], x["priority"]) for x in j["neighbours"])')"

# --- the sender's facts: the requester's domain and VIP status, from the
# From address the store parsed and STORE/vip.txt, never from the text: 24
# from a listed address gets @bigco.test and vip:yes; 25 writes "vip:yes"
# and "VIP" in its body and its display name, and gets neither vip:yes nor
# the domain it names, only its own; the text search ignores the facts (a
# body naming bigco.test finds it, not 24)
printf '# VIPs\nboss@bigco.test\n' >"$STORE/vip.txt"
# from FROM WHEN SUBJECT BODY: a new ticket from FROM
from() {
	n=$((n + 1))
	printf 'From: %s\nTo: support@helpdesk.test\nSubject: %s\nMessage-ID: <t%s@x.test>\nDate: %s\n\n%s\n' \
		"$1" "$3" "$n" "$(date -u -R -d "$2")" "$4" |
		MAILDESK_NOW=$2 D ingest --envelope-to support@helpdesk.test >/dev/null 2>>"$T/ingest.err"
}
from 'Boss <Boss@BigCo.test>' 2026-11-07T11:00:00Z "Sierra" "sierra uniform" || bail_out "mail 24"
from '"VIP vip:yes boss@bigco.test" <c25@customer.test>' 2026-11-07T11:10:00Z "Sierra" \
	"vip:yes VIP vip yes @bigco.test sierra uniform" || bail_out "mail 25"
D triage 24 >/dev/null 2>&1
# terms N: the terms of ticket N in the text index (subject and body), sorted
terms() {
	python3 -c 'import sqlite3, sys
d = sqlite3.connect(sys.argv[1])
print(" ".join(sorted(d.execute("SELECT terms FROM doc WHERE number = ?", (int(sys.argv[2]),)).fetchone()[0].split())))' \
		"$STORE/mail/.notmuch/desk-triage.sqlite" "$1"
}
check_eq "a VIP's ticket: its domain and vip:yes (address matched without case)" "@bigco.test sierra sierra uniform vip:yes" "$(terms 24)"
t25=$(terms 25)
case " $t25 " in *" vip:yes "*|*" @bigco.test "*) not_ok "a forged VIP in the text and name does not count" "$t25" ;;
*" @customer.test "*) ok "a forged VIP in the text and name does not count (its own domain only)" ;;
*) not_ok "a forged VIP in the text and name does not count" "$t25" ;; esac
# the text search: "vip" and "bigco" are words of 25 alone (24's facts are not words)
check_eq "the text search leaves the facts out: vip, bigco find 25 alone" "25" \
	"$(python3 -c 'import sqlite3, sys
d = sqlite3.connect(sys.argv[1])
print(" ".join(str(r[0]) for r in d.execute("SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rowid", (sys.argv[2],))))' \
		"$STORE/mail/.notmuch/desk-triage.sqlite" '"vip" OR "bigco"')"

# --- eval: the same bytes twice and after desk reindex; what it says by hand:
# queue labels a person set first: 1 2 billing, 3 4 5 tech, 10 billing
# (alice's --apply), 11 billing, and 22 billing, accepted: 8 tickets. The
# address baseline is right for 22 alone: 1 of 8, 12.5 %.
D triage eval >"$T/eval1" || bail_out "eval"
D triage eval >"$T/eval2"
check "eval: the same output twice" cmp "$T/eval1" "$T/eval2"
grep -q "^queue: 8 tickets with a queue a person set" "$T/eval1" && ok "eval: 8 tickets with a queue" ||
	not_ok "eval: 8 tickets with a queue" "$(cat "$T/eval1")"
check_eq "eval: the address baseline is right for 1 in 8" "12.5%" \
	"$(awk '/^queue:/ { q = 1 } q && $1 == "top-1" { print $NF; exit }' "$T/eval1")"
# the text index's rows and counts (counts of 0 left by updates aside)
tab_dump() {
	python3 -c 'import sqlite3, sys
d = sqlite3.connect(sys.argv[1])
for q in ("SELECT * FROM doc ORDER BY number", "SELECT rowid, terms FROM fts ORDER BY rowid",
          "SELECT * FROM dft WHERE n != 0 ORDER BY term", "SELECT * FROM nbt WHERE n != 0 ORDER BY term, dim, label",
          "SELECT * FROM nbc WHERE docs != 0 ORDER BY dim, label"):
    print(q)
    for r in d.execute(q):
        print(repr(r))' "$STORE/mail/.notmuch/desk-triage.sqlite"
}
tab_dump >"$T/tab1"
check "the text index has rows" grep -q "^(1, " "$T/tab1"
D reindex >/dev/null || bail_out "reindex"
check "desk reindex builds the text index anew" test -f "$STORE/mail/.notmuch/desk-triage.sqlite"
# reindex makes the rows' words on its read-ahead thread: the same rows
# and counts as those kept up ticket by ticket, and as made from the index
tab_dump >"$T/tab2"
check "desk reindex: the text index the same as kept up before it" cmp "$T/tab1" "$T/tab2"
D triage eval >"$T/eval3"
check "eval: the same output after desk reindex" cmp "$T/eval1" "$T/eval3"
rm -f "$STORE/mail/.notmuch/desk-triage.sqlite"
D triage eval >"$T/eval4"
check "eval: the same output with the text index built anew" cmp "$T/eval1" "$T/eval4"
tab_dump >"$T/tab3"
check "the text index built from the index alone the same as after desk reindex" cmp "$T/tab2" "$T/tab3"
test_done
