#!/usr/bin/env bash
# 0970-bench-smoke.sh: every bench script still runs. Each executable
# script in bench/ (not the built helpers) runs once at a tiny size, taken
# from the table below, and must exit 0 with `ratio: NUMBER` as its last
# line (bench/README.md). No time is ever checked: this is a smoke test,
# so that a bench cannot silently rot. A script without an entry in the
# table fails the test: a new bench gets its tiny size here.
. "$(dirname "$0")/lib.sh"

# the tiny-size arguments of each bench script
declare -A TINY=(
	[ingest]="-m 20 -s 2 -r 1"
	[reindex]="-n 60 -r 1"
	[kb]="-n 20 -q 2"
	[cli]="-n 20 -r 1"
	[soak]="-m 200 -s 2"
	[rules]="-n 10 -m 50"
	[report]="-n 20 -r 1"
	[sla]="-n 30 -r 1"
	[gen-store]="-n 15 -d 5"
	[triage]="-n 200 -r 3 -m 20 -R 1 -H 100"
	[similar]="-n 60"
)

# A root of our own: the scripts find the build at ../ of their own
# directory, here links to the real sources and binaries (so that a VPATH
# build, sources apart from binaries, runs the same).
ROOT=$T/root
mkdir -p "$ROOT/bench"
chmod 755 "$ROOT" "$ROOT/bench"
ln -s "$BUILDDIR/desk" "$ROOT/desk"
ln -s "$BUILDDIR/maildesk-milter" "$ROOT/maildesk-milter"
cp "$SRCDIR/bench/lib.sh" "$ROOT/bench/lib.sh"  # what bench/soak sources
cp "$SRCDIR/bench/gen-store-text.py" "$ROOT/bench/"  # what bench/gen-store reads
for helper in noop-milter notmuch-floor rules-eval; do
	[ -x "$BUILDDIR/bench/$helper" ] || bail_out "bench/$helper not built (make check-programs)"
	ln -s "$BUILDDIR/bench/$helper" "$ROOT/bench/$helper"
done

# is_script FILE: an executable file that starts with #! (a built helper
# is an ELF binary, and may sit beside the scripts in an in-tree build)
is_script() {
	[ -f "$1" ] && [ -x "$1" ] && [ "$(head -c 2 "$1")" = '#!' ]
}

scripts=()
for f in "$SRCDIR"/bench/*; do
	is_script "$f" && scripts+=("$(basename "$f")")
done
check_eq "bench/ has the four scripts at least (ingest, reindex, kb, cli)" 4 \
	"$(printf '%s\n' "${scripts[@]}" | grep -cx -e ingest -e reindex -e kb -e cli)"

for name in "${scripts[@]}"; do
	if [ -z "${TINY[$name]+set}" ]; then
		not_ok "bench/$name has its tiny size in 0970-bench-smoke.sh's table" \
			"add an entry [${name}]=\"ARGS\" to TINY: a bench nobody runs rots"
		continue
	fi
	cp "$SRCDIR/bench/$name" "$ROOT/bench/$name"
	read -ra args <<<"${TINY[$name]}"
	out=$T/$name.out
	timeout 600 "$ROOT/bench/$name" "${args[@]}" >"$out" 2>"$T/$name.err"
	rc=$?
	check_eq "bench/$name ${TINY[$name]} exits 0" 0 "$rc" ||
		diag "$(tail -n 15 "$out" "$T/$name.err")"
	last=$(tail -n 1 "$out")
	if [[ $last =~ ^ratio:\ [0-9]+(\.[0-9]+)?$ ]]; then
		ok "bench/$name prints its ratio last ($last)"
	else
		not_ok "bench/$name prints its ratio last" "last line: $last" "$(tail -n 5 "$T/$name.err")"
	fi
done

# the rounds of bench/ingest: one line per round, the medians, vs ceiling
if [ -f "$T/ingest.out" ]; then
	check_eq "bench/ingest -r 1 prints one round" 1 "$(grep -c '^round [0-9]*: plain' "$T/ingest.out")"
	check "bench/ingest prints the ceiling, then vs ceiling, then the ratio" \
		grep -Pzq 'ceiling: [0-9.]+\nvs ceiling: [0-9.]+\nratio: [0-9.]+\n$' "$T/ingest.out"
fi

test_done
