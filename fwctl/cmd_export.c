/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwctl export: the policies and every rule as a rule file, one `line`
 * field per item, so `fwctl export | fwctl apply -` is a no-op.
 */
#include "fwctl.h"
#include "output.h"

static void export_item(struct fwctl *fw, const struct message *m, void *arg)
{
	const char *cell = msg_str(m, "line", "");

	out_item(m, NULL, &cell);
}

int export_main(struct fwctl *fw, int argc, char **argv)
{
	struct request rq;

	if (argc > 1)
		return fwctl_usage(fw);
	request_init(&rq, "export");
	rq.on_item = export_item;
	return request_list(fw, &rq, NULL, 1);
}
