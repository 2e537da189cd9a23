#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Invalid names are invalid input with a location (unknown user, group or
# service, relative app path); a rule fwd cannot enforce exactly is refused
# with a clear error, never accepted and silently ignored. Either way the
# ruleset does not change.
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

# valid names: enforced (then listed) or refused with a message that names
# the keyword; never silently accepted without effect
for r in "allow in user root proto tcp port 22" \
	 "allow in group root proto tcp port 22" \
	 "allow in app /usr/bin/ssh" \
	 "allow out user root proto tcp port 25"; do
	# shellcheck disable=SC2086
	if fwc add $r; then
		say "accepted: '$r' (fwd says it enforces it)"
		fwc_ok "delete '$r' again" delete "$(last_rule_id)"
	else
		expect_eq "'$r' refused with exit 1" 1 "$RC"
		kw=$(printf '%s' "$r" | awk '{ print $3 }')
		expect_match "refusal of '$r' names '$kw'" "$kw" "$ERR$OUT"
		say "refused: $(printf '%s' "$ERR$OUT" | head -n 1)"
	fi
done
export_to "$T/after"
expect_same "ruleset unchanged" "$T/before" "$T/after"

t_done
