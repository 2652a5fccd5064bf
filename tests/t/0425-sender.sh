#!/bin/bash
# 0425-sender.sh: who the sender is, through a real Postfix with a stand-in
# authenticator (tests/authmilter: adds Authentication-Results like
# OpenDMARC, from a map instead of DNS) listed before maildesk-milter:
# foreign and forged Authentication-Results leave the stored copy, a
# subject-tag match from a sender DMARC fails for is held (and not under
# require_aligned_sender = no; under yes, only an aligned pass joins),
# desk show says how the sender was authenticated, no acknowledgement to a
# sender DMARC fails for, one per canonical address per window, the
# customer's name and subject one line in it; every rate limit, hit:
# the milter answers 451, desk ingest exits 75, the indexer holds, an
# acknowledgement is not sent.
# Proves maildesk-security(7), "Authenticators on the same MTA".
. "$(dirname "$0")/lib.sh"

store_init "$T/store" || bail_out "desk init"
D() { "$DESK" --store "$STORE" "$@"; }

SENT=$T/sent
mkdir -p "$SENT"
chown maildesk:maildesk "$SENT"
cat >"$T/capture" <<EOF
#!/bin/sh
n=\$(date +%s%N)-\$\$
cat >"$SENT/.\$n" || exit 75
mv "$SENT/.\$n" "$SENT/\$n.eml"
EOF
chmod 0755 "$T/capture"
store_conf ack true || bail_out "store_conf ack"
store_conf sendmail "$T/capture -oi -t" || bail_out "store_conf sendmail"
store_conf authserv_id mx.helpdesk.test || bail_out "store_conf authserv_id"
unset MAILDESK_SENDMAIL
export MAILDESK_TEMPLATES_DIR=$SRCDIR/templates

# The authenticator's results, by From domain (anything else: dmarc=none).
cat >"$T/authmap" <<'EOF'
ok.test dmarc=pass (p=reject dis=none) header.from=ok.test
bad.test dmarc=fail (p=reject dis=none) header.from=bad.test
dkim.test dkim=pass (2048-bit key; unprotected) header.d=mail.dkim.test header.i=@mail.dkim.test
EOF
chmod 0644 "$T/authmap"
mkdir -p "$T/run" && chmod 0755 "$T/run"
"$BUILDDIR/tests/authmilter" --socket "unix:$T/run/auth.sock" --authserv-id mx.helpdesk.test \
	--map "$T/authmap" >"$T/authmilter.log" 2>&1 &
bg_track $!
wait_for "authmilter" test -S "$T/run/auth.sock" || bail_out "tests/authmilter does not start"

milter_start || bail_out "maildesk-milter does not start"
PF_EXTRA_MAIN_CF="smtpd_milters = unix:$T/run/auth.sock unix:$MILTER_SOCK" pf_start milter ||
	bail_out "postfix does not start"

