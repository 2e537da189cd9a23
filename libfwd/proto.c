/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The codec of the control protocol (doc/protocol.md). The daemon runs it
 * as root on lines from any local user, so every path is bounded by the
 * line length and counts, and every malformed input ends in a message, never
 * in a guess.
 *
 * Decisions the document leaves open, made here:
 * - Tokens are separated by one or more spaces; a tab or CR is a control byte
 *   and refused like any other.
 * - A request token may join bare and quoted parts, shell-like:
 *   rule="allow in" and "rule=allow in" are the same token. That is what
 *   lets key="value" arguments read as in the document.
 * - \x00 is refused: tokens and strings are C strings.
 * - In response lines, fields are key=value only; a duplicate key, an empty
 *   value (key=) or more than PROTO_MAX_ARGS fields make the line malformed.
 * - Integers outside int64_t are malformed, not clamped.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

/* diag fields are cut to these so a diag line always fits PROTO_MAX_LINE */
#define DIAG_FILE_MAX   1024u
#define DIAG_TEXT_MAX   4096u

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static bool is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

static bool is_bare(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c && strchr("_./:,=+@%-", c));
}

/* keys of fields and the kind of a line */
static bool is_name(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static bool bare_word(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_bare((unsigned char)s[i]))
			return false;
	return n > 0;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* a byte from the peer, safe to put into a message that gets logged */
static const char *show_byte(unsigned char c, char *buf, size_t len)
{
	if (c > 0x20 && c < 0x7f)
		snprintf(buf, len, "'%c'", c);
	else
		snprintf(buf, len, "byte 0x%02x", c);
	return buf;
}

/* hint: what to do about a byte that is fine inside quotes */
static int bad_byte(unsigned char c, size_t at, const char *hint,
		    char *err, size_t errlen)
{
	char b[16];

	if (c == 0)
		return fail(err, errlen, "NUL byte at column %zu", at + 1);
	if (is_ctl(c))
		return fail(err, errlen, "control byte 0x%02x at column %zu "
			    "(write it as \\x%02x inside quotes)", c, at + 1, c);
	return fail(err, errlen, "unexpected %s at column %zu%s",
		    show_byte(c, b, sizeof(b)), at + 1, hint);
}

/* *pos is at the backslash; leaves it past the escape */
static int parse_escape(const char *s, size_t len, size_t *pos,
			struct strbuf *out, char *err, size_t errlen)
{
	size_t i = *pos;
	char b[16];
	int hi, lo;

	if (i + 1 >= len)
		return fail(err, errlen, "unterminated quoted string");
	switch (s[i + 1]) {
	case '"':  sb_putc(out, '"');  break;
	case '\\': sb_putc(out, '\\'); break;
	case 'n':  sb_putc(out, '\n'); break;
	case 't':  sb_putc(out, '\t'); break;
	case 'x':
		hi = i + 2 < len ? hexval((unsigned char)s[i + 2]) : -1;
		lo = i + 3 < len ? hexval((unsigned char)s[i + 3]) : -1;
		if (hi < 0 || lo < 0)
			return fail(err, errlen, "bad escape at column %zu: \\x "
				    "needs two hex digits", i + 1);
		if (hi == 0 && lo == 0)
			return fail(err, errlen, "\\x00 at column %zu: NUL is not "
				    "allowed in strings", i + 1);
		sb_putc(out, (char)(hi << 4 | lo));
		*pos = i + 4;
		return 0;
	default:
		return fail(err, errlen, "bad escape at column %zu: backslash "
			    "before %s (use \\\" \\\\ \\n \\t or \\xHH)", i + 1,
			    show_byte((unsigned char)s[i + 1], b, sizeof(b)));
	}
	*pos = i + 2;
	return 0;
}

/* *pos is at the opening quote; leaves it past the closing one */
static int parse_quoted(const char *s, size_t len, size_t *pos,
			struct strbuf *out, char *err, size_t errlen)
{
	size_t start = *pos, i = *pos + 1;
	unsigned char c;

	while (i < len) {
		c = (unsigned char)s[i];
		if (c == '"') {
			*pos = i + 1;
			return 0;
		}
		if (c == '\\') {
			if (parse_escape(s, len, &i, out, err, errlen) < 0)
				return -1;
			continue;
		}
		if (is_ctl(c))
			return bad_byte(c, i, "", err, errlen);
		sb_putc(out, (char)c);
		i++;
	}
	return fail(err, errlen, "unterminated quoted string starting at column %zu",
		    start + 1);
}

/* one token of a request: bare and quoted parts up to a space */
static int read_token(const char *s, size_t len, size_t *pos,
		      struct strbuf *tok, char *err, size_t errlen)
{
	size_t i = *pos;
	unsigned char c;

	while (i < len && s[i] != ' ') {
		c = (unsigned char)s[i];
		if (c == '"') {
			if (parse_quoted(s, len, &i, tok, err, errlen) < 0)
				return -1;
			continue;
		}
		if (!is_bare(c))
			return bad_byte(c, i, " (quote the argument)", err, errlen);
		sb_putc(tok, (char)c);
		i++;
	}
	*pos = i;
	return 0;
}

int proto_split(const char *line, size_t len, char ***argv, char *err, size_t errlen)
{
	struct strbuf tok = STRBUF_INIT;
	char **v = NULL;
	size_t i = 0;
	int n = 0, rc = -1;

	*argv = NULL;
	if (len > PROTO_MAX_LINE) {
		fail(err, errlen, "line longer than %u bytes", PROTO_MAX_LINE);
		goto out;
	}
	v = xcalloc(PROTO_MAX_ARGS + 1, sizeof(*v));
	for (;;) {
		while (i < len && line[i] == ' ')
			i++;
		if (i == len)
			break;
		if ((unsigned)n == PROTO_MAX_ARGS) {
			fail(err, errlen, "more than %u arguments", PROTO_MAX_ARGS);
			goto out;
		}
		sb_reset(&tok);
		if (read_token(line, len, &i, &tok, err, errlen) < 0)
			goto out;
		v[n++] = xstrndup(sb_str(&tok), tok.len);
	}
	*argv = v;
	v = NULL;
	rc = n;
out:
	proto_free_args(v, n);
	sb_free(&tok);
	return rc;
}

void proto_free_args(char **argv, int argc)
{
	int i;

	if (!argv)
		return;
	for (i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}

static void put_quoted_n(struct strbuf *sb, const char *s, size_t n)
{
	size_t i;
	unsigned char c;

	sb_putc(sb, '"');
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			sb_putc(sb, '\\');
			sb_putc(sb, (char)c);
		} else if (c == '\n') {
			sb_puts(sb, "\\n");
		} else if (c == '\t') {
			sb_puts(sb, "\\t");
		} else if (is_ctl(c)) {
			sb_printf(sb, "\\x%02x", c);
		} else {
			sb_putc(sb, (char)c);
		}
	}
	sb_putc(sb, '"');
}

