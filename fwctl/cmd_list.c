/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwctl list: a table ID ORIGIN EXPIRES HITS RULE, or a JSON array with
 * every field of each rule, id first.
 */
#include <inttypes.h>

#include "fwctl.h"
#include "output.h"

static const char *const list_headers[] = { "ID", "ORIGIN", "EXPIRES", "HITS", "RULE" };

static void list_item(struct fwctl *fw, const struct message *m, void *arg)
{
	struct strbuf id = STRBUF_INIT, expires = STRBUF_INIT, hits = STRBUF_INIT;
	const char *cells[5];

	sb_printf(&id, "%" PRId64, msg_int(m, "id", 0));
	if (msg_int(m, "expires", 0) == 0)
		sb_puts(&expires, "-");
	else
		out_duration(&expires, msg_int(m, "remaining", 0));
	sb_printf(&hits, "%" PRId64, msg_int(m, "packets", 0));
	cells[0] = sb_str(&id);
	cells[1] = msg_str(m, "origin", "?");
	cells[2] = sb_str(&expires);
	cells[3] = sb_str(&hits);
	cells[4] = msg_str(m, "rule", "?");
	out_item(m, "id", cells);
	sb_free(&id);
	sb_free(&expires);
	sb_free(&hits);
}

int list_main(struct fwctl *fw, int argc, char **argv)
{
	struct request rq;

	if (argc > 1)
		return fwctl_usage(fw);
	request_init(&rq, "list");
	rq.on_item = list_item;
	return request_list(fw, &rq, list_headers, 5);
}
