#!/bin/bash
# 0300-miltertest.sh: run every tests/milter/*.lua with miltertest(8), the
# MTA side of the milter protocol as Sendmail speaks it, each against a
# fresh store. The scripts print "ok - DESC" / "not ok - DESC" lines, which
# are numbered here, and "# expect-log: TEXT" lines: TEXT must be in the
# filter's log (its stderr, which miltertest passes through).
. "$(dirname "$0")/lib.sh"

if ! command -v miltertest >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y miltertest >"$T/apt.log" 2>&1 || {
		apt-get update >/dev/null 2>&1
		DEBIAN_FRONTEND=noninteractive apt-get install -y miltertest >"$T/apt.log" 2>&1
	}
fi
command -v miltertest >/dev/null || bail_out "miltertest is not installed" "$(tail -n 5 "$T/apt.log")"

for lua in "$SRCDIR"/tests/milter/*.lua; do
	[ -f "$lua" ] || continue
	name=$(basename "$lua" .lua)
	store_init "$T/store-$name" || bail_out "desk init for $name"
	mkdir -p "$T/run-$name"
	(cd "$T" && MILTER=$MILTER DESK_STORE=$STORE MILTER_SOCKET=$T/run-$name/milter.sock \
		timeout 300 miltertest -s "$lua") >"$T/$name.out" 2>"$T/$name.err"
	rc=$?
	n=0
	while IFS= read -r line; do
		case $line in
		"not ok - "*) not_ok "$name: ${line#not ok - }"; n=$((n + 1)) ;;
		"ok - "*) ok "$name: ${line#ok - }"; n=$((n + 1)) ;;
		"# expect-log: "*)
			want=${line#\# expect-log: }
			if grep -q -F -- "$want" "$T/$name.err"; then
				ok "$name: the filter logs: $want"
			else
				not_ok "$name: the filter logs: $want" "$(tail -n 10 "$T/$name.err")"
			fi
			;;
		"#"*) echo "$line" ;;
		esac
	done <"$T/$name.out"
	if [ "$rc" = 0 ] && [ "$n" -gt 0 ]; then
		ok "$name: miltertest exits 0 (the filter stopped cleanly on SIGTERM)"
	else
		not_ok "$name: miltertest exits 0 after some checks" "exit $rc, $n checks" \
			"$(tail -n 15 "$T/$name.err")"
	fi
done
test_done
