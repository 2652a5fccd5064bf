#!/usr/bin/env bash
# 0985-layers.sh: lib/ by layer (lib/README): base < mail < store < kb <
# desk. Every source file is in a layer folder that its README names it
# in, and no file includes a header of, or calls a function of, a layer
# above its own (tests/t/check-layers.py, on the tree and on the built
# objects). The checker is first shown to catch each kind of finding on a
# small tree of its own.
. "$(dirname "$0")/lib.sh"

CHECK=$SRCDIR/tests/t/check-layers.py
command -v nm >/dev/null || bail_out "nm (binutils) missing"

# A tree with one of each finding.
F=$T/tree
mkdir -p "$F/lib/base" "$F/lib/mail"
printf '/* up.c */\n#include "facts.h"\n' >"$F/lib/base/up.c"
printf '/* facts.h */\n' >"$F/lib/mail/facts.h"
printf '/* odd.c */\n#include "desk.h"\n' >"$F/lib/mail/odd.c"
printf '/* stray.c */\n' >"$F/lib/stray.c"
printf '  up.c  names up.c\n' >"$F/lib/base/README"
printf '  facts.h\n' >"$F/lib/mail/README"
out=$(python3 "$CHECK" "$F" 2>&1)
check_eq "the checker fails on that tree" 1 $?
for want in "lib/base/up.c (base): includes facts.h of mail, a layer above" \
	'lib/mail/odd.c: includes "desk.h", which is no header of lib/' \
	"lib/stray.c: not in a layer folder" \
	"lib/mail/README: does not name odd.c"; do
	case $out in *"$want"*) ok "it finds: $want" ;; *) not_ok "it finds: $want" "$out" ;; esac
done
# a call upwards, seen in the objects
printf 'int low(void);\nint low(void) { extern int high(void); return high(); }\n' >"$F/lib/base/up.c"
printf 'int high(void);\nint high(void) { return 1; }\n' >"$F/lib/mail/odd.c"
cc -c -o "$F/lib/base/up.o" "$F/lib/base/up.c" && cc -c -o "$F/lib/mail/odd.o" "$F/lib/mail/odd.c" ||
	bail_out "cc"
out=$(python3 "$CHECK" "$F" "$F" 2>&1)
case $out in *"lib/base/up.c (base): calls high of lib/mail/odd.c, a layer above"*)
	ok "it finds a call upwards in the objects" ;;
*) not_ok "it finds a call upwards in the objects" "$out" ;; esac

# The project itself.
out=$(python3 "$CHECK" "$SRCDIR" "$BUILDDIR" 2>&1)
check_eq "lib/ keeps its layers: includes, calls, READMEs" "0 " "$? $out"
check_eq "nothing of lib/ sits beside the layer folders" "" \
	"$(cd "$SRCDIR/lib" && find . -maxdepth 1 -type f ! -name README -name '*.[ch]')"

test_done
