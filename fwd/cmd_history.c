/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rule-set safety: history, rollback, confirm, panic. */
#include "cmd_internal.h"

static void not_yet(struct cmd *c)
{
	commands_error(c->out, EXIT_USAGE, "EOPNOTSUPP",
		       "'%s' is not supported by this fwd yet", c->verb);
}

void cmd_confirm(struct cmd *c)
{
	not_yet(c);
}

void cmd_history(struct cmd *c)
{
	not_yet(c);
}

void cmd_panic(struct cmd *c)
{
	not_yet(c);
}

void cmd_rollback(struct cmd *c)
{
	not_yet(c);
}
