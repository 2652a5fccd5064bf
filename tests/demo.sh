#!/usr/bin/env bash
# demo.sh: the quick start (./bootstrap demo): a demo store, maildesk-milter
# and a private Postfix on 127.0.0.1:2525, realistic support mail written by
# contrib/demo-mail sent through SMTP, then `desk list`. Leaves both
# running; ./bootstrap stop ends them.
DEMO=${1:?usage: demo.sh DIR}
TEST_NAME=demo
# shellcheck source=t/lib.sh
. "$(dirname "$0")/t/lib.sh"

die() { echo "demo: $*" >&2; exit 1; }

store_init "$T/store" || die "cannot create the store"
milter_start || die "maildesk-milter did not start: $(tail -n 5 "$T/milter.log")"
pf_start milter || die "Postfix did not start: $(pf_log | tail -n 5)"
# the demo's mail: written by contrib/demo-mail, sent in its order
python3 "$SRCDIR/contrib/demo-mail" --to support@helpdesk.test --billing billing@helpdesk.test \
	"$T/demo-mail" >"$T/demo-mail.list" || die "contrib/demo-mail failed"
n=0
while IFS=$'\t' read -r f from rcpt; do
	smtp_send "$f" "$rcpt" "$from" </dev/null >/dev/null && n=$((n + 1))
done <"$T/demo-mail.list"
wait_indexed "$n" >/dev/null || echo "demo: not everything is indexed yet" >&2
echo "maildesk demo: $n messages sent through Postfix on 127.0.0.1:$PORT"
echo
"$DESK" --store "$STORE" list
cat <<-INFO

	Store:   $STORE
	Try:     $DESK --store $STORE show \$($DESK --store $STORE list --format=ids | head -1)
	Send:    python3 $SRCDIR/tests/t/smtp-send.py --help   (or any SMTP client to 127.0.0.1:$PORT)
	Milter:  log in $T/milter.log; Postfix log in $PF/maillog
	Stop:    ./bootstrap stop
INFO
printf 'PF=%s\nMILTER_PID=%s\n' "$PF" "$MILTER_PID" > "$DEMO/running"
# keep Postfix and the milter running: no cleanup
trap - EXIT