void proto_put_quoted(struct strbuf *sb, const char *s)
{
	if (!s)
		s = "";
	put_quoted_n(sb, s, strlen(s));
}

void proto_put_token(struct strbuf *sb, const char *s)
{
	const char *eq;

	if (!s)
		s = "";
	if (bare_word(s, strlen(s))) {
		sb_puts(sb, s);
		return;
	}
	/* key="value" reads as the document writes named arguments */
	eq = strchr(s, '=');
	if (eq && bare_word(s, (size_t)(eq - s))) {
		sb_add(sb, s, (size_t)(eq - s) + 1);
		proto_put_quoted(sb, eq + 1);
		return;
	}
	proto_put_quoted(sb, s);
}

/* ---- response lines ---- */

static int parse_int(const char *s, size_t len, size_t *pos, int64_t *out,
		     char *err, size_t errlen)
{
	size_t i = *pos;
	bool neg = false;
	uint64_t v = 0, limit = (uint64_t)INT64_MAX;

	if (s[i] == '-') {
		neg = true;
		limit += 1;
		i++;
	}
	if (i == len || s[i] < '0' || s[i] > '9')
		return fail(err, errlen, "bad number at column %zu", *pos + 1);
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (v > (limit - d) / 10)
			return fail(err, errlen, "number at column %zu is out of "
				    "range", *pos + 1);
		v = v * 10 + d;
	}
	/* -(2^63) does not fit a positive int64_t; negate in unsigned */
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	*pos = i;
	return 0;
}

