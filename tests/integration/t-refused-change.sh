#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A change that fails leaves the previous ruleset in the kernel and the
# database unchanged (checked after a restart too).
#
# The daemon validates input, so a kernel refusal cannot be provoked at will
# from outside. The candidates below are grammatical but the kernel refuses
# them (measured with nft here: `limit rate 0/second` -> EINVAL, `limit rate
# 1/hour burst 4294967295 packets` -> EOVERFLOW); whether they reach the
# kernel or are caught by fwd's own checks, the result must be the same:
# nothing changes. Each case prints fwd's message so a reader can tell.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
listen_tcp "$HOST" 7000
listen_tcp "$HOST" 7200
fwd_start
fwc_ok "allow in proto tcp port 7000" allow in proto tcp port 7000

snapshot() { # DIR
	mkdir -p "$1"
	export_to "$1/export"
	nft_host_stateless >"$1/nft" 2>&1
	"$FWCTL" --socket "$T/fwd.sock" list >"$1/list" 2>&1
	# hit counts move with traffic; compare ids and rule text only
	sed -i 's/[0-9][0-9]* packets\?//g; s/[0-9][0-9]* bytes\?//g' "$1/list"
}
same_as_before() { # WHAT
	snapshot "$T/after"
	expect_same "$1: export unchanged" "$T/before/export" "$T/after/export"
	expect_same "$1: kernel ruleset unchanged" "$T/before/nft" "$T/after/nft"
}

snapshot "$T/before"

kernel_refusals=(
	"limit 1/hour burst 4294967295 in proto tcp port 7100"
	"limit 0/second in proto tcp port 7101"
	"limit 18446744073709551615/second in proto tcp port 7102"
)
for r in "${kernel_refusals[@]}"; do
	# shellcheck disable=SC2086
	if fwc add $r; then
		say "accepted: '$r' (fwd adjusted it; nothing to refuse)"
		fwc_ok "delete the accepted rule again" delete "$(rule_id "${r##* port }")"
		snapshot "$T/before"
		continue
	fi
	expect_eq "'$r' refused with exit 1" 1 "$RC"
	say "refused: '$r': $(printf '%s' "$ERR$OUT" | tr '\n' ' ' | cut -c1-200)"
	same_as_before "after refused '$r'"
done

# a file: one good rule and one the kernel or fwd refuses: none of it lands
printf 'policy in drop\npolicy out accept\nallow in proto tcp port 7000\nallow in proto tcp port 7200\nlimit 0/second in proto tcp port 7101\n' >"$T/mixed.rules"
if fwc apply "$T/mixed.rules"; then
	say "accepted: mixed file (fwd adjusted limit 0/second)"
	fwc_ok "re-apply the earlier rules" apply "$T/before/export"
else
	expect_eq "mixed file refused with exit 1" 1 "$RC"
	same_as_before "after refused file"
	expect_tcp "7200 from the refused file stays filtered" "$PEER" "$H4" 7200 filtered
fi

# invalid input: refused before the kernel, same promise
for r in "allow in proto tcp port 70000" "allow in proto tcp port 22 from 10.0.0.300" \
	 "allow in prot tcp port 22"; do
	# shellcheck disable=SC2086
	fwc add $r
	expect_eq "invalid '$r' exits 1" 1 "$RC"
	same_as_before "after invalid '$r'"
done
expect_tcp "7000 still open" "$PEER" "$H4" 7000 open

# the database agrees: a restarted fwd serves the same rules
fwd_kill KILL
fwd_start
snapshot "$T/after"
expect_same "after restart: export unchanged" "$T/before/export" "$T/after/export"
expect_tcp "after restart: 7000 open" "$PEER" "$H4" 7000 open
expect_tcp "after restart: 7200 filtered" "$PEER" "$H4" 7200 filtered

t_done
