#!/usr/bin/env bash
# 0915-distcheck.sh: make distcheck: the tarball unpacks, configures and
# builds in a directory of its own with its sources read-only, runs make
# check, installs, uninstalls without leaving a file, and makes a tarball
# again. Its make check runs the unit tests and, where root and Postfix
# are, the end-to-end tests that need nothing but the tarball:
# DISTCHECK_TESTS (default below); the whole suite runs in this run's own
# build of the same sources (.ci/run). The test corpus is not handed over:
# what needs it says so and skips.
. "$(dirname "$0")/lib.sh"

VERSION=$(sed -n 's/^PACKAGE_VERSION = //p' "$BUILDDIR/Makefile")
TARBALL=$BUILDDIR/maildesk-$VERSION.tar.gz
[ -e "$TARBALL" ] && had_tarball=1 || had_tarball=
TESTS_IN_DIST=${DISTCHECK_TESTS:-'test-* 0105-demo-mail.sh 0300-miltertest.sh 0400-verbs.sh 0500-kb.sh'}
(cd "$BUILDDIR" && env -u CORPUS -u MAILDESK_SANITIZERS TESTS="$TESTS_IN_DIST" TEST_LOGDIR="$T/logs" \
	make -s distcheck) >"$T/distcheck.log" 2>&1
rc=$?
check_eq "make distcheck succeeds" 0 "$rc" || diag "$(grep -v '^ok' "$T/distcheck.log" | tail -n 40)"
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$T/distcheck.log" | tail -n 1)
check "its make check ran tests and none failed ($summary)" \
	sh -c "printf '%s\n' '$summary' | grep -Eq '^[1-9][0-9]* passed, 0 failed'"
check "the end-to-end test of the demo's mail ran from the tarball" \
	sh -c "grep -E '^PASS +t/0105-demo-mail.sh' '$T/distcheck.log' || [ \"\$(id -u)\" != 0 ]"
check "and a tarball is ready for distribution" grep -q 'archives ready for distribution' "$T/distcheck.log"
check "maildesk-$VERSION.tar.gz" test -s "$TARBALL"
[ -n "$had_tarball" ] || rm -f "$TARBALL"
test_done
