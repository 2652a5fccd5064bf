#!/bin/bash
# 0490-local.sh: local accounts. Two real users besides root: an agent (a
# member of the store's group maildesk) and an outsider (not a member).
# The store desk init makes: its top and maildesk.conf are the owner's,
# what agents write is group-writable, nothing is for others. The agent
# does a day's work (agent add, show, take, reply, comment, spam --block,
# kb search) but cannot change maildesk.conf, nor make desk or the milter
# run a program through it: when the admin makes it writable by others,
# desk and the milter refuse to run its sendmail command and say how to
# fix it. STORE/var/agents holds agents and nothing else. --attach never
# sends a file of the store (a symbolic or hard link to the secret, a
# message). The milter's socket is 0660 of the store's group: the outsider
# cannot connect, the agent and Postfix can; --socket-group and
# milter.socket_group choose another group; inet:PORT listens on 127.0.0.1.
# Proves maildesk-security(7), "Agents; The store's owner; Files that hold authority".
. "$(dirname "$0")/lib.sh"

AGENT=mdt-agent
OUTSIDER=mdt-outsider
SOCKGROUP=mdt-sock
remove_users() {
	userdel "$AGENT" 2>/dev/null
	userdel "$OUTSIDER" 2>/dev/null
	groupdel "$SOCKGROUP" 2>/dev/null
	gpasswd -d maildesk "$SOCKGROUP" >/dev/null 2>&1
	return 0
}
trap 'remove_users; _cleanup' EXIT

expect_fail() { # DESC CODE PATTERN CMD...: CMD exits CODE and says PATTERN
	local desc=$1 code=$2 pat=$3 out rc
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" = "$code" ] && printf '%s' "$out" | grep -q -- "$pat"; then
		ok "$desc"
	else
		not_ok "$desc" "expected exit $code and '$pat'" "exit $rc: $out"
	fi
}
# as USER CMD...: CMD as USER with USER's groups, HOME in $T.
as() {
	local u=$1
	shift
	mkdir -p "$T/home/$u" && chown "$u" "$T/home/$u"
	HOME=$T/home/$u USER=$u LOGNAME=$u \
		setpriv --reuid="$(id -u "$u")" --regid="$(id -g "$u")" --init-groups -- "$@"
}
# connect_as USER SOCKET: "connected", or why not (e.g. PermissionError),
# when USER connects to the unix socket SOCKET. (The system's python: the
# one in root's PATH may be under /root.)
connect_as() {
	as "$1" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1])
    print("connected")
except OSError as e:
    print(type(e).__name__)' "$2" 2>&1
}
ticket_exists() { desk_ids | grep -qx "$1"; }
mode() { stat -c %a "$1"; }

# ------------------------------------------------------------ the users
ensure_maildesk_user || bail_out "maildesk user"
remove_users
useradd -M -N -g users -G maildesk -d /nonexistent -s /usr/sbin/nologin "$AGENT" || bail_out "useradd $AGENT"
useradd -M -N -g users -d /nonexistent -s /usr/sbin/nologin "$OUTSIDER" || bail_out "useradd $OUTSIDER"
groupadd "$SOCKGROUP" || bail_out "groupadd $SOCKGROUP"

store_init "$T/store" || bail_out "desk init"
D() { "$DESK" --store "$STORE" "$@"; }
A() { as "$AGENT" "$DESK" --store "$STORE" "$@"; } # desk as the agent
OUT=$T/outbox                                      # lib.sh: 1777, sendmail-capture writes there
sent() { find "$OUT" -maxdepth 1 -name '*.eml' | wc -l; }
stored() { count_files "$STORE/mail/new"; }
customer() { # ID SUBJECT: a customer's message, ingested
	printf 'From: Carol <carol@example.com>\nTo: support@helpdesk.test\nSubject: %s\nMessage-ID: <%s@example.com>\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n\nHelp.\n' \
		"$2" "$1" | D ingest --envelope-to support@helpdesk.test >/dev/null
}

# --------------------------------------------------- the modes desk init makes
check_eq "the store's top: the owner's, group may enter (2750)" 2750 "$(mode "$STORE")"
check_eq "maildesk.conf: group may read, not write (640)" 640 "$(mode "$STORE/maildesk.conf")"
check_eq "the secret: 640, the owner's" "640 maildesk" "$(stat -c '%a %U' "$STORE/secret")"
check_eq "hooks/: the owner's (2750)" 2750 "$(mode "$STORE/hooks")"
for d in mail mail/new mail/cur mail/tmp seen var templates; do
	check_eq "$d/: group-writable, setgid (2770)" 2770 "$(mode "$STORE/$d")"
