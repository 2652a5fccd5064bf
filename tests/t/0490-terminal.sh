#!/usr/bin/env bash
# 0490-terminal.sh: nothing from mail or from the KB reaches a terminal as
# a control. Mail through a real Postfix and maildesk-milter carries ESC,
# OSC (ESC ] ... BEL), BEL, CSI (ESC [ 2J), the C1 control U+009B and the
# bidi controls U+202E and U+2066 in the From name, the quoted local part
# of the address (the requester: bidi controls only, an address with a C0
# or C1 control in it is no address, lib/mail/addr.c), Subject, Cc, an attachment's file name
# and the body; a KB article carries them in its title, tags, text, commit
# message and author. Every printing verb runs, and no byte stream it
# writes (stdout or stderr) holds ESC, BEL, a C1 control or a bidi
# control, or is invalid UTF-8, while the visible text is still there (the
# controls are U+FFFD, or spaces where lib/mail/render.c made them so; see
# desk(1)). JSON keeps the data (escaped as \uXXXX);
# TSV keeps one row per ticket of 11 fields.
#
# What only agents or the configuration can set: queue names (the config
# allows letters, digits, . _ -), owner logins, tags and Cc addresses
# (validated) cannot hold controls, so they are fed to desk queue, desk
# assign, desk tag and desk cc, whose refusals quote them on stderr; an
# agent's display name can, and goes through desk agent add --name. A KB
# commit message that is no UTF-8 (with a raw 8-bit CSI byte) goes to
# desk kb log.
. "$(dirname "$0")/lib.sh"

STORE=$T/store
store_init "$STORE" || bail_out "store_init"
D() { "$DESK" --store "$STORE" "$@"; }
unset MAILDESK_AGENT VISUAL EDITOR
export TZ=UTC MAILDESK_DESK=$DESK
ESC=$'\e' BEL=$'\a' C1=$'\xc2\x9b' RLO=$'\xe2\x80\xae' LRI=$'\xe2\x81\xa6'
OSC="$ESC]0;owned$BEL" CSI="$ESC[2J"
BAD="$OSC$CSI$BEL$C1$RLO$LRI"
D agent add alice alice@helpdesk.test --name "Alice Agent" >/dev/null || bail_out "agent add alice"
D agent add mal mal@helpdesk.test --name "Visible-agent $BAD" >/dev/null || bail_out "agent add mal"
O=$T/o
mkdir -p "$O"

# gen FILE KIND: the hostile messages, written as bytes by Python.
gen() {
	python3 - "$@" <<'EOF'
import base64, sys, urllib.parse
BAD = "\x1b]0;owned\x07\x1b[2J\x07\u009b\u202e\u2066"
def ew(s):  # one RFC 2047 encoded word
    return "=?utf-8?b?" + base64.b64encode(s.encode()).decode() + "?="
def msg(mid, frm, subject, body, cc=None, irt=None, attach=None):
    h = [f"From: {frm}", "To: support@helpdesk.test"]
    if cc:
        h.append(f"Cc: {cc}")
    h += [f"Subject: {subject}", "Date: Tue, 17 Nov 2009 22:00:00 +0600", f"Message-ID: <{mid}>"]
    if irt:
        h += [f"In-Reply-To: <{irt}>", f"References: <{irt}>"]
    h.append("MIME-Version: 1.0")
    text = "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n" + body + "\n"
    if attach is None:
        return "\n".join(h) + "\n" + text
    fn = urllib.parse.quote(attach.encode(), safe="")
    return ("\n".join(h) + '\nContent-Type: multipart/mixed; boundary="sep"\n\n--sep\n' + text +
            "--sep\nContent-Type: application/octet-stream\n"
            f"Content-Disposition: attachment; filename*=utf-8''{fn}\n"
            "Content-Transfer-Encoding: base64\n\naGVsbG8K\n--sep--\n")
path, kind = sys.argv[1], sys.argv[2]
eve = '"Visible-from \x1b]0;x\x07 Eve\u202e" <"eve\u202e\u2066local"@customer.test>'
if kind == "first":
    m = msg("t1@customer.test", eve,
            f"Visible-subject printer {ew(BAD)} raw\x1b[31mred\x07 \u202eevil",
            f"Visible-body printer {BAD}\nline two\rcarriage\ttab\n",
            cc=f'"Visible-cc\x1b]0;x\x07" <cc@customer.test>, {ew("Visible-cc2 " + BAD)} <cc2@customer.test>',
            attach="Visible-attach " + BAD + "fdp.exe")
elif kind == "reply":
    m = msg("t2@customer.test", eve, "Re: more " + ew(BAD), "Visible-reply-body " + BAD, irt="t1@customer.test")
else:
    m = msg("m1@customer.test", '"Mallory\x1b[2J" <"mal\u2066\u202elory"@customer.test>',
            "Visible-second " + ew(BAD), "Visible-second-body " + BAD)
open(path, "wb").write(m.encode())
EOF
}

