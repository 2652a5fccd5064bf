#!/bin/sh
# package-boot.sh: run by tests/t/0950-package.sh inside a fresh Debian 12
# booted with systemd (systemd-nspawn -b), as a unit of its own: what an
# administrator does with the package, step by step. Writes its log to
# /root/boot.log and its findings, one "key=value" a line, to /root/facts;
# the test on the host judges them. Then powers the machine off.
#
# Only 127.0.0.1 is ever sent to: Postfix's transports out are error:.
DEB=$1
DOMAIN=desk.example.test
exec >/root/boot.log 2>&1
set -x
fact() { printf '%s=%s\n' "$1" "$2" >>/root/facts; }
: >/root/facts
fact pid1 "$(cat /proc/1/comm)"

# 1. apt install ./maildesk_*.deb, with Postfix (a Recommends) for local mail
echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
echo "postfix postfix/mailname string $DOMAIN" | debconf-set-selections
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -q "$DEB" >/root/apt.log 2>&1
fact apt "$?"
apt-get install -y -q python3 >>/root/apt.log 2>&1   # for the demo's mail
fact user "$(id -nG maildesk 2>&1 | tr ' ' ,)"
fact store "$(stat -c '%a %U:%G' /var/lib/maildesk 2>&1)"
fact conf "$(stat -c '%a %U:%G' /var/lib/maildesk/maildesk.conf 2>&1)"
fact address "$(grep '^addresses' /var/lib/maildesk/maildesk.conf 2>&1)"
fact wrapper "$(stat -c '%a %U:%G' /usr/libexec/maildesk/maildesk-kb-receive 2>&1)"
fact milter_enabled "$(systemctl is-enabled maildesk-milter.service 2>&1)"
fact timer_enabled "$(systemctl is-enabled maildesk-autoclose.timer 2>&1)"
fact timer_active "$(systemctl is-active maildesk-autoclose.timer 2>&1)"
fact sla_timer_enabled "$(systemctl is-enabled maildesk-sla.timer 2>&1)"
fact sla_timer_active "$(systemctl is-active maildesk-sla.timer 2>&1)"
for i in $(seq 1 100); do
	[ -S /run/maildesk/milter.sock ] && break
	sleep 0.1
done
fact milter_active "$(systemctl is-active maildesk-milter.service 2>&1)"
fact milter_user "$(ps -o user= -C maildesk-milter 2>&1 | head -n 1)"
fact socket "$(stat -c '%A %U:%G' /run/maildesk/milter.sock 2>&1)"
fact nnp "$(grep -h '^NoNewPrivs' /proc/"$(systemctl show -p MainPID --value maildesk-milter)"/status 2>&1 | tr -d '\t ')"
systemd-analyze verify /lib/systemd/system/maildesk-milter.service \
	/lib/systemd/system/maildesk-autoclose.service /lib/systemd/system/maildesk-autoclose.timer \
	/lib/systemd/system/maildesk-report.service /lib/systemd/system/maildesk-report.timer \
	/lib/systemd/system/maildesk-sla.service /lib/systemd/system/maildesk-sla.timer \
	/lib/systemd/system/maildesk-hooks.service /lib/systemd/system/maildesk-hooks.timer \
	>/root/verify.log 2>&1
fact verify "$?"
fact man "$(man -w maildesk-milter desk-list maildesk.conf maildesk-security 2>&1 | wc -l)"
fact examples "$(ls /usr/share/doc/maildesk/examples 2>&1 | tr '\n' ' ')"

# 2. wire Postfix as README.Debian says (with this machine's domain)
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
	'relay_transport = error:outbound disabled' 'inet_interfaces = loopback-only' 'inet_protocols = ipv4'
systemctl restart postfix
for i in $(seq 1 100); do
	(exec 3<>/dev/tcp/127.0.0.1/25) 2>/dev/null && break
	sleep 0.1
done

# 3. the demo's mail through SMTP, as README.Debian shows it
python3 /usr/share/doc/maildesk/examples/demo-mail --to "support@$DOMAIN" --smtp 127.0.0.1:25 >/root/send.log 2>&1
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
# acknowledgements left through sendmail(1) under NoNewPrivileges: Postfix's
# pickup took them from the maildrop, written by the user maildesk (then the
# transport out, error:, bounced them)
for i in $(seq 1 300); do
	[ "$(journalctl -q --no-pager | grep -c "postfix/pickup.* uid=$(id -u maildesk) ")" -ge 12 ] && break
	sleep 0.1
done
fact acks_to_postfix "$(journalctl -q --no-pager | grep -c "postfix/pickup.* uid=$(id -u maildesk) ")"
fact acks_logged "$(journalctl -q --no-pager -t maildesk-milter | grep -c ': acknowledged to ')"
fact postdrop_errors "$(journalctl -q --no-pager 2>/dev/null | grep -c 'postdrop.*Permission denied')"
fact milter_errors "$(journalctl -q --no-pager -t maildesk-milter 2>/dev/null | grep -c -i 'error\|fail\|not sent')"
journalctl -q --no-pager -t maildesk-milter >/root/milter.log 2>&1
journalctl -q --no-pager >/root/journal.log 2>&1
# desk doctor finds the installation, wired as README.Debian says, all well
desk doctor >/root/doctor.txt 2>&1
fact doctor "$?"

# 4. systemctl stop/start: the socket goes and comes back
systemctl stop maildesk-milter
fact stopped_socket "$(test -e /run/maildesk/milter.sock && echo present || echo gone)"
systemctl start maildesk-milter
fact restarted "$(systemctl is-active maildesk-milter 2>&1)"
# 5. purge: the service goes, the store and its mail stay; install again:
# the store is taken as it is, its tickets are all there
apt-get purge -y -q maildesk >>/root/apt.log 2>&1
fact purge "$?"
fact purged_service "$(systemctl is-active maildesk-milter 2>&1)"
fact purged_override "$(dpkg-statoverride --list /usr/libexec/maildesk/maildesk-kb-receive >/dev/null && echo left || echo removed)"
fact purged_store "$(find /var/lib/maildesk/mail/cur -type f | wc -l)"
apt-get install -y -q "$DEB" >>/root/apt.log 2>&1
fact reinstall "$?"
fact reinstalled_tickets "$(runuser -u maildesk -- desk list --status any --automatic --format=ids 2>&1 | wc -l)"
fact reinstalled_active "$(systemctl is-active maildesk-milter 2>&1)"
fact done yes
systemctl poweroff --no-block
