#!/usr/bin/env bash
# 0480-neomutt.sh: an agent in neomutt with doc/examples/neomuttrc, driven
# in a tmux session (send-keys, capture-pane): the index lines show each
# ticket's number, status, owner and priority; the lists hold the right
# tickets and no state-change events (,e shows them); every macro does
# what it says and the list is read again after it (,t ,x ,p ,r ,! ,n ,a,
# ,m ,u ,w ,o ,s ,e); tagged messages each reach desk (pipe_split); the
# pager hides the X-Desk-* headers. Every step waits for what the screen
# must show (a loaded machine is slow), never a fixed time.
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
for s in 'Printer on fire' 'Invoice 2211' 'VPN down' 'Toner low' 'Mouse broken'; do
	n=$((n + 1))
	printf 'From: Customer %d <c%d@customer.test>\nTo: support@helpdesk.test\nSubject: %s\nDate: %s\nMessage-ID: <nm%d@customer.test>\n\nPlease help, needle-body-%d.\n' \
		$n $n "$s" "$(date -R -d "-$((6 - n)) hours")" $n $n | D ingest --envelope-to support@helpdesk.test ||
		bail_out "desk ingest"
done
D take 3 --as bob >/dev/null || bail_out "desk take 3"
D tag 2 +vip --as bob >/dev/null || bail_out "desk tag 2"  # an event in ticket 2's thread
export CAPTURE_DIR=$T/outbox

# The agent's setup: the example file with the store's path, desk in PATH,
# an editor that writes a note.
mkdir -p "$T/home" "$T/bin"
ln -s "$DESK" "$T/bin/desk"
cat >"$T/bin/note-editor" <<'EOF'
#!/bin/sh
printf 'Billing knows. needle-note\n' >>"$1"
EOF
chmod +x "$T/bin/note-editor"
sed "s|/var/lib/maildesk|$STORE|g" "$SRCDIR/doc/examples/neomuttrc" >"$T/home/.neomuttrc"
SOCK=maildesk-$$
tmx() { tmux -L "$SOCK" "$@"; }
screen() { tmx capture-pane -p -t desk; }
# wait_screen PATTERN: until the screen shows PATTERN (grep -E; 30 s at most).
wait_screen() {
	local i
	for i in $(seq 300); do
		screen | grep -Eq -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
# wait_gone PATTERN: until the screen no longer shows PATTERN.
wait_gone() {
	local i
	for i in $(seq 300); do
		screen | grep -Eq -- "$1" || return 0
		sleep 0.1
	done
	return 1
}
# see DESC PATTERN: ok when the screen shows PATTERN.
see() { if wait_screen "$2"; then ok "$1"; else not_ok "$1" "$(screen)"; fi; }
# unseen DESC PATTERN: ok when the screen stops showing PATTERN.
unseen() { if wait_gone "$2"; then ok "$1"; else not_ok "$1" "$(screen)"; fi; }
keys() { tmx send-keys -t desk "$@"; }
# goto_msg SUBJECT: put the cursor on the message with SUBJECT (neomutt's search).
goto_msg() {
	keys /
	wait_screen '^Search for:' || diag "no search prompt: $(screen)"
	keys -l "$1"
	keys Enter
}
# line SUBJECT: the index line of the ticket with SUBJECT.
line() { screen | grep -F -- "$1" | head -1; }
# after_macro PATTERN: desk's answer PATTERN is on the screen, then a key.
after_macro() {
	local ok_=0
	wait_screen "$1" && wait_screen 'Press any key' || ok_=1
	keys Enter
	return $ok_
}
field() { # field TICKET KEY: the ticket's KEY from desk list --format=json
	D list --status any --format=json | python3 -c '
import json, sys
t = [t for t in json.load(sys.stdin) if t["ticket"] == int(sys.argv[1])][0]
print(t[sys.argv[2]] or "-")' "$1" "$2"
}

env -i HOME="$T/home" PATH="$T/bin:/usr/bin:/bin" TERM=xterm-256color LANG=C.UTF-8 \
	MAILDESK_STORE="$STORE" MAILDESK_AGENT=alice EDITOR=note-editor \
	MAILDESK_SENDMAIL="$MAILDESK_SENDMAIL" CAPTURE_DIR="$CAPTURE_DIR" \
	tmux -L "$SOCK" -f /dev/null new-session -d -s desk -x 160 -y 40 "neomutt -n -F $T/home/.neomuttrc; sleep 600" ||
	bail_out "tmux new-session"
bg_track "$(tmx display -p -t desk '#{pid}')"

# --- the unassigned list: index lines with number, status, owner, priority
see "neomutt opens the unassigned tickets" 'NeoMutt: Unassigned'
see "the list shows ticket 2" 'Invoice 2211'
case $(line 'Invoice 2211') in *'[#2 open nobody normal vip]'*) ok "ticket 2's line: number, status, owner, priority, its tag" ;;
*) not_ok "ticket 2's line: number, status, owner, priority, its tag" "$(screen)" ;; esac
case $(line 'Printer on fire') in *'[#1 new nobody normal]'*) ok "ticket 1's line: #1 new nobody normal" ;;
*) not_ok "ticket 1's line: #1 new nobody normal" "$(screen)" ;; esac
check_eq "bob's ticket 3 is not in the unassigned list" 0 "$(screen | grep -c 'VPN down')"
check_eq "the tag event does not flood the thread view" 0 "$(screen | grep -c 'tagged +vip')"
check_eq "no X-Desk or internal tag shows in the index" 0 "$(screen | grep -Ec '\[[^]]*(ticket|event|change)[^]]*\]')"

