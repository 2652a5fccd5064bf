#!/bin/bash
# 0600-rules.sh: routing rules (maildesk-rules(5), issue 14 "Routing
# rules"), through a real Postfix and maildesk-milter AND through desk
# ingest: queue, priority, tags and owner set by a rule; first match wins,
# `continue` goes on; round-robin and least-open skip agents away; a
# template instead of the acknowledgement; hold for review; refuse at SMTP
# time (550) and in desk ingest (exit 65); X-Desk-Rule sealed on the stored
# copy, a route event (by=system, rule=NAME) that desk show prints and desk
# reindex keeps; time and day conditions by MAILDESK_NOW; the requester's
# history; a backtracking pattern on a 1 MB body gives up (counted, not
# timed); desk rules check/test/replay; the milter keeps its old rules when
# the new file is bad, and takes the new one once it is good.
. "$(dirname "$0")/lib.sh"

store_init "$T/store" || bail_out "desk init"
# desk as the maildesk user, as agents in its group and the MTA run it
D() { as_maildesk "$DESK" --store "$STORE" "$@"; }
# I [VAR=VALUE...]: desk ingest as an LDA, with that environment
I() { as_maildesk env "$@" "$DESK" --store "$STORE" ingest --envelope-to support@helpdesk.test; }
json() { python3 -c 'import json, sys; j = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
field() { D show "$1" --format=json | json "$2"; }
D agent add alice alice@helpdesk.test --queue billing >/dev/null || bail_out "agent add"
D agent add bob bob@helpdesk.test --queue billing >/dev/null || bail_out "agent add"
D agent add carol carol@helpdesk.test --queue billing >/dev/null || bail_out "agent add"
D agent add dave dave@helpdesk.test --queue support >/dev/null || bail_out "agent add"
printf 'boss@bigcorp.test\n@vip.test\n' >"$STORE/vip.txt"
mkdir -p "$STORE/templates"
printf 'Subject: We are on it: ${subject}\n\nA VIP answer for ticket ${ticket}.\n' >"$STORE/templates/vip-ack.txt"

# acknowledgements captured (the template of a rule replaces ack)
SENT=$T/sent
mkdir -p "$SENT"
chown maildesk:maildesk "$SENT"
printf '#!/bin/sh\ncat >"%s/$(date +%%s%%N)-$$.eml"\n' "$SENT" >"$T/capture"
chmod 0755 "$T/capture"
store_conf ack true || bail_out "store_conf ack"
store_conf sendmail "$T/capture -oi -t" || bail_out "store_conf sendmail"
unset MAILDESK_SENDMAIL
export MAILDESK_TEMPLATES_DIR=$SRCDIR/templates

cat >"$STORE/rules" <<'EOF'
# routing rules of the test desk
rule blocked
	if from-domain spam.test
	refuse 5.7.1 This desk does not take mail from you

rule vip
	if vip vip.txt
	priority urgent
	tag vip
	template vip-ack
	continue

rule invoices
	if subject-words invoice refund
	queue billing
	assign round-robin

rule outage
	if body-words outage
	if not header X-Test-Skip yes
	priority high
	tag outage
	hold

rule weekend
	if day sat,sun
	tag weekend

rule night
	if time 22:00-06:00
	tag night

rule regulars
	if open-tickets >= 2
	tag regular

rule pdf
	if attachment application/pdf
	queue billing
	assign least-open
EOF
chown -R maildesk:maildesk "$STORE"
check "desk rules check: the file is good" D rules check

milter_start || bail_out "maildesk-milter does not start"
pf_start milter || bail_out "postfix does not start"

# msg NAME FROM SUBJECT BODY [EXTRA-HEADER]: a message file
msg() {
	local f=$T/$1.eml
	{
		printf 'From: %s\nTo: support@helpdesk.test\nSubject: %s\n' "$2" "$3"
		printf 'Date: %s\nMessage-ID: <%s@customer.test>\n' "$(LC_ALL=C date -R)" "$1"
		[ -n "${5:-}" ] && printf '%s\n' "$5"
		printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n%s\n' "$4"
	} >"$f"
	echo "$f"
}
stored_of() { grep -l -F -x "Message-ID: <$1@customer.test>" "$STORE"/mail/cur/* 2>/dev/null | head -n 1; }
ticket_of() { local f; f=$(stored_of "$1") && [ -n "$f" ] && header_of "$f" X-Desk-Ticket; }
# send NAME FROM SUBJECT BODY [HEADER]: through SMTP, then until indexed and followed up
send() {
	local f i
	f=$(msg "$@")
	smtp_send "$f" support@helpdesk.test "$2" >"$T/reply" || return 1
	for i in $(seq 1 300); do
		if [ -n "$(ticket_of "$1")" ] && [ "$(count_files "$STORE/mail/new")" -eq 0 ]; then
			sleep 0.3  # the indexer's follow-ups (route event, ack) right after
			return 0
		fi
		sleep 0.1
	done
	diag "$1 not indexed" "$(tail -n 5 "$T/milter.log")"
	return 1
}
wait_route() {
	local i
	for i in $(seq 1 100); do
		grep -l "^X-Desk-Event: route" "$STORE"/mail/cur/* 2>/dev/null | xargs -r grep -l "^X-Desk-Ticket: $1\$" | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

# ------------------------------------------------- through the milter
check "ann's invoice question is accepted" send inv1 ann@customer.test "My invoice is wrong" "Please look."
N1=$(ticket_of inv1)
check "its route event is stored" wait_route "$N1"
check_eq "rule invoices: queue billing" billing "$(field "$N1" 'j["queue"]')"
check_eq "round-robin: the first billing agent" alice "$(field "$N1" 'j["owner"]')"
f=$(stored_of inv1)
check_eq "the stored copy carries X-Desk-Rule" invoices "$(header_of "$f" X-Desk-Rule)"
check "X-Desk-Rule sits in the sealed block (before X-Desk-Seal)" \
	awk '/^X-Desk-Rule:/{r=NR} /^X-Desk-Seal:/{s=NR} END{exit !(r && s && r < s)}' "$f"
check "desk show says which rule routed it" sh -c "'$DESK' --store '$STORE' show $N1 | grep -q 'routed by rule invoices: queue billing, owner alice (round-robin)'"
ev=$(grep -l "^X-Desk-Event: route" "$STORE"/mail/cur/* | xargs grep -l "^X-Desk-Ticket: $N1\$" | head -n 1)
check "the route event is by=system, rule=invoices" sh -c "grep -A2 '^X-Desk-Set:' '$ev' | tr -d '\n\t ' | grep -q 'rule=invoices;by=system'"

D agent away bob --until 2099-01-01 >/dev/null
check "bob is away" sh -c "'$DESK' --store '$STORE' agent list | grep -q '^bob .*(away)'"
check "ben's refund question is accepted" send inv2 ben@customer.test "Refund please" "Thanks."
N2=$(ticket_of inv2)
wait_route "$N2"
check_eq "round-robin skips bob (away): carol" carol "$(field "$N2" 'j["owner"]')"
check "bob is back" D agent back bob
check "cid's invoice question is accepted" send inv3 cid@customer.test "Invoice 7" "Hi."
N3=$(ticket_of inv3)
wait_route "$N3"
check_eq "round-robin goes round: alice after carol" alice "$(field "$N3" 'j["owner"]')"
# desk list marks the tickets of an agent away, in text and in JSON
away_of() { D list --status any --format json | python3 -c 'import json, sys
print([t["owner_away"] for t in json.load(sys.stdin) if t["ticket"] == int(sys.argv[1])][0])' "$1"; }
D agent away alice >/dev/null
check "desk list --owner alice marks her tickets: alice (away)" \
	sh -c "'$DESK' --store '$STORE' list --owner alice | grep -E '^ *$N3 ' | grep -q 'alice (away)'"
check_eq "and owner_away in JSON" True "$(away_of "$N3")"
D agent back alice >/dev/null
check "once she is back, no mark" sh -c "! '$DESK' --store '$STORE' list --owner alice | grep -q '(away)'"
check_eq "owner_away false" False "$(away_of "$N3")"

# a VIP: priority, tag and its own template, then invoices too (continue)
check "the boss writes" send vip1 boss@bigcorp.test "Invoice missing" "Where is it?"
N4=$(ticket_of vip1)
wait_route "$N4"
check_eq "vip + invoices by continue" "vip invoices" "$(header_of "$(stored_of vip1)" X-Desk-Rule)"
check_eq "priority urgent" urgent "$(field "$N4" 'j["priority"]')"
check_eq "tag vip" "['vip']" "$(field "$N4" 'j["tags"]')"
check_eq "queue billing from the rule after continue" billing "$(field "$N4" 'j["queue"]')"
for i in $(seq 1 50); do grep -l -i "^To: .*boss@bigcorp.test" "$SENT"/*.eml >/dev/null 2>&1 && break; sleep 0.1; done
check "the boss got the vip-ack template, not the acknowledgement" \
	grep -l "A VIP answer for ticket $N4" "$SENT"/*.eml

# first match wins: an outage mail with "invoice" in the subject is invoices only
check "dan writes about an invoice outage" send out1 dan@customer.test "invoice" "There is an outage."
check_eq "first match wins: invoices, not outage" invoices "$(header_of "$(stored_of out1)" X-Desk-Rule)"

# hold: no acknowledgement, tag review
check "eve reports an outage" send out2 eve@customer.test "Down" "A big outage here."
N6=$(ticket_of out2)
wait_route "$N6"
check_eq "outage: priority high" high "$(field "$N6" 'j["priority"]')"
check_eq "held for review: tags outage, review" "['outage', 'review']" "$(field "$N6" 'j["tags"]')"
sleep 1
check "no acknowledgement to eve (held for review)" sh -c "! grep -l -i '^To: .*eve@customer.test' '$SENT'/*.eml"
check "header condition with not: X-Test-Skip: yes is not routed by outage" \
	send out3 fay@customer.test "Down" "outage again" "X-Test-Skip: yes"
check "  so not outage (weekend or night may take it, by the real clock)" \
	sh -c "! grep -q '^X-Desk-Rule: outage' '$(stored_of out3)'"

# refuse at SMTP time
f=$(msg spam1 "Bad <x@spam.test>" "Buy" "cheap")
smtp_send "$f" support@helpdesk.test x@spam.test >"$T/reply"
check_eq "a refused sender gets exit 5" 5 "$?"
check "  550 5.7.1 with the rule's text" grep -q "^550 5.7.1 This desk does not take mail from you" "$T/reply"
check "  nothing stored" sh -c "! grep -l -F 'spam1@customer.test' '$STORE'/mail/*/* 2>/dev/null"
check "  the milter logs which rule" grep -q "reject: rule blocked" "$T/milter.log"

# --------------------------------------------------- through desk ingest
f=$(msg ing1 "Gus <gus@customer.test>" "refund" "hello")
check "desk ingest: a refund question" I <"$f"
N7=$(ticket_of ing1)
check_eq "desk ingest routes the same: billing" billing "$(field "$N7" 'j["queue"]')"
# round-robin so far: alice, carol (bob away), alice, bob (vip), carol (dan)
check_eq "  and round-robin, the next one: alice" alice "$(field "$N7" 'j["owner"]')"
f=$T/pdf.eml
{
	printf 'From: Max <max@customer.test>\nTo: support@helpdesk.test\nSubject: papers\n'
	printf 'Message-ID: <pdf1@customer.test>\nMIME-Version: 1.0\n'
	printf 'Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nsee attached\n'
	printf -- '--b\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=a.pdf\n'
	printf 'Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--b--\n'
} >"$f"
check "desk ingest: a PDF attached" I MAILDESK_NOW=2026-03-30T12:00:00Z <"$f"
N9=$(ticket_of pdf1)
check_eq "attachment application/pdf: rule pdf" pdf "$(header_of "$(stored_of pdf1)" X-Desk-Rule)"
# open tickets: alice 3, bob 1, carol 2
check_eq "least-open: bob" bob "$(field "$N9" 'j["owner"]')"
f=$(msg ing2 "X <x@spam.test>" "buy" "cheap")
out=$(I <"$f" 2>&1)
check_eq "desk ingest exits 65 for a refused sender" 65 "$?"
case $out in *"refused by rule blocked: 5.7.1 This desk does not take mail from you"*) ok "  with the rule's text" ;;
*) not_ok "  with the rule's text" "$out" ;; esac

