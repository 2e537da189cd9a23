/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwctl log [-f] [-n N]: the blocked-connection log. Text is a table TIME
 * DIR PROTO PEER PORT APP USER (and COUNT when an event repeated); --json
 * an array of objects. With -f the stream has no end, so text rows are
 * written as they come at fixed widths and --json writes one object per
 * line (the listed events first, then each new one).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fwctl.h"
#include "output.h"

/* belongs in fwctl.h with the other subcommands */

#define LOG_COLS 8
#define LOG_MAX_N 100000

static const char *const log_headers[LOG_COLS] = {
	"TIME", "DIR", "PROTO", "PEER", "PORT", "APP", "USER", "COUNT",
};

struct log_run {
	bool follow;
	bool header;            /* -f text: the header line is out */
	bool repeats;           /* some event has count > 1: show COUNT */
	char **cells;           /* collected rows, LOG_COLS each */
	size_t n;
};

static void fmt_time(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, len, "%" PRId64, ms);
}

/* the cells of one event; the caller frees each */
static void log_cells(const struct message *m, char **cell)
{
	struct strbuf sb = STRBUF_INIT;
	const char *peer = msg_str(m, "peer", "?"), *user = msg_str(m, "user", "");
	int64_t pport = msg_int(m, "peer_port", 0), uid = msg_int(m, "uid", -1);
	char t[32];

	fmt_time(msg_int(m, "time", 0), t, sizeof(t));
	cell[0] = xstrdup(t);
	cell[1] = xstrdup(msg_str(m, "dir", "?"));
	cell[2] = xstrdup(msg_str(m, "proto", "?"));
	sb_printf(&sb, strchr(peer, ':') && pport ? "[%s]" : "%s", peer);
	if (pport)
		sb_printf(&sb, ":%" PRId64, pport);
	cell[3] = sb_steal(&sb);
	sb_printf(&sb, "%" PRId64, msg_int(m, "port", 0));
	cell[4] = sb_steal(&sb);
	cell[5] = xstrdup(*msg_str(m, "app", "") ? msg_str(m, "app", "") : "-");
	if (*user)
		sb_puts(&sb, user);
	else if (uid >= 0)
		sb_printf(&sb, "%" PRId64, uid);
	else
		sb_puts(&sb, "-");
	cell[6] = sb_steal(&sb);
	sb_printf(&sb, "%" PRId64, msg_int(m, "count", 1));
	cell[7] = sb_steal(&sb);
}

static void cells_free(char **cell, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(cell[i]);
}

/* -f in text: a row now, in fixed columns, since no table can wait */
static void log_stream_row(struct log_run *lr, const struct message *m)
{
	char *cell[LOG_COLS];

	if (!lr->header) {
		out_line("%-19s  %-3s  %-6s  %-28s  %-5s  %-28s  %s", log_headers[0],
			 log_headers[1], log_headers[2], log_headers[3], log_headers[4],
			 log_headers[5], log_headers[6]);
		lr->header = true;
	}
	log_cells(m, cell);
	out_line("%-19s  %-3s  %-6s  %-28s  %-5s  %-28s  %s%s%s", cell[0], cell[1],
		 cell[2], cell[3], cell[4], cell[5], cell[6],
		 strcmp(cell[7], "1") ? "  x" : "", strcmp(cell[7], "1") ? cell[7] : "");
	cells_free(cell, LOG_COLS);
}

static void log_item(struct fwctl *fw, const struct message *m, void *arg)
{
	struct log_run *lr = arg;

	if (lr->follow && out_json()) {
		out_event(m);
	} else if (lr->follow) {
		log_stream_row(lr, m);
	} else if (out_json()) {
		out_item(m, "id", NULL);
	} else {
		lr->cells = xrealloc(lr->cells, (lr->n + 1) * LOG_COLS * sizeof(*lr->cells));
		log_cells(m, &lr->cells[lr->n * LOG_COLS]);
		lr->repeats |= msg_int(m, "count", 1) > 1;
		lr->n++;
	}
}

/* the collected rows as one table; COUNT only when something repeated */
static void log_table(struct log_run *lr)
{
	struct message none = { 0 };
	size_t ncols = lr->repeats ? LOG_COLS : LOG_COLS - 1;

	out_list_begin(NULL, log_headers, ncols);
	for (size_t i = 0; i < lr->n; i++)
		out_item(&none, NULL, (const char *const *)&lr->cells[i * LOG_COLS]);
	out_list_end();
}

static int parse_n(const char *s, long *n)
{
	char *end;

	errno = 0;
	*n = strtol(s, &end, 10);
	return *s < '0' || *s > '9' || errno || *end || *n > LOG_MAX_N ? -1 : 0;
}

static int log_args(struct fwctl *fw, int argc, char **argv, struct log_run *lr, long *n)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (i >= fw->optend) {
			return fwctl_usage(fw);
		} else if (!strcmp(a, "-f") || !strcmp(a, "--follow")) {
			lr->follow = true;
		} else if (!strcmp(a, "-n") && i + 1 < argc) {
			if (parse_n(argv[++i], n) < 0)
				goto bad_n;
		} else if (!strncmp(a, "-n", 2) && a[2]) {
			if (parse_n(a + 2, n) < 0)
				goto bad_n;
		} else {
			return fwctl_usage(fw);
		}
	}
	return 0;
bad_n:
	fprintf(stderr, "fwctl: -n needs a number of events from 0 to %d\n", LOG_MAX_N);
	return EXIT_USAGE;
}

int log_main(struct fwctl *fw, int argc, char **argv)
{
	struct log_run lr = { 0 };
	struct request rq;
	struct message ok;
	long n = 20;
	int rc = log_args(fw, argc, argv, &lr, &n);

	if (rc)
		return rc;
	request_init(&rq, "log");
	request_arg(&rq, "n=%ld", n);
	if (lr.follow)
		request_arg(&rq, "follow=true");
	rq.on_item = log_item;
	rq.arg = &lr;
	if (out_json() && !lr.follow)
		out_list_begin(NULL, NULL, 0);
	rc = request_run(fw, &rq, &ok);
	request_free(&rq);
	if (rc == 0 && out_json() && !lr.follow)
		out_list_end();
	else if (rc == 0 && !lr.follow)
		log_table(&lr);
	cells_free(lr.cells, lr.n * LOG_COLS);
	free(lr.cells);
	proto_message_free(&ok);
	return rc;
}
