#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Invalid names are invalid input with a location (unknown user, group or
# service, relative app path); a rule fwd cannot enforce exactly (`out`
# with `app`) is refused with a clear error, never accepted and silently
# ignored; the owner rules it does enforce (`in` app/user/group, `out`
# user/group) are accepted. Refusals leave the ruleset unchanged.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
fwd_start
fwc_ok "allow in proto tcp port 8080" allow in proto tcp port 8080
export_to "$T/before"

for r in "allow in user no_such_user_fwt proto tcp port 22" \
	 "allow in group no_such_group_fwt proto tcp port 22" \
	 "allow in service no_such_service" \
	 "allow in app usr/bin/ssh"; do
	# shellcheck disable=SC2086
	fwc add $r
	expect_eq "invalid '$r' exits 1" 1 "$RC"
	expect_match "invalid '$r' is reported with a location" ':[0-9]+:[0-9]+:' "$ERR$OUT"
done

# owner rules fwd enforces: accepted, listed (canonical text), deleted again
for r in "allow in proto tcp port 22 user root" \
	 "allow in proto tcp port 22 group root" \
	 "allow in app /usr/bin/ssh" \
	 "deny in app /usr/bin/ssh user root" \
	 "allow out proto tcp port 25 user root" \
	 "deny out group root"; do
	# shellcheck disable=SC2086
	fwc_ok "'$r' is accepted" add $r
	fwc list
	expect_match "'$r' is listed" "$r" "$OUT"
	fwc_ok "delete '$r' again" delete "$(last_rule_id)"
done

# per-application outbound rules: nothing on the output path names the
# sending executable, so fwd refuses them rather than ignore them
for r in "allow out app /usr/bin/ssh" "deny out app /usr/bin/ssh proto tcp"; do
	# shellcheck disable=SC2086
	fwc add $r
	expect_eq "'$r' refused with exit 1" 1 "$RC"
	expect_match "refusal of '$r' says why" \
		'per-application outbound rules are not supported' "$ERR$OUT"
	expect_match "refusal of '$r' suggests user or group" 'user or group' "$ERR$OUT"
done
printf 'policy in drop\nallow in proto tcp port 22\nallow out app /usr/bin/ssh\n' >"$T/out-app.rules"
fwc apply "$T/out-app.rules"
expect_eq "a file with an outbound app rule is refused whole" 1 "$RC"
export_to "$T/after"
expect_same "ruleset unchanged" "$T/before" "$T/after"

t_done
