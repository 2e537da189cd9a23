/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_GRAMMAR_H
#define FWD_GRAMMAR_H

#include <stdbool.h>
#include <stddef.h>

#include "catalog.h"
#include "diag.h"
#include "rule.h"

/*
 * The one parser of the rule grammar (fwd.rules(5)): rule files, `fwctl add`
 * arguments, the store and the fuzzer all go through init / feed / finish.
 *
 *     struct parser *p = parser_new("site.rules", catalog, 0);
 *     while (getline(...)) parser_feed_line(p, line, len);
 *     if (parser_finish(p, &ruleset, &diags) < 0) -> print every diag
 *
 * Every error of the input is reported, each with file:line:col, and a
 * parse with any error yields no rules at all.
 */
struct parser;

/* flags */
#define PARSER_RULES_ONLY 0x1u  /* refuse `policy` lines (fwctl add) */
#define PARSER_NO_NAMES   0x2u  /* don't resolve user/group names (tests) */

/* catalog may be NULL: then every `service` is unknown */
struct parser *parser_new(const char *filename, const struct catalog *cat,
			  unsigned flags);
/* one line, without its newline; may contain NUL-free arbitrary bytes */
void parser_feed_line(struct parser *p, const char *line, size_t len);
/* feeds a whole buffer, split on '\n' */
void parser_feed(struct parser *p, const char *buf, size_t len);
/*
 * Ends the parse and frees p. On success moves the rules into out (which
 * must be ruleset_init'ed) and returns 0; on any error returns -1, leaves out
 * untouched and appends every error to diags.
 */
int parser_finish(struct parser *p, struct ruleset *out, struct diag_list *diags);

/* convenience: parse a single rule line (PARSER_RULES_ONLY); NULL on error */
struct rule *parse_rule_text(const char *text, const char *filename,
			     const struct catalog *cat, unsigned flags,
			     struct diag_list *diags);

/*
 * Closest keyword of the grammar to word by edit distance, or NULL when
 * nothing is close; drives "did you mean".
 */
const char *grammar_suggest_keyword(const char *word);

#endif
