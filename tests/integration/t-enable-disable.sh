#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `fwctl disable` removes the table (traffic then flows); `enable` restores
# it with the same rules.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
listen_tcp "$HOST" 8080
listen_tcp "$HOST" 8081
fwd_start
fwc_ok "allow in proto tcp port 8080" allow in proto tcp port 8080
export_to "$T/export.before"

fwc_ok "fwctl disable" disable
if nft_host >/dev/null 2>&1; then fail "table still present after disable"
else pass "table removed by disable"; fi
expect_many \
	"disabled: 8081 reachable|tcp|$PEER|$H4|8081|open" \
	"disabled: 8081/v6 reachable|tcp|$PEER|$H6|8081|open"
expect_eq "status --json enabled=false" False "$(status_field enabled)"
fwc_ok "status while disabled" status
expect_match "status says disabled" 'disabled|enabled[=: ]*(false|no)' "$OUT"
fwc_ok "export while disabled" export
expect_match "rules kept while disabled" 'port 8080' "$OUT"

fwc_ok "fwctl enable" enable
if nft_host >/dev/null 2>&1; then pass "table back after enable"
else fail "no table after enable"; fi
expect_eq "status --json enabled=true" True "$(status_field enabled)"
expect_many \
	"enabled: 8081 filtered|tcp|$PEER|$H4|8081|filtered" \
	"enabled: 8080 open|tcp|$PEER|$H4|8080|open"
export_to "$T/export.after"
expect_same "same rules after disable/enable" "$T/export.before" "$T/export.after"

t_done
