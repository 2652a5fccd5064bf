#!/usr/bin/env bash
# 0130-two-mx.sh: two machines' worth of Postfix. An edge MX (a private
# Postfix that stores nothing) relays the desk's addresses to the store
# host's Postfix, which runs maildesk-milter (milter_default_action =
# tempfail). A customer's MTA (a small sender here) hands the edge one
# numbered message every 0.4 s, 90 in all. While that load runs, the
# store host's Postfix is stopped for 10 s and started again; later the
# milter alone is stopped for 10 s (the store's Postfix answers 4xx) and
# started again. Nobody flushes a queue: only the edge's own retries
# (queue_run_delay 2 s, backoff 2 to 4 s) bring the mail over. Then:
#   - every message is one ticket, exactly once: 90 tickets, 90 files,
#     no Message-ID twice, every number 1..90 present;
#   - both queues are empty and neither Postfix bounced anything;
#   - the outages really happened to the mail: the edge deferred
#     messages in each (connection refused, then a 4xx of the store);
#   - order. Postfix promises no order: its queue manager delivers
#     concurrently, and a deferred message waits for its own retry time,
#     however old it is, while newer mail may pass. What is true, and
#     tested, with the order of arrival at the store taken from the
#     ticket numbers (the milter numbers tickets as it accepts them):
#       a. a message the edge relayed at its first attempt is overtaken
#          only by messages sent within 2 s after it (concurrent delivery),
#          never by later ones;
#       b. a message delayed by an outage reaches the store at most
#          2 x (maximal_backoff_time + queue_run_delay) + 5 s = 17 s
#          after that outage ended (a retry, or two when the first one
#          found the destination still marked unreachable), so no message
#          is overtaken by mail sent more than that after the outage;
#          all deferred mail arrives, with no manual step.
# Then a warm standby, as README.md's "Beyond one machine" says: its rsync
# command copies the store (caches left out), one message lands on the
# copy twice (in new/ and cur/, as a pass during indexing leaves it), and
# desk reindex on the copy gives the same tickets, the message once, and a
# ticket counter above the highest ticket.
. "$(dirname "$0")/lib.sh"

N=90
PACE=0.4
BOUND=17 # b. above: 2 x (4 s + 2 s) + 5 s

store_init "$T/store" || bail_out "desk init"
milter_start || bail_out "maildesk-milter does not start"
# the store host retries as fast as the edge (its queue is not the subject)
PF_EXTRA_MAIN_CF='queue_run_delay = 2s
minimal_backoff_time = 2s
maximal_backoff_time = 4s' pf_start milter || bail_out "the store's postfix does not start"
pf_edge_start "$PORT" || bail_out "the edge's postfix does not start"
diag "edge MX 127.0.0.1:$EDGE_PORT relays to the store's Postfix at 127.0.0.1:$PORT"

# --- the load: one message a session, from its own customer, every PACE s;
# a line "K EPOCH CODE TEXT" per message in $T/sent
python3 - "$EDGE_PORT" "$N" "$PACE" >"$T/sent" 2>"$T/sender.err" <<'EOF' &
import smtplib, sys, time
port, n, pace = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
start = time.time()
for k in range(1, n + 1):
    time.sleep(max(0.0, start + (k - 1) * pace - time.time()))
    msg = ("From: Customer %d <customer-%d@example.test>\r\n"
           "To: support@helpdesk.test\r\n"
           "Subject: Load %03d\r\n"
           "Message-ID: <load-%03d@example.test>\r\n"
           "Date: Wed, 02 Dec 2026 04:00:00 +0000\r\n"
           "\r\nMessage %d of the load.\r\n") % (k, k, k, k, k)
    try:
        s = smtplib.SMTP("127.0.0.1", port, local_hostname="client.example.test", timeout=30)
        code, text = s.mail("customer-%d@example.test" % k)
        if code < 400:
            code, text = s.rcpt("support@helpdesk.test")
        if code < 400:
            code, text = s.data(msg.encode())
        s.quit()
    except (OSError, smtplib.SMTPException) as e:
        code, text = 0, str(e).encode()
    print(k, "%.3f" % time.time(), code, text.decode(errors="replace"), flush=True)
EOF
sender=$!
bg_track "$sender"

now() { date +%s.%N; }
sleep 4
DOWN1=$(now)
check "phase 1: the store host's Postfix stops" pf_pause
sleep 10
check "and starts again after 10 s, on the same port" pf_resume
UP1=$(now)
sleep 4
DOWN2=$(now)
# (not through check: a subshell would lose MILTER_PID)
milter_stop
check_eq "phase 2: the milter alone stops (exit 0)" 0 "$?"
sleep 10
milter_start
check_eq "and starts again after 10 s" 0 "$?"
UP2=$(now)
wait "$sender"
check_eq "the sender is done" 0 "$?"
diag "$(awk -v d1="$DOWN1" -v u1="$UP1" -v d2="$DOWN2" -v u2="$UP2" 'NR == 1 { a = $2 } END {
	printf "outages: the store'"'"'s Postfix %.1f s, the milter %.1f s; load %.1f s", u1 - d1, u2 - d2, $2 - a }' "$T/sent")"
