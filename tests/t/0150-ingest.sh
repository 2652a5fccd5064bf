#!/usr/bin/env bash
# 0150-ingest.sh: desk ingest as an LDA and as an importer: the corpus byte
# for byte, duplicates, hostile input, an MTA's From_ line on top, a 50 MB
# message in bounded memory, exit 75 when the store can't take mail,
# reindex from the Maildir alone.
. "$(dirname "$0")/lib.sh"
need_corpus

STORE=$T/store
"$DESK" init --address support@helpdesk.test --address billing@helpdesk.test=billing "$STORE" >/dev/null
store_conf ack false  # acknowledgements: tests/t/0420-ack.sh
D() { "$DESK" --store "$STORE" "$@"; }

# --- the corpus through the LDA path, one message per process
n=0 fails=0
while IFS= read -r f; do
	n=$((n + 1))
	D ingest --envelope-to support@helpdesk.test <"$f" 2>>"$T/ingest.err" || fails=$((fails + 1))
done < <(find "$CORPUS/notmuch" -type f | sort)
check_eq "every corpus message ingested with exit 0 ($n)" 0 "$fails"
check "every corpus message is stored byte for byte below our headers" \
	python3 "$TESTS_T/check-stored.py" "$CORPUS/notmuch" "$STORE/mail"
check_eq "mail/new is empty: everything indexed" 0 "$(count_files "$STORE/mail/new")"
stored=$(count_files "$STORE/mail/cur")

# --- redelivery: same corpus again, as a Maildir import: no copy, no ticket
tickets=$(D list --status any --format ids | wc -l)
out=$(D ingest --maildir "$CORPUS/notmuch" 2>&1)
check_eq "a second import stores no copy" "$stored" "$(count_files "$STORE/mail/cur")"
check_eq "a second import makes no ticket" "$tickets" "$(D list --status any --format ids | wc -l)"
case $out in *" 0 stored, $n duplicates"*) ok "the import reports every message as a duplicate" ;;
*) not_ok "the import reports every message as a duplicate" "$out" ;; esac

# --- every ticket shows as valid UTF-8
bad=0
for t in $(D list --status any --format ids); do
	D show "$t" >"$T/show" 2>>"$T/show.err" || bad=$((bad + 1))
	iconv -f UTF-8 -t UTF-8 "$T/show" >/dev/null 2>&1 || bad=$((bad + 1))
done
check_eq "desk show of every ticket exits 0 with valid UTF-8" 0 "$bad"

# --- trace headers differ, content the same: still one copy
f=$CORPUS/notmuch/default/cur/41:2,
{ printf 'Received: from elsewhere by mx2 with ESMTP id X; Mon, 1 Jan 2024 00:00:00 +0000\n'; cat "$f"; } >"$T/again"
before=$(count_files "$STORE/mail/cur")
D ingest <"$T/again"
check_eq "a redelivery with other trace headers adds no copy" "$before" "$(count_files "$STORE/mail/cur")"

