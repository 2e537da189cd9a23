#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# kill -9 of fwd at random moments of `fwctl apply`, in a loop that
# alternates two rule files A and B: after each restart the kernel holds
# exactly A or exactly B (the whole ruleset compared with references taken
# from clean applies, and real connections to a port only A opens and one
# only B opens), `fwctl export` agrees with the kernel, and an apply that
# fwctl reported as done (exit 0) before the kill is the one in force
# (SPEC: "fwctl returns only after the change is in force"; "a change is
# applied whole or not at all").
#
# The rulesets are compared without counters and rule ids (the comment
# "rule N" of each element: ids are new on every apply), line by line
# sorted, so the order the kernel lists set elements in does not matter
# while any element or rule of the other file does.
#
# KILL_ROUNDS (default 12) sets the number of kills, KILL_RULES (default
# 1500) the rules of each file.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
ROUNDS=${KILL_ROUNDS:-12}
NRULES=${KILL_RULES:-1500}   # per file: makes an apply long enough to hit inside

# A and B differ in ports, a set of addresses, a deny and the inbound policy
{
	printf 'policy in drop\npolicy out accept\nallow in proto tcp port 8101\n'
	for p in $(seq 10000 $((10000 + NRULES - 1))); do printf 'allow in proto tcp port %d\n' "$p"; done
	printf 'allow in proto udp port 5300 from 10.1.0.0/16\n'
} >"$T/A.rules"
{
	printf 'policy in reject\npolicy out accept\nallow in proto tcp port 8201\n'
	for p in $(seq 20000 $((20000 + NRULES - 1))); do printf 'allow in proto tcp port %d\n' "$p"; done
	printf 'deny in proto tcp port 8101\nallow in proto tcp port 30000-30100 from fd00::/8\n'
} >"$T/B.rules"

listen_tcp "$HOST" 8101
listen_tcp "$HOST" 8201
fwd_start

nft_norm() {
	nft_host_stateless 2>&1 | sed -E -e 's/ counter packets [0-9]+ bytes [0-9]+//g' \
		-e 's/ comment "rule [0-9]+"//g' -e 's/,$//' | LC_ALL=C sort
}

# references: the kernel ruleset and the export of each file, applied cleanly
reference() { # NAME
	fwc apply "$T/$1.rules"
	[ "$RC" = 0 ] || { fail "clean apply of $1 (exit $RC): $ERR"; t_done noroundtrip; }
	nft_norm >"$T/nft.$1"
	export_to "$T/export.$1"
}
reference A
reference B
reference A
nft_norm >"$T/nft.A2"
expect_same "the kernel ruleset of A is reproducible (reference usable)" "$T/nft.A" "$T/nft.A2"
if cmp -s "$T/nft.A" "$T/nft.B"; then fail "A and B give the same kernel ruleset"; fi
expect_many \
	"A: 8101 open|tcp|$PEER|$H4|8101|open" \
	"A: 8201 filtered|tcp|$PEER|$H4|8201|filtered"

# which of the references the kernel holds now: A, B or mix
kernel_state() {
	nft_norm >"$T/nft.now"
	if cmp -s "$T/nft.now" "$T/nft.A"; then echo A
	elif cmp -s "$T/nft.now" "$T/nft.B"; then echo B
	else echo mix; fi
}
export_state() {
	export_to "$T/export.now"
	if cmp -s "$T/export.now" "$T/export.A"; then echo A
	elif cmp -s "$T/export.now" "$T/export.B"; then echo B
	else echo mix; fi
}

# measure one apply to spread the kills over its whole length
start=$(date +%s%N)
fwc apply "$T/B.rules"
apply_ms=$(( ($(date +%s%N) - start) / 1000000 ))
say "one apply of $NRULES rules takes $apply_ms ms"
cur=B
seen_mixed=0
n_done_before_kill=0
for round in $(seq "$ROUNDS"); do
	if [ "$cur" = A ]; then next=B; else next=A; fi
	"$FWCTL" --socket "$T/fwd.sock" apply "$T/$next.rules" >"$T/apply.out" 2>&1 &
	apid=$!
	# a random moment between 0 and 1.3 times the apply's length
	delay_ms=$(( RANDOM % (apply_ms * 13 / 10 + 1) ))
	sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
	apply_done=no
	kill -0 "$apid" 2>/dev/null || apply_done=yes
	fwd_kill KILL || fail "round $round: fwd did not die"
	wait "$apid"
	arc=$?
	[ "$apply_done" = yes ] && [ "$arc" = 0 ] && n_done_before_kill=$((n_done_before_kill + 1))
	dead=$(kernel_state)
	[ "$dead" = mix ] && cp "$T/nft.now" "$T/nft.mix.$round"
	fwd_start
	k=$(kernel_state)
	e=$(export_state)
	say "round $round: kill after ${delay_ms} ms, apply of $next exit $arc; kernel after kill: $dead, after restart: $k, export: $e"
	if [ "$dead" = mix ]; then
		seen_mixed=$((seen_mixed + 1))
		fail "round $round: after kill -9 the kernel holds neither A nor B"
		diff -u "$T/nft.$next" "$T/nft.mix.$round" | head -n 20 | sed 's/^/       | /'
	fi
	if [ "$k" = mix ]; then
		fail "round $round: after restart the kernel holds neither A nor B"
		diff -u "$T/nft.$next" "$T/nft.now" | head -n 20 | sed 's/^/       | /'
	fi
	[ "$k" = "$e" ] || fail "round $round: export ($e) disagrees with the kernel ($k)"
	[ "$k" = "$dead" ] || say "round $round: the restart changed the kernel from $dead to $k"
	if [ "$arc" = 0 ] && [ "$apply_done" = yes ] && [ "$k" != "$next" ]; then
		fail "round $round: fwctl apply $next returned 0 before the kill, but the kernel holds $k"
	fi
	[ "$k" = A ] || [ "$k" = B ] && cur=$k
	# real traffic: exactly the port of the file in force answers
	# B denies 8101 explicitly: dropped, not rejected by its policy
	if [ "$cur" = A ]; then want1=open; want2=filtered; else want1=filtered; want2=open; fi
	expect_many \
		"round $round ($cur): 8101 $want1|tcp|$PEER|$H4|8101|$want1" \
		"round $round ($cur): 8201 $want2|tcp|$PEER|$H4|8201|$want2"
done
say "$n_done_before_kill applies had returned 0 before their kill"
expect_eq "no mixed ruleset in $ROUNDS kills" 0 "$seen_mixed"

# still changeable, and the database agrees after one more clean restart
fwc_ok "an apply after the loop" apply "$T/A.rules"
fwd_kill TERM
fwd_start
expect_eq "after a clean restart the kernel holds A" A "$(kernel_state)"
expect_eq "after a clean restart the export is A" A "$(export_state)"
t_done
