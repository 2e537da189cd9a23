#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# fwd's table altered or deleted behind its back (extends t-tamper.sh):
# - while fwd runs, the table is owner-flagged: another process's `nft`
#   cannot delete it, add a rule to it, or flush a chain of it (EPERM,
#   "Operation not permitted"), and the ruleset stays the same;
# - after kill -9 (no owner; the persist flag keeps the table) another
#   process CAN alter it (an accept rule for a closed port) or delete it;
#   a restarted fwd must detect it, say so in its log, and restore exactly
#   its ruleset: the port opened behind its back is closed again, the port
#   it allows is open, and only one table exists.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
listen_tcp "$HOST" 8080
listen_tcp "$HOST" 8081
fwd_start
fwc_ok "allow in proto tcp port 8080" allow in proto tcp port 8080

nft_norm() {
	nft_host_stateless 2>&1 | sed -E -e 's/ counter packets [0-9]+ bytes [0-9]+//g' \
		-e 's/ comment "rule [0-9]+"//g' -e 's/,$//' | LC_ALL=C sort
}
nft_norm >"$T/nft.ref"
nsx() { ip netns exec "$HOST" "$@"; }
# fwd's log since the last restart, without the unrelated admin-group warning
restart_log() { tail -n +$((lines_before + 1)) "$T/fwd.log" | grep -v "admin group"; }

# --- while fwd runs: EPERM --------------------------------------------------------
for what in "delete table inet $TABLE" "add rule inet $TABLE input tcp dport 8081 accept" \
	    "insert rule inet $TABLE input tcp dport 8081 accept" "flush chain inet $TABLE input" \
	    "delete chain inet $TABLE input"; do
	# shellcheck disable=SC2086
	nsx nft $what >"$T/nft.out" 2>&1
	rc=$?
	if [ "$rc" != 0 ] && grep -q 'Operation not permitted' "$T/nft.out"; then
		pass "nft $what: refused with EPERM while fwd owns the table"
	else
		fail "nft $what: exit $rc: $(head -c 200 "$T/nft.out")"
	fi
done
nft_norm >"$T/nft.now"
expect_same "the ruleset is unchanged by the attempts" "$T/nft.ref" "$T/nft.now"
expect_many \
	"8080 open|tcp|$PEER|$H4|8080|open" \
	"8081 filtered|tcp|$PEER|$H4|8081|filtered"

# --- owner gone, table altered ------------------------------------------------------
fwd_kill KILL || fail "fwd did not die"
if nsx nft insert rule inet "$TABLE" input tcp dport 8081 accept >"$T/nft.out" 2>&1; then
	pass "after kill -9 another process can alter the table (no owner)"
else
	say "after kill -9 the table could not be altered: $(head -c 200 "$T/nft.out")"
fi
expect_tcp "the altered table opens 8081 (the attack worked)" "$PEER" "$H4" 8081 open
lines_before=$(wc -l <"$T/fwd.log")
fwd_start
nft_norm >"$T/nft.now"
expect_same "restarted fwd restores its ruleset after alteration" "$T/nft.ref" "$T/nft.now"
expect_many \
	"after restore: 8081 filtered again|tcp|$PEER|$H4|8081|filtered" \
	"after restore: 8080 open|tcp|$PEER|$H4|8080|open"
say "fwd log at the restart: $(tail -n +$((lines_before + 1)) "$T/fwd.log" | tr '\n' '|' | head -c 600)"
expect_match "fwd reports that its table was changed behind its back" \
	'table.*(altered|changed|modified|tamper|foreign|unexpected|differ|replac|restor)|(altered|changed|modified|tamper|restor).*table' \
	"$(restart_log)"

# --- owner gone, table deleted -------------------------------------------------------
fwd_kill KILL || fail "fwd did not die"
if nsx nft delete table inet "$TABLE" >"$T/nft.out" 2>&1; then
	pass "after kill -9 another process can delete the table (no owner)"
else
	fail "after kill -9 nft delete table failed: $(head -c 200 "$T/nft.out")"
fi
expect_tcp "with the table gone 8081 is open (the host is open)" "$PEER" "$H4" 8081 open
lines_before=$(wc -l <"$T/fwd.log")
fwd_start
nft_norm >"$T/nft.now"
expect_same "restarted fwd recreates its ruleset after deletion" "$T/nft.ref" "$T/nft.now"
expect_many \
	"after recreate: 8081 filtered|tcp|$PEER|$H4|8081|filtered" \
	"after recreate: 8080 open|tcp|$PEER|$H4|8080|open"
expect_eq "exactly one fwd table" 1 "$(nsx nft list tables | grep -c "$TABLE")"
say "fwd log at the restart: $(tail -n +$((lines_before + 1)) "$T/fwd.log" | tr '\n' '|' | head -c 600)"
expect_match "fwd reports that its table was missing" \
	'table.*(missing|not found|gone|deleted|absent|recreat|restor)|(missing|gone|deleted|recreat|restor).*table' \
	"$(restart_log)"
# and owns it again
nsx nft delete table inet "$TABLE" >"$T/nft.out" 2>&1
grep -q 'Operation not permitted' "$T/nft.out" && pass "the restored table is owned again (EPERM)" ||
	fail "the restored table is not protected: $(head -c 200 "$T/nft.out")"
expect_match "status names the missing table as a problem" 'was missing' "$(status_field problem)"

# --- a reboot: the table is gone because the kernel started afresh ---------------------
# (simulated: the same deletion, with the boot id fwd stored at its last start changed)
fwd_kill KILL || fail "fwd did not die"
nsx nft delete table inet "$TABLE" >"$T/nft.out" 2>&1 || fail "delete table after kill -9"
python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
n = db.execute("UPDATE settings SET value = ? WHERE key = ?", ("another-boot", "boot-id")).rowcount
db.commit()
sys.exit(0 if n == 1 else 1)' "$T/fwd.db" && pass "the stored boot id was there to change" ||
	fail "fwd stored no boot-id setting"
lines_before=$(wc -l <"$T/fwd.log")
fwd_start
expect_tcp "after the 'reboot' 8081 is filtered" "$PEER" "$H4" 8081 filtered
expect_nomatch "a table missing after a reboot is not reported as tampering" \
	'was missing' "$(restart_log)"
expect_eq "and status shows no problem" "" "$(status_field problem)"
t_done
