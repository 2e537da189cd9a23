#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The prompt flow end to end, with the real fwtui in tmux: a program of a
# test user listens, a peer tries to connect, and the prompt appears in that
# user's fwtui and not in another user's. `a` (allow from the local network)
# makes the peer's pending connection succeed on its own SYN retransmit,
# with a rule of origin prompt for the peer's subnet. Then: `d` denies; `l`
# (ask later) keeps blocking and asks again at the next attempt; a prompt
# answered with `fwctl answer --for` leaves the TUI and its rule expires;
# an unanswered prompt lapses and allows nothing. The dialog fits 80x24 and
# survives a resize.
#
# Skipped (77) while the daemon has no prompts (`fwctl prompts` unknown).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null || skip "tmux not installed"
command -v runuser >/dev/null || skip "runuser not installed"
FWTUI=${FWTUI:-$BUILD/fwtui/fwtui}
if [ ! -x "$FWTUI" ]; then
	printf 'FAIL %s: %s is not built (set BUILD or FWTUI)\n' "$TEST_NAME" "$FWTUI"
	exit 1
fi
setup
PROMPT_TIMEOUT=12
printf 'user-prompts yes\nprompt-timeout %ss\n' "$PROMPT_TIMEOUT" >>"$T/fwd.conf"

OTHER_USER=
tm() { tmux -S "$T/tmux.sock" -f "$T/tmux.conf" "$@"; }

tui_exit() {
	local rc=$?
	[ -S "$T/tmux.sock" ] && tmux -S "$T/tmux.sock" kill-server 2>/dev/null
	[ -n "$OTHER_USER" ] && remove_user "$OTHER_USER"
	(exit $rc)
	cleanup
}
trap tui_exit EXIT
printf 'set -g status off\nset -g remain-on-exit on\n' >"$T/tmux.conf"

# tui_as NAME USER: that user's fwtui at 80x24
tui_as() {
	tm new-session -d -s "$1" -x 80 -y 24 \
		"runuser -u $2 -- env LANG=C.UTF-8 $T/fwtui --socket $T/fwd.sock 2>>$T/tui-$1.err; echo \$? >$T/tui-$1.rc"
}

screen() { tm capture-pane -p -t "$1"; }
keys() { local s=$1; shift; tm send-keys -t "$s" "$@"; }

wait_screen() { # NAME REGEX [SECONDS]; SCREEN holds the last capture
	local _
	for _ in $(seq $(( ${3:-5} * 20 ))); do
		SCREEN=$(screen "$1")
		printf '%s\n' "$SCREEN" | grep -Eq -- "$2" && return 0
		sleep 0.05
	done
	return 1
}

wait_gone() { # NAME REGEX [SECONDS]
	local _
	for _ in $(seq $(( ${3:-5} * 20 ))); do
		SCREEN=$(screen "$1")
		printf '%s\n' "$SCREEN" | grep -Eq -- "$2" || return 0
		sleep 0.05
	done
	return 1
}

expect_screen() { # WHAT NAME REGEX [SECONDS]
	if wait_screen "$2" "$3" "${4:-5}"; then
		pass "$1"
	else
		fail "$1"
		printf '     expected on screen %s: %s\n     got:\n' "$2" "$3"
		printf '%s\n' "$SCREEN" | sed 's/^/       | /'
	fi
}

expect_gone() { # WHAT NAME REGEX [SECONDS]
	if wait_gone "$2" "$3" "${4:-5}"; then
		pass "$1"
	else
		fail "$1"
		printf '%s\n' "$SCREEN" | sed 's/^/       | /'
	fi
}

# the dialog about PORT, with at least one blocked attempt
dialog_re() { printf 'Wants +tcp port %s' "$1"; }

make_user
fwd_start
fwc prompts
if [ "$RC" != 0 ] && printf '%s\n' "$OUT$ERR" | grep -qi 'unknown command'; then
	skip "daemon has no prompt support yet (fwctl prompts: $(printf '%s' "$ERR$OUT" | head -n 1))"
fi
OTHER_USER=fwt$$o
useradd --system --no-create-home --shell /usr/sbin/nologin "$OTHER_USER" ||
	skip "useradd failed"
cp "$FWTUI" "$T/fwtui"
chmod 755 "$T/fwtui"
NET4=${H4%.*}.0/24

# --- allow from the local network -----------------------------------------------

start_user_app app1 9100
tui_as mine "$TEST_USER"
tui_as other "$OTHER_USER"
peer_connect 9100 25 "$T/peer1.out"
expect_screen "the prompt appears in the owner's fwtui" mine "$(dialog_re 9100)" 10
expect_match "it names the program" "Program +$T/app1" "$SCREEN"
expect_match "and the user" "User +$TEST_USER" "$SCREEN"
# a prompt raised when the program started listening gets the peer with
# the first blocked attempt
expect_screen "it counts the blocked attempts" mine 'Blocked +[1-9][0-9]* attempts? since' 5
expect_match "and shows the peer with its network" "Peer +$P4 \\(network $NET4\\)" "$SCREEN"
expect_match "local network is the default for allow" "\\[local network $NET4\\]" "$SCREEN"
expect_match "the dialog fits 80x24: hints whole" 'l ask later' "$SCREEN"
expect_match "the dialog fits 80x24: frame closed" '^ *└(─)+┘ *$' "$SCREEN"
sleep 1
# (its activity may show the blocked attempts: the log is for everyone)
expect_nomatch "the other user's fwtui shows no prompt" \
	"wants to accept|$(dialog_re 9100)|prompts? waiting" "$(screen other)"
