#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs the libFuzzer harnesses built by build.sh (`make fuzz`):
#
#   tests/fuzz/run.sh OUTDIR [SECONDS]
#
# Each harness fuzzes for SECONDS (default 60) from its committed corpus,
# tests/fuzz/corpus/NAME/ (seed-* and the crash-* regression cases), plus a
# scratch corpus in /tmp for what it finds (kept when FWD_FUZZ_SCRATCH names
# a directory). SECONDS=0 only replays the committed corpus: a fast
# regression run. One line per harness, "fuzz NAME: ok (N runs)" or
# "fuzz NAME: CRASH (reproducer at FILE)", then "N passed, N failed"; exit
# 1 when any harness failed. The full libFuzzer output (cov: lines) is in
# OUTDIR/logs/NAME.log, new crash inputs in OUTDIR/crashes/NAME/.
#
# A crash input becomes a regression case: fix the bug, then copy the file
# to tests/fuzz/corpus/NAME/crash-<its sha1>. The committed corpus is always
# replayed whole first: fuzzing caps inputs at 4 KiB (else libFuzzer takes
# its largest file, near the grammar's 8 KiB line limit, as the cap) and
# would cut longer regression cases short.
set -eu

usage() {
	echo "usage: $0 OUTDIR [SECONDS]" >&2
	exit 2
}

[ $# -ge 1 ] && [ $# -le 2 ] || usage
outdir=$(cd "$1" && pwd)
secs=${2:-60}
case $secs in ''|*[!0-9]*) usage ;; esac
here=$(cd "$(dirname "$0")" && pwd)
harnesses="grammar proto nflog listeners catalog config"
passed=0
failed=0

mkdir -p "$outdir/logs"
scratch_root=${FWD_FUZZ_SCRATCH:-}
if [ -z "$scratch_root" ]; then
	scratch_root=$(mktemp -d /tmp/fwd-fuzz-corpus.XXXXXX)
	trap 'rm -rf "$scratch_root"' EXIT
fi

# the value of the last "KEY: N" / "KEY N" in a log, or "?"
last_num() {
	v=$(grep -o "$1[: ]*[0-9][0-9]*" "$2" | tail -n 1 | grep -o '[0-9][0-9]*$' || true)
	echo "${v:-?}"
}

# replays every committed input once
replay() {
	name=$1 bin=$2 seeds=$3 log=$4
	# shellcheck disable=SC2046
	if "$bin" -rss_limit_mb=2048 -timeout=10 $(find "$seeds" -type f | sort) >"$log" 2>&1; then
		echo "fuzz $name: ok ($(find "$seeds" -type f | wc -l) runs)"
		return 0
	fi
	repro=$(sed -n 's/^Running: //p' "$log" | tail -n 1)
	echo "fuzz $name: CRASH (reproducer at ${repro:-?}; log $log)"
	return 1
}

fuzz() {
	name=$1 bin=$2 seeds=$3 log=$4
	scratch=$scratch_root/$name
	crashes=$outdir/crashes/$name
	dict=
	mkdir -p "$scratch" "$crashes"
	[ -f "$here/$name.dict" ] && dict=-dict=$here/$name.dict
	# the scratch corpus first: libFuzzer writes new inputs to the first directory
	if "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -max_len=4096 \
		-print_final_stats=1 -artifact_prefix="$crashes/" $dict \
		"$scratch" "$seeds" >"$log" 2>&1; then
		echo "fuzz $name: ok ($(last_num stat::number_of_executed_units "$log") runs)"
		return 0
	fi
	repro=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
	echo "fuzz $name: CRASH (reproducer at ${repro:-?}; log $log)"
	return 1
}

for name in $harnesses; do
	bin=$outdir/fuzz_$name
	log=$outdir/logs/$name.log
	seeds=$here/corpus/$name
	if [ ! -x "$bin" ]; then
		echo "fuzz $name: MISSING ($bin; build it with make fuzz)"
		failed=$((failed + 1))
		continue
	fi
	if [ "$secs" = 0 ]; then
		replay "$name" "$bin" "$seeds" "$log" && ok=1 || ok=0
	elif ! line=$(replay "$name" "$bin" "$seeds" "$log"); then
		echo "$line"
		ok=0
	else
		fuzz "$name" "$bin" "$seeds" "$log" && ok=1 || ok=0
	fi
	if [ $ok = 1 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