check_eq "the edge accepted every message at once (250)" "$N" "$(awk '$3 == 250' "$T/sent" | wc -l)"

# --- no manual step: the edge's own retries empty its queue
check "the edge's queue empties by itself (no flush)" wait_queue_empty 60 "$EDGE"
check "the store's queue is empty" wait_queue_empty 30
check "the store holds $N messages, all indexed" wait_indexed "$N" 30
# a redelivery (a 250 lost in a stopped Postfix) would be in the log
# before the indexer drops it: let the indexer finish with it
sleep 1

# --- the facts: one "KEY VALUE" line each, from the sender's log, the
# edge's log, the Maildir and desk list
"$DESK" --store "$STORE" list --status any --format=json >"$T/list.json" 2>"$T/list.err"
python3 - "$T/sent" "$EDGE/maillog" "$STORE/mail/cur" "$T/list.json" \
	"$N" "$BOUND" "$DOWN1" "$UP1" "$DOWN2" "$UP2" >"$T/facts" <<'EOF'
import email.parser, json, os, re, sys
sent_log, edge_log, cur, list_json = sys.argv[1:5]
n, bound = int(sys.argv[5]), float(sys.argv[6])
down1, up1, down2, up2 = map(float, sys.argv[7:11])

sent, qid_of = {}, {}
for line in open(sent_log):
    k, t, code, text = line.rstrip("\n").split(" ", 3)
    sent[int(k)] = float(t)
    m = re.search(r"queued as (\w+)", text)
    if m:
        qid_of[int(k)] = m.group(1)
k_of = {q: k for k, q in qid_of.items()}

# the edge's log: per queue id, its deferrals and its deliveries
deferred, delivered, refused, said4 = {}, {}, set(), set()
for line in open(edge_log, errors="replace"):
    m = re.search(r"postfix/\w+\[\d+\]: (\w+): to=<[^>]*>.* status=(\w+) \((.*)\)$", line)
    if not m or m.group(1) not in k_of:
        continue
    k, status, why = k_of[m.group(1)], m.group(2), m.group(3)
    if status == "deferred":
        deferred.setdefault(k, []).append(why)
        if "Connection refused" in why:
            refused.add(k)
        if re.search(r"said: 4\d\d", why):
            said4.add(k)
    elif status == "sent":
        delivered[k] = delivered.get(k, 0) + 1

# the store: ticket, Message-ID and time of delivery of each file
parser = email.parser.BytesHeaderParser()
ticket, stored_at, mids = {}, {}, []
for f in os.listdir(cur):
    with open(os.path.join(cur, f), "rb") as fh:
        h = parser.parse(fh)
    mid = (h.get("Message-ID") or "").strip()
    mids.append(mid)
    m = re.fullmatch(r"<load-(\d+)@example\.test>", mid)
    if m:
        k = int(m.group(1))
        ticket[k] = int(h.get("X-Desk-Ticket", "0").split()[0])
        stored_at[k] = int(f.split(".")[0])

tickets = json.load(open(list_json))
subjects = sorted(t["subject"] for t in tickets)

def out(key, value):
    print(key, value)

out("files", len(mids))
out("dup_mids", " ".join(sorted({m for m in mids if mids.count(m) > 1})) or "-")
out("missing", " ".join(str(k) for k in range(1, n + 1) if k not in ticket) or "-")
out("tickets", len(tickets))
out("ticket_subjects_ok", int(subjects == ["Load %03d" % k for k in range(1, n + 1)]))
out("one_message_each", int(all(t["messages"] == 1 for t in tickets)))
out("not_sent_once", " ".join(str(k) for k in range(1, n + 1) if delivered.get(k) != 1) or "-")
out("deferred_phase1", len([k for k in refused if sent[k] < down2]))
out("deferred_phase2", len([k for k in said4 if sent[k] >= up1]))

# a. undelayed messages: overtaken only by mail sent within 2 s after them
bad_a = []
for m in sent:
    if m in deferred or m not in ticket:
        continue
    for o in sent:
        if sent[o] > sent[m] + 2 and o in ticket and ticket[o] < ticket[m]:
            bad_a.append("%d(by %d)" % (m, o))
            break
out("overtaken_undelayed", " ".join(bad_a) or "-")

# b. delayed messages: stored at most BOUND s after their outage ended
late, worst = [], 0.0
for m in deferred:
    if m not in stored_at:
        continue
    end = up1 if sent[m] < down2 else up2
    lag = stored_at[m] - end
    worst = max(worst, lag)
    if lag > bound:
        late.append("%d(%.0fs)" % (m, lag))