# run NAME CMD...: CMD's stdout in $O/NAME.out, its stderr in $O/NAME.err.
run() {
	local name=$1
	shift
	"$@" >"$O/$name.out" 2>"$O/$name.err"
}

# clean NAME VISIBLE...: stdout and stderr of NAME are valid UTF-8 without
# ESC, BEL, C1 controls or bidi controls, and together show each VISIBLE.
clean() {
	local name=$1 why
	shift
	why=$(python3 - "$O/$name" "$@" <<'EOF'
import sys
base, visible = sys.argv[1], sys.argv[2:]
bad = {0x1b: "ESC", 0x07: "BEL", 0x061C: "U+061C", 0x200E: "U+200E", 0x200F: "U+200F"}
bad.update({c: "C1 U+%04X" % c for c in range(0x80, 0xA0)})
bad.update({c: "bidi U+%04X" % c for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]})
problems, text = [], ""
for part in ("out", "err"):
    data = open(f"{base}.{part}", "rb").read()
    try:
        s = data.decode("utf-8")
    except UnicodeDecodeError as e:
        problems.append(f"std{part} is not UTF-8: {e}")
        s = data.decode("utf-8", "replace")
    hits = [i for i, ch in enumerate(s) if ord(ch) in bad]
    if hits:
        i = hits[0]
        problems.append(f"std{part}: {len(hits)} controls, the first {bad[ord(s[i])]}: {s[max(0, i - 40):i + 20]!r}")
    text += s
problems += [f"{v!r} is not shown" for v in visible if v not in text]
print("\n".join(problems))
EOF
)
	if [ -z "$why" ]; then
		ok "$name: no ESC, BEL, C1 or bidi control, and the text is there"
	else
		not_ok "$name: no ESC, BEL, C1 or bidi control, and the text is there" "$why" \
			"stdout: $(head -c 1500 "$O/$name.out" | cat -v)" "stderr: $(head -c 600 "$O/$name.err" | cat -v)"
	fi
}

# json_keeps NAME PYEXPR: stdout of NAME is JSON (j) in which PYEXPR holds:
# the data is all there, its controls escaped rather than lost.
json_keeps() {
	if python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' \
		"$O/$1.out" "$2" 2>"$O/$1.py"; then
		ok "$1: JSON keeps the data with its controls escaped"
	else
		not_ok "$1: JSON keeps the data with its controls escaped" "$2" "$(cat "$O/$1.py")" "$(head -c 1500 "$O/$1.out" | cat -v)"
	fi
}

# ---------------------------------------------------------------- the mail
milter_start || bail_out "maildesk-milter does not start"
pf_start milter || bail_out "postfix does not start"
gen "$T/first.eml" first && gen "$T/reply.eml" reply && gen "$T/second.eml" second || bail_out "gen"
r=$(smtp_send "$T/first.eml") || bail_out "the first message: $r"
wait_indexed 1 || bail_out "the first message is not indexed"
r=$(smtp_send "$T/reply.eml") || bail_out "the reply: $r"
r=$(smtp_send "$T/second.eml") || bail_out "the second message: $r"
wait_indexed 3 || bail_out "the reply and the second message are not indexed"
check_eq "two tickets" "1 2" "$(desk_ids | sort -n | xargs)"

# ------------------------------------------------------------- list, show
run list env COLUMNS=300 "$DESK" --store "$STORE" list --status any
clean list Visible-subject Visible-second
run list-tsv D list --status any --format=tsv
clean list-tsv Visible-subject Visible-second eve
check_eq "list --format=tsv: two rows of 14 fields each" "14 14" \
	"$(awk -F'\t' '{ print NF }' "$O/list-tsv.out" | xargs)"
run list-json D list --status any --format=json
clean list-json Visible-subject
json_keeps list-json '"\x1b[2J" in j[-1]["subject"] and "\u202e" in j[-1]["subject"] and "\u202e" in j[-1]["requester"]'
run show D show 1 --as alice
clean show Visible-subject Visible-from Visible-cc Visible-cc2 Visible-body Visible-attach \
	Visible-reply-body "line two" 'carriage' "eve" printer
run show-json D show 1 --format=json
clean show-json Visible-body
json_keeps show-json '"\u202e" in j["messages"][0]["subject"] and "\u202e" in j["requester"]'