# ,e: the whole thread of the ticket, its events too
goto_msg 'Invoice 2211'
keys ,e
see ",e shows the ticket's events" 'tagged \+vip'

# ,o: all open tickets, bob's too, with its owner
keys ,o
see ",o opens the Open list" 'NeoMutt: Open'
see "Open shows bob's ticket with its owner" '\[#3 open @bob normal\] VPN down'

# ,u then ,t on ticket 2: taken, and gone from the list read again
keys ,u
see ",u opens the Unassigned list" 'NeoMutt: Unassigned'
goto_msg 'Invoice 2211'
keys ,t
if after_macro '2: alice took the ticket'; then ok ",t: desk says what it did"; else not_ok ",t: desk says what it did" "$(screen)"; fi
unseen ",t: the list is read again: ticket 2 left Unassigned" 'Invoice 2211'
check_eq ",t: ticket 2 is alice's" alice "$(field 2 owner)"

# ,m: mine, with the new owner on the line
keys ,m
see ",m opens Mine" 'NeoMutt: Mine'
see "Mine shows ticket 2 as alice's" '\[#2 open @alice normal vip\] Invoice 2211'
check_eq "Mine shows no other ticket" 0 "$(screen | grep -c 'Printer on fire\|VPN down\|Toner low')"

# ,p: pending; the line changes in place
goto_msg 'Invoice 2211'
keys ,p
if after_macro '2: alice set status pending'; then ok ",p: desk says what it did"; else not_ok ",p: desk says what it did" "$(screen)"; fi
see ",p: the line says pending" '\[#2 pending @alice normal vip\] Invoice 2211'

# ,w: the waiting list; ,! there
keys ,w
see ",w opens Pending" 'NeoMutt: Pending'
see "Pending shows ticket 2" 'Invoice 2211'
goto_msg 'Invoice 2211'
keys ,!
if after_macro '2: alice set priority urgent'; then ok ",!: desk says what it did"; else not_ok ",!: desk says what it did" "$(screen)"; fi
see ",!: the line says URGENT" '\[#2 pending @alice URGENT vip\] Invoice 2211'

# ,x: solved, and gone from Pending
goto_msg 'Invoice 2211'
keys ,x
if after_macro '2: alice set status solved'; then ok ",x: desk says what it did"; else not_ok ",x: desk says what it did" "$(screen)"; fi
unseen ",x: ticket 2 left Pending" 'Invoice 2211'

# ,s: the solved list; ,r there
keys ,s
see ",s opens Solved" 'NeoMutt: Solved'
see "Solved shows ticket 2, solved" '\[#2 solved @alice URGENT vip\] Invoice 2211'
goto_msg 'Invoice 2211'
keys ,r
if after_macro '2: alice reopened the ticket'; then ok ",r: desk says what it did"; else not_ok ",r: desk says what it did" "$(screen)"; fi
unseen ",r: ticket 2 left Solved" 'Invoice 2211'
check_eq ",r: ticket 2 is open" open "$(field 2 status)"

# ,n: a note from the editor
keys ,m
see "back in Mine" 'NeoMutt: Mine'
goto_msg 'Invoice 2211'
keys ,n
if after_macro '2: note stored'; then ok ",n: desk says the note is stored"; else not_ok ",n: desk says the note is stored" "$(screen)"; fi
check ",n: the note is in the ticket" sh -c "'$DESK' --store '$STORE' show 2 | grep -q needle-note"

# ,a: assign to bob, typed at the prompt; gone from Mine
see "Mine is shown again" 'Invoice 2211'
goto_msg 'Invoice 2211'
keys ,a
see ",a asks whom to assign to" 'assign to:'
keys -l bob
keys Enter
if after_macro '2: alice assigned to bob'; then ok ",a: desk says what it did"; else not_ok ",a: desk says what it did" "$(screen)"; fi
unseen ",a: ticket 2 left Mine" 'Invoice 2211'
check_eq ",a: ticket 2 is bob's" bob "$(field 2 owner)"

# tagged messages: ; then ,x closes each (pipe_split: one desk run each)
keys ,u
see "Unassigned again" 'Toner low'
goto_msg 'Toner low'
keys t
goto_msg 'Mouse broken'
keys t
keys '\;'
keys ,x
# desk runs once a message (neomutt shows the last one's line)
if after_macro '[45]: alice set status solved'; then ok "tag-and-act: desk says what it did"; else not_ok "tag-and-act: desk says what it did" "$(screen)"; fi
# the line on screen may be the first run's: the second may still be running
both_solved() { [ "$(field 4 status) $(field 5 status)" = "solved solved" ]; }
wait_for "both solved" both_solved
check_eq "tag-and-act: both tickets are solved" "solved solved" "$(field 4 status) $(field 5 status)"
unseen "tag-and-act: both left Unassigned" 'Toner low|Mouse broken'

# the pager: no X-Desk-* header; ,t from there
goto_msg 'Printer on fire'
keys Enter
see "the pager shows the message" 'needle-body-1'
check_eq "the pager hides the X-Desk-* headers" 0 "$(screen | grep -ci '^X-Desk-')"
keys ,t
if after_macro '1: alice took the ticket'; then ok ",t from the pager"; else not_ok ",t from the pager" "$(screen)"; fi
check_eq ",t from the pager: ticket 1 is alice's" alice "$(field 1 owner)"

keys q
tmx kill-server 2>/dev/null
test_done
