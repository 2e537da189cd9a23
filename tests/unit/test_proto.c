/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The protocol codec: tables of good and bad lines, round trips through the
 * writers for every byte, the limits, and random input that must never crash
 * and, when accepted, must survive a write/parse round trip.
 */
#include <inttypes.h>
#include <stdint.h>

#include "client.h"
#include "proto.h"
#include "testlib.h"

/* ---- proto_split ---- */

struct split_case {
	const char *line;
	size_t len;             /* 0: strlen(line) */
	int argc;               /* -1: must be refused */
	const char *argv[6];
	const char *err;        /* a substring of the message when refused */
};

static const struct split_case split_cases[] = {
	{ "fwd1 status", 0, 2, { "fwd1", "status" }, NULL },
	{ "  fwd1   list  ", 0, 2, { "fwd1", "list" }, NULL },
	{ "", 0, 0, { NULL }, NULL },
	{ "   ", 0, 0, { NULL }, NULL },
	{ "fwd1 add rule=\"allow in port 22\"", 0, 3,
	  { "fwd1", "add", "rule=allow in port 22" }, NULL },
	{ "\"rule=allow in\"", 0, 1, { "rule=allow in" }, NULL },
	{ "\"\"", 0, 1, { "" }, NULL },
	{ "\"a\"\"b\"c", 0, 1, { "abc" }, NULL },
	{ "\"\\\"\\\\\\n\\t\\x41\\xfF\"", 0, 1, { "\"\\\n\tA\xff" }, NULL },
	{ "a/b.c:d,e=f+g@h%i-j_K9", 0, 1, { "a/b.c:d,e=f+g@h%i-j_K9" }, NULL },
	{ "\"h\xc3\xa9llo w\"", 0, 1, { "h\xc3\xa9llo w" }, NULL },
	{ "size=12 name=\"<stdin>\"", 0, 2, { "size=12", "name=<stdin>" }, NULL },
	{ "\"abc", 0, -1, { NULL }, "unterminated" },
	{ "\"abc\\", 0, -1, { NULL }, "unterminated" },
	{ "\"a\\qb\"", 0, -1, { NULL }, "bad escape" },
	{ "\"a\\x4\"", 0, -1, { NULL }, "two hex digits" },
	{ "\"a\\x4g\"", 0, -1, { NULL }, "two hex digits" },
	{ "\"a\\x00\"", 0, -1, { NULL }, "NUL" },
	{ "a\x01" "b", 0, -1, { NULL }, "control byte 0x01" },
	{ "\"a\tb\"", 0, -1, { NULL }, "control byte 0x09" },
	{ "a\tb", 0, -1, { NULL }, "control byte 0x09" },
	{ "fwd1 status\r", 0, -1, { NULL }, "control byte 0x0d" },
	{ "\"a\x7f\"", 0, -1, { NULL }, "control byte 0x7f" },
	{ "a b\0c", 5, -1, { NULL }, "NUL byte at column 4" },
	{ "a;b", 0, -1, { NULL }, "unexpected ';' at column 2" },
	{ "h\xc3\xa9llo", 0, -1, { NULL }, "byte 0xc3" },
	{ "a\\b", 0, -1, { NULL }, "unexpected '\\'" },
	{ "it's", 0, -1, { NULL }, "unexpected" },
};

static void test_split_table(void)
{
	size_t i;
	int j, n;

	for (i = 0; i < sizeof(split_cases) / sizeof(split_cases[0]); i++) {
		const struct split_case *c = &split_cases[i];
		size_t len = c->len ? c->len : strlen(c->line);
		char err[256] = "", **argv = NULL;

		n = proto_split(c->line, len, &argv, err, sizeof(err));
		CHECK(n == c->argc, "case %zu '%s': got %d tokens (%s), want %d",
		      i, c->line, n, err, c->argc);
		if (n < 0) {
			CHECK(argv == NULL, "case %zu: argv set on error", i);
			CHECK(strstr(err, c->err) != NULL, "case %zu: error '%s' "
			      "lacks '%s'", i, err, c->err);
			continue;
		}
		for (j = 0; j < n && j < c->argc; j++)
			CHECK_STR(argv[j], c->argv[j], c->line);
		CHECK(argv[n] == NULL, "case %zu: argv not NULL-terminated", i);
		proto_free_args(argv, n);
	}
}

