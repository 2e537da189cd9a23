#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every change is a revision: `fwctl history` lists them newest first with
# who made them and what they added and removed; `fwctl rollback REV` is a
# new revision that brings back the admin rules and policies of REV, and
# traffic follows it; prompt rules are not part of a rollback; an unknown
# revision is an error (exit 1); the history survives a restart.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
listen_tcp "$HOST" 8080
listen_tcp "$HOST" 8081
fwd_start

fwc_ok "allow 8080" allow in proto tcp port 8080
rev_a=$(status_field revision)
printf 'policy in drop\nallow in proto tcp port 8081\n' >"$T/b.rules"
fwc_ok "apply b.rules (8081 instead of 8080)" apply "$T/b.rules"
rev_b=$(status_field revision)
expect_many \
	"after apply: 8080 filtered|tcp|$PEER|$H4|8080|filtered" \
	"after apply: 8081 open|tcp|$PEER|$H4|8081|open"

fwc_ok "fwctl history" history
expect_match "history names the apply" "^ *$rev_b .*root .*apply b.rules" "$OUT"
expect_match "history names the add" "^ *$rev_a .*add 1 rule" "$OUT"
fwc_ok "fwctl history --json" history --json
expect_eq "newest first" "$rev_b" "$(printf '%s' "$OUT" | json_get 'rows[0]["rev"]')"
expect_eq "apply added one rule" "1" "$(printf '%s' "$OUT" | json_get 'rows[0]["added"]')"
expect_eq "apply removed one rule" "1" "$(printf '%s' "$OUT" | json_get 'rows[0]["removed"]')"
expect_eq "user name" "root" "$(printf '%s' "$OUT" | json_get 'rows[0]["user"]')"
fwc_ok "history -n 1" history -n 1 --json
expect_eq "-n 1 lists one" "1" "$(printf '%s' "$OUT" | json_get 'len(rows)')"

fwc_ok "rollback to $rev_a" rollback "$rev_a"
expect_match "rollback says what it restored" "revision $rev_a" "$OUT"
expect_many \
	"after rollback: 8080 open|tcp|$PEER|$H4|8080|open" \
	"after rollback: 8081 filtered|tcp|$PEER|$H4|8081|filtered"
rev_c=$(status_field revision)
expect_eq "rollback is a new revision" "$((rev_b + 1))" "$rev_c"
fwc_ok "history after rollback" history --json
expect_eq "rollback summary" "rollback to revision $rev_a" \
	"$(printf '%s' "$OUT" | json_get 'rows[0]["summary"]')"
roundtrip_check

fwc rollback 9999
expect_eq "unknown revision: exit 1" 1 "$RC"
expect_match "unknown revision: message" "no revision 9999" "$ERR"
expect_eq "unknown revision changes nothing" "$rev_c" "$(status_field revision)"

# back to b and then to a again: rules come back as often as asked
fwc_ok "rollback to $rev_b" rollback "$rev_b"
expect_tcp "8081 open again after rollback to b" "$PEER" "$H4" 8081 open

fwd_kill TERM || fail "fwd did not stop"
fwd_start
fwc_ok "history after restart" history --json
expect_eq "history kept across a restart" "rollback to revision $rev_b" \
	"$(printf '%s' "$OUT" | json_get 'rows[0]["summary"]')"
expect_tcp "8081 still open after restart" "$PEER" "$H4" 8081 open
expect_tcp "8080 still filtered after restart" "$PEER" "$H4" 8080 filtered

t_done
