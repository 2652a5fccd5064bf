#!/bin/bash
# 0475-sasl.sh: agents by mail known from SASL, end to end: a real Postfix
# authenticates SMTP clients with Cyrus SASL against a private sasldb and
# hands the login to maildesk-milter in the macro {auth_authen}. alice
# (agent, SASL user alice) writing to support+N@ with AUTH is an internal
# comment of ticket N by her, never sent to the requester, and her #take
# makes her the owner; a wrong password is refused by Postfix (535); bob,
# a SASL user who is no agent, is not alice whatever his From; alice
# without AUTH (and no trusted network) is customer mail; an agent whose
# sasl key carries a realm (carol@helpdesk.test) is known by it; alice
# with AUTH but someone else's From is still alice, but her mail is an
# internal comment only: its commands don't run, a reply is not sent to
# the requester, and she is told why by mail.
# (tests/milter/bymail.lua drives the same decisions with miltertest;
# 0470-bymail.sh the trusted-network path through Postfix.)
#
# Facts about Debian 12's Postfix 3.7 and Cyrus SASL 2.1.28 (found with
# strace and by trying; the checks below fail when they stop holding):
# - Debian's Postfix reads smtpd.conf from $config_directory/sasl (its patch
#   07_sasl_config), not from cyrus_sasl_config_path: the file goes to
#   $PF/conf/sasl, and cyrus_sasl_config_path names that directory too, for
#   builds that honour it. Without it Postfix would offer CRAM-MD5 & co. and
#   look for /etc/sasldb2 (check "offers AUTH with our ... mechanisms").
# - A login without a realm is looked up in the sasldb under the realm
#   Postfix's myhostname (mx.helpdesk.test here; not the machine's
#   hostname, which is what saslpasswd2 -c uses without -u), and Postfix
#   reports it without a realm: {auth_authen} is "alice". A login "user@realm"
#   is looked up in that realm and reported as "user@realm" (carol).
# Proves maildesk-security(7), "Agents (known only from the MTA)".
. "$(dirname "$0")/lib.sh"