static void test_split_limits(void)
{
	struct strbuf sb = STRBUF_INIT;
	char **argv, err[256];
	unsigned i;
	int n;

	for (i = 0; i < PROTO_MAX_ARGS; i++)
		sb_puts(&sb, "a ");
	n = proto_split(sb.buf, sb.len, &argv, err, sizeof(err));
	CHECK(n == (int)PROTO_MAX_ARGS, "256 tokens: got %d (%s)", n, err);
	proto_free_args(argv, n);
	sb_puts(&sb, "b");
	n = proto_split(sb.buf, sb.len, &argv, err, sizeof(err));
	CHECK(n == -1 && strstr(err, "more than 256"), "257 tokens: %d %s", n, err);

	sb_reset(&sb);
	while (sb.len < PROTO_MAX_LINE)
		sb_putc(&sb, 'x');
	n = proto_split(sb.buf, sb.len, &argv, err, sizeof(err));
	CHECK(n == 1 && strlen(argv[0]) == PROTO_MAX_LINE, "64 KiB line: %d", n);
	proto_free_args(argv, n);
	sb_putc(&sb, 'x');
	n = proto_split(sb.buf, sb.len, &argv, err, sizeof(err));
	CHECK(n == -1 && strstr(err, "longer than"), "64 KiB + 1 line: %d", n);
	sb_free(&sb);
}

/* ---- proto_parse_message ---- */

struct msg_case {
	const char *line;
	const char *kind;       /* NULL: must be refused */
	size_t n;
	const char *err;
};

static const struct msg_case msg_cases[] = {
	{ "ok", "ok", 0, NULL },
	{ "ok ", "ok", 0, NULL },
	{ "ok count=3", "ok", 1, NULL },
	{ "item id=4 rule=\"allow in proto tcp port 22\" on=true x=-5 y=false",
	  "item", 5, NULL },
	{ "error code=4 errno=\"EPERM\" msg=\"permission denied\"", "error", 3, NULL },
	{ "ok  a=1   b=\"\"  ", "ok", 2, NULL },
	{ "", NULL, 0, "empty line" },
	{ "   ", NULL, 0, "empty line" },
	{ "ok key=", NULL, 0, "empty value for field 'key'" },
	{ "ok key= b=1", NULL, 0, "empty value" },
	{ "ok key", NULL, 0, "expected '='" },
	{ "ok =3", NULL, 0, "unexpected '='" },
	{ "ok a=1 a=2", NULL, 0, "duplicate field 'a'" },
	{ "ok a=9223372036854775808", NULL, 0, "out of range" },
	{ "ok a=-9223372036854775809", NULL, 0, "out of range" },
	{ "ok a=99999999999999999999999", NULL, 0, "out of range" },
	{ "ok a=bare", NULL, 0, "bad value for field 'a'" },
	{ "ok a=truex", NULL, 0, "bad value" },
	{ "ok a=\"x\"y", NULL, 0, "after the value of 'a'" },
	{ "ok a=12x", NULL, 0, "after the value" },
	{ "ok a=-", NULL, 0, "bad number" },
	{ "ok a=--1", NULL, 0, "bad number" },
	{ "ok a=\"unterminated", NULL, 0, "unterminated" },
	{ "ok a=\"\\q\"", NULL, 0, "bad escape" },
	{ "ok, a=1", NULL, 0, "unexpected ','" },
	{ "\"ok\" a=1", NULL, 0, "unexpected" },
	{ "ok a=1\tb=2", NULL, 0, "byte 0x09" },
	{ "ok a=\"\x1b[2J\"", NULL, 0, "control byte 0x1b" },
	{ "ok a\xff=1", NULL, 0, "expected '='" },
	{ "ok \xff=1", NULL, 0, "byte 0xff" },
};

static void test_message_table(void)
{
	struct message m;
	char err[256];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(msg_cases) / sizeof(msg_cases[0]); i++) {
		const struct msg_case *c = &msg_cases[i];

		err[0] = '\0';
		rc = proto_parse_message(c->line, strlen(c->line), &m, err, sizeof(err));
		if (!c->kind) {
			CHECK(rc == -1 && m.kind == NULL && m.n == 0,
			      "case %zu '%s' accepted", i, c->line);
			CHECK(strstr(err, c->err) != NULL, "case %zu '%s': error '%s' "
			      "lacks '%s'", i, c->line, err, c->err);
			continue;
		}
		CHECK(rc == 0, "case %zu '%s' refused: %s", i, c->line, err);
		CHECK_STR(m.kind, c->kind, c->line);
		CHECK(m.n == c->n, "case %zu: %zu fields, want %zu", i, m.n, c->n);
		proto_message_free(&m);
	}
}

