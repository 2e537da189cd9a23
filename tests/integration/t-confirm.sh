#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `fwctl apply FILE --confirm N`: without `fwctl confirm` within N seconds
# fwd restores the old traffic behaviour by itself -- also when it is
# killed (-9) and restarted in the window, or only after the deadline; with
# confirm the change stays; a second --confirm while one waits is refused.
# Before applying, fwctl passes $SSH_CONNECTION and fwd warns when the new
# set blocks new SSH connections of that kind.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
listen_tcp "$HOST" 8080
listen_tcp "$HOST" 8081
fwd_start

fwc_ok "allow 8080" allow in proto tcp port 8080
rev0=$(status_field revision)
printf 'policy in drop\nallow in proto tcp port 8081\n' >"$T/new.rules"
printf 'policy in drop\nallow in proto tcp port 8080\n' >"$T/old.rules"

# 1. not confirmed: rolled back after N seconds
fwc_ok "apply --confirm 3" apply "$T/new.rules" --confirm 3
expect_match "apply tells how to confirm" "fwctl confirm" "$OUT"
expect_many \
	"in the window: 8081 open|tcp|$PEER|$H4|8081|open" \
	"in the window: 8080 filtered|tcp|$PEER|$H4|8080|filtered"
fwc apply "$T/old.rules" --confirm 30
expect_eq "second --confirm while one waits: exit 1" 1 "$RC"
expect_match "second --confirm: says why" "fwctl confirm" "$ERR"
sleep 4
expect_many \
	"not confirmed: 8080 open again|tcp|$PEER|$H4|8080|open" \
	"not confirmed: 8081 filtered again|tcp|$PEER|$H4|8081|filtered"
fwc_ok "history" history --json
expect_eq "rollback revision recorded" "rollback: not confirmed within 3 s" \
	"$(printf '%s' "$OUT" | json_get 'rows[0]["summary"]')"
fwc confirm
expect_eq "confirm with nothing pending: exit 1" 1 "$RC"

# 2. confirmed: stays
fwc_ok "apply --confirm 3 again" apply "$T/new.rules" --confirm 3
fwc_ok "fwctl confirm" confirm
sleep 4
expect_many \
	"confirmed: 8081 stays open|tcp|$PEER|$H4|8081|open" \
	"confirmed: 8080 stays filtered|tcp|$PEER|$H4|8080|filtered"
roundtrip_check

# 3. kill -9 and restart inside the window: the restarted fwd still rolls back
fwc_ok "apply old.rules --confirm 6" apply "$T/old.rules" --confirm 6
expect_tcp "window: 8080 open" "$PEER" "$H4" 8080 open
fwd_kill KILL || fail "fwd did not die on SIGKILL"
fwd_start
expect_tcp "restarted in the window: 8080 still open" "$PEER" "$H4" 8080 open
sleep 6
expect_many \
	"after the deadline: back to 8081|tcp|$PEER|$H4|8081|open" \
	"after the deadline: 8080 filtered|tcp|$PEER|$H4|8080|filtered"

# 4. kill -9, restart only after the deadline: rolled back at once
fwc_ok "apply old.rules --confirm 2" apply "$T/old.rules" --confirm 2
fwd_kill KILL || fail "fwd did not die on SIGKILL"
sleep 3
fwd_start
sleep 1
expect_many \
	"deadline passed while stopped: 8081 open|tcp|$PEER|$H4|8081|open" \
	"deadline passed while stopped: 8080 filtered|tcp|$PEER|$H4|8080|filtered"
fwc_ok "history" history --json
expect_eq "rolled back by the restarted fwd" "rollback: not confirmed within 2 s" \
	"$(printf '%s' "$OUT" | json_get 'rows[0]["summary"]')"

# 5. the SSH warning: this session comes from $P4 to port 22
printf 'policy in drop\nallow in proto tcp port 22\nallow in proto tcp port 8081\n' \
	>"$T/ssh.rules"
if nm "$FWD" 2>/dev/null | grep -q ' T explain_packet$'; then
	SSH_CONNECTION="$P4 50000 $H4 22" fwc apply "$T/new.rules" --dry-run
	expect_eq "dry run with the warning: exit 0" 0 "$RC"
	expect_match "SSH warning on stderr" \
		"warning: this rule set blocks new SSH connections from $P4 to port 22" "$ERR"
	expect_nomatch "the warning is not on stdout" "warning" "$OUT"
	SSH_CONNECTION="$P4 50000 $H4 22" fwc apply "$T/ssh.rules" --dry-run
	expect_nomatch "no warning when 22 stays open" "warning" "$ERR"
	SSH_CONNECTION="$P4 50000 $H4 22" fwc apply "$T/old.rules"
	expect_match "apply warns too" "blocks new SSH connections" "$ERR"
else
	say "fwd has no policy evaluator (fwd/explain.c is a stub): checking the fallback"
	SSH_CONNECTION="$P4 50000 $H4 22" fwc apply "$T/new.rules" --dry-run
	expect_match "a warning that it cannot tell" "warning: cannot tell .*SSH" "$ERR"
fi

t_done
