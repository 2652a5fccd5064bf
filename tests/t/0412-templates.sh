#!/usr/bin/env bash
# 0412-templates.sh: templates are discoverable: desk templates lists the
# shipped ones (ack, close, reply and the waiting one the README uses) with
# their header commands and files, --dirs the search path in order, a
# template of STORE/templates overrides an installed one; on a fresh store
# the README's `desk reply 42 --template waiting` works as written, and the
# template's commands are echoed in the verb's one-line result.
. "$(dirname "$0")/lib.sh"

STORE=$T/store
"$DESK" init --address support@helpdesk.test "$STORE" >/dev/null || bail_out "desk init"
store_conf ack false || bail_out "store_conf"
D() { "$DESK" --store "$STORE" "$@"; }
OUT=$T/out
mkdir -p "$OUT"
# no MAILDESK_TEMPLATES_DIR: the templates a fresh store finds by itself
unset MAILDESK_TEMPLATES_DIR VISUAL
export MAILDESK_SENDMAIL="$TESTS_T/sendmail-capture" CAPTURE_DIR=$OUT MAILDESK_AGENT=alice
D agent add alice alice@helpdesk.test --name Alice >/dev/null || bail_out "agent add"

# --- desk templates: name, commands, file
out=$(D templates 2>&1)
check_eq "desk templates: exit 0" 0 $?
for t in ack close reply waiting; do
	case $out in *"$t "*"/$t.txt"*) ok "it lists $t with its file" ;; *) not_ok "it lists $t with its file" "$out" ;; esac
done
check_eq "waiting: its command Status: pending" 1 "$(printf '%s\n' "$out" | grep -c '^waiting  *Status: pending  *')"
check_eq "close: its command Status: solved" 1 "$(printf '%s\n' "$out" | grep -c '^close  *Status: solved  *')"
check_eq "reply: no command (-)" 1 "$(printf '%s\n' "$out" | grep -c '^reply  *-  *')"
dirs=$(D templates --dirs)
check_eq "--dirs: STORE/templates first" "$STORE/templates" "$(printf '%s\n' "$dirs" | head -1)"
check "--dirs: the installed templates are in the search path" sh -c "printf '%s\n' '$dirs' | grep -qx '.*/share/maildesk/templates'"
check "desk templates waiting prints its text" sh -c "'$DESK' --store '$STORE' templates waiting | grep -q '^Status: pending\$'"
out=$(D templates nosuch 2>&1)
check_eq "an unknown template: 66" 66 $?
case $out in *"no template 'nosuch'"*"$STORE/templates"*) ok "naming where it looked" ;; *) not_ok "naming where it looked" "$out" ;; esac

# --- a template of the store overrides the installed one
printf 'Status: on-hold\nTag: +ours-now\n\nHello ${requester_name}, we hold it.\n' >"$STORE/templates/waiting.txt"
out=$(D templates)
check_eq "the store's waiting.txt is the one used" 1 \
	"$(printf '%s\n' "$out" | grep -c "^waiting  *Status: on-hold; Tag: +ours-now  *$STORE/templates/waiting.txt")"
check_eq "the installed one is not listed as used" 1 "$(printf '%s\n' "$out" | grep -c '^waiting ')"
check "--all lists it too, marked not used" sh -c "'$DESK' --store '$STORE' templates --all | grep -q '^waiting .*waiting.txt (not used'"
rm "$STORE/templates/waiting.txt"

# --- the README's line on a fresh store, and the commands echoed
printf 'From: Rita <rita@customer.test>\nTo: support@helpdesk.test\nSubject: Printer\nMessage-ID: <tp1@customer.test>\n\nHelp.\n' |
	D ingest --envelope-to support@helpdesk.test || bail_out "ingest"
D show 1 >/dev/null
out=$(D reply 1 --template waiting 2>&1)
check_eq "desk reply 1 --template waiting: exit 0" 0 $?
case $out in "1: reply sent to rita@customer.test <"*">; template waiting: status pending") ok "its line ends with what the template did" ;;
*) not_ok "its line ends with what the template did" "$out" ;; esac
check_eq "the ticket is pending" pending "$(D list --status any --format=json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["status"])')"
check "the mail is the waiting text" grep -q "we need an" "$OUT/1.eml"
D status 1 open >/dev/null
printf 'Tag: +asked\nPriority: high\n\nHello, a question.\n' >"$STORE/templates/ask.txt"
out=$(D reply 1 --template ask --force 2>&1)
case $out in *"; template ask: tag +asked, priority high") ok "tags and priority are echoed too" ;; *) not_ok "tags and priority are echoed too" "$out" ;; esac
out=$(D close 1 --template close --force 2>&1)
check_eq "desk close 1 --template close: exit 0" 0 $?
case $out in *"; template close: status solved") ok "close --template echoes status solved" ;; *) not_ok "close --template echoes status solved" "$out" ;; esac
out=$(D reply 1 -m "Plain." --force 2>&1)
case $out in *template*|*status*) not_ok "a reply without a template echoes nothing more" "$out" ;; *) ok "a reply without a template echoes nothing more" ;; esac

test_done
