# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash disable=SC2034
# Shared helpers of the integration tests, sourced by every t-*.sh.
#
# Each test builds its own world: a "host" network namespace that runs fwd and
# a "peer" namespace joined to it by a veth pair, then drives real packets
# across it. Nothing here touches the namespace the test is started in.
#
# Exit status of a test: 0 passed, 1 failed, 77 skipped.
#
# Environment: BUILD (build directory, default the source tree), FWD, FWCTL
# (binaries, default $BUILD/fwd/fwd and $BUILD/fwctl/fwctl), FWT_VERBOSE=1
# (echo every fwctl call).

set -u

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$SRC}
FWD=${FWD:-$BUILD/fwd/fwd}
FWCTL=${FWCTL:-$BUILD/fwctl/fwctl}

TEST_NAME=$(basename "$0" .sh)
TEST_NAME=${TEST_NAME#t-}
TABLE=fwtest_$$
# one /24 and one /64 per test process; only visible inside our namespaces
NET=$(( $$ % 200 + 20 ))
H4=10.77.$NET.1
P4=10.77.$NET.2
P4B=10.77.$NET.3
H6=fd77:$NET::1
P6=fd77:$NET::2
P6B=fd77:$NET::3

HOST=
PEER=
T=
FWD_PID=
FAILS=0
CHECKS=0
BG_PIDS=()
TEST_USER=
CLEANUP_HOOKS=()        # functions cleanup() runs after the test's processes are gone
FWD_CGROUP_MOUNT=       # 1: fwd sees cgroup v2 at /sys/fs/cgroup (ip netns exec hides it)

# sanitizer builds: make reports fatal and visible in the logs we grep
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

SAN_PATTERN='AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:'

# --- reporting -------------------------------------------------------------

say() { printf '# %s\n' "$*"; }

pass() { CHECKS=$((CHECKS + 1)); printf 'ok   %s\n' "$*"; }

fail() {
	CHECKS=$((CHECKS + 1))
	FAILS=$((FAILS + 1))
	printf 'FAIL %s\n' "$*"
}

skip() {
	printf 'SKIP %s: %s\n' "$TEST_NAME" "$*"
	exit 77
}

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1"
		printf '     expected: %s\n     got:      %s\n' "$2" "$3"
	fi
}

# expect_ne WHAT UNEXPECTED ACTUAL
expect_ne() {
	if [ "$2" != "$3" ]; then
		pass "$1"
	else
		fail "$1"
		printf '     expected anything but: %s\n' "$2"
	fi
}

# expect_match WHAT EXTENDED-REGEX TEXT
expect_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		pass "$1"
	else
		fail "$1"
		printf '     expected to match: %s\n     got:\n' "$2"
		printf '%s\n' "$3" | sed 's/^/       | /' | head -n 30
	fi
}

expect_nomatch() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		fail "$1"
		printf '     expected NOT to match: %s\n     got:\n' "$2"
		printf '%s\n' "$3" | sed 's/^/       | /' | head -n 30
	else
		pass "$1"
	fi
}

# expect_same WHAT FILE1 FILE2: byte-identical, with a diff when not
expect_same() {
	if cmp -s "$2" "$3"; then
		pass "$1"
	else
		fail "$1"
		diff -u "$2" "$3" | head -n 40 | sed 's/^/       | /'
	fi
}

# --- the world ----------------------------------------------------------------

require_root_and_netns() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	command -v ip >/dev/null || skip "ip (iproute2) not installed"
	command -v socat >/dev/null || skip "socat not installed"
	command -v nft >/dev/null || skip "nft (nftables) not installed, needed for diagnostics"
	local probe=fwt-probe-$$
	ip netns add "$probe" 2>/dev/null || skip "ip netns add does not work here"
	if ! ip netns exec "$probe" nft add table inet fwt_probe 2>/dev/null; then
		ip netns del "$probe"
		skip "nf_tables (inet family) is not available in this kernel"
	fi
	ip netns del "$probe"
}

