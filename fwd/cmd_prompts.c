/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Prompts: the desktop user decides. */
#include "cmd_internal.h"

static void not_yet(struct cmd *c)
{
	commands_error(c->out, EXIT_USAGE, "EOPNOTSUPP",
		       "'%s' is not supported by this fwd yet", c->verb);
}

void cmd_answer(struct cmd *c)
{
	not_yet(c);
}

void cmd_prompts(struct cmd *c)
{
	not_yet(c);
}

void cmd_watch(struct cmd *c)
{
	not_yet(c);
}