# time and day by the clock (2026-03-28 is a Saturday)
f=$(msg night1 "Hal <hal@customer.test>" "hello" "hi")
check "desk ingest at Saturday 23:30" I MAILDESK_NOW=2026-03-28T23:30:00Z TZ=UTC <"$f"
check_eq "day sat,sun matches first: weekend" weekend "$(header_of "$(stored_of night1)" X-Desk-Rule)"
f=$(msg night2 "Ida <ida@customer.test>" "hello" "hi")
check "desk ingest at Monday 23:30" I MAILDESK_NOW=2026-03-30T23:30:00Z TZ=UTC <"$f"
check_eq "time 22:00-06:00 on a Monday night: night" night "$(header_of "$(stored_of night2)" X-Desk-Rule)"
store_conf timezone Asia/Tokyo
f=$(msg night3 "Jo <jo@customer.test>" "hello" "hi")
check "desk ingest at Monday 13:30 UTC with timezone Asia/Tokyo (22:30 there)" I MAILDESK_NOW=2026-03-30T13:30:00Z TZ=UTC <"$f"
check_eq "the desk's time zone decides: night" night "$(header_of "$(stored_of night3)" X-Desk-Rule)"
store_conf timezone ''

# history: ann has 1 open ticket (inv1); a second one, then the third is a regular's
f=$(msg hist1 "Ann <ann@customer.test>" "hello" "hi")
I MAILDESK_NOW=2026-03-30T12:00:00Z TZ=UTC <"$f"
check "ann's second ticket: no rule (1 open before it)" sh -c "! grep -q '^X-Desk-Rule:' '$(stored_of hist1)'"
f=$(msg hist2 "Ann <ann@customer.test>" "hello" "hi")
I MAILDESK_NOW=2026-03-30T12:00:00Z TZ=UTC <"$f"
check_eq "ann's third ticket: open-tickets >= 2: regular" regulars "$(header_of "$(stored_of hist2)" X-Desk-Rule)"

