#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `--json` output is one JSON document; rules carry an id.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
fwd_start
fwc_ok "allow in proto tcp port 8080" allow in proto tcp port 8080
fwc_ok "deny in from 192.0.2.1" deny in from 192.0.2.1

fwc_ok "list --json" list --json
printf '%s' "$OUT" >"$T/list.json"
if python3 -m json.tool "$T/list.json" >/dev/null 2>"$T/json.err"; then
	pass "list --json parses"
else
	fail "list --json is not JSON: $(cat "$T/json.err")"; head -c 400 "$T/list.json"; echo
fi
expect_eq "list --json has two rules" 2 "$(json_get 'len(rows)' <"$T/list.json" 2>&1)"
expect_eq "every rule has an integer id" True \
	"$(json_get 'all(isinstance(r["id"], int) for r in rows)' <"$T/list.json" 2>&1)"
expect_eq "ids are distinct" 2 "$(json_get 'len(set(r["id"] for r in rows))' <"$T/list.json" 2>&1)"
expect_eq "rules carry rule text, origin, packets" True \
	"$(json_get 'all(k in r for r in rows for k in ("rule", "origin", "packets"))' <"$T/list.json" 2>&1)"
expect_eq "origin of an added rule is admin" admin \
	"$(json_get '[r["origin"] for r in rows if "8080" in r["rule"]][0]' <"$T/list.json" 2>&1)"

fwc_ok "status --json" status --json
printf '%s' "$OUT" >"$T/status.json"
if python3 -m json.tool "$T/status.json" >/dev/null 2>"$T/json.err"; then
	pass "status --json parses"
else
	fail "status --json is not JSON: $(cat "$T/json.err")"; head -c 400 "$T/status.json"; echo
fi
expect_eq "status --json enabled is a boolean true" True "$(json_get 'obj["enabled"]' <"$T/status.json" 2>&1)"
expect_eq "status --json counts 2 rules" 2 "$(json_get 'obj["rules"]' <"$T/status.json" 2>&1)"
expect_eq "status --json policy_in" drop "$(json_get 'obj["policy_in"]' <"$T/status.json" 2>&1)"

# an empty list is still one document
for id in $(json_get '" ".join(str(r["id"]) for r in rows)' <"$T/list.json"); do
	fwc_ok "delete $id" delete "$id"
done
fwc_ok "list --json when empty" list --json
expect_eq "empty list is an empty array" 0 "$(printf '%s' "$OUT" | json_get 'len(rows)' 2>&1)"

t_done
