#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# SIGTERM stops fwd cleanly and leaves the table (stop-leaves-rules yes).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
listen_tcp "$HOST" 8080
listen_tcp "$HOST" 8081
fwd_start
fwc_ok "allow in proto tcp port 8080" allow in proto tcp port 8080
export_to "$T/export.before"

if fwd_kill TERM; then pass "fwd exits on SIGTERM"
else fail "fwd still running 10 s after SIGTERM"; fwd_kill KILL; fi
expect_eq "exit status after SIGTERM" 0 "$FWD_RC"
if nft_host >/dev/null 2>&1; then pass "table left in the kernel after stop"
else fail "table removed by stop"; fi
[ -e "$T/fwd.sock" ] && say "note: socket file left behind after stop"
expect_many \
	"after stop: 8080 open|tcp|$PEER|$H4|8080|open" \
	"after stop: 8081 filtered|tcp|$PEER|$H4|8081|filtered"

fwd_start
export_to "$T/export.after"
expect_same "restart after stop serves the same rules" "$T/export.before" "$T/export.after"

t_done
