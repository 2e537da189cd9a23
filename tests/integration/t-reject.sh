#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `reject` answers at once (TCP reset, ICMP port unreachable for UDP) while
# `deny` is silent; `policy in reject` makes unlisted ports refuse.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
listen_tcp "$HOST" 6000
listen_tcp "$HOST" 6001
listen_udp "$HOST" 6002
listen_tcp "$HOST" 6003
fwd_start

fwc_ok "reject in proto tcp port 6000" reject in proto tcp port 6000
fwc_ok "deny in proto tcp port 6001" deny in proto tcp port 6001
fwc_ok "allow in proto tcp port 6001" allow in proto tcp port 6001
fwc_ok "reject in proto udp port 6002" add reject in proto udp port 6002
fwc_ok "allow in proto tcp port 6003" allow in proto tcp port 6003

start=$(date +%s%N)
expect_tcp "tcp/v4 6000 refused (reset)" "$PEER" "$H4" 6000 refused
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ "$ms" -lt 1000 ]; then pass "reject answers fast (${ms} ms)"
else fail "reject took ${ms} ms: expected an immediate reset"; fi

start=$(date +%s%N)
expect_tcp "tcp/v4 6001 filtered (deny is silent)" "$PEER" "$H4" 6001 filtered
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ "$ms" -ge 1500 ]; then pass "deny runs into the timeout (${ms} ms)"
else fail "deny answered after ${ms} ms: expected silence"; fi

expect_many \
	"tcp/v6 6000 refused|tcp|$PEER|$H6|6000|refused" \
	"udp/v4 6002 refused (port unreachable)|udp|$PEER|$H4|6002|refused" \
	"udp/v6 6002 refused (port unreachable)|udp|$PEER|$H6|6002|refused" \
	"unlisted 6004 filtered under policy drop|tcp|$PEER|$H4|6004|filtered"

# policy in reject: unlisted ports refuse, allowed ones stay open
export_to "$T/before"
{ cat "$T/before" | grep -v '^policy in'; echo "policy in reject"; } >"$T/new.rules"
fwc_ok "apply with policy in reject" apply "$T/new.rules"
expect_many \
	"unlisted tcp/v4 6004 refused under policy reject|tcp|$PEER|$H4|6004|refused" \
	"unlisted tcp/v6 6004 refused under policy reject|tcp|$PEER|$H6|6004|refused" \
	"unlisted udp 6005 refused under policy reject|udp|$PEER|$H4|6005|refused" \
	"allowed 6003 still open|tcp|$PEER|$H4|6003|open" \
	"denied 6001 still filtered|tcp|$PEER|$H4|6001|filtered"
fwc_ok "status" status
expect_match "status shows policy in reject" 'reject' "$OUT"

t_done
