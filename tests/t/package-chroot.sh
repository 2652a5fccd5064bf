#!/bin/sh
# package-chroot.sh DEB PORT: run by tests/t/0950-package.sh inside a fresh
# Debian 12 used as a plain chroot, where systemd cannot boot it (no cgroup
# file system: CI's own chroot). What an administrator does with the
# package, without systemd: apt installs it (its maintainer scripts must not
# fail without systemd; policy-rc.d keeps services from starting), the
# milter is started by hand as its unit's ExecStart says (user, group,
# umask, environment, runtime directory, no new privileges), Postfix is
# wired as README.Debian says and started with `postfix start` on
# 127.0.0.1:PORT (the chroot shares the host's network), the demo's mail
# goes through it into tickets. Writes its log to /root/chroot.log and its
# findings, one "key=value" a line, to /root/facts; the test on the host
# judges them, and ends whatever this left running.
#
# Only 127.0.0.1 is ever sent to: Postfix's transports out are error:.
DEB=$1
PORT=$2
DOMAIN=desk.example.test
UNIT=/lib/systemd/system/maildesk-milter.service
exec >/root/chroot.log 2>&1
set -x
fact() { printf '%s=%s\n' "$1" "$2" >>/root/facts; }
: >/root/facts

# pids NAME: the processes called NAME whose root is this chroot's (the
# host's /proc shows every process of the machine)
# (-ef: the same device and inode; /proc/PID/root leads to its root)
pids() {
	for p in /proc/[0-9]*; do
		[ "$p/root" -ef / ] || continue
		read -r c 2>/dev/null <"$p/comm" && [ "$c" = "$1" ] && echo "${p#/proc/}"
	done
}
# unit KEY: the value of KEY= in the milter's unit (the last one)
unit() { sed -n "s/^$1=//p" "$UNIT" | tail -n 1; }
# wait_tcp PORT: until something answers 220 on 127.0.0.1:PORT (10 s)
wait_tcp() {
	python3 - "$1" <<-'EOF'
	import socket, sys, time
	for _ in range(100):
	    try:
	        with socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1) as s:
	            if s.recv(512).startswith(b"220"):
	                sys.exit(0)
	    except OSError:
	        pass
	    time.sleep(0.1)
	sys.exit(1)
	EOF
}

fact systemd "$(test -d /run/systemd/system && echo running || echo absent)"

# 1. apt install ./maildesk_*.deb, with Postfix (a Recommends) for local mail
echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
echo "postfix postfix/mailname string $DOMAIN" | debconf-set-selections
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -q "$DEB" >/root/apt.log 2>&1
fact apt "$?"
apt-get install -y -q python3 >>/root/apt.log 2>&1   # for the demo's mail
# the maintainer scripts' systemd part without systemd: no complaint
fact systemd_errors "$(grep -c -i 'not been booted\|failed to connect\|systemctl.*fail\|deb-systemd.*fail' /root/apt.log)"
fact started_by_apt "$(pids maildesk-milter | wc -l) $(pids master | wc -l)"
fact user "$(id -nG maildesk 2>&1 | tr ' ' ,)"
fact store "$(stat -c '%a %U:%G' /var/lib/maildesk 2>&1)"
fact conf "$(stat -c '%a %U:%G' /var/lib/maildesk/maildesk.conf 2>&1)"
fact address "$(grep '^addresses' /var/lib/maildesk/maildesk.conf 2>&1)"
fact wrapper "$(stat -c '%a %U:%G' /usr/libexec/maildesk/maildesk-kb-receive 2>&1)"
fact milter_enabled "$(systemctl is-enabled maildesk-milter.service 2>&1)"
fact timer_enabled "$(systemctl is-enabled maildesk-autoclose.timer 2>&1)"
fact sla_timer_enabled "$(systemctl is-enabled maildesk-sla.timer 2>&1)"
fact man "$(man -w maildesk-milter desk-list maildesk.conf maildesk-security 2>&1 | wc -l)"

# 2. a syslog for the milter (LOG_MAIL): /dev/log into /var/log/syslog
setsid python3 -c '
import os, socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
os.chmod("/dev/log", 0o666)
with open("/var/log/syslog", "ab", buffering=0) as f:
    while True:
        f.write(s.recv(65536).rstrip(b"\n") + b"\n")
' </dev/null >/dev/null 2>&1 &
SYSLOG=$!
for i in $(seq 1 100); do
	[ -S /dev/log ] && break
	sleep 0.1
done

# 3. the milter, as its unit starts it: the runtime directory, then
# ExecStart as User/Group (and the user's groups), with UMask, the unit's
# Environment, no new privileges and no capabilities; it forks once its
# socket listens (Type=forking)
fact execstart "$(unit ExecStart)"
install -d -o "$(unit User)" -g "$(unit Group)" -m "$(unit RuntimeDirectoryMode)" "/run/$(unit RuntimeDirectory)"
set -f
(
	umask "$(unit UMask)"
	# shellcheck disable=SC2046
	env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME="$(getent passwd "$(unit User)" | cut -d: -f6)" USER="$(unit User)" LOGNAME="$(unit User)" \
		SHELL=/usr/sbin/nologin $(unit Environment) \
		setpriv --reuid="$(unit User)" --regid="$(unit Group)" --init-groups \
		--no-new-privs --bounding-set=-all -- $(unit ExecStart) </dev/null
)
fact milter_start "$?"
set +f
for i in $(seq 1 100); do
	[ -S /run/maildesk/milter.sock ] && break
	sleep 0.1
