/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Splits one line of the rule grammar (or of a .service file) into tokens
 * with their columns, and parses the small value syntaxes shared by the
 * grammar and the catalog (port lists).
 */
#ifndef LIBFWD_LEXER_H
#define LIBFWD_LEXER_H

#include <stddef.h>

#include "rule.h"
#include "strbuf.h"

enum tok_kind { TOK_WORD, TOK_STRING };

struct token {
	enum tok_kind kind;
	int col, len;           /* 1-based byte column and width in the line */
	char *text;             /* NUL-terminated; strings without quotes/escapes */
};

struct token_list {
	struct token *v;
	size_t n, cap;
};

/* a problem with a place: col is 1-based in the line, or 0-based in a value */
struct lex_error {
	int col, len;
	char msg[192];
};

/*
 * Tokens of line[0..len): words split on blanks, "strings" with \" and \\,
 * a '#' outside a string ends the line. Returns -1 with err filled on a bad
 * byte or an unterminated string (out then holds the tokens before it).
 */
int lex_line(const char *line, size_t len, struct token_list *out,
	     struct lex_error *err);
void token_list_free(struct token_list *tl);

/*
 * "22", "8000-8080", "22,80,8000-8080": items 1..65535 with lo <= hi, no
 * blanks. On success *out is malloc'd (in written order) and 0 returned;
 * on error -1, err->col is the 0-based offset of the bad item in s.
 */
int lex_ports(const char *s, struct port_range **out, size_t *n,
	      struct lex_error *err);

/* s quoted for a message: 'abc', with control bytes escaped and long words cut */
void lex_quote(struct strbuf *sb, const char *s);

#endif
