/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwctl status: the one status item, as aligned "label: value" lines or one
 * JSON object. Fields this fwctl does not know are shown under their own
 * name, so a newer daemon's additions appear without a new fwctl.
 */
#include <string.h>

#include "fwctl.h"
#include "output.h"

static const struct { const char *key, *label; } status_labels[] = {
	{ "enabled", "enabled" },
	{ "panic", "panic mode" },
	{ "policy_in", "policy in" },
	{ "policy_out", "policy out" },
	{ "rules", "rules" },
	{ "drops_in", "dropped in" },
	{ "rejects_in", "rejected in" },
	{ "drops_out", "dropped out" },
	{ "table", "table" },
	{ "revision", "revision" },
	{ "database", "database" },
	{ "problem", "problem" },
	{ "version", "version" },
};

static const char *status_label(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(status_labels) / sizeof(status_labels[0]); i++)
		if (strcmp(status_labels[i].key, key) == 0)
			return status_labels[i].label;
	return key;
}

/* an empty problem is no problem: not worth a line of text */
static bool status_hidden(const struct field *f)
{
	return !out_json() && f->type == FIELD_STR && !*f->str &&
	       strcmp(f->key, "problem") == 0;
}

static void status_item(struct fwctl *fw, const struct message *m, void *arg)
{
	bool *seen = arg;
	int width = 0, w;
	size_t i;

	/* one status; a second item would make a second JSON document */
	if (*seen)
		return;
	*seen = true;
	for (i = 0; i < m->n; i++) {
		w = (int)strlen(status_label(m->f[i].key)) + 1;
		width = w > width ? w : width;
	}
	out_obj_begin(NULL);
	for (i = 0; i < m->n; i++)
		if (!status_hidden(&m->f[i]))
			out_field(&m->f[i], status_label(m->f[i].key), width);
	out_obj_end();
}

int status_main(struct fwctl *fw, int argc, char **argv)
{
	struct request rq;
	struct message ok;
	bool seen = false;
	int rc;

	if (argc > 1)
		return fwctl_usage(fw);
	request_init(&rq, "status");
	rq.on_item = status_item;
	rq.arg = &seen;
	rc = request_run(fw, &rq, &ok);
	request_free(&rq);
	if (rc == 0 && !seen) {
		out_obj_begin(NULL);
		out_fields(&ok);
		out_obj_end();
	}
	proto_message_free(&ok);
	return rc;
}