require_binaries() {
	local b
	for b in "$FWD" "$FWCTL"; do
		if [ ! -x "$b" ]; then
			printf 'FAIL %s: %s is not built (set BUILD, FWD or FWCTL)\n' "$TEST_NAME" "$b"
			exit 1
		fi
	done
}

# setup: namespaces, veth, addresses, temp dir. Does not start fwd.
setup() {
	require_root_and_netns
	require_binaries
	T=$(mktemp -d "/tmp/fwt-$TEST_NAME.XXXXXX")
	chmod 755 "$T"          # unprivileged fwctl must reach the socket
	trap cleanup EXIT
	trap 'exit 1' INT TERM HUP
	HOST=fwt-$TEST_NAME-$$-h
	PEER=fwt-$TEST_NAME-$$-p
	ip netns add "$HOST" || exit 1
	ip netns add "$PEER" || exit 1
	ip -n "$HOST" link set lo up
	ip -n "$PEER" link set lo up
	# created directly inside the namespaces: never an interface outside
	ip -n "$HOST" link add veth0 type veth peer name veth1 netns "$PEER" || exit 1
	ip -n "$HOST" addr add "$H4/24" dev veth0
	ip -n "$PEER" addr add "$P4/24" dev veth1
	ip -n "$PEER" addr add "$P4B/24" dev veth1
	ip -n "$HOST" -6 addr add "$H6/64" dev veth0 nodad
	ip -n "$PEER" -6 addr add "$P6/64" dev veth1 nodad
	# deprecated, so replies from unbound UDP sockets keep using $P6 as
	# source (tests bind to $P6B explicitly when they want it)
	ip -n "$PEER" -6 addr add "$P6B/64" dev veth1 nodad preferred_lft 0
	ip -n "$HOST" link set veth0 up
	ip -n "$PEER" link set veth1 up
	printf '# fwd.conf of test %s\nstop-leaves-rules yes\n' "$TEST_NAME" >"$T/fwd.conf"
	wait_link_local
}

# link-local addresses need DAD even with nodad on the globals; wait so ND works
wait_link_local() {
	local i
	for i in $(seq 50); do
		if ! ip -n "$HOST" -6 addr show dev veth0 | grep -q tentative &&
		   ! ip -n "$PEER" -6 addr show dev veth1 | grep -q tentative; then
			return 0
		fi
		sleep 0.1
	done
}

cleanup() {
	local rc=$? pid
	trap - EXIT INT TERM HUP
	fwd_stop_quietly
	for pid in "${BG_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for ns in "$HOST" "$PEER"; do
		[ -n "$ns" ] || continue
		# anything still running in our namespaces was started by this test
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -9 "$pid" 2>/dev/null
		done
	done
	for pid in "${CLEANUP_HOOKS[@]}"; do
		"$pid"
	done
	if [ -n "$T" ] && [ -f "$T/fwd.log" ] && grep -Eq "$SAN_PATTERN" "$T/fwd.log"; then
		printf 'FAIL %s: sanitizer report in the fwd log\n' "$TEST_NAME"
		grep -E -A 25 "$SAN_PATTERN" "$T/fwd.log" | head -n 60 | sed 's/^/       | /'
		rc=1
	fi
	if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
		diagnostics
	fi
	[ -n "$HOST" ] && ip netns del "$HOST" 2>/dev/null
	[ -n "$PEER" ] && ip netns del "$PEER" 2>/dev/null
	[ -n "$TEST_USER" ] && remove_user "$TEST_USER"
	[ -n "$T" ] && rm -rf "$T"
	exit "$rc"
}

