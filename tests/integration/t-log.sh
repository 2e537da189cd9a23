#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Blocked connection attempts from the peer appear in `fwctl log` with the
# program and user of the listener they were meant for; `-f` shows a new
# one live; --json parses (one document, or with -f one object per line);
# matches of a rule marked `log` and outbound blocks are logged too; any
# user may read the log; status counts what was recorded.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
command -v setpriv >/dev/null || skip "setpriv (util-linux) not installed"
command -v runuser >/dev/null || skip "runuser not installed"
make_user

cp "$(command -v socat)" "$T/appL"
cp "$(command -v socat)" "$T/appR"

# listen NAME PORT [USER]: $T/NAME on a dual-stack TCP socket
listen() {
	local run=()
	[ -n "${3:-}" ] && run=(setpriv --reuid "$3" --regid "$(id -g "$3")" --init-groups)
	ip netns exec "$HOST" "${run[@]}" "$T/$1" TCP6-LISTEN:"$2",ipv6only=0,fork,reuseaddr \
		SYSTEM:'echo hello-fwd' 2>/dev/null &
	BG_PIDS+=($!)
	wait_listen "$HOST" t "$2"
}

# wait_for FILE REGEX: up to 5 s
wait_for() {
	local i
	for i in $(seq 50); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# log_json EXPR: evaluated over the events of `fwctl log --json -n 100`
log_json() {
	"$FWCTL" --socket "$T/fwd.sock" --json log -n 100 2>/dev/null | json_get "$1" 2>&1
}

listen appL 9201 "$TEST_USER"
listen appR 9202
listen_tcp "$HOST" 9204
listen_tcp "$PEER" 8080
fwd_start

expect_tcp "attempt to the user's listener is blocked" "$PEER" "$H4" 9201 filtered
sleep 0.5        # the log is written in batches, at most 200 ms late
fwc_ok "fwctl log" log
expect_match "text log has the header" '^TIME +DIR +PROTO +PEER +PORT +APP +USER' "$OUT"
row=$(printf '%s\n' "$OUT" | grep -E " 9201 " | head -n 1)
expect_match "the blocked attempt is listed with peer and port" \
	"in +tcp +$P4:[0-9]+ +9201 " "$row"
expect_match "... with the program" "$T/appL" "$row"
expect_match "... and the user" "$TEST_USER\$" "$row"

fwc_ok "fwctl log --json" --json log
expect_eq "--json parses, events are objects" True \
	"$(printf '%s' "$OUT" | json_get 'all(isinstance(e, dict) for e in rows)')"
expect_eq "json: app of the 9201 attempt" "$T/appL" \
	"$(log_json '[e["app"] for e in rows if e["port"] == 9201][0]')"
expect_eq "json: user" "$TEST_USER" \
	"$(log_json '[e["user"] for e in rows if e["port"] == 9201][0]')"
expect_eq "json: uid" "$(id -u "$TEST_USER")" \
	"$(log_json '[e["uid"] for e in rows if e["port"] == 9201][0]')"
expect_eq "json: dir, proto, peer" "in tcp $P4" \
	"$(log_json '[" ".join((e["dir"], e["proto"], e["peer"])) for e in rows if e["port"] == 9201][0]')"
expect_eq "json: reason" "policy drop" \
	"$(log_json '[e["reason"] for e in rows if e["port"] == 9201][0]')"

fwc status --json
expect_eq "status: drops_in counts the blocked packets" True \
	"$(printf '%s' "$OUT" | json_get 'obj["drops_in"] >= 2')"
expect_eq "status: the log recorded them" True \
	"$(printf '%s' "$OUT" | json_get 'obj["log_recorded"] >= 2')"

fwc_ok "fwctl log -n 1" log -n 1
expect_eq "-n 1 lists one event" 1 "$(printf '%s\n' "$OUT" | tail -n +2 | grep -c .)"

# -f: a new blocked attempt shows up while we watch
"$FWCTL" --socket "$T/fwd.sock" log -f -n 0 >"$T/follow.txt" 2>"$T/follow.err" &
FOLLOW=$!
BG_PIDS+=("$FOLLOW")
"$FWCTL" --socket "$T/fwd.sock" --json log -f -n 1 >"$T/follow.json" 2>&1 &
FOLLOWJ=$!
BG_PIDS+=("$FOLLOWJ")
sleep 0.5
expect_tcp "attempt to root's listener over IPv6" "$PEER" "$H6" 9202 filtered
if wait_for "$T/follow.txt" " 9202 "; then
	pass "fwctl log -f shows the new attempt live"
	expect_match "-f row names the program and root" "$T/appR +root" \
		"$(grep ' 9202 ' "$T/follow.txt" | head -n 1)"
	expect_match "-f row has the IPv6 peer" "\\[$P6\\]:[0-9]+" \
		"$(grep ' 9202 ' "$T/follow.txt" | head -n 1)"
else
	fail "fwctl log -f did not show the attempt to port 9202 within 5 s"
	sed 's/^/       | /' "$T/follow.txt" "$T/follow.err" | head -n 20
fi
if wait_for "$T/follow.json" '"port":9202'; then
	expect_eq "--json -f: every line is one JSON object" True "$(python3 -c '
import json, sys
print(all(isinstance(json.loads(l), dict) for l in open(sys.argv[1]) if l.strip()))' \
		"$T/follow.json" 2>&1)"
	expect_eq "--json -f: the listed event first" 9201 \
		"$(head -n 1 "$T/follow.json" | json_get 'd["port"]')"
else
	fail "fwctl --json log -f did not show the attempt within 5 s"
	sed 's/^/       | /' "$T/follow.json" | head -n 20
fi
kill "$FOLLOW" "$FOLLOWJ" 2>/dev/null
wait "$FOLLOW" "$FOLLOWJ" 2>/dev/null

# a rule marked log: its matches are logged, with the rule's class
fwc_ok "allow in proto tcp port 9204 log" allow in proto tcp port 9204 log
expect_tcp "logged allow rule lets the connection in" "$PEER" "$H4" 9204 open
# outbound blocks are logged with the sending user
fwc_ok "deny out proto tcp port 8080 log" deny out proto tcp port 8080 log
out=$(ip netns exec "$HOST" timeout 4 socat -u "TCP:$P4:8080,connect-timeout=1" STDOUT 2>&1)
expect_ne "the outbound connection is blocked" open "$(classify "$out" hello-fwd)"
sleep 0.5
expect_eq "logged allow rule: reason" "rule allow" \
	"$(log_json '[e["reason"] for e in rows if e["port"] == 9204][0]')"
expect_eq "outbound block: dir, peer, peer port, user" "out $P4 8080 root" \
	"$(log_json '[" ".join((e["dir"], e["peer"], str(e["peer_port"]), e["user"])) for e in rows if e["dir"] == "out"][0]')"

# any user may read it
fwc_as "$TEST_USER" log
expect_eq "an unprivileged user may run fwctl log" 0 "$RC"
expect_match "... and sees the events" " 9201 " "$OUT"

fwc status --json
expect_eq "status: log_recorded counts events" True \
	"$(printf '%s' "$OUT" | json_get 'obj["log_recorded"] >= 4')"
expect_eq "status: nothing lost" 0 "$(printf '%s' "$OUT" | json_get 'obj["log_lost"]')"

fwc log -n x
expect_eq "fwctl log -n x is a usage error" 2 "$RC"

t_done
