# lib.sh: the shared library of maildesk's end-to-end tests (sourced by
# tests/t/NNNN-*.sh). Small on purpose, in the spirit of notmuch's
# test/test-lib.sh:
#
#   TAP          ok DESC | not_ok DESC [DETAIL...] | check DESC CMD... |
#                check_eq DESC EXPECTED ACTUAL | skip DESC REASON |
#                diag TEXT | test_done | bail_out REASON
#   scratch      $T: a directory of this test under ${TMPDIR:-/tmp}, removed
#                at exit unless KEEP=1 | need_corpus | bg_track PID |
#                track_mount DIR | track_root DIR
#   store        store_init DIR (acknowledgements off) | store_conf KEY VALUE |
#                outbox_for_milter | outbox_count
#   waiting      wait_for WHAT CMD...
#   Postfix      pf_start [milter|nomilter|pipe] | pf_stop | pf_log |
#                pf_pause | pf_resume | pf_edge_start RELAY_PORT
#   milter       milter_start | milter_stop | milter_kill
#   mail         smtp_send FILE [RCPT] [FROM] [USER:PASSWORD] |
#                smtp_send_many RCPT FILE... |
#                wait_indexed N | wait_queue_empty | count_files DIR
#
# Environment (tests/run sets it; defaults for running one test by hand
# from the source tree): DESK, MILTER, CORPUS, SRCDIR, BUILDDIR.
# PF_EXTRA_MAIN_CF (set by a test before pf_start): lines appended as they
# are to the private Postfix's main.cf (later lines win), e.g. SASL settings.
# pf_start's config directory is $T/pf/conf: it writes main.cf and master.cf
# there and leaves other files a test put there first (e.g. sasl/smtpd.conf).

set -u

TESTS_T=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Nothing a test sends may reach the machine's real sendmail: by default
# outbound mail is captured in $T/outbox (tests that look at it set their own).
export MAILDESK_SENDMAIL=${MAILDESK_SENDMAIL:-$TESTS_T/sendmail-capture}
SRCDIR=${SRCDIR:-$(cd "$TESTS_T/../.." && pwd)}
BUILDDIR=${BUILDDIR:-$SRCDIR}
DESK=${DESK:-$BUILDDIR/desk}
MILTER=${MILTER:-$BUILDDIR/maildesk-milter}
CORPUS=${CORPUS:-$(cd "$SRCDIR/../shared/corpus" 2>/dev/null && pwd || echo "$SRCDIR/../shared/corpus")}
TEST_NAME=$(basename "$0" .sh)
export DESK MILTER CORPUS SRCDIR BUILDDIR

# ---------------------------------------------------------------- TAP

_tap_n=0
_tap_failed=0
_tap_skipped=0

diag() {
	local line
	while IFS= read -r line; do
		printf '# %s\n' "$line"
	done <<<"$*"
}

ok() {
	_tap_n=$((_tap_n + 1))
	printf 'ok %d - %s\n' "$_tap_n" "$1"
}

# not_ok DESC [DETAIL...]: a failed assertion; DETAIL lines follow as '# '.
not_ok() {
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	printf 'not ok %d - %s\n' "$_tap_n" "$1"
	shift
	local d
	for d in "$@"; do
		diag "$d"
	done
	return 0
}

skip() {
	_tap_n=$((_tap_n + 1))
	_tap_skipped=$((_tap_skipped + 1))
	printf 'ok %d # skip %s: %s\n' "$_tap_n" "$1" "${2:-skipped}"
}

# check DESC CMD...: ok when CMD exits 0; its output is shown when not.
check() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		ok "$desc"
	else
		local cmd="$*"
		[ ${#cmd} -gt 300 ] && cmd="${cmd:0:300}..."
		not_ok "$desc" "command: $cmd" "exit $rc" "$(printf '%s\n' "$out" | tail -n 30 | sed 's/^# //')"
	fi
	return $rc
}

# check_eq DESC EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1" "expected: $2" "actual:   $3"
		return 1
	fi
}

# test_done: the plan; exit 1 when an assertion failed.
test_done() {
	printf '1..%d\n' "$_tap_n"
	[ "$_tap_failed" -eq 0 ]
	exit $?
}