diagnostics() {
	[ -n "$T" ] || return 0
	say "--- last lines of the fwd log ($T/fwd.log)"
	[ -f "$T/fwd.log" ] && tail -n 30 "$T/fwd.log" | sed 's/^/# | /'
	if [ -n "$HOST" ]; then
		say "--- nft list table inet $TABLE in $HOST"
		nft_host 2>&1 | head -n 80 | sed 's/^/# | /'
	fi
}

# done: round-trip check when fwd runs, then the verdict
t_done() {
	if [ "${1:-}" != noroundtrip ] && fwd_alive; then
		roundtrip_check
	fi
	if [ "$FAILS" -gt 0 ]; then
		printf '%s: %d of %d checks failed\n' "$TEST_NAME" "$FAILS" "$CHECKS"
		exit 1
	fi
	printf '%s: all %d checks passed\n' "$TEST_NAME" "$CHECKS"
	exit 0
}

# --- fwd and fwctl --------------------------------------------------------------

fwd_alive() { [ -n "$FWD_PID" ] && kill -0 "$FWD_PID" 2>/dev/null; }

# fwd_start [extra fwd args]: start in the host namespace, wait for status
fwd_start() {
	local i limit=100
	# sanitizer builds start slower
	nm "$FWD" 2>/dev/null | grep -q __asan_init && limit=300
	local wrap=()
	# in the mount namespace of `ip netns exec` only: the host's /sys is untouched
	[ -n "$FWD_CGROUP_MOUNT" ] &&
		wrap=(sh -c 'mount -t cgroup2 cgroup2 /sys/fs/cgroup && exec "$@"' fwd-cgroup)
	ip netns exec "$HOST" "${wrap[@]}" "$FWD" --foreground --socket "$T/fwd.sock" \
		--db "$T/fwd.db" --table "$TABLE" \
		--services "$SRC/rules/services" \
		--default-rules "$SRC/rules/default.rules" \
		--config "$T/fwd.conf" "$@" 2>>"$T/fwd.log" >>"$T/fwd.log" &
	FWD_PID=$!
	for i in $(seq "$limit"); do
		if "$FWCTL" --socket "$T/fwd.sock" status >/dev/null 2>&1; then
			return 0
		fi
		if ! fwd_alive; then
			wait "$FWD_PID" 2>/dev/null
			fail "fwd exited at start (status $?)"
			tail -n 20 "$T/fwd.log" | sed 's/^/       | /'
			FWD_PID=
			exit 1
		fi
		sleep 0.1
	done
	fail "fwd did not answer 'fwctl status' within $((limit / 10)) s"
	tail -n 20 "$T/fwd.log" | sed 's/^/       | /'
	exit 1
}

