#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Only `fwctl disable` removes the table: `nft flush ruleset` and
# `nft delete table` by another process in the namespace do not open the host.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
listen_tcp "$HOST" 8081
fwd_start
nft_host_stateless >"$T/nft.before"

ip netns exec "$HOST" nft delete table inet "$TABLE" >"$T/nft.out" 2>&1
say "nft delete table: exit $? $(head -c 200 "$T/nft.out")"
if nft_host >/dev/null 2>&1; then pass "table survives nft delete table"
else fail "nft delete table removed fwd's table"; fi

ip netns exec "$HOST" nft flush ruleset >"$T/nft.out" 2>&1
say "nft flush ruleset: exit $? $(head -c 200 "$T/nft.out")"
if nft_host >/dev/null 2>&1; then pass "table survives nft flush ruleset"
else fail "nft flush ruleset removed fwd's table"; fi
nft_host_stateless >"$T/nft.after" 2>&1
expect_same "ruleset unchanged by the attempts" "$T/nft.before" "$T/nft.after"
expect_tcp "8081 still filtered" "$PEER" "$H4" 8081 filtered
fwc_ok "fwd still changes its table" allow in proto tcp port 8081
expect_tcp "8081 open" "$PEER" "$H4" 8081 open

t_done
