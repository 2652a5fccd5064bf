#!/usr/bin/env bash
# 0955-man-pages.sh: the manual agrees with the program: desk(1) names
# every verb that `desk --help` lists and, in SEE ALSO, every doc/*.1 page;
# every verb has its page desk-VERB(1), which documents each long option
# that `desk VERB --help` shows (desk-show(1) --suggest among them); every
# page is in Makefile.am's dist_man_MANS; mandoc/man finds no error.
. "$(dirname "$0")/lib.sh"

DOC=$SRCDIR/doc
verbs=$("$DESK" --help | awk '/^Verbs:/ { on = 1; next } on && /^  [a-z]/ { print $1 }')
check_eq "desk --help lists verbs" 1 "$([ "$(printf '%s\n' "$verbs" | wc -l)" -ge 20 ] && echo 1 || echo 0)"

# the verbs desk(1) describes: its ".It Cm a , b , c" items
described=$(sed -n '/^\.Sh DESCRIPTION/,/^\.Sh /p' "$DOC/desk.1" | sed -n 's/^\.It Cm //p' | tr ',' '\n' | tr -d ' ')
missing=
for v in $verbs; do
	printf '%s\n' "$described" | grep -qx -- "$v" || missing="$missing $v"
done
check_eq "desk(1) describes every verb of desk --help" "" "${missing# }"

see=$(sed -n '/^\.Sh SEE ALSO/,/^\.Sh /p' "$DOC/desk.1" | sed -n 's/^\.Xr \([^ ]*\) \([0-9]\).*/\1(\2)/p')
missing=
for f in "$DOC"/*.1; do
	p=$(basename "$f" .1)
	[ "$p" = desk ] && continue
	printf '%s\n' "$see" | grep -qx -- "$p(1)" || missing="$missing $p(1)"
done
check_eq "desk(1) SEE ALSO lists every doc/*.1 page" "" "${missing# }"

missing=
for v in $verbs; do
	[ -f "$DOC/desk-$v.1" ] || missing="$missing desk-$v.1"
done
check_eq "every verb has its page desk-VERB(1)" "" "${missing# }"

# each long option of desk VERB --help, as ".Fl -name" (or "Fl \-name") in desk-VERB(1)
missing=
for v in $verbs; do
	[ -f "$DOC/desk-$v.1" ] || continue
	for o in $("$DESK" "$v" --help | sed -n 's/^  *\(-[a-zA-Z], \)\{0,1\}--\([a-z][a-z-]*\).*/\2/p' | sort -u); do
		case $o in help | help-all) continue ;; esac
		grep -Eq -- "Fl \\\\?-$o([^a-z-]|$)" "$DOC/desk-$v.1" || missing="$missing desk-$v(1):--$o"
	done
done
check_eq "every verb's page documents each of its long options" "" "${missing# }"
check "desk-show(1) documents --suggest" grep -q '^\.It Fl -suggest' "$DOC/desk-show.1"

# every page is installed
mans=$(sed -n '/^dist_man_MANS/,/^$/p' "$SRCDIR/Makefile.am" | tr ' \\\t' '\n\n\n' | sed -n 's|^doc/||p')
missing=
for f in "$DOC"/*.[1-8]; do
	printf '%s\n' "$mans" | grep -qx -- "$(basename "$f")" || missing="$missing $(basename "$f")"
done
check_eq "Makefile.am installs every page of doc/" "" "${missing# }"

if command -v mandoc >/dev/null; then
	out=$(mandoc -T lint -W error "$DOC"/*.[1-8] 2>&1)
	check_eq "mandoc -T lint finds no error" "" "$out"
else
	bad=
	for f in "$DOC"/*.[1-8]; do
		out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$f" 2>&1 >/dev/null)
		[ -n "$out" ] && bad="$bad $(basename "$f"): $out"
	done
	check_eq "man --warnings renders every page without a warning" "" "${bad# }"
fi

test_done