# fwd_kill SIGNAL: signal fwd and wait (bounded) until it is gone; sets FWD_RC
fwd_kill() {
	local i
	FWD_RC=
	fwd_alive || return 1
	kill -"$1" "$FWD_PID"
	for i in $(seq 100); do
		if ! kill -0 "$FWD_PID" 2>/dev/null; then
			wait "$FWD_PID" 2>/dev/null
			FWD_RC=$?
			FWD_PID=
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# TERM first so a sanitizer build gets to report leaks at exit
fwd_stop_quietly() {
	fwd_alive || return 0
	fwd_kill TERM || fwd_kill KILL
}

# fwc ARGS...: run fwctl; sets RC, OUT, ERR (never exits)
fwc() {
	[ "${FWT_VERBOSE:-0}" = 1 ] && say "fwctl $*"
	"$FWCTL" --socket "$T/fwd.sock" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
	check_sanitizer_output "fwctl $*"
	return $RC
}

# fwc_ok WHAT ARGS...: the call must succeed
fwc_ok() {
	local what=$1
	shift
	if fwc "$@"; then
		pass "$what"
	else
		fail "$what (fwctl $* exited $RC)"
		printf '%s\n' "$OUT" "$ERR" | sed 's/^/       | /' | head -n 20
	fi
}

# fwc_as USER ARGS...: run fwctl as an unprivileged user; sets RC, OUT, ERR
fwc_as() {
	local user=$1
	shift
	runuser -u "$user" -- "$T/fwctl" --socket "$T/fwd.sock" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
	check_sanitizer_output "fwctl $* (as $user)"
	return $RC
}

check_sanitizer_output() {
	if grep -Eq "$SAN_PATTERN" "$T/err"; then
		fail "$1: sanitizer report"
		head -n 40 "$T/err" | sed 's/^/       | /'
	fi
}

# remove_user NAME: ends every process of a test's throwaway account (some
# run outside the test's namespaces, e.g. runuser pipelines), then deletes
# it; userdel refuses an account that still runs something
remove_user() {
	local i
	id "$1" >/dev/null 2>&1 || return 0
	for i in $(seq 30); do
		pkill -KILL -u "$1" 2>/dev/null
		userdel "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	printf 'FAIL %s: cannot remove the test user %s\n' "$TEST_NAME" "$1"
}

# make_user: a throwaway unprivileged account, removed by cleanup
make_user() {
	TEST_USER=fwt$$
	useradd --system --no-create-home --shell /usr/sbin/nologin "$TEST_USER" ||
		skip "useradd failed"
	cp "$FWCTL" "$T/fwctl"      # the build tree may not be readable by others
	chmod 755 "$T/fwctl"
}

# export_to FILE: `fwctl export` into FILE (must succeed)
export_to() {
	if ! "$FWCTL" --socket "$T/fwd.sock" export >"$1" 2>"$T/err"; then
		fail "fwctl export exited $?: $(cat "$T/err")"
	fi
	check_sanitizer_output "fwctl export"
}

# json_get EXPR: evaluate a python expression over the JSON document on
# stdin. In scope: d (the document), obj (d, or its only element when d is a
# one-element list: status), rows (d when it is a list, else the first list
# found among its values: list)
json_get() {
	python3 -c '
import json, sys
d = json.load(sys.stdin)
obj = d[0] if isinstance(d, list) and len(d) == 1 else d
rows = d if isinstance(d, list) else next(
    (v for v in d.values() if isinstance(v, list)), None)
print(eval(sys.argv[1]))' "$1"
}

status_field() {
	"$FWCTL" --socket "$T/fwd.sock" status --json 2>/dev/null | json_get "obj[\"$1\"]" 2>/dev/null
}

# rule_id TEXT: the id of the first rule whose text contains TEXT
rule_id() {
	"$FWCTL" --socket "$T/fwd.sock" list --json 2>/dev/null |
		json_get "[r[\"id\"] for r in rows if \"$1\" in r[\"rule\"]][0]" 2>&1
}

# the ruleset fwd holds in the kernel
nft_host() { ip netns exec "$HOST" nft list table inet "$TABLE"; }
# the same for comparisons: no counters, and without the owner annotation
# and table flags, which nft shows only while the owning socket lives
nft_host_stateless() {
	ip netns exec "$HOST" nft -s list table inet "$TABLE" |
		sed -e 's/ # progname .*$//' -e '/^\tflags /d' -e '/^\tflags$/d'
}

# the id of the newest rule
last_rule_id() {
	"$FWCTL" --socket "$T/fwd.sock" list --json 2>/dev/null |
		json_get 'max(r["id"] for r in rows)' 2>&1
}

# round trip: export | apply - changes nothing, export is identical after
roundtrip_check() {
	local rev1 rev2
	export_to "$T/rt1"
	rev1=$(status_field revision)
	"$FWCTL" --socket "$T/fwd.sock" apply - <"$T/rt1" >"$T/rt.out" 2>&1
	local rc=$?
	export_to "$T/rt2"
	rev2=$(status_field revision)
	if [ $rc = 0 ] && cmp -s "$T/rt1" "$T/rt2" && [ "$rev1" = "$rev2" ] &&
	   ! grep -Eq '^[+-] ' "$T/rt.out"; then
		pass "round trip: export | apply - is a no-op"
	else
		fail "round trip: export | apply - (exit $rc, revision $rev1 -> $rev2)"
		sed 's/^/       | /' "$T/rt.out" | head -n 20
		diff -u "$T/rt1" "$T/rt2" | head -n 20 | sed 's/^/       | /'
	fi
}

# --- traffic ------------------------------------------------------------------------

wait_listen() { # NS PROTO(t|u) PORT
	local i
	for i in $(seq 50); do
		ip netns exec "$1" ss -ln"$2" "sport = :$3" | grep -q ":$3" && return 0
		sleep 0.1
	done
	fail "listener $2 port $3 in $1 did not come up"
}

# listen_tcp NS PORT: IPv4 and IPv6 listeners that greet with "hello-fwd"
listen_tcp() {
	ip netns exec "$1" socat TCP4-LISTEN:"$2",fork,reuseaddr \
		SYSTEM:'echo hello-fwd' 2>/dev/null &
	BG_PIDS+=($!)
	ip netns exec "$1" socat TCP6-LISTEN:"$2",ipv6only=1,fork,reuseaddr \
		SYSTEM:'echo hello-fwd' 2>/dev/null &
	BG_PIDS+=($!)
	wait_listen "$1" t "$2"
}

# listen_udp NS PORT: answers every datagram with "pong"
listen_udp() {
	ip netns exec "$1" socat UDP4-RECVFROM:"$2",fork SYSTEM:'read -r l; echo pong' 2>/dev/null &
	BG_PIDS+=($!)
	ip netns exec "$1" socat UDP6-RECVFROM:"$2",ipv6only=1,fork \
		SYSTEM:'read -r l; echo pong' 2>/dev/null &
	BG_PIDS+=($!)
	wait_listen "$1" u "$2"
}

sock_addr() { case $1 in *:*) printf '[%s]' "$1" ;; *) printf '%s' "$1" ;; esac; }