static void test_message_values(void)
{
	const char *line = "item id=4 rule=\"allow \\\"x\\\"\" on=true off=false "
			   "neg=-5 max=9223372036854775807 min=-9223372036854775808 "
			   "zero=007 empty=\"\"";
	struct message m;
	char err[256];

	CHECK(proto_parse_message(line, strlen(line), &m, err, sizeof(err)) == 0,
	      "values: %s", err);
	CHECK(msg_int(&m, "id", -1) == 4, "id");
	CHECK_STR(msg_str(&m, "rule", NULL), "allow \"x\"", "rule");
	CHECK(msg_bool(&m, "on", false) == true, "on");
	CHECK(msg_bool(&m, "off", true) == false, "off");
	CHECK(msg_int(&m, "neg", 0) == -5, "neg");
	CHECK(msg_int(&m, "max", 0) == INT64_MAX, "max");
	CHECK(msg_int(&m, "min", 0) == INT64_MIN, "min");
	CHECK(msg_int(&m, "zero", -1) == 7, "leading zeros");
	CHECK_STR(msg_str(&m, "empty", NULL), "", "empty string");
	/* a getter of the wrong type gives the default */
	CHECK(msg_int(&m, "rule", 99) == 99, "int of a string");
	CHECK_STR(msg_str(&m, "id", "def"), "def", "string of an int");
	CHECK(msg_bool(&m, "id", true) == true, "bool of an int");
	CHECK(msg_get(&m, "missing") == NULL, "missing");
	CHECK(msg_int(&m, "missing", 42) == 42, "missing default");
	CHECK(msg_get(&m, "rule")->type == FIELD_STR, "type");
	proto_message_free(&m);
	CHECK(m.kind == NULL && m.f == NULL && m.n == 0, "freed message is zeroed");
	proto_message_free(&m);         /* twice is harmless */
}

static void test_message_limits(void)
{
	struct strbuf sb = STRBUF_INIT;
	struct message m;
	char err[256];
	unsigned i;

	sb_puts(&sb, "item");
	for (i = 0; i < PROTO_MAX_ARGS; i++)
		sb_printf(&sb, " k%u=%u", i, i);
	CHECK(proto_parse_message(sb.buf, sb.len, &m, err, sizeof(err)) == 0 &&
	      m.n == PROTO_MAX_ARGS && msg_int(&m, "k255", -1) == 255,
	      "256 fields: %s", err);
	proto_message_free(&m);
	sb_puts(&sb, " last=1");
	CHECK(proto_parse_message(sb.buf, sb.len, &m, err, sizeof(err)) == -1 &&
	      strstr(err, "more than 256 fields"), "257 fields: %s", err);

	sb_reset(&sb);
	sb_puts(&sb, "item s=\"");
	while (sb.len < PROTO_MAX_LINE - 1)
		sb_putc(&sb, 'x');
	sb_putc(&sb, '"');
	CHECK(proto_parse_message(sb.buf, sb.len, &m, err, sizeof(err)) == 0,
	      "64 KiB line: %s", err);
	proto_message_free(&m);
	sb_putc(&sb, ' ');
	CHECK(proto_parse_message(sb.buf, sb.len, &m, err, sizeof(err)) == -1,
	      "64 KiB + 1 line accepted");
	sb_free(&sb);
}

/* ---- writers ---- */

static void test_writers(void)
{
	struct strbuf sb = STRBUF_INIT;

	proto_begin(&sb, "item");
	proto_str(&sb, "rule", "allow \"x\" \\ \n\t\x01\x7f\xc3\xa9");
	proto_int(&sb, "n", -3);
	proto_int(&sb, "big", INT64_MIN);
	proto_bool(&sb, "on", true);
	proto_bool(&sb, "off", false);
	proto_str(&sb, "null", NULL);
	proto_end(&sb);
	CHECK_STR(sb.buf, "item rule=\"allow \\\"x\\\" \\\\ \\n\\t\\x01\\x7f\xc3\xa9\" "
		  "n=-3 big=-9223372036854775808 on=true off=false null=\"\"\n",
		  "writer line");
	sb_free(&sb);
}