# --- a reused Message-ID with other content: kept whole, marked, and
# decided on its own merits (here: a new ticket), never a part of the
# ticket of the message whose id it took
id=$(grep -i -m1 '^message-id:' "$f" | sed 's/^[^<]*//')
orig_t=$(sed -n 's/^X-Desk-Ticket: //p' "$(grep -l -i -m1 "^message-id: *$id" "$STORE"/mail/cur/* | head -1)" | head -1)
printf 'From: mallory@evil.test\nTo: support@helpdesk.test\nSubject: hijack\nMessage-ID: %s\n\nI am not who you think.\n' "$id" >"$T/reuse"
D ingest <"$T/reuse"
hit=$(grep -l "I am not who you think" "$STORE"/mail/cur/* | head -1)
check "a reused Message-ID is kept" test -n "$hit"
check "it is marked X-Desk-Reused-Message-ID" grep -q "^X-Desk-Reused-Message-ID: $id" "$hit"
t=$(sed -n 's/^X-Desk-Ticket: //p' "$hit" | head -1)
tags=$(D show "$t" --format=json | python3 -c '
import json, sys
for m in json.load(sys.stdin)["messages"]:
    if "hijack" in m["subject"]: print(" ".join(m["tags"]))')
check "the reused message is not put into the ticket whose id it took" test "$t" != "$orig_t"
check_eq "it is a new ticket of its own" "new" "$(sed -n 's/^X-Desk-Match: //p' "$hit" | head -1)"
case " $tags " in *" reused "*) ok "the reused message is tagged reused" ;;
*) not_ok "the reused message is tagged reused" "tags: $tags" ;; esac

# --- forged X-Desk-* headers give no authority
first=$(D list --status any --format ids | tail -1)
printf 'X-Desk-Ticket: %s\nX-Desk-Match: token\nX-Desk-Queue: support\nX-Desk-Seal: aaaaaaaaaaaaaaaa\nX-Desk-Event: status\nX-Desk-Set: status=closed\nFrom: mallory@evil.test\nSubject: forged\nMessage-ID: <forged-1@evil.test>\n\nclose it\n' "$first" >"$T/forged"
D ingest <"$T/forged"
forged=$(grep -l '^Message-ID: <forged-1@evil.test>' "$STORE"/mail/cur/* | head -1)
check_eq "a forged X-Desk-Ticket is not the ticket: ours on top says new" "new" \
	"$(sed -n 's/^X-Desk-Match: //p' "$forged" | head -1)"
check_eq "a forged X-Desk-Set changes no status" "new" \
	"$(D show "$first" --format=json | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')"
cp "$T/forged" "$STORE/mail/new/1.forged.test"
sed -i 's/forged-1@/forged-2@/' "$STORE/mail/new/1.forged.test"
D ingest <"$CORPUS/notmuch/default/cur/41:2," # any run of the indexer takes mail/new
dropped=$(grep -l '^Message-ID: <forged-2@evil.test>' "$STORE"/mail/cur/* | head -1)
check "a file put into mail/new without the milter is decided anew" \
	test "$(sed -n 's/^X-Desk-Match: //p' "$dropped" | head -1)" = new

# --- classification: a bounce of our mail joins its ticket; auto, bulk
t=$(D list --status any --format ids | tail -1)
ourid=$(python3 - "$STORE/secret" "$t" <<-'PY'
import hmac, hashlib, sys
key = open(sys.argv[1], "rb").read()
b32 = "abcdefghijklmnopqrstuvwxyz234567"
rnd = "abcdefghijklmnop"
d = hmac.new(key, ("msgid2:%s.%s@helpdesk.test" % (sys.argv[2], rnd)).encode(), hashlib.sha256).digest()
print("%s.%s.%s@helpdesk.test" % (sys.argv[2], "".join(b32[x & 31] for x in d[:10]), rnd))
PY
)
printf '%s\n' "From: MAILER-DAEMON@mx.example.test (Mail Delivery System)" "To: support@helpdesk.test" \
	"Subject: Undelivered Mail Returned to Sender" "Message-ID: <bounce-1@mx.example.test>" "MIME-Version: 1.0" \
	"Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"" "" "--b" "Content-Type: text/plain" "" \
	"Your message could not be delivered." "--b" "Content-Type: message/delivery-status" "" \
	"Reporting-MTA: dns; mx.example.test" "" "Final-Recipient: rfc822; gone@example.test" "Action: failed" "Status: 5.1.1" \
	"--b" "Content-Type: text/rfc822-headers" "" "From: support@helpdesk.test" "To: gone@example.test" \
	"Subject: Re: your request" "Message-ID: <$ourid>" "--b--" >"$T/bounce"
D ingest <"$T/bounce"
b=$(grep -l '^Message-ID: <bounce-1@mx.example.test>' "$STORE"/mail/cur/* | head -1)
check_eq "a bounce of our mail joins the ticket whose mail bounced" "$t bounce" \
	"$(sed -n 's/^X-Desk-Ticket: //p' "$b" | head -1) $(sed -n 's/^X-Desk-Match: //p' "$b" | head -1)"
tags_of() { # tags_of MESSAGE-ID: the tags of the stored message
	local f t
	f=$(grep -l "^Message-ID: <$1>" "$STORE"/mail/cur/* | head -1)
	t=$(sed -n 's/^X-Desk-Ticket: //p' "$f" | head -1)
	D show "$t" --format=json | python3 -c '
import json, sys
for m in json.load(sys.stdin)["messages"]:
    if m["message_id"] == sys.argv[1]: print(" ".join(m["tags"]))' "$1"
}
case " $(tags_of bounce-1@mx.example.test) " in *" bounce "*) ok "it is tagged bounce" ;;
*) not_ok "it is tagged bounce" "$(tags_of bounce-1@mx.example.test)" ;; esac
printf 'From: ann@example.test\nTo: support@helpdesk.test\nSubject: Out of office\nAuto-Submitted: auto-replied\nMessage-ID: <ooo-1@example.test>\n\naway\n' | D ingest
printf 'From: news@list.example.test\nTo: support@helpdesk.test\nSubject: weekly digest\nList-Id: <news.list.example.test>\nMessage-ID: <bulk-1@example.test>\n\nnews\n' | D ingest
case " $(tags_of ooo-1@example.test) " in *" auto "*) ok "an auto-reply is tagged auto" ;;
*) not_ok "an auto-reply is tagged auto" "$(tags_of ooo-1@example.test)" ;; esac
case " $(tags_of bulk-1@example.test) " in *" bulk "*) ok "list mail is tagged bulk" ;;
*) not_ok "list mail is tagged bulk" "$(tags_of bulk-1@example.test)" ;; esac

# --- hostile input
printf 'From: a@x.test\nSubject: caf\xe9 \xff\xfe\nContent-Type: text/plain; charset=x-no-such-charset\n\nna\xefve bytes \xe9\n' >"$T/8bit"
printf 'From: b@x.test\nSubject: no separator\nthis line is the body\n' >"$T/nosep"
printf '' >"$T/empty"
printf 'From: c@x.test\nSubject: only headers\n' >"$T/headers"
for m in 8bit nosep empty headers; do
	if D ingest <"$T/$m"; then ok "ingest of the $m message"; else not_ok "ingest of the $m message"; fi
	last=$(D list --status any --format ids | head -1)
	D show "$last" >"$T/show" 2>&1
	check "show of the $m message is valid UTF-8" iconv -f UTF-8 -t UTF-8 "$T/show" -o /dev/null
done
D show "$(grep -l 'no separator' "$STORE"/mail/cur/* | xargs sed -n 's/^X-Desk-Ticket: //p' | head -1)" >"$T/show.nosep"
check "a missing separator keeps the body line" grep -q "this line is the body" "$T/show.nosep"
for t in $(D list --status any --format ids); do
	D show "$t" | grep -q "caf" && D show "$t" >"$T/show.8bit" && break
done
check "an 8-bit subject and unknown charset come out as UTF-8" grep -q "naïve bytes é" "$T/show.8bit"

# --- the mbox "From " line an MTA puts on top of what it pipes to a
# program (Sendmail's prog mailer, Postfix's local(8) to |command): no
# header, never stored; the message's own headers stay one block
printf 'From mta-envelope@x.test Wed Dec  2 03:33:13 2026\nFrom: d@x.test\nTo: support@helpdesk.test\nSubject: piped by an MTA\nMessage-ID: <fromline-1@x.test>\n\nthe body\n' >"$T/fromline"
D ingest --envelope-to support@helpdesk.test <"$T/fromline"
f=$(grep -l '^Message-ID: <fromline-1@x.test>' "$STORE"/mail/cur/* | head -1)
check "a message piped with a From_ line is stored under its Message-ID" test -n "$f"
check "the From_ line is not stored" eval "! grep -q '^From mta-envelope' '$f'"
t=$(sed -n 's/^X-Desk-Ticket: //p' "$f" | head -1)
check_eq "its ticket has its subject" "piped by an MTA" \
	"$(D show "$t" --format=json | python3 -c 'import json,sys; print(json.load(sys.stdin)["subject"])')"

# --- a 50 MB message (a 37 MiB attachment): stored whole, memory bounded
python3 - "$T/big" <<-'PY'
import base64, os, sys
with open(sys.argv[1], "w") as f:
    f.write("From: big@x.test\nSubject: big one\nMessage-ID: <big@x.test>\n"
            "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n"
            "--b\nContent-Type: text/plain\n\nthe logs are attached\n"
            "--b\nContent-Type: application/octet-stream; name=logs.bin\n"
            "Content-Transfer-Encoding: base64\n\n")
    chunk = os.urandom(57 * 1000)
    for _ in range(37 * 1024 * 1024 // len(chunk)):
        f.write(base64.encodebytes(chunk).decode())
    f.write("--b--\n")
PY
/usr/bin/time -f %M -o "$T/rss" "$DESK" --store "$STORE" ingest <"$T/big"
big=$(grep -l '^Message-ID: <big@x.test>' "$STORE"/mail/cur/* | head -1)
check "the 50 MB message is stored whole" cmp <(tail -c "$(stat -c %s "$T/big")" "$big") "$T/big"
# libnotmuch holds a message in memory while it indexes it (it parses from
# a gzip stream): that is the baseline; desk may add a few MiB, not the size.
mkdir -p "$T/nm/mail/cur"
cp "$T/big" "$T/nm/mail/cur/"
printf '[database]\npath=%s/nm/mail\n[new]\ntags=\n' "$T" >"$T/nm.cfg"
NOTMUCH_CONFIG=$T/nm.cfg /usr/bin/time -f %M -o "$T/rss.nm" notmuch new >/dev/null 2>&1
rss=$(cat "$T/rss") nm=$(cat "$T/rss.nm")
if [ -n "${MAILDESK_SANITIZERS:-}" ]; then
	skip "ingest memory of 50 MB vs notmuch new" "memory figures are not comparable under AddressSanitizer"
elif [ "$rss" -lt $((nm + 16384)) ]; then
	ok "ingest of 50 MB peaks at ${rss} KiB, notmuch new alone at ${nm} KiB (+ < 16 MiB)"
else
	not_ok "ingest of 50 MB peaks at ${rss} KiB, notmuch new alone at ${nm} KiB (+ < 16 MiB)"
fi
/usr/bin/time -f %M -o "$T/rss" "$DESK" --store "$STORE" show "$(sed -n 's/^X-Desk-Ticket: //p' "$big" | head -1)" >"$T/show.big"
check "show lists the 37 MiB attachment" grep -q "logs.bin (application/octet-stream" "$T/show.big"
rss=$(cat "$T/rss")
if [ -n "${MAILDESK_SANITIZERS:-}" ]; then
	skip "show memory of 50 MB" "memory figures are not comparable under AddressSanitizer"
elif [ "$rss" -lt 32768 ]; then ok "show of it peaks at ${rss} KiB (< 32 MiB)"
else not_ok "show of it peaks at ${rss} KiB (< 32 MiB)"; fi

# --- reindex: the same tickets and states from the Maildir alone
D list --status any --format=json >"$T/before.json"
D reindex >/dev/null
D list --status any --format=json >"$T/after.json"
check "reindex reproduces every ticket and its state" cmp "$T/before.json" "$T/after.json"

# --- a store that can't take mail: exit 75, nothing half-written
chmod 0555 "$STORE/mail/tmp"
if [ "$(id -u)" = 0 ]; then
	rc=$(setpriv --reuid=65534 --regid=65534 --clear-groups -- "$DESK" --store "$STORE" ingest <"$f" >/dev/null 2>&1; echo $?)
else
	rc=$(D ingest <"$f" >/dev/null 2>&1; echo $?)
fi
check_eq "an unwritable store answers 75 (EX_TEMPFAIL)" 75 "$rc"
chmod 2770 "$STORE/mail/tmp"
rc=$("$DESK" --store "$T/nowhere" ingest <"$f" >/dev/null 2>&1; echo $?)
check_eq "a missing store answers 75" 75 "$rc"

test_done