static bool word_at(const char *s, size_t len, size_t i, const char *w)
{
	size_t n = strlen(w);

	return len - i >= n && memcmp(s + i, w, n) == 0 &&
	       (i + n == len || s[i + n] == ' ');
}

static int parse_value(const char *s, size_t len, size_t *pos, struct field *f,
		       struct strbuf *tmp, char *err, size_t errlen)
{
	size_t i = *pos;

	if (i == len || s[i] == ' ')
		return fail(err, errlen, "empty value for field '%s'", f->key);
	if (s[i] == '"') {
		sb_reset(tmp);
		if (parse_quoted(s, len, pos, tmp, err, errlen) < 0)
			return -1;
		f->type = FIELD_STR;
		f->str = xstrndup(sb_str(tmp), tmp->len);
		return 0;
	}
	if (word_at(s, len, i, "true") || word_at(s, len, i, "false")) {
		f->type = FIELD_BOOL;
		f->num = s[i] == 't';
		*pos = i + (f->num ? 4 : 5);
		return 0;
	}
	if (s[i] == '-' || (s[i] >= '0' && s[i] <= '9')) {
		f->type = FIELD_INT;
		return parse_int(s, len, pos, &f->num, err, errlen);
	}
	return fail(err, errlen, "bad value for field '%s' at column %zu (want "
		    "\"string\", integer, true or false)", f->key, i + 1);
}

static int parse_field(const char *s, size_t len, size_t *pos, struct message *m,
		       struct strbuf *tmp, char *err, size_t errlen)
{
	struct field *f = &m->f[m->n];
	size_t i = *pos, k;
	char b[16];

	for (k = i; k < len && is_name((unsigned char)s[k]); k++)
		;
	if (k == i)
		return bad_byte((unsigned char)s[i], i, " (want key=value)",
				err, errlen);
	if (k == len || s[k] != '=')
		return fail(err, errlen, "expected '=' after '%.*s' at column %zu",
			    (int)(k - i), s + i, k + 1);
	memset(f, 0, sizeof(*f));
	f->key = xstrndup(s + i, k - i);
	m->n++;
	if (msg_get(m, f->key) != f)
		return fail(err, errlen, "duplicate field '%s'", f->key);
	*pos = k + 1;
	if (parse_value(s, len, pos, f, tmp, err, errlen) < 0)
		return -1;
	if (*pos < len && s[*pos] != ' ')
		return fail(err, errlen, "unexpected %s after the value of '%s' "
			    "at column %zu", show_byte((unsigned char)s[*pos], b,
			    sizeof(b)), f->key, *pos + 1);
	return 0;
}

static int parse_fields(const char *line, size_t len, size_t i, struct message *m,
			char *err, size_t errlen)
{
	struct strbuf tmp = STRBUF_INIT;
	size_t cap = 0;
	int rc = -1;

	for (;;) {
		while (i < len && line[i] == ' ')
			i++;
		if (i == len)
			break;
		if (m->n == PROTO_MAX_ARGS) {
			fail(err, errlen, "more than %u fields", PROTO_MAX_ARGS);
			goto out;
		}
		if (m->n == cap) {
			cap = cap ? cap * 2 : 16;
			m->f = xrealloc(m->f, cap * sizeof(*m->f));
		}
		if (parse_field(line, len, &i, m, &tmp, err, errlen) < 0)
			goto out;
	}
	rc = 0;
out:
	sb_free(&tmp);
	return rc;
}