# mk NAME FROM SUBJECT [HEADER...]: a message in $T/NAME.eml (path printed),
# Message-ID <NAME@t.test>, the HEADER lines on top.
mk() {
	local f=$T/$1.eml name=$1 from=$2 subject=$3
	shift 3
	{
		for h in "$@"; do printf '%s\n' "$h"; done
		printf 'From: %s\nTo: support@helpdesk.test\nSubject: %s\n' "$from" "$subject"
		printf 'Date: Tue, 17 Nov 2009 22:00:00 +0600\nMessage-ID: <%s@t.test>\n' "$name"
		printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\nBody of %s.\n' "$name"
	} >"$f"
	echo "$f"
}
# stored NAME: the stored file of message NAME, once indexed.
stored() {
	local i f
	for i in $(seq 1 300); do
		f=$(grep -l -F -x "Message-ID: <$1@t.test>" "$STORE"/mail/cur/* 2>/dev/null | head -n 1)
		[ -n "$f" ] && { echo "$f"; return 0; }
		sleep 0.1
	done
	diag "message <$1@t.test> not indexed" "$(tail -n 5 "$T/milter.log")"
	return 1
}
ticket_of() { header_of "$(stored "$1")" X-Desk-Ticket; }
match_of() { header_of "$(stored "$1")" X-Desk-Match; }
# acks_files ADDR: the captured mails To ADDR (the address, whatever the name)
acks_files() {
	python3 - "$1" "$SENT" <<-'EOF'
	import email, email.policy, email.utils, glob, sys
	for p in sorted(glob.glob(sys.argv[2] + "/*.eml")):
	    m = email.message_from_binary_file(open(p, "rb"), policy=email.policy.compat32)
	    if any(a.lower() == sys.argv[1].lower() for _, a in email.utils.getaddresses(m.get_all("To", []))):
	        print(p)
	EOF
}
acks_to() { acks_files "$1" | grep -c .; }
acked() { [ "$(acks_to "$1")" -ge 1 ]; }
# wait_log TEXT: until the milter's log has a line with TEXT (fixed string).
wait_log() { wait_for "log: $1" grep -q -F -- "$1" "$T/milter.log"; }
# reload: SIGHUP, then until the milter says so.
reloads() { grep -c "configuration reloaded" "$T/milter.log"; }
reloaded_more() { [ "$(reloads)" -gt "$1" ]; }
reload() {
	local n
	n=$(reloads)
	kill -HUP "$MILTER_PID"
	wait_for "reload" reloaded_more "$n"
}
send() { smtp_send "$1" support@helpdesk.test "${2:-requester@example.test}" >/dev/null; }

# --------------------------------------------- which results are believed
A1=$(mk a1 "Ann <ann@ok.test>" "Printer on fire" \
	"Authentication-Results: other.example; dmarc=fail header.from=ok.test" \
	"Received: from relay.ok.test by mx.ok.test; Tue, 17 Nov 2009 21:59:00 +0600" \
	"Authentication-Results: mx.helpdesk.test; dmarc=fail (forged) header.from=ok.test")
check "mail with a foreign and a forged Authentication-Results is accepted" send "$A1"
F=$(stored a1) || bail_out "a1 not stored"
check_eq "the stored copy has one Authentication-Results: the authenticator's" \
	"1:mx.helpdesk.test; dmarc=pass (p=reject dis=none) header.from=ok.test" \
	"$(grep -c '^Authentication-Results:' "$F"):$(header_of "$F" Authentication-Results)" ||
	diag "$(grep -A1 '^Authentication-Results:' "$F")"
ar_line=$(grep -n -m1 '^Authentication-Results:' "$F" | cut -d: -f1)
rcv_line=$(grep -n -m1 '^Received:' "$F" | cut -d: -f1)
if [ -n "$ar_line" ] && [ -n "$rcv_line" ] && [ "$ar_line" -lt "$rcv_line" ]; then
	ok "it stands above the MTA's Received header"
else
	not_ok "it stands above the MTA's Received header" "A-R at line $ar_line, Received at $rcv_line"
fi
check "the foreign one (other.example) is gone" sh -c "! grep -q 'other.example' '$F'"
check "the forged one below a Received is gone" sh -c "! grep -q 'forged' '$F'"
check "the milter logged the removal" grep -q "removed 2 Authentication-Results headers" "$T/milter.log"
NA=$(ticket_of a1)
check "desk show: Auth: dmarc=pass for ann's message" \
	sh -c "'$DESK' --store '$STORE' show $NA | grep -q -x 'Auth:    dmarc=pass header.from=ok.test'"
check_eq "desk show --format=json: auth" "dmarc=pass header.from=ok.test" \
	"$(D show "$NA" --format=json | python3 -c 'import json,sys; print(json.load(sys.stdin)["messages"][0]["auth"])')"
wait_for "ack to ann" acked ann@ok.test
check_eq "ann (dmarc=pass) gets her acknowledgement" 1 "$(acks_to ann@ok.test)"
check_eq "the acknowledgement's copy has no auth line in JSON (ours)" "None" \
	"$(D show "$NA" --format=json | python3 -c 'import json,sys; m=json.load(sys.stdin)["messages"]; print([x["auth"] for x in m if x["event"]=="ack"][0])')"

# ------------------------------------------------------- holds on a match
B1=$(mk b1 "Eve <eve@bad.test>" "Need help")
check "a new ticket from a sender DMARC fails for is accepted (a new ticket hijacks nothing)" send "$B1"
NB=$(ticket_of b1)
check_eq "it is a new ticket" new "$(match_of b1)"
check "desk show: Auth: dmarc=fail" \
	sh -c "'$DESK' --store '$STORE' show $NB | grep -q -x 'Auth:    dmarc=fail header.from=bad.test'"
wait_log "ticket $NB: no acknowledgement" || true
check "no acknowledgement to eve (ack_senders = not-failed): logged" \
	grep -q "ticket $NB: no acknowledgement: the sender failed DMARC" "$T/milter.log"
check_eq "and none sent" 0 "$(acks_to eve@bad.test)"
B2=$(mk b2 "Eve <eve@bad.test>" "[#$NB] more")
send "$B2"
check_eq "a subject-tag match from her (the requester) is held under the default policy" \
	"subject-tag; held: sender failed DMARC" "$(match_of b2)"
check "desk show tags it held" sh -c "'$DESK' --store '$STORE' show $NB --verbose | grep -q 'Tags:.*held'"
A2=$(mk a2 "Ann <ann@ok.test>" "[#$NA] it burns still")
send "$A2"
check_eq "a subject-tag match from ann (dmarc=pass) joins" "subject-tag" "$(match_of a2)"
store_conf require_aligned_sender no && reload || bail_out "reload"
B3=$(mk b3 "Eve <eve@bad.test>" "[#$NB] and more")
send "$B3"
check_eq "under require_aligned_sender = no it joins" "subject-tag" "$(match_of b3)"

store_conf require_aligned_sender yes && reload || bail_out "reload"
C1=$(mk c1 "Cy <cy@none.test>" "Question")
send "$C1"
NC=$(ticket_of c1)
C2=$(mk c2 "Cy <cy@none.test>" "[#$NC] again")
send "$C2"
check_eq "under yes, a match without an authenticated From is held" \
	"subject-tag; held: sender not authenticated" "$(match_of c2)"
check "desk show: Auth: not authenticated (dmarc=none)" \
	sh -c "'$DESK' --store '$STORE' show $NC | grep -q -x 'Auth:    not authenticated (dmarc=none)'"
K1=$(mk k1 "Kim <kim@dkim.test>" "Signed question")
send "$K1"
NK=$(ticket_of k1)
K2=$(mk k2 "Kim <kim@dkim.test>" "[#$NK] signed again")
send "$K2"
check_eq "under yes, an aligned dkim=pass (a subdomain's signature) joins" "subject-tag" "$(match_of k2)"
check "desk show: Auth: dkim=pass" \
	sh -c "'$DESK' --store '$STORE' show $NK | grep -q -x 'Auth:    dkim=pass header.d=mail.dkim.test'"
store_conf require_aligned_sender fail && reload || bail_out "reload"

# ---------------------------------------------- the ack window, canonical
send "$(mk w1 "Bob <bob@ok.test>" "First")"
wait_for "ack to bob" acked bob@ok.test
send "$(mk w2 "Bob <bob+shop@ok.test>" "Second")"
send "$(mk w3 "Bob <Bob@OK.test>" "Third")"
W2=$(ticket_of w2)
W3=$(ticket_of w3)
wait_log "ticket $W3: no acknowledgement" || true
check "bob+shop@ had one in the window (the canonical address): logged" \
	grep -q "ticket $W2: no acknowledgement: bob+shop@ok.test had one" "$T/milter.log"
check "Bob@OK.test too" grep -q -i "ticket $W3: no acknowledgement: bob@ok.test had one" "$T/milter.log"
check_eq "one acknowledgement for the three" 1 \
	"$(($(acks_to bob@ok.test) + $(acks_to bob+shop@ok.test)))"

# ------------------------------------- name and subject in the ack, tamed
long=$(printf 'A%.0s' $(seq 1 300))
S1=$(mk s1 "=?utf-8?q?Dan=0D=0ABcc:_victim@x.test=07=1B[31m_Evil?= <dan@ok.test>" \
	"=?utf-8?q?Help=0D=0ABcc:_victim@x.test=0D=0A=0D=0Ainjected_body=09tab=1B]0;t=07?= $long")
send "$S1"
wait_for "ack to dan" acked dan@ok.test
ACK=$(acks_files dan@ok.test | head -n 1)
check "the acknowledgement to dan is one line of name and subject, bounded, no controls" python3 - "$ACK" <<'EOF'
import email, email.policy, re, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
bad = re.compile(r"[\x00-\x1f\x7f-\x9f]")
subj = str(m["Subject"])
assert m["Bcc"] is None, "a Bcc header in the ack"
assert not bad.search(subj), "controls in the Subject: %r" % subj
assert "Help Bcc: victim@x.test injected body tab" in subj, subj
assert len(subj) <= 230, "Subject of %d characters" % len(subj)
assert subj.count("A") <= 200, "the overlong subject is not cut: %d" % subj.count("A")
body = m.get_content()
hello = [l for l in body.split("\n") if l.startswith("Hello ")]
assert len(hello) == 1, "no single Hello line: %r" % body
assert hello[0] == "Hello Dan Bcc: victim@x.test [31m Evil,", repr(hello[0])
assert "injected body" not in body, "the subject's lines reached the body"
EOF

# ------------------------------------------------------------ rate limits
store_conf rate_new_sender 2/1h && reload || bail_out "reload"
send "$(mk r1 "Rita <rita@rate.test>" "One")"
send "$(mk r2 "Rita <rita+2@rate.test>" "Two")"
R3=$(mk r3 "Rita <RITA@rate.test>" "Three")
reply=$(smtp_send "$R3" support@helpdesk.test rita@rate.test)
case $reply in 451\ 4.7.1*"too many new tickets from this sender"*)
	ok "the third new ticket from rita (+detail and case alike) gets 451 4.7.1" ;;
*) not_ok "the third new ticket from rita (+detail and case alike) gets 451 4.7.1" "reply: $reply" ;; esac
check "the milter logged which limit" grep -q "tempfail: rate_new_sender (2/1h) reached by rita@rate.test" "$T/milter.log"
R4=$(mk r4 "Rita <rita@rate.test>" "[#$(ticket_of r1)] a reply")
check "a reply of rita to her ticket is no new ticket: accepted" send "$R4"
store_conf rate_new_sender 0 && reload || bail_out "reload"

# desk ingest: the domain limit, exit 75
store_conf rate_new_domain 2/1h || bail_out "store_conf"
ingest() { as_maildesk "$DESK" --store "$STORE" ingest --envelope-to support@helpdesk.test <"$1"; }
ingest "$(mk i1 "Ida <ida@dom.test>" "One")" 2>/dev/null
ingest "$(mk i2 "Ivo <ivo@dom.test>" "Two")" 2>/dev/null
ingest "$(mk i3 "Ina <ina@dom.test>" "Three")" 2>"$T/ingest.err"
check_eq "desk ingest of a third new ticket from dom.test exits 75" 75 "$?"
check "and says which limit on stderr" grep -q "rate_new_domain (2/1h) reached by ina@dom.test" "$T/ingest.err"
check "nothing of it is stored" sh -c "! grep -rqs 'i3@t.test' '$STORE/mail'"
ingest "$(mk i4 "Ike <ike@sub.dom.test>" "Four")" 2>/dev/null
check_eq "sub.dom.test is another domain: desk ingest of ike's exits 0" 0 "$?"
check_eq "and it is a new ticket" new "$(match_of i4)"
store_conf rate_new_domain 300/1h || bail_out "store_conf"

# the indexer: mail found in mail/new over the total limit is held
store_conf rate_new_total 1/1h && reload || bail_out "reload"
J=$(mk j1 "Jo <jo@new.test>" "Dropped in")
as_maildesk cp "$J" "$STORE/mail/tmp/j1" && as_maildesk mv "$STORE/mail/tmp/j1" "$STORE/mail/new/j1"
check_eq "a new ticket found in mail/new over rate_new_total is stored held" \
	"new; held: over rate_new_total (1/1h)" "$(match_of j1)"
NJ=$(ticket_of j1)
check "the indexer logged it" grep -q "held: rate_new_total reached by jo@new.test" "$T/milter.log"
check_eq "it is still a ticket, listed with its requester" "jo@new.test" \
	"$(D list --status any --format=json | python3 -c 'import json,sys; print([t["requester"] for t in json.load(sys.stdin) if t["ticket"]=='"$NJ"'][0])')"
wait_log "ticket $NJ: no acknowledgement" || true
check_eq "no acknowledgement for it (held)" 0 "$(acks_to jo@new.test)"
store_conf rate_new_total 3000/1h || bail_out "store_conf"

# acknowledgements: per sender (the window off), per domain, in total
store_conf ack_window_hours 0 && store_conf rate_ack_sender 1/1h && store_conf rate_ack_domain 2/1h &&
	reload || bail_out "reload"
send "$(mk q1 "Zed <zed@ack.test>" "One")"
wait_for "ack to zed" acked zed@ack.test
send "$(mk q2 "Zed <zed@ack.test>" "Two")"
Q2=$(ticket_of q2)
wait_log "ticket $Q2: no acknowledgement" || true
check "a second ack to zed within the hour: rate_ack_sender, logged" \
	grep -q "ticket $Q2: no acknowledgement: rate_ack_sender (1/1h) reached by zed@ack.test" "$T/milter.log"
check_eq "and not sent" 1 "$(acks_to zed@ack.test)"
send "$(mk q3 "Yan <yan@ack.test>" "Three")"
wait_for "ack to yan" acked yan@ack.test
send "$(mk q4 "Xia <xia@ack.test>" "Four")"
Q4=$(ticket_of q4)
wait_log "ticket $Q4: no acknowledgement" || true
check "a third ack to ack.test: rate_ack_domain, logged" \
	grep -q "ticket $Q4: no acknowledgement: rate_ack_domain (2/1h) reached by xia@ack.test" "$T/milter.log"
check_eq "and not sent" 0 "$(acks_to xia@ack.test)"
store_conf rate_ack_total 1/1h && reload || bail_out "reload"
send "$(mk q5 "Wes <wes@total.test>" "Five")"
Q5=$(ticket_of q5)
wait_log "ticket $Q5: no acknowledgement" || true
check "rate_ack_total: logged" \
	grep -q "ticket $Q5: no acknowledgement: rate_ack_total (1/1h) reached by wes@total.test" "$T/milter.log"
check_eq "and not sent" 0 "$(acks_to wes@total.test)"

check_eq "the rate table is the store group's, not world-readable" "660" "$(stat -c %a "$STORE/ratelimit.sqlite")"
check "the milter logged no tempfail but the rate limit's" \
	sh -c "! grep 'tempfail' '$T/milter.log' | grep -v 'rate_new_sender (2/1h)'"
test_done