static const struct { const char *in, *out; } token_cases[] = {
	{ "status", "status" },
	{ "a b", "\"a b\"" },
	{ "rule=allow in port 22", "rule=\"allow in port 22\"" },
	{ "name=<stdin>", "name=\"<stdin>\"" },
	{ "size=12", "size=12" },
	{ "", "\"\"" },
	{ "=x y", "\"=x y\"" },
	{ "a b=c", "\"a b=c\"" },
	{ "k=", "k=" },
	{ "\xc3\xa9", "\"\xc3\xa9\"" },
	{ "say \"hi\"", "\"say \\\"hi\\\"\"" },
};

static void test_put_token(void)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(token_cases) / sizeof(token_cases[0]); i++) {
		sb_reset(&sb);
		proto_put_token(&sb, token_cases[i].in);
		CHECK_STR(sb_str(&sb), token_cases[i].out, token_cases[i].in);
	}
	sb_reset(&sb);
	proto_put_quoted(&sb, "abc");
	CHECK_STR(sb_str(&sb), "\"abc\"", "put_quoted always quotes");
	sb_free(&sb);
}

/* ---- round trips ---- */

/* writes s as a string field and as a token; both must parse back to s */
static void roundtrip_one(const char *s, const char *ctx)
{
	struct strbuf sb = STRBUF_INIT, kv = STRBUF_INIT;
	struct message m;
	char err[256], **argv;
	int n;

	proto_begin(&sb, "item");
	proto_str(&sb, "s", s);
	CHECK(proto_parse_message(sb.buf, sb.len, &m, err, sizeof(err)) == 0,
	      "%s: parse of written field: %s", ctx, err);
	CHECK_STR(msg_str(&m, "s", NULL), s, ctx);
	proto_message_free(&m);

	/* as a token, alone and as the value of a named argument */
	sb_reset(&sb);
	sb_printf(&kv, "k=%s", s);
	proto_put_token(&sb, s);
	sb_putc(&sb, ' ');
	proto_put_token(&sb, kv.buf);
	n = proto_split(sb.buf, sb.len, &argv, err, sizeof(err));
	CHECK(n == 2, "%s: split of written tokens: %d %s", ctx, n, err);
	if (n == 2) {
		CHECK_STR(argv[0], s, ctx);
		CHECK_STR(argv[1], kv.buf, ctx);
	}
	proto_free_args(argv, n);
	sb_free(&kv);
	sb_free(&sb);
}

static void test_roundtrip_bytes(void)
{
	char s[260], ctx[32];
	int c, i;

	for (c = 1; c <= 0xff; c++) {
		snprintf(ctx, sizeof(ctx), "byte 0x%02x", c);
		s[0] = 'a';
		s[1] = (char)c;
		s[2] = 'b';
		s[3] = '\0';
		roundtrip_one(s, ctx);
		s[0] = (char)c;
		s[1] = '\0';
		roundtrip_one(s, ctx);
	}
	for (i = 0; i < 255; i++)
		s[i] = (char)(i + 1);
	s[255] = '\0';
	roundtrip_one(s, "bytes 0x01..0xff");
	roundtrip_one("", "empty");
	roundtrip_one("rule=allow in comment \"my ssh\"", "key=value");
	roundtrip_one("\"\\\n\t", "every escape");
}