int proto_parse_message(const char *line, size_t len, struct message *m,
			char *err, size_t errlen)
{
	size_t i = 0, k;

	memset(m, 0, sizeof(*m));
	if (len > PROTO_MAX_LINE)
		return fail(err, errlen, "line longer than %u bytes", PROTO_MAX_LINE);
	while (i < len && line[i] == ' ')
		i++;
	for (k = i; k < len && is_name((unsigned char)line[k]); k++)
		;
	if (k == i)
		return i == len ? fail(err, errlen, "empty line") :
				  bad_byte((unsigned char)line[i], i, "", err, errlen);
	if (k < len && line[k] != ' ')
		return bad_byte((unsigned char)line[k], k, "", err, errlen);
	m->kind = xstrndup(line + i, k - i);
	if (parse_fields(line, len, k, m, err, errlen) < 0) {
		proto_message_free(m);
		return -1;
	}
	return 0;
}

void proto_message_free(struct message *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->n; i++) {
		free(m->f[i].key);
		free(m->f[i].str);
	}
	free(m->f);
	free(m->kind);
	memset(m, 0, sizeof(*m));
}

const struct field *msg_get(const struct message *m, const char *key)
{
	size_t i;

	if (!m)
		return NULL;
	for (i = 0; i < m->n; i++)
		if (strcmp(m->f[i].key, key) == 0)
			return &m->f[i];
	return NULL;
}

const char *msg_str(const struct message *m, const char *key, const char *def)
{
	const struct field *f = msg_get(m, key);

	return f && f->type == FIELD_STR ? f->str : def;
}

int64_t msg_int(const struct message *m, const char *key, int64_t def)
{
	const struct field *f = msg_get(m, key);

	return f && f->type == FIELD_INT ? f->num : def;
}

bool msg_bool(const struct message *m, const char *key, bool def)
{
	const struct field *f = msg_get(m, key);

	return f && f->type == FIELD_BOOL ? f->num != 0 : def;
}

/* ---- writers ---- */

void proto_begin(struct strbuf *sb, const char *kind)
{
	sb_puts(sb, kind);
}

void proto_str(struct strbuf *sb, const char *key, const char *val)
{
	sb_printf(sb, " %s=", key);
	proto_put_quoted(sb, val);
}

void proto_int(struct strbuf *sb, const char *key, int64_t val)
{
	sb_printf(sb, " %s=%" PRId64, key, val);
}

void proto_bool(struct strbuf *sb, const char *key, bool val)
{
	sb_printf(sb, " %s=%s", key, val ? "true" : "false");
}

void proto_end(struct strbuf *sb)
{
	sb_putc(sb, '\n');
}

/* at most max bytes of s, not cutting a UTF-8 sequence in two */
static void put_str_cut(struct strbuf *sb, const char *key, const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	sb_printf(sb, " %s=", key);
	put_quoted_n(sb, s, n);
}

void proto_put_diag(struct strbuf *sb, const struct diag *d)
{
	proto_begin(sb, "diag");
	put_str_cut(sb, "file", d->file ? d->file : "", DIAG_FILE_MAX);
	proto_int(sb, "line", d->line);
	proto_int(sb, "col", d->col);
	proto_int(sb, "len", d->len);
	put_str_cut(sb, "msg", d->msg ? d->msg : "", DIAG_TEXT_MAX);
	if (d->src)
		put_str_cut(sb, "src", d->src, DIAG_TEXT_MAX);
	proto_end(sb);
}

/*
 * The peer's numbers stay within what a body can hold (line) and what a
 * line can hold (col, len), so a bogus diag cannot make the caret printer
 * write gigabytes of spaces.
 */
static int clamp(int64_t v, int64_t lo, int64_t hi)
{
	return (int)(v < lo ? lo : v > hi ? hi : v);
}

void proto_get_diag(const struct message *m, struct diag_list *dl)
{
	diag_add(dl, msg_str(m, "file", NULL),
		 clamp(msg_int(m, "line", 0), 0, PROTO_MAX_BODY),
		 clamp(msg_int(m, "col", 0), 0, PROTO_MAX_LINE),
		 clamp(msg_int(m, "len", 1), 1, PROTO_MAX_LINE),
		 msg_str(m, "src", NULL), "%s", msg_str(m, "msg", ""));
}
