/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_DIAG_H
#define FWD_DIAG_H

#include <stddef.h>

#include "strbuf.h"

/*
 * One error found in user input, with its place. Columns are 1-based
 * bytes; len is the width of the caret underline (>= 1). line/col 0 means
 * "no place" (the message stands alone).
 */
struct diag {
	char *file;     /* "site.rules", "<command line>", "<stdin>" */
	int line, col, len;
	char *msg;      /* "unknown keyword 'prot' (did you mean 'proto'?)" */
	char *src;      /* the source line, NULL when unknown */
};

struct diag_list {
	struct diag *v;
	size_t n, cap;
};

void diag_add(struct diag_list *dl, const char *file, int line, int col,
	      int len, const char *src, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
void diag_list_free(struct diag_list *dl);

/*
 * "file:line:col: error: msg\n<src>\n<spaces>^~~~\n" -- the nftables/gcc
 * layout. Without a place: "file: error: msg\n".
 */
void diag_format(const struct diag *d, struct strbuf *out);

#endif
