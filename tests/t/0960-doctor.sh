#!/usr/bin/env bash
# 0960-doctor.sh: desk doctor against a running installation: a store,
# maildesk-milter and a private Postfix set up as every other test sets
# them up (mail goes through them to a ticket first) give exit 0 and
# every line "ok"; then one misconfiguration at a time gives exit 1 and
# the one FAIL line that names it and its fix, and once it is put right,
# everything is ok again.
. "$(dirname "$0")/lib.sh"

store_init "$T/store" || bail_out "desk init"
milter_start || bail_out "maildesk-milter does not start"
pf_start milter || bail_out "postfix does not start"
f=$(make_msg first ann@example.test first@example.test)
check "the setup works: mail through Postfix and the milter" smtp_send "$f"
wait_indexed 1 || bail_out "the first mail is not indexed"

doctor() {
	"$DESK" --store "$STORE" doctor --config-dir "$PF/conf" --socket "unix:$MILTER_SOCK" "$@"
}
CHECKS="store secret config socket milter smtpd_milters milter_default_action recipient_delimiter delivery index kb-hooks"

# all_ok DESC: exit 0, one "ok" line for every check, in order, nothing else.
all_ok() {
	local out rc names
	out=$(doctor 2>&1)
	rc=$?
	names=$(printf '%s\n' "$out" | sed -n 's/^ok   \([a-z_-]*\): .*/\1/p' | tr '\n' ' ')
	if [ $rc -eq 0 ] && [ "$names" = "$CHECKS " ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 11 ]; then
		ok "$1"
	else
		not_ok "$1" "exit $rc" "$out"
	fi
}

# one_fail DESC LINE [ARGS...]: exit 1 and LINE (a grep -E pattern of the
# whole line) is the only FAIL line; the others are "ok" (or "skip" for
# checks named in $SKIPS).
one_fail() {
	local desc=$1 want=$2 out rc fails others
	shift 2
	out=$(doctor "$@" 2>&1)
	rc=$?
	fails=$(printf '%s\n' "$out" | grep '^FAIL')
	others=$(printf '%s\n' "$out" | grep -v '^FAIL' | grep -v '^ok   ' |
		grep -Ev "^skip (${SKIPS:-none}): ")
	if [ $rc -eq 1 ] && [ "$(printf '%s\n' "$fails" | wc -l)" -eq 1 ] &&
		printf '%s\n' "$fails" | grep -Eqx -- "$want" && [ -z "$others" ]; then
		ok "$desc"
	else
		not_ok "$desc" "exit $rc" "expected: $want" "$out"
	fi
}

# re TEXT: TEXT as a literal part of a grep -E pattern.
re() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|/]/\\&/g'; }
S=$(re "$STORE")
SOCK=$(re "$MILTER_SOCK")

all_ok "a correct installation: exit 0, every check ok"

# --- the store and its secret
chmod 2755 "$STORE"
one_fail "store readable by others: FAIL store, chmod 2750" \
	"FAIL store: $S is mode 2755, not 2750: others can read the store; fix: chmod 2750 $S"
chmod 2750 "$STORE"
chmod 2775 "$STORE/mail/new"
one_fail "mail/new of the wrong mode: FAIL store" \
	"FAIL store: $S/mail/new is mode 2775, not 2770: others can read the store; fix: chmod 2770 $S/mail/new"
chmod 2770 "$STORE/mail/new"
all_ok "store modes put back: all ok"

chmod 0644 "$STORE/secret"
one_fail "secret mode 0644: FAIL secret, chmod 0640" \
	"FAIL secret: $S/secret is mode 0644: others can read it and forge reply addresses; fix: chmod 0640 $S/secret"
chmod 0600 "$STORE/secret"
all_ok "secret 0600 is fine too"
chmod 0640 "$STORE/secret"

# --- the configuration: what needs it cannot tell, the milter still runs
cp -p "$STORE/maildesk.conf" "$T/maildesk.conf.good"
printf '[desk\nthis is no key\n' >>"$STORE/maildesk.conf"
SKIPS="delivery|kb-hooks" one_fail "maildesk.conf with a syntax error: FAIL config" \
	"FAIL config: .*maildesk\.conf.*; fix: correct $S/maildesk\.conf \(see maildesk\.conf\(5\)\), then systemctl reload maildesk-milter"
out=$(doctor 2>&1)
check_eq "without a configuration, delivery and kb-hooks cannot tell" \
	"skip delivery: cannot tell: maildesk.conf does not load (desk.addresses)
skip kb-hooks: cannot tell: maildesk.conf does not load (kb.path)" "$(printf '%s\n' "$out" | grep '^skip')"
cp -p "$T/maildesk.conf.good" "$STORE/maildesk.conf"
all_ok "maildesk.conf put back: all ok"

# --- the milter's socket and the milter itself
chmod 0666 "$MILTER_SOCK"
one_fail "socket mode 0666: FAIL socket, chmod 0660" \
	"FAIL socket: $SOCK is mode 0666, not 0660: any local user can talk to the milter; fix: chmod 0660 $SOCK \(maildesk-milter makes it so when it starts\)"
