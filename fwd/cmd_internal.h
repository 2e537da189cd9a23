/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the verb files share: the request being served, the dispatch table's
 * row, and the small helpers every verb uses. commands.c owns the table and
 * the dispatch; cmd_*.c hold groups of verbs.
 */
#ifndef FWD_CMD_INTERNAL_H
#define FWD_CMD_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "commands.h"
#include "diag.h"
#include "engine.h"
#include "proto.h"

enum role { ROLE_ANY, ROLE_ADMIN };

/* one request being served */
struct cmd {
	const struct commands_env *env;
	struct engine *eng;
	const struct auth_peer *peer;
	const char *verb;
	int argc;               /* the arguments after the verb */
	char **argv;
	const char *body;
	size_t bodylen;
	struct strbuf *out;
	int64_t now;
	int64_t *follow_after;
};

struct command {
	const char *verb;
	void (*run)(struct cmd *c);
	enum role role;
	bool body;              /* takes a size= body */
};

/* "key=value" into key (bounded) and a pointer to value; -1 without '=' */
int cmd_arg_split(const char *tok, char *key, size_t keylen, const char **val);
int cmd_parse_u64(const char *s, uint64_t *out);
/* "unknown argument" usage error for tok */
void cmd_bad_arg(struct cmd *c, const char *tok);
/* verbs without arguments: 0, or -1 with the usage error sent */
int cmd_no_args(struct cmd *c);
void cmd_put_diags(struct strbuf *out, const struct diag_list *dl);
/* the failure of engine_apply_change, as the client sees it */
void cmd_put_failure(struct cmd *c, struct engine_result *res);
/* a change built by the verb: 0 when in force, else the response is sent */
int cmd_change_run(struct cmd *c, struct engine_change *ch, struct engine_result *res);
int cmd_change_simple(struct cmd *c, struct ruleset *next, bool enabled,
		      const char *summary, struct engine_result *res);

/* cmd_history.c */
void cmd_confirm(struct cmd *c);
void cmd_history(struct cmd *c);
void cmd_panic(struct cmd *c);
void cmd_rollback(struct cmd *c);
/* cmd_inspect.c */
void cmd_explain(struct cmd *c);
void cmd_exposure(struct cmd *c);
void cmd_services(struct cmd *c);
/* cmd_prompts.c */
void cmd_answer(struct cmd *c);
void cmd_prompts(struct cmd *c);
void cmd_watch(struct cmd *c);

#endif