# bail_out REASON: the setup failed; nothing more to test here.
bail_out() {
	not_ok "setup: $1" "${2:-}"
	if [ -n "${PF:-}" ] && [ -f "$PF/maillog" ]; then
		diag "last lines of $PF/maillog:"
		diag "$(tail -n 20 "$PF/maillog")"
	fi
	test_done
}

# ------------------------------------------------------------ scratch

[ "$(id -u)" = 0 ] || {
	echo "1..0 # skip the end-to-end tests need root (Postfix, users, mounts)"
	exit 0
}

T=$(mktemp -d "${TMPDIR:-/tmp}/maildesk-$TEST_NAME.XXXXXX") || exit 1
export CAPTURE_DIR=${CAPTURE_DIR:-$T/outbox}
mkdir -p "$CAPTURE_DIR" && chmod 1777 "$CAPTURE_DIR"
chmod 0755 "$T"
# Every parent must be searchable by the maildesk and postfix users.
_d=$T
while [ "$_d" != / ]; do
	_d=$(dirname "$_d")
	[ -x "$_d" ] || chmod o+x "$_d"
done
PF=
EDGE=
MILTER_PID=
MILTER_SOCK=$T/run/milter.sock
_bg_pids=()
_mounts=()
_roots=()

# bg_track PID: a background process of the test, killed at exit.
bg_track() { _bg_pids+=("$1"); }

_cleanup() {
	local p m
	for p in "${_bg_pids[@]}"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	[ -n "$MILTER_PID" ] && milter_stop >/dev/null 2>&1
	# a milter of this test whose pid got lost (started in a subshell)
	for p in $(pgrep -f -- "--socket unix:$MILTER_SOCK( |$)"); do
		kill "$p" 2>/dev/null
	done
	for m in "${_roots[@]}"; do
		root_kill "$m"
	done
	[ -n "$PF" ] && pf_stop >/dev/null 2>&1
	[ -n "$EDGE" ] && _pf_down "$EDGE" >/dev/null 2>&1
	for m in "${_mounts[@]}"; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
	if [ "${KEEP:-0}" = 1 ]; then
		echo "# KEEP=1: scratch directory kept: $T" >&2
	else
		rm -rf "$T"
	fi
}
trap _cleanup EXIT
trap 'exit 130' INT TERM HUP

# need_corpus: skip the whole test when the notmuch corpus is not there
# (a tarball or a package build ships none; CORPUS=DIR names one).
need_corpus() {
	[ -d "$CORPUS/notmuch" ] && return 0
	echo "1..0 # skip needs the notmuch test corpus at $CORPUS/notmuch (not shipped: set CORPUS=DIR)"
	exit 0
}

# track_mount DIR: unmounted at exit.
track_mount() { _mounts+=("$1"); }

# track_root DIR: a chroot of the test: at exit, before the mounts are
# unmounted, every process whose root directory is DIR is ended.
track_root() { _roots+=("$1"); }

# root_pids DIR: the processes whose root directory is DIR (a chroot).
# (-ef: the same device and inode; /proc/PID/root leads to its root)
root_pids() {
	local p
	[ -d "$1" ] || return 1
	for p in /proc/[0-9]*; do
		[ "$p/root" -ef "$1" ] && echo "${p#/proc/}"
	done
}

# root_kill DIR: SIGTERM to the processes of the chroot DIR, SIGKILL to
# those left after 10 s; one by one, by their pid.
root_kill() {
	local p i left
	for p in $(root_pids "$1"); do
		kill -TERM "$p" 2>/dev/null
	done
	for i in $(seq 1 100); do
		left=$(root_pids "$1")
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	for p in $left; do
		kill -KILL "$p" 2>/dev/null
	done
}

# count_files DIR: regular files directly in DIR.
count_files() {
	find "$1" -mindepth 1 -maxdepth 1 -type f 2>/dev/null | wc -l
}

# ---------------------------------------------------------- the store

