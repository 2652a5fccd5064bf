# bench/lib.sh: what bench/ingest and bench/soak share: a private Postfix
# on 127.0.0.1 that delivers into a Maildir with virtual(8), a milter run
# as user maildesk beside it, a maildesk store to deliver into, and the
# cleanup at exit of everything they started.
#
# Sourced after BENCH (the script's name, for messages) and ROOT (the build
# tree) are set. bench_setup must run first: it checks the environment,
# picks PORT, makes the scratch directory T and installs the traps.
# shellcheck shell=bash

DESK=$ROOT/desk
MILTER=$ROOT/maildesk-milter
STALL=${STALL:-120}  # seconds without progress before a run is declared stuck
POLL=${POLL:-0.05}   # seconds between two looks at the Maildir
export LC_ALL=C
shopt -s nullglob

CONF=          # the running Postfix instance's config dir, if any
MPID=          # the running milter's pid, if any
SRC=           # the running smtp-source's pid, if any

die() { echo "$BENCH: $*" >&2; exit 1; }

# bench_setup BINARY...: root, Postfix and the BINARYs there; the user
# maildesk (made if missing), with postfix in its group; a free PORT; the
# scratch directory T, removed at exit with everything started.
bench_setup() {
	local b c p i
	[ "$(id -u)" = 0 ] || die "must run as root (it starts a private Postfix)"
	for b in "$@"; do
		[ -x "$b" ] || die "$b missing: make desk maildesk-milter bench/noop-milter"
	done
	for c in postfix postconf smtp-source runuser ss bc; do
		command -v "$c" >/dev/null || die "$c not found (packages postfix, bc)"
	done
	[ -f /etc/postfix/master.cf ] || die "/etc/postfix/master.cf missing (postfix package)"

	if ! id -u maildesk >/dev/null 2>&1; then
		useradd -r -M -d /nonexistent -s /usr/sbin/nologin maildesk || die "cannot create user maildesk"
	fi
	VUID=$(id -u maildesk)
	VGID=$(id -g maildesk)
	# maildesk-milter's socket is 0660, of the store's group: Postfix must be in it
	id -nG postfix | grep -qw "$(id -gn maildesk)" || usermod -aG "$(id -gn maildesk)" postfix ||
		die "cannot add postfix to the group of maildesk"

	# from a random start: two benches started at once rarely pick the same
	PORT=
	local first=$((RANDOM % 101))
	for i in $(seq 0 100); do
		p=$((2525 + (first + i) % 101))
		if [ -z "$(ss -Hltn "sport = :$p")" ]; then PORT=$p; break; fi
	done
	[ -n "$PORT" ] || die "no free port in 2525-2625 on 127.0.0.1"

	T=$(mktemp -d "${TMPDIR:-/tmp}/maildesk-bench-${BENCH##*/}.XXXXXX") || die "mktemp failed"
	chmod 755 "$T"
	mkfifo "$T/tick" && exec {TICK}<>"$T/tick" || die "cannot make a FIFO in $T"
	trap cleanup EXIT
	trap 'exit 130' INT TERM
}

stop_postfix() {
	[ -n "$CONF" ] || return 0
	postfix -c "$CONF" stop >/dev/null 2>&1
	for _ in $(seq 1 100); do
		postfix -c "$CONF" status >/dev/null 2>&1 || break
		sleep 0.1
	done
	if postfix -c "$CONF" status >/dev/null 2>&1; then
		local master
		master=$(head -1 "${CONF%/conf}/queue/pid/master.pid" 2>/dev/null | tr -d ' ')
		[ -n "$master" ] && kill -9 "$master" 2>/dev/null
	fi
	CONF=
}

stop_milter() {
	[ -n "$MPID" ] || return 0
	kill -TERM "$MPID" 2>/dev/null
	for _ in $(seq 1 100); do
		kill -0 "$MPID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$MPID" 2>/dev/null && kill -9 "$MPID" 2>/dev/null
	MPID=
}

cleanup() {
	[ -n "$SRC" ] && kill "$SRC" 2>/dev/null
	stop_postfix
	stop_milter
	wait 2>/dev/null
	[ -n "${KEEP:-}" ] && { echo "$BENCH: kept $T" >&2; return; }
	rm -rf "$T"
}

now() { echo "$EPOCHREALTIME"; }

