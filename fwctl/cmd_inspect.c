/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwctl explain, exposure, services: read-only questions about the policy.
 *   explain in|out PROTO [PORT] [from|to ADDR]   the verdict and the why
 *   exposure     PROTO ADDRESS PORT PROGRAM USER REACHABLE VIA, then hints
 *   services     NAME PORTS DESCRIPTION
 * --json gives one object (explain) or an array of objects.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwctl.h"
#include "output.h"

/* ---- explain ---- */

struct explain_run {
	struct strbuf head;     /* "in tcp 22 from 192.0.2.7" */
	bool seen;
};

static bool is_port(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return n > 0 && n <= 5 && !s[n];
}

/* in: from = the peer, to = a local address; out: the other way round */
static int explain_where(struct request *rq, bool in, const char *kw, const char *addr)
{
	bool peer;

	if (strcmp(kw, "from") && strcmp(kw, "to"))
		return -1;
	peer = in == !strcmp(kw, "from");
	request_arg(rq, "%s=%s", peer ? "addr" : "local", addr);
	return 0;
}

static int explain_args(int argc, char **argv, struct request *rq,
			struct strbuf *head)
{
	int i = 3;
	bool in;

	if (argc < 3 || (strcmp(argv[1], "in") && strcmp(argv[1], "out")))
		return -1;
	in = !strcmp(argv[1], "in");
	request_arg(rq, "dir=%s", argv[1]);
	request_arg(rq, "proto=%s", argv[2]);
	sb_printf(head, "%s %s", argv[1], argv[2]);
	if (i < argc && is_port(argv[i])) {
		request_arg(rq, "port=%s", argv[i]);
		sb_printf(head, " %s", argv[i]);
		i++;
	}
	for (; i + 1 < argc; i += 2) {
		if (explain_where(rq, in, argv[i], argv[i + 1]) < 0)
			return -1;
		sb_printf(head, " %s %s", argv[i], argv[i + 1]);
	}
	return i == argc ? 0 : -1;
}

static void upper(char *s)
{
	for (; *s; s++)
		if (*s >= 'a' && *s <= 'z')
			*s = (char)(*s - 'a' + 'A');
}

static void explain_item(struct fwctl *fw, const struct message *m, void *arg)
{
	struct explain_run *er = arg;
	char verdict[16];

	if (er->seen)
		return;
	er->seen = true;
	out_obj_begin(NULL);
	out_fields(m);
	out_obj_end();
	snprintf(verdict, sizeof(verdict), "%s", msg_str(m, "verdict", "?"));
	upper(verdict);
	out_line("%s: %s", sb_str(&er->head), verdict);
	out_line("  %s", msg_str(m, "why", ""));
}

static int explain_main(struct fwctl *fw, int argc, char **argv)
{
	struct explain_run er = { STRBUF_INIT, false };
	struct request rq;
	struct message ok;
	int rc;

	request_init(&rq, "explain");
	if (explain_args(argc, argv, &rq, &er.head) < 0) {
		request_free(&rq);
		sb_free(&er.head);
		fprintf(stderr, "fwctl: explain takes in|out PROTO [PORT] [from|to ADDR], "
			"e.g. fwctl explain in tcp 22 from 192.0.2.7\n");
		return fwctl_usage(fw);
	}
	rq.on_item = explain_item;
	rq.arg = &er;
	rc = request_run(fw, &rq, &ok);
	request_free(&rq);
	if (rc == 0)
		proto_message_free(&ok);
	sb_free(&er.head);
	return rc;
}

/* ---- exposure ---- */

#define EXP_COLS 7

static const char *const exp_headers[EXP_COLS] = {
	"PROTO", "ADDRESS", "PORT", "PROGRAM", "USER", "REACHABLE", "VIA",
};

struct exposure_run {
	struct strbuf hints;    /* text: lines under the table */
};

