#!/bin/bash
# 0900-fuzz.sh: a short run of every libFuzzer harness of tests/fuzz
# (FUZZ_SECONDS each, default 20), after the replay of the inputs that once
# crashed them (tests/fuzz/regress/). One assertion per target and one for
# the replay; skipped, with the reason, when clang's libFuzzer is not
# installed (Debian: clang and libclang-rt-14-dev).
. "$(dirname "$0")/lib.sh"

SECONDS_EACH=${FUZZ_SECONDS:-20}
FUZZ_WORK=$T/fuzz
export FUZZ_WORK BUILDDIR

BUILDDIR=$BUILDDIR bash "$SRCDIR/tests/fuzz/run" --replay >"$T/replay.out" 2>"$T/replay.err"
rc=$?
if [ "$rc" = 77 ]; then
	echo "1..0 # skip $(head -n 1 "$T/replay.err")"
	exit 0
fi
if [ "$rc" = 0 ]; then
	ok "every kept crash input replays without a crash"
else
	not_ok "every kept crash input replays without a crash" "$(cat "$T/replay.out" "$T/replay.err")"
fi

BUILDDIR=$BUILDDIR bash "$SRCDIR/tests/fuzz/run" "$SECONDS_EACH" >"$T/run.out" 2>"$T/run.err"
rc=$?
for t in facts thread render html bymail xdesk article template config; do
	line=$(grep "^$t: " "$T/run.out")
	if [ -z "$line" ]; then
		not_ok "fuzz-$t ran" "$(tail -n 5 "$T/run.err")"
	elif [[ $line == *", crashes 0 "* ]]; then
		ok "fuzz-$t ${SECONDS_EACH} s: ${line#"$t: "}"
	else
		# the crash input and its log, for the reader of the test's output
		not_ok "fuzz-$t ${SECONDS_EACH} s: ${line#"$t: "}" \
			"$(grep -A3 "^$t: " "$T/run.out")" "$(ls "$FUZZ_WORK/crashes/$t" 2>/dev/null)"
		mkdir -p "$BUILDDIR/tests/fuzz/crashes/$t"
		cp "$FUZZ_WORK/crashes/$t"/* "$BUILDDIR/tests/fuzz/crashes/$t/" 2>/dev/null &&
			diag "crash input kept in $BUILDDIR/tests/fuzz/crashes/$t/"
	fi
done
[ "$rc" = 0 ] || grep -q ", crashes [1-9]" "$T/run.out" || not_ok "tests/fuzz/run exited $rc" "$(tail -n 5 "$T/run.err")"
diag "$(grep "^total: " "$T/run.out")"
test_done
