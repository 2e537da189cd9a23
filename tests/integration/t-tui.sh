#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# fwtui against the real fwd, typed at through tmux (send-keys) and read
# back (capture-pane): at 80x24 the overview shows the status; a rule added
# on the rules screen (as root) is in `fwctl list`, an edit replaces it and
# a delete removes it; a bad rule shows fwd's caret diagnostic; a
# non-admin user is told "only root or fwadm members can change rules" and
# changes nothing; a resize redraws the frame at the new size; blocked
# attempts from the peer appear on the activity screen; without colours
# (NO_COLOR, TERM=vt100) it still draws; when fwd restarts, fwtui says it
# is unreachable and reconnects by itself.
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

# --- tmux: a private server, one session per fwtui ---------------------------

tm() { tmux -S "$T/tmux.sock" -f "$T/tmux.conf" "$@"; }

tui_exit() {
	local rc=$?
	[ -S "$T/tmux.sock" ] && tmux -S "$T/tmux.sock" kill-server 2>/dev/null
	(exit $rc)
	cleanup
}
trap tui_exit EXIT
# no status line (the pane is the whole window); a pane that exits stays
# readable, so a crash is seen rather than a vanished session
printf 'set -g status off\nset -g remain-on-exit on\n' >"$T/tmux.conf"

# tui_start NAME W H [runuser USER] ENV...: fwtui in a new session
tui_start() {
	local name=$1 w=$2 h=$3 pre=""
	shift 3
	if [ "${1:-}" = runuser ]; then
		pre="runuser -u $2 --"
		shift 2
	fi
	# the shell records how fwtui ended (128+N for a signal)
	tm new-session -d -s "$name" -x "$w" -y "$h" \
		"$pre env $* $T/fwtui --socket $T/fwd.sock 2>>$T/tui-$name.err; echo \$? >$T/tui-$name.rc"
}

screen() { tm capture-pane -p -t "$1"; }
keys() { local s=$1; shift; tm send-keys -t "$s" "$@"; }
type_text() { tm send-keys -t "$1" -l "$2"; }

# wait_screen NAME REGEX [SECONDS]: until the screen matches; SCREEN holds it
wait_screen() {
	local _
	for _ in $(seq $(( ${3:-5} * 20 ))); do
		SCREEN=$(screen "$1")
		printf '%s\n' "$SCREEN" | grep -Eq -- "$2" && return 0
		sleep 0.05
	done
	return 1
}

# expect_screen WHAT NAME REGEX [SECONDS]
expect_screen() {
	if wait_screen "$2" "$3" "${4:-5}"; then
		pass "$1"
	else
		fail "$1"
		printf '     expected on screen %s: %s\n     got:\n' "$2" "$3"
		printf '%s\n' "$SCREEN" | sed 's/^/       | /'
	fi
}

list_has() { "$FWCTL" --socket "$T/fwd.sock" list 2>/dev/null | grep -q -- "$1"; }

make_user
cp "$FWTUI" "$T/fwtui"          # the build tree may not be readable by others
chmod 755 "$T/fwtui"
fwd_start

# --- the overview at 80x24 ------------------------------------------------------

tui_start root 80 24 LANG=C.UTF-8
expect_screen "overview shows fwd enabled" root 'State +enabled'
expect_match "overview shows the table" "table inet $TABLE" "$SCREEN"
expect_match "overview shows the policies" 'Policy +in drop +out accept' "$SCREEN"
expect_match "tab bar on the first line" '^ fwtui +1 Overview +2 Rules +3 Activity +4 Help' \
	"$(printf '%s\n' "$SCREEN" | head -n 1)"
expect_match "key hints on the last (24th) line" 'q quit' "$(printf '%s\n' "$SCREEN" | sed -n 24p)"
expect_eq "the frame is 24 lines" 24 "$(printf '%s\n' "$SCREEN" | wc -l)"
expect_screen "the prompts line: none, or not supported by this fwd" root \
	'Prompts +(prompts: not supported by this fwd|none pending)'

# --- rules: add, a bad rule, edit, delete (root) ----------------------------------

keys root 2
expect_screen "rules screen lists the rules" root 'ID ORIGIN +EXPIRES +HITS +RULE'
keys root a
expect_screen "a opens the editor" root 'Add a rule'
type_text root 'allow in prot tcp port 4321'
keys root Enter
expect_screen "a bad rule shows fwd's diagnostic" root "unknown keyword 'prot'"
expect_match "with a caret under the word" '^ +\^~~~ ' "$SCREEN"
if list_has 'port 4321'; then fail "the bad rule was not added"; else pass "the bad rule was not added"; fi
keys root C-u
type_text root 'allow in proto tcp port 4321'
keys root Enter
expect_screen "the add is confirmed" root 'added rule #[0-9]+'
if list_has 'allow in proto tcp port 4321'; then
	pass "the rule added in fwtui is in fwctl list"