fwc_as "$OTHER_USER" prompts
expect_nomatch "the other user's fwctl prompts has none" '9100' "$OUT"
fwc_as "$TEST_USER" prompts
expect_match "the owner's fwctl prompts has it" '9100' "$OUT"

sleep 0.5       # fwtui ignores keys in the first moment of a prompt
keys mine a
ok=
for _ in $(seq 200); do
	grep -q hello-fwd "$T/peer1.out" && { ok=1; break; }
	sleep 0.1
done
expect_eq "the peer's pending connection succeeds on its own retransmit" 1 "$ok"
expect_gone "the dialog closes" mine "$(dialog_re 9100)"
expect_match "and says what was done" 'allowed .*app1 from the local network: rule #[0-9]+' "$SCREEN"
expect_match "a rule of origin prompt for the peer's subnet" \
	"port 9100.*from $NET4|from $NET4.*port 9100" "$(prompt_rules)"
expect_tcp "a new connection to 9100 is open" "$PEER" "$H4" 9100 open

# --- deny, and a resize with the dialog up --------------------------------------------

start_user_app app2 9101
peer_connect 9101 5 "$T/peer2.out"
expect_screen "the prompt for app2" mine "$(dialog_re 9101)" 10
tm resize-window -t mine -x 120 -y 40
expect_screen "after a resize the dialog is redrawn" mine "$(dialog_re 9101)"
expect_eq "at the new size" 40 "$(printf '%s\n' "$SCREEN" | wc -l)"
tm resize-window -t mine -x 80 -y 24
expect_screen "and back at 80x24" mine 'l ask later'
keys mine d
expect_gone "d closes the dialog" mine "$(dialog_re 9101)"
expect_match "a deny rule of origin prompt" '^[0-9]+ deny in .*port 9101' "$(prompt_rules)"
expect_tcp "9101 stays filtered" "$PEER" "$H4" 9101 filtered
expect_nomatch "denied: no new prompt" "$(dialog_re 9101)" "$(screen mine)"

# --- ask me later -------------------------------------------------------------------

start_user_app app3 9102
peer_connect 9102 3 "$T/peer3.out"
expect_screen "the prompt for app3" mine "$(dialog_re 9102)" 10
sleep 0.5
keys mine l
expect_gone "l closes the dialog" mine "$(dialog_re 9102)"
expect_nomatch "ask later makes no rule" '9102' "$(prompt_rules)"
expect_tcp "9102 stays filtered" "$PEER" "$H4" 9102 filtered
expect_screen "the next attempt asks again" mine "$(dialog_re 9102)" 10

# --- answered with fwctl, for a duration that expires ----------------------------------

id=$(prompt_id 9102)
fwc_ok "fwctl answer $id allow --for 4s" answer "$id" allow --for 4s
expect_gone "the prompt answered elsewhere leaves the TUI" mine "$(dialog_re 9102)"
expect_tcp "9102 open while the answer lasts" "$PEER" "$H4" 9102 open
# answered with fwctl: the whole program (app3), no port in the rule
expect_eq "the temporary rule expires" 1 "$(wait_prompt_rule_gone app3 100)"
expect_tcp "9102 filtered again after it expired" "$PEER" "$H4" 9102 filtered

# --- unanswered: it lapses, nothing is allowed -----------------------------------------

# the attempt after the expiry may have raised 9102 again: out of the way
if wait_screen mine "$(dialog_re 9102)" 3; then
	sleep 0.5
	keys mine l
	wait_gone mine "$(dialog_re 9102)"
fi
start_user_app app4 9103
peer_connect 9103 3 "$T/peer4.out"
expect_screen "the prompt for app4" mine "$(dialog_re 9103)" 10
expect_gone "unanswered, it expires" mine "$(dialog_re 9103)" $((PROMPT_TIMEOUT + 8))
expect_nomatch "no rule came of it" '9103' "$(prompt_rules)"
expect_tcp "9103 is still filtered" "$PEER" "$H4" 9103 filtered

# --- the fwtuis exit cleanly ----------------------------------------------------------

keys mine q
keys other q
for s in mine other; do
	# a sanitizer build takes a while to check for leaks at exit
	for _ in $(seq 150); do
		[ -s "$T/tui-$s.rc" ] && break
		sleep 0.1
	done
	if [ "$(cat "$T/tui-$s.rc" 2>/dev/null)" = 0 ]; then
		pass "fwtui ($s) exited 0"
	else
		fail "fwtui ($s) exited 0 (got: $(cat "$T/tui-$s.rc" 2>/dev/null || echo "still running"))"
		screen "$s" | sed 's/^/       | /'
		sed 's/^/       | /' "$T/tui-$s.err" 2>/dev/null | head -n 20
	fi
	if grep -Eq "$SAN_PATTERN" "$T/tui-$s.err" 2>/dev/null; then
		fail "fwtui ($s): sanitizer report"
		head -n 40 "$T/tui-$s.err" | sed 's/^/       | /'
	fi
done

t_done
