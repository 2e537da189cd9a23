#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# An unprivileged user may read (status, list, export, check) but not change
# anything: add, delete, apply, enable, disable exit 4 "permission denied",
# and the ruleset stays as it was.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
command -v runuser >/dev/null || skip "runuser not installed"
make_user
fwd_start
fwc_ok "allow in proto tcp port 8080 (root)" allow in proto tcp port 8080
id=$(rule_id 'port 8080')
export_to "$T/export.before"
printf 'policy in drop\npolicy out accept\nallow in proto tcp port 9999\n' >"$T/new.rules"
chmod 644 "$T/new.rules"

for cmd in "status" "list" "export" "status --json" "list --json" "check $T/new.rules"; do
	# shellcheck disable=SC2086
	fwc_as "$TEST_USER" $cmd
	expect_eq "user: fwctl $cmd exits 0" 0 "$RC"
done
fwc_as "$TEST_USER" export
expect_match "user sees the rules" 'port 8080' "$OUT"

for cmd in "add allow in proto tcp port 9999" "allow in proto tcp port 9999" \
	   "delete $id" "apply $T/new.rules" "disable" "enable"; do
	# shellcheck disable=SC2086
	fwc_as "$TEST_USER" $cmd
	expect_eq "user: fwctl $cmd exits 4" 4 "$RC"
	expect_match "user: fwctl $cmd says permission denied" \
		'permission denied' "$ERR$OUT"
done
fwc_as "$TEST_USER" apply - <"$T/new.rules"
expect_eq "user: fwctl apply - exits 4" 4 "$RC"

export_to "$T/export.after"
expect_same "nothing changed by the user's attempts" "$T/export.before" "$T/export.after"
if nft_host >/dev/null 2>&1; then pass "table still there"; else fail "table gone"; fi
expect_match "denials are logged by fwd" 'permission denied|denied' "$(cat "$T/fwd.log")"

t_done
