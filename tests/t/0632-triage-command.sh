#!/bin/bash
# 0632-triage-command.sh: desk triage's optional external model ([triage]
# triage_command): a fake model, a real program run for real, that gets the
# ticket as JSON on stdin and answers good suggestions, names that do not
# exist (dropped and logged), garbage, nothing for too long (killed at
# command_timeout), too much (killed at 64 KiB), or fails; shown as the
# source "external" with its confidence, never applied (--apply applies
# the desk's own); refused when the configuration file is group-writable.
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
mail() { # SUBJECT BODY
	n=$((n + 1))
	printf 'From: c%s@customer.test\nTo: support@helpdesk.test\nSubject: %s\nMessage-ID: <x%s@customer.test>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n%s\n' \
		"$n" "$1" "$n" "$2" | D ingest --envelope-to support@helpdesk.test >/dev/null
}
mail "Zulu" "zulu kilo" && mail "Yankee" "yankee lima" || bail_out "mail"
D tag 2 +outage --as alice >/dev/null || bail_out "tag"
mail "Printer" "the printer says zulu again
> quoted line needle-quoted" || bail_out "mail 3"
D priority 3 high --as alice >/dev/null || bail_out "priority 3"

# 4: its JSON (the quotes escaped) is more than a pipe holds
mail "Quotes" "$(head -c 40000 /dev/zero | tr '\0' '"')" || bail_out "mail 4"

# The fake model: MODE in argv[1]; it keeps what it read in $T/stdin.json.
cat >"$T/model" <<EOF
#!/usr/bin/python3
import sys, time
if sys.argv[1] == "noread":
    print('{"queue": "tech", "confidence": 0.25}')
    sys.exit(0)
data = sys.stdin.read()
open("$T/stdin.json", "w").write(data)
mode = sys.argv[1]
if mode == "good":
    print('{"queue": "billing", "priority": "urgent", "tags": ["outage"], "confidence": 0.75}')
elif mode == "invalid":
    print('{"queue": "nosuchqueue", "priority": "blocker", "tags": ["outage", "made-up\\\\nline"], "confidence": 0.5}')
elif mode == "malformed":
    print('{"queue": "billing", "confidence": ')
elif mode == "wrongtype":
    print('{"queue": 7, "confidence": 0.5}')
elif mode == "slow":
    time.sleep(30)
elif mode == "huge":
    sys.stdout.write("x" * 1000000)
elif mode == "crash":
    sys.exit(3)
EOF
chmod 755 "$T/model"
model() { store_conf triage_command "$T/model $1"; }

# --- off by default: no external section
out=$(D triage 3)
case $out in *external*) not_ok "off by default" "$out" ;; *) ok "off by default: no external source" ;; esac
check_eq "off by default: JSON has no external member" "False" \
	"$(D triage 3 --format=json | python3 -c 'import json,sys; print("external" in json.load(sys.stdin))')"

# --- good answer, and what the model read
model good || bail_out "conf"
out=$(D triage 3 2>"$T/err")
check_eq "exit 0" 0 $?
exp='external:
  confidence     0.75
  queue          billing
  priority       urgent
  tags           outage'
case $out in *"$exp"*) ok "shown as the source external, with its confidence" ;; *) not_ok "shown as the source external" "$out" ;; esac
check_eq "the ticket on stdin: number, subject, own words, language, labels" \
	"3|Printer|the printer says zulu again|support|high|[]" \
	"$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print("|".join(str(x) for x in (j["number"], j["subject"], j["text"].strip(), j["queue"], j["priority"], j["tags"]))); assert "language" in j' "$T/stdin.json")"
check "the quoted line is not the requester's own words" sh -c "! grep -q needle-quoted '$T/stdin.json'"
check_eq "JSON: external member" "0.75 billing urgent ['outage'] []" \
	"$(D triage 3 --format=json | python3 -c 'import json,sys; x=json.load(sys.stdin)["external"]; print(x["confidence"], x["queue"], x["priority"], x["tags"], x["dropped"])')"
# --apply applies the desk's own suggestions only: the external queue billing is not applied
D triage 3 --apply --as alice >/dev/null 2>&1
check_eq "--apply never applies the external model's queue" "support" \
	"$(D show 3 --format=json | python3 -c 'import json,sys; print(json.load(sys.stdin)["queue"])')"
check_eq "nothing was mailed by it" 0 "$(find "$T/outbox" -name '*.eml' 2>/dev/null | wc -l)"

# --- a model that answers without reading what it was given
model noread || bail_out "conf"
out=$(D triage 4 2>"$T/err")
check_eq "a model that does not read its input: desk triage still answers" 0 $?
case $out in *"confidence     0.25"*"queue          tech"*) ok "and its answer is shown" ;; *) not_ok "and its answer is shown" "$out" ;; esac

# --- names that do not exist: dropped and logged
model invalid || bail_out "conf"
out=$(D triage 3 2>"$T/err")
case $out in *"queue          -"*"priority       -"*"tags           outage"*) ok "unknown queue and priority dropped, the known tag kept" ;;
*) not_ok "unknown names dropped" "$out" ;; esac
check_eq "each drop is said" 3 "$(printf '%s\n' "$out" | grep -c '^  dropped ')"
check "the queue drop names it" grep -q "dropped queue 'nosuchqueue': no such queue" "$T/err"
check "the priority drop is logged" grep -q "dropped priority 'blocker'" "$T/err"
check "the made-up tag drop is logged, on one line" grep -q "dropped tag 'made-up?line': nobody ever set it" "$T/err"

# --- bad programs: each said, nothing else changes
for m in malformed wrongtype slow huge crash; do
	model "$m" || bail_out "conf"
	store_conf command_timeout 2 || bail_out "timeout"
	start=$(date +%s)
	out=$(D triage 3 2>"$T/err")
	rc=$?
	took=$(( $(date +%s) - start ))
	check_eq "$m: desk triage still answers (exit 0)" 0 $rc
	case $out in *"Suggested: "*"external:"*"(not used: "*) ok "$m: the external source says it was not used" ;;
	*) not_ok "$m: the external source says it was not used" "$out" ;; esac
	case $m in
	malformed) check "malformed: not JSON, said" grep -q "its output is not JSON" "$T/err" ;;
	wrongtype) check "wrong types: said" grep -q 'its output is not {"queue"' "$T/err" ;;
	slow) check "slow: killed at the timeout" grep -q "no answer within 2 s" "$T/err"
	      check "slow: it did not wait 30 s" test "$took" -lt 20 ;;
	huge) check "huge: killed at 64 KiB" grep -q "more than 65536 bytes of output" "$T/err" ;;
	crash) check "crash: its status" grep -q "exited with status 3" "$T/err" ;;
	esac
done
check "no model process is left" sh -c "! pgrep -f '^/usr/bin/python3 $T/model' >/dev/null"

# --- a group-writable configuration names no program that runs
model good || bail_out "conf"
rm -f "$T/stdin.json"
chmod g+w "$STORE/maildesk.conf"
out=$(D triage 3 2>"$T/err")
case $out in *"(not used: will not run the triage command: triage.triage_command of "*"writable by every member of group"*) ok "group-writable config: refused, and why" ;;
*) not_ok "group-writable config: refused" "$out" ;; esac
check "the program did not run" test ! -e "$T/stdin.json"
chmod g-w "$STORE/maildesk.conf"
test_done
