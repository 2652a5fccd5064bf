#!/bin/bash
# 0620-hooks.sh: event hooks (maildesk-hooks(5), issue 14 "Event hooks"),
# through a real Postfix and maildesk-milter, then desk's verbs: a new
# ticket fires new-ticket, the requester's reply fires reply, assign,
# status, comment and tag fire theirs; the hook gets the stored message
# on stdin and the facts in an otherwise clean environment, and hostile
# mail ($(...), backticks, quotes, newlines) is never interpolated; a
# slow hook delays neither the SMTP answer nor the indexer; desk reindex
# fires nothing again; a hook that hangs is killed at hooks.timeout with
# its process group, retried with backoff (MAILDESK_NOW moves time), then
# failed, and desk hooks retry runs it again; one not executable, one
# group-writable and one of another user are refused and marked failed;
# one that writes megabytes is cut in the log; the example hooks
# (hooks/events: webhook, chat, tracker) post the JSON a small local HTTP
# server records.
. "$(dirname "$0")/lib.sh"

store_init "$T/store" || bail_out "desk init"
D() { as_maildesk "$DESK" --store "$STORE" "$@"; }
unset MAILDESK_AGENT MAILDESK_NOW
D agent add alice alice@agents.test >/dev/null || bail_out "agent add alice"
D agent add bob bob@agents.test >/dev/null || bail_out "agent add bob"
store_conf notify_agents false || bail_out "store_conf notify_agents"

OUT=$T/out
mkdir -p "$OUT" && chown maildesk:maildesk "$OUT" && chmod 0777 "$OUT"
HOOKS=$STORE/hooks
LOG=$STORE/var/hooks.log
# install EVENT NAME FILE [MODE]: FILE as hook NAME of EVENT, the store
# owner's, as an admin would put it there
install_hook() {
	mkdir -p "$HOOKS/$1.d" && chown maildesk:maildesk "$HOOKS/$1.d" && chmod 2750 "$HOOKS/$1.d" &&
		install -o maildesk -g maildesk -m "${4:-0755}" "$3" "$HOOKS/$1.d/$2"
}
# the recorder: its environment (sorted) and stdin, in OUT/EVENT.TICKET
cat >"$T/rec" <<EOF
#!/bin/sh
f=$OUT/\$DESK_EVENT.\$DESK_TICKET
env | sort >"\$f.env.tmp"
cat >"\$f.in"
mv "\$f.env.tmp" "\$f.env"
echo "recorded \$DESK_EVENT of ticket \$DESK_TICKET"
EOF
for e in new-ticket reply assign status comment tag; do
	install_hook "$e" rec "$T/rec" || bail_out "install hook $e"
done
# a slow one: runs until OUT/release appears (at most 20 s)
cat >"$T/slow" <<EOF
#!/bin/sh
touch "$OUT/slow.\$DESK_TICKET.started"
i=0
while [ ! -e "$OUT/release" ] && [ \$i -lt 200 ]; do sleep 0.1; i=\$((i + 1)); done
touch "$OUT/slow.\$DESK_TICKET.done"
EOF
install_hook new-ticket slow "$T/slow" || bail_out "install slow"
store_conf timeout 30 || bail_out "store_conf timeout"
# env NAME FILE: the value of NAME in an env dump
env_of() { sed -n "s/^$1=//p" "$2"; }

milter_start || bail_out "maildesk-milter does not start"
pf_start milter || bail_out "postfix does not start"

# ------------------------------------------------- new ticket by SMTP
make_msg one "Ann Customer <ann@example.test>" one@example.test >/dev/null
check "a new ticket by SMTP is accepted" smtp_send "$T/one.eml"
check "new-ticket fired: the recorder of ticket 1 ran" wait_for rec test -s "$OUT/new-ticket.1.env"
E=$OUT/new-ticket.1.env
check_eq "facts: ticket, event, queue, status, owner, priority, requester, store" \
	"1 new-ticket support new  normal ann@example.test $STORE" \
	"$(for v in TICKET EVENT QUEUE STATUS OWNER PRIORITY REQUESTER STORE; do printf '%s ' "$(env_of DESK_$v "$E")"; done | sed 's/ $//')"