out("late_delayed", " ".join(late) or "-")
out("worst_lag", "%.0f" % worst)
out("deferred_total", len(deferred))
EOF
fact() { awk -v k="$1" '$1 == k { sub(/^[^ ]+ /, ""); print }' "$T/facts"; }
diag "$(cat "$T/facts")"

check_eq "exactly $N tickets" "$N" "$(fact tickets)"
check_eq "one per message: subjects Load 001 .. Load $(printf %03d "$N"), once each" 1 "$(fact ticket_subjects_ok)"
check_eq "each ticket holds its one message" 1 "$(fact one_message_each)"
check_eq "exactly $N files in the Maildir" "$N" "$(fact files)"
check_eq "no Message-ID stored twice" - "$(fact dup_mids)"
check_eq "every number 1..$N is stored" - "$(fact missing)"
check_eq "the edge delivered each message once" - "$(fact not_sent_once)"
check "phase 1 deferred mail at the edge (connection refused)" test "$(fact deferred_phase1)" -gt 0
check "phase 2 deferred mail at the edge (4xx from the store's Postfix)" test "$(fact deferred_phase2)" -gt 0
check_eq "no message relayed at once is overtaken by one sent 2 s later" - "$(fact overtaken_undelayed)"
check_eq "every delayed message arrived within $BOUND s of its outage's end" - "$(fact late_delayed)"
check_eq "the edge bounced nothing" 0 "$(grep -c -e 'status=bounced' -e 'sender non-delivery notification' "$EDGE/maillog")"
check_eq "the store's Postfix bounced nothing" 0 "$(grep -c -e 'status=bounced' -e 'sender non-delivery notification' "$PF/maillog")"
check_eq "the milter logged no tempfail, no error, no indexer complaint" "" \
	"$(grep -E '^maildesk-milter\[[0-9]+\]: .*(tempfail|indexer:|error|failed)' "$T/milter.log" | head -n 5)"

# --- a warm standby, as the README's "Beyond one machine" says: its rsync
# command (the store host's paths made this test's), run while the milter
# is up; then, on the standby, desk reindex rebuilds what was left out
if ! command -v rsync >/dev/null; then
	skip "the warm standby" "rsync is not installed"
	test_done
fi
SB=$T/standby
mkdir -p "$SB" && chown maildesk:maildesk "$SB"
python3 - "$SRCDIR/README.md" "$STORE/" "$SB/" >"$T/rsync.sh" <<'EOF'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
i = next(i for i, l in enumerate(lines) if l.startswith("    rsync "))
cmd = []
while True:
    cmd.append(lines[i][4:])
    if not lines[i].endswith("\\"):
        break
    i += 1
cmd = "\n".join(cmd).replace("standby.example.com:/var/lib/maildesk/", sys.argv[3])
print(cmd.replace("/var/lib/maildesk/", sys.argv[2]))
EOF
diag "$(cat "$T/rsync.sh")"
check "the README's rsync copies the store" bash "$T/rsync.sh"
check "it leaves the caches out" test ! -e "$SB/mail/.notmuch" -a ! -e "$SB/ratelimit.sqlite"
check_eq "it keeps owners and modes, and the Maildir's tmp/" "maildesk:640 maildesk:2770" \
	"$(stat -c %U:%a "$SB/secret") $(stat -c %U:%a "$SB/mail/tmp")"
# a pass that caught a message in new/ and again in cur/ (the indexer moved
# it in between): the same message twice on the standby
one=$(find "$SB/mail/cur" -type f | head -n 1)
cp -p "$one" "$SB/mail/new/$(basename "${one%:2,*}")"
check "on the standby, desk reindex as the store's owner" as_maildesk "$DESK" --store "$SB" reindex
# summary STORE: every ticket as desk list gives it, one JSON line each
summary() {
	"$DESK" --store "$1" list --status any --format=json | python3 -c '
import json, sys
for t in sorted(json.load(sys.stdin), key=lambda t: t["ticket"]):
    print(json.dumps(t, sort_keys=True))'
}
summary "$STORE" >"$T/tickets.store"
summary "$SB" >"$T/tickets.standby"
check_eq "the store host lists its $N tickets" "$N" "$(wc -l <"$T/tickets.store")"
check "the standby lists the same tickets, in the same states" diff -u "$T/tickets.store" "$T/tickets.standby"
check_eq "the message copied twice is there once" "0 $N" "$(count_files "$SB/mail/new") $(count_files "$SB/mail/cur")"
high=$(desk_ids | sort -n | tail -n 1)
check "the standby's next ticket number is above the highest ($high)" test "$(read -r n _ <"$SB/seq"; echo $((10#$n)))" -gt "$high"

test_done