# ---------------------------------------------------- bad input
cp "$STORE/rules" "$T/rules.good"
cat >>"$STORE/rules" <<'EOF'
rule broken
	if regex body (a+)+$
	queue nosuch
	assign zed
	frobnicate
	continue
EOF
out=$(D rules check 2>&1)
check_eq "desk rules check on a bad file exits 78" 78 "$?"
for want in ":42: regular expression (a+)+\$ repeats a group that repeats" ':43: unknown queue "nosuch"' \
	':44: unknown agent "zed"' ':45: unknown action or bad arguments: "frobnicate"' \
	':41: rule broken says continue, but no rule follows it'; do
	case $out in *"$want"*) ok "  says $want" ;; *) not_ok "  says $want" "$out" ;; esac
done
chown maildesk:maildesk "$STORE/rules"
check "the milter, with a bad file, still routes by the old rules" send inv4 kim@customer.test "invoice" "x"
check_eq "  queue billing" billing "$(header_of "$(stored_of inv4)" X-Desk-Queue)"
check "  and logs why" grep -q "rules: .*/rules:4[0-9]: .*the rules read before stay" "$T/milter.log"
sed -e 's/assign round-robin/assign dave/' -e 's/^\tqueue billing$/\tqueue support/' "$T/rules.good" >"$STORE/rules"
chown maildesk:maildesk "$STORE/rules"
check "a good file again: the milter takes it" send inv5 lee@customer.test "invoice" "x"
N8=$(ticket_of inv5)
wait_route "$N8"
check_eq "  the new rule: owner dave" dave "$(field "$N8" 'j["owner"]')"
cp "$T/rules.good" "$STORE/rules"