done
for f in seq lock followup.lock var/agents; do
	check_eq "$f: group-writable (660)" 660 "$(mode "$STORE/$f")"
done
check_eq "nothing in the store is for others" "" "$(find "$STORE" -perm /o=rwx | head -n 3)"

# ------------------------------------------- an agent's day, as a real user
out=$(A agent add "$AGENT" "$AGENT@helpdesk.test" --name "Ann Agent" 2>&1)
check_eq "the agent adds herself (desk agent add as a member of the group)" "0" "$?${out:+: $out}"
check "it is written to STORE/var/agents" grep -qx "\\[agent $AGENT\\]" "$STORE/var/agents"
check "not to maildesk.conf" sh -c "! grep -q '$AGENT' '$STORE/maildesk.conf'"
check_eq "desk agent list shows her" "$AGENT" "$(A agent list | awk '{ print $1 }')"
customer q1 "Printer on fire" || bail_out "ingest q1"
customer q2 "Cheap pills" || bail_out "ingest q2"
check "the agent shows ticket 1 (writes seen/)" A show 1
check "the agent takes ticket 1" A take 1
check "the agent replies (her own MAILDESK_SENDMAIL)" A reply 1 -m "Please unplug it."
check_eq "the reply went to sendmail" 1 "$(sent)"
check "the agent comments" A comment 1 -m "Billing knows."
check "the agent blocks a spammer (writes var/blocked)" A spam 2 --block
check "var/blocked holds the address" grep -qx carol@example.com "$STORE/var/blocked"
check "the agent unblocks again" A spam 2 --block --undo
# the KB: she pushes an article through maildesk-kb-receive (setuid to the
# owner: the hooks run as the owner, post-receive writes the search index,
# 0505-kb-security.sh has the rest) and searches it
W=$T/libexec/maildesk-kb-receive
mkdir -p "$T/libexec" && chmod 0755 "$T/libexec"
cp "$BUILDDIR/maildesk-kb-receive" "$W" && chown maildesk:maildesk "$W" && chmod 4750 "$W" ||
	bail_out "install the wrapper"
as "$AGENT" git config --global --add safe.directory "$STORE/kb"
as "$AGENT" sh -c "cd '$T/home/$AGENT' && git clone -q -c remote.origin.receivepack='$W' '$STORE/kb' kb 2>/dev/null && cd kb && mkdir articles &&
	printf 'Title: Printer on fire\nTags: printer\nAudience: public\nStatus: published\n\nUnplug it.\n' >articles/fire.txt &&
	git add articles && git -c user.name=Ann -c user.email=ann@helpdesk.test commit -q -m fire &&
	git push -q origin HEAD:main" >"$T/push.log" 2>&1
check_eq "the agent pushes an article to the KB" 0 "$?" || diag "$(cat "$T/push.log")"
out=$(A kb search printer 2>&1)
case $out in *fire@*) ok "the agent searches the KB (var/kb-index.sqlite)" ;;
*) not_ok "the agent searches the KB (var/kb-index.sqlite)" "$out" ;; esac
check_eq "the search index is group-writable (660)" 660 "$(mode "$STORE/var/kb-index.sqlite")"

# ------------------------------------------------ maildesk.conf is not hers
check "the agent cannot write maildesk.conf" \
	as "$AGENT" sh -c "! (echo '[desk]' >>'$STORE/maildesk.conf') 2>/dev/null"
check "nor put another file in its place" \
	as "$AGENT" sh -c "cp '$STORE/maildesk.conf' '$STORE/var/c' && ! mv -f '$STORE/var/c' '$STORE/maildesk.conf' 2>/dev/null"
check "nor create files beside it" as "$AGENT" sh -c "! touch '$STORE/notmuch' '$STORE/hooks/new-ticket' 2>/dev/null"
rm -f "$STORE/var/c"

# ------------------------- agents of maildesk.conf are the owner's, and count
printf '\n[agent bob]\naddress = bob@helpdesk.test\nname = Bob Boss\n' >>"$STORE/maildesk.conf"
check_eq "an [agent] of maildesk.conf is an agent" "bob $AGENT" "$(A agent list | awk '{ print $1 }' | sort | xargs)"
expect_fail "desk agent remove leaves it alone (64)" 64 \
	"bob is listed in $STORE/maildesk.conf, which only the store's owner edits" A agent remove bob