chmod 0660 "$MILTER_SOCK"
chgrp root "$MILTER_SOCK"
one_fail "socket of a group Postfix is not in: FAIL socket, usermod" \
	"FAIL socket: Postfix's mail_owner postfix is not in group root of $SOCK: it cannot connect; fix: usermod -aG root postfix && postfix reload"
chgrp maildesk "$MILTER_SOCK"
all_ok "socket mode and group put back: all ok"

milter_stop
SKIPS=milter one_fail "milter stopped (its socket gone): FAIL socket, start the milter" \
	"FAIL socket: no socket $SOCK: maildesk-milter is not running; fix: systemctl start maildesk-milter \(or: maildesk-milter --store $S --socket unix:$SOCK\)"
check_eq "... and the milter line says it cannot tell" "skip milter: cannot tell: no socket $MILTER_SOCK (see socket)" \
	"$(doctor | grep '^skip')"
# a socket whose listener never answers (a hung milter)
rm -f "$MILTER_SOCK"
python3 - "$MILTER_SOCK" <<-'EOF' &
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o660)
s.listen(5)
conns = []
while True:
    c, _ = s.accept()
    conns.append(c)
EOF
hung=$!
bg_track $hung
wait_for "the hung listener" test -S "$MILTER_SOCK"
chgrp maildesk "$MILTER_SOCK"
one_fail "a milter that accepts but never answers: FAIL milter within --timeout" \
	"FAIL milter: unix:$SOCK accepts connections but does not answer within 1 s; fix: .*" --timeout 1
kill $hung
wait $hung 2>/dev/null
milter_kill
milter_start || bail_out "maildesk-milter does not start again"
all_ok "milter started again: all ok"
milter_kill
if [ -S "$MILTER_SOCK" ]; then
	one_fail "milter killed, its socket left behind: FAIL milter, start it" \
		"FAIL milter: cannot connect to unix:$SOCK: Connection refused: maildesk-milter is not running; fix: systemctl start maildesk-milter \(or: maildesk-milter --store $S --socket unix:$SOCK\)"
else
	not_ok "milter killed, its socket left behind" "the socket is gone after SIGKILL"
fi
milter_start || bail_out "maildesk-milter does not start again"
all_ok "milter started once more: all ok"

# --- Postfix, as postconf reports it (each fix is what the line says)
PFC=$(re "$PF/conf")
postconf -c "$PF/conf" -e 'smtpd_milters =' && postfix -c "$PF/conf" reload >/dev/null 2>&1
one_fail "smtpd_milters empty: FAIL smtpd_milters, postconf -e" \
	"FAIL smtpd_milters: smtpd_milters is empty: mail passes unthreaded; fix: postconf -c '$PFC' -e 'smtpd_milters = unix:$SOCK' && postfix -c '$PFC' reload"
postconf -c "$PF/conf" -e "smtpd_milters = unix:$MILTER_SOCK" && postfix -c "$PF/conf" reload >/dev/null 2>&1
all_ok "smtpd_milters put back: all ok"

postconf -c "$PF/conf" -e 'milter_default_action = accept'
one_fail "milter_default_action = accept: FAIL, set tempfail" \
	"FAIL milter_default_action: milter_default_action = accept: while the milter is down, mail is not kept for it; fix: postconf -c '$PFC' -e 'milter_default_action = tempfail' && postfix -c '$PFC' reload"
postconf -c "$PF/conf" -e 'milter_default_action = tempfail'
all_ok "milter_default_action put back: all ok"

postconf -c "$PF/conf" -X recipient_delimiter
one_fail "recipient_delimiter unset: FAIL, set +" \
	"FAIL recipient_delimiter: recipient_delimiter is empty: replies to support\+42-TOKEN@ do not reach the desk; fix: postconf -c '$PFC' -e 'recipient_delimiter = \+' && postfix -c '$PFC' reload"
postconf -c "$PF/conf" -e 'recipient_delimiter = +'
all_ok "recipient_delimiter put back: all ok"

maps=$(postconf -c "$PF/conf" -h virtual_mailbox_maps)
postconf -c "$PF/conf" -e "virtual_mailbox_maps = inline:{ support@helpdesk.test=other/, billing@helpdesk.test=${STORE#"$T"/}/mail/ }"
one_fail "support@ delivered to another mailbox: FAIL delivery" \
	"FAIL delivery: virtual\(8\) delivers support@helpdesk\.test to $(re "$T")/other/, not to the Maildir $S/mail/; fix: .*"
postconf -c "$PF/conf" -e "virtual_mailbox_maps = $maps"
postconf -c "$PF/conf" -e 'virtual_uid_maps = static:65534' 'virtual_gid_maps = static:65534'
one_fail "delivery as a user who may not write the store: FAIL delivery" \
	"FAIL delivery: support@helpdesk\.test: virtual\(8\) into $S/mail/, as uid 65534 gid 65534, who may not write $S; fix: .*"
