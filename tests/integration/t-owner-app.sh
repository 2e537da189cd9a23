#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `allow in app PATH` opens exactly the ports that executable listens on,
# TCP and UDP, over IPv4 and IPv6 for a dual-stack socket, and nothing of
# another copy of the same binary at another path. A deny app rule beats
# an allow port rule. When the allowed program exits and another binds the
# same port, the port closes within 2 s; a program that starts listening
# later gets its port opened; a deleted binary no longer matches an allow.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup

now_ms() { date +%s%3N; }

# start_app NAME PORT tcp|udp: $T/NAME (a copy of socat) on a dual-stack
# socket; sets APP_PID
start_app() {
	if [ "$3" = tcp ]; then
		ip netns exec "$HOST" "$T/$1" TCP6-LISTEN:"$2",ipv6only=0,fork,reuseaddr \
			SYSTEM:'echo hello-fwd' 2>/dev/null &
	else
		ip netns exec "$HOST" "$T/$1" UDP6-RECVFROM:"$2",ipv6only=0,fork \
			SYSTEM:'read -r l; echo pong' 2>/dev/null &
	fi
	APP_PID=$!
	BG_PIDS+=("$APP_PID")
	wait_listen "$HOST" "${3:0:1}" "$2"
}

stop_app() { # PID PORT: until nothing listens on PORT any more
	local i
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	for i in $(seq 50); do
		ip netns exec "$HOST" ss -lnt "sport = :$2" | grep -q ":$2" || return 0
		sleep 0.1
	done
	fail "port $2 still has a listener after its program was stopped"
}

# has_elem PORT RULE_ID: the kernel holds an element of that rule for PORT
has_elem() {
	nft_host 2>/dev/null | grep -Eq "\. $1 [^,}]*comment \"rule $2\""
}

# wait_elem gone|there PORT RULE_ID MAX_MS: sets WAITED (ms), 0 if never
wait_elem() {
	local start end
	start=$(now_ms)
	while :; do
		if [ "$1" = gone ] && ! has_elem "$2" "$3"; then break; fi
		if [ "$1" = there ] && has_elem "$2" "$3"; then break; fi
		end=$(now_ms)
		if [ $((end - start)) -gt "$4" ]; then
			WAITED=0
			return 1
		fi
		sleep 0.05
	done
	WAITED=$(( $(now_ms) - start ))
	[ "$WAITED" -gt 0 ] || WAITED=1
}

cp "$(command -v socat)" "$T/appA"
cp "$(command -v socat)" "$T/appB"
cp "$(command -v socat)" "$T/appC"
start_app appA 9001 tcp
A_TCP=$APP_PID
start_app appB 9002 tcp
start_app appA 9003 udp
fwd_start

expect_many \
	"no rule: appA tcp/v4 filtered|tcp|$PEER|$H4|9001|filtered" \
	"no rule: appB tcp/v6 filtered|tcp|$PEER|$H6|9002|filtered"

fwc_ok "allow in app appA" allow in app "$T/appA"
A_ID=$(rule_id appA)
expect_many \
	"appA tcp over IPv4 (dual-stack socket) open|tcp|$PEER|$H4|9001|open" \
	"appA tcp over IPv6 open|tcp|$PEER|$H6|9001|open" \
	"appA udp over IPv4 open|udp|$PEER|$H4|9003|open" \
	"appA udp over IPv6 open|udp|$PEER|$H6|9003|open" \
	"appB (same binary, other path) v4 filtered|tcp|$PEER|$H4|9002|filtered" \
	"appB v6 filtered|tcp|$PEER|$H6|9002|filtered"
fwc status --json
expect_match "status counts the bindings" '"owner_bindings": *[1-9]' "$OUT"

# block wins: deny app beats a port rule that would allow
fwc_ok "allow in proto tcp port 9002" allow in proto tcp port 9002
expect_tcp "appB open by the port rule" "$PEER" "$H4" 9002 open
fwc_ok "deny in app appB" deny in app "$T/appB"
expect_many \
	"deny app appB beats allow port (v4)|tcp|$PEER|$H4|9002|filtered" \
	"deny app appB beats allow port (v6)|tcp|$PEER|$H6|9002|filtered" \
	"appA unaffected by the deny|tcp|$PEER|$H4|9001|open"
fwc_ok "delete the port and deny rules" delete "$(rule_id 'port 9002')" "$(rule_id appB)"

# combined with port, an app rule narrows
fwc_ok "allow in app appB proto tcp port 9999" allow in proto tcp port 9999 app "$T/appB"
if has_elem 9002 "$(rule_id appB)"; then
	fail "app + port 9999 opened appB's port 9002"
else
	pass "app + port 9999 does not open appB's port 9002"
fi
fwc_ok "delete it" delete "$(rule_id appB)"

# the window: appA exits, appB takes its port
has_elem 9001 "$A_ID" && pass "element for appA's port 9001 in the kernel" ||
	fail "no element for appA's port 9001"
t0=$(now_ms)
stop_app "$A_TCP" 9001
start_app appB 9001 tcp
if wait_elem gone 9001 "$A_ID" 5000; then
	took=$(( $(now_ms) - t0 ))
	say "port 9001 closed ${took} ms after appA was stopped"
	[ "$took" -le 2000 ] && pass "port closed within 2 s of appA's exit" ||
		fail "port closed only after $took ms (bound: 2000)"
else
	fail "port 9001 still open 5 s after appA exited and appB took it"
fi
expect_many \
	"appB on appA's old port: v4 filtered|tcp|$PEER|$H4|9001|filtered" \
	"appB on appA's old port: v6 filtered|tcp|$PEER|$H6|9001|filtered"

# a program that starts listening while the rule exists: its client's
# first SYN is dropped, nflog makes fwd rescan, the retransmit gets in
start_app appA 9004 tcp
t0=$(now_ms)
out=$(ip netns exec "$PEER" timeout 8 socat -T 2 -u \
	"TCP:$H4:9004,connect-timeout=6" STDOUT 2>&1)
expect_eq "new appA listener reachable by a waiting client" open "$(classify "$out" hello-fwd)"
say "connected $(( $(now_ms) - t0 )) ms after the listener started"
start_app appA 9005 tcp
if wait_elem there 9005 "$A_ID" 3000; then
	say "a new listener without traffic was opened after $WAITED ms"
	[ "$WAITED" -le 2000 ] && pass "new listener opened within 2 s by the poll" ||
		fail "new listener opened only after $WAITED ms"
else
	fail "new appA listener on 9005 not opened within 3 s"
fi

# a binary deleted under the running program no longer matches an allow
start_app appC 9006 tcp
fwc_ok "allow in app appC" allow in app "$T/appC"
C_ID=$(rule_id appC)
expect_tcp "appC open" "$PEER" "$H4" 9006 open
rm -f "$T/appC"
if wait_elem gone 9006 "$C_ID" 13000; then
	say "deleted binary's port closed after $WAITED ms"
	pass "appC's port closed once its binary was deleted"
else
	fail "appC's port still open 13 s after its binary was deleted"
fi

# the rule outlives its program: stopping every appA closes its ports
fwc_ok "list" list
expect_match "the app rule is listed as written" "allow in app $T/appA" "$OUT"

t_done
