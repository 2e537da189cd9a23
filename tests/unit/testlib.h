/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A tiny table-driven test helper: CHECK records one assertion, each failure
 * prints where and why, TEST_DONE prints "N passed, N failed" and exits 1 on
 * any failure (automake's harness reads the exit code; tests/run.sh the line).
 */
#ifndef FWD_TESTLIB_H
#define FWD_TESTLIB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_passed, test_failed;

#define CHECK(cond, ...) do {                                            \
	if (cond) {                                                      \
		test_passed++;                                           \
	} else {                                                         \
		test_failed++;                                           \
		fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__);                            \
		fputc('\n', stderr);                                     \
	}                                                                \
} while (0)

#define CHECK_STR(got, want, ctx) do {                                   \
	const char *g_ = (got), *w_ = (want);                            \
	CHECK(g_ && w_ && strcmp(g_, w_) == 0,                           \
	      "%s\n  got:  %s\n  want: %s", (ctx), g_ ? g_ : "(null)",   \
	      w_ ? w_ : "(null)");                                       \
} while (0)

#define TEST_DONE() do {                                                 \
	printf("%d passed, %d failed\n", test_passed, test_failed);      \
	return test_failed ? 1 : 0;                                      \
} while (0)

/* the source tree, for golden files: $top_srcdir or "." */
static inline const char *test_srcdir(void)
{
	const char *d = getenv("top_srcdir");
	return d && *d ? d : ".";
}

#endif