py() {
	local code=$1
	shift
	python3 -c "$code" "$@"
}
ticket_json() { "$DESK" --store "$STORE" list --status any --format=json 2>&1; }
# field N EXPR: EXPR of ticket N in desk list's JSON (t = that ticket)
field() {
	py 'import json, sys
t = [x for x in json.loads(sys.argv[1]) if x["ticket"] == int(sys.argv[2])][0]
print(eval(sys.argv[3]))' "$(ticket_json)" "$1" "$2" 2>&1
}
# shown N MESSAGE-ID EXPR: EXPR of the message MESSAGE-ID (m) in
# `desk show N --format=json` (it has no event or author field: match,
# tags, from, text, ...)
shown() {
	py 'import json, sys
j = json.loads(sys.argv[1])
m = [x for x in j["messages"] if x["message_id"] == sys.argv[2]]
if not m:
    sys.exit("(not in ticket)")
m = m[0]
print(eval(sys.argv[3]), end="")
' "$("$DESK" --store "$STORE" show "$1" --format=json 2>&1)" "$2" "$3" 2>&1
}
# in_ticket N MESSAGE-ID: desk show N lists the message (stored and indexed)
in_ticket() { [ "$(shown "$1" "$2" '"yes"')" = yes ]; }
# props MESSAGE-ID: the message's desk.event and desk.set in the index
# (what desk reads), e.g. "desk.event=mail-comment desk.set=by=alice"
props() {
	NOTMUCH_CONFIG=$T/notmuch-config notmuch dump --include=properties "id:$1" 2>&1 |
		grep -o -E 'desk\.(event|set)=[^ ]*' | tr '\n' ' ' | sed 's/ $//'
}
stored_with() { grep -l -F -- "$1" "$STORE"/mail/cur/* 2>/dev/null | head -n 1; }
# msg NAME FROM TO SUBJECT BODY: a message file $T/NAME.eml
msg() {
	printf 'From: %s\nTo: %s\nSubject: %s\nDate: Tue, 17 Nov 2009 22:00:00 +0600\nMessage-ID: <%s@example.test>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n%b' \
		"$2" "$3" "$4" "$1" "$5" >"$T/$1.eml"
	echo "$T/$1.eml"
}
# qid REPLY: the queue id of a "250 2.0.0 Ok: queued as QID" reply
qid() { printf '%s\n' "$1" | sed -n 's/^250 .*queued as \([0-9A-Za-z]*\).*/\1/p'; }

# ------------------------------------------------------------ Cyrus SASL
ensure_sasl() {
	command -v saslpasswd2 >/dev/null && ls /usr/lib/*/sasl2/libsasldb.so* /usr/lib/*/sasl2/libplain.so* \
		/usr/lib/*/sasl2/liblogin.so* >/dev/null 2>&1 && return 0
	command -v apt-get >/dev/null || return 2
	DEBIAN_FRONTEND=noninteractive apt-get install -y sasl2-bin libsasl2-modules >"$T/apt-sasl.log" 2>&1 || {
		apt-get update >/dev/null 2>&1
		DEBIAN_FRONTEND=noninteractive apt-get install -y sasl2-bin libsasl2-modules >"$T/apt-sasl.log" 2>&1
	}
}
ensure_sasl
case $? in
0) ;;
2)
	echo "1..0 # skip no saslpasswd2 and no apt-get to install sasl2-bin and libsasl2-modules"
	exit 0
	;;
*) bail_out "cannot install sasl2-bin and libsasl2-modules" "$(tail -n 5 "$T/apt-sasl.log")" ;;
esac
ensure_postfix || bail_out "cannot install postfix"
postconf -a 2>/dev/null | grep -qx cyrus || bail_out "this Postfix has no Cyrus SASL (postconf -a)"

store_init "$T/store" || bail_out "desk init"
"$DESK" --store "$STORE" agent add alice alice@helpdesk.test --name "Alice Agent" >/dev/null || bail_out "agent add alice"
"$DESK" --store "$STORE" agent add carol carol@helpdesk.test --name Carol --sasl carol@helpdesk.test >/dev/null ||
	bail_out "agent add carol"

# smtpd.conf where Debian's Postfix looks ($config_directory/sasl: pf_start
# keeps what is in $T/pf/conf) and where cyrus_sasl_config_path says.
SASL=$T/pf/conf/sasl
mkdir -p "$SASL"
cat >"$SASL/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $SASL/sasldb2
mech_list: PLAIN LOGIN
EOF
PF_EXTRA_MAIN_CF="smtpd_sasl_auth_enable = yes
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
cyrus_sasl_config_path = $SASL
smtpd_sasl_security_options = noanonymous
smtpd_tls_auth_only = no"

outbox_for_milter || bail_out "outbox"

milter_start || bail_out "maildesk-milter does not start"
pf_start milter || bail_out "postfix does not start"

# The users, in the realm Cyrus uses for a login without one: Postfix's
# myhostname. The sasldb is opened at each AUTH, as the postfix user.
REALM=$(postconf -c "$PF/conf" -h myhostname)
printf '%s' alice-secret | saslpasswd2 -f "$SASL/sasldb2" -c -p -u "$REALM" alice &&
	printf '%s' bob-secret | saslpasswd2 -f "$SASL/sasldb2" -c -p -u "$REALM" bob &&
	printf '%s' carol-secret | saslpasswd2 -f "$SASL/sasldb2" -c -p -u helpdesk.test carol ||
	bail_out "saslpasswd2"
chgrp postfix "$SASL/sasldb2" && chmod 0640 "$SASL/sasldb2" || bail_out "sasldb2 for postfix"
check_eq "the sasldb holds alice, bob and carol" "alice@$REALM bob@$REALM carol@helpdesk.test" \
	"$(sasldblistusers2 -f "$SASL/sasldb2" 2>&1 | cut -d: -f1 | sort | tr '\n' ' ' | sed 's/ $//')"
ehlo=$(python3 - "$PORT" <<-'EOF' 2>&1
	import smtplib, sys
	s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), local_hostname="client.example.test", timeout=30)
	s.ehlo()
	print(s.esmtp_features.get("auth", "(no AUTH)").strip())
	s.quit()
	EOF
)
check_eq "Postfix offers AUTH with our smtpd.conf's mechanisms" "PLAIN LOGIN" "$ehlo"

# ------------------------------------------------------------ a customer's ticket
printf '[database]\npath=%s\n' "$STORE/mail" >"$T/notmuch-config"
f=$(msg q1 "Rita Requester <requester@example.test>" support@helpdesk.test "Printer on fire" "It burns.\n")
reply=$(smtp_send "$f" support@helpdesk.test requester@example.test) || bail_out "customer mail: $reply"
check "the customer's question is stored" wait_indexed 1
check_eq "it is ticket 1, new, nobody's" "1 new " "$(field 1 'str(t["ticket"]) + " " + t["status"] + " " + (t["owner"] or "")')"

# --------------------------------------------- alice without AUTH: a customer
f=$(msg noauth "Alice Agent <alice@helpdesk.test>" support+1@helpdesk.test "Re: [#1] Printer on fire" \
	"#take\n\nWithout AUTH: needle-noauth.\n")
reply=$(smtp_send "$f" support+1@helpdesk.test alice@helpdesk.test)
check_eq "alice without AUTH to support+1@ is accepted" 0 $?
check "it is stored in ticket 1" wait_for stored in_ticket 1 noauth@example.test
check_eq "it is held customer mail, not an agent's (desk show --format=json)" "held|subject-tag; held: sender not a participant" \
	"$(shown 1 noauth@example.test '" ".join(m["tags"]) + "|" + m["match"]')"
check_eq "it carries no event and no by=alice (index)" "" "$(props noauth@example.test)"
sleep 1
check_eq "its #take is not carried out: ticket 1 new, no owner" "new " \
	"$(field 1 't["status"] + " " + (t["owner"] or "")')"

# ------------------------------------------------------------ a wrong password
wait_queue_empty 30 >/dev/null
before=$(find "$STORE/mail/new" "$STORE/mail/cur" -type f | wc -l)
f=$(msg wrongpw "Alice Agent <alice@helpdesk.test>" support+1@helpdesk.test "Re: [#1] Printer on fire" \
	"#take\n\nWrong password: needle-wrongpw.\n")
reply=$(smtp_send "$f" support+1@helpdesk.test alice@helpdesk.test alice:not-her-password)
check_eq "AUTH as alice with a wrong password is refused (5xx)" 5 $?
case $reply in
"535 "*) ok "Postfix answers 535 ($reply)" ;;
*) not_ok "Postfix answers 535" "$reply" ;;
esac
check "Postfix logs the failed AUTH of alice" \
	grep -q "SASL PLAIN authentication failed: .*sasl_username=alice\$" "$PF/maillog"
check "the queue is empty" wait_queue_empty 30
sleep 1
check_eq "nothing is stored" "$before" "$(find "$STORE/mail/new" "$STORE/mail/cur" -type f | wc -l)"
check_eq "nothing of it is anywhere in the store" "" "$(grep -rl needle-wrongpw "$STORE/mail" 2>/dev/null)"

# ----------------------------------------- bob: a SASL user who is no agent
f=$(msg bob1 "Alice Agent <alice@helpdesk.test>" support+1@helpdesk.test "Re: [#1] Printer on fire" \
	"#take\n#status pending\n\nBob as alice: needle-bob.\n")
reply=$(smtp_send "$f" support+1@helpdesk.test alice@helpdesk.test bob:bob-secret)
check_eq "bob (AUTH ok, no agent) with alice's From to support+1@ is accepted" 0 $?
bob_qid=$(qid "$reply")
check "Postfix logs bob's SASL login for it" grep -q "$bob_qid: client=.*sasl_method=PLAIN, sasl_username=bob\$" \
	"$PF/maillog"
check "it is stored in ticket 1" wait_for stored in_ticket 1 bob1@example.test
check_eq "it is held customer mail, not alice's (desk show --format=json)" "held|subject-tag; held: sender not a participant" \
	"$(shown 1 bob1@example.test '" ".join(m["tags"]) + "|" + m["match"]')"
check_eq "it carries no event and no by=alice (index)" "" "$(props bob1@example.test)"
stored=$(stored_with "bob1@example.test")
check_eq "no X-Desk-Event, no X-Desk-Set in the stored file" "|" \
	"$(header_of "$stored" X-Desk-Event 2>/dev/null)|$(header_of "$stored" X-Desk-Set 2>/dev/null)"
if grep -q "$bob_qid: .*match=agent" "$T/milter.log"; then
	not_ok "the milter does not log it as an agent's" "$(grep "$bob_qid" "$T/milter.log")"
else
	ok "the milter does not log it as an agent's"
fi
sleep 1
check_eq "its commands are not carried out: ticket 1 new, no owner" "new " \
	"$(field 1 't["status"] + " " + (t["owner"] or "")')"
check_eq "nothing went out" 0 "$(outbox_count)"

# ------------------------------------- alice with AUTH: an internal comment
f=$(msg c1 "Alice Agent <alice@helpdesk.test>" support+1@helpdesk.test "Re: [#1] Printer on fire" \
	"#take\n\nInternal: needle-comment, the customer is important.\n")
reply=$(smtp_send "$f" support+1@helpdesk.test alice@helpdesk.test alice:alice-secret)
check_eq "alice with AUTH to support+1@ is accepted" 0 $?
alice_qid=$(qid "$reply")
check "Postfix logs alice's SASL login for it" grep -q "$alice_qid: client=.*sasl_method=PLAIN, sasl_username=alice\$" \
	"$PF/maillog"
check "the milter logs it as alice's comment, known by SASL" \
	grep -q "$alice_qid: .*match=agent .*event=mail-comment by=alice (sasl)" "$T/milter.log"
check "it is stored in ticket 1" wait_for stored in_ticket 1 c1@example.test
check_eq "desk show 1 --format=json: an event, matched as an agent's by SASL" "event|agent; sasl" \
	"$(shown 1 c1@example.test '" ".join(m["tags"]) + "|" + m["match"]')"
check_eq "the index: event mail-comment by alice" "desk.event=mail-comment desk.set=by=alice" "$(props c1@example.test)"
stored=$(stored_with "c1@example.test")
check_eq "the stored file: a comment of ticket 1 by alice" "1|mail-comment|by=alice|agent; sasl" \
	"$(header_of "$stored" X-Desk-Ticket)|$(header_of "$stored" X-Desk-Event)|$(header_of "$stored" X-Desk-Set)|$(header_of "$stored" X-Desk-Match)"
owner_is() { [ "$(field 1 't["owner"] or ""')" = "$1" ]; }
check "its #take is carried out: owner alice" wait_for owner owner_is alice
check_eq "ticket 1: alice's, open" "alice open" "$(field 1 '(t["owner"] or "") + " " + t["status"]')"
sleep 1
check_eq "a comment is not sent to the requester (nothing went out)" 0 "$(outbox_count)"

# ------------------------------- carol: an agent whose sasl key has a realm
f=$(msg carol1 "Carol <carol@helpdesk.test>" support+1@helpdesk.test "Re: [#1] Printer on fire" \
	"#priority high\n\nCarol here: needle-carol.\n")
reply=$(smtp_send "$f" support+1@helpdesk.test carol@helpdesk.test carol@helpdesk.test:carol-secret)
check_eq "carol with AUTH as carol@helpdesk.test is accepted" 0 $?
carol_qid=$(qid "$reply")
check "Postfix reports the login with its realm" \
	grep -q "$carol_qid: client=.*sasl_username=carol@helpdesk.test\$" "$PF/maillog"
check "it is stored in ticket 1" wait_for stored in_ticket 1 carol1@example.test
check_eq "the index: event mail-comment by carol (sasl = carol@helpdesk.test)" "desk.event=mail-comment desk.set=by=carol" \
	"$(props carol1@example.test)"
priority_is() { [ "$(field 1 't["priority"]')" = "$1" ]; }
check "its #priority high is carried out" wait_for priority priority_is high
sleep 1
check_eq "still nothing went out" 0 "$(outbox_count)"

# ------------------------- alice with AUTH, someone else's From: a comment only
# state: STATUS OWNER PRIORITY of ticket 1 (desk show --format=json)
state() {
	py 'import json, sys
t = json.loads(sys.argv[1])
print(t["status"], t["owner"] or "-", t["priority"])' "$("$DESK" --store "$STORE" show 1 --format=json 2>&1)" 2>&1
}
wait_outbox() { wait_for outbox eval '[ "$(outbox_count)" -ge '"$1"' ]'; }
newest_out() { ls "$T"/outbox/*.eml | sort | tail -n 1; }
check_eq "ticket 1 before: open, alice's, high" "open alice high" "$(state)"
f=$(msg foreign1 "Mallory <mallory@example.test>" support+1@helpdesk.test "Re: [#1] Printer on fire" \
	"#status pending\n#assign carol\n#priority low\n\nNot alice's From: needle-foreign.\n")
reply=$(smtp_send "$f" support+1@helpdesk.test mallory@example.test alice:alice-secret)
check_eq "alice (AUTH ok) with mallory's From to support+1@ is accepted" 0 $?
check "it is stored in ticket 1" wait_for stored in_ticket 1 foreign1@example.test
check_eq "desk show --format=json: alice's comment, commands=no-from" "mail-comment|alice|by=alice commands=no-from" \
	"$(shown 1 foreign1@example.test 'm["event"] + "|" + m["by"] + "|" + " ".join(m["set"])')"
check "the milter logs it with commands=no-from" \
	grep -q "$(qid "$reply"): .*event=mail-comment by=alice; commands=no-from (sasl)" "$T/milter.log"
check "alice is told by mail" wait_outbox 1
out=$(newest_out)
check_eq "the answer goes to alice, not to mallory" "Alice Agent <alice@helpdesk.test>" "$(header_of "$out" To 2>&1 | tr -d '"')"
check "it says why: the From" grep -q "its commands were not taken: its From is not the agent's address" "$out"
sleep 1
check_eq "none of its commands ran: still open, alice's, high (desk show --format=json)" "open alice high" "$(state)"

f=$(msg foreign2 "Mallory <mallory@example.test>" support+1-reply@helpdesk.test "Re: [#1] Printer on fire" \
	"Hello Rita, from mallory's From: needle-foreign-reply.\n")
reply=$(smtp_send "$f" support+1-reply@helpdesk.test mallory@example.test alice:alice-secret)
check_eq "alice (AUTH ok) with mallory's From to support+1-reply@ is accepted" 0 $?
check "it is stored in ticket 1" wait_for stored in_ticket 1 foreign2@example.test
check_eq "it is a comment, not a reply" "mail-comment|by=alice commands=no-from" \
	"$(shown 1 foreign2@example.test 'm["event"] + "|" + " ".join(m["set"])')"
check "alice is told by mail" wait_outbox 2
check_eq "that answer goes to alice" "Alice Agent <alice@helpdesk.test>" "$(header_of "$(newest_out)" To 2>&1 | tr -d '"')"
sleep 1
check_eq "nothing was sent to the requester" "" "$(grep -l -i '^To:.*requester@example.test' "$T"/outbox/*.eml)"
check_eq "its text went nowhere" "" "$(grep -l needle-foreign-reply "$T"/outbox/*.eml)"
check_eq "two messages went out, both to alice" 2 "$(outbox_count)"

milter_stop
test_done
