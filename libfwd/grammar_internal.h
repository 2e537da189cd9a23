/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the grammar's two files share: the parser, the line being parsed,
 * and the small helpers that report errors on it. grammar.c holds the
 * structure of a line (head, clause table, checks across clauses,
 * expansion, the parser_* API); grammar_values.c the values of clauses.
 */
#ifndef LIBFWD_GRAMMAR_INTERNAL_H
#define LIBFWD_GRAMMAR_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "grammar.h"
#include "keywords.h"
#include "lexer.h"
#include "strbuf.h"

#define RATE_MAX 1000000u
#define NQUOTE 4
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

_Static_assert(KW_MAX <= 64, "struct line.seen has one bit per keyword");

struct parser {
	char *file;
	const struct catalog *cat;
	unsigned flags;
	int lineno;
	int policy_line[2];     /* where each direction's policy was set */
	bool gave_up;
	struct ruleset rs;
	struct diag_list diags;
};

/* the state of one line being parsed */
struct line {
	struct parser *p;
	char *src;                      /* the line as shown in diags */
	struct token_list toks;
	size_t pos;
	size_t nerr;                    /* diags before this line */
	struct rule *r;
	uint64_t seen;                  /* KWBIT of every clause given */
	enum kw last;                   /* the clause before the current one */
	const struct token *key[KW_MAX], *val[KW_MAX];
	struct strbuf quote[NQUOTE];    /* scratch for quoted words in messages */
	int nquote;
};

void grammar_line_verr(struct line *l, int col, int len, const char *fmt, va_list ap);

static inline void __attribute__((format(printf, 3, 4)))
tok_err(struct line *l, const struct token *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	grammar_line_verr(l, t->col, t->len, fmt, ap);
	va_end(ap);
}

static inline void __attribute__((format(printf, 4, 5)))
at_err(struct line *l, int col, int len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	grammar_line_verr(l, col, len, fmt, ap);
	va_end(ap);
}

/* 'word', made safe and short for a message; valid until the line ends */
static inline const char *q(struct line *l, const char *s)
{
	struct strbuf *sb = &l->quote[l->nquote++ % NQUOTE];

	sb_reset(sb);
	lex_quote(sb, s);
	return sb_str(sb);
}

/* " (did you mean 'x'?)" among keywords of the classes, or "" */
static inline const char *kw_hint(struct line *l, const char *word, unsigned classes)
{
	struct strbuf *sb = &l->quote[l->nquote++ % NQUOTE];

	sb_reset(sb);
	keyword_hint(word, classes, sb);
	return sb_str(sb);
}

static inline bool tok_is(const struct token *t, unsigned classes)
{
	return t && t->kind == TOK_WORD && keyword_is(t->text, classes);
}

static inline enum kw tok_kw(const struct token *t)
{
	const struct keyword *k;

	if (!t || t->kind != TOK_WORD)
		return KW_NONE;
	k = keyword_lookup(t->text, strlen(t->text));
	return k ? k->kw : KW_NONE;
}

/* the values of clauses (grammar_values.c): each parses token v into l->r */
void grammar_parse_app(struct line *l, const struct token *v);
void grammar_parse_comment(struct line *l, const struct token *v);
void grammar_parse_for(struct line *l, const struct token *v);
void grammar_parse_from(struct line *l, const struct token *v);
void grammar_parse_group(struct line *l, const struct token *v);
void grammar_parse_iface(struct line *l, const struct token *v);
void grammar_parse_log(struct line *l, const struct token *v);
void grammar_parse_port(struct line *l, const struct token *v);
void grammar_parse_proto(struct line *l, const struct token *v);
void grammar_parse_service(struct line *l, const struct token *v);
void grammar_parse_to(struct line *l, const struct token *v);
void grammar_parse_unit(struct line *l, const struct token *v);
void grammar_parse_user(struct line *l, const struct token *v);
/* N/second, N/minute or N/hour into l->r->rate; -1 when reported */
int grammar_parse_rate_text(struct line *l, const struct token *v);

#endif
