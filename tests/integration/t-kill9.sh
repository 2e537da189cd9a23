#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fail closed: `kill -9` of fwd leaves the ruleset in force (the open port
# stays open, the closed stays closed); a restarted fwd re-adopts the table,
# serves the same rules, and can change them again.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
listen_tcp "$HOST" 8080
listen_tcp "$HOST" 8081
fwd_start
fwc_ok "allow in proto tcp port 8080" allow in proto tcp port 8080
export_to "$T/export.before"
nft_host_stateless >"$T/nft.before"

fwd_kill KILL || fail "fwd did not die on SIGKILL"
if nft_host >/dev/null 2>&1; then pass "table still in the kernel after kill -9"
else fail "table gone after kill -9: the host is open"; fi
expect_many \
	"after kill -9: 8080 still open|tcp|$PEER|$H4|8080|open" \
	"after kill -9: 8081 still filtered|tcp|$PEER|$H4|8081|filtered" \
	"after kill -9: 8081/v6 still filtered|tcp|$PEER|$H6|8081|filtered"
nft_host_stateless >"$T/nft.dead"
expect_same "kernel ruleset untouched by the crash" "$T/nft.before" "$T/nft.dead"

fwd_start
export_to "$T/export.after"
expect_same "restarted fwd exports the same rules" "$T/export.before" "$T/export.after"
nft_host_stateless >"$T/nft.after"
expect_same "restarted fwd keeps the same kernel ruleset" "$T/nft.before" "$T/nft.after"
expect_eq "exactly one fwd table in the namespace" 1 \
	"$(ip netns exec "$HOST" nft list tables | grep -c "$TABLE")"

# the re-adopted table can be changed again (ownership passed to the new fwd)
fwc_ok "add after restart" allow in proto tcp port 8081
expect_tcp "8081 open after the restarted fwd added it" "$PEER" "$H4" 8081 open
fwc_ok "delete after restart" delete "$(rule_id 'port 8081')"
expect_tcp "8081 filtered again" "$PEER" "$H4" 8081 filtered

t_done
