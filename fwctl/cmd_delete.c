/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fwctl delete ID...: all or none, as one change. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "fwctl.h"
#include "output.h"

/* a positive decimal integer, nothing else: "+3", " 3", "3x" are not ids */
static bool delete_parse_id(const char *s, int64_t *id)
{
	char *end;
	long long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v <= 0)
		return false;
	*id = v;
	return true;
}

int delete_main(struct fwctl *fw, int argc, char **argv)
{
	struct request rq;
	struct message ok;
	int64_t id;
	int i, rc;

	if (argc < 2)
		return fwctl_usage(fw);
	/* two tokens of the request line go to "fwd1" and the verb */
	if (argc - 1 > (int)PROTO_MAX_ARGS - 2) {
		fprintf(stderr, "fwctl: at most %u ids at a time\n", PROTO_MAX_ARGS - 2);
		return EXIT_USAGE;
	}
	request_init(&rq, "delete");
	for (i = 1; i < argc; i++) {
		if (!delete_parse_id(argv[i], &id)) {
			fprintf(stderr, "fwctl: '%s' is not a rule id (a positive "
				"integer, as shown by fwctl list)\n", argv[i]);
			request_free(&rq);
			return fwctl_usage(fw);
		}
		request_arg(&rq, "id=%" PRId64, id);
	}
	rc = request_run(fw, &rq, &ok);
	request_free(&rq);
	if (rc == 0) {
		out_obj_begin(NULL);
		out_fields(&ok);
		out_obj_end();
		out_line("deleted %" PRId64 " rule%s, revision %" PRId64,
			 msg_int(&ok, "deleted", argc - 1),
			 msg_int(&ok, "deleted", argc - 1) == 1 ? "" : "s",
			 msg_int(&ok, "revision", 0));
	}
	proto_message_free(&ok);
	return rc;
}
