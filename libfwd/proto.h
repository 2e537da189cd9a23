/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_PROTO_H
#define FWD_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "strbuf.h"

/*
 * The control protocol between fwd and its clients (doc/protocol.md): text
 * lines over a Unix stream socket, drivable with socat.
 *
 * Request:   fwd1 VERB [ARG ...]\n   then, when an ARG is size=N, N raw bytes
 * Response:  zero or more "item ..." / "diag ..." / "event ..." lines, then
 *            exactly one "ok ..." or "error ..." line.
 * Fields of item/ok/error/diag/event lines are key=value with typed values:
 * "quoted string" (C escapes \" \\ \n \t \xHH), bare integer (-?[0-9]+),
 * bare true/false.
 */
#define PROTO_VERSION       "fwd1"
#define PROTO_MAX_LINE      65536u          /* request and response lines */
#define PROTO_MAX_BODY      (64u << 20)     /* size= bodies (rule files) */
#define PROTO_MAX_ARGS      256u

/* ---- tokens (request arguments) ---- */

/*
 * Splits a line into tokens: bare words or "quoted strings" with the escapes
 * above. Fills argv with malloc'd strings (caller frees with proto_free_args).
 * Returns the count, or -1 with a message in err (unterminated quote, bad
 * escape, NUL or control byte, more than PROTO_MAX_ARGS tokens).
 */
int proto_split(const char *line, size_t len, char ***argv, char *err, size_t errlen);
void proto_free_args(char **argv, int argc);
/* appends s as a token: bare when it is a safe word, quoted otherwise */
void proto_put_token(struct strbuf *sb, const char *s);
/* appends s in quotes with escapes, always */
void proto_put_quoted(struct strbuf *sb, const char *s);

/* ---- typed fields (response lines) ---- */

enum field_type { FIELD_STR, FIELD_INT, FIELD_BOOL };

struct field {
	char *key;
	enum field_type type;
	char *str;              /* FIELD_STR */
	int64_t num;            /* FIELD_INT; FIELD_BOOL: 0/1 */
};

/* one parsed response line: kind is "item", "diag", "event", "ok", "error" */
struct message {
	char *kind;
	struct field *f;
	size_t n;
};

/* Parses one response line (without newline). -1 + err on malformed input. */
int proto_parse_message(const char *line, size_t len, struct message *m,
			char *err, size_t errlen);
void proto_message_free(struct message *m);
const struct field *msg_get(const struct message *m, const char *key);
/* typed getters: def when absent or of another type */
const char *msg_str(const struct message *m, const char *key, const char *def);
int64_t msg_int(const struct message *m, const char *key, int64_t def);
bool msg_bool(const struct message *m, const char *key, bool def);

/* writers: start a line with its kind, add fields, end it with '\n' */
void proto_begin(struct strbuf *sb, const char *kind);
void proto_str(struct strbuf *sb, const char *key, const char *val);
void proto_int(struct strbuf *sb, const char *key, int64_t val);
void proto_bool(struct strbuf *sb, const char *key, bool val);
void proto_end(struct strbuf *sb);

/* a diag as a "diag" line, and back */
void proto_put_diag(struct strbuf *sb, const struct diag *d);
void proto_get_diag(const struct message *m, struct diag_list *dl);

/* exit codes carried as code= in error lines (SPEC.md) */
#define EXIT_FAILED     1
#define EXIT_USAGE      2
#define EXIT_UNREACHABLE 3
#define EXIT_DENIED     4

#endif
