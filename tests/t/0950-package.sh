#!/usr/bin/env bash
# 0950-package.sh: the Debian package. From the tarball's files (make
# distdir): dpkg-buildpackage -us -uc -b builds maildesk_VERSION_ARCH.deb,
# lintian finds no error, the package holds what it must. Then a fresh
# Debian 12 (mmdebstrap, cached) booted with systemd-nspawn: `apt install
# ./maildesk_*.deb` makes the user, the store and the setuid wrapper, starts
# the milter as a hardened systemd service, `systemd-analyze verify` passes;
# Postfix wired as README.Debian says takes the demo's mail into tickets
# (tests/t/package-boot.sh does that part inside; its findings come back
# as facts).
#
# Needs dpkg-dev, debhelper, dh-autoreconf, lintian (else skipped); the
# fresh root needs mmdebstrap, systemd-container and Debian's archive
# (else that part is skipped, with the reason). MAILDESK_ROOT_CACHE names
# the cached root (default ~/.cache/maildesk-tests/bookworm.tar, a week).
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
	/lib/systemd/system/maildesk-autoclose.timer /usr/share/maildesk/templates/ack.txt \
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

# ---------------------------------------------- a fresh Debian 12, booted
why=
for c in mmdebstrap systemd-nspawn; do
	command -v "$c" >/dev/null || why="needs $c (mmdebstrap, systemd-container)"
done
[ -z "$why" ] && ! mountpoint -q /sys/fs/cgroup 2>/dev/null &&
	why="no cgroup file system at /sys/fs/cgroup (a chroot?): systemd-nspawn cannot boot a container here"
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
cp "$SRCDIR/tests/t/package-boot.sh" "$R/root/package-boot.sh"
cat >"$R/etc/systemd/system/package-boot.service" <<EOF
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
# Postfix listens on 127.0.0.1:25: make sure no other one does
timeout 480 systemd-nspawn -q -D "$R" -b --register=no --keep-unit -M maildesk-test$$ \
	</dev/null >"$T/nspawn.log" 2>&1
rc=$?
check_eq "the fresh root boots with systemd, runs the steps and powers off" "0 yes" \
	"$rc $(sed -n 's/^done=//p' "$R/root/facts" 2>/dev/null)" ||
	diag "$(tail -n 30 "$R/root/boot.log" 2>/dev/null)" "$(tail -n 10 "$T/nspawn.log")"

fact() { sed -n "s/^$1=//p" "$R/root/facts" 2>/dev/null | head -n 1; }
check_eq "systemd is pid 1 there" systemd "$(fact pid1)"
check_eq "apt install ./maildesk_${VERSION}_$ARCH.deb succeeds" 0 "$(fact apt)" ||
	diag "$(tail -n 20 "$R/root/apt.log" 2>/dev/null)"
check_eq "the system user maildesk, in its group and postdrop's (sendmail under NoNewPrivileges)" \
	"maildesk,postdrop" "$(fact user)"
check_eq "desk init made /var/lib/maildesk: 2750 maildesk:maildesk" "2750 maildesk:maildesk" "$(fact store)"
check_eq "its maildesk.conf is 0640, the owner's" "640 maildesk:maildesk" "$(fact conf)"
check_eq "for support@ the mail name (/etc/mailname)" "addresses = support@desk.example.test" "$(fact address)"
check_eq "the KB wrapper is setuid to maildesk, group only (dpkg-statoverride)" "4750 maildesk:maildesk" \
	"$(fact wrapper)"
check_eq "maildesk-milter.service is enabled" enabled "$(fact milter_enabled)"
check_eq "maildesk-autoclose.timer is enabled and active" "enabled active" \
	"$(fact timer_enabled) $(fact timer_active)"
check_eq "maildesk-milter.service is active" active "$(fact milter_active)" ||
	diag "$(cat "$R/root/milter.log" 2>/dev/null | tail -n 10)"
check_eq "the milter runs as maildesk" maildesk "$(fact milter_user)"
check_eq "with no new privileges" "NoNewPrivs:1" "$(fact nnp)"
check_eq "its socket /run/maildesk/milter.sock is 0660 of group maildesk" "srw-rw---- maildesk:maildesk" \
	"$(fact socket)"
check_eq "systemd-analyze verify passes on the packaged units" 0 "$(fact verify)" ||
	diag "$(cat "$R/root/verify.log" 2>/dev/null)"
check_eq "man finds the man pages" 4 "$(fact man)"
check_eq "demo-mail reaches Postfix on 127.0.0.1:25 and every message is accepted" "0 21" \
	"$(fact send) $(fact accepted)" || diag "$(tail -n 10 "$R/root/send.log" 2>/dev/null)"
check_eq "the packaged desk lists its 14 tickets" 14 "$(fact tickets)" ||
	diag "$(tail -n 20 "$R/root/milter.log" 2>/dev/null)"
check_eq "desk list shows the first one" 1 "$(fact printer)"
check_eq "desk show 1: Jürgen's three messages" 3 "$(fact show1)"
check_eq "the milter's 12 acknowledgements went into Postfix through sendmail(1), postdrop" "12 12" \
	"$(fact acks_logged) $(fact acks_to_postfix)"
check_eq "no postdrop refusal, no failure in the milter's log" "0 0" "$(fact postdrop_errors) $(fact milter_errors)" ||
	diag "$(grep -i 'err\|denied' "$R/root/journal.log" 2>/dev/null | tail -n 10)"
check_eq "desk doctor: the packaged installation, wired as README.Debian says, is all well" 0 "$(fact doctor)" ||
	diag "$(cat "$R/root/doctor.txt" 2>/dev/null)"
check_eq "systemctl stop removes the socket, start brings the milter back" "gone active" \
	"$(fact stopped_socket) $(fact restarted)"
check_eq "apt purge stops the service and forgets the wrapper's mode" "0 inactive removed" \
	"$(fact purge) $(fact purged_service) $(fact purged_override)"
check "and keeps the store's mail ($(fact purged_store) files)" test "$(fact purged_store)" -ge 21
check_eq "installed again, the package takes the store as it is: 14 tickets, the milter active" "0 14 active" \
	"$(fact reinstall) $(fact reinstalled_tickets) $(fact reinstalled_active)"
test_done