check_eq "a clean environment: PATH, LANG and DESK_* only (nothing of the milter's, no HOME, no MAILDESK_*)" \
	"DESK_ATTEMPT DESK_BY DESK_EVENT DESK_MESSAGE_ID DESK_OWNER DESK_PRIORITY DESK_QUEUE DESK_REQUESTER DESK_RUN DESK_STATUS DESK_STORE DESK_STORED_EVENT DESK_SUBJECT DESK_TICKET LANG PATH PWD" \
	"$(cut -d= -f1 "$E" | tr '\n' ' ' | sed 's/ $//')"
check "stdin is the stored message: its X-Desk-Ticket and body" \
	sh -c "grep -qx 'X-Desk-Ticket: 1' '$OUT/new-ticket.1.in' && grep -q 'needle-one' '$OUT/new-ticket.1.in'"

# -------------------------- a slow hook delays neither SMTP nor the index
check "the slow hook of ticket 1 is running" wait_for slow test -e "$OUT/slow.1.started"
make_msg two "Bo Customer <bo@example.test>" two@example.test >/dev/null
check "a second mail gets its 250 while the slow hook runs" smtp_send "$T/two.eml"
check "and is indexed while the slow hook runs" wait_msgid two@example.test
check_eq "the slow hook is still running (no done file), ticket 2's hooks not run yet" "running none" \
	"$([ -e "$OUT/slow.1.done" ] && echo done || echo running) $([ -e "$OUT/new-ticket.2.env" ] && echo ran || echo none)"
check_eq "desk hooks lists ticket 2's runs as pending" "2 2" \
	"$(D hooks | awk '$2 == 2 && $4 == "pending"' | wc -l) $(D hooks --format=json | python3 -c 'import json, sys; print(sum(1 for r in json.load(sys.stdin) if r["ticket"] == 2))')"
touch "$OUT/release"
check "released, ticket 2's new-ticket hooks run" wait_for rec2 test -s "$OUT/new-ticket.2.env"

# ----------------------------------------------------- hostile mail
HOSTILE="Help \$(touch $OUT/pwned1) \`touch $OUT/pwned2\` \"q\" 'q' ; touch $OUT/pwned3"
{
	printf 'From: Mallory <mallory@example.test>\nTo: support@helpdesk.test\n'
	printf 'Subject: %s =?utf-8?q?line1=0Aline2?=\n' "$HOSTILE"
	printf 'Message-ID: <evil@example.test>\nMIME-Version: 1.0\nContent-Type: text/plain\n\n'
	printf '$(touch %s/pwned4)\n`touch %s/pwned5`\n' "$OUT" "$OUT"
} >"$T/evil.eml"
check "hostile mail is accepted" smtp_send "$T/evil.eml"
check "its new-ticket hook ran" wait_for rec3 test -s "$OUT/new-ticket.3.env"
check_eq "nothing of it was run: no pwned file" "" "$(ls "$OUT" | grep pwned)"
check_eq "DESK_SUBJECT is the subject, literal, its newline a space, on one line" \
	"$HOSTILE line1 line2" "$(env_of DESK_SUBJECT "$OUT/new-ticket.3.env")"

# ------------------------------------------------- the requester replies
make_msg one-re "Ann Customer <ann@example.test>" one-re@example.test one@example.test "Re: Question one" >/dev/null
check "the requester's reply is accepted" smtp_send "$T/one-re.eml"
check "reply fired for ticket 1" wait_for reply test -s "$OUT/reply.1.env"
check_eq "reply: from outside, no agent, no event of ours" "reply  " \
	"$(env_of DESK_EVENT "$OUT/reply.1.env") $(env_of DESK_BY "$OUT/reply.1.env") $(env_of DESK_STORED_EVENT "$OUT/reply.1.env")"
check "reply's stdin is the reply" grep -q needle-one-re "$OUT/reply.1.in"
check "the milter logged each run's end in STORE/var/hooks.log" \
	sh -c "grep -q 'ticket 1 reply.d/rec attempt 1: exit 0; done' '$LOG' && grep -q '  | recorded reply of ticket 1' '$LOG'"