static void test_diag(void)
{
	struct diag d = { .file = "site.rules", .line = 12, .col = 19, .len = 4,
			  .msg = "unknown keyword 'prot' (did you mean 'proto'?)",
			  .src = "allow in prot tcp" };
	struct diag_list dl = { 0 };
	struct strbuf sb = STRBUF_INIT;
	struct message m;
	char err[256], *big;

	proto_put_diag(&sb, &d);
	CHECK_STR(sb.buf, "diag file=\"site.rules\" line=12 col=19 len=4 msg=\"unknown "
		  "keyword 'prot' (did you mean 'proto'?)\" src=\"allow in prot tcp\"\n",
		  "diag line");
	CHECK(proto_parse_message(sb.buf, sb.len - 1, &m, err, sizeof(err)) == 0,
	      "diag parse: %s", err);
	proto_get_diag(&m, &dl);
	proto_message_free(&m);
	CHECK(dl.n == 1, "one diag");
	if (dl.n == 1) {
		CHECK_STR(dl.v[0].file, "site.rules", "diag file");
		CHECK(dl.v[0].line == 12 && dl.v[0].col == 19 && dl.v[0].len == 4,
		      "diag place %d:%d+%d", dl.v[0].line, dl.v[0].col, dl.v[0].len);
		CHECK_STR(dl.v[0].msg, d.msg, "diag msg");
		CHECK_STR(dl.v[0].src, d.src, "diag src");
	}
	diag_list_free(&dl);

	/* no src: none on the wire, NULL back */
	d.src = NULL;
	sb_reset(&sb);
	proto_put_diag(&sb, &d);
	CHECK(strstr(sb.buf, "src=") == NULL, "diag without src: %s", sb.buf);
	proto_parse_message(sb.buf, sb.len - 1, &m, err, sizeof(err));
	memset(&dl, 0, sizeof(dl));
	proto_get_diag(&m, &dl);
	proto_message_free(&m);
	CHECK(dl.n == 1 && dl.v[0].src == NULL, "diag src NULL");
	diag_list_free(&dl);

	/* a huge source line is cut so the line stays within the limit */
	big = xmalloc(PROTO_MAX_LINE * 2);
	memset(big, 'x', PROTO_MAX_LINE * 2 - 1);
	big[PROTO_MAX_LINE * 2 - 1] = '\0';
	d.src = big;
	d.msg = big;
	sb_reset(&sb);
	proto_put_diag(&sb, &d);
	CHECK(sb.len < PROTO_MAX_LINE, "diag line of a huge source: %zu", sb.len);
	CHECK(proto_parse_message(sb.buf, sb.len - 1, &m, err, sizeof(err)) == 0,
	      "huge diag parse: %s", err);
	proto_message_free(&m);
	free(big);
	sb_free(&sb);
}

static const struct {
	const char *line;
	int want_line, want_col, want_len;
} clamp_cases[] = {
	{ "diag file=\"f\" line=3 col=99999999999 len=0 msg=\"m\"",
	  3, (int)PROTO_MAX_LINE, 1 },
	{ "diag file=\"f\" line=-5 col=2 len=-7 msg=\"m\"", 0, 0, 1 },
	{ "diag file=\"f\" line=9999999999 col=-1 len=9999999999 msg=\"m\"",
	  (int)PROTO_MAX_BODY, 0, (int)PROTO_MAX_LINE },
	{ "diag line=true col=\"x\"", 0, 0, 1 },
};

/* a peer's numbers cannot make the caret printer run away */
static void test_diag_clamp(void)
{
	struct diag_list dl = { 0 };
	struct message m;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(clamp_cases) / sizeof(clamp_cases[0]); i++) {
		const char *line = clamp_cases[i].line;

		CHECK(proto_parse_message(line, strlen(line), &m, err, sizeof(err)) == 0,
		      "clamp parse: %s", err);
		proto_get_diag(&m, &dl);
		CHECK(dl.n == 1 && dl.v[0].line == clamp_cases[i].want_line &&
		      dl.v[0].col == clamp_cases[i].want_col &&
		      dl.v[0].len == clamp_cases[i].want_len, "clamp case %zu: %d:%d+%d",
		      i, dl.n ? dl.v[0].line : -1, dl.n ? dl.v[0].col : -1,
		      dl.n ? dl.v[0].len : -1);
		proto_message_free(&m);
		diag_list_free(&dl);
	}
}

/* ---- random input: no crash, and what is accepted round-trips ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static unsigned rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

/* mostly protocol-looking bytes, so that some lines are accepted */
static size_t random_line(char *buf, size_t max)
{
	static const char alpha[] = "ab=\" \\xn9-01tTrue_fals";
	size_t i, n = rnd((unsigned)max);

	for (i = 0; i < n; i++)
		buf[i] = rnd(8) ? alpha[rnd(sizeof(alpha) - 1)] : (char)rnd(256);
	return n;
}

static bool same_fields(const struct message *a, const struct message *b)
{
	size_t i;

	if (strcmp(a->kind, b->kind) != 0 || a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++) {
		const struct field *x = &a->f[i], *y = &b->f[i];

		if (strcmp(x->key, y->key) != 0 || x->type != y->type ||
		    (x->type == FIELD_STR ? strcmp(x->str, y->str) != 0 :
		     x->num != y->num))
			return false;
	}
	return true;
}

