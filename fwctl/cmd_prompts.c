/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwctl prompts: a table ID USER PROGRAM WANTS PEER ATTEMPTS EXPIRES, or a
 * JSON array with every field of each prompt.
 *
 * fwctl answer ID allow|deny|later [--for DURATION]: from the shell the
 * answer is about the whole program, from anywhere, always -- the wide
 * choice, stated by the printed rule; --for makes it temporary (also
 * --for once, 60 s, and --for boot, until the next reboot). For the narrow
 * choices (this port, the local network) use fwtui.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "duration.h"
#include "fwctl.h"
#include "output.h"

static const char *const prompt_headers[] = {
	"ID", "USER", "PROGRAM", "WANTS", "PEER", "ATTEMPTS", "EXPIRES"
};

static void prompt_item(struct fwctl *fw, const struct message *m, void *arg)
{
	struct strbuf id = STRBUF_INIT, wants = STRBUF_INIT, att = STRBUF_INIT,
		      exp = STRBUF_INIT;
	const char *cells[7], *peer = msg_str(m, "peer", "");
	int64_t left = (msg_int(m, "expires", 0) - (int64_t)time(NULL) * 1000) / 1000;

	sb_printf(&id, "%" PRId64, msg_int(m, "id", 0));
	sb_printf(&wants, "%s port %" PRId64, msg_str(m, "proto", "?"), msg_int(m, "port", 0));
	sb_printf(&att, "%" PRId64, msg_int(m, "attempts", 0));
	out_duration(&exp, left > 0 ? left : 0);
	cells[0] = sb_str(&id);
	cells[1] = msg_str(m, "user", "?");
	cells[2] = *msg_str(m, "app", "") ? msg_str(m, "app", "") : "(unknown)";
	cells[3] = sb_str(&wants);
	cells[4] = *peer ? peer : "(listening)";
	cells[5] = sb_str(&att);
	cells[6] = sb_str(&exp);
	out_item(m, "id", cells);
	sb_free(&id);
	sb_free(&wants);
	sb_free(&att);
	sb_free(&exp);
}

static int prompts_list_main(struct fwctl *fw, int argc)
{
	struct request rq;

	if (argc > 1)
		return fwctl_usage(fw);
	request_init(&rq, "prompts");
	rq.on_item = prompt_item;
	return request_list(fw, &rq, prompt_headers, 7);
}

/* --for DURATION as the protocol's duration=; -1 on bad input */
static int duration_arg(const char *s, char *out, size_t len)
{
	char err[128];
	uint64_t secs;

	if (!strcmp(s, "once") || !strcmp(s, "boot") || !strcmp(s, "always")) {
		snprintf(out, len, "%s", s);
		return 0;
	}
	secs = duration_parse(s, err, sizeof(err));
	if (!secs) {
		fwctl_fail("--for %s: %s (e.g. 30s, 10m, 1h, once, boot)", s, err);
		return -1;
	}
	snprintf(out, len, "%" PRIu64, secs);
	return 0;
}

struct answer_opts {
	const char *id, *verdict;
	char duration[32];
};

static int answer_parse(struct fwctl *fw, int argc, char **argv, struct answer_opts *o)
{
	snprintf(o->duration, sizeof(o->duration), "always");
	for (int i = 1; i < argc; i++) {
		const char *v = NULL;

		if (!strcmp(argv[i], "--for") && i + 1 < argc)
			v = argv[++i];
		else if (!strncmp(argv[i], "--for=", 6))
			v = argv[i] + 6;
		if (v) {
			if (duration_arg(v, o->duration, sizeof(o->duration)) < 0)
				return EXIT_USAGE;
		} else if (!o->id) {
			o->id = argv[i];
		} else if (!o->verdict) {
			o->verdict = argv[i];
		} else {
			return fwctl_usage(fw);
		}
	}
	if (!o->id || !o->verdict || strspn(o->id, "0123456789") != strlen(o->id) ||
	    (strcmp(o->verdict, "allow") && strcmp(o->verdict, "deny") &&
	     strcmp(o->verdict, "later")))
		return fwctl_usage(fw);
	return 0;
}

static int answer_main(struct fwctl *fw, int argc, char **argv)
{
	struct answer_opts o = { 0 };
	struct request rq;
	struct message ok;
	bool later;
	int rc = answer_parse(fw, argc, argv, &o);

	if (rc)
		return rc;
	later = !strcmp(o.verdict, "later");
	request_init(&rq, "answer");
	request_arg(&rq, "id=%s", o.id);
	request_arg(&rq, "verdict=%s", o.verdict);
	if (!later) {
		request_arg(&rq, "scope=app");
		request_arg(&rq, "from=any");
		request_arg(&rq, "duration=%s", o.duration);
	}
	out_obj_begin(NULL);
	rc = request_run(fw, &rq, &ok);
	if (rc == 0) {
		if (later)
			out_line("prompt %s dismissed: the program stays blocked and is "
				 "asked about again next time", o.id);
		else
			out_line("rule %" PRId64 " created: %s", msg_int(&ok, "rule_id", 0),
				 msg_str(&ok, "rule", "?"));
		out_fields(&ok);
		out_obj_end();
	}
	proto_message_free(&ok);
	request_free(&rq);
	return rc;
}

int prompts_main(struct fwctl *fw, int argc, char **argv)
{
	if (!strcmp(argv[0], "answer"))
		return answer_main(fw, argc, argv);
	return prompts_list_main(fw, argc);
}
