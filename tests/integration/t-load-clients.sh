#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Load on the control socket (issue 7, "Load"):
# - 1,000 concurrent clients (8 users x 125) each sending `fwd1 status`:
#   every one gets an answer, served or refused with a clear error (fwd caps
#   512 connections, 64 per uid), none hangs or is dropped silently; fwd
#   stays up, and a fresh `fwctl status` answers within 3 s during the load;
# - clients that connect and send nothing, or one byte a second
#   (slowloris): one user's worth (its cap of 64) and then 8 users' worth
#   (512, fwd's total cap): an admin's `fwctl add` during the load must
#   succeed within 3 s ("they must not delay others").
# The generator is tests/load/clients.c, compiled here.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
command -v runuser >/dev/null || skip "runuser not installed"
command -v cc >/dev/null || skip "no C compiler (cc)"
setup
LOAD_USERS=()
t_exit() {
	local rc=$? u
	for u in "${LOAD_USERS[@]}"; do remove_user "$u"; done
	(exit $rc)
	cleanup
}
trap t_exit EXIT
cc -O2 -Wall -o "$T/clients" "$SRC/tests/load/clients.c" || { fail "cannot compile clients.c"; t_done noroundtrip; }
chmod 755 "$T/clients"
for i in $(seq 0 7); do
	u=fwt$$l$i
	useradd --system --no-create-home --shell /usr/sbin/nologin "$u" || skip "useradd failed"
	LOAD_USERS+=("$u")
done
fwd_start
S=$T/fwd.sock

# timed_fwctl OUTVAR ARGS...: run fwctl (bounded by 10 s), RC and ms in globals
timed_fwctl() {
	local start
	start=$(date +%s%N)
	timeout 10 "$FWCTL" --socket "$S" "$@" >"$T/tout" 2>&1
	T_RC=$?
	T_MS=$(( ($(date +%s%N) - start) / 1000000 ))
}

# load USERS MODE N SECONDS: start N clients per user in the background
load() {
	local mode=$1 n=$2 secs=$3 u
	shift 3
	for u in "$@"; do
		runuser -u "$u" -- "$T/clients" "$mode" "$S" "$n" "$secs" >"$T/load.$mode.$u" 2>&1 &
		BG_PIDS+=($!)
	done
}

sum_field() { # MODE FIELD
	cat "$T"/load."$1".* | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k { s += $2 } END { print s + 0 }'
}
max_field() {
	cat "$T"/load."$1".* | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k && $2 > m { m = $2 } END { print m + 0 }'
}

# --- 1,000 concurrent status clients ------------------------------------------------
load burst 125 30 "${LOAD_USERS[@]}"
sleep 0.3
worst=0
bad=0
for i in 1 2 3 4 5; do
	timed_fwctl status
	[ "$T_RC" = 0 ] || bad=$((bad + 1))
	[ "$T_MS" -gt "$worst" ] && worst=$T_MS
	sleep 0.2
done
wait "${BG_PIDS[@]}"
BG_PIDS=()
# a generator that did not report (runuser or the program failed) says why here
for u in "${LOAD_USERS[@]}"; do
	grep -q 'answered=' "$T/load.burst.$u" 2>/dev/null ||
		say "no report from $u's clients: $(head -c 300 "$T/load.burst.$u" 2>&1)"
done
answered=$(sum_field burst answered)
refused=$(sum_field burst refused)
closed=$(sum_field burst closed)
failed=$(sum_field burst failed)
say "1000 clients: answered=$answered refused=$refused closed=$closed failed=$failed slowest=$(max_field burst max_ms) ms; root's status during the load: worst $worst ms, $bad of 5 failed"
expect_eq "every one of the 1000 clients got an answer or a refusal" 1000 $((answered + refused))
expect_eq "no client dropped without an answer (closed + failed)" 0 $((closed + failed))
[ "$answered" -ge 512 ] && pass "at least 512 of 1000 answered ($answered)" ||
	fail "only $answered of 1000 clients were served"
expect_eq "root's fwctl status answered every time during the load" 0 "$bad"
[ "$worst" -le 3000 ] && pass "root's status within 3 s during the load (worst $worst ms)" ||
	fail "root's status took $worst ms during the load"
fwd_alive && pass "fwd alive after 1000 clients" || fail "fwd died under 1000 clients"

# --- idle and slowloris clients --------------------------------------------------------
admin_add_during() { # WHAT PORT
	local what=$1 port=$2
	timed_fwctl allow in proto tcp port "$port"
	say "$what: fwctl add took $T_MS ms (exit $T_RC): $(head -c 200 "$T/tout")"
	if [ "$T_RC" = 0 ] && [ "$T_MS" -le 3000 ]; then
		pass "$what: an admin's fwctl add succeeds within 3 s ($T_MS ms)"
	else
		fail "$what: an admin's fwctl add: exit $T_RC after $T_MS ms: $(head -c 200 "$T/tout")"
	fi
	timed_fwctl status
	[ "$T_RC" = 0 ] && [ "$T_MS" -le 3000 ] && pass "$what: status within 3 s ($T_MS ms)" ||
		fail "$what: status exit $T_RC after $T_MS ms: $(head -c 200 "$T/tout")"
}

rm -f "$T"/load.*
load idle 64 8 "${LOAD_USERS[0]}"
load slow 64 8 "${LOAD_USERS[1]}"
sleep 2
admin_add_during "one user's 64 idle + another's 64 slow clients" 7001
wait "${BG_PIDS[@]}"
BG_PIDS=()
say "idle: $(cat "$T/load.idle.${LOAD_USERS[0]}"); slow: $(cat "$T/load.slow.${LOAD_USERS[1]}")"

rm -f "$T"/load.*
load idle 64 10 "${LOAD_USERS[@]:0:4}"
load slow 64 10 "${LOAD_USERS[@]:4:4}"
sleep 3
admin_add_during "8 users x 64 idle/slow clients (512, fwd's total cap)" 7002
wait "${BG_PIDS[@]}"
BG_PIDS=()
say "alive at the end: idle $(sum_field idle alive), slow $(sum_field slow alive) (of 256 each); refused idle $(sum_field idle refused), slow $(sum_field slow refused)"
fwd_alive && pass "fwd alive after the slow clients" || fail "fwd died"
fwc_ok "status after the load" status
fwc list
expect_match "both rules added during the load are in the list" 'port 7001' "$OUT"
expect_match "... 7002 too" 'port 7002' "$OUT"
t_done
