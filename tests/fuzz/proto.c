/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control protocol decoder (libfwd/proto.c), which the daemon runs as
 * root on lines from any local user. Each input line is decoded both as a
 * request (proto_split) and as a response line (proto_parse_message), and
 * whatever is accepted must come back unchanged through the writers:
 * tokens through proto_put_token, fields through proto_str/int/bool, diag
 * lines through proto_get_diag and proto_put_diag.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "proto.h"
#include "strbuf.h"

/* the writers end a line with '\n'; the readers take it without */
static size_t line_len(const struct strbuf *sb)
{
	FUZZ_CHECK(sb->len > 0 && sb->buf[sb->len - 1] == '\n', "line without newline");
	return sb->len - 1;
}

static void check_request(const char *line, size_t len)
{
	char err[256] = "", err2[256] = "", **argv, **argv2;
	struct strbuf sb = STRBUF_INIT;
	int n, n2, i;

	n = proto_split(line, len, &argv, err, sizeof(err));
	if (n < 0) {
		FUZZ_CHECK(argv == NULL && err[0], "refused without a message or with argv");
		return;
	}
	FUZZ_CHECK(n <= (int)PROTO_MAX_ARGS && argv && argv[n] == NULL,
		   "%d tokens, argv not NULL-terminated", n);
	for (i = 0; i < n; i++) {
		if (i)
			sb_putc(&sb, ' ');
		proto_put_token(&sb, argv[i]);
	}
	n2 = proto_split(sb_str(&sb), sb.len, &argv2, err2, sizeof(err2));
	FUZZ_CHECK(n2 == n, "tokens written as [%s] split into %d, not %d: %s",
		   sb_str(&sb), n2, n, err2);
	for (i = 0; i < n; i++)
		FUZZ_CHECK(strcmp(argv[i], argv2[i]) == 0, "token %d changed: [%s] -> [%s]",
			   i, argv[i], argv2[i]);
	proto_free_args(argv, n);
	proto_free_args(argv2, n2);
	sb_free(&sb);
}

static void put_message(struct strbuf *sb, const struct message *m)
{
	size_t i;

	proto_begin(sb, m->kind);
	for (i = 0; i < m->n; i++) {
		const struct field *f = &m->f[i];

		if (f->type == FIELD_STR)
			proto_str(sb, f->key, f->str);
		else if (f->type == FIELD_INT)
			proto_int(sb, f->key, f->num);
		else
			proto_bool(sb, f->key, f->num != 0);
	}
	proto_end(sb);
}

static void check_same_message(const struct message *a, const struct message *b,
			       const char *text)
{
	size_t i;

	FUZZ_CHECK(strcmp(a->kind, b->kind) == 0 && a->n == b->n,
		   "kind or field count changed: [%s]", text);
	for (i = 0; i < a->n; i++) {
		const struct field *x = &a->f[i], *y = &b->f[i];

		FUZZ_CHECK(strcmp(x->key, y->key) == 0 && x->type == y->type,
			   "field %zu key/type changed: [%s]", i, text);
		if (x->type == FIELD_STR)
			FUZZ_CHECK(strcmp(x->str, y->str) == 0, "field %s changed: [%s]",
				   x->key, text);
		else
			FUZZ_CHECK(x->num == y->num, "field %s: %lld -> %lld: [%s]", x->key,
				   (long long)x->num, (long long)y->num, text);
		FUZZ_CHECK(msg_get(b, x->key) == y, "msg_get(%s) finds another field", x->key);
	}
}

/* a diag line, read and written back, reads the same the second time */
static void check_diag(const struct message *m)
{
	struct diag_list dl = { 0 };
	struct strbuf sb = STRBUF_INIT, sb2 = STRBUF_INIT, txt = STRBUF_INIT;
	struct message m2;
	char err[256] = "";

	proto_get_diag(m, &dl);
	FUZZ_CHECK(dl.n == 1, "proto_get_diag added %zu diags", dl.n);
	diag_format(&dl.v[0], &txt);
	proto_put_diag(&sb, &dl.v[0]);
	FUZZ_CHECK(sb.len <= PROTO_MAX_LINE, "diag line of %zu bytes", sb.len);
	FUZZ_CHECK(proto_parse_message(sb.buf, line_len(&sb), &m2, err, sizeof(err)) == 0,
		   "proto_put_diag wrote a line the reader refuses: %s [%s]", err, sb.buf);
	proto_get_diag(&m2, &dl);
	proto_put_diag(&sb2, &dl.v[1]);
	FUZZ_CHECK(strcmp(sb.buf, sb2.buf) == 0, "diag not stable:\n[%s]\n[%s]",
		   sb.buf, sb2.buf);
	proto_message_free(&m2);
	diag_list_free(&dl);
	sb_free(&sb);
	sb_free(&sb2);
	sb_free(&txt);
}

static void check_response(const char *line, size_t len)
{
	struct strbuf sb = STRBUF_INIT, sb2 = STRBUF_INIT;
	struct message m, m2;
	char err[256] = "", err2[256] = "";

	if (proto_parse_message(line, len, &m, err, sizeof(err)) < 0) {
		FUZZ_CHECK(m.kind == NULL && m.n == 0 && m.f == NULL && err[0],
			   "refused without a message or with fields left");
		return;
	}
	FUZZ_CHECK(m.kind && m.n <= PROTO_MAX_ARGS, "no kind or %zu fields", m.n);
	put_message(&sb, &m);
	FUZZ_CHECK(proto_parse_message(sb.buf, line_len(&sb), &m2, err2, sizeof(err2)) == 0,
		   "the writers wrote a line the reader refuses: %s [%s]", err2, sb.buf);
	check_same_message(&m, &m2, sb.buf);
	put_message(&sb2, &m2);
	FUZZ_CHECK(strcmp(sb.buf, sb2.buf) == 0, "message not stable:\n[%s]\n[%s]",
		   sb.buf, sb2.buf);
	/* the getters with defaults, as clients use them */
	msg_str(&m, "msg", NULL);
	msg_int(&m, "code", 0);
	msg_bool(&m, "enabled", false);
	if (strcmp(m.kind, "diag") == 0)
		check_diag(&m);
	proto_message_free(&m);
	proto_message_free(&m2);
	sb_free(&sb);
	sb_free(&sb2);
}

static void check_line(const char *line, size_t len)
{
	check_request(line, len);
	check_response(line, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *nl;
	char *copy;
	size_t len;

	/* the whole input as one line: NUL and '\n' bytes must be refused */
	check_line(s, size);
	if (!memchr(s, '\n', size))
		return 0;
	/* then line by line, as the daemon and the client frame them, each in
	 * a block of its own size so that ASan sees a read past the line */
	for (; size; s = nl + 1, size -= len + 1) {
		nl = memchr(s, '\n', size);
		len = nl ? (size_t)(nl - s) : size;
		copy = xmalloc(len ? len : 1);
		memcpy(copy, s, len);
		check_line(copy, len);
		free(copy);
		if (!nl)
			break;
	}
	return 0;
}
