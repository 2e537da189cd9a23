#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The shipped example rule sets are valid, apply cleanly, and do what their
# comments say for a port they open and one they keep closed.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
listen_tcp "$HOST" 80
listen_tcp "$HOST" 8080
fwd_start
for f in "$SRC"/rules/examples/*.rules; do
	fwc_ok "check $(basename "$f")" check "$f"
	fwc_ok "apply $(basename "$f")" apply "$f"
	export_to "$T/e"
	fwc apply "$T/e"
	expect_nomatch "$(basename "$f"): export | apply is a no-op" '^[+-] ' "$OUT"
done
fwc_ok "apply webserver.rules" apply "$SRC/rules/examples/webserver.rules"
expect_tcp "web server: 80 open" "$PEER" "$H4" 80 open
expect_tcp "web server: 8080 closed" "$PEER" "$H4" 8080 filtered
fwc_ok "apply workstation.rules" apply "$SRC/rules/examples/workstation.rules"
expect_tcp "workstation: 80 closed" "$PEER" "$H4" 80 filtered
t_done