ensure_maildesk_user() {
	getent group maildesk >/dev/null || groupadd -r maildesk || return 1
	getent passwd maildesk >/dev/null ||
		useradd -r -g maildesk -d /nonexistent -s /usr/sbin/nologin maildesk || return 1
	MAILDESK_UID=$(id -u maildesk)
	MAILDESK_GID=$(getent group maildesk | cut -d: -f3)
}

# store_init DIR: a store with the desk addresses of the tests, owned by
# maildesk. Sets STORE.
store_init() {
	ensure_maildesk_user || return 1
	"$DESK" init --address support@helpdesk.test --address billing@helpdesk.test=billing "$1" >/dev/null ||
		return 1
	chown -R maildesk:maildesk "$1" || return 1
	STORE=$(cd "$1" && pwd)
	# no acknowledgements unless a test asks (they add files and send mail)
	store_conf ack false
}

# outbox_for_milter: outbound mail captured in $T/outbox (NNN.eml, its
# arguments in NNN.argv.txt), by a sendmail stand-in that the milter, run
# as user maildesk, can run too (no environment needed); sets
# MAILDESK_SENDMAIL to it.
outbox_for_milter() {
	ensure_maildesk_user || return 1
	mkdir -p "$T/outbox" && chown maildesk:maildesk "$T/outbox" || return 1
	cat >"$T/sendmail-capture" <<'SH'
#!/bin/sh
# sendmail-capture: what sendmail(1) was given, kept for the test.
dir=$(dirname "$0")/outbox
n=$(date +%s%N).$$
printf '%s\n' "$@" >"$dir/.$n.argv"
cat >"$dir/.$n.tmp" && mv "$dir/.$n.argv" "$dir/$n.argv.txt" && mv "$dir/.$n.tmp" "$dir/$n.eml"
SH
	chmod 0755 "$T/sendmail-capture" &&
		export MAILDESK_SENDMAIL="$T/sendmail-capture -oi -t"
}

# outbox_count: how many messages outbox_for_milter captured.
outbox_count() { find "$T/outbox" -maxdepth 1 -name "*.eml" | wc -l; }