postconf -c "$PF/conf" -e "virtual_uid_maps = static:$MAILDESK_UID" "virtual_gid_maps = static:$MAILDESK_GID"
all_ok "delivery put back: all ok"

# --- the index: a message the indexer cannot take (a writer holds the
# store's lock) and that is older than --stale
exec 9<"$STORE/lock"
flock 9
f=$(make_msg stale bob@example.test stale@example.test)
name=$(date +%s).M1P1Q1.stale
cp "$f" "$STORE/mail/new/$name" && chown maildesk:maildesk "$STORE/mail/new/$name"
touch -d '10 minutes ago' "$STORE/mail/new/$name"
sleep 1
check "the locked store keeps the message in mail/new" test -f "$STORE/mail/new/$name"
one_fail "a message in mail/new older than 60 s: FAIL index" \
	"FAIL index: $S/mail/new holds 1 message older than 60 s \(the oldest 6[0-9][0-9] s\): nothing indexes them; fix: start maildesk-milter.*"
exec 9<&-
wait_indexed 2 || diag "the indexer did not take the message"
all_ok "the indexer caught up: all ok"
touch "$STORE/mail/new/.dotfile-is-not-mail"
touch -d '10 minutes ago' "$STORE/mail/new/.dotfile-is-not-mail"
all_ok "a dot file in mail/new is not mail"
rm -f "$STORE/mail/new/.dotfile-is-not-mail"

# --- the KB's hooks
mv "$STORE/kb/hooks/post-receive" "$T/post-receive"
one_fail "post-receive hook removed: FAIL kb-hooks, desk kb hooks" \
	"FAIL kb-hooks: the hook $S/kb/hooks/post-receive is missing; fix: desk kb hooks \(as the store's owner\)"
mv "$T/post-receive" "$STORE/kb/hooks/post-receive"
cp -p "$STORE/kb/hooks/pre-receive" "$T/pre-receive"
sed -i 's/kb lint --pre-receive/kb lint --pre-receive || true/' "$STORE/kb/hooks/pre-receive"
one_fail "pre-receive hook edited: FAIL kb-hooks" \
	"FAIL kb-hooks: the hook $S/kb/hooks/pre-receive is not the one desk kb hooks writes for this store; fix: desk kb hooks \(as the store's owner\)"
out=$(as_maildesk "$DESK" --store "$STORE" kb hooks 2>&1)
check "desk kb hooks (the fix) as the owner" test $? -eq 0
all_ok "hooks written again: all ok"

# --- without Postfix's postconf, the Postfix checks cannot tell
out=$(doctor --postconf "$T/no-such-postconf" 2>&1)
rc=$?
check_eq "no postconf: exit 0 (cannot tell is no failure)" 0 "$rc"
check_eq "no postconf: the four Postfix checks say skip" \
	"smtpd_milters milter_default_action recipient_delimiter delivery " \
	"$(printf '%s\n' "$out" | sed -n 's/^skip \([a-z_-]*\): cannot tell: .*/\1/p' | tr '\n' ' ')"

# --- delivery through a pipe(8) service running desk ingest
pf_stop
PF_EXTRA_MAIN_CF="smtpd_milters = unix:$MILTER_SOCK
milter_protocol = 6
milter_default_action = tempfail" pf_start pipe || bail_out "postfix (pipe) does not start"
f=$(make_msg piped carl@example.test piped@example.test)
check "mail through the pipe reaches the store" smtp_send "$f"
wait_indexed 3 || diag "the piped message is not in mail/cur"
all_ok "delivery by pipe(8) to desk ingest: all ok"
out=$(doctor --postconf "$(command -v postconf)" | grep '^ok   delivery')
check_eq "--postconf PATH: the pipe is seen" \
	"ok   delivery: support@helpdesk.test: pipe(8) service desk runs desk ingest as uid $MAILDESK_UID gid $MAILDESK_GID; billing@helpdesk.test: pipe(8) service desk runs desk ingest as uid $MAILDESK_UID gid $MAILDESK_GID" "$out"
sed -i 's/ user=maildesk / user=nobody /' "$PF/conf/master.cf"
one_fail "the pipe runs as a user who may not write the store: FAIL delivery" \
	"FAIL delivery: support@helpdesk\.test: pipe\(8\) service desk runs desk ingest, as uid [0-9]+ gid [0-9]+, who may not write $S; fix: .*"
sed -i 's/ user=nobody / user=maildesk /' "$PF/conf/master.cf"
sed -i "s| --store $STORE ingest| --store $T/other ingest|" "$PF/conf/master.cf"
one_fail "the pipe's desk ingest writes another store: FAIL delivery" \
	"FAIL delivery: support@helpdesk\.test: pipe\(8\) service desk: its desk ingest writes to $(re "$T")/other, not to this store; fix: .*"

test_done
