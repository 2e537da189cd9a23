#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# systemd's notify protocol (fwd.service is Type=notify): READY=1 once the
# ruleset is in the kernel, STOPPING=1 on SIGTERM. The notify socket here is
# a datagram socket of our own, so no systemd is needed.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
socat -u UNIX-RECV:"$T/notify" CREATE:"$T/notified" 2>/dev/null &
BG_PIDS+=($!)
for _ in $(seq 50); do [ -S "$T/notify" ] && break; sleep 0.1; done

NOTIFY_SOCKET=$T/notify fwd_start
for _ in $(seq 50); do grep -q 'READY=1' "$T/notified" 2>/dev/null && break; sleep 0.1; done
expect_match "READY=1 sent" 'READY=1' "$(cat "$T/notified" 2>/dev/null)"
if nft_host >/dev/null 2>&1; then pass "table in place when READY=1 is seen"
else fail "READY=1 before the table exists"; fi

fwd_kill TERM
expect_match "STOPPING=1 sent on SIGTERM" 'STOPPING=1' "$(cat "$T/notified" 2>/dev/null)"
say "notifications: $(tr '\n' ' ' <"$T/notified" | cut -c1-200)"

t_done noroundtrip
