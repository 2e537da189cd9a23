/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_STRBUF_H
#define FWD_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* A growable byte buffer, always NUL-terminated. Allocation failure aborts. */
struct strbuf {
	char *buf;
	size_t len, cap;
};

#define STRBUF_INIT { NULL, 0, 0 }

void sb_add(struct strbuf *sb, const char *data, size_t len);
void sb_puts(struct strbuf *sb, const char *s);
void sb_putc(struct strbuf *sb, char c);
void sb_printf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap);
void sb_consume(struct strbuf *sb, size_t n);   /* drop the first n bytes */
void sb_reset(struct strbuf *sb);               /* len = 0, keeps memory */
char *sb_steal(struct strbuf *sb);              /* caller frees; sb reset */
void sb_free(struct strbuf *sb);
/* appends the whole file at path; -1 with errno set when it cannot be read */
int sb_read_file(struct strbuf *sb, const char *path);
/* "" when empty, never NULL */
const char *sb_str(const struct strbuf *sb);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
