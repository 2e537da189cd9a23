#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `fwctl export | fwctl apply -` reports no change and leaves the export,
# the revision and the kernel ruleset identical; the export, applied to a
# fresh fwd, reproduces the same export.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
listen_tcp "$HOST" 8080
fwd_start

rules=(
	"allow in proto tcp port 8080"
	"allow in proto udp port 5000,5001"
	"allow in proto tcp port 6000-6010 from 10.99.0.0/16"
	"allow in proto tcp port 443 from fd99::/48"
	"deny in from 192.0.2.0/24"
	"reject in proto tcp port 113"
	"limit 10/minute in proto tcp port 2222"
	"allow in service ssh"
	"allow in proto udp port 53 iface veth0"
	"deny out proto tcp port 25"
	"allow in proto icmp"
)
for r in "${rules[@]}"; do
	# shellcheck disable=SC2086
	fwc_ok "add $r" add $r
done
# a quoted comment goes through a file, where the quoting is unambiguous
export_to "$T/e0"
echo 'allow in proto tcp port 8443 comment "web admin, with spaces" log' >>"$T/e0"
fwc_ok "apply with a comment and log" apply "$T/e0"
export_to "$T/e1"
say "export:"; sed 's/^/#   /' "$T/e1"
expect_match "export starts with the policies" '^policy in' "$(head -n 1 "$T/e1")"
expect_eq "export has every rule" $(( ${#rules[@]} + 1 )) "$(grep -vc -e '^policy' -e '^#' -e '^$' "$T/e1")"
expect_match "comment survives export" 'comment "web admin, with spaces"' "$(cat "$T/e1")"
rev1=$(status_field revision)
# admins must be able to inspect the table with the standard tool
if nft_host >"$T/nft.out" 2>&1; then pass "nft can list fwd's table"
else fail "nft list table fails on fwd's table"; tail -n 3 "$T/nft.out" | sed 's/^/       | /'; fi
nft_host_stateless >"$T/n1"

fwc apply - <"$T/e1"
expect_eq "apply - of the export exits 0" 0 "$RC"
expect_nomatch "apply - reports no change" '^[+-] ' "$OUT"
export_to "$T/e2"
expect_same "export identical after apply" "$T/e1" "$T/e2"
expect_eq "revision unchanged" "$rev1" "$(status_field revision)"
nft_host_stateless >"$T/n2"
expect_same "kernel ruleset identical after apply" "$T/n1" "$T/n2"

fwc_ok "fwctl check of the export" check "$T/e1"

# a fresh fwd (new database) given the export ends with the same export
fwd_kill TERM
mv "$T/fwd.db" "$T/fwd.db.old"
rm -f "$T/fwd.db-wal" "$T/fwd.db-shm"
fwd_start
fwc_ok "apply the export to a fresh database" apply "$T/e1"
export_to "$T/e3"
expect_same "fresh fwd exports what it was given" "$T/e1" "$T/e3"
expect_tcp "8080 open" "$PEER" "$H4" 8080 open

t_done
