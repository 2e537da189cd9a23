#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The nflog group is already taken (as by ulogd) before fwd starts: fwd
# still starts, filters correctly (closed by default, an allow opens, a
# deny closes), keeps answering, and `fwctl status` names the missing
# event log in `problem` (doc/protocol.md: "problem also names a missing
# event log (the nflog group is taken)").
# The holder is tests/load/nflog_hold.c, compiled here.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
command -v cc >/dev/null || skip "no C compiler (cc)"
setup
cc -O2 -Wall -o "$T/nflog_hold" "$SRC/tests/load/nflog_hold.c" || { fail "cannot compile nflog_hold.c"; t_done noroundtrip; }
listen_tcp "$HOST" 8080
listen_tcp "$HOST" 8081
# fwd's default log group is 7 (log-group in fwd.conf)
ip netns exec "$HOST" "$T/nflog_hold" 7 >"$T/hold.out" 2>&1 &
HOLD=$!
BG_PIDS+=("$HOLD")
for _ in $(seq 30); do grep -q . "$T/hold.out" && break; sleep 0.1; done
expect_eq "another process holds nflog group 7" bound "$(head -n 1 "$T/hold.out")"

fwd_start
fwd_alive && pass "fwd runs with its nflog group taken" || fail "fwd is not running"
problem=$(status_field problem)
say "status problem: \"$problem\""
expect_match "fwctl status names the missing event log" 'nflog|log group|event log|blocked-connection log' "$problem"
fwc status
expect_match "plain fwctl status shows the problem too" 'nflog|log group|event log' "$OUT"
expect_match "fwd's log names the taken group" 'nflog group 7|group 7' "$(cat "$T/fwd.log")"

expect_many \
	"without its log: 8080 filtered|tcp|$PEER|$H4|8080|filtered" \
	"without its log: 8080/v6 filtered|tcp|$PEER|$H6|8080|filtered"
fwc_ok "allow in proto tcp port 8080" allow in proto tcp port 8080
fwc_ok "deny in proto tcp port 8081" deny in proto tcp port 8081
expect_many \
	"without its log: allowed 8080 open|tcp|$PEER|$H4|8080|open" \
	"without its log: allowed 8080/v6 open|tcp|$PEER|$H6|8080|open" \
	"without its log: denied 8081 filtered|tcp|$PEER|$H4|8081|filtered"
fwc log
expect_eq "fwctl log still answers (exit 0)" 0 "$RC"
fwd_alive && pass "fwd still runs after traffic" || fail "fwd died"

# the holder goes away: say what fwd does (retry is not promised by SPEC)
kill "$HOLD"
wait "$HOLD" 2>/dev/null
sleep 3
say "after the holder exited, status problem: \"$(status_field problem)\""
t_done
