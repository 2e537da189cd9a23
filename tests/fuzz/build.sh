#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds the libFuzzer harnesses with clang, straight from the sources (the
# gcc-built libfwd.a has no fuzzer instrumentation):
#
#   tests/fuzz/build.sh [SRCDIR [OUTDIR]]     (make fuzz passes both)
#
# SRCDIR defaults to the tree this script is in, OUTDIR to ./tests/fuzz.
# tests/fuzz/NAME.c becomes OUTDIR/fuzz_NAME (the sources are not called
# fuzz_NAME.c: .gitignore ignores tests/fuzz/fuzz_*, the in-tree binaries).
# Needs clang and its fuzzer runtime (Debian: clang, libclang-rt-dev), and
# libmnl. CC=clang-15 etc. picks another clang.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "${1:-$here/../..}" && pwd)
outdir=${2:-tests/fuzz}
cc=${CC_FUZZ:-clang}
case ${CC:-} in *clang*) cc=$CC ;; esac

die() {
	echo "fuzz build: $*" >&2
	exit 1
}

command -v "$cc" >/dev/null 2>&1 ||
	die "$cc not found: install clang (Debian: apt-get install clang libclang-rt-dev)"
mkdir -p "$outdir/obj"
outdir=$(cd "$outdir" && pwd)

# the fuzzer runtime is a separate package on Debian: say so instead of a link error
probe=$outdir/obj/probe
cat >"$probe.c" <<'PROBE'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return (int)(d && n) * 0; }
PROBE
"$cc" -fsanitize=fuzzer,address,undefined -o "$probe" "$probe.c" >"$probe.log" 2>&1 ||
	die "$cc cannot link -fsanitize=fuzzer (is the fuzzer runtime installed? Debian:
  apt-get install libclang-rt-dev); the compiler said:
$(sed 's/^/  /' "$probe.log")"
rm -f "$probe" "$probe.c" "$probe.log"

mnl_cflags=$(pkg-config --cflags libmnl 2>/dev/null) && mnl_libs=$(pkg-config --libs libmnl) ||
	die "libmnl not found by pkg-config (Debian: apt-get install libmnl-dev)"

# the project's warnings (Makefile.am WARN_CFLAGS); the harnesses declare
# LLVMFuzzerTestOneInput in fuzz.h, so -Wmissing-prototypes stays. clang's
# -Wformat=2 also flags vsnprintf(fmt, va_list) in sb_vprintf, which gcc
# accepts and which strbuf.h does not mark format(printf, 2, 0): off here.
warn="-Wall -Wextra -Werror -Wshadow -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes
	-Wno-unused-parameter -Wno-format-nonliteral"
cflags="-std=gnu11 -g -O1 -fno-omit-frame-pointer $warn
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
	-I$srcdir/libfwd -I$srcdir/fwd -I$srcdir/tests/fuzz"
ldflags="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"

libfwd="addr catalog diag duration grammar grammar_values keywords lexer misspell proto rule rule_format strbuf"

# compile SRC.c into obj/NAME.o unless it is already newer than its inputs
compile() {
	src=$1 obj=$outdir/obj/$2.o
	shift 2
	if [ -f "$obj" ] && [ "$obj" -nt "$src" ] && [ -z "$(find "$srcdir/libfwd" \
		"$srcdir/fwd" "$srcdir/tests/fuzz" -name '*.h' -newer "$obj" | head -n 1)" ]; then
		return 0
	fi
	echo "  CC      $obj"
	# shellcheck disable=SC2086
	"$cc" $cflags "$@" -c -o "$obj" "$src"
}

# link OUT from object names
link() {
	out=$1
	shift
	objs=
	for o in $1; do
		objs="$objs $outdir/obj/$o.o"
	done
	shift
	echo "  LINK    $outdir/$out"
	# shellcheck disable=SC2086
	"$cc" $ldflags -o "$outdir/$out" $objs "$@"
}

for f in $libfwd; do
	compile "$srcdir/libfwd/$f.c" "libfwd_$f"
done
compile "$srcdir/fwd/nflog.c" fwd_nflog $mnl_cflags
compile "$srcdir/fwd/listeners.c" fwd_listeners $mnl_cflags
compile "$srcdir/fwd/config.c" fwd_config
compile "$srcdir/tests/fuzz/util.c" fuzz_util
# the catalog the grammar harness loads at start, unless FWD_FUZZ_SERVICES says otherwise
compile "$srcdir/tests/fuzz/grammar.c" fuzz_grammar \
	"-DFWD_FUZZ_SERVICES_DEFAULT=\"$srcdir/rules/services\""
for h in proto nflog listeners catalog config; do
	compile "$srcdir/tests/fuzz/$h.c" "fuzz_$h" $mnl_cflags
done

all_libfwd=
for f in $libfwd; do
	all_libfwd="$all_libfwd libfwd_$f"
done
link fuzz_grammar "fuzz_grammar fuzz_util $all_libfwd"
link fuzz_proto "fuzz_proto fuzz_util $all_libfwd"
link fuzz_catalog "fuzz_catalog fuzz_util $all_libfwd"
link fuzz_config "fuzz_config fuzz_util fwd_config $all_libfwd"
link fuzz_nflog "fuzz_nflog fuzz_util fwd_nflog libfwd_strbuf" $mnl_libs
link fuzz_listeners "fuzz_listeners fuzz_util fwd_listeners libfwd_strbuf" $mnl_libs
echo "fuzz build: harnesses in $outdir (run: $srcdir/tests/fuzz/run.sh $outdir)"
