#!/bin/bash
# 0170-clock.sh: MAILDESK_NOW sets the desk's clock (issue 14, "The
# clock"): mail and events stored under it carry that time, desk
# autoclose decides by it, desk list's ages count from it, and a bad value
# stops a verb with a clear error before it changes anything.
. "$(dirname "$0")/lib.sh"

STORE=$T/store
"$DESK" init --address support@helpdesk.test "$STORE" >/dev/null || bail_out "desk init"
store_conf ack false
D() { "$DESK" --store "$STORE" "$@"; }
json() { python3 -c 'import json, sys; j = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
D agent add alice alice@helpdesk.test >/dev/null || bail_out "agent add"

# ann's mail is dated in the future of the clock: the store keeps the clock's time
f=$(make_msg q1 "Ann <ann@customer.test>" q1@customer.test)
sed -i 's/^Date: .*/Date: Wed, 01 Jan 2031 00:00:00 +0000/' "$f"
check "ingest under MAILDESK_NOW (ISO 8601)" env MAILDESK_NOW=2026-03-29T01:30:00Z "$DESK" --store "$STORE" \
	ingest --envelope-to support@helpdesk.test <"$f"
check_eq "the ticket was created at the clock's time" 2026-03-29T01:30:00Z "$(D show 1 --format=json | json 'j["created"]')"

check "alice solves it an hour later (epoch seconds)" env MAILDESK_NOW=$((1774747800 + 3600)) \
	"$DESK" --store "$STORE" status 1 solved --as alice
ev=$(grep -l '^X-Desk-Event: status' "$STORE"/mail/cur/* | head -n 1)
check_eq "the event's Date is the clock's" "Sun, 29 Mar 2026 02:30:00 +0000" "$(TZ=UTC header_of "$ev" Date)"
check_eq "desk show's solved_at is the clock's" 2026-03-29T02:30:00Z "$(D show 1 --format=json | json 'j["solved_at"]')"

# autoclose_hours is 72 by default: 71 hours later nothing, 73 hours later closed
out=$(MAILDESK_NOW=2026-04-01T01:30:00Z D autoclose)
check_eq "71 hours after solving, autoclose closes nothing" "" "$out"
check_eq "still solved" solved "$(D show 1 --format=json | json 'j["status"]')"
out=$(MAILDESK_NOW=2026-04-01T03:30:00Z D autoclose)
check_eq "73 hours after solving, autoclose closes it" "1: closed (solved 2026-03-29T02:30:00Z)" "$out"
check_eq "closed" closed "$(D show 1 --format=json | json 'j["status"]')"
closed=$(grep -l '^X-Desk-Set: status=closed' "$STORE"/mail/cur/* | head -n 1)
check_eq "the autoclose event carries the clock's time" "Wed, 01 Apr 2026 03:30:00 +0000" \
	"$(TZ=UTC header_of "$closed" Date)"

# --since counts from the clock
check_eq "list --since 1d at the clock sees the ticket" 1 \
	"$(MAILDESK_NOW=2026-04-01T12:00:00Z D list --status any --since 1d --format ids | wc -l)"
check_eq "list --since 1d a week later does not" 0 \
	"$(MAILDESK_NOW=2026-04-08T12:00:00Z D list --status any --since 1d --format ids | wc -l)"

# bad values: a clear error, exit 78 (EX_CONFIG), nothing written
n=$(count_files "$STORE/mail/new")$(count_files "$STORE/mail/cur")
for bad in garbage 2026-03-29T01:30:00 -5 "1774747800 "; do
	err=$(MAILDESK_NOW=$bad D status 1 open --as alice 2>&1)
	rc=$?
	case "$rc:$err" in
	"78:desk: MAILDESK_NOW="*"is not seconds since the epoch"*) ok "MAILDESK_NOW='$bad' is refused clearly" ;;
	*) not_ok "MAILDESK_NOW='$bad' is refused clearly" "rc=$rc" "$err" ;;
	esac
done
check_eq "nothing was written under a bad clock" "$n" "$(count_files "$STORE/mail/new")$(count_files "$STORE/mail/cur")"
test_done
