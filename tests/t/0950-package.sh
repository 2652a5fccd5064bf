#!/usr/bin/env bash
# 0950-package.sh: the Debian package. From the tarball's files (make
# distdir): dpkg-buildpackage -us -uc -b builds maildesk_VERSION_ARCH.deb,
# lintian finds no error, the package holds what it must. Then a fresh
# Debian 12 (mmdebstrap, cached) booted with systemd-nspawn: `apt install
# ./maildesk_*.deb` makes the user, the store and the setuid wrapper, starts
# the milter as a hardened systemd service, `systemd-analyze verify` passes;
# Postfix wired as README.Debian says takes the demo's mail into tickets
# (tests/t/package-boot.sh does that part inside; its findings come back
# as facts). Where it cannot boot (no cgroup file system: CI's chroot), the
# same root as a plain chroot instead: apt installs the package without
# systemd (policy-rc.d), the milter is started by hand as its unit's
# ExecStart says, `postfix start` on a free port, the demo's mail into
# tickets (tests/t/package-chroot.sh). One of the two is skipped, with the
# reason.
#
# Needs dpkg-dev, debhelper, dh-autoreconf, lintian (else skipped); the
# fresh root needs mmdebstrap and Debian's archive, booting it
# systemd-container (else that part is skipped, with the reason).
# MAILDESK_ROOT_CACHE names the cached root (default
# ~/.cache/maildesk-tests/bookworm.tar, a week); MAILDESK_PACKAGE_ROOT=chroot
# takes the chroot even where the root could boot.
# On a cold cache (mmdebstrap, the package build, apt) it takes 8 to 10
# minutes on a busy machine of 2 cores:
# test-timeout: 1500
. "$(dirname "$0")/lib.sh"

for c in dpkg-buildpackage dh dh_autoreconf lintian; do
	command -v "$c" >/dev/null || {
		echo "1..0 # skip needs $c (dpkg-dev, debhelper, dh-autoreconf, lintian: ./bootstrap test installs them)"
		exit 0
	}
done
VERSION=$(sed -n 's/^PACKAGE_VERSION = //p' "$BUILDDIR/Makefile")
ARCH=$(dpkg --print-architecture)
[ -n "$VERSION" ] || bail_out "no PACKAGE_VERSION in $BUILDDIR/Makefile"

# ------------------------------------------------------------- the build
SRC=$T/build/maildesk-$VERSION
mkdir -p "$T/build"
make -s -C "$BUILDDIR" distdir distdir="$SRC" >"$T/distdir.log" 2>&1 || bail_out "make distdir" "$(tail -n 20 "$T/distdir.log")"
(cd "$SRC" && env -u MAILDESK_SANITIZERS -u ASAN_OPTIONS -u UBSAN_OPTIONS -u CORPUS \
	dpkg-buildpackage -us -uc -b) >"$T/build.log" 2>&1
rc=$?
check_eq "dpkg-buildpackage -us -uc -b succeeds from the tarball's files" 0 "$rc" ||
	diag "$(tail -n 30 "$T/build.log")"
DEB=$T/build/maildesk_${VERSION}_$ARCH.deb
check "it makes maildesk_${VERSION}_$ARCH.deb" test -f "$DEB"
[ -f "$DEB" ] || test_done

lintian --fail-on error "$T/build/maildesk_${VERSION}_$ARCH.changes" >"$T/lintian.log" 2>&1
rc=$?
check_eq "lintian finds no error" "0 0" "$rc $(grep -c '^E:' "$T/lintian.log")" || diag "$(grep '^E:' "$T/lintian.log")"
grep '^W:' "$T/lintian.log" | while IFS= read -r w; do diag "lintian: $w"; done

dpkg-deb -c "$DEB" | awk '{ print $NF }' | sed 's|^\./|/|' >"$T/contents"
missing=
for f in /usr/bin/desk /usr/sbin/maildesk-milter /usr/libexec/maildesk/maildesk-kb-receive \
	/lib/systemd/system/maildesk-milter.service /lib/systemd/system/maildesk-autoclose.service \
	/lib/systemd/system/maildesk-autoclose.timer /lib/systemd/system/maildesk-report.service \
	/lib/systemd/system/maildesk-report.timer /usr/share/maildesk/templates/ack.txt \
	/lib/systemd/system/maildesk-autoclose.timer /lib/systemd/system/maildesk-sla.service \
	/lib/systemd/system/maildesk-sla.timer /usr/share/maildesk/templates/ack.txt \
	/lib/systemd/system/maildesk-autoclose.timer /usr/share/maildesk/templates/ack.txt \
	/lib/systemd/system/maildesk-hooks.service /lib/systemd/system/maildesk-hooks.timer \
	/usr/share/doc/maildesk/examples/hooks/webhook /usr/share/doc/maildesk/examples/hooks/chat \
	/usr/share/doc/maildesk/examples/hooks/tracker \
	/usr/share/doc/maildesk/README.Debian /usr/share/doc/maildesk/design.md.gz \
	/usr/share/doc/maildesk/examples/demo-mail /usr/share/doc/maildesk/examples/neomuttrc; do
	grep -qx -F "$f" "$T/contents" || missing="$missing $f"
