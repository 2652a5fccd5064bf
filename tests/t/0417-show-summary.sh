#!/usr/bin/env bash
# 0417-show-summary.sh: desk show N --summary (issue 16): a history played
# with MAILDESK_NOW (mail by desk ingest, answers and changes by the verbs);
# the summary's lines against ones written here by hand; every sentence of
# the JSON a run of the text of the message it cites (no sentence the mail
# does not hold); quoted text and signatures never quoted; text and JSON.
. "$(dirname "$0")/lib.sh"

STORE=$T/store
"$DESK" init --address support@helpdesk.test "$STORE" >/dev/null || bail_out "desk init"
store_conf ack false || bail_out "store_conf"
D() { "$DESK" --store "$STORE" "$@"; }
export MAILDESK_SENDMAIL="$TESTS_T/sendmail-capture" CAPTURE_DIR=$T/out TZ=UTC
mkdir -p "$T/out"
unset MAILDESK_AGENT
D agent add alice alice@helpdesk.test >/dev/null || bail_out "agent add"
D agent add bob bob@helpdesk.test >/dev/null || bail_out "agent add"
at() { local w=$1; shift; MAILDESK_NOW=$w D "$@" >/dev/null 2>"$T/at.err" || { cat "$T/at.err" >&2; return 1; }; }
# mail WHEN FROM MSGID SUBJECT IN-REPLY-TO BODY-FILE
mail() {
	{
		printf 'From: %s\nTo: support@helpdesk.test\nSubject: %s\nMessage-ID: <%s>\n' "$2" "$4" "$3"
		printf 'Date: %s\n' "$(date -u -R -d "$1")"
		[ -n "$5" ] && printf 'In-Reply-To: <%s>\nReferences: <%s>\n' "$5" "$5"
		printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n'
		cat "$6"
	} | MAILDESK_NOW=$1 D ingest --envelope-to support@helpdesk.test
}

# --- ticket 1: Ann asks, Alice answers and waits, Ann asks again (quoting
# Alice), Bob answers, Bob solves
cat >"$T/m1" <<'M'
Hello,

I was charged twice for order 123-45678. My card shows $20.00 two times! Can you refund the second payment? Also, is my account safe?

Thanks,
Ann
-- 
Ann Smith
Acme Ltd
Is this a question? No, a signature.
M
cat >"$T/m3" <<'M'
Hi,

The refund has not arrived yet. Could you check it again?
Und bitte schicken Sie mir eine Rechnung, z.B. als PDF?

On Mon, 2 Nov 2026 at 11:00, Alice <support@helpdesk.test> wrote:
> Thank you for your message. Did you get it?
M
mail 2026-11-02T09:00:00Z "Ann Smith <ann@customer.test>" s1@c "Charged twice" "" "$T/m1" || bail_out "mail 1"
at 2026-11-02T10:00:00Z take 1 --as alice || bail_out "take"
at 2026-11-02T10:01:00Z priority 1 high --as alice || bail_out "priority"
at 2026-11-02T11:00:00Z reply 1 --as alice --force -m "Thank you for your message. I have refunded the second payment. Did you get it?" ||
	bail_out "reply 1"
at 2026-11-02T12:00:00Z status 1 pending --as alice || bail_out "pending"
mail 2026-11-03T09:00:00Z "Ann Smith <ann@customer.test>" s3@c "Re: Charged twice" s1@c "$T/m3" || bail_out "mail 3"
at 2026-11-03T10:00:00Z reply 1 --as bob --force -m "Sorry, the bank needs 3 days. The invoice is attached to your account." ||
	bail_out "reply 2"
at 2026-11-04T08:00:00Z close 1 --as bob || bail_out "close"

cat >"$T/want1" <<'W'
Summary of #1: Charged twice (solved)
Each line is a sentence of message [N] of desk show 1, as written.

First asked:
  [1] I was charged twice for order 123-45678.
  [1] Can you refund the second payment?

Last asked (message 3, answered since):
  [3] Could you check it again?
  [3] Und bitte schicken Sie mir eine Rechnung, z.B. als PDF?

Answered:
  [2] 2026-11-02T11:00:00Z alice: Thank you for your message.
  [4] 2026-11-03T10:00:00Z bob: Sorry, the bank needs 3 days.

Status changes:
  2026-11-02T12:00:00Z alice set status pending
  2026-11-04T08:00:00Z bob set status solved
W
D show 1 --summary >"$T/got1" 2>"$T/err1"
check_eq "desk show --summary exits 0" 0 $?
check "ticket 1: the summary, line by line as written by hand" diff -u "$T/want1" "$T/got1"
check "the summary is not the ticket shown whole (no quoted mail, no signature)" \
	sh -c "! grep -q -e 'Did you get it' -e 'Acme' -e 'a signature' '$T/got1'"

