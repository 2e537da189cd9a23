/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwctl history [-n N], rollback REV, confirm, panic on|off: the rule-set
 * safety verbs. history is a table (newest first); the others print one
 * line saying what is now in force.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fwctl.h"
#include "output.h"

#define HIST_COLS 6

static const char *const hist_headers[HIST_COLS] = {
	"REV", "TIME", "USER", "+", "-", "SUMMARY",
};

static void hist_item(struct fwctl *fw, const struct message *m, void *arg)
{
	char rev[24], when[32], add[24], del[24];
	const char *cells[HIST_COLS];
	time_t t = (time_t)msg_int(m, "time", 0);
	struct tm tm;

	(void)fw;
	(*(size_t *)arg)++;
	snprintf(rev, sizeof(rev), "%" PRId64, msg_int(m, "rev", 0));
	if (localtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	else
		snprintf(when, sizeof(when), "?");
	snprintf(add, sizeof(add), "%" PRId64, msg_int(m, "added", 0));
	snprintf(del, sizeof(del), "%" PRId64, msg_int(m, "removed", 0));
	cells[0] = rev;
	cells[1] = when;
	cells[2] = msg_str(m, "user", "?");
	cells[3] = add;
	cells[4] = del;
	cells[5] = msg_str(m, "summary", "");
	out_item(m, "rev", cells);
}

static int history_list(struct fwctl *fw, int argc, char **argv)
{
	struct request rq;
	struct message ok;
	size_t items = 0;
	const char *n = NULL;
	int rc;

	if (argc == 3 && !strcmp(argv[1], "-n"))
		n = argv[2];
	else if (argc == 2 && !strncmp(argv[1], "-n", 2) && argv[1][2])
		n = argv[1] + 2;
	else if (argc != 1)
		return fwctl_usage(fw);
	request_init(&rq, "history");
	if (n)
		request_arg(&rq, "n=%s", n);
	rq.on_item = hist_item;
	rq.arg = &items;
	out_list_begin(NULL, hist_headers, HIST_COLS);
	rc = request_run(fw, &rq, &ok);
	request_free(&rq);
	if (rc == 0)
		out_list_end();
	proto_message_free(&ok);
	return rc;
}

/* one request with at most one argument; the ok line printed by show */
static int simple(struct fwctl *fw, const char *verb, const char *arg,
		  void (*show)(const struct message *ok))
{
	struct request rq;
	struct message ok;
	int rc;

	request_init(&rq, verb);
	if (arg)
		request_arg(&rq, "%s", arg);
	rc = request_run(fw, &rq, &ok);
	request_free(&rq);
	if (rc == 0) {
		out_obj_begin(NULL);
		out_fields(&ok);
		out_obj_end();
		show(&ok);
	}
	proto_message_free(&ok);
	return rc;
}

static void show_rollback(const struct message *ok)
{
	out_line("rolled back to the rules and policies of revision %" PRId64
		 ": now revision %" PRId64, msg_int(ok, "restored", 0),
		 msg_int(ok, "revision", 0));
}

static void show_confirm(const struct message *ok)
{
	out_line("confirmed: the change stays (no rollback to revision %" PRId64 ")",
		 msg_int(ok, "rollback_to", 0));
}

static void show_panic(const struct message *ok)
{
	bool on = msg_bool(ok, "panic", false);
	int64_t rev = msg_int(ok, "revision", 0);

	if (rev == 0)
		out_line("panic mode is already %s", on ? "on" : "off");
	else if (on)
		out_line("PANIC MODE ON: only loopback passes, established connections "
			 "included (revision %" PRId64 "); 'fwctl panic off' ends it", rev);
	else
		out_line("panic mode off: the rules are in force again (revision %"
			 PRId64 ")", rev);
}

int history_main(struct fwctl *fw, int argc, char **argv)
{
	struct strbuf arg = STRBUF_INIT;
	int rc;

	if (!strcmp(argv[0], "history"))
		return history_list(fw, argc, argv);
	if (!strcmp(argv[0], "confirm")) {
		if (argc != 1)
			return fwctl_usage(fw);
		return simple(fw, "confirm", NULL, show_confirm);
	}
	if (argc != 2)
		return fwctl_usage(fw);
	if (!strcmp(argv[0], "rollback")) {
		sb_printf(&arg, "rev=%s", argv[1]);
		rc = simple(fw, "rollback", sb_str(&arg), show_rollback);
	} else if (!strcmp(argv[1], "on") || !strcmp(argv[1], "off")) {
		sb_printf(&arg, "state=%s", argv[1]);
		rc = simple(fw, "panic", sb_str(&arg), show_panic);
	} else {
		rc = fwctl_usage(fw);
	}
	sb_free(&arg);
	return rc;
}
