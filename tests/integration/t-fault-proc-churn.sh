#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# /proc entries vanishing mid-lookup: while `allow in app $T/appA` is in
# force, another program ($T/appB, a copy of socat under another path)
# listens and exits at once, CHURN times (default 200) on port 9401, and
# appA itself comes and goes on 9402, so fwd's listener scans and /proc
# lookups keep meeting processes that are gone. Meanwhile the peer keeps
# connecting to 9401: appB must never be reached (the port is never opened
# for the wrong program). Afterwards fwd is up, appA's steady port 9400 is
# open, appB listening for good on 9401 is filtered, and appA back on 9402
# is open within 2 s (SPEC: listener changes followed within 2 seconds).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
CHURN=${CHURN:-200}
cp "$(command -v socat)" "$T/appA"
cp "$(command -v socat)" "$T/appB"
chmod 755 "$T/appA" "$T/appB"
fwd_start
fwc add allow in app "$T/appA"
if [ "$RC" = 2 ] || printf '%s' "$ERR" | grep -qi 'not supported'; then
	skip "this fwd does not support app rules yet: $ERR"
fi
expect_eq "allow in app $T/appA (exit 0)" 0 "$RC"

ip netns exec "$HOST" "$T/appA" TCP4-LISTEN:9400,fork,reuseaddr SYSTEM:'echo hello-fwd' 2>/dev/null &
BG_PIDS+=($!)
wait_listen "$HOST" t 9400
sleep 2.5
expect_tcp "appA's steady port 9400 open" "$PEER" "$H4" 9400 open

# the peer knocks on 9401 all along; any greeting from appB is a breach
( while [ ! -e "$T/stop" ]; do
	ip netns exec "$PEER" timeout 2 socat -T 1 -u "TCP:$H4:9401,connect-timeout=0.3" STDOUT 2>/dev/null
	echo knock
  done ) >"$T/knock.out" &
KNOCK=$!
BG_PIDS+=("$KNOCK")

start=$(date +%s)
for _ in $(seq "$CHURN"); do
	ip netns exec "$HOST" "$T/appB" TCP4-LISTEN:9401,reuseaddr SYSTEM:'echo hello-B' 2>/dev/null &
	b=$!
	ip netns exec "$HOST" "$T/appA" TCP4-LISTEN:9402,reuseaddr SYSTEM:'echo hello-fwd' 2>/dev/null &
	a=$!
	sleep 0.0$((RANDOM % 5))
	kill -9 "$b" "$a" 2>/dev/null
	wait "$b" "$a" 2>/dev/null
done
touch "$T/stop"
wait "$KNOCK" 2>/dev/null
say "$CHURN listen-and-exit rounds in $(( $(date +%s) - start )) s; the peer knocked $(grep -c knock "$T/knock.out") times on 9401"

fwd_alive && pass "fwd survived $CHURN vanishing listeners" || { fail "fwd died during the churn"; t_done noroundtrip; }
fwc_ok "fwd answers after the churn" status
breaches=$(grep -c 'hello-B' "$T/knock.out")
expect_eq "appB was never reached through fwd ($CHURN rounds)" 0 "$breaches"
say "status problem after the churn: \"$(status_field problem)\""

ip netns exec "$HOST" "$T/appB" TCP4-LISTEN:9401,fork,reuseaddr SYSTEM:'echo hello-B' 2>/dev/null &
BG_PIDS+=($!)
ip netns exec "$HOST" "$T/appA" TCP4-LISTEN:9402,fork,reuseaddr SYSTEM:'echo hello-fwd' 2>/dev/null &
BG_PIDS+=($!)
wait_listen "$HOST" t 9401
wait_listen "$HOST" t 9402
sleep 2.5
expect_many \
	"after the churn: appA's 9400 open|tcp|$PEER|$H4|9400|open" \
	"after the churn: appB's 9401 filtered|tcp|$PEER|$H4|9401|filtered" \
	"after the churn: appA back on 9402 open|tcp|$PEER|$H4|9402|open"
t_done
