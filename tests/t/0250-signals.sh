#!/usr/bin/env bash
# 0250-signals.sh: maildesk-milter's signals through a real Postfix: SIGHUP
# reloads maildesk.conf (seen in the next message), a bad config on SIGHUP
# keeps the old one, SIGTERM stops cleanly and Postfix then answers 4xx
# (milter_default_action = tempfail), and a restart takes the mail.
. "$(dirname "$0")/lib.sh"

store_init "$T/store" || bail_out "store"
milter_start || bail_out "milter"
pf_start milter || bail_out "postfix"

msg() { # msg ID SUBJECT
	printf 'From: ann@example.test\nTo: support@helpdesk.test\nSubject: %s\nMessage-ID: <%s@example.test>\n\nhello\n' "$2" "$1" >"$T/$1"
	echo "$T/$1"
}
stored() { grep -l "^Message-ID: <$1@example.test>" "$STORE"/mail/cur/* 2>/dev/null | head -1; }

check "a message before the reload" smtp_send "$(msg one 'printer broken')"
wait_indexed 1 >/dev/null
check_eq "no subject tag while subject_tag_add is off" "printer broken" "$(header_of "$(stored one)" Subject)"

sed -i 's/^#subject_tag_add = false/subject_tag_add = true/' "$STORE/maildesk.conf"
kill -HUP "$MILTER_PID"
for i in $(seq 1 50); do grep -q "configuration reloaded" "$T/milter.log" && break; sleep 0.1; done
check "SIGHUP reloads the configuration" grep -q "configuration reloaded" "$T/milter.log"
check "a message after the reload" smtp_send "$(msg two 'scanner broken')"
wait_indexed 2 >/dev/null
t=$(sed -n 's/^X-Desk-Ticket: //p' "$(stored two)" | head -1)
check_eq "after SIGHUP new tickets get the subject tag" "[#$t] scanner broken" "$(header_of "$(stored two)" Subject)"

printf '[desk]\nlock_timeout = soon\n' >>"$STORE/maildesk.conf"
kill -HUP "$MILTER_PID"
for i in $(seq 1 50); do grep -q "reload failed" "$T/milter.log" && break; sleep 0.1; done
check "a bad configuration on SIGHUP is refused" grep -q "reload failed, keeping the old configuration" "$T/milter.log"
check "and mail still flows with the old one" smtp_send "$(msg three 'fax broken')"
wait_indexed 3 >/dev/null
check "the third message is stored" test -n "$(stored three)"
sed -i '$d' "$STORE/maildesk.conf"
sed -i '$d' "$STORE/maildesk.conf"

milter_stop
check_eq "SIGTERM: the milter exits 0" 0 "$?"
check "SIGTERM: it says it stopped" grep -q "stopped" "$T/milter.log"
check "SIGTERM: nothing listens on the socket any more" python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
sys.exit(0 if s.connect_ex(sys.argv[1]) != 0 else 1)' "$MILTER_SOCK"
out=$(smtp_send "$(msg four 'phone broken')" 2>&1)
case $out in 4*) ok "with the milter down Postfix answers 4xx: $out" ;;
*) not_ok "with the milter down Postfix answers 4xx" "$out" ;; esac
check "a restart replaces the stale socket" milter_start
check "the sender's retry is taken" smtp_send "$T/four"
wait_indexed 4 >/dev/null
check_eq "message four stored exactly once" 1 "$(grep -l '^Message-ID: <four@example.test>' "$STORE"/mail/cur/* | wc -l)"

test_done