done
for m in "$SRCDIR"/doc/*.[1-8]; do
	s=${m##*.}
	grep -qx -F "/usr/share/man/man$s/$(basename "$m").gz" "$T/contents" || missing="$missing $(basename "$m")"
done
check_eq "the package holds the programs, units, templates, every man page, docs and examples" "" "$missing"
check "the KB wrapper is not setuid in the package (postinst makes it so)" \
	sh -c "dpkg-deb -c '$DEB' | grep -F './usr/libexec/maildesk/maildesk-kb-receive' | grep -q '^-rwxr-xr-x'"
info=$(dpkg-deb -f "$DEB" Depends Recommends)
case $info in
*libgit2-*) ok "it depends on libgit2's package (loaded by soname, unseen by dpkg-shlibdeps)" ;;
*) not_ok "it depends on libgit2's package (loaded by soname, unseen by dpkg-shlibdeps)" "$info" ;;
esac
case $info in
*"Recommends: postfix | sendmail-bin"*) ok "it recommends Postfix or Sendmail, forces neither" ;;
*) not_ok "it recommends Postfix or Sendmail, forces neither" "$info" ;;
esac

# ------------------------------ a fresh Debian 12: booted, else a chroot
# Booted with systemd-nspawn where it can be (systemd is pid 1, the units
# run as they would); where there is no cgroup file system (CI's chroot),
# the same root as a plain chroot: the package's maintainer scripts
# without systemd, the milter started as its unit says, `postfix start`.
why=
command -v mmdebstrap >/dev/null || why="needs mmdebstrap"
boot=
command -v systemd-nspawn >/dev/null || boot="needs systemd-nspawn (systemd-container)"
[ -z "$boot" ] && ! mountpoint -q /sys/fs/cgroup 2>/dev/null &&
	boot="no cgroup file system at /sys/fs/cgroup (a chroot?): systemd-nspawn cannot boot a container here"
[ "${MAILDESK_PACKAGE_ROOT:-}" = chroot ] && boot="MAILDESK_PACKAGE_ROOT=chroot asks for the plain chroot"
CACHE=${MAILDESK_ROOT_CACHE:-$HOME/.cache/maildesk-tests/bookworm.tar}
if [ -z "$why" ] && ! [ -n "$(find "$CACHE" -mtime -7 2>/dev/null)" ]; then
	mkdir -p "$(dirname "$CACHE")"
	mmdebstrap --variant=apt --include=ca-certificates,systemd,systemd-sysv,dbus,man-db,procps \
		bookworm "$CACHE.tmp.tar" >"$T/mmdebstrap.log" 2>&1 && mv "$CACHE.tmp.tar" "$CACHE" ||
		why="mmdebstrap could not make a Debian 12 root (no archive?): $(tail -n 1 "$T/mmdebstrap.log")"
fi
if [ -n "$why" ]; then
	skip "a fresh Debian 12: apt install, the service, Postfix to a ticket" "$why"
	test_done
fi

R=$T/root
mkdir -p "$R"
tar -xf "$CACHE" -C "$R" || bail_out "unpack $CACHE"
cp /etc/resolv.conf "$R/etc/resolv.conf"
cp "$DEB" "$R/root/"
fact() { sed -n "s/^$1=//p" "$R/root/facts" 2>/dev/null | head -n 1; }

# boot_run: boot the root with systemd-nspawn; tests/t/package-boot.sh runs
# as a unit of its own and powers it off.
boot_run() {
	cp "$SRCDIR/tests/t/package-boot.sh" "$R/root/package-boot.sh"
	cat >"$R/etc/systemd/system/package-boot.service" <<-EOF
	[Unit]
	Description=maildesk package test
	After=multi-user.target
	[Service]
	Type=oneshot
	ExecStart=/bin/sh /root/package-boot.sh /root/$(basename "$DEB")
	TimeoutStartSec=400
	[Install]
	WantedBy=multi-user.target
	EOF
	mkdir -p "$R/etc/systemd/system/multi-user.target.wants"
	ln -s /etc/systemd/system/package-boot.service "$R/etc/systemd/system/multi-user.target.wants/"
	# the container shares the host's network (for Debian's archive); its
	# Postfix listens on 127.0.0.1:25: make sure no other one does; its own
	# /etc/localtime (the package pulls tzdata, whose set-up replaces it)
	timeout 480 systemd-nspawn -q -D "$R" -b --register=no --keep-unit --timezone=off -M maildesk-test$$ \
		</dev/null >"$T/nspawn.log" 2>&1
	rc=$?
	check_eq "the fresh root boots with systemd, runs the steps and powers off" "0 yes" \
		"$rc $(fact done)" ||
		diag "$(tail -n 30 "$R/root/boot.log" 2>/dev/null)" "$(tail -n 10 "$T/nspawn.log")"
	check_eq "systemd is pid 1 there" systemd "$(fact pid1)"
}

# chroot_run: the root as a plain chroot (/proc mounted, its own /dev
# nodes from the tar; nothing of /sys is needed), policy-rc.d as Debian
# keeps services from starting in a chroot; tests/t/package-chroot.sh runs
# there. Whatever it leaves running is ended at exit, then /proc unmounted.
chroot_run() {
	local port n
	cp "$SRCDIR/tests/t/package-chroot.sh" "$R/root/package-chroot.sh"
	printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d"
	chmod 0755 "$R/usr/sbin/policy-rc.d"
	track_root "$R"
	mount -t proc proc "$R/proc" || bail_out "mount -t proc proc $R/proc"
	track_mount "$R/proc"
	# device nodes unpacked on a nodev file system do not open: the host's then
	if ! chroot "$R" /bin/sh -c ': >/dev/null' 2>/dev/null; then
		for n in null zero full random urandom tty; do
			mount --bind "/dev/$n" "$R/dev/$n" || bail_out "mount --bind /dev/$n"
			track_mount "$R/dev/$n"
		done
	fi
	# the chroot shares the host's network: its Postfix on a free port
	port=$(free_port) || bail_out "no free port"
	timeout 480 chroot "$R" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 TERM=dumb /bin/sh /root/package-chroot.sh "/root/$(basename "$DEB")" "$port" \
		</dev/null >"$T/chroot.log" 2>&1
	rc=$?
	check_eq "the fresh root as a chroot runs the steps" "0 yes" "$rc $(fact done)" ||
		diag "$(tail -n 30 "$R/root/chroot.log" 2>/dev/null)" "$(tail -n 10 "$T/chroot.log")"
	check_eq "systemd does not run there" absent "$(fact systemd)"
	check_eq "apt install ./maildesk_${VERSION}_$ARCH.deb succeeds without systemd" 0 "$(fact apt)" ||
		diag "$(tail -n 20 "$R/root/apt.log" 2>/dev/null)"
	check_eq "the maintainer scripts' systemd calls complain of nothing, the units are enabled" \
		"0 enabled enabled enabled" \
		"$(fact systemd_errors) $(fact milter_enabled) $(fact timer_enabled) $(fact sla_timer_enabled)" ||
		diag "$(grep -i 'systemd\|systemctl' "$R/root/apt.log" 2>/dev/null | tail -n 10)"
	check_eq "policy-rc.d: apt started neither the milter nor Postfix" "0 0" "$(fact started_by_apt)"
	check_eq "the milter starts by hand as the packaged unit's ExecStart says, the source's" \
		"$(sed -n 's/^ExecStart=//p' "$SRCDIR/contrib/systemd/maildesk-milter.service") 0 1" \
		"$(fact execstart) $(fact milter_start) $(fact milter_running)" ||
		diag "$(tail -n 10 "$R/root/milter.log" 2>/dev/null)"
	check_eq "postfix start: it listens on 127.0.0.1:$port" "0 0" "$(fact postfix_start) $(fact postfix_listens)" ||
		diag "$(cat "$R/root/postfix-start.log" 2>/dev/null)" "$(tail -n 10 "$R/var/log/postfix.log" 2>/dev/null)"
}

if [ -z "$boot" ]; then
	skip "the same root as a plain chroot" "booted with systemd here (the chroot is for where it cannot boot)"
	boot_run
	check_eq "apt install ./maildesk_${VERSION}_$ARCH.deb succeeds" 0 "$(fact apt)" ||
		diag "$(tail -n 20 "$R/root/apt.log" 2>/dev/null)"
else
	skip "the fresh root booted with systemd" "$boot"
	chroot_run
fi

# ------------------------------------------ what both have done the same
check_eq "the system user maildesk, in its group and postdrop's (sendmail under NoNewPrivileges)" \
	"maildesk,postdrop" "$(fact user)"
check_eq "desk init made /var/lib/maildesk: 2750 maildesk:maildesk" "2750 maildesk:maildesk" "$(fact store)"
check_eq "its maildesk.conf is 0640, the owner's" "640 maildesk:maildesk" "$(fact conf)"
check_eq "for support@ the mail name (/etc/mailname)" "addresses = support@desk.example.test" "$(fact address)"
check_eq "the KB wrapper is setuid to maildesk, group only (dpkg-statoverride)" "4750 maildesk:maildesk" \
	"$(fact wrapper)"
check_eq "man finds the man pages" 4 "$(fact man)"
check_eq "the milter runs as maildesk" maildesk "$(fact milter_user)"
check_eq "with no new privileges" "NoNewPrivs:1" "$(fact nnp)"
check_eq "its socket /run/maildesk/milter.sock is 0660 of group maildesk" "srw-rw---- maildesk:maildesk" \
	"$(fact socket)"
check_eq "demo-mail reaches Postfix on 127.0.0.1 and every message is accepted" "0 21" \
	"$(fact send) $(fact accepted)" || diag "$(tail -n 10 "$R/root/send.log" 2>/dev/null)"
check_eq "the packaged desk lists its 14 tickets" 14 "$(fact tickets)" ||
	diag "$(tail -n 20 "$R/root/milter.log" 2>/dev/null)"
check_eq "desk list shows the first one" 1 "$(fact printer)"
check_eq "desk show 1: Jürgen's three messages" 3 "$(fact show1)"
check_eq "the milter's 12 acknowledgements went into Postfix through sendmail(1), postdrop" "12 12" \
	"$(fact acks_logged) $(fact acks_to_postfix)"
check_eq "no postdrop refusal, no failure in the milter's log" "0 0" "$(fact postdrop_errors) $(fact milter_errors)" ||
	diag "$(grep -i 'err\|denied' "$R/root/journal.log" "$R/var/log/syslog" "$R/var/log/postfix.log" 2>/dev/null |
		tail -n 10)"

# --------------------------------------------------- stop, purge, again
if [ -z "$boot" ]; then
	check_eq "maildesk-milter.service is enabled" enabled "$(fact milter_enabled)"
	check_eq "maildesk-autoclose.timer is enabled and active" "enabled active" \
		"$(fact timer_enabled) $(fact timer_active)"
	check_eq "maildesk-sla.timer is enabled and active" "enabled active" \
		"$(fact sla_timer_enabled) $(fact sla_timer_active)"
	check_eq "maildesk-milter.service is active" active "$(fact milter_active)" ||
		diag "$(tail -n 10 "$R/root/milter.log" 2>/dev/null)"
	check_eq "systemd-analyze verify passes on the packaged units" 0 "$(fact verify)" ||
		diag "$(cat "$R/root/verify.log" 2>/dev/null)"
	check_eq "desk doctor: the packaged installation, wired as README.Debian says, is all well" 0 "$(fact doctor)" ||
		diag "$(cat "$R/root/doctor.txt" 2>/dev/null)"
	check_eq "systemctl stop removes the socket, start brings the milter back" "gone active" \
		"$(fact stopped_socket) $(fact restarted)"
	check_eq "apt purge stops the service and forgets the wrapper's mode" "0 inactive removed" \
		"$(fact purge) $(fact purged_service) $(fact purged_override)"
else
	check_eq "SIGTERM (systemctl stop's) ends the milter, postfix stop Postfix" "0 0" \
		"$(fact milter_stopped) $(fact postfix_stop)"
	check_eq "apt purge without systemd succeeds and forgets the wrapper's mode" "0 removed" \
		"$(fact purge) $(fact purged_override)"
fi
check "and keeps the store's mail ($(fact purged_store) files)" test "$(fact purged_store)" -ge 21
if [ -z "$boot" ]; then
	check_eq "installed again, the package takes the store as it is: 14 tickets, the milter active" "0 14 active" \
		"$(fact reinstall) $(fact reinstalled_tickets) $(fact reinstalled_active)"
else
	check_eq "installed again, the package takes the store as it is: 14 tickets, the milter enabled" "0 14 enabled" \
		"$(fact reinstall) $(fact reinstalled_tickets) $(fact reinstalled_enabled)"
	check_eq "and its maintainer scripts still complain of nothing without systemd" 0 "$(fact systemd_errors_after)" ||
		diag "$(grep -i 'systemd\|systemctl' "$R/root/apt.log" 2>/dev/null | tail -n 10)"
fi
test_done
