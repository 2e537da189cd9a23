#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Garbage on the control socket hurts only the client that sent it: random
# bytes, an oversized line, NULs, a wrong version, an unknown verb, an
# oversized body, an idle half-line client. The next client is served.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
fwd_start
S=$T/fwd.sock

# one big block: the whole request is in the socket before fwd answers and
# closes, so socat is not killed by EPIPE before it reads the answer
raw() { socat -b 262144 -t 1 -T 5 - "UNIX-CONNECT:$S" 2>&1; }

still_served() {
	if ! fwd_alive; then
		fail "$1: fwd died"
		tail -n 20 "$T/fwd.log" | sed 's/^/       | /'
		t_done noroundtrip
	fi
	fwc status
	expect_eq "$1: next client served" 0 "$RC"
}

out=$(printf 'fwd1 status\n' | raw)
expect_match "raw status request answered" '^item .*enabled=' "$out"
expect_match "raw status ends with ok" '^ok' "$(printf '%s\n' "$out" | tail -n 1)"

head -c 4096 /dev/urandom | raw >/dev/null
still_served "random bytes"

{ printf 'fwd1 status '; head -c 70000 /dev/zero | tr '\0' a; printf '\n'; } >"$T/big1"
out=$(raw <"$T/big1")
expect_match "oversized line gets error code=2" '^error code=2' "$out"
still_served "oversized line"

{ printf 'fwd1 '; head -c 100000 /dev/zero | tr '\0' b; } >"$T/big2"
out=$(raw <"$T/big2")
still_served "oversized line without newline"

out=$(printf 'fwd1 st\000atus\n' | raw)
expect_match "NUL in request gets error code=2" '^error code=2' "$out"
still_served "NUL byte"

out=$(printf 'fwd9 status\n' | raw)
expect_match "unknown version gets error code=2" '^error code=2' "$out"
still_served "unknown version"

out=$(printf 'fwd1 frobnicate\n' | raw)
expect_match "unknown verb gets EOPNOTSUPP" '^error code=2 .*EOPNOTSUPP' "$out"
still_served "unknown verb"

out=$(printf 'fwd1 status "unterminated\n' | raw)
expect_match "bad quoting gets error code=2" '^error code=2' "$out"

out=$(printf 'fwd1 check name="x" size=999999999999\n' | raw)
expect_match "oversized body size refused" '^error code=' "$out"
still_served "oversized body"

out=$(printf 'fwd1 check name="x" size=1000\nallow in' | raw)
still_served "truncated body"

# the connection stays usable after a malformed request
out=$(printf 'fwd9 status\nfwd1 status\n' | raw)
expect_match "connection usable after a malformed request" '^ok' "$(printf '%s\n' "$out" | tail -n 1)"

# an idle client holding half a line must not block others
( printf 'fwd1 sta'; sleep 4 ) | socat -t 5 - "UNIX-CONNECT:$S" >/dev/null 2>&1 &
idle=$!
BG_PIDS+=("$idle")
sleep 0.3
start=$(date +%s%N)
timeout 3 "$FWCTL" --socket "$S" status >/dev/null 2>&1
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_eq "status while another client idles mid-line" 0 "$rc"
[ "$rc" = 0 ] && say "answered in $ms ms"
wait "$idle" 2>/dev/null

# many clients in a row
bad=0
for i in $(seq 50); do
	printf 'fwd1 status\n' | raw | grep -q '^ok' || bad=$((bad + 1))
done
expect_eq "50 clients in a row all served" 0 "$bad"
still_served "after all of it"

t_done
