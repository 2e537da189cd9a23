#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A temporary rule (`for 3s`) opens the port, shows its remaining time, and
# after expiry the port is closed and the rule is gone from `fwctl list`.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
listen_tcp "$HOST" 8080
fwd_start

t0=$(date +%s%N)
fwc_ok "allow in proto tcp port 8080 for 3s" allow in proto tcp port 8080 for 3s
expect_tcp "8080 open while the rule lives" "$PEER" "$H4" 8080 open
fwc_ok "list" list
expect_match "list shows the temporary rule" 'port 8080' "$OUT"
fwc_ok "export" export
expect_match "export carries the remaining time as for" 'port 8080.*for [0-3]s|port 8080.*for [0-9]+s' "$OUT"
rem=$("$FWCTL" --socket "$T/fwd.sock" list --json 2>/dev/null |
	json_get '[r["remaining"] for r in rows if "port 8080" in r["rule"]][0]' 2>&1)
expect_match "list --json remaining between 1 and 3" '^[123]$' "$rem"

# gone from the list within 3 s + 2 s of slack
gone=
for i in $(seq 70); do
	if ! "$FWCTL" --socket "$T/fwd.sock" list 2>/dev/null | grep -q 'port 8080'; then
		gone=$(( ($(date +%s%N) - t0) / 1000000 ))
		break
	fi
	sleep 0.1
done
# expiry is kept in whole seconds, so a 3 s rule may end up to 1 s early
if [ -n "$gone" ] && [ "$gone" -ge 2000 ] && [ "$gone" -le 5500 ]; then
	pass "rule left the list after ${gone} ms"
else
	fail "rule should leave the list 3 s after it was added (gone after: ${gone:-never in 7000} ms)"
fi
expect_tcp "8080 filtered after expiry" "$PEER" "$H4" 8080 filtered
fwc_ok "export after expiry" export
expect_nomatch "export no longer has the rule" 'port 8080' "$OUT"

t_done
