#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs the whole test suite: the unit test binaries (each prints
# "N passed, N failed") and every tests/integration/t-*.sh (each counts as one
# test: exit 0 passed, 77 skipped, anything else failed). The last line is
# "N passed, N failed, N skipped"; the exit status is 1 when anything failed.
#
#   tests/run.sh [-j JOBS] [-v] [FILTER]
#
#   BUILD=DIR   the build directory (default: the source tree)
#   FILTER      an extended regex; only tests whose name matches run
#   -j JOBS     integration tests run JOBS at a time (default 1); each one
#               lives in its own namespaces, so they do not disturb each other
#   -v          print the output of passing tests too
#   LOGDIR=DIR  keep every test's output there (default: a temp dir, removed
#               when everything passed)

set -u

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$SRC}
BUILD=$(cd "$BUILD" && pwd) || exit 2
export BUILD
export top_srcdir=$SRC
JOBS=1
VERBOSE=0
FILTER=
TEST_TIMEOUT=${TEST_TIMEOUT:-300}

usage() {
	sed -n '7,17s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	-j) JOBS=${2:?}; shift 2 ;;
	-j*) JOBS=${1#-j}; shift ;;
	-v) VERBOSE=1; shift ;;
	-h|--help) usage ;;
	-*) echo "run.sh: unknown option $1" >&2; usage ;;
	*) FILTER=$1; shift ;;
	esac
done

KEEP_LOGS=${LOGDIR:+1}
LOGDIR=${LOGDIR:-$(mktemp -d /tmp/fwd-tests.XXXXXX)}
mkdir -p "$LOGDIR"
PASSED=0
FAILED=0
SKIPPED=0

selected() { [ -z "$FILTER" ] || printf '%s\n' "$1" | grep -Eq -- "$FILTER"; }

show_log() { sed 's/^/    | /' "$1"; }

# --- unit tests: add up their own counts ------------------------------------

run_unit() {
	local bin=$1 name log line p f rc
	name=$(basename "$bin")
	log=$LOGDIR/$name.log
	timeout "$TEST_TIMEOUT" "$bin" >"$log" 2>&1
	rc=$?
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
	if [ -n "$line" ]; then
		p=${line%% passed*}
		f=${line#*passed, }
		f=${f%% failed}
	else
		p=0 f=0
	fi
	# a crash, a sanitizer abort or a lost summary line is a failure too
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1
	fi
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + f))
	if [ "$f" = 0 ]; then
		printf 'PASS  unit/%s: %s passed\n' "$name" "$p"
		[ "$VERBOSE" = 1 ] && show_log "$log"
	else
		printf 'FAIL  unit/%s: %s passed, %s failed (exit %s)\n' "$name" "$p" "$f" "$rc"
		show_log "$log"
	fi
}

# the unit tests that should exist: check_PROGRAMS of Makefile.am, so a
# binary that failed to build counts as a failure instead of vanishing
expected_units() {
	awk '/^check_PROGRAMS[ \t]*=/ { on = 1 }
	     on { for (i = 1; i <= NF; i++) if ($i ~ /^tests\/unit\//) print $i
		  if ($0 !~ /\\$/) on = 0 }' "$SRC/Makefile.am" 2>/dev/null
}

units=()
while read -r u; do
	selected "unit/${u##*/}" || continue
	if [ -x "$BUILD/$u" ]; then
		units+=("$BUILD/$u")
	else
		printf 'FAIL  unit/%s: not built (%s/%s missing; make check builds it)\n' \
			"${u##*/}" "$BUILD" "$u"
		FAILED=$((FAILED + 1))
	fi
done < <(expected_units)
for bin in "${units[@]}"; do
	run_unit "$bin"
done

# --- integration tests: one count each, JOBS at a time ------------------------

report_integration() { # NAME RC SECONDS
	local log=$LOGDIR/$1.log
	case $2 in
	0)
		PASSED=$((PASSED + 1))
		printf 'PASS  %s (%ss)\n' "$1" "$3"
		[ "$VERBOSE" = 1 ] && show_log "$log"
		;;
	77)
		SKIPPED=$((SKIPPED + 1))
		printf 'SKIP  %s: %s\n' "$1" "$(grep -m1 '^SKIP' "$log" | sed 's/^SKIP [^:]*: //')"
		;;
	*)
		FAILED=$((FAILED + 1))
		[ "$2" = 124 ] && echo "(killed after ${TEST_TIMEOUT}s)" >>"$log"
		printf 'FAIL  %s (exit %s, %ss)\n' "$1" "$2" "$3"
		show_log "$log"
		;;
	esac
}

# runs in the background: the test, then its exit status and duration in .rc
run_integration() { # SCRIPT
	local name start rc
	name=$(basename "$1" .sh)
	start=$(date +%s)
	# bash, not ./: a lost executable bit must not fail the test
	timeout "$TEST_TIMEOUT" bash "$1" >"$LOGDIR/$name.log" 2>&1 </dev/null
	rc=$?
	printf '%s %s\n' "$rc" $(($(date +%s) - start)) >"$LOGDIR/$name.rc.tmp"
	mv "$LOGDIR/$name.rc.tmp" "$LOGDIR/$name.rc"
}

scripts=()
for t in "$SRC"/tests/integration/t-*.sh; do
	[ -e "$t" ] || continue
	selected "$(basename "$t" .sh)" && scripts+=("$t")
done

declare -A running=()
# a finished job has written its .rc file; report those, else wait a little
collect_one() {
	local pid name rc secs found=0
	for pid in "${!running[@]}"; do
		name=${running[$pid]}
		[ -e "$LOGDIR/$name.rc" ] || continue
		wait "$pid" 2>/dev/null
		unset "running[$pid]"
		read -r rc secs <"$LOGDIR/$name.rc" || { rc=1; secs="?"; }
		report_integration "$name" "$rc" "$secs"
		found=1
	done
	[ "$found" = 1 ] || sleep 0.2
}

for t in "${scripts[@]}"; do
	while [ ${#running[@]} -ge "$JOBS" ]; do
		collect_one
	done
	run_integration "$t" &
	running[$!]=$(basename "$t" .sh)
done
while [ ${#running[@]} -gt 0 ]; do
	collect_one
done

if [ "$FAILED" = 0 ] && [ -z "$KEEP_LOGS" ]; then
	rm -rf "$LOGDIR"
else
	echo "logs: $LOGDIR"
fi
echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
[ "$FAILED" = 0 ]
