#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `fwctl apply --dry-run` prints what would change and changes nothing.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
listen_tcp "$HOST" 8080
fwd_start
fwc_ok "allow in proto tcp port 9090" allow in proto tcp port 9090
export_to "$T/before"
rev=$(status_field revision)
nft_host_stateless >"$T/n1"

printf 'policy in drop\npolicy out accept\nallow in proto tcp port 8080\n' >"$T/new.rules"
fwc apply --dry-run "$T/new.rules"
expect_eq "dry run exits 0" 0 "$RC"
expect_match "dry run shows the added rule" '\+.*port 8080' "$OUT"
expect_match "dry run shows the removed rule" '-.*port 9090' "$OUT"
export_to "$T/after"
expect_same "export unchanged by dry run" "$T/before" "$T/after"
expect_eq "revision unchanged by dry run" "$rev" "$(status_field revision)"
nft_host_stateless >"$T/n2"
expect_same "kernel unchanged by dry run" "$T/n1" "$T/n2"
expect_tcp "8080 still filtered" "$PEER" "$H4" 8080 filtered

fwc_ok "real apply" apply "$T/new.rules"
expect_match "real apply shows the added rule" '\+.*port 8080' "$OUT"
expect_tcp "8080 open after the real apply" "$PEER" "$H4" 8080 open

t_done
