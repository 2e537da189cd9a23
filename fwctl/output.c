/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one printer of fwctl (after iproute2's json_print). JSON is built in
 * memory and written whole at the end, so stdout carries exactly one
 * document or nothing; text is written as it comes so streams show live.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

#define OUT_MAX_DEPTH 8

struct out_level {
	bool obj;               /* object, else array */
	bool first;             /* nothing written in it yet */
};

static struct {
	bool json;
	struct strbuf buf;
	struct out_level stack[OUT_MAX_DEPTH];
	int depth;
	/* the text table being collected */
	const char *const *headers;
	size_t ncols, nrows, cap;
	char **cells;
} out;

void out_init(bool json)
{
	out.json = json;
}

bool out_json(void)
{
	return out.json;
}

/* ---- JSON encoding ---- */

/* length of a valid UTF-8 sequence at s, 0 when it is not one */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	/* no overlong forms, no surrogates, nothing past U+10FFFF */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* bytes that are not UTF-8 become U+FFFD: JSON text must be Unicode */
static void json_string(struct strbuf *sb, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	sb_putc(sb, '"');
	while (*s) {
		if (*s == '"' || *s == '\\') {
			sb_putc(sb, '\\');
			sb_putc(sb, (char)*s++);
		} else if (*s < 0x20 || *s == 0x7f) {
			sb_printf(sb, "\\u%04x", *s++);
		} else if (*s < 0x80) {
			sb_putc(sb, (char)*s++);
		} else if ((n = utf8_len(s)) > 0) {
			sb_add(sb, (const char *)s, n);
			s += n;
		} else {
			sb_puts(sb, "\\ufffd");
			s++;
		}
	}
	sb_putc(sb, '"');
}

static void json_value(struct strbuf *sb, const struct field *f)
{
	if (f->type == FIELD_STR)
		json_string(sb, f->str);
	else if (f->type == FIELD_INT)
		sb_printf(sb, "%" PRId64, f->num);
	else
		sb_puts(sb, f->num ? "true" : "false");
}

static void json_member(struct strbuf *sb, const struct field *f, bool *first)
{
	if (!*first)
		sb_putc(sb, ',');
	*first = false;
	json_string(sb, f->key);
	sb_putc(sb, ':');
	json_value(sb, f);
}

static void json_object(struct strbuf *sb, const struct message *m, const char *first)
{
	const struct field *lead = first ? msg_get(m, first) : NULL;
	bool none = true;
	size_t i;

	sb_putc(sb, '{');
	if (lead)
		json_member(sb, lead, &none);
	for (i = 0; i < m->n; i++)
		if (&m->f[i] != lead)
			json_member(sb, &m->f[i], &none);
	sb_putc(sb, '}');
}

/* the comma, newline and key before a new value in the current container */
static void json_sep(const char *key)
{
	struct out_level *l;

	if (out.depth == 0)
		return;
	l = &out.stack[out.depth - 1];
	if (!l->obj)
		sb_puts(&out.buf, l->first ? "\n" : ",\n");
	else if (!l->first)
		sb_putc(&out.buf, ',');
	l->first = false;
	if (l->obj && key) {
		json_string(&out.buf, key);
		sb_putc(&out.buf, ':');
	}
}

static void json_open(const char *key, bool obj)
{
	json_sep(key);
	sb_putc(&out.buf, obj ? '{' : '[');
	if (out.depth < OUT_MAX_DEPTH)
		out.stack[out.depth++] = (struct out_level){ obj, true };
}

static void json_close(void)
{
	struct out_level *l;

	if (out.depth == 0)
		return;
	l = &out.stack[--out.depth];
	if (!l->obj && !l->first)
		sb_putc(&out.buf, '\n');
	sb_putc(&out.buf, l->obj ? '}' : ']');
	if (out.depth == 0)
		sb_putc(&out.buf, '\n');
}

/* ---- text ---- */

/*
 * Text from the daemon may hold anything a user put into a comment or an
 * app path: control bytes (and C1 controls in UTF-8) would drive the
 * terminal, so they print as '?'.
 */
static void text_safe(struct strbuf *sb, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	for (; *s; s++) {
		if (*s == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f) {
			sb_putc(sb, '?');
			s++;
		} else {
			sb_putc(sb, *s < 0x20 || *s == 0x7f ? '?' : (char)*s);
		}
	}
}

static void text_value(struct strbuf *sb, const struct field *f, bool words)
{
	if (f->type == FIELD_STR && words)
		text_safe(sb, f->str);
	else if (f->type == FIELD_STR)
		proto_put_quoted(sb, f->str);
	else if (f->type == FIELD_INT)
		sb_printf(sb, "%" PRId64, f->num);
	else if (words)
		sb_puts(sb, f->num ? "yes" : "no");
	else
		sb_puts(sb, f->num ? "true" : "false");
}

/* columns a terminal gives s: UTF-8 continuation bytes take none */
static size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

static void pad(size_t n)
{
	while (n--)
		sb_putc(&out.buf, ' ');
}

static void table_row(const char *const *row, const size_t *width)
{
	size_t c;

	for (c = 0; c < out.ncols; c++) {
		sb_puts(&out.buf, row[c]);
		if (c + 1 < out.ncols)
			pad(width[c] - text_width(row[c]) + 2);
	}
	sb_putc(&out.buf, '\n');
}

static void table_drop(void)
{
	size_t i;

	for (i = 0; i < out.nrows * out.ncols; i++)
		free(out.cells[i]);
	free(out.cells);
	out.cells = NULL;
	out.nrows = out.cap = out.ncols = 0;
	out.headers = NULL;
}

static void table_print(void)
{
	size_t *width = xcalloc(out.ncols, sizeof(*width)), r, c, w;

	for (c = 0; c < out.ncols; c++) {
		width[c] = out.headers ? text_width(out.headers[c]) : 0;
		for (r = 0; r < out.nrows; r++) {
			w = text_width(out.cells[r * out.ncols + c]);
			width[c] = w > width[c] ? w : width[c];
		}
	}
	if (out.headers)
		table_row(out.headers, width);
	for (r = 0; r < out.nrows; r++)
		table_row((const char *const *)&out.cells[r * out.ncols], width);
	free(width);
	table_drop();
}

static void table_add(const char *const *cells)
{
	struct strbuf sb = STRBUF_INIT;
	size_t c;

	if (out.nrows == out.cap) {
		out.cap = out.cap ? out.cap * 2 : 16;
		out.cells = xrealloc(out.cells, out.cap * out.ncols * sizeof(*out.cells));
	}
	for (c = 0; c < out.ncols; c++) {
		text_safe(&sb, cells[c] ? cells[c] : "");
		out.cells[out.nrows * out.ncols + c] = sb_steal(&sb);
	}
	out.nrows++;
}

static void text_pairs(struct strbuf *sb, const struct message *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		sb_printf(sb, "%s%s=", i ? " " : "", m->f[i].key);
		text_value(sb, &m->f[i], false);
	}
	sb_putc(sb, '\n');
}

