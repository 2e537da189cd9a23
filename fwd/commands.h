/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_COMMANDS_H
#define FWD_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "engine.h"
#include "strbuf.h"

struct droplog;
struct tracker;

/* what the verbs act on */
struct commands_env {
	struct engine *eng;
	struct droplog *log;            /* NULL: no event log */
	struct tracker *trk;            /* NULL: no listener tracking */
	bool may_follow;                /* the peer may open one more `log follow` */
};

/*
 * The verbs of doc/protocol.md. argv[0] is the protocol version, argv[1]
 * the verb; has_body says whether a size= body came with the request.
 * Appends the whole response to out: items and diags, then exactly one
 * ok or error line. The role is checked before the verb runs, and a verb
 * parses all its arguments before it touches any state.
 *
 * Except `log follow=true`: its response has no end. It sets *follow_after
 * (else -1) to the id of the last event sent; the caller then keeps
 * sending `event` lines of the events after it (droplog_list) until the
 * client goes away.
 */
void commands_run(const struct commands_env *env, const struct auth_peer *peer,
		  int argc, char **argv, bool has_body,
		  const char *body, size_t bodylen, struct strbuf *out,
		  int64_t *follow_after);

/* an `error code=N errno="E..." msg="..."` line */
void commands_error(struct strbuf *out, int code, const char *errname,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