# a backtracking pattern on a 1 MB body: it gives up (a message says so), no match
printf 'rule slow\n\tif regex body ^(a|aa)*c\n\ttag slow\n' >"$T/slow.rules"
python3 -c "import sys; sys.stdout.write('From: a@customer.test\nTo: support@helpdesk.test\nSubject: x\nMessage-ID: <big@customer.test>\n\n' + 'a' * (1 << 20) + '\n')" >"$T/big.eml"
out=$(D rules test --rules "$T/slow.rules" "$T/big.eml" 2>&1)
case $out in *"a regular expression on body gave up"*"no rule"* | *"no rule"*"gave up"*) ok "a pathological pattern on 1 MB gives up with a message" ;;
*) not_ok "a pathological pattern on 1 MB gives up with a message" "$out" ;; esac

# ---------------------------------------------------- test and replay
out=$(D rules test "$T/inv1.eml" "$T/out2.eml" "$T/spam1.eml")
check_eq "desk rules test prints what the rules would do" \
	"$T/inv1.eml: rule invoices: queue billing, owner round-robin
$T/out2.eml: rule outage: queue support, priority high, tags outage, held for review
$T/spam1.eml: rule blocked: refused (5.7.1 This desk does not take mail from you)" \
	"$out"
n=$(count_files "$STORE/mail/cur")
sed -e 's/^\tqueue billing$/\tqueue support/' "$T/rules.good" >"$T/proposed"
out=$(D rules replay --since 30d --rules "$T/proposed")
check_eq "desk rules replay writes nothing" "$n" "$(count_files "$STORE/mail/cur")"
case $out in *"$N1: queue billing -> support"*) ok "replay names ticket $N1's queue change" ;;
*) not_ok "replay names ticket $N1's queue change" "$out" ;; esac
case $out in *"would change (queue "[1-9]*) ok "replay sums up the changes" ;; *) not_ok "replay sums up the changes" "$out" ;; esac
case $out in *"$N7: queue billing -> support"*) ok "replay names ticket $N7's (desk ingest) queue change" ;;
*) not_ok "replay names ticket $N7's (desk ingest) queue change" "$out" ;; esac

# ------------------------------------------------------------- reindex
before=$(D list --status any --format json | json '[(t["ticket"], t["queue"], t["owner"], t["priority"]) for t in j]')
check "desk reindex" D reindex
check_eq "reindex gives the same queues, owners, priorities" "$before" \
	"$(D list --status any --format json | json '[(t["ticket"], t["queue"], t["owner"], t["priority"]) for t in j]')"
test_done
