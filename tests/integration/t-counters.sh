#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Hit counters grow with traffic to an allowed port; drops are counted.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
listen_tcp "$HOST" 8080
fwd_start
fwc_ok "allow in proto tcp port 8080" allow in proto tcp port 8080

packets() {
	"$FWCTL" --socket "$T/fwd.sock" list --json 2>/dev/null |
		json_get '[r["packets"] for r in rows if "port 8080" in r["rule"]][0]' 2>&1
}
p0=$(packets)
expect_match "packets is a number" '^[0-9]+$' "$p0"
for i in 1 2 3; do
	expect_tcp "connection $i to 8080" "$PEER" "$H4" 8080 open
done
p1=$(packets)
if [ "$p1" -ge $(( p0 + 3 )) ] 2>/dev/null; then pass "hit count grew by >= 3 ($p0 -> $p1)"
else fail "hit count should grow by 3 connections: $p0 -> $p1"; fi
fwc_ok "list" list
expect_match "text list shows the hit count" "$p1" "$OUT"

d0=$(status_field drops_in)
expect_match "drops_in is a number" '^[0-9]+$' "$d0"
expect_tcp "8081 filtered" "$PEER" "$H4" 8081 filtered
d1=$(status_field drops_in)
if [ "$d1" -gt "$d0" ] 2>/dev/null; then pass "drops_in grew ($d0 -> $d1)"
else fail "drops_in should grow after a blocked SYN: $d0 -> $d1"; fi

t_done
