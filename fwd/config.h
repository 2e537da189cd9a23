/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_CONFIG_H
#define FWD_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "diag.h"

/*
 * fwd.conf(5): `key value` lines, `#` comments. Unknown keys and bad values
 * are errors with file:line:col; a file with any error is refused whole.
 */
struct fwd_config {
	char *admin_group;              /* admin-group, default "fwadm" */
	bool user_prompts;              /* user-prompts yes|no, default yes */
	uint64_t prompt_timeout;        /* prompt-timeout DURATION, default 300 s */
	uint32_t log_max_events;        /* log-max-events N, default 10000 */
	bool stop_leaves_rules;         /* stop-leaves-rules yes|no, default yes */
	uint16_t log_group;             /* log-group N (nflog), default 7 */
};

void config_defaults(struct fwd_config *c);
/*
 * Reads path over the defaults already in c. A missing file is fine when
 * missing_ok (the default path); returns -1 with every error in diags.
 */
int config_load(struct fwd_config *c, const char *path, bool missing_ok,
		struct diag_list *diags);
void config_free(struct fwd_config *c);

#endif
