#!/usr/bin/env bash
# 0480-neomutt.sh: an agent in neomutt with doc/examples/neomuttrc: the
# virtual mailboxes list the right tickets, and the take macro (pipe the
# message to `desk take -`) takes the ticket of the message shown.
# neomutt runs in a tmux session (send-keys, capture-pane).
. "$(dirname "$0")/lib.sh"

for c in neomutt tmux; do
	command -v $c >/dev/null || {
		skip "neomutt in tmux" "$c is not installed (apt-get install neomutt tmux)"
		test_done
	}
done

STORE=$T/store
"$DESK" init --address support@helpdesk.test --address billing@helpdesk.test=billing "$STORE" >/dev/null ||
	bail_out "desk init"
store_conf ack false || bail_out "store_conf"  # acknowledgements are 0420's
D() { "$DESK" --store "$STORE" "$@"; }
D agent add alice alice@helpdesk.test --name Alice >/dev/null || bail_out "desk agent add"
D agent add bob bob@helpdesk.test >/dev/null || bail_out "desk agent add"
n=0
for s in 'Printer on fire' 'Invoice 2211' 'VPN down'; do
	n=$((n + 1))
	printf 'From: Customer %d <c%d@customer.test>\nTo: support@helpdesk.test\nSubject: %s\nDate: %s\nMessage-ID: <nm%d@customer.test>\n\nPlease help.\n' \
		$n $n "$s" "$(date -R -d "-$((4 - n)) hours")" $n | D ingest --envelope-to support@helpdesk.test ||
		bail_out "desk ingest"
done
D take 3 --as bob >/dev/null || bail_out "desk take 3"

# The agent's setup: the example file with the store's path, desk in PATH.
mkdir -p "$T/home" "$T/bin"
ln -s "$DESK" "$T/bin/desk"
sed "s|/var/lib/maildesk|$STORE|g" "$SRCDIR/doc/examples/neomuttrc" >"$T/home/.neomuttrc"
SOCK=maildesk-$$
tmx() { tmux -L "$SOCK" "$@"; }
screen() { tmx capture-pane -p -t desk; }
# wait_screen PATTERN: until the screen shows PATTERN (10 s at most).
wait_screen() {
	local i
	for i in $(seq 100); do
		screen | grep -q -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
env -i HOME="$T/home" PATH="$T/bin:/usr/bin:/bin" TERM=xterm-256color LANG=C.UTF-8 \
	MAILDESK_STORE="$STORE" MAILDESK_AGENT=alice \
	tmux -L "$SOCK" -f /dev/null new-session -d -s desk -x 160 -y 40 "neomutt -n -F $T/home/.neomuttrc; sleep 600" ||
	bail_out "tmux new-session"
bg_track "$(tmx display -p -t desk '#{pid}')"

if wait_screen 'Invoice 2211'; then ok "neomutt opens the unassigned tickets"; else not_ok "neomutt opens the unassigned tickets" "$(screen)"; fi
unassigned=$(screen | grep -c '\[ticket')
check_eq "the unassigned list holds tickets 1 and 2, not bob's 3" "2 0" \
	"$unassigned $(screen | grep -c 'VPN down')"

tmx send-keys -t desk ',o'
if wait_screen 'NeoMutt: Open'; then ok "the Open (all open tickets) virtual mailbox"; else not_ok "the Open virtual mailbox" "$(screen)"; fi
wait_screen 'VPN down' && ok "Open shows bob's ticket too" || not_ok "Open shows bob's ticket too" "$(screen)"

# Back to the unassigned list; the cursor is on the newest: ticket 2.
tmx send-keys -t desk ',u'
wait_screen 'Unassigned' || not_ok "back to Unassigned" "$(screen)"
line=$(screen | grep '^ *1 ' | head -1)
case $line in *'Invoice 2211'*) ok "the first line is ticket 2" ;; *) not_ok "the first line is ticket 2" "$(screen)" ;; esac
tmx send-keys -t desk ',t'
if wait_screen '2: alice took the ticket'; then ok "the take macro says what desk did"; else not_ok "the take macro says what desk did" "$(screen)"; fi
tmx send-keys -t desk Enter
owner=$(D list --format=json | python3 -c '
import json, sys
print(" ".join("%d=%s" % (t["ticket"], t["owner"] or "-") for t in sorted(json.load(sys.stdin), key=lambda t: t["ticket"])))')
check_eq "desk list: ticket 2 is alice's, 1 nobody's, 3 bob's" "1=- 2=alice 3=bob" "$owner"
check "desk show 2 has the event" sh -c "'$DESK' --store '$STORE' show 2 | grep -q 'alice took the ticket'"

tmx send-keys -t desk ',m'
if wait_screen 'Mine'; then ok "the Mine virtual mailbox"; else not_ok "the Mine virtual mailbox" "$(screen)"; fi
wait_screen 'Invoice 2211' && ok "Mine shows the ticket just taken" || not_ok "Mine shows the ticket just taken" "$(screen)"
check_eq "Mine shows no other ticket" 0 "$(screen | grep -c 'Printer on fire\|VPN down')"

# The close macro on the same message.
tmx send-keys -t desk ',x'
if wait_screen '2: alice set status solved'; then ok "the close macro"; else not_ok "the close macro" "$(screen)"; fi
tmx send-keys -t desk Enter
check_eq "desk list: ticket 2 solved" "solved" \
	"$(D list --status any --format=json | python3 -c 'import json, sys; print([t["status"] for t in json.load(sys.stdin) if t["ticket"] == 2][0])')"

tmx send-keys -t desk q
tmx kill-server 2>/dev/null
test_done