expect_fail "desk agent add too (64)" 64 "bob is listed in" A agent add bob bob@evil.test
check "bob acts: a note on ticket 1 (mailed to the agent on it)" D comment 1 --as bob -m "Seen it."

# ---------------- a group-writable maildesk.conf names no program to run
# The attack: a sendmail key that runs the agent's program as whoever runs
# desk (here root) or the milter.
RAN=$T/ran/evil # who ran it, a line each
mkdir -p "$T/ran" && chmod 1777 "$T/ran"
printf '#!/bin/sh\ncat >/dev/null\nid -un >>"%s"\n' "$RAN" >"$T/evil"
chmod 0755 "$T/evil"
store_conf sendmail "$T/evil" || bail_out "store_conf sendmail"
D show 1 --as "$AGENT" >/dev/null
out=$(MAILDESK_SENDMAIL= D reply 1 --as "$AGENT" -m "Still burning?" 2>&1)
check_eq "while only the owner can write maildesk.conf, its sendmail runs" 0 "$?" || diag "$out"
check_eq "(it ran)" root "$(cat "$RAN" 2>/dev/null)"
rm -f "$RAN"
chmod g+w "$STORE/maildesk.conf"
check "the agent could now write maildesk.conf" as "$AGENT" test -w "$STORE/maildesk.conf"
before=$(stored)
out=$(MAILDESK_SENDMAIL= D reply 1 --as "$AGENT" -m "Still burning?" 2>&1)
check_eq "then desk reply refuses to run it: exit 78" 78 "$?"
case $out in
"desk: reply 1: will not run the sendmail command: desk.sendmail of $STORE/maildesk.conf: $STORE/maildesk.conf is writable by every member of group maildesk (mode 0660); fix: chmod go-w $STORE/maildesk.conf")
	ok "it says why and how to fix it" ;;
*) not_ok "it says why and how to fix it" "$out" ;;
esac
check "the program did not run" test ! -e "$RAN"
check_eq "nothing was stored" "$before" "$(stored)"
out=$(MAILDESK_SENDMAIL= D comment 1 --as "$AGENT" -m "A note for bob." 2>&1)
check_eq "desk comment stores the note but refuses to mail it to bob: exit 78" 78 "$?"
case $out in *"will not run the sendmail command"*"fix: chmod go-w"*) ok "and says so" ;; *) not_ok "and says so" "$out" ;; esac
check "the program did not run" test ! -e "$RAN"
n=$(sent)
check "\$MAILDESK_SENDMAIL, the caller's own, is still run" D reply 1 --as "$AGENT" -m "Still burning? (2)"
check_eq "(it got the reply)" $((n + 1)) "$(sent)"
chmod g-w "$STORE/maildesk.conf"
chmod g+w "$STORE"
out=$(MAILDESK_SENDMAIL= D reply 1 --as "$AGENT" -m "Still burning?" 2>&1)
check_eq "a group-writable store directory: refused too (78)" 78 "$?"
case $out in *"its directory $STORE is writable by every member of group maildesk (mode 2770), who can replace it; fix: chmod go-w $STORE") ok "it says so" ;;
*) not_ok "it says so" "$out" ;; esac
chmod g-w "$STORE"
chown "$AGENT" "$STORE/maildesk.conf"
out=$(MAILDESK_SENDMAIL= D reply 1 --as "$AGENT" -m "Still burning?" 2>&1)
check_eq "a maildesk.conf of another user: refused (78)" 78 "$?"
case $out in *"belongs to $AGENT, not to root or maildesk"*"fix: chown maildesk $STORE/maildesk.conf") ok "it says so" ;;
*) not_ok "it says so" "$out" ;; esac
chown maildesk "$STORE/maildesk.conf"
check "the program never ran" test ! -e "$RAN"

# ------------------------------------------- STORE/var/agents holds agents only
cp -p "$STORE/var/agents" "$T/agents.saved"
as "$AGENT" sh -c "printf '[desk]\nsendmail = $T/evil\n' >>'$STORE/var/agents'"
expect_fail "a [desk] group in var/agents: every verb refuses (78)" 78 \
	"var/agents: \[desk\] does not belong there" A list
