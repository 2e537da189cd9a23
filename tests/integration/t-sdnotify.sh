#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# systemd's notify protocol (fwd.service is Type=notify): READY=1 once the
# ruleset is in the kernel, WATCHDOG=1 at half of $WATCHDOG_USEC, STOPPING=1
# on SIGTERM. The notify socket here is
# a datagram socket of our own, so no systemd is needed.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
socat -u UNIX-RECV:"$T/notify" CREATE:"$T/notified" 2>/dev/null &
BG_PIDS+=($!)
for _ in $(seq 50); do [ -S "$T/notify" ] && break; sleep 0.1; done

NOTIFY_SOCKET=$T/notify WATCHDOG_USEC=1000000 fwd_start
for _ in $(seq 50); do grep -q 'READY=1' "$T/notified" 2>/dev/null && break; sleep 0.1; done
expect_match "READY=1 sent" 'READY=1' "$(cat "$T/notified" 2>/dev/null)"
if nft_host >/dev/null 2>&1; then pass "table in place when READY=1 is seen"
else fail "READY=1 before the table exists"; fi

# 1 s watchdog: a ping every 0.5 s, so at least 3 within 2.5 s
sleep 2.5
pings=$(grep -o 'WATCHDOG=1' "$T/notified" 2>/dev/null | wc -l)
expect_match "WATCHDOG=1 sent at half the interval ($pings pings)" '^([3-9]|[1-9][0-9]+)$' "$pings"

fwd_kill TERM
expect_match "STOPPING=1 sent on SIGTERM" 'STOPPING=1' "$(cat "$T/notified" 2>/dev/null)"
say "notifications: $(tr '\n' ' ' <"$T/notified" | cut -c1-200)"

t_done noroundtrip