wait_for "journal empty" sh -c "[ -z \"\$(ls '$STORE/var/hooks')\" ]"
check_eq "nothing is pending: desk hooks prints nothing" "" "$(D hooks)"
milter_stop || diag "milter_stop: $?"

# ------------------------------------------------------------ verbs
store_conf timeout 3 || bail_out "store_conf timeout"
store_conf attempts 3 || bail_out "store_conf attempts"
check "desk assign 1 alice --as bob" D assign --as bob 1 alice
check "assign fired" wait_for assign test -s "$OUT/assign.1.env"
check_eq "assign: owner alice, by bob, stored event assign" "alice bob assign" \
	"$(env_of DESK_OWNER "$OUT/assign.1.env") $(env_of DESK_BY "$OUT/assign.1.env") $(env_of DESK_STORED_EVENT "$OUT/assign.1.env")"
check "desk status 1 pending" D status --as alice 1 pending
check "status fired" wait_for status test -s "$OUT/status.1.env"
check_eq "status: pending, by alice" "pending alice" \
	"$(env_of DESK_STATUS "$OUT/status.1.env") $(env_of DESK_BY "$OUT/status.1.env")"
check "desk comment 1" D comment --as alice -m 'A note: $(touch pwned6)' 1
check "comment fired, the note on stdin" wait_for comment grep -q 'A note' "$OUT/comment.1.in"
check "desk tag 1 +vip: an event with no name of its own list fires tag.d" D tag --as alice 1 +vip
check "tag fired" wait_for tag test -s "$OUT/tag.1.env"
wait_for "tag's run logged" grep -q 'tag.d/rec attempt 1: exit 0; done' "$LOG"
wait_for "journal empty" sh -c "[ -z \"\$(ls '$STORE/var/hooks')\" ]"

# ----------------------------------------- desk reindex fires nothing again
before=$(ls "$OUT" | wc -l)
lines=$(wc -l <"$LOG")
check "desk reindex" D reindex
check_eq "after reindex nothing is owed: no follow-up, no run recorded" "0 0" \
	"$(ls "$STORE/followup" | wc -l) $(ls "$STORE/var/hooks" | wc -l)"
check_eq "desk hooks run finds nothing to run" "" "$(D hooks run)"
# a change (no hooks for priority yet) runs the follow-ups: of its own event only
check "desk priority 2 high" D priority --as alice 2 high
D hooks run >/dev/null  # after whatever runner that may have started
check_eq "no hook ran again: same files, same log" "$before $lines" "$(ls "$OUT" | wc -l) $(wc -l <"$LOG")"

# ------------------------------------------------------ a hook that hangs
cat >"$T/hang" <<EOF
#!/bin/sh
sleep 300 &
echo "\$! \$\$" >"$OUT/hang.pids"
echo "hanging"
sleep 300
EOF
install_hook priority hang "$T/hang" || bail_out "install hang"
T0=$(date +%s)
check "desk priority 1 high" D priority --as alice 1 high
check "the hanging hook is killed at hooks.timeout (3 s) and logged" \
	wait_for hang grep -q 'priority.d/hang attempt 1: killed after 3 s (hooks.timeout); retry in 60 s' "$LOG"
# alive PID: a process that runs (a zombie waiting for init is gone)
alive() { local s; s=$(ps -o stat= -p "$1"); [ -n "$s" ] && [ "${s#Z}" = "$s" ]; }
gone() { local p; for p in $(cat "$OUT/hang.pids"); do alive "$p" && return 1; done; return 0; }
check "its process group went with it: neither its shell nor the sleep it left behind is alive" \
	sh -c "[ -s '$OUT/hang.pids' ]" && check "(both pids gone)" gone
HANG=$(D hooks --format=json | python3 -c 'import json, sys; print([r["id"] for r in json.load(sys.stdin) if r["hook"] == "hang"][0])')
check_eq "desk hooks: pending, one attempt, how it ended" "pending 1 killed after 3 s (hooks.timeout)" \
	"$(D hooks --format=json | python3 -c 'import json, sys; r = [r for r in json.load(sys.stdin) if r["hook"] == "hang"][0]; print(r["state"], r["attempts"], r["last"])')"