# ---------------------------------------------------- the verbs that change
run reply D reply 1 --as alice -m "Visible-answer"
clean reply "reply sent to" 'local"@customer.test'
run comment D comment 1 --as alice -m "Visible-note $BAD"
clean comment "note stored"
run take D take 1 --as alice
clean take "alice"
run tag D tag 1 +vip --as alice
clean tag "vip"
run tag-bad D tag 1 "+vip$CSI" --as alice
clean tag-bad "bad tag 'vip"
run queue-bad D queue 1 "billing$OSC" --as alice
clean queue-bad "no queue 'billing"
run assign-bad D assign 1 "bob$CSI" --as alice
clean assign-bad "bob"
run priority D priority 1 high --as alice
clean priority "high"
run cc D cc 1 add "\"cc$CSI$RLO\"@customer.test" --as alice
clean cc "customer.test"
run status D status 1 pending --as alice
clean status "pending"
run spam D spam 2 --block --as alice
clean spam "blocked" 'lory"@customer.test'
run unspam D spam 2 --undo --block --as alice
clean unspam "unblocked" 'lory"@customer.test'
run split D split 1 t2@customer.test --as alice
clean split "off into new ticket 3"
run merge D merge 2 1 --as alice
clean merge "merged into 1"
run close D close 1 --as alice
clean close "1:"
run autoclose D autoclose --hours 0 --dry-run
clean autoclose "would close"
run close-stdin sh -c 'printf "%s\n" "$1" | "$DESK" --store "$STORE" close --as alice -' sh "junk $CSI$RLO"
clean close-stdin "not a ticket number in stdin: junk"
run close-file D close "$T/no-$CSI-such" --as alice
clean close-file "is not a ticket number"
run agents D agent list
clean agents Visible-agent alice
run agents-json D agent list --format=json
clean agents-json Visible-agent
json_keeps agents-json '"\x1b[2J" in j[1]["name"] and "\u2066" in j[1]["name"]'
run ingest D ingest --mbox "$T/no-$OSC.mbox"
clean ingest "no-"
run reindex D reindex
clean reindex "reindexed"
run show-events D show 1
clean show-events Visible-subject Visible-note "marked the ticket as spam" "split"

# ---------------------------------------------------------------- the KB
# root pushes and reads here: the KB is made root's (libgit2 refuses a
# repository of another user)
chown -R root "$STORE/kb" || bail_out "chown kb"
G() { git -C "$T/work" -c user.name="Ann $BAD Author" -c user.email=ann@helpdesk.test "$@"; }
git clone -q "$STORE/kb" "$T/work" 2>/dev/null || bail_out "git clone"
mkdir -p "$T/work/articles"
printf 'Title: Visible-title printer %s\nTags: help, visible-tag%s\nAudience: public\nStatus: published\n\nVisible-text printer %s\n' \
	"$BAD" "$BAD" "$BAD" >"$T/work/articles/printer.txt"
G add -A && G commit -qm "Visible-commit $BAD" || bail_out "git commit"
printf 'Visible-second-line %s\n' "$BAD" >>"$T/work/articles/printer.txt"
# a commit message that is no UTF-8, with a raw 8-bit CSI byte
G -c i18n.commitEncoding=latin1 commit -qam "Visible-change $BAD "$'caf\xe9 \x9b2J' || bail_out "git commit"
if run kb-push G push origin HEAD:main; then
	clean kb-push "kb index at"
else
	# the hooks (desk kb lint) refused it: put it there past them, as a
	# fetch into the bare repository would, and index it
	diag "the push was refused: $(cat -v "$O/kb-push.err")"
	clean kb-push "printer"
	git -C "$STORE/kb" fetch -q "$T/work" HEAD:refs/heads/main || bail_out "fetch past the hooks"
	run kb-index D kb index
	clean kb-index "kb index at"
fi
run kb-list D kb list
clean kb-list Visible-title printer
run kb-list-json D kb list --format=json
clean kb-list-json Visible-title
json_keeps kb-list-json '"\u202e" in j[0]["title"] and "\x1b" in j[0]["title"]'
run kb-show D kb show printer
clean kb-show Visible-title visible-tag Visible-text Visible-second-line
run kb-search D kb search printer
clean kb-search Visible-title "printer@"
run kb-search-json D kb search printer --format=json
clean kb-search-json Visible-title
run kb-suggest D kb suggest 1
clean kb-suggest Visible-title
run show-suggest D show 1 --suggest
clean show-suggest Visible-subject Visible-title
run kb-log D kb log printer
clean kb-log Visible-commit Visible-change "Ann"
run kb-diff D kb diff printer main~1 main
clean kb-diff "+Visible-second-line"
run kb-lint D kb lint
clean kb-lint
# the desk's reply is in 1, or went along with t2 into 3 if it answered t2
rt=1
for t in 1 3; do
	D show "$t" --format=json | python3 -c 'import json, sys
sys.exit(not any(m["event"] == "reply" for m in json.load(sys.stdin)["messages"]))' && rt=$t
done
run kb-new D kb new --from-ticket "$rt"
clean kb-new "drafts/"
test_done
