/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Errors with a place, printed the gcc/nftables way (nftables src/erec.c):
 * location, message, the source line, and a caret under the culprit.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

void diag_add(struct diag_list *dl, const char *file, int line, int col,
	      int len, const char *src, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	struct diag *d;
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(&msg, fmt, ap);
	va_end(ap);
	if (dl->n == dl->cap) {
		dl->cap = dl->cap ? dl->cap * 2 : 8;
		dl->v = xrealloc(dl->v, dl->cap * sizeof(*dl->v));
	}
	d = &dl->v[dl->n++];
	d->file = xstrdup(file ? file : "<input>");
	d->line = line > 0 ? line : 0;
	d->col = d->line && col > 0 ? col : 0;
	d->len = len > 0 ? len : 1;
	d->msg = sb_steal(&msg);
	d->src = src ? xstrdup(src) : NULL;
}

void diag_list_free(struct diag_list *dl)
{
	size_t i;

	for (i = 0; i < dl->n; i++) {
		free(dl->v[i].file);
		free(dl->v[i].msg);
		free(dl->v[i].src);
	}
	free(dl->v);
	dl->v = NULL;
	dl->n = dl->cap = 0;
}

/* UTF-8 continuation bytes take no column on a terminal */
static bool diag_is_cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

/* the source line, with control bytes shown as '?' so a terminal stays sane */
static void diag_put_src(const char *src, struct strbuf *out)
{
	const unsigned char *s = (const unsigned char *)src;

	for (; *s; s++)
		sb_putc(out, *s == '\t' || (*s >= 0x20 && *s != 0x7f) ? (char)*s : '?');
	sb_putc(out, '\n');
}

/* spaces (tabs where the source has them) up to col, then ^~~~ */
static void diag_put_caret(const struct diag *d, struct strbuf *out)
{
	const unsigned char *s = (const unsigned char *)d->src;
	size_t slen = strlen(d->src), i, end = (size_t)d->col - 1 + (size_t)d->len;
	bool first = true;

	for (i = 0; i + 1 < (size_t)d->col; i++) {
		if (i < slen && s[i] == '\t')
			sb_putc(out, '\t');
		else if (i >= slen || !diag_is_cont(s[i]))
			sb_putc(out, ' ');
	}
	for (; i < end; i++) {
		if (i < slen && diag_is_cont(s[i]))
			continue;
		sb_putc(out, first ? '^' : '~');
		first = false;
	}
	if (first)
		sb_putc(out, '^');
	sb_putc(out, '\n');
}

void diag_format(const struct diag *d, struct strbuf *out)
{
	if (d->line == 0) {
		sb_printf(out, "%s: error: %s\n", d->file, d->msg);
		return;
	}
	if (d->col == 0) {
		sb_printf(out, "%s:%d: error: %s\n", d->file, d->line, d->msg);
		return;
	}
	sb_printf(out, "%s:%d:%d: error: %s\n", d->file, d->line, d->col, d->msg);
	if (!d->src)
		return;
	diag_put_src(d->src, out);
	diag_put_caret(d, out);
}
