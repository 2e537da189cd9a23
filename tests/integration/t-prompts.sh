#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Prompts from the shell: a test user's program listens, a peer's blocked
# attempts raise one prompt that its user (not another) sees and may
# answer; `fwctl answer ID allow` makes the peer's retrying connection
# succeed with a rule of origin prompt that the user may delete; deny;
# an answer --for 3s expires; an unanswered prompt lapses (prompt-timeout);
# `later` dismisses and asks again at the next blocked attempt; `watch`
# streams prompt and prompt-gone events to the owner only.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
command -v runuser >/dev/null || skip "runuser not installed"
setup
# long enough for a loaded machine; the lapse is tested after a restart
PROMPT_TIMEOUT=60
printf 'user-prompts yes\nprompt-timeout %ss\n' "$PROMPT_TIMEOUT" >>"$T/fwd.conf"

OTHER_USER=
t_exit() {
	local rc=$?
	[ -n "$OTHER_USER" ] && remove_user "$OTHER_USER"
	(exit $rc)
	cleanup
}
trap t_exit EXIT

# prompt_field USER PORT FIELD: FIELD of USER's pending prompt about PORT
prompt_field() {
	runuser -u "$1" -- "$T/fwctl" --socket "$T/fwd.sock" prompts --json 2>/dev/null |
		json_get "[p['$3'] for p in rows if p['port'] == $2][0]" 2>/dev/null
}

wait_prompt() { # USER PORT [SECONDS]: sets ID
	local _
	ID=
	for _ in $(seq $(( ${3:-5} * 10 ))); do
		ID=$(prompt_field "$1" "$2" id)
		[ -n "$ID" ] && return 0
		sleep 0.1
	done
	return 1
}

make_user
OTHER_USER=fwt$$o
useradd --system --no-create-home --shell /usr/sbin/nologin "$OTHER_USER" ||
	skip "useradd failed"
fwd_start
NET4=${H4%.*}.0/24

watch_as() { # USER OUTFILE: that user's `watch` until fwd stops
	runuser -u "$1" -- bash -c "printf 'fwd1 watch\n'; sleep 120" |
		runuser -u "$1" -- socat - UNIX-CONNECT:"$T/fwd.sock" >"$2" 2>&1 &
	BG_PIDS+=($!)
}
watch_as "$TEST_USER" "$T/watch-mine"
watch_as "$OTHER_USER" "$T/watch-other"

# --- raised, seen by its user only, counted ------------------------------------

start_user_app app1 9200
peer_connect 9200 70 "$T/peer1.out"
if wait_prompt "$TEST_USER" 9200 8; then pass "a prompt is raised"; else fail "a prompt is raised"; fi
expect_eq "it names the program" "$T/app1" "$(prompt_field "$TEST_USER" 9200 app)"
expect_eq "and the user" "$TEST_USER" "$(prompt_field "$TEST_USER" 9200 user)"
sleep 1.5
expect_eq "and the peer" "$P4" "$(prompt_field "$TEST_USER" 9200 peer)"
expect_eq "and the peer's network" "$NET4" "$(prompt_field "$TEST_USER" 9200 peer_net)"
a1=$(prompt_field "$TEST_USER" 9200 attempts)
# SYN retransmits come 1, 2, 4, 8 s apart: wait for the next one
for _ in $(seq 50); do
	sleep 0.2
	a2=$(prompt_field "$TEST_USER" 9200 attempts)
	[ -n "$a1" ] && [ -n "$a2" ] && [ "$a2" -gt "$a1" ] && break
done
if [ -n "$a1" ] && [ -n "$a2" ] && [ "$a2" -gt "$a1" ]; then
	pass "attempts grow with the retries ($a1 -> $a2)"
else
	fail "attempts grow with the retries ($a1 -> $a2)"
fi
fwc_as "$TEST_USER" prompts
expect_eq "one prompt for the program" 1 "$(printf '%s\n' "$OUT" | grep -c 9200)"
fwc_as "$OTHER_USER" prompts
expect_nomatch "another user does not see it" 9200 "$OUT"
fwc prompts
expect_match "root sees it" 9200 "$OUT"

wait_prompt "$TEST_USER" 9200
fwc_as "$OTHER_USER" answer "$ID" allow
expect_eq "another user may not answer it" 4 "$RC"
fwc_as "$TEST_USER" answer 999999 allow
expect_eq "an unknown prompt is an error" 1 "$RC"

# --- allow --------------------------------------------------------------------

