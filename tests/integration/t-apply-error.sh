#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A rule file with an error changes nothing and the error names
# file:line:col; every error of the file is reported; `fwctl add` and
# `fwctl check` report the same way.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
listen_tcp "$HOST" 8080
fwd_start
export_to "$T/before"
rev=$(status_field revision)

cd "$T" || exit 1
cat >bad.rules <<'R'
policy in drop
allow in proto tcp port 8080
allow in prot tcp port 22
# a comment
allow in proto tcp port 99999
R
fwc apply bad.rules
expect_eq "apply of a bad file exits 1" 1 "$RC"
expect_match "first error at bad.rules:3:10" 'bad\.rules:3:10:' "$ERR$OUT"
expect_match "'did you mean' for prot" "did you mean 'proto'" "$ERR$OUT"
expect_match "second error reported too (bad.rules:5:)" 'bad\.rules:5:[0-9]+:' "$ERR$OUT"
say "fwctl said:"; printf '%s\n' "$ERR$OUT" | sed 's/^/#   /'
export_to "$T/after"
expect_same "nothing applied" "$T/before" "$T/after"
expect_eq "revision unchanged" "$rev" "$(status_field revision)"
expect_tcp "8080 from the good line stays filtered" "$PEER" "$H4" 8080 filtered

fwc check bad.rules
expect_eq "check of the bad file exits 1" 1 "$RC"
expect_match "check names bad.rules:3:10" 'bad\.rules:3:10:' "$ERR$OUT"

fwc apply - <bad.rules
expect_eq "apply - of the bad file exits 1" 1 "$RC"
expect_match "apply - names line 3" ':3:10:' "$ERR$OUT"

fwc add allow in prot tcp port 22
expect_eq "add of a bad rule exits 1" 1 "$RC"
expect_match "add suggests proto" "proto" "$ERR$OUT"

printf 'policy in drop\nallow in proto tcp port 8080\n' >good.rules
fwc_ok "check of a good file" check good.rules
fwc apply missing.rules
expect_eq "apply of a missing file exits 1" 1 "$RC"
expect_match "missing file is named" 'missing\.rules' "$ERR$OUT"
fwc_ok "apply of the good file" apply good.rules
expect_tcp "8080 open after the good file" "$PEER" "$H4" 8080 open

t_done
