#!/bin/bash
# 0120-sendmail.sh: maildesk-milter in front of a real, private Sendmail
# (Debian's sendmail-bin, unpacked from its .debs: the package conflicts
# with Postfix and is never installed). Sendmail runs with its own
# sendmail.cf made by m4 from the unpacked cf/ macros, with the lines
# maildesk-milter(8) gives an admin: INPUT_MAIL_FILTER with F=T, and the
# desk's addresses delivered by the prog mailer to desk ingest through an
# alias, run as maildesk (confDEF_USER_ID). Its own queue, pid file, aliases and port on 127.0.0.1; nothing
# of the system's mail is touched. It proves:
#   - a message through Sendmail and the milter becomes a ticket, stored
#     once, with the milter's X-Desk headers, sealed (desk ingest behind
#     the milter keeps the milter's decision and takes no second number);
#   - a reply threads into the same ticket, and so does an answer to the
#     agent's Reply-To, support+1-TOKEN@ (the alias support gets it, the
#     milter sees the token);
#   - with the milter down, F=T makes Sendmail answer 4xx: an SMTP client
#     is refused for now, and mail submitted with sendmail(1) through
#     Sendmail's submission program (the MSP, with its own submit.cf and
#     client queue) stays in that queue; no ticket appears;
#   - when the milter is back, one queue run (sendmail -q with the
#     private submit.cf) delivers it, exactly once;
#   - when desk ingest cannot store (mail/tmp unwritable) it exits 75 and
#     the message waits in Sendmail's own queue, deferred, not bounced; a
#     queue run after the fault delivers it once, with the ticket number
#     the milter gave it at SMTP time.
# The .debs are fetched with apt-get download into
# ${MAILDESK_TEST_CACHE:-~/.cache/maildesk-tests}/sendmail and reused;
# the test skips, saying so, only when they cannot be fetched.
. "$(dirname "$0")/lib.sh"

SM=$T/sm                  # everything of the private Sendmail
SMROOT=$SM/root           # the unpacked packages
SMBIN=$SMROOT/usr/libexec/sendmail/sendmail
CACHE=${MAILDESK_TEST_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/maildesk-tests}/sendmail

# deb NAME: the newest .deb of package NAME in $CACHE.
deb() { find "$CACHE" -maxdepth 1 -name "$1_*.deb" | sort -V | tail -n 1; }

