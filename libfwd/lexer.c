/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lexer.h"
#include "strbuf.h"

#define QUOTE_MAX 48    /* a message quotes at most this much of a word */

static int is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static int is_control(unsigned char c)
{
	return (c < 0x20 && !is_blank(c)) || c == 0x7f;
}

static void lex_fail(struct lex_error *err, size_t at, size_t len,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void lex_fail(struct lex_error *err, size_t at, size_t len,
		     const char *fmt, ...)
{
	va_list ap;

	err->col = (int)at + 1;
	err->len = len ? (int)len : 1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

static void token_push(struct token_list *tl, enum tok_kind kind, size_t at,
		       size_t len, char *text)
{
	struct token *t;

	if (tl->n == tl->cap) {
		tl->cap = tl->cap ? tl->cap * 2 : 16;
		tl->v = xrealloc(tl->v, tl->cap * sizeof(*tl->v));
	}
	t = &tl->v[tl->n++];
	t->kind = kind;
	t->col = (int)at + 1;
	t->len = (int)len;
	t->text = text;
}

/* a "string" starting at line[at]; returns its end (after the quote) or 0 */
static size_t lex_string(const char *line, size_t len, size_t at,
			 struct token_list *out, struct lex_error *err)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = at + 1; i < len && line[i] != '"'; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c == '\\') {
			if (i + 1 < len && (line[i + 1] == '"' || line[i + 1] == '\\')) {
				sb_putc(&sb, line[++i]);
				continue;
			}
			if (i + 1 < len && !is_control((unsigned char)line[i + 1]))
				lex_fail(err, i, 2, "unknown escape '\\%c' in a string (only \\\" and \\\\ are allowed)",
					 line[i + 1]);
			else
				lex_fail(err, i, 1, "lone '\\' in a string (write \\\\ for a backslash)");
			goto fail;
		}
		if (is_control(c)) {
			lex_fail(err, i, 1, "control character 0x%02x in a string", c);
			goto fail;
		}
		sb_putc(&sb, (char)c);
	}
	if (i >= len) {
		lex_fail(err, at, len - at, "unterminated string (the closing '\"' is missing)");
		goto fail;
	}
	token_push(out, TOK_STRING, at, i + 1 - at, sb_steal(&sb));
	return i + 1;
fail:
	sb_free(&sb);
	return 0;
}

int lex_line(const char *line, size_t len, struct token_list *out,
	     struct lex_error *err)
{
	size_t i = 0, start;

	while (i < len) {
		unsigned char c = (unsigned char)line[i];

		if (is_blank(c)) {
			i++;
		} else if (c == '#') {
			break;
		} else if (is_control(c)) {
			lex_fail(err, i, 1, "invalid character 0x%02x", c);
			return -1;
		} else if (c == '"') {
			i = lex_string(line, len, i, out, err);
			if (i == 0)
				return -1;
		} else {
			start = i;
			while (i < len && !is_blank((unsigned char)line[i]) &&
			       !is_control((unsigned char)line[i]) &&
			       line[i] != '#' && line[i] != '"')
				i++;
			token_push(out, TOK_WORD, start, i - start,
				   xstrndup(line + start, i - start));
		}
	}
	return 0;
}

void token_list_free(struct token_list *tl)
{
	size_t i;

	for (i = 0; i < tl->n; i++)
		free(tl->v[i].text);
	free(tl->v);
	tl->v = NULL;
	tl->n = tl->cap = 0;
}

/* one number 1..65535 at s[*i]; advances *i */
static int lex_port_number(const char *s, size_t *i, uint16_t *out,
			   struct lex_error *err)
{
	size_t start = *i, end;
	unsigned long v = 0;

	while (s[*i] >= '0' && s[*i] <= '9') {
		if (v <= 65535)
			v = v * 10 + (unsigned long)(s[*i] - '0');
		(*i)++;
	}
	if (*i == start) {
		for (end = start; s[end] && s[end] != ','; end++)
			;
		lex_fail(err, start, end - start, "bad port '%.*s' (expected a number 1-65535)",
			 (int)(end - start > 32 ? 32 : end - start), s + start);
		return -1;
	}
	if (v < 1 || v > 65535) {
		lex_fail(err, start, *i - start, "port %.*s is out of range (1-65535)",
			 (int)(*i - start > 12 ? 12 : *i - start), s + start);
		return -1;
	}
	*out = (uint16_t)v;
	return 0;
}

static int lex_port_end(const char *s, size_t *i, struct port_range *pr,
			size_t start, struct lex_error *err)
{
	(*i)++;         /* the '-' */
	if (s[*i] == '\0' || s[*i] == ',') {
		lex_fail(err, start, *i - start, "port range '%u-' needs an end port", pr->lo);
		return -1;
	}
	if (lex_port_number(s, i, &pr->hi, err) < 0)
		return -1;
	if (pr->hi < pr->lo) {
		lex_fail(err, start, *i - start, "port range %u-%u is backwards (write %u-%u)",
			 pr->lo, pr->hi, pr->hi, pr->lo);
		return -1;
	}
	return 0;
}

/* one item N or N-M at s[*i] */
static int lex_port_item(const char *s, size_t *i, struct port_range *pr,
			 struct lex_error *err)
{
	size_t start = *i;

	if (s[*i] == '\0' && start > 0) {
		lex_fail(err, start - 1, 1, "trailing ',' in the port list");
		return -1;
	}
	if (s[*i] == ',' || s[*i] == '\0') {
		lex_fail(err, start, 1, "empty item in the port list");
		return -1;
	}
	if (lex_port_number(s, i, &pr->lo, err) < 0)
		return -1;
	pr->hi = pr->lo;
	if (s[*i] == '-' && lex_port_end(s, i, pr, start, err) < 0)
		return -1;
	if (s[*i] != ',' && s[*i] != '\0') {
		lex_fail(err, *i, 1, "unexpected '%c' in the port list (write N, N-M or N,M,...)",
			 s[*i] >= 0x20 && s[*i] < 0x7f ? s[*i] : '?');
		return -1;
	}
	return 0;
}

int lex_ports(const char *s, struct port_range **out, size_t *n,
	      struct lex_error *err)
{
	struct port_range *v = NULL;
	size_t nv = 0, i = 0;

	for (;;) {
		v = xrealloc(v, (nv + 1) * sizeof(*v));
		if (lex_port_item(s, &i, &v[nv], err) < 0) {
			free(v);
			return -1;
		}
		nv++;
		if (s[i] == '\0')
			break;
		i++;            /* the comma */
	}
	*out = v;
	*n = nv;
	return 0;
}

void lex_quote(struct strbuf *sb, const char *s)
{
	size_t i;

	sb_putc(sb, '\'');
	for (i = 0; s[i] && i < QUOTE_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			sb_printf(sb, "\\x%02x", c);
		else
			sb_putc(sb, (char)c);
	}
	if (s[i])
		sb_puts(sb, "...");
	sb_putc(sb, '\'');
}
