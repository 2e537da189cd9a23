/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fwctl enable | disable: put fwd's table in force, or remove it. */
#include <inttypes.h>
#include <string.h>

#include "fwctl.h"
#include "output.h"

int enable_main(struct fwctl *fw, int argc, char **argv)
{
	bool enable = strcmp(argv[0], "enable") == 0;
	struct request rq;
	struct message ok;
	int rc;

	if (argc > 1)
		return fwctl_usage(fw);
	request_init(&rq, argv[0]);
	rc = request_run(fw, &rq, &ok);
	request_free(&rq);
	if (rc == 0) {
		out_obj_begin(NULL);
		out_fields(&ok);
		out_obj_end();
		if (enable)
			out_line("fwd enabled: rules in force, revision %" PRId64,
				 msg_int(&ok, "revision", 0));
		else
			out_line("fwd disabled: its table is removed and nothing is "
				 "filtered; 'fwctl enable' puts it back");
	}
	proto_message_free(&ok);
	return rc;
}