# every sentence of the JSON is a run of the text of the message it cites
D show 1 --format=json >"$T/show1.json"
D show 1 --summary --format=json >"$T/sum1.json"
check_eq "--format=json: each sentence is in the text of its message" "ok 2 2 2 2" "$(python3 - "$T/show1.json" "$T/sum1.json" <<'PY'
import json, sys
show = json.load(open(sys.argv[1])); s = json.load(open(sys.argv[2]))
text = {m["number"]: m["text"] for m in show["messages"] if m["number"] is not None}
events = [m["text"].split("\n")[0] for m in show["messages"] if m["number"] is None]
bad = [l["text"] for k in ("first", "last", "answers") for l in s[k] if l["text"] not in text[l["message"]]]
bad += [l["text"] for l in s["status_changes"] if l["text"] not in events]
print("ok" if not bad else "bad: %r" % bad, len(s["first"]), len(s["last"]), len(s["answers"]), len(s["status_changes"]))
PY
)"
check_eq "--format=json: questions flagged, who answered, the statuses, the last message" \
	"False True | 3 True | alice bob | pending solved" "$(python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
print(" ".join(str(l["question"]) for l in s["first"]), "|", s["last_message"], s["answered"], "|",
      " ".join(l["by"] for l in s["answers"]), "|", " ".join(l["status"] for l in s["status_changes"]))' "$T/sum1.json")"

# --- ticket 2: French, a phone's signature, never answered
cat >"$T/m4" <<'M'
Bonjour,

Mon colis n'est toujours pas arrivé. Où est ma commande ? Merci d'avance !

Envoyé de mon iPhone
M
mail 2026-11-05T09:00:00Z "Léa Martin <lea@client.test>" s4@c "Colis" "" "$T/m4" || bail_out "mail 4"
cat >"$T/want2" <<'W'
Summary of #2: Colis (new)
Each line is a sentence of message [N] of desk show 2, as written.

First asked:
  [1] Mon colis n'est toujours pas arrivé.
  [1] Où est ma commande ?

Last asked (message 1, no answer since):
  [1] Où est ma commande ?

Answered: nobody yet

Status changes: none
W
D show 2 --summary >"$T/got2"
check "ticket 2 (French, unanswered): as written by hand" diff -u "$T/want2" "$T/got2"

# Léa answers in one word and a closing: that word is what she said last
printf 'Merci !\n\nBien à vous,\nLéa\n' >"$T/m4b"
mail 2026-11-05T10:00:00Z "Léa Martin <lea@client.test>" s4b@c "Re: Colis" s4@c "$T/m4b" || bail_out "mail 4b"
out=$(D show 2 --summary)
case $out in *"Last said (message 2, no answer since):
  [2] Merci !"*) ok "a message of one word and a closing: the word, not the closing" ;;
*) not_ok "a message of one word and a closing: the word, not the closing" "$out" ;; esac
case $out in *"Bien à vous"* | *"  [2] Léa"*) not_ok "the closing and the name are not quoted" "$out" ;;
*) ok "the closing and the name are not quoted" ;; esac

# --- ticket 3: nothing but quoted text
printf '> an old question?\n> another\n' >"$T/m5"
mail 2026-11-06T09:00:00Z "Old <old@client.test>" s5@c "Fwd" "" "$T/m5" || bail_out "mail 5"
out=$(D show 3 --summary)
case $out in *"First asked: nothing (no text from the requester)"*) ok "only quoted text: nothing is asked" ;;
*) not_ok "only quoted text: nothing is asked" "$out" ;; esac
case $out in *"old question"*) not_ok "a quoted question is never summarised" "$out" ;;
*) ok "a quoted question is never summarised" ;; esac

# --- ticket 4: 1 MB of text in one message: the first sentences read, in bounded time
python3 -c 'import sys; sys.stdout.write("".join("This is sentence number %d of a long mail. " % i for i in range(1, 25000)) + "\nIs anyone reading this?\n")' >"$T/m6"
mail 2026-11-07T09:00:00Z "Long <long@client.test>" s6@c "Long" "" "$T/m6" || bail_out "mail 6"
out=$(D show 4 --summary 2>&1)
check_eq "1 MB of text: the summary exits 0" 0 $?
case $out in *"[1] This is sentence number 1 of a long mail."*) ok "1 MB of text: its first statement" ;;
*) not_ok "1 MB of text: its first statement" "$(printf '%s\n' "$out" | head -8)" ;; esac

# --- bad use
D show 1 --summary --format=raw >/dev/null 2>"$T/err"
check_eq "--summary with --format=raw is refused (64)" 64 $?
D show 99 --summary >/dev/null 2>&1
check "no such ticket: an error" test $? -ne 0
D show --help | grep -q -- '--summary' && ok "--help names --summary" || not_ok "--help names --summary"
test_done
