#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A batch the kernel itself refuses changes nothing: not the kernel's table,
# not the database, not what fwctl shows -- and the error reaches the admin.
# fwd validates every rule before the kernel sees it, so the refusal comes
# from fwd's test hook FWD_TEST_KERNEL_REFUSE=N (every batch after the first
# N carries a message the kernel must refuse; see fwd/nft_build.c).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
listen_tcp "$HOST" 7000
listen_tcp "$HOST" 7100

# batches 1 (start) and 2 (the first add) go through; all later ones fail
FWD_TEST_KERNEL_REFUSE=2 fwd_start
fwc_ok "allow in proto tcp port 7000" allow in proto tcp port 7000
expect_tcp "7000 open" "$PEER" "$H4" 7000 open

snap() { # DIR
	mkdir -p "$1"
	export_to "$1/export"
	nft_host_stateless >"$1/nft" 2>&1
	fwc list; printf '%s' "$OUT" | awk '{print $1, $NF}' >"$1/list"
	status_field revision >"$1/rev"
}
snap "$T/before"

fwc add allow in proto tcp port 7100
expect_eq "add refused by the kernel exits 1" 1 "$RC"
expect_match "the error says the kernel refused it" 'kernel|refused|No such file' "$ERR"
fwc delete "$(rule_id 7000)"
expect_eq "delete refused by the kernel exits 1" 1 "$RC"
printf 'policy in drop\npolicy out accept\nallow in proto tcp port 7100\n' >"$T/new.rules"
fwc apply "$T/new.rules"
expect_eq "apply refused by the kernel exits 1" 1 "$RC"

snap "$T/after"
expect_same "export unchanged" "$T/before/export" "$T/after/export"
expect_same "kernel table unchanged" "$T/before/nft" "$T/after/nft"
expect_same "rule list unchanged" "$T/before/list" "$T/after/list"
expect_same "no revision recorded" "$T/before/rev" "$T/after/rev"
expect_tcp "7000 still open" "$PEER" "$H4" 7000 open
expect_tcp "7100 still filtered" "$PEER" "$H4" 7100 filtered

# the database agrees: a normal restart serves the same rules
fwd_kill TERM
fwd_start
export_to "$T/restart.export"
expect_same "database unchanged (export after restart)" "$T/before/export" "$T/restart.export"
expect_tcp "after restart 7000 open" "$PEER" "$H4" 7000 open
expect_tcp "after restart 7100 filtered" "$PEER" "$H4" 7100 filtered
t_done