fwc_as "$TEST_USER" answer "$ID" allow
expect_eq "the user answers allow" 0 "$RC"
expect_match "fwctl says which rule it made" "^rule [0-9]+ created: allow in app .*app1" "$OUT"
ok=
# on a loaded machine the next SYN retransmit may be 16 s away
for _ in $(seq 350); do
	grep -q hello-fwd "$T/peer1.out" && { ok=1; break; }
	sleep 0.1
done
expect_eq "the peer's retrying connection succeeds" 1 "$ok"
expect_match "the rule is in list with origin prompt" "app1" "$(prompt_rules)"
fwc_as "$TEST_USER" prompts
expect_nomatch "the prompt is gone" 9200 "$OUT"
RID=$(prompt_rules | awk '/app1/ { print $1 }')
fwc_as "$TEST_USER" delete "$RID"
if [ "$RC" = 0 ]; then
	pass "the user deletes their prompt rule"
else
	# delete of one's own prompt rules is another part's (commands.c)
	say "fwctl delete as the user exited $RC: $ERR"
	fwc_ok "root deletes the prompt rule" delete "$RID"
fi

# --- deny ---------------------------------------------------------------------

start_user_app app2 9201
peer_connect 9201 4 "$T/peer2.out"
wait_prompt "$TEST_USER" 9201 8
fwc_as "$TEST_USER" answer "$ID" deny
expect_eq "the user answers deny" 0 "$RC"
expect_match "a deny rule" "deny in app .*app2" "$(prompt_rules)"
expect_tcp "9201 stays filtered" "$PEER" "$H4" 9201 filtered
fwc_as "$TEST_USER" prompts
expect_nomatch "denied: no new prompt" 9201 "$OUT"

# --- a temporary answer expires -------------------------------------------------

start_user_app app3 9202
peer_connect 9202 3 "$T/peer3.out"
wait_prompt "$TEST_USER" 9202 8
fwc_as "$TEST_USER" answer "$ID" allow --for 3s
expect_eq "allow --for 3s" 0 "$RC"
expect_tcp "9202 open while it lasts" "$PEER" "$H4" 9202 open
expect_eq "the temporary rule expires" 1 "$(wait_prompt_rule_gone app3 80)"
expect_tcp "9202 filtered after it expired" "$PEER" "$H4" 9202 filtered

# --- later, and the timeout -----------------------------------------------------

start_user_app app4 9203
peer_connect 9203 3 "$T/peer4.out"
wait_prompt "$TEST_USER" 9203 8
fwc_as "$TEST_USER" answer "$ID" later
expect_eq "later" 0 "$RC"
fwc_as "$TEST_USER" prompts
expect_nomatch "later dismisses the prompt" 9203 "$OUT"
expect_nomatch "later makes no rule" app4 "$(prompt_rules)"
expect_tcp "9203 stays filtered" "$PEER" "$H4" 9203 filtered
if wait_prompt "$TEST_USER" 9203 5; then
	pass "the next blocked attempt asks again"
else
	fail "the next blocked attempt asks again"
fi
# --- watch ----------------------------------------------------------------------

expect_match "watch streams prompts to their user" 'event type="prompt" .*port=9200' \
	"$(cat "$T/watch-mine")"
expect_match "and prompt-gone when answered" 'event type="prompt-gone" .*reason="answered"' \
	"$(cat "$T/watch-mine")"
expect_match "and status changes" 'event type="status"' "$(cat "$T/watch-mine")"
expect_match "and log events" 'event type="log" ' "$(cat "$T/watch-mine")"
expect_nomatch "another user's watch has no prompt of it" 'type="prompt"' \
	"$(cat "$T/watch-other")"
expect_match "but has the log" 'event type="log" ' "$(cat "$T/watch-other")"

# --- prompt-timeout: restarted with a short one ----------------------------------

fwd_stop_quietly
sed -i 's/^prompt-timeout .*/prompt-timeout 4s/' "$T/fwd.conf"
fwd_start
watch_as "$TEST_USER" "$T/watch-mine2"
start_user_app app5 9204
peer_connect 9204 3 "$T/peer5.out"
if wait_prompt "$TEST_USER" 9204 8; then pass "a prompt for app5"; else fail "a prompt for app5"; fi
sleep 6
fwc_as "$TEST_USER" prompts
expect_nomatch "unanswered, the prompt lapses after prompt-timeout" 9204 "$OUT"
expect_nomatch "and nothing was allowed" app5 "$(prompt_rules)"
expect_tcp "9204 is still filtered" "$PEER" "$H4" 9204 filtered
# the idle cost of prompts: one listener scan a second
say "listener scan: $(status_field listener_scan_us) us, $(status_field listeners) sockets"
expect_match "watch says it expired" 'event type="prompt-gone" .*reason="expired"' \
	"$(cat "$T/watch-mine2")"

t_done
