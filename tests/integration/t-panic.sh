#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `fwctl panic on` blocks everything but loopback in one change, established
# connections included: a TCP session that keeps sending stops getting
# through, and new connections to an allowed port are dropped. Panic is a
# revision, shows in status, and survives a restart of fwd; `panic off`
# brings the rules back and new connections get in again. The drop counter
# survives all of it.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
listen_tcp "$HOST" 8080
# a sink that appends what arrives to a file
ip netns exec "$HOST" socat -u TCP4-LISTEN:7000,reuseaddr OPEN:"$T/recv",creat,append \
	2>/dev/null &
BG_PIDS+=($!)
wait_listen "$HOST" t 7000
fwd_start
fwc_ok "allow 8080" allow in proto tcp port 8080
# some drops first: their counter must survive panic on/off and a restart,
# though both flush and rebuild the chains
expect_tcp "8081 filtered" "$PEER" "$H4" 8081 filtered
drops0=$(status_field drops_in)
fwc_ok "allow 7000" allow in proto tcp port 7000

# an established session that sends a line every 0.1 s
(while :; do echo tick; sleep 0.1; done) |
	ip netns exec "$PEER" socat -u - TCP4:"$H4":7000 2>/dev/null &
BG_PIDS+=($!)
sleep 1.5
size1=$(stat -c %s "$T/recv" 2>/dev/null || echo 0)
sleep 1
size2=$(stat -c %s "$T/recv" 2>/dev/null || echo 0)
if [ "$size2" -gt "$size1" ]; then pass "the session delivers data before panic"
else fail "the session delivers data before panic ($size1 -> $size2)"; fi

rev=$(status_field revision)
fwc_ok "panic on" panic on
expect_match "panic on says so" "PANIC MODE ON" "$OUT"
expect_eq "panic is a revision" "$((rev + 1))" "$(status_field revision)"
expect_eq "status: panic" "True" "$(status_field panic)"
sleep 1
size3=$(stat -c %s "$T/recv")
sleep 2
size4=$(stat -c %s "$T/recv")
expect_eq "established session stops delivering under panic" "$size3" "$size4"
expect_tcp "new connection to 8080 dropped under panic" "$PEER" "$H4" 8080 filtered
if ip netns exec "$HOST" ping -n -c 1 -W 1 127.0.0.1 >/dev/null 2>&1; then
	pass "loopback still works under panic"
else
	fail "loopback still works under panic"
fi
fwc_ok "panic on again" panic on
expect_match "already on: no new revision" "already on" "$OUT"

fwd_kill TERM || fail "fwd did not stop"
fwd_start
expect_eq "panic survives a restart" "True" "$(status_field panic)"
expect_tcp "8080 still dropped after restart" "$PEER" "$H4" 8080 filtered

fwc_ok "panic off" panic off
expect_eq "status: panic off" "False" "$(status_field panic)"
expect_tcp "8080 open again after panic off" "$PEER" "$H4" 8080 open
drops1=$(status_field drops_in)
if [ "${drops0:-0}" -gt 0 ] && [ "${drops1:-0}" -ge "$drops0" ]; then
	pass "drops_in survives panic and a restart ($drops0 -> $drops1)"
else
	fail "drops_in survives panic and a restart ($drops0 -> $drops1)"
fi
fwc_ok "history" history --json
expect_eq "history: panic off" "panic off" "$(printf '%s' "$OUT" | json_get 'rows[0]["summary"]')"
fwc panic maybe
expect_eq "panic with a bad state: usage" 2 "$RC"

t_done