else
	fail "the rule added in fwtui is in fwctl list"
fi
expect_screen "the list shows the new rule" root 'admin +never +[0-9]+ +allow in proto tcp port 4321'

keys root /
type_text root 4321
keys root Enter
keys root e
expect_screen "e opens the editor prefilled" root 'Edit rule #[0-9]+'
keys root BSpace
type_text root 2
keys root Enter
expect_screen "the edit is confirmed" root 'replaced rule #[0-9]+ by #[0-9]+'
if list_has 'port 4322' && ! list_has 'port 4321'; then
	pass "edit: the new rule is in, the old one out"
else
	fail "edit: the new rule is in, the old one out"
	"$FWCTL" --socket "$T/fwd.sock" list | sed 's/^/       | /'
fi
keys root Escape
keys root /
type_text root 4322
keys root Enter d
expect_screen "d asks for confirmation" root 'Delete rule #[0-9]+ "allow in proto tcp port 4322"\? y delete'
keys root y
expect_screen "the delete is confirmed" root 'deleted rule #[0-9]+'
if list_has 'port 4322'; then fail "the deleted rule is gone"; else pass "the deleted rule is gone"; fi
keys root Escape

# --- a user who is not an admin ---------------------------------------------------

fwc_ok "a rule for the user to try to delete" allow in proto tcp port 6000
export_to "$T/before"
tui_start user 80 24 runuser "$TEST_USER" LANG=C.UTF-8
expect_screen "a user's fwtui shows the status" user 'State +enabled'
keys user 2
expect_screen "a user sees the rules screen" user 'ID ORIGIN'
keys user a
type_text user 'allow in proto tcp port 5555'
keys user Enter
expect_screen "a user's add is explained" user 'only root or fwadm members can change rules'
keys user Escape
keys user Down d
wait_screen user 'Delete rule' 2 && keys user y
expect_screen "a user's delete is explained too" user "only root or fwadm members can change rules \\(fwd: permission denied: 'delete'"
export_to "$T/after"
expect_same "the user changed nothing" "$T/before" "$T/after"

# --- resize ----------------------------------------------------------------------------

keys root 1
tm resize-window -t root -x 120 -y 40
expect_screen "after the resize the overview is there" root 'State +enabled'
expect_eq "the frame is 40 lines" 40 "$(printf '%s\n' "$SCREEN" | wc -l)"
expect_match "key hints moved to line 40" 'q quit' "$(printf '%s\n' "$SCREEN" | sed -n 40p)"
expect_match "the state badge moved to the right edge" '^.{100,}enabled *$' \
	"$(printf '%s\n' "$SCREEN" | head -n 1)"
tm resize-window -t root -x 80 -y 24
expect_screen "and back at 80x24" root 'State +enabled'
expect_match "the badge is back at column 80" '^.{60,78}enabled *$' \
	"$(printf '%s\n' "$SCREEN" | head -n 1)"

# --- activity: blocked attempts of the peer ----------------------------------------------

keys root 3
expect_screen "the activity screen" root 'TIME +DIR PROTO PEER'
expect_many "7777 is filtered|tcp|$PEER|$H4|7777|filtered" \
	"7778 is filtered|tcp|$PEER|$H4|7778|filtered"
expect_screen "the blocked attempt on 7777 appears" root "in +tcp +$P4:[0-9]+ +7777" 8
expect_match "and the one on 7778" "in +tcp +$P4:[0-9]+ +7778" "$SCREEN"
keys root 1
expect_screen "the graph counts them" root 'Blocked attempts, last hour +[0-9]+ in all'

# --- monochrome ---------------------------------------------------------------------------

tui_start mono 80 24 NO_COLOR=1 TERM=vt100 LANG=C
expect_screen "NO_COLOR and vt100: still drawn" mono 'State +enabled'
if tm capture-pane -e -p -t mono | grep -Eq $'\e\\[[0-9;]*(3[0-7]|4[0-7])m'; then
	fail "no colour escapes without colours"
else
	pass "no colour escapes without colours"
fi
if tm capture-pane -e -p -t root | grep -Eq $'\e\\[[0-9;]*(3[0-7]|4[0-7])m'; then
	pass "colours where the terminal has them"
else
	fail "colours where the terminal has them"
fi

# --- fwd restarts -------------------------------------------------------------------------

fwd_kill TERM
expect_screen "fwd gone: fwtui says so" root "fwd not reachable at $T/fwd.sock, retrying in [0-9]+s"
fwd_start
expect_screen "fwd back: fwtui reconnects by itself" root 'State +enabled' 10

# --- quit, and what fwtui left on stderr ----------------------------------------------------

for s in root user mono; do
	keys "$s" q
done
for s in root user mono; do
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