cp -p "$T/agents.saved" "$STORE/var/agents"
as "$AGENT" sh -c "printf 'sendmail = $T/evil\n' >>'$STORE/var/agents'"
expect_fail "a key but name, address, queues, sasl in an agent group: refused (78)" 78 \
	"\[agent $AGENT\]: unknown key 'sendmail'" A list
cp -p "$T/agents.saved" "$STORE/var/agents"
check "with the file as it was, desk works again" A list
check "the program never ran" test ! -e "$RAN"

# ------------------------------------- --attach never sends a file of the store
mkdir -p "$T/home/$AGENT/files"
ln -s "$STORE/secret" "$T/home/$AGENT/files/notes.txt"
ln "$STORE/secret" "$T/hardlink.txt" && chmod 0640 "$T/hardlink.txt"
ln -s "$STORE" "$T/home/$AGENT/files/desk"
msgfile=$(find "$STORE/mail/cur" -type f | head -n 1)
echo "changelog" >"$T/home/$AGENT/files/changelog.txt"
n=$(sent)
before=$(stored)
expect_fail "--attach of a symbolic link to the secret: refused (64)" 64 \
	"--attach $T/home/$AGENT/files/notes.txt is $STORE/secret, inside the store $STORE: files of the store are never sent" \
	A reply 1 -m "Here are my notes." --attach "$T/home/$AGENT/files/notes.txt"
expect_fail "--attach of a message of the store: refused (64)" 64 "inside the store" \
	A reply 1 -m "Their mail." --attach "$msgfile"
expect_fail "--attach through a link to the store's directory: refused (64)" 64 "inside the store" \
	A reply 1 -m "The conf." --attach "$T/home/$AGENT/files/desk/maildesk.conf"
expect_fail "--attach of a hard link to the secret: refused (64)" 64 "is the store's secret ($STORE/secret) by another name" \
	D reply 1 --as "$AGENT" -m "Hard." --attach "$T/hardlink.txt"
expect_fail "a refused file among good ones: the whole reply is refused" 64 "inside the store" \
	A reply 1 -m "Both." --attach "$T/home/$AGENT/files/changelog.txt" --attach "$T/home/$AGENT/files/notes.txt"
check_eq "nothing was sent" "$n" "$(sent)"
check_eq "nothing was stored" "$before" "$(stored)"
check "the secret is in no mail sent (parts decoded)" /usr/bin/python3 -c '
import email, glob, sys
secret = open(sys.argv[1], "rb").read().strip()
for f in glob.glob(sys.argv[2] + "/*.eml"):
    for part in email.message_from_binary_file(open(f, "rb")).walk():
        if secret in (part.get_payload(decode=True) or b""):
            sys.exit(f + " carries the secret")' "$STORE/secret" "$OUT"
check "a file of her own is attached" A reply 1 -m "The changelog." --attach "$T/home/$AGENT/files/changelog.txt"
check_eq "(sent)" $((n + 1)) "$(sent)"

# ----------------------------------------------------------- the milter's socket
milter_start || bail_out "maildesk-milter does not start"
check_eq "the socket is 0660, the milter's user's, of the store's group" "660 maildesk maildesk" \
	"$(stat -c '%a %U %G' "$MILTER_SOCK")"
check_eq "an outsider cannot connect" PermissionError "$(connect_as "$OUTSIDER" "$MILTER_SOCK")"
check_eq "a member of the group can" connected "$(connect_as "$AGENT" "$MILTER_SOCK")"
pf_start milter || bail_out "postfix does not start"
reply=$(smtp_send "$(make_msg m1 'Rita <rita@example.test>' m1@example.test)")
check_eq "Postfix (a member of the group) talks to the milter: 250" 250 "${reply%% *}"
check "the mail becomes ticket 3" wait_for "ticket 3" ticket_exists 3
check "threaded by the milter (X-Desk-Ticket: 3)" wait_for "X-Desk-Ticket" \
	grep -lx 'X-Desk-Ticket: 3' $(grep -l 'needle-m1' -r "$STORE/mail/new" "$STORE/mail/cur")
milter_stop

# the milter refuses the sendmail of a group-writable maildesk.conf too (its
# acknowledgements), until the file is fixed and the milter reloaded
store_conf ack true || bail_out "store_conf ack"
chmod g+w "$STORE/maildesk.conf"
MAILDESK_SENDMAIL= milter_start || bail_out "maildesk-milter does not start"
smtp_send "$(make_msg m2 'Sam <sam@example.test>' m2@example.test)" >/dev/null
check "a new ticket (4) from a new sender" wait_for "ticket 4" ticket_exists 4
check "the milter logs that it will not run the command, and the fix" wait_for "the log line" \
	grep -q "will not run the sendmail command: desk.sendmail of $STORE/maildesk.conf: .*fix: chmod go-w" "$T/milter.log"