check_eq "desk hooks run before the backoff: nothing due, nothing run" "" "$(D hooks run)"
check_eq "after the minute (MAILDESK_NOW): the second run, killed, 5 min backoff" "1 run: 0 ok, 0 failed for good (STORE/var/hooks.log)" \
	"$(MAILDESK_NOW=$((T0 + 120)) D hooks run)"
check "the log says the next wait is 300 s" grep -q 'hang attempt 2: killed after 3 s (hooks.timeout); retry in 300 s' "$LOG"
check_eq "three minutes later: not due yet" "" "$(MAILDESK_NOW=$((T0 + 300)) D hooks run)"
check_eq "after the 5 min: the third run, the last of hooks.attempts = 3: failed" "1 run: 0 ok, 1 failed for good (STORE/var/hooks.log)" \
	"$(MAILDESK_NOW=$((T0 + 430)) D hooks run)"
check "desk hooks lists it failed" sh -c "'$DESK' --store '$STORE' hooks | grep '^$HANG' | grep -q ' failed '"
printf '#!/bin/sh\necho fixed\n' >"$T/fixed"
install_hook priority hang "$T/fixed" || bail_out "fix hang"
check_eq "desk hooks retry ID runs it again, now well" "1 run: 1 ok, 0 failed for good (STORE/var/hooks.log)" "$(D hooks retry "$HANG")"
check "and it is gone from the journal" sh -c "[ ! -e '$STORE/var/hooks/$HANG' ]"
check_eq "desk hooks retry of an unknown run: exit 66, nothing run" "66" \
	"$(D hooks retry 0123456789abcdef >/dev/null 2>&1; echo $?)"
check_eq "desk hooks run by another user than the owner: refused (exit 64)" "64" \
	"$("$DESK" --store "$STORE" hooks run >/dev/null 2>&1; echo $?)"
rm -f "$HOOKS/priority.d/hang"

# ----------------------- not executable, group-writable, another's, megabytes
printf '#!/bin/sh\ntouch %s/ran.$(basename $0)\n' "$OUT" >"$T/marker"
install_hook queue noexec "$T/marker" 0644 || bail_out "install noexec"
install_hook queue gw "$T/marker" 0775 || bail_out "install gw"
install_hook queue other "$T/marker" || bail_out "install other"
chown nobody "$HOOKS/queue.d/other"
printf '#!/bin/sh\nhead -c 5000000 /dev/zero | tr "\\\\0" x\necho\necho tail-of-output\n' >"$T/big"
install_hook queue big "$T/big" || bail_out "install big"
printf '#!/bin/sh\nexec yes endless\n' >"$T/yes"
install_hook queue yes "$T/yes" || bail_out "install yes"
size0=$(stat -c %s "$LOG")
check "desk queue 1 billing" D queue --as alice 1 billing
check "the five ran or were refused" wait_for five sh -c "[ \$(grep -c 'ticket 1 queue.d/' '$LOG') -ge 5 ]"
check "not executable: refused, says why and how to fix it, failed" \
	grep -q 'queue.d/noexec attempt 1: refused: .*noexec is not executable (mode 0644); fix: chmod +x .*; failed' "$LOG"
check "group-writable: refused with the fix, failed" \
	grep -q 'queue.d/gw attempt 1: refused: .*gw is writable by every member of group maildesk (mode 0775); fix: chmod go-w .*; failed' "$LOG"
check "another user's: refused with the fix, failed" \
	grep -q 'queue.d/other attempt 1: refused: .*other belongs to nobody, not to root or maildesk.*; failed' "$LOG"
check_eq "none of the three ran" "" "$(ls "$OUT" | grep '^ran\.')"
check_eq "desk hooks lists the three as failed" "3" "$(D hooks | grep -c ' failed ')"
check "megabytes of output: the run ends well, the output is cut and counted" \
	grep -q "^  (output cut: $((5000000 + 1 + 15 - 16384)) more bytes dropped)" "$LOG"
