#!/usr/bin/env bash
# 0165-reseal.sh: a store written by a maildesk before seals of version 2
# (maildesk-security(7)): its blocks carry seals of version 1, which
# desk reindex no longer believes (it would thread the events as mail
# from outside); desk reseal gives each file whose old seal verifies a
# seal of version 2, with what the old one vouched for, and then desk
# reindex gives back every ticket's state. The old files are made here
# from a store of today: the block's seal replaced by the version 1 HMAC
# (16 base32 characters over ticket, match, queue, event and set).
. "$(dirname "$0")/lib.sh"

STORE=$T/store
"$DESK" init --address support@helpdesk.test "$STORE" >/dev/null || bail_out "desk init"
D() { "$DESK" --store "$STORE" "$@"; }
sed -i -E 's/^#?ack = .*/ack = false/' "$STORE/maildesk.conf"
D agent add alice alice@helpdesk.test >/dev/null
for i in 1 2; do
	printf 'From: C%s <c%s@customer.test>\nTo: support@helpdesk.test\nSubject: Question %s\nMessage-ID: <q%s@customer.test>\nDate: Tue, 17 Nov 2009 22:0%s:00 +0600\n\nhelp %s\n' \
		"$i" "$i" "$i" "$i" "$i" "$i" | D ingest --envelope-to support@helpdesk.test >/dev/null
done
D take 1 --as alice >/dev/null
D priority 1 urgent --as alice >/dev/null
D tag 1 +vip --as alice >/dev/null
D status 2 pending --as alice >/dev/null
state() { D list --status any --format=json | python3 -c 'import json, sys
print(";".join("%s %s %s %s %s" % (t["ticket"], t["status"], t["owner"] or "-", t["priority"], ",".join(t["tags"]) or "-")
	for t in sorted(json.load(sys.stdin), key=lambda t: t["ticket"])))'; }
want=$(state)
check_eq "the store before: ticket 1 alice's, urgent, vip; 2 pending" \
	"1 open alice urgent vip;2 pending - normal -" "$want"

# make every file's block a block of version 1
python3 - "$STORE" <<'PY' || bail_out "could not write version 1 seals"
import hashlib, hmac, os, re, sys
store = sys.argv[1]
key = open(os.path.join(store, "secret"), "rb").read()
b32 = "abcdefghijklmnopqrstuvwxyz234567"
def v1(t, match, queue, event, set_):
    msg = "seal:%s\n%s\n%s\n%s\n%s" % (t, match, queue, event or "", set_ or "")
    d = hmac.new(key, msg.encode(), hashlib.sha256).digest()
    return "".join(b32[x & 31] for x in d[:16])
cur = os.path.join(store, "mail", "cur")
for name in os.listdir(cur):
    p = os.path.join(cur, name)
    data = open(p, "rb").read().decode("utf-8", "surrogateescape")
    head, sep, body = data.partition("\n\n")
    h = {}
    lines = re.split(r"\n(?![ \t])", head)
    for l in lines:
        k, _, v = l.partition(":")
        if k.lower().startswith("x-desk-") and k.lower() not in h:
            h[k.lower()] = " ".join(v.split())
        if k.lower() == "x-desk-seal":
            break
    seal = v1(h["x-desk-ticket"], h["x-desk-match"], h["x-desk-queue"], h.get("x-desk-event"), h.get("x-desk-set"))
    lines = [("X-Desk-Seal: " + seal) if l.lower().startswith("x-desk-seal:") else l for l in lines]
    open(p, "wb").write(("\n".join(lines) + sep + body).encode("utf-8", "surrogateescape"))
PY
check "the files now carry seals of version 1" sh -c "grep -h '^X-Desk-Seal: ' '$STORE'/mail/cur/* | grep -qv '^X-Desk-Seal: 2-'"
cp -a "$STORE" "$T/copy"
check "desk reindex of the old store runs" D reindex
check "but believes no old seal: the state is gone" test "$(state)" != "$want"

rm -rf "$STORE" && mv "$T/copy" "$STORE"
check_eq "desk reseal --dry-run counts and changes nothing" "would reseal 6, already current 0, left unsealed 0" \
	"$(D reseal --dry-run | head -1 | sed 's/ (.*//')"
check "nothing was written" sh -c "! grep -q '^X-Desk-Seal: 2-' '$STORE'/mail/cur/*"
out=$(D reseal)
check_eq "desk reseal reseals every file" "resealed 6, already current 0, left unsealed 0" "$(printf '%s\n' "$out" | head -1 | sed 's/ (.*//')"
check "and says to reindex" sh -c "printf '%s\n' '$out' | grep -q 'now run: desk reindex'"
check_eq "every file has a seal of version 2" 0 "$(grep -h '^X-Desk-Seal: ' "$STORE"/mail/cur/* | grep -cv '^X-Desk-Seal: 2-')"
check "desk reindex" D reindex
check_eq "the state is back" "$want" "$(state)"
check_eq "a second desk reseal finds nothing to do" "resealed 0, already current 6, left unsealed 0" \
	"$(D reseal | head -1 | sed 's/ (.*//')"
test_done