# probe_tcp NS ADDR PORT [SRCADDR]: prints open | refused | filtered | other:...
probe_tcp() {
	local bind="" out
	[ -n "${4:-}" ] && bind=",bind=$(sock_addr "$4")"
	out=$(ip netns exec "$1" timeout 6 socat -T 2 -u \
		"TCP:$(sock_addr "$2"):$3,connect-timeout=2$bind" STDOUT 2>&1)
	classify "$out" hello-fwd
}

# probe_udp NS ADDR PORT [SRCADDR]: sends "ping", expects "pong"
probe_udp() {
	local bind="" out
	[ -n "${4:-}" ] && bind=",bind=$(sock_addr "$4")"
	# -t: wait for the answer after our EOF (socat's default is 0.5 s)
	out=$(echo ping | ip netns exec "$1" timeout 6 socat -t 2 -T 2 - \
		"UDP:$(sock_addr "$2"):$3$bind" 2>&1)
	# no answer at all within the timeout: dropped
	[ -z "$out" ] && { echo filtered; return; }
	classify "$out" pong
}

# prompt_rules: "ID RULE" of every rule of origin prompt, one per line
prompt_rules() {
	"$FWCTL" --socket "$T/fwd.sock" list --json 2>/dev/null |
		json_get '"\n".join("%d %s" % (r["id"], r["rule"]) for r in rows if r["origin"] == "prompt")'
}

# prompt_id PORT: the id of the pending prompt about PORT ("" when none)
prompt_id() {
	"$FWCTL" --socket "$T/fwd.sock" prompts --json 2>/dev/null |
		json_get "[p['id'] for p in rows if p['port'] == $1][0]" 2>/dev/null
}

# wait_prompt_id PORT [TENTHS]: sets PROMPT_ID once a prompt about PORT is pending
wait_prompt_id() {
	local _
	PROMPT_ID=
	for _ in $(seq "${2:-50}"); do
		PROMPT_ID=$(prompt_id "$1")
		[ -n "$PROMPT_ID" ] && return 0
		sleep 0.1
	done
	return 1
}

