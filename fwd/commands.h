/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_COMMANDS_H
#define FWD_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>

#include "auth.h"
#include "engine.h"
#include "strbuf.h"

/*
 * The verbs of doc/protocol.md. argv[0] is the protocol version, argv[1]
 * the verb; has_body says whether a size= body came with the request.
 * Appends the whole response to out: items and diags, then exactly one
 * ok or error line. The role is checked before the verb runs, and a verb
 * parses all its arguments before it touches any state.
 */
void commands_run(struct engine *e, const struct auth_peer *peer,
		  int argc, char **argv, bool has_body,
		  const char *body, size_t bodylen, struct strbuf *out);

/* an `error code=N errno="E..." msg="..."` line */
void commands_error(struct strbuf *out, int code, const char *errname,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