/* ---- the printer ---- */

void out_obj_begin(const char *key)
{
	if (out.json)
		json_open(key, true);
}

void out_obj_end(void)
{
	if (out.json)
		json_close();
}

void out_list_begin(const char *key, const char *const *headers, size_t ncols)
{
	if (out.json) {
		json_open(key, false);
		return;
	}
	out.headers = headers;
	out.ncols = ncols;
}

void out_list_end(void)
{
	if (out.json)
		json_close();
	else if (out.ncols)
		table_print();
}

void out_item(const struct message *m, const char *first, const char *const *cells)
{
	if (out.json) {
		json_sep(NULL);
		json_object(&out.buf, m, first);
	} else if (cells && out.ncols) {
		table_add(cells);
	} else {
		text_pairs(&out.buf, m);
	}
}

void out_fields(const struct message *m)
{
	size_t i;

	if (!out.json)
		return;
	for (i = 0; i < m->n; i++) {
		json_sep(m->f[i].key);
		json_value(&out.buf, &m->f[i]);
	}
}

void out_field(const struct field *f, const char *label, int width)
{
	int n;

	if (out.json) {
		json_sep(f->key);
		json_value(&out.buf, f);
		return;
	}
	n = (int)text_width(label) + 1;
	sb_puts(&out.buf, label);
	sb_putc(&out.buf, ':');
	pad(width > n ? (size_t)(width - n) + 1 : 1);
	text_value(&out.buf, f, true);
	sb_putc(&out.buf, '\n');
}

void out_line(const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	if (out.json)
		return;
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	text_safe(&out.buf, sb_str(&sb));
	sb_putc(&out.buf, '\n');
	sb_free(&sb);
}

void out_event(const struct message *m)
{
	struct strbuf sb = STRBUF_INIT;

	if (!out.json) {
		text_pairs(&out.buf, m);
		out_flush();
		return;
	}
	/* a stream has no end to close a document at: one object per line */
	json_object(&sb, m, NULL);
	sb_putc(&sb, '\n');
	fwrite(sb.buf, 1, sb.len, stdout);
	fflush(stdout);
	sb_free(&sb);
}

void out_reset(void)
{
	sb_reset(&out.buf);
	out.depth = 0;
}

void out_flush(void)
{
	if (out.json || !out.buf.len)
		return;
	fwrite(out.buf.buf, 1, out.buf.len, stdout);
	fflush(stdout);
	sb_reset(&out.buf);
}

int out_finish(bool ok)
{
	int rc = 0;

	/* a failed listing shows no table, not even its header */
	if (!out.json && out.ncols && ok)
		table_print();
	table_drop();
	if (ok || !out.json)
		fwrite(sb_str(&out.buf), 1, out.buf.len, stdout);
	/* a JSON document ends its line, like every other output */
	if (ok && out.json && out.buf.len && out.buf.buf[out.buf.len - 1] != '\n')
		putchar('\n');
	if (fflush(stdout) != 0 || ferror(stdout))
		rc = -1;
	sb_free(&out.buf);
	out.depth = 0;
	return rc;
}

void out_duration(struct strbuf *sb, int64_t seconds)
{
	static const struct { int64_t secs; char unit; } units[] = {
		{ 86400, 'd' }, { 3600, 'h' }, { 60, 'm' }, { 1, 's' },
	};
	size_t i;

	if (seconds <= 0) {
		sb_puts(sb, "0s");
		return;
	}
	for (i = 0; seconds < units[i].secs; i++)
		;
	sb_printf(sb, "%" PRId64 "%c", seconds / units[i].secs, units[i].unit);
	seconds %= units[i].secs;
	/* two units are enough to read: 9m59s, 2h5m, 1d3h */
	if (i + 1 < 4 && seconds / units[i + 1].secs > 0)
		sb_printf(sb, "%" PRId64 "%c", seconds / units[i + 1].secs,
			  units[i + 1].unit);
}