# wait_prompt_rule_gone PATTERN [TENTHS]: 1 once no prompt rule matches PATTERN, else 0
wait_prompt_rule_gone() {
	local _
	for _ in $(seq "${2:-80}"); do
		prompt_rules | grep -q -- "$1" || { echo 1; return; }
		sleep 0.1
	done
	echo 0
}

# start_user_app NAME PORT: a copy of socat at $T/NAME listening as the test user
# (a program of its own path, for app rules and prompts)
start_user_app() {
	cp "$(command -v socat)" "$T/$1"
	chmod 755 "$T/$1"
	ip netns exec "$HOST" runuser -u "$TEST_USER" -- "$T/$1" \
		TCP-LISTEN:"$2",fork,reuseaddr SYSTEM:'echo hello-fwd' 2>/dev/null &
	BG_PIDS+=($!)
	wait_listen "$HOST" t "$2"
}

# peer_connect PORT SECONDS OUT: a connect that keeps retransmitting its SYN
peer_connect() {
	ip netns exec "$PEER" socat -u "TCP:$H4:$1,connect-timeout=$2" STDOUT \
		>"$3" 2>&1 &
	BG_PIDS+=($!)
}

# connect_out ADDR PORT [CMD...]: an outbound TCP connection from the host
# namespace; CMD runs the client there (default `ip netns exec $HOST`; a
# test's own wrapper may change uid or cgroup on the way). Prints open |
# blocked | other:... -- a SYN dropped on output gives EPERM at once, or
# retransmits until the timeout: both are "blocked"
connect_out() {
	local addr=$1 port=$2 out
	shift 2
	[ $# -gt 0 ] || set -- ip netns exec "$HOST"
	out=$("$@" timeout 6 socat -T 2 -u \
		"TCP:$(sock_addr "$addr"):$port,connect-timeout=2" STDOUT 2>&1)
	case $out in *"not permitted"*) echo blocked; return ;; esac
	out=$(classify "$out" hello-fwd)
	[ "$out" = filtered ] && out=blocked
	echo "$out"
}

classify() {
	case $1 in
	*"$2"*) echo open ;;
	*"Connection refused"*) echo refused ;;
	*"timed out"*) echo filtered ;;
	*) echo "other:$(printf '%s' "$1" | tr '\n' ' ' | cut -c1-120)" ;;
	esac
}

# expect_tcp WHAT NS ADDR PORT EXPECTED [SRCADDR]
expect_tcp() { expect_eq "$1" "$5" "$(probe_tcp "$2" "$3" "$4" "${6:-}")"; }
expect_udp() { expect_eq "$1" "$5" "$(probe_udp "$2" "$3" "$4" "${6:-}")"; }

# expect_many: run several probes at once (filtered ones each cost the
# timeout); each argument is "WHAT|tcp|udp|NS|ADDR|PORT|EXPECTED[|SRC]"
expect_many() {
	local spec i=0 pids=() what kind ns addr port want src
	for spec in "$@"; do
		IFS='|' read -r what kind ns addr port want src <<<"$spec"
		( probe_"$kind" "$ns" "$addr" "$port" "$src" >"$T/probe.$i" ) &
		pids+=($!)
		i=$((i + 1))
	done
	wait "${pids[@]}"
	i=0
	for spec in "$@"; do
		IFS='|' read -r what kind ns addr port want src <<<"$spec"
		expect_eq "$what" "$want" "$(cat "$T/probe.$i")"
		i=$((i + 1))
	done
}

# ping_ok NS ADDR: at least one echo reply out of three
ping_ok() {
	local six=
	case $2 in *:*) six=-6 ;; esac
	ip netns exec "$1" ping $six -n -c 3 -i 0.3 -W 1 "$2" >"$T/ping.out" 2>&1
}