static void rewrite(struct strbuf *sb, const struct message *m)
{
	size_t i;

	proto_begin(sb, m->kind);
	for (i = 0; i < m->n; i++) {
		if (m->f[i].type == FIELD_STR)
			proto_str(sb, m->f[i].key, m->f[i].str);
		else if (m->f[i].type == FIELD_INT)
			proto_int(sb, m->f[i].key, m->f[i].num);
		else
			proto_bool(sb, m->f[i].key, m->f[i].num);
	}
}

static void fuzz_message(const char *buf, size_t n, int *accepted)
{
	struct strbuf sb = STRBUF_INIT;
	struct message m, m2;
	char err[256];

	if (proto_parse_message(buf, n, &m, err, sizeof(err)) < 0)
		return;
	(*accepted)++;
	rewrite(&sb, &m);
	CHECK(proto_parse_message(sb.buf, sb.len, &m2, err, sizeof(err)) == 0 &&
	      same_fields(&m, &m2), "fuzz message round trip: %s", sb.buf);
	proto_message_free(&m2);
	proto_message_free(&m);
	sb_free(&sb);
}

static void fuzz_split(const char *buf, size_t n, int *accepted)
{
	struct strbuf sb = STRBUF_INIT;
	char **v, **v2, err[256];
	int argc, argc2, i;
	bool same;

	argc = proto_split(buf, n, &v, err, sizeof(err));
	if (argc < 0)
		return;
	(*accepted)++;
	for (i = 0; i < argc; i++) {
		proto_put_token(&sb, v[i]);
		sb_putc(&sb, ' ');
	}
	argc2 = proto_split(sb_str(&sb), sb.len, &v2, err, sizeof(err));
	same = argc2 == argc;
	for (i = 0; same && i < argc; i++)
		same = strcmp(v[i], v2[i]) == 0;
	CHECK(same, "fuzz split round trip: %s", sb_str(&sb));
	proto_free_args(v, argc);
	proto_free_args(v2, argc2);
	sb_free(&sb);
}

static void test_fuzz(void)
{
	char buf[128];
	int i, split_ok = 0, msg_ok = 0;
	size_t n;

	for (i = 0; i < 200000; i++) {
		n = random_line(buf, sizeof(buf));
		fuzz_split(buf, n, &split_ok);
		/* a kind and a key so that some lines parse as messages */
		if (n > 3)
			memcpy(buf, "ok a", 4);
		fuzz_message(buf, n, &msg_ok);
	}
	CHECK(split_ok > 100 && msg_ok > 100, "fuzz reached the accepting paths: "
	      "%d splits, %d messages", split_ok, msg_ok);
}

/* ---- the client's parts that need no daemon ---- */

static void test_client_path(void)
{
	char err[512];
	struct client *c;

	unsetenv("FWD_SOCKET");
	CHECK_STR(client_socket_path(NULL), FWD_DEFAULT_SOCKET, "default socket");
	CHECK_STR(client_socket_path(""), FWD_DEFAULT_SOCKET, "empty option");
	setenv("FWD_SOCKET", "/tmp/env.sock", 1);
	CHECK_STR(client_socket_path(NULL), "/tmp/env.sock", "FWD_SOCKET");
	CHECK_STR(client_socket_path("/tmp/opt.sock"), "/tmp/opt.sock", "--socket wins");
	unsetenv("FWD_SOCKET");

	c = client_connect("/nonexistent/fwd-test.sock", err, sizeof(err));
	CHECK(c == NULL, "connect to a missing socket");
	CHECK(strstr(err, "cannot connect to fwd at /nonexistent/fwd-test.sock: No "
		      "such file or directory. Is fwd running?") != NULL, "%s", err);
	c = client_connect("/tmp/a-path-longer-than-sun_path-xxxxxxxxxxxxxxxxxxxxxxxxxxx"
			   "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.sock",
			   err, sizeof(err));
	CHECK(c == NULL && strstr(err, "longer than 107 bytes"), "%s", err);
}

int main(void)
{
	test_split_table();
	test_split_limits();
	test_message_table();
	test_message_values();
	test_message_limits();
	test_writers();
	test_put_token();
	test_roundtrip_bytes();
	test_diag();
	test_diag_clamp();
	test_fuzz();
	test_client_path();
	TEST_DONE();
}
