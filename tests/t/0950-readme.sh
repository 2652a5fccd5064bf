#!/usr/bin/env bash
# 0950-readme.sh: the README's examples run as written. Every command line
# of README.md's indented code blocks that starts with `desk ` (and the
# `git` and `cat` lines of the knowledge base example, a here-document
# with its text) runs in order, in one shell, on a fresh store that the
# README's own `desk init` makes and that holds real mail (the notmuch
# corpus, through desk ingest); each must exit 0, as the README says of
# them (pipelines with pipefail, and each command of a `;` list).
#
# What the test supplies, and why:
#   - /var/lib/maildesk, the README's store, is a directory of the test
#     (and $MAILDESK_STORE, as the README says to set it), $HOME too;
#   - MAILDESK_AGENT=alice, the README's "export MAILDESK_AGENT=alice";
#   - the files the examples name: old-desk.mbox, ~/Maildir/support,
#     changelog.txt; the mail they look for: ticket 42, Bob's "Invoice
#     2211" with its attachments, and mail from noc@example.org (its
#     list | close - line);
#   - $EDITOR, a script that writes the reply (`desk reply 42`), and a
#     terminal for it (script(1));
#   - sendmail(1): the test's capture script; git's author: the test's;
#   - 1a2b3c4, the README's stand-in for a commit id, is the real one;
#   - MAILDESK_TEMPLATES_DIR: the templates of the source tree, standing
#     for the installed ones (the build may be outside the source).
# Skipped: `desk unix - n n - - pipe ...` is a line of Postfix's master.cf
# (a service named desk), not a command.
. "$(dirname "$0")/lib.sh"

command -v script >/dev/null || {
	skip "README examples" "script(1) is not installed (bsdutils)"
	test_done
}
STORE=$T/var/lib/maildesk
WORK=$T/work
export HOME=$T/home
mkdir -p "$WORK" "$HOME/Maildir/support"/{cur,new,tmp} "$T/var/lib"
export MAILDESK_STORE=$STORE MAILDESK_AGENT=alice TERM=dumb
export MAILDESK_SENDMAIL="$TESTS_T/sendmail-capture" CAPTURE_DIR=$T/outbox
export MAILDESK_TEMPLATES_DIR=$SRCDIR/templates
export GIT_AUTHOR_NAME="Ann Author" GIT_AUTHOR_EMAIL=ann@example.com
export GIT_COMMITTER_NAME="Ann Author" GIT_COMMITTER_EMAIL=ann@example.com
unset VISUAL
mkdir -p "$T/bin"
ln -s "$DESK" "$T/bin/desk"
export PATH="$T/bin:$PATH"
[ -d "$CORPUS/notmuch/default" ] && [ -d "$CORPUS/notmuch/lkml" ] || bail_out "no corpus at $CORPUS/notmuch"

# --- the commands, in order: "N<TAB>first line" (here-documents whole)
python3 - "$SRCDIR/README.md" >"$T/commands" <<'EOF'
import json, re, sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
out, i, prev_blank, in_block = [], 0, True, False
while i < len(lines):
    l = lines[i]
    if l.startswith("    ") and (prev_blank or in_block):
        in_block = True
        s = l[4:].strip()
        if s.startswith("desk ") or s.startswith("git ") or s.startswith("cat "):
            cmd = [l[4:].strip()]
            m = re.search(r"<<'?(\w+)'?", s)
            if m:  # a here-document: its text up to the end word
                while i + 1 < len(lines):
                    i += 1
                    cmd.append(lines[i][4:] if lines[i].startswith("    ") else lines[i])
                    if cmd[-1] == m.group(1):
                        break
            out.append({"line": i + 1 - (len(cmd) - 1), "cmd": "\n".join(cmd)})
    elif l.strip() != "" or not in_block:
        in_block = False
    prev_blank = l.strip() == ""
    i += 1
json.dump(out, sys.stdout)
EOF
n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T/commands")
check_eq "the README has its examples (more than 35 command lines)" 1 "$([ "$n" -gt 35 ] && echo 1 || echo 0)"
first=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["cmd"])' "$T/commands")
case $first in "desk init "*) ok "the first is desk init" ;; *) not_ok "the first is desk init" "$first" ;; esac

# --- what the examples name
cat >"$T/editor" <<'EOF'
#!/bin/sh
printf 'Fixed in 2.1, see the changelog.\n' | cat - "$1" >"$1.new" && mv "$1.new" "$1"
EOF
chmod +x "$T/editor"
export EDITOR=$T/editor
printf 'Version 2.1: the printer no longer catches fire.\n' >"$WORK/changelog.txt"
python3 - "$WORK/old-desk.mbox" "$CORPUS/notmuch/attachment" <<'EOF'
import mailbox, os, sys
box = mailbox.mbox(sys.argv[1])
for root, _, files in os.walk(sys.argv[2]):
    for f in sorted(files):
        with open(os.path.join(root, f), "rb") as fh:
            box.add(mailbox.mboxMessage(fh.read()))
