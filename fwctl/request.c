/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The loop every subcommand shares: connect, send one request, hand items
 * to the command's callback, print diag and error lines, keep the ok line.
 * Also the generic command for verbs fwctl has no printer for yet, so the
 * daemon can grow verbs without a new fwctl.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "client.h"
#include "fwctl.h"
#include "output.h"

void request_init(struct request *rq, const char *verb)
{
	memset(rq, 0, sizeof(*rq));
	request_arg(rq, "%s", verb);
}

void request_arg(struct request *rq, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	rq->argv = xrealloc(rq->argv, ((size_t)rq->argc + 2) * sizeof(*rq->argv));
	rq->argv[rq->argc++] = sb_steal(&sb);
	rq->argv[rq->argc] = NULL;
}

void request_free(struct request *rq)
{
	int i;

	for (i = 0; i < rq->argc; i++)
		free(rq->argv[i]);
	free(rq->argv);
	memset(rq, 0, sizeof(*rq));
}

static void print_diag(const struct message *m)
{
	struct diag_list dl = { 0 };
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	proto_get_diag(m, &dl);
	for (i = 0; i < dl.n; i++)
		diag_format(&dl.v[i], &sb);
	out_flush();
	fputs(sb_str(&sb), stderr);
	sb_free(&sb);
	diag_list_free(&dl);
}

static int print_error(const struct message *m)
{
	int64_t code = msg_int(m, "code", EXIT_FAILED);
	const char *msg = msg_str(m, "msg", "");
	char *safe = xstrdup(msg), *p;

	/* the message may quote user input; keep the terminal sane */
	for (p = safe; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	out_flush();
	if (*safe)
		fwctl_fail("%s", safe);
	else
		fwctl_fail("fwd refused the request (%s)", msg_str(m, "errno", "no reason given"));
	free(safe);
	if (code != EXIT_FAILED && code != EXIT_USAGE && code != EXIT_DENIED)
		code = EXIT_FAILED;
	return (int)code;
}

/* true when m ended the response; then *rc is the exit status */
static bool handle(struct fwctl *fw, const struct request *rq, struct message *m,
		   struct message *ok, int *rc)
{
	if (strcmp(m->kind, "item") == 0 || strcmp(m->kind, "event") == 0) {
		if (rq->on_item)
			rq->on_item(fw, m, rq->arg);
	} else if (strcmp(m->kind, "diag") == 0) {
		print_diag(m);
	} else if (strcmp(m->kind, "ok") == 0) {
		*ok = *m;
		memset(m, 0, sizeof(*m));
		*rc = 0;
		return true;
	} else if (strcmp(m->kind, "error") == 0) {
		*rc = print_error(m);
		return true;
	}
	/* other kinds belong to later protocol versions: skipped */
	return false;
}

/*
 * The exit status, or with err when the response never ended: -1 on a
 * read error or a malformed line, -2 when fwd closed the connection.
 */
static int read_response(struct fwctl *fw, const struct request *rq,
			 struct client *c, struct message *ok, char *err, size_t errlen)
{
	struct message m;
	bool done;
	int rc = EXIT_FAILED, r;

	for (;;) {
		r = client_next(c, &m, err, errlen);
		if (r == 0) {
			snprintf(err, errlen, "fwd closed the connection without "
				 "answering; see its log (journalctl -u fwd)");
			return -2;
		}
		if (r < 0)
			return -1;
		done = handle(fw, rq, &m, ok, &rc);
		proto_message_free(&m);
		out_flush();
		if (done)
			return rc;
	}
}

int request_run(struct fwctl *fw, const struct request *rq, struct message *ok)
{
	char err[512], rerr[512];
	struct client *c;
	int rc, sent;

	memset(ok, 0, sizeof(*ok));
	c = client_connect(fw->socket, err, sizeof(err));
	if (!c) {
		fprintf(stderr, "fwctl: %s\n", err);
		return EXIT_UNREACHABLE;
	}
	sent = client_send(c, rq->argc, (const char *const *)rq->argv, rq->body,
			   rq->bodylen, err, sizeof(err));
	/*
	 * A daemon that refuses early (a body too large) answers and closes
	 * while we still write: its answer says more than our EPIPE. Shut our
	 * side so that a daemon still waiting for a request gives up too.
	 */
	if (sent < 0)
		shutdown(client_fd(c), SHUT_WR);
	rc = read_response(fw, rq, c, ok, rerr, sizeof(rerr));
	if (rc < 0) {
		out_flush();
		fprintf(stderr, "fwctl: %s\n", sent < 0 ? err : rerr);
		/* gone after connect: unreachable; our own refusal: failed */
		rc = rc == -2 && sent == 0 ? EXIT_UNREACHABLE : EXIT_FAILED;
	}
	client_close(c);
	return rc;
}

/* ---- verbs without a printer of their own ---- */

static void generic_item(struct fwctl *fw, const struct message *m, void *arg)
{
	size_t *items = arg;

	if (strcmp(m->kind, "event") == 0) {
		out_event(m);
		return;
	}
	(*items)++;
	out_item(m, "id", NULL);
}

int generic_main(struct fwctl *fw, int argc, char **argv)
{
	struct request rq;
	struct message ok;
	size_t items = 0;
	int i, rc;

	request_init(&rq, argv[0]);
	for (i = 1; i < argc; i++)
		request_arg(&rq, "%s", argv[i]);
	rq.on_item = generic_item;
	rq.arg = &items;
	out_list_begin(NULL, NULL, 0);
	rc = request_run(fw, &rq, &ok);
	request_free(&rq);
	if (rc != 0)
		return rc;
	/* a listing (it counts, or it listed) is an array even when empty */
	if (items || msg_get(&ok, "count")) {
		out_list_end();
	} else if (out_json()) {
		out_reset();
		out_obj_begin(NULL);
		out_fields(&ok);
		out_obj_end();
	} else if (ok.n) {
		out_item(&ok, NULL, NULL);
	}
	proto_message_free(&ok);
	return 0;
}

int request_list(struct fwctl *fw, struct request *rq, const char *const *headers,
		 size_t ncols)
{
	struct message ok;
	int rc;

	out_list_begin(NULL, headers, ncols);
	rc = request_run(fw, rq, &ok);
	request_free(rq);
	if (rc == 0)
		out_list_end();
	proto_message_free(&ok);
	return rc;
}
