#!/usr/bin/env bash
# 0910-dist.sh: the tarball and make install. The tarball (make distdir)
# holds every file git tracks but the few named below, and nothing else
# but what autotools generate; no file of the project names a path of a
# development machine; make install puts each program, man page, template,
# document, example and systemd unit where it belongs, leaves the KB
# wrapper unprivileged, and make uninstall takes every file away again.
# (make distcheck, which builds and tests the tarball, runs in .ci/run.)
. "$(dirname "$0")/lib.sh"

if ! command -v git >/dev/null || ! git -C "$SRCDIR" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	echo "1..0 # skip $SRCDIR is not a git checkout (a tarball: nothing to compare it with)"
	exit 0
fi
VERSION=$(sed -n 's/^PACKAGE_VERSION = //p' "$BUILDDIR/Makefile")
DIST=$T/maildesk-$VERSION

# Tracked, and not in the tarball on purpose: git's own file and CI's
# script of this repository (the tarball's own check is make distcheck).
NOT_SHIPPED='^(\.gitignore|\.ci/run)$'
# In the tarball, and not tracked: what autotools generate.
GENERATED='^(Makefile\.in|aclocal\.m4|configure|build-aux/.*|m4/.*)$'

make -s -C "$BUILDDIR" distdir distdir="$DIST" >"$T/distdir.log" 2>&1 ||
	bail_out "make distdir" "$(tail -n 20 "$T/distdir.log")"
git -C "$SRCDIR" ls-files | grep -Ev "$NOT_SHIPPED" | sort >"$T/tracked"
(cd "$DIST" && find . -type f | sed 's|^\./||' | grep -Ev "$GENERATED" | sort) >"$T/shipped"
missing=$(comm -23 "$T/tracked" "$T/shipped")
check_eq "every tracked file is in the tarball (but .gitignore, .ci/run)" "" "$missing"
extra=$(comm -13 "$T/tracked" "$T/shipped")
check_eq "the tarball holds nothing else but autotools' files (git add, or remove, what is new)" "" "$extra"
check "the tarball's files are the tracked ones, byte for byte" \
	sh -c "cd '$SRCDIR' && while read -r f; do cmp -s \"\$f\" '$DIST'/\"\$f\" || { echo \"differs: \$f\"; exit 1; }; done <'$T/tracked'"
check "the tarball has its autotools files (configure, Makefile.in)" test -x "$DIST/configure" -a -f "$DIST/Makefile.in"

# No path of a development machine: the places people keep checkouts and
# scratch ($T/home/... and the like in tests are a test's own scratch).
# Not looked at: this file (it holds the pattern) and the package test's
# scripts, whose /root is the home of root in the fresh root they run in.
paths=$(cd "$SRCDIR" && git ls-files -z -- . ':!tests/t/0910-dist.sh' ':!tests/t/0950-package.sh' \
	':!tests/t/package-boot.sh' ':!tests/t/package-chroot.sh' |
	xargs -0 grep -n -E '(^|[^$A-Za-z0-9_}/.-])/(work|home|Users)/|(^|[^$A-Za-z0-9_}/.-])/root/' 2>/dev/null)
check_eq "no file names a path of a development machine (/work/, /home/, /root/)" "" "$paths"

# ---------------------------------------------------------- make install
I=$T/inst
make -s -C "$BUILDDIR" install DESTDIR="$I" >"$T/install.log" 2>&1
check_eq "make install DESTDIR=... succeeds" 0 "$?" || diag "$(tail -n 20 "$T/install.log")"
# expand VAR: a directory variable of the Makefile, as make install reads it
expand() { printf 'print-var:\n\t@echo $(%s)\n' "$1" | make -s -C "$BUILDDIR" -f Makefile -f - print-var; }
BIN=$I$(expand bindir) SBIN=$I$(expand sbindir) MAN=$I$(expand mandir) DOC=$I$(expand docdir)
UNITS=$I$(expand systemdsystemunitdir) LIBEXEC=$I$(expand libexecdir)/maildesk DATA=$I$(expand datadir)/maildesk
missing=
for f in "$BIN/desk" "$SBIN/maildesk-milter" "$LIBEXEC/maildesk-kb-receive" \
	"$DATA/templates/ack.txt" "$DATA/templates/reply.txt" "$DATA/templates/close.txt" \
	"$DOC/README.md" "$DOC/design.md" "$DOC/examples/neomuttrc" "$DOC/examples/muttrc" \
	"$DOC/examples/demo-mail" "$UNITS/maildesk-milter.service" "$UNITS/maildesk-autoclose.service" \
	"$UNITS/maildesk-autoclose.timer" "$UNITS/maildesk-sla.service" "$UNITS/maildesk-sla.timer" \
	"$UNITS/maildesk-autoclose.timer" "$UNITS/maildesk-hooks.service" "$UNITS/maildesk-hooks.timer" \
	"$DOC/examples/hooks/webhook" "$DOC/examples/hooks/chat" "$DOC/examples/hooks/tracker"; do
	[ -f "$f" ] || missing="$missing ${f#"$I"}"
done
for m in "$SRCDIR"/doc/*.[1-8]; do
	[ -f "$MAN/man${m##*.}/$(basename "$m")" ] || missing="$missing $(basename "$m")"
done
check_eq "programs, templates, every man page, docs, examples and units are installed" "" "$missing"
check "the installed units run the installed programs" \
	grep -q "^ExecStart=$(expand sbindir)/maildesk-milter " "$UNITS/maildesk-milter.service"
# systemd-analyze verify: the units as installed, their programs looked for
# under DESTDIR (tests/t/0950-package.sh verifies the package's on a booted
# Debian, man pages included)
if command -v systemd-analyze >/dev/null; then
	mkdir -p "$T/units"
	for u in "$UNITS"/maildesk-*; do
		sed -e "s|^ExecStart=/|ExecStart=$I/|" "$u" >"$T/units/$(basename "$u")"
	done
	check "systemd-analyze verify finds nothing to say of the installed units" \
		sh -c "out=\$(systemd-analyze verify --man=no '$T'/units/* 2>&1) && [ -z \"\$out\" ] || { echo \"\$out\"; exit 1; }"
else
	skip "systemd-analyze verify of the installed units" "no systemd-analyze (package systemd)"
fi
mode=$(stat -c %a "$LIBEXEC/maildesk-kb-receive" 2>/dev/null)
check_eq "make install leaves the KB wrapper unprivileged (the administrator or the package makes it setuid)" \
	755 "$mode"
check "demo-mail is installed executable" test -x "$DOC/examples/demo-mail"

make -s -C "$BUILDDIR" uninstall DESTDIR="$I" >"$T/uninstall.log" 2>&1
check_eq "make uninstall succeeds" 0 "$?" || diag "$(tail -n 20 "$T/uninstall.log")"
left=$(find "$I" -type f -o -type l)
check_eq "and leaves no file behind" "" "$left"
test_done