# sm_fetch: the .debs of sendmail-bin, -base and -cf in $CACHE (fetched
# once); prints why not and fails when they cannot be had.
sm_fetch() {
	local p missing=()
	mkdir -p "$CACHE" || return 1
	for p in sendmail-bin sendmail-base sendmail-cf; do
		[ -n "$(deb "$p")" ] || missing+=("$p")
	done
	[ ${#missing[@]} = 0 ] && return 0
	# apt's download user cannot write root's cache: download as root
	(cd "$CACHE" && apt-get download -o APT::Sandbox::User=root "${missing[@]}") >"$T/apt-download.log" 2>&1 ||
		{ apt-get update -qq >>"$T/apt-download.log" 2>&1 &&
			(cd "$CACHE" && apt-get download -o APT::Sandbox::User=root "${missing[@]}") >>"$T/apt-download.log" 2>&1; } ||
		{ grep -v "^W:" "$T/apt-download.log" | tail -n 1; return 1; }
}

# sm_unpack: the packages unpacked into $SMROOT, and the libraries
# sendmail-bin depends on installed (they do not conflict with Postfix).
sm_unpack() {
	local d deps
	mkdir -p "$SMROOT" || return 1
	for d in sendmail-bin sendmail-base sendmail-cf; do
		dpkg-deb -x "$(deb $d)" "$SMROOT" || return 1
	done
	ldd "$SMBIN" | grep -q 'not found' || return 0
	# sendmail-bin's Depends, without itself and its scripts' procps
	deps=$(dpkg-deb -f "$(deb sendmail-bin)" Depends | tr ',' '\n' |
		sed -E 's/\(.*\)//; s/\|.*//; s/ //g' | grep -v -E '^(sendmail-.*|procps)?$')
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $deps \
		>"$T/apt-libs.log" 2>&1 || { tail -n 3 "$T/apt-libs.log"; return 1; }
	! ldd "$SMBIN" | grep 'not found'
}

# sm CONFIG ARGS...: the private Sendmail with CONFIG ($SM/CONFIG.cf).
# Sendmail wants a fully qualified host name and sleeps 60 s at every
# start when the machine's is not one (a container's "vm"): it runs in a
# UTS namespace of its own named mx.helpdesk.test (when unshare can).
sm() {
	local cf=$SM/$1.cf
	shift
	if [ "${SM_UNSHARE:-1}" = 1 ]; then
		unshare --uts sh -c 'hostname mx.helpdesk.test && exec "$@"' sh "$SMBIN" -C "$cf" "$@"
	else
		"$SMBIN" -C "$cf" "$@"
	fi
}

# sm_mc NAME: m4 turns $SM/NAME.mc into $SM/NAME.cf.
sm_mc() {
	m4 "$SM/$1.mc" >"$SM/$1.cf" 2>"$SM/$1.m4.log" && chmod 0644 "$SM/$1.cf"
}

# The lines both configurations share: private files, no DNS, no load
# limit. Sendmail checks every directory above its files: $T is in /tmp,
# which is world-writable, and only MapInUnsafeDirPath lets it build and
# read its aliases.db there (for the rest it only warns).
sm_common_mc() { # QUEUE_DIR NAME
	cat <<-EOF
	divert(0)dnl
	include(\`$SMROOT/usr/share/sendmail/cf/m4/cf.m4')dnl
	OSTYPE(\`linux')dnl
	define(\`QUEUE_DIR', \`$1')dnl
	define(\`confPID_FILE', \`$SM/$2.pid')dnl
	define(\`STATUS_FILE', \`$SM/$2.st')dnl
	define(\`confDEAD_LETTER_DROP', \`$SM/dead.letter')dnl
	define(\`confSERVICE_SWITCH_FILE', \`$SM/service.switch')dnl
	define(\`confHOSTS_FILE', \`$SM/hosts')dnl
	define(\`confDONT_PROBE_INTERFACES', \`True')dnl
	define(\`confQUEUE_LA', \`1000')dnl
	define(\`confREFUSE_LA', \`1000')dnl
	define(\`confDONT_BLAME_SENDMAIL', \`MapInUnsafeDirPath')dnl
	FEATURE(\`nocanonify')dnl
	EOF
}

# sm_configure: $SM/sendmail.cf (the MTA on 127.0.0.1:$PORT, with the
# milter, delivering the desk's addresses to desk ingest as maildesk) and
# $SM/submit.cf (the MSP that sendmail(1) runs: it relays to the MTA and
# keeps what it cannot hand over in $SM/clientmqueue).
sm_configure() {
	mkdir -p "$SM/mqueue" "$SM/clientmqueue" && chmod 0700 "$SM/mqueue" || return 1
	# the MSP must run as a user of its own (Debian's: smmsp); here nobody
	chown nobody:nogroup "$SM/clientmqueue" && chmod 0770 "$SM/clientmqueue" || return 1
	printf 'hosts files\naliases files\n' >"$SM/service.switch"
	printf '127.0.0.1 mx.helpdesk.test localhost\n' >"$SM/hosts"
	{
		sm_common_mc "$SM/mqueue" sendmail
		cat <<-EOF
		define(\`confDOMAIN_NAME', \`mx.helpdesk.test')dnl
		define(\`ALIAS_FILE', \`$SM/aliases')dnl
		define(\`confDEF_USER_ID', \`maildesk:maildesk')dnl
		FEATURE(\`no_default_msa')dnl
		FEATURE(\`accept_unresolvable_domains')dnl
		LOCAL_DOMAIN(\`helpdesk.test')dnl
		DAEMON_OPTIONS(\`Name=MTA, Addr=127.0.0.1, Port=$PORT')dnl
		INPUT_MAIL_FILTER(\`maildesk', \`S=unix:$MILTER_SOCK, F=T, T=R:2m')dnl
		MAILER(\`local')dnl
		MAILER(\`smtp')dnl
		EOF
	} >"$SM/sendmail.mc"
	{
		sm_common_mc "$SM/clientmqueue" submit
		cat <<-EOF
		define(\`confDOMAIN_NAME', \`client.example.test')dnl
		define(\`MSP_QUEUE_DIR', \`$SM/clientmqueue')dnl
		define(\`confRUN_AS_USER', \`nobody:nogroup')dnl
		define(\`RELAY_MAILER_ARGS', \`TCP \$h $PORT')dnl
		FEATURE(\`msp', \`[127.0.0.1]')dnl
		EOF
	} >"$SM/submit.mc"
	# the alias file is root's: Sendmail runs its programs as DefaultUser
	cat >"$SM/aliases" <<-EOF
	support: "|$DESK --store $STORE ingest"
	billing: "|$DESK --store $STORE ingest"
	EOF
	sm_mc sendmail && sm_mc submit && sm sendmail -bi >"$SM/newaliases.log" 2>&1
}

# sm_start: the MTA daemon, answering on 127.0.0.1:$PORT.
sm_start() {
	sm sendmail -bd >>"$SM/daemon.log" 2>&1 || return 1
	smtp_greets "$PORT"
}

# sm_stop: the MTA daemon and its children gone.
sm_stop() {
	local pid _
	pid=$(head -n 1 "$SM/sendmail.pid" 2>/dev/null) || return 0
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
}
# Sendmail refuses a milter socket below a world-writable directory
# (/tmp, where $T is), and no DontBlameSendmail option allows it: the
# socket is in a directory of its own in /run, as /run/maildesk would be.
ensure_maildesk_user || bail_out "no user maildesk"
SOCKDIR=$(mktemp -d /run/maildesk-0120.XXXXXX) || bail_out "cannot make a directory in /run"
chown maildesk:maildesk "$SOCKDIR" && chmod 0750 "$SOCKDIR"
MILTER_SOCK=$SOCKDIR/milter.sock
trap 'sm_stop; _cleanup; rm -rf "$SOCKDIR"' EXIT

# sm_mailq NAME: the queue of NAME (sendmail or submit), as mailq prints it.
sm_mailq() { sm "$1" -bp 2>&1; }
# queued: the messages in the MSP's queue directory (qf files).
queued() { find "$SM/clientmqueue" -name 'qf*' | wc -l; }
# stored_with ID: the stored files of Message-ID ID (the header itself: an
# acknowledgement or event that names the message is not one of them).
stored_with() { grep -l -i -x -F -- "Message-ID: <$1>" "$STORE"/mail/new/* "$STORE"/mail/cur/* 2>/dev/null; }
# copies ID: how many stored files have Message-ID ID once mail/new is
# empty (a redelivery waits there a moment before the indexer drops it)
copies() {
	local i
	for i in $(seq 1 100); do
		[ "$(count_files "$STORE/mail/new")" -eq 0 ] && break
		sleep 0.1
	done
	stored_with "$1" | wc -l
}
# stored_file ID: the one indexed file of Message-ID ID (in mail/cur)
stored_file() { grep -l -i -x -F -- "Message-ID: <$1>" "$STORE"/mail/cur/* 2>/dev/null | head -n 1; }
ntickets() { desk_ids | wc -l; }
D() { "$DESK" --store "$STORE" "$@"; }

# ------------------------------------------------------------- setup
if ! why=$(sm_fetch 2>&1); then
	echo "1..0 # skip the sendmail-bin .debs cannot be fetched with apt-get download: $why"
	exit 0
fi
sm_unpack >"$T/unpack.log" 2>&1 || bail_out "cannot unpack sendmail or install its libraries" "$(cat "$T/unpack.log")"
command -v m4 >/dev/null || bail_out "m4 is missing (./bootstrap test installs it)"
unshare --uts true 2>/dev/null || {
	SM_UNSHARE=0
	diag "no unshare --uts: Sendmail sleeps 60 s per start unless the host name is qualified"
}
store_init "$T/store" || bail_out "desk init"
milter_start || bail_out "maildesk-milter does not start"
PORT=$(free_port) || bail_out "no free port"
sm_configure || bail_out "cannot configure Sendmail" "$(cat "$SM"/*.m4.log "$SM/newaliases.log" 2>/dev/null)"
sm_start || bail_out "Sendmail does not start" "$(cat "$SM/daemon.log")"
ok "a private Sendmail $(dpkg-deb -f "$(deb sendmail-bin)" Version) answers on 127.0.0.1:$PORT with the milter"

# ------------------------------------------------ a message becomes a ticket
FIRST=$(make_msg first "Ann Example <ann@example.test>" first-1@example.test "" "Printer on fire")
if reply=$(smtp_send "$FIRST" support@helpdesk.test ann@example.test); then
	ok "a message to support@ is accepted over SMTP"
else
	not_ok "a message to support@ is accepted over SMTP" "reply: $reply" "$(tail -n 5 "$T/milter.log")"
fi
qid=$(printf '%s' "$reply" | awk '{ print $3 }')
check "it is stored and indexed: one file in mail/cur" wait_indexed 1
stored=$(stored_file first-1@example.test)
[ -n "$stored" ] || bail_out "nothing stored" "$(tail -n 20 "$T/milter.log")" "$(sm_mailq sendmail)"
check_eq "desk list shows one ticket, number 1" 1 "$(desk_ids | tr '\n' ' ' | sed 's/ $//')"
check_eq "its subject is the message's" "Printer on fire" "$(D list --format=json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["subject"])')"
if grep -q -F "$qid: message-id=<first-1@example.test> ticket=1 match=new queue=support" "$T/milter.log"; then
	ok "the milter decided it, with Sendmail's queue id ($qid)"
else
	not_ok "the milter decided it, with Sendmail's queue id ($qid)" "$(tail -n 5 "$T/milter.log")"
fi
check_eq "the stored copy has the milter's X-Desk headers, once each, on top" \
	"X-Desk-Ticket X-Desk-Match X-Desk-Queue X-Desk-Seal" \
	"$(sed '/^$/q' "$stored" | grep -o '^X-Desk-[A-Za-z]*' | tr '\n' ' ' | sed 's/ $//')"
check_eq "X-Desk-Ticket: 1, X-Desk-Match: new" "1 new" \
	"$(header_of "$stored" X-Desk-Ticket) $(header_of "$stored" X-Desk-Match)"
check_eq "no mbox From_ line of the prog mailer in it" "" "$(grep -n '^From ' "$stored")"
check_eq "its seal verifies (desk reseal --dry-run finds it current)" \
	"would reseal 0, already current 1, left unsealed 0" "$(D reseal --dry-run | head -n 1 | sed 's/ (.*//')"
check_eq "the store's file belongs to maildesk (the prog mailer ran as DefaultUser)" maildesk "$(stat -c %U "$stored")"

# ----------------------------------------------------------- a reply threads
REPLY=$(make_msg reply "Ann Example <ann@example.test>" reply-1@example.test first-1@example.test "Re: Printer on fire")
check "her reply is accepted" smtp_send "$REPLY" support@helpdesk.test ann@example.test
check "it is stored and indexed: two files" wait_indexed 2
stored=$(stored_file reply-1@example.test)
check_eq "it joins ticket 1 by In-Reply-To" "1 in-reply-to" \
	"$(header_of "$stored" X-Desk-Ticket) $(header_of "$stored" X-Desk-Match)"
check_eq "still one ticket" 1 "$(ntickets)"
check_eq "desk show 1 has both messages" 2 "$(D show 1 --format=raw | grep -c '^X-Desk-Ticket: 1$')"

# ------------------------- an answer to the reply address with a token
# The agent answers (through the capture sendmail of lib.sh); its Reply-To
# support+1-TOKEN@ reaches the alias support, and the milter sees the token.
D agent add alice alice@helpdesk.test --name "Alice Agent" >/dev/null || bail_out "desk agent add"
D show 1 --as alice >/dev/null
check "desk reply 1 sends the agent's answer" D reply 1 --as alice -m "Please unplug it."
sent=$(find "$CAPTURE_DIR" -maxdepth 1 -name '*.eml' | head -n 1)
rt=$(header_of "$sent" Reply-To | sed 's/.*<\(.*\)>.*/\1/')
case $rt in support+1-*@helpdesk.test) ok "its Reply-To is support+1-TOKEN@helpdesk.test" ;;
*) not_ok "its Reply-To is support+1-TOKEN@helpdesk.test" "$rt" ;; esac
TOKEN_MSG=$(make_msg token "Ann Example <ann@example.test>" token-1@example.test "" "Still smoking")
check "her answer to that address, with no references, is accepted" smtp_send "$TOKEN_MSG" "$rt" ann@example.test
# that very message in mail/cur, nothing waiting in mail/new (other files,
# the follow-ups of the reply, may come and go meanwhile)
token_indexed() {
	grep -q -i -F -- "Message-ID: <token-1@example.test>" "$STORE"/mail/cur/* 2>/dev/null &&
		[ "$(count_files "$STORE/mail/new")" -eq 0 ]
}
check "it is stored and indexed" wait_for "token-1 indexed" token_indexed
stored=$(stored_file token-1@example.test)
check_eq "it joins ticket 1 by the token" "1 token" \
	"$(header_of "$stored" X-Desk-Ticket) $(header_of "$stored" X-Desk-Match)"
check_eq "still one ticket" 1 "$(ntickets)"

# ------------------------------------------------ the milter down: tempfail
milter_stop || diag "maildesk-milter did not exit 0"
LATE=$(make_msg late "Bob Late <bob@example.test>" late-1@example.test "" "Where is my order")
reply=$(smtp_send "$LATE" support@helpdesk.test bob@example.test)
rc=$?
check_eq "with the milter down, Sendmail answers an SMTP client 4xx (F=T)" 4 "$rc"
diag "reply: $reply"
# sendmail(1) as on a Sendmail host: the MSP relays to the MTA at once (-odi)
check "sendmail(1) takes the message all the same (exit 0)" \
	sm submit -odi -f bob@example.test support@helpdesk.test <"$LATE"
check_eq "it stays in the MSP's queue: one qf file" 1 "$(queued)"
q=$(sm_mailq submit)
case $q in
*"(Deferred: 4"[0-9][0-9]" "*"support@helpdesk.test"*) ok "mailq (-bp with the private submit.cf) lists it, deferred with 4xx" ;;
*) not_ok "mailq (-bp with the private submit.cf) lists it, deferred with 4xx" "$q" ;;
esac
sleep 1
check_eq "no ticket appears" 1 "$(ntickets)"
check_eq "nothing of it is stored" "" "$(stored_with late-1@example.test)"

# --------------------------------------- the milter back: delivered once
files=$(count_files "$STORE/mail/cur")
milter_start || bail_out "maildesk-milter does not start again"
check "a queue run (sendmail -q with the private submit.cf) exits 0" sm submit -q
check "the MSP's queue is empty" wait_for "queue" sh -c "[ \$(find '$SM/clientmqueue' -name 'qf*' | wc -l) = 0 ]"
check "it is stored and indexed: one file more" wait_indexed $((files + 1))
check_eq "stored exactly once" 1 "$(copies late-1@example.test)"
check_eq "as a second ticket, number 2" "1 2" "$(desk_ids | sort -n | tr '\n' ' ' | sed 's/ $//')"
stored=$(stored_file late-1@example.test)
check_eq "decided by the milter: X-Desk-Ticket: 2, X-Desk-Match: new" "2 new" \
	"$(header_of "$stored" X-Desk-Ticket) $(header_of "$stored" X-Desk-Match)"
check "the milter logged it" grep -q -F "message-id=<late-1@example.test> ticket=2 match=new" "$T/milter.log"
check "a second queue run delivers nothing more" sm submit -q
sleep 1
check_eq "still $((files + 1)) files, two tickets" "$((files + 1)) 2" "$(count_files "$STORE/mail/cur") $(ntickets)"

# ------------------- desk ingest cannot store: the mail waits in Sendmail
mode=$(stat -c %a "$STORE/mail/tmp")
chmod 0500 "$STORE/mail/tmp"
HELD=$(make_msg held "Carl Payer <carl@example.test>" held-1@example.test "" "Invoice question")
check "with mail/tmp unwritable, a message is still accepted (the milter decides at SMTP time)" \
	smtp_send "$HELD" support@helpdesk.test carl@example.test
deferred() { sm_mailq sendmail | grep -q 'Deferred:'; }
if wait_for "deferred" deferred; then
	ok "desk ingest fails for now: Sendmail's queue holds it, deferred"
else
	not_ok "desk ingest fails for now: Sendmail's queue holds it, deferred" "$(sm_mailq sendmail)" "$(cat "$SM/dead.letter" 2>/dev/null)"
fi
diag "$(sm_mailq sendmail | grep 'Deferred:')"
check_eq "nothing of it is stored, no bounce" "" "$(stored_with held-1@example.test; cat "$SM/dead.letter" 2>/dev/null)"
chmod "$mode" "$STORE/mail/tmp"
files=$(count_files "$STORE/mail/cur")
check "mail/tmp writable again, a queue run (sendmail -q with the private sendmail.cf) exits 0" sm sendmail -q
check "it is stored and indexed" wait_indexed $((files + 1))
check_eq "stored exactly once" 1 "$(copies held-1@example.test)"
stored=$(stored_file held-1@example.test)
check_eq "with the number the milter gave it at SMTP time: X-Desk-Ticket: 3, X-Desk-Match: new" "3 new" \
	"$(header_of "$stored" X-Desk-Ticket) $(header_of "$stored" X-Desk-Match)"
check_eq "three tickets" "1 2 3" "$(desk_ids | sort -n | tr '\n' ' ' | sed 's/ $//')"

# ------------------------------------------------------------- in the end
check_eq "every seal verifies" "would reseal 0, already current $((files + 1)), left unsealed 0" \
	"$(D reseal --dry-run | head -n 1 | sed 's/ (.*//')"
check_eq "both of Sendmail's queues are empty: nothing waits or bounced" "" \
	"$(find "$SM/mqueue" "$SM/clientmqueue" -name 'qf*'; cat "$SM/dead.letter" 2>/dev/null)"

test_done