# wait_for WHAT CMD...: until CMD succeeds (30 s, or $WAIT_TENTHS tenths);
# WHAT names it.
wait_for() {
	local i
	shift
	for i in $(seq 1 ${WAIT_TENTHS:-300}); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# store_conf KEY VALUE: set KEY of maildesk.conf (in whichever group it
# is listed, commented out or not) to VALUE.
store_conf() {
	sed -i -E "s|^#?$1 = .*|$1 = $2|" "$STORE/maildesk.conf" &&
		grep -q -x "$1 = $2" "$STORE/maildesk.conf"
}

# as_maildesk CMD...: run CMD as user maildesk, with the environment
# runuser -u would give (HOME, USER, LOGNAME of maildesk), as the MTA runs
# an LDA.
as_maildesk() {
	HOME=$(getent passwd maildesk | cut -d: -f6) USER=maildesk LOGNAME=maildesk \
		setpriv --reuid="$MAILDESK_UID" --regid="$MAILDESK_GID" --init-groups -- "$@"
}

# desk_ids: every ticket number, one a line.
desk_ids() { "$DESK" --store "$STORE" list --status any --format ids; }

# -------------------------------------------------------------- Postfix

ensure_postfix() {
	command -v postfix >/dev/null && [ -f /etc/postfix/master.cf ] && return 0
	echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
	DEBIAN_FRONTEND=noninteractive apt-get install -y postfix >"$T/apt-postfix.log" 2>&1 || {
		apt-get update >/dev/null 2>&1
		DEBIAN_FRONTEND=noninteractive apt-get install -y postfix >"$T/apt-postfix.log" 2>&1
	}
}

# free_port: a TCP port on 127.0.0.1 nobody listens on.
free_port() {
	local p i
	# the demo asks for a fixed port
	[ -n "${PF_PORT:-}" ] && { echo "$PF_PORT"; return 0; }
	for i in $(seq 1 50); do
		p=$((2525 + RANDOM % 20000))
		python3 - "$p" <<-'EOF' && { echo "$p"; return 0; }
		import socket, sys
		s = socket.socket()
		try:
		    s.bind(("127.0.0.1", int(sys.argv[1])))
		except OSError:
		    sys.exit(1)
		s.close()
		EOF
	done
	return 1
}

# _pf_main_cf DIR HOSTNAME: the start of a private Postfix's main.cf that
# every instance shares: its own queue, data and log under DIR, 127.0.0.1
# only, no local, alias or outbound delivery.
_pf_main_cf() {
	cat <<-EOF
	compatibility_level = 3.6
	queue_directory = $1/queue
	data_directory = $1/data
	maillog_file = $1/maillog
	maillog_file_prefixes = $T
	myhostname = $2
	inet_interfaces = 127.0.0.1
	inet_protocols = ipv4
	mynetworks = 127.0.0.0/8
	mydestination =
	alias_maps =
	alias_database =
	local_transport = error:local delivery disabled
	default_transport = error:outbound disabled
	EOF
}

# pf_start [milter|nomilter|pipe]: a private Postfix on 127.0.0.1:$PORT
# delivering support@ and billing@helpdesk.test into $STORE/mail/ and
# other@helpdesk.test into $T/other/ (a mailbox that is not the desk's).
# milter: through maildesk-milter at $MILTER_SOCK; nomilter: no milter;
# pipe: no milter, delivery through `desk ingest` (pipe(8)).
pf_start() {
	local mode=${1:-milter}
	ensure_postfix || { diag "cannot install postfix (see $T/apt-postfix.log)"; return 1; }
	ensure_maildesk_user || return 1
	PF=$T/pf
	PORT=$(free_port) || { diag "no free port"; return 1; }
	# the milter's socket is 0660, of the store's group: Postfix must be in it
	id -nG postfix | grep -qw maildesk || usermod -aG maildesk postfix || return 1
	mkdir -p "$PF/conf" "$PF/queue" "$PF/data" "$T/other/new" "$T/other/cur" "$T/other/tmp"
	chown postfix "$PF/data"
	chown -R maildesk:maildesk "$T/other"
	case $STORE in
	"$T"/*) ;;
	*) diag "pf_start: STORE must be under $T"; return 1 ;;
	esac
	{ _pf_main_cf "$PF" mx.helpdesk.test; cat; } >"$PF/conf/main.cf" <<-EOF
	relay_transport = error:relay disabled
	virtual_mailbox_domains = helpdesk.test
	virtual_mailbox_base = $T
	virtual_mailbox_maps = inline:{ support@helpdesk.test=${STORE#"$T"/}/mail/, billing@helpdesk.test=${STORE#"$T"/}/mail/, other@helpdesk.test=other/ }
	virtual_uid_maps = static:$MAILDESK_UID
	virtual_gid_maps = static:$MAILDESK_GID
	virtual_minimum_uid = 1
	in_flow_delay = 0
	recipient_delimiter = +
	local_header_rewrite_clients =
	smtpd_banner = \$myhostname ESMTP
	queue_run_delay = 300s
	minimal_backoff_time = 300s
	maximal_backoff_time = 600s
	EOF
	case $mode in
	milter)
		cat >>"$PF/conf/main.cf" <<-EOF
		smtpd_milters = unix:$MILTER_SOCK
		milter_protocol = 6
		milter_default_action = tempfail
		EOF
		;;
	pipe)
		cat >>"$PF/conf/main.cf" <<-EOF
		virtual_transport = desk
		desk_destination_recipient_limit = 1
		EOF
		;;
	nomilter) ;;
	*) diag "pf_start: unknown mode $mode"; return 1 ;;
	esac
	[ -n "${PF_EXTRA_MAIN_CF:-}" ] && printf '%s\n' "$PF_EXTRA_MAIN_CF" >>"$PF/conf/main.cf"
	_pf_master_cf "$PORT" >"$PF/conf/master.cf"
	if [ "$mode" = pipe ]; then
		printf 'desk unix - n n - - pipe\n  flags=DRhu user=maildesk argv=%s --store %s ingest --envelope-to ${original_recipient}\n' \
			"$DESK" "$STORE" >>"$PF/conf/master.cf"
	fi
	postfix -c "$PF/conf" check >>"$PF/start.log" 2>&1
	_pf_up "$PF" "$PORT"
}

# _pf_master_cf PORT: master.cf on stdout: Debian's, unchrooted, smtpd on
# 127.0.0.1:PORT, no pipe services of other software (their users do not
# exist here).
_pf_master_cf() {
	awk -v port="$1" '
		/^#/ || /^$/ { print; next }
		/^[ \t]/ { if (!drop) print; next }
		{ drop = ($8 == "pipe") }
		drop { next }
		$1 == "smtp" && $2 == "inet" { print "127.0.0.1:" port " inet n - n - - smtpd"; next }
		{ $5 = "n"; print }
	' /etc/postfix/master.cf
}

# smtp_greets PORT: wait until an SMTP server greets (220) on
# 127.0.0.1:PORT (10 s); 1 when none does.
smtp_greets() {
	local _
	for _ in $(seq 1 100); do
		python3 - "$1" <<-'EOF' && return 0
		import socket, sys
		s = socket.socket()
		s.settimeout(1)
		try:
		    s.connect(("127.0.0.1", int(sys.argv[1])))
		    sys.exit(0 if s.recv(512).startswith(b"220") else 1)
		except OSError:
		    sys.exit(1)
		EOF
		sleep 0.1
	done
	return 1
}

# _pf_up DIR PORT: start the Postfix of DIR/conf and wait until it greets
# (220) on 127.0.0.1:PORT (10 s).
_pf_up() {
	if ! postfix -c "$1/conf" start >>"$1/start.log" 2>&1; then
		diag "postfix start failed:" "$(cat "$1/start.log")" "$(tail -n 20 "$1/maillog" 2>/dev/null)"
		return 1
	fi
	smtp_greets "$2" && return 0
	diag "postfix does not answer on 127.0.0.1:$2" "$(tail -n 20 "$1/maillog" 2>/dev/null)"
	return 1
}

# _pf_down DIR: stop the Postfix of DIR/conf and wait until it is gone (20 s).
_pf_down() {
	local i
	postfix -c "$1/conf" stop >/dev/null 2>&1
	for i in $(seq 1 200); do
		postfix -c "$1/conf" status >/dev/null 2>&1 || return 0
		sleep 0.1
	done
	diag "postfix -c $1/conf did not stop"
	return 1
}

# pf_stop: stop the private Postfix and wait until it is gone.
pf_stop() {
	[ -n "$PF" ] || return 0
	_pf_down "$PF" && PF=
}

# pf_pause / pf_resume: stop the private Postfix, as an outage of the
# host would (its queue and configuration stay), and start it again on
# the same port.
pf_pause() { _pf_down "$PF"; }
pf_resume() { _pf_up "$PF" "$PORT"; }

# pf_edge_start RELAY_PORT: a second private Postfix, an edge MX, on
# 127.0.0.1:$EDGE_PORT with its own configuration, queue and log under
# $EDGE ($EDGE/conf, $EDGE/queue, $EDGE/maillog). It stores nothing: it
# accepts mail for support@ and billing@helpdesk.test (with +extensions)
# from anyone and relays it to the desk's Postfix at
# smtp:[127.0.0.1]:RELAY_PORT (brackets: no MX lookup), and refuses
# every other recipient. Retries are fast for tests: queue_run_delay and
# minimal_backoff_time 2 s, maximal_backoff_time 4 s, smtp_connect_timeout
# 2 s. $EDGE_EXTRA_MAIN_CF is appended to its main.cf. Stopped at exit.
pf_edge_start() {
	ensure_postfix || { diag "cannot install postfix (see $T/apt-postfix.log)"; return 1; }
	EDGE=$T/edge
	EDGE_PORT=$(free_port) || { diag "no free port"; return 1; }
	mkdir -p "$EDGE/conf" "$EDGE/queue" "$EDGE/data"
	chown postfix "$EDGE/data"
	{ _pf_main_cf "$EDGE" edge.helpdesk.test; cat; } >"$EDGE/conf/main.cf" <<-EOF
	relay_domains = helpdesk.test
	relay_recipient_maps = inline:{ support@helpdesk.test=ok, billing@helpdesk.test=ok }
	transport_maps = inline:{ helpdesk.test=smtp:[127.0.0.1]:$1 }
	recipient_delimiter = +
	in_flow_delay = 0
	smtpd_banner = \$myhostname ESMTP
	queue_run_delay = 2s
	minimal_backoff_time = 2s
	maximal_backoff_time = 4s
	smtp_connect_timeout = 2s
	EOF
	[ -n "${EDGE_EXTRA_MAIN_CF:-}" ] && printf '%s\n' "$EDGE_EXTRA_MAIN_CF" >>"$EDGE/conf/main.cf"
	_pf_master_cf "$EDGE_PORT" >"$EDGE/conf/master.cf"
	postfix -c "$EDGE/conf" check >>"$EDGE/start.log" 2>&1
	_pf_up "$EDGE" "$EDGE_PORT"
}

# pf_log: the private Postfix's log so far.
pf_log() { cat "$PF/maillog" 2>/dev/null; }

# wait_queue_empty [SECONDS] [DIR]: until the queue of the private Postfix
# (of DIR/conf, e.g. $EDGE) is empty (default 60 s).
wait_queue_empty() {
	local i out
	for i in $(seq 1 $((${1:-60} * 10))); do
		out=$(postqueue -c "${2:-$PF}/conf" -p 2>&1)
		case $out in *"Mail queue is empty"*) return 0 ;; esac
		sleep 0.1
	done
	diag "queue not empty:" "$out"
	return 1
}

# ---------------------------------------------------------------- milter

# milter_start [ARGS...]: maildesk-milter as user maildesk, in the
# foreground with --debug, stderr appended to $T/milter.log; waits for its
# socket. setpriv (util-linux, like runuser) execs the milter itself, so
# MILTER_PID is the milter's own pid and can be sent any signal.
milter_start() {
	local i
	ensure_maildesk_user || return 1
	mkdir -p "$T/run"
	chown maildesk:maildesk "$T/run"
	chmod 0755 "$T/run"
	# (not through the function as_maildesk: a function in the background
	# is a subshell, and $! must be the milter's own pid)
	HOME=$(getent passwd maildesk | cut -d: -f6) USER=maildesk LOGNAME=maildesk \
		setpriv --reuid="$MAILDESK_UID" --regid="$MAILDESK_GID" --init-groups -- \
		"$MILTER" --store "$STORE" --socket "unix:$MILTER_SOCK" --foreground --debug "$@" \
		</dev/null >>"$T/milter.log" 2>&1 &
	MILTER_PID=$!
	for i in $(seq 1 100); do
		if ! kill -0 "$MILTER_PID" 2>/dev/null; then
			wait "$MILTER_PID"
			diag "maildesk-milter exited with $? at start:" "$(tail -n 20 "$T/milter.log")"
			MILTER_PID=
			return 1
		fi
		# the socket exists and accepts connections
		[ -S "$MILTER_SOCK" ] && python3 - "$MILTER_SOCK" <<-'EOF' && return 0
		import socket, sys
		s = socket.socket(socket.AF_UNIX)
		try:
		    s.connect(sys.argv[1])
		except OSError:
		    sys.exit(1)
		EOF
		sleep 0.1
	done
	diag "maildesk-milter does not listen on $MILTER_SOCK" "$(tail -n 20 "$T/milter.log")"
	return 1
}

# milter_stop: SIGTERM, then wait (30 s at most). Returns the milter's exit
# status (1 if it had to be killed).
milter_stop() {
	local i rc
	[ -n "$MILTER_PID" ] || return 0
	kill -TERM "$MILTER_PID" 2>/dev/null
	for i in $(seq 1 300); do
		if ! kill -0 "$MILTER_PID" 2>/dev/null; then
			wait "$MILTER_PID"
			rc=$?
			MILTER_PID=
			return $rc
		fi
		sleep 0.1
	done
	diag "maildesk-milter did not stop within 30 s of SIGTERM; killed"
	kill -KILL "$MILTER_PID" 2>/dev/null
	wait "$MILTER_PID" 2>/dev/null
	MILTER_PID=
	return 1
}

# milter_kill: SIGKILL, as a crash would.
milter_kill() {
	[ -n "$MILTER_PID" ] || return 0
	kill -KILL "$MILTER_PID" 2>/dev/null
	wait "$MILTER_PID" 2>/dev/null
	MILTER_PID=
	return 0
}

# ------------------------------------------------------------------ mail

# smtp_send FILE [RCPT] [FROM] [USER:PASSWORD]: send FILE through SMTP to
# 127.0.0.1:$PORT, after SASL AUTH as USER when given (a refused AUTH is
# the final reply then). Prints the final reply ("250 2.0.0 Ok: queued as
# ...", "451 4.3.0 ...", "535 5.7.8 ..."); returns 0 on 2xx, 4 on 4xx, 5 on
# 5xx, 1 when it could not talk SMTP.
smtp_send() {
	python3 "$TESTS_T/smtp-send.py" ${4:+--auth "$4"} "$PORT" "${2:-support@helpdesk.test}" \
		"${3:-requester@example.test}" "$1"
}

# smtp_send_many RCPT FILE...: one SMTP session, one message per FILE;
# prints "CODE<TAB>FILE<TAB>REPLY" per file; returns 0 when all got 2xx.
smtp_send_many() {
	local rcpt=$1
	shift
	python3 "$TESTS_T/smtp-send.py" --many "$PORT" "$rcpt" "requester@example.test" "$@"
}

# wait_indexed N [SECONDS]: until mail/new is empty and mail/cur holds N
# files (default 60 s).
wait_indexed() {
	local i n=0 new=0
	for i in $(seq 1 $((${2:-60} * 10))); do
		new=$(count_files "$STORE/mail/new")
		n=$(count_files "$STORE/mail/cur")
		[ "$new" -eq 0 ] && [ "$n" -eq "$1" ] && return 0
		sleep 0.1
	done
	diag "wait_indexed $1: mail/new has $new, mail/cur has $n"
	return 1
}

# make_msg NAME FROM MESSAGE-ID [IN-REPLY-TO] [SUBJECT] [TO]: a small
# message in $T/NAME.eml (its path is printed); its body holds the line
# "needle-NAME" to find it by.
make_msg() {
	local f=$T/$1.eml
	{
		printf 'From: %s\n' "$2"
		printf 'To: %s\n' "${6:-support@helpdesk.test}"
		printf 'Subject: %s\n' "${5:-Question $1}"
		printf 'Date: Tue, 17 Nov 2009 22:00:00 +0600\n'
		printf 'Message-ID: <%s>\n' "$3"
		[ -n "${4:-}" ] && printf 'In-Reply-To: <%s>\nReferences: <%s>\n' "$4" "$4"
		printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n'
		printf 'Body of %s, with a line to find: needle-%s.\n' "$1" "$1"
	} >"$f"
	echo "$f"
}

# header_of FILE NAME: the first value of header NAME in FILE (unfolded).
header_of() {
	python3 - "$1" "$2" <<-'EOF'
	import email.parser, email.policy, sys
	with open(sys.argv[1], "rb") as f:
	    m = email.parser.BytesHeaderParser(policy=email.policy.compat32).parse(f)
	v = m.get(sys.argv[2])
	if v is None:
	    sys.exit(1)
	print(" ".join(str(v).split()))
	EOF
}

# ticket_of_msgid ID: the ticket of the message ID stored in mail/cur.
ticket_of_msgid() {
	local f
	f=$(grep -l -F -x "Message-ID: <$1>" "$STORE"/mail/cur/* 2>/dev/null | head -n 1)
	[ -n "$f" ] && header_of "$f" X-Desk-Ticket
}
# wait_msgid ID: until message ID is stored and indexed (30 s).
wait_msgid() {
	local i
	for i in $(seq 1 300); do
		ticket_of_msgid "$1" >/dev/null && return 0
		sleep 0.1
	done
	diag "message <$1> not indexed" "$(tail -n 5 "$T/milter.log")"
	return 1
}