check "queue.d/big exit 0" grep -q 'queue.d/big attempt 1: exit 0; done' "$LOG"
check "output without end: killed at the timeout all the same, the output cut" \
	sh -c "grep -q 'queue.d/yes attempt 1: killed after 3 s (hooks.timeout); retry in 60 s' '$LOG' &&
		grep -A 3000 'queue.d/yes attempt 1' '$LOG' | grep -q '^  (output cut: [0-9]* more bytes dropped)'"
check "the log grew by the kept 16 KiB of each and their lines, not by megabytes" \
	test $(($(stat -c %s "$LOG") - size0)) -lt 60000
rm -f "$HOOKS"/queue.d/*

# --------------------------------------- the examples, against a local server
HPORT=$(free_port) || bail_out "no free port"
cat >"$T/server.py" <<'EOF'
import http.server, json, sys

class Recorder(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(sys.argv[2], "a") as f:
            f.write(json.dumps({"path": self.path, "auth": self.headers.get("Authorization", ""),
                                "type": self.headers.get("Content-Type", ""),
                                "json": json.loads(body)}) + "\n")
        self.send_response(201)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass

http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Recorder).serve_forever()
EOF
python3 "$T/server.py" "$HPORT" "$T/requests.jsonl" &
bg_track $!
wait_for "http server" python3 -c "import socket; socket.create_connection(('127.0.0.1', $HPORT))" ||
	bail_out "the HTTP server does not listen"
for h in webhook chat tracker; do
	install_hook status "$h" "$SRCDIR/hooks/events/$h" || bail_out "install $h"
done
printf 'url = http://127.0.0.1:%s/events\n' "$HPORT" >"$HOOKS/webhook.conf"
printf 'url = http://127.0.0.1:%s/chat\n' "$HPORT" >"$HOOKS/chat.conf"
printf 'url = http://127.0.0.1:%s/api/v1/repos/ops/desk/issues\ntoken = s3cr3t\n' "$HPORT" >"$HOOKS/tracker.conf"
chown maildesk:maildesk "$HOOKS"/*.conf && chmod 0600 "$HOOKS"/*.conf
check "desk status 3 open (the hostile ticket)" D status --as bob 3 open
check "three requests came" wait_for requests sh -c "[ \$(wc -l <'$T/requests.jsonl') -ge 3 ]"
req() { python3 -c 'import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["path"] == sys.argv[2]:
        print(eval(sys.argv[3]))' "$T/requests.jsonl" "$1" "$2"; }
check_eq "webhook: the event's facts as JSON" "status 3 open bob mallory@example.test application/json" \
	"$(req /events 'r["json"]["event"], r["json"]["ticket"], r["json"]["status"], r["json"]["by"], r["json"]["requester"], r["type"]' | tr -d "(),'")"
check_eq "webhook: the ticket's hostile subject, JSON-encoded, literal" "$HOSTILE line1 line2" \
	"$(req /events '" ".join(r["json"]["subject"].split())')"
check_eq "webhook: the text of the message on stdin, the event's line" "bob set status open" \
	"$(req /events 'r["json"]["text"].strip()')"
check_eq "chat: one line of text, markup escaped" \
	"Ticket #3 (support): status by bob, owner nobody, status open, priority normal: Help \$(touch $OUT/pwned1) \`touch $OUT/pwned2\` \"q\" 'q' ; touch $OUT/pwned3 line1 line2" \
	"$(req /chat 'r["json"]["text"]')"
check_eq "tracker: the token in the header, a title with the ticket" "token s3cr3t|[desk #3] Help" \
	"$(req /api/v1/repos/ops/desk/issues 'r["auth"] + "|" + r["json"]["title"][:14]')"
check "tracker: the facts in the body" grep -x -c -- "- requester: mallory@example.test" \
	<(req /api/v1/repos/ops/desk/issues 'r["json"]["body"]')
check_eq "still nothing of the mail was run" "" "$(ls "$OUT" | grep pwned)"
check "the examples' runs ended well" sh -c "[ \$(grep -c 'ticket 3 status.d/.* attempt 1: exit 0; done' '$LOG') -eq 4 ]"

test_done