check "the program did not run" test ! -e "$RAN"
chmod g-w "$STORE/maildesk.conf"
kill -HUP "$MILTER_PID"
wait_for "reload" grep -q "configuration reloaded" "$T/milter.log"
smtp_send "$(make_msg m3 'Tia <tia@example.test>' m3@example.test)" >/dev/null
check "fixed and reloaded, the milter acknowledges with it (as its own user)" wait_for "the ack" \
	grep -qx maildesk "$RAN"
milter_stop
store_conf ack false || bail_out "store_conf ack"

expect_fail "--socket-group of no group: the milter exits 78" 78 "no group 'no-such-group'" \
	as_maildesk timeout 20 "$MILTER" --store "$STORE" --socket "unix:$T/run/other.sock" --socket-group no-such-group --foreground
expect_fail "--socket-group the milter's user is not in: exits 78, says so" 78 \
	"cannot give the socket $T/run/other.sock to group $SOCKGROUP: Operation not permitted (the milter's user must be a member of that group)" \
	as_maildesk timeout 20 "$MILTER" --store "$STORE" --socket "unix:$T/run/other.sock" --socket-group "$SOCKGROUP" --foreground
check "and leaves no socket behind" test ! -e "$T/run/other.sock"
usermod -aG "$SOCKGROUP" maildesk && usermod -aG "$SOCKGROUP" "$OUTSIDER" || bail_out "usermod"
store_conf socket_group "$SOCKGROUP" || bail_out "store_conf socket_group"
milter_start || bail_out "maildesk-milter does not start with socket_group"
check_eq "milter.socket_group gives the socket to that group" "660 $SOCKGROUP" "$(stat -c '%a %G' "$MILTER_SOCK")"
check_eq "a member of that group can connect" connected "$(connect_as "$OUTSIDER" "$MILTER_SOCK")"
check_eq "a member of the store's group only cannot" PermissionError "$(connect_as "$AGENT" "$MILTER_SOCK")"
milter_stop

# inet: with a port alone listens on the loopback address only
port=$(PF_PORT= free_port) || bail_out "no free port"
# (setpriv, not the function as_maildesk: $! must be the milter's own pid)
setpriv --reuid="$MAILDESK_UID" --regid="$MAILDESK_GID" --init-groups -- \
	"$MILTER" --store "$STORE" --socket "inet:$port" --foreground </dev/null >>"$T/milter-inet.log" 2>&1 &
inet_pid=$!
bg_track "$inet_pid"
wait_for "the inet listener" sh -c "ss -Hltn 'sport = :$port' | grep -q ."
check_eq "inet:PORT listens on 127.0.0.1 alone" "127.0.0.1:$port" "$(ss -Hltn "sport = :$port" | awk '{ print $4 }' | xargs)"
kill "$inet_pid" 2>/dev/null && wait "$inet_pid" 2>/dev/null

# ------------------------------- a store made before var/: upgraded, nothing lost
OLD=$T/old
"$DESK" init --address support@helpdesk.test "$OLD" >/dev/null || bail_out "desk init old"
rm -r "$OLD/var" && echo pills@spam.test >"$OLD/blocked" && chmod 0660 "$OLD/blocked" && chmod 2770 "$OLD" ||
	bail_out "old layout"
chown -R maildesk:maildesk "$OLD"
check "the milter (the owner) opens an older store" as_maildesk "$DESK" --store "$OLD" list
check_eq "it made var/, group-writable (2770)" 2770 "$(mode "$OLD/var")"
check_eq "and moved the block list into it" "pills@spam.test" "$(cat "$OLD/var/blocked" 2>&1)"
check "none is left behind" test ! -e "$OLD/blocked"
printf 'From: pills@spam.test\nTo: support@helpdesk.test\nSubject: Buy\nMessage-ID: <b1@spam.test>\n\nBuy.\n' |
	"$DESK" --store "$OLD" ingest --envelope-to support@helpdesk.test >/dev/null 2>&1
check_eq "the blocked sender is still refused: no ticket" "0" \
	"$("$DESK" --store "$OLD" list --status any --format ids | wc -l)"

test_done