box.flush()
EOF
find "$CORPUS/notmuch/html" -type f | head -5 | while read -r f; do cp "$f" "$HOME/Maildir/support/cur/"; done

# --- one script: each command, its status (ERR for any command of a ; list)
python3 - "$T/commands" "$STORE" "$T/results" "$T/setup.sh" >"$T/readme.sh" <<'EOF'
import json, shlex, sys
cmds, store, results, setup = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3], sys.argv[4]
print("set -o pipefail\nfail=0\ntrap 'fail=1' ERR")
for k, c in enumerate(cmds):
    cmd = c["cmd"].replace("/var/lib/maildesk", store)
    if cmd.startswith("desk unix "):
        continue  # master.cf, not a command
    if "1a2b3c4" in cmd:
        cmd = cmd.replace("1a2b3c4", '"$(git -C %s rev-parse --short=7 main)"' % shlex.quote(store + "/kb"))
    print("echo %s" % shlex.quote("=== %d (README line %d): %s" % (k, c["line"], cmd.split("\n")[0])))
    print("fail=0")
    print(cmd)
    print('rc=$?; [ $rc -ne 0 ] && fail=1; echo "%d $fail $rc" >>%s' % (k, shlex.quote(results)))
    if k == 0:  # after desk init: the real mail
        print(". %s" % shlex.quote(setup))
EOF
# The mail: the notmuch corpus (a list's archive, as a desk migrating
# would have it), and ticket 42, which the README works on, a customer's:
# Bob's "Invoice 2211" with two attachments, the second a PDF.
python3 - "$T/invoice.eml" <<'EOF'
import sys
from email.message import EmailMessage
m = EmailMessage()
m["From"], m["To"] = "Bob <bob@example.org>", "billing@example.com"
m["Subject"], m["Message-ID"] = "Invoice 2211", "<inv2211@example.org>"
m["Date"] = "Mon, 23 Nov 2026 09:14:02 +0000"
m.set_content("The invoice 2211 is wrong: we were charged twice. Our order and the invoice are attached.\n")
m.add_attachment(b"order 2211: 1 printer\n", maintype="text", subtype="plain", filename="order.txt")
m.add_attachment(b"%PDF-1.4\n% invoice 2211\n%%EOF\n", maintype="application", subtype="pdf", filename="invoice.pdf")
open(sys.argv[1], "wb").write(bytes(m))
EOF
cat >"$T/setup.sh" <<EOF
desk ingest --maildir "$CORPUS/notmuch/default" >/dev/null 2>&1
for f in \$(find "$CORPUS/notmuch/lkml" -type f | sort); do
	[ "\$(cut -d" " -f1 "$STORE/seq")" -ge 42 ] && break
	desk ingest --envelope-to support@example.com <"\$f" >/dev/null 2>&1
done
desk ingest --envelope-to billing@example.com <"$T/invoice.eml" >/dev/null 2>&1
desk ingest --maildir "$CORPUS/notmuch/lkml" >/dev/null 2>&1
printf 'From: NOC <noc@example.org>\nTo: support@example.com\nSubject: Link down\nMessage-ID: <noc1@example.org>\n\nThe uplink is down.\n' |
	desk ingest --envelope-to support@example.com >/dev/null 2>&1
EOF
cd "$WORK" || bail_out "cd"
script -qec "bash '$T/readme.sh'" /dev/null >"$T/log" 2>&1 </dev/null
cd "$T" || bail_out "cd"

check_eq "the store holds more than 42 tickets of real mail" 1 \
	"$([ "$("$DESK" list --status any --format=ids | wc -l)" -gt 42 ] && echo 1 || echo 0)"
check_eq "ticket 42 is Bob's invoice" "Invoice 2211" \
	"$("$DESK" show 42 --format=json | python3 -c 'import json,sys; print(json.load(sys.stdin)["subject"])')"
ran=$(wc -l <"$T/results")
check_eq "every command ran (all but the master.cf line)" $((n - 1)) "$ran"
while read -r k fail rc; do
	line=$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))[int(sys.argv[2])]; print("README line %d: %s" % (c["line"], c["cmd"].split("\n")[0]))' "$T/commands" "$k")
	if [ "$fail" = 0 ]; then
		ok "$line"
	else
		not_ok "$line" "exit $rc" "$(tr -d '\r' <"$T/log" | sed -n "/^=== $k (/,/^=== /p" | tail -n 15)"
	fi
done <"$T/results"
check_eq "the reply written in the editor was sent" 1 "$(grep -l 'Fixed in 2.1, see the changelog.' "$T/outbox"/*.eml 2>/dev/null | wc -l)"
check "the KB article was pushed" git -C "$STORE/kb" cat-file -e main:articles/reset-password.txt

test_done
