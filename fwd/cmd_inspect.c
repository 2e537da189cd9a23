/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Read-only questions about the policy: explain, exposure, services. */
#include "cmd_internal.h"

static void not_yet(struct cmd *c)
{
	commands_error(c->out, EXIT_USAGE, "EOPNOTSUPP",
		       "'%s' is not supported by this fwd yet", c->verb);
}

void cmd_explain(struct cmd *c)
{
	not_yet(c);
}

void cmd_exposure(struct cmd *c)
{
	not_yet(c);
}

void cmd_services(struct cmd *c)
{
	not_yet(c);
}