done
MPID=$(pids maildesk-milter | head -n 1)
fact milter_running "$(pids maildesk-milter | wc -l)"
fact milter_user "$(ps -o user= -p "$MPID" 2>&1)"
fact nnp "$(grep -h '^NoNewPrivs' "/proc/$MPID/status" 2>&1 | tr -d '\t ')"
fact socket "$(stat -c '%A %U:%G' /run/maildesk/milter.sock 2>&1)"

# 4. wire Postfix as README.Debian says (with this machine's domain), its
# smtpd on 127.0.0.1:PORT, its log in /var/log/postfix.log (no syslog for
# chrooted daemons here); then `postfix start`
postconf -F smtp/inet/chroot=n cleanup/unix/chroot=n
adduser --quiet postfix maildesk
postconf -e 'smtpd_milters = unix:/run/maildesk/milter.sock' \
	'non_smtpd_milters = $smtpd_milters' 'milter_protocol = 6' \
	'milter_default_action = tempfail' 'recipient_delimiter = +' \
	"virtual_mailbox_domains = $DOMAIN" \
	'virtual_mailbox_base = /var/lib/maildesk' \
	"virtual_mailbox_maps = inline:{ support@$DOMAIN=mail/ }" \
	"virtual_uid_maps = static:$(id -u maildesk)" \
	"virtual_gid_maps = static:$(getent group maildesk | cut -d: -f3)"
# nothing leaves this machine
postconf -e 'mydestination = localhost' 'default_transport = error:outbound disabled' \
	'relay_transport = error:outbound disabled' 'inet_interfaces = loopback-only' 'inet_protocols = ipv4' \
	'maillog_file = /var/log/postfix.log'
postconf -Me "$PORT/inet=$(postconf -M smtp/inet | sed "s/^smtp /$PORT /")"
postconf -MX smtp/inet
postfix start >/root/postfix-start.log 2>&1
fact postfix_start "$?"
wait_tcp "$PORT"
fact postfix_listens "$?"

# 5. the demo's mail through SMTP, as README.Debian shows it
python3 /usr/share/doc/maildesk/examples/demo-mail --to "support@$DOMAIN" --smtp "127.0.0.1:$PORT" >/root/send.log 2>&1
fact send "$?"
fact accepted "$(grep -c '^250 ' /root/send.log)"
n=0
for i in $(seq 1 600); do
	n=$(runuser -u maildesk -- desk list --status any --automatic --format=ids 2>/dev/null | wc -l)
	[ "$n" -ge 14 ] && [ -z "$(ls -A /var/lib/maildesk/mail/new)" ] && break
	sleep 0.1
done
fact tickets "$n"
runuser -u maildesk -- desk list >/root/list.txt 2>&1
fact printer "$(grep -c 'Drucker im Büro druckt nur noch Hieroglyphen' /root/list.txt)"
runuser -u maildesk -- desk show 1 >/root/show1.txt 2>&1
fact show1 "$(grep -c -- '--- message' /root/show1.txt)"
# acknowledgements left through sendmail(1) under no new privileges:
# Postfix's pickup took them from the maildrop, written by the user maildesk
pickups() { grep -c "postfix/pickup.* uid=$(id -u maildesk) " /var/log/postfix.log; }
for i in $(seq 1 300); do
	[ "$(pickups)" -ge 12 ] && break
	sleep 0.1
done
fact acks_to_postfix "$(pickups)"
fact acks_logged "$(grep 'maildesk-milter' /var/log/syslog | grep -c ': acknowledged to ')"
fact postdrop_errors "$(grep -c 'postdrop.*Permission denied' /var/log/postfix.log /var/log/syslog | awk -F: '{ n += $NF } END { print n }')"
fact milter_errors "$(grep 'maildesk-milter' /var/log/syslog | grep -c -i 'error\|fail\|not sent')"
grep 'maildesk-milter' /var/log/syslog >/root/milter.log 2>&1

# 6. stop: SIGTERM, as systemctl stop sends it; it ends within the unit's
# TimeoutStopSec. Then Postfix.
kill -TERM "$MPID"
for i in $(seq 1 600); do
	[ -z "$(pids maildesk-milter)" ] && break
	sleep 0.1
done
fact milter_stopped "$(pids maildesk-milter | wc -l)"
postfix stop >>/root/postfix-start.log 2>&1
fact postfix_stop "$?"

# 7. purge without systemd: the store and its mail stay; install again:
# the store is taken as it is, its tickets are all there
apt-get purge -y -q maildesk >>/root/apt.log 2>&1
fact purge "$?"
fact purged_override "$(dpkg-statoverride --list /usr/libexec/maildesk/maildesk-kb-receive >/dev/null && echo left || echo removed)"
fact purged_store "$(find /var/lib/maildesk/mail/cur -type f | wc -l)"
apt-get install -y -q "$DEB" >>/root/apt.log 2>&1
fact reinstall "$?"
fact reinstalled_tickets "$(runuser -u maildesk -- desk list --status any --automatic --format=ids 2>&1 | wc -l)"
fact reinstalled_enabled "$(systemctl is-enabled maildesk-milter.service 2>&1)"
fact systemd_errors_after "$(grep -c -i 'not been booted\|failed to connect\|systemctl.*fail\|deb-systemd.*fail' /root/apt.log)"
fact done yes
kill "$SYSLOG"
