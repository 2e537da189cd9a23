/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the libFuzzer harnesses share: the entry points libFuzzer calls (declared
 * here because the project builds with -Wmissing-prototypes), a check that
 * aborts with a message, so a broken invariant is a crash the fuzzer keeps,
 * and a scratch directory for the parsers that only read files.
 */
#ifndef FWD_FUZZ_H
#define FWD_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* prints "fuzz invariant broken: ..." and aborts when cond is false */
#define FUZZ_CHECK(cond, ...) \
	do { if (!(cond)) fuzz_fail(__FILE__, __LINE__, __VA_ARGS__); } while (0)

void fuzz_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));

/*
 * A private directory (created on first use, removed at exit) and a file in
 * it holding data; returns the file's path, valid until the next call.
 */
const char *fuzz_write_file(const char *name, const uint8_t *data, size_t size);
const char *fuzz_tmpdir(void);

#endif