static void exposure_via(const struct message *m, struct strbuf *sb)
{
	int64_t id = msg_int(m, "rule_id", 0);
	const char *from = msg_str(m, "from", "");

	if (!msg_bool(m, "reachable", false)) {
		sb_puts(sb, "-");
		return;
	}
	if (id)
		sb_printf(sb, "rule %" PRId64, id);
	else
		sb_puts(sb, *msg_str(m, "rule", "") ? msg_str(m, "rule", "") : "base rules");
	if (*from && strcmp(from, "anywhere"))
		sb_printf(sb, " from %s", from);
}

static void exposure_item(struct fwctl *fw, const struct message *m, void *arg)
{
	struct exposure_run *xr = arg;
	struct strbuf port = STRBUF_INIT, user = STRBUF_INIT, via = STRBUF_INIT;
	const char *app = msg_str(m, "app", ""), *hint = msg_str(m, "hint", "");
	const char *cells[EXP_COLS];

	sb_printf(&port, "%" PRId64, msg_int(m, "port", 0));
	if (*msg_str(m, "user", ""))
		sb_puts(&user, msg_str(m, "user", ""));
	else
		sb_printf(&user, "%" PRId64, msg_int(m, "uid", -1));
	exposure_via(m, &via);
	cells[0] = msg_str(m, "proto", "?");
	cells[1] = msg_str(m, "addr", "?");
	cells[2] = sb_str(&port);
	cells[3] = *app ? app : "-";
	cells[4] = sb_str(&user);
	cells[5] = msg_bool(m, "reachable", false) ? "yes" : "no";
	cells[6] = sb_str(&via);
	out_item(m, "proto", cells);
	if (*hint)
		sb_printf(&xr->hints, "%s %s/%s (%s): %s\n", msg_str(m, "addr", "?"),
			  sb_str(&port), cells[0], cells[3], hint);
	sb_free(&port);
	sb_free(&user);
	sb_free(&via);
}

/* under the table, one line each: how to close what is open */
static void exposure_hints(const char *hints)
{
	const char *nl;

	if (*hints)
		out_line("%s", "");
	for (; (nl = strchr(hints, '\n')); hints = nl + 1)
		out_line("%.*s", (int)(nl - hints), hints);
}

static int exposure_main(struct fwctl *fw, int argc, char **argv)
{
	struct exposure_run xr = { STRBUF_INIT };
	struct request rq;
	struct message ok;
	int rc;

	if (argc > 1)
		return fwctl_usage(fw);
	request_init(&rq, "exposure");
	rq.on_item = exposure_item;
	rq.arg = &xr;
	out_list_begin(NULL, exp_headers, EXP_COLS);
	rc = request_run(fw, &rq, &ok);
	request_free(&rq);
	if (rc == 0) {
		out_list_end();
		exposure_hints(sb_str(&xr.hints));
		proto_message_free(&ok);
	}
	sb_free(&xr.hints);
	return rc;
}

/* ---- services ---- */

static const char *const svc_headers[] = { "NAME", "PORTS", "DESCRIPTION" };

static void services_item(struct fwctl *fw, const struct message *m, void *arg)
{
	const char *cells[3] = { msg_str(m, "name", "?"), msg_str(m, "ports", ""),
				 msg_str(m, "description", "") };

	out_item(m, "name", cells);
}

static int services_main(struct fwctl *fw, int argc, char **argv)
{
	struct request rq;

	if (argc > 1)
		return fwctl_usage(fw);
	request_init(&rq, "services");
	rq.on_item = services_item;
	return request_list(fw, &rq, svc_headers, 3);
}

int inspect_main(struct fwctl *fw, int argc, char **argv)
{
	if (!strcmp(argv[0], "explain"))
		return explain_main(fw, argc, argv);
	if (!strcmp(argv[0], "exposure"))
		return exposure_main(fw, argc, argv);
	if (!strcmp(argv[0], "services"))
		return services_main(fw, argc, argv);
	return generic_main(fw, argc, argv);
}