# configure NAME MILTER_SOCKET: $T/NAME with conf/, queue/, data/, store/.
configure() {
	local r=$T/$1 milter=$2
	mkdir -p "$r/conf" "$r/queue" "$r/data" "$r/store" "$r/run"
	chown postfix "$r/data"
	chown maildesk:maildesk "$r/run"
	awk -v port="$PORT" '
		/^smtp[ \t]+inet[ \t]/ { print "127.0.0.1:" port " inet n - n - - smtpd"; next }
		/^[^#[:space:]]/ && NF >= 8 { $5 = "n" }
		{ print }' /etc/postfix/master.cf >"$r/conf/master.cf"
	cat >"$r/conf/main.cf" <<-EOF
	compatibility_level = 3.6
	queue_directory = $r/queue
	data_directory = $r/data
	maillog_file = $r/maillog
	maillog_file_prefixes = $T
	myhostname = mx.helpdesk.test
	inet_interfaces = 127.0.0.1
	inet_protocols = ipv4
	mynetworks = 127.0.0.0/8
	mydestination =
	alias_maps =
	alias_database =
	local_transport = error:local delivery disabled
	default_transport = error:outbound disabled
	relay_transport = error:relay disabled
	virtual_mailbox_domains = helpdesk.test
	virtual_mailbox_base = $r/store
	virtual_mailbox_maps = inline:{ support@helpdesk.test=mail/ }
	virtual_uid_maps = static:$VUID
	virtual_gid_maps = static:$VGID
	virtual_minimum_uid = $VUID
	in_flow_delay = 0
	local_header_rewrite_clients =
	recipient_delimiter = +
	EOF
	if [ -n "$milter" ]; then
		cat >>"$r/conf/main.cf" <<-EOF
		smtpd_milters = $milter
		milter_protocol = 6
		milter_default_action = tempfail
		EOF
	fi
}

# desk_store NAME: a fresh store in $T/NAME/store for one sender's load.
# Every message comes from a@x.test: the new-ticket rate limits
# (maildesk.conf(5), [sender]) high enough for the load, yet counted, so
# their cost is in the figure; the one acknowledgement (a@x.test's, once
# per window) goes nowhere.
desk_store() {
	local r=$T/$1
	rmdir "$r/store"
	"$DESK" init --address support@helpdesk.test "$r/store" >"$r/init.log" 2>&1 ||
		{ cat "$r/init.log" >&2; die "desk init failed"; }
	sed -i -E -e 's/^#?(rate_new_(sender|domain|total)) = .*/\1 = 1000000\/1h/' \
		-e 's|^#?sendmail = .*|sendmail = /usr/bin/dd of=/dev/null status=none|' "$r/store/maildesk.conf"
	chown -R maildesk:maildesk "$r/store"
}

# start_milter NAME CMD...: run CMD as maildesk, its pid in MPID, wait for the socket.
start_milter() {
	local r=$T/$1 sock=$T/$1/run/milter.sock
	shift
	runuser -u maildesk -- sh -c 'echo $$ >"$0"; exec "$@"' "$r/run/pid" "$@" >"$r/milter.log" 2>&1 &
	for _ in $(seq 1 100); do
		[ -S "$sock" ] && [ -s "$r/run/pid" ] && break
		sleep 0.05
	done
	[ -S "$sock" ] || { cat "$r/milter.log" >&2; die "$1: milter did not create $sock"; }
	MPID=$(cat "$r/run/pid")
}

# start_maildesk NAME: maildesk-milter in the foreground on $T/NAME/store.
start_maildesk() {
	start_milter "$1" "$MILTER" --store "$T/$1/store" --socket "unix:$T/$1/run/milter.sock" --foreground
}

start_postfix() {
	local r=$T/$1
	CONF=$r/conf
	if ! postfix -c "$CONF" start >"$r/start.log" 2>&1; then
		cat "$r/start.log" "$r/maillog" >&2 2>/dev/null
		die "$1: postfix start failed"
	fi
	local master
	for _ in $(seq 1 100); do
		master=$(head -1 "$r/queue/pid/master.pid" 2>/dev/null | tr -d ' ')
		if [ -n "$master" ] && [ -n "$(ss -Hltn "sport = :$PORT")" ]; then
			# ours, not another instance that took the port in the meantime
			ss -Hltnp "sport = :$PORT" | grep -q "pid=$master," && return 0
			die "$1: another process listens on 127.0.0.1:$PORT: $(ss -Hltnp "sport = :$PORT")"
		fi
		sleep 0.05
	done
	die "$1: Postfix does not listen on 127.0.0.1:$PORT"
}

# count VAR DIR: the number of files in DIR, into VAR, without a fork
# (the poller must not steal CPU from what it measures: 2 cores).
count() {
	local -a f=("$2"/*)
	printf -v "$1" %d ${#f[@]}
}

# pause: sleep POLL seconds without a fork (read on a silent FIFO).
pause() { read -r -t "$POLL" -u "$TICK" _ 2>/dev/null; }

tickets() {
	runuser -u maildesk -- "$DESK" --store "$1" list --status any --format ids 2>/dev/null | grep -c .
}

# stuck NAME WHAT: the run of NAME made no progress; say so with the logs, exit.
stuck() {
	local r=$T/$1
	echo "$BENCH: $1: $2 for ${STALL}s" >&2
	tail -5 "$r/smtp-source.log" >&2
	grep -E 'warning|error|fatal|reject' "$r/maillog" | tail -10 >&2
	[ -f "$r/milter.log" ] && tail -10 "$r/milter.log" >&2
	exit 1
}

# send NAME MESSAGES SESSIONS SIZE: smtp-source in the background, its pid in SRC.
send() {
	smtp-source -s "$3" -m "$2" -l "$4" -S "Help request" \
		-f a@x.test -t support@helpdesk.test "127.0.0.1:$PORT" >"$T/$1/smtp-source.log" 2>&1 &
	SRC=$!
}

# sent NAME: wait for smtp-source; show what it said.
sent() {
	wait "$SRC" || echo "$BENCH: $1: smtp-source exited with status $? (see below)" >&2
	SRC=
	grep -q . "$T/$1/smtp-source.log" && sed "s/^/  smtp-source: /" "$T/$1/smtp-source.log" | head -5 >&2
	return 0
}
