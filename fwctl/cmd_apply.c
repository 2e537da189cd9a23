/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwctl check FILE and fwctl apply FILE [--dry-run] [--confirm SECONDS]:
 * the file travels as the request body and fwd parses it, so check and
 * apply judge a file exactly alike. "-" reads standard input.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fwctl.h"
#include "output.h"

struct rule_file {
	const char *shown;      /* as the user wrote it, or "<stdin>" */
	const char *name;       /* sent as name=: basename, or "<stdin>" */
	struct strbuf body;
};

static int read_fd(int fd, struct strbuf *sb)
{
	char buf[65536];
	ssize_t r;

	for (;;) {
		r = read(fd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return (int)r;
		sb_add(sb, buf, (size_t)r);
		/* more than fwd takes: stop reading a runaway stream */
		if (sb->len > PROTO_MAX_BODY)
			return 0;
	}
}

static int rule_file_read(struct rule_file *rf, const char *path)
{
	const char *slash = strrchr(path, '/');
	int fd = 0, rc;

	memset(rf, 0, sizeof(*rf));
	rf->shown = strcmp(path, "-") == 0 ? "<stdin>" : path;
	rf->name = rf->shown;
	if (slash && slash[1])
		rf->name = slash + 1;
	if (strcmp(path, "-") != 0 && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return fwctl_fail("cannot read %s: %s", path, strerror(errno));
	rc = read_fd(fd, &rf->body);
	if (rc < 0)
		rc = fwctl_fail("cannot read %s: %s", rf->shown, strerror(errno));
	else if (rf->body.len > PROTO_MAX_BODY)
		rc = fwctl_fail("%s is larger than %u MiB, more than fwd takes",
				rf->shown, PROTO_MAX_BODY >> 20);
	if (fd > 0)
		close(fd);
	return rc;
}

static void rule_file_request(struct request *rq, const char *verb,
			      const struct rule_file *rf)
{
	request_init(rq, verb);
	request_arg(rq, "name=%s", rf->name);
	rq->body = sb_str(&rf->body);
	rq->bodylen = rf->body.len;
}

int check_main(struct fwctl *fw, int argc, char **argv)
{
	struct rule_file rf;
	struct request rq;
	struct message ok;
	int64_t n;
	int rc;

	if (argc != 2)
		return fwctl_usage(fw);
	if (rule_file_read(&rf, argv[1]) != 0) {
		sb_free(&rf.body);
		return EXIT_FAILED;
	}
	rule_file_request(&rq, "check", &rf);
	rc = request_run(fw, &rq, &ok);
	if (rc == 0) {
		n = msg_int(&ok, "rules", 0);
		out_obj_begin(NULL);
		out_fields(&ok);
		out_obj_end();
		out_line("%s: %" PRId64 " rule%s, OK", rf.shown, n, n == 1 ? "" : "s");
	}
	proto_message_free(&ok);
	request_free(&rq);
	sb_free(&rf.body);
	return rc;
}

/* ---- apply ---- */

struct apply_opts {
	const char *file;
	bool dry_run;
	int64_t confirm;        /* seconds, 0 = not asked */
};

static bool apply_seconds(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	*out = v;
	return !errno && !*end && v > 0;
}

static int apply_parse(struct fwctl *fw, int argc, char **argv, struct apply_opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;

		if (i < fw->optend && strcmp(a, "--dry-run") == 0) {
			o->dry_run = true;
			continue;
		}
		if (i < fw->optend && strncmp(a, "--confirm=", 10) == 0)
			val = a + 10;
		else if (i < fw->optend && strcmp(a, "--confirm") == 0)
			val = i + 1 < argc ? argv[++i] : "";
		if (val && !apply_seconds(val, &o->confirm)) {
			fprintf(stderr, "fwctl: --confirm needs a number of seconds\n");
			return -1;
		}
		if (val)
			continue;
		if (o->file || (i < fw->optend && a[0] == '-' && a[1]))
			return -1;
		o->file = a;
	}
	return o->file ? 0 : -1;
}

static void apply_item(struct fwctl *fw, const struct message *m, void *arg)
{
	struct strbuf line = STRBUF_INIT;
	const char *change = msg_str(m, "change", "?"), *cell;

	/* a warning is for the person at the keyboard, not for the diff */
	if (msg_get(m, "warning")) {
		out_flush();
		fprintf(stderr, "fwctl: warning: %s\n", msg_str(m, "warning", ""));
		return;
	}
	/* a policy is changed, not added or removed: marked "~" */
	sb_printf(&line, "%s %s", strcmp(change, "policy") == 0 ? "~" : change,
		  msg_str(m, "rule", "?"));
	cell = sb_str(&line);
	out_item(m, NULL, &cell);
	sb_free(&line);
}

static void apply_summary(const struct message *ok)
{
	int64_t added = msg_int(ok, "added", 0), removed = msg_int(ok, "removed", 0);
	int64_t rev = msg_int(ok, "revision", 0);

	if (msg_bool(ok, "dry_run", false))
		out_line("dry run: would add %" PRId64 " and remove %" PRId64,
			 added, removed);
	else if (rev == 0)
		out_line("applied: +%" PRId64 " -%" PRId64 ", nothing changed",
			 added, removed);
	else
		out_line("applied: +%" PRId64 " -%" PRId64 ", revision %" PRId64,
			 added, removed, rev);
	if (rev && msg_get(ok, "confirm_deadline")) {
		time_t t = (time_t)msg_int(ok, "confirm_deadline", 0);
		int64_t left = (int64_t)(t - time(NULL));
		char when[32];
		struct tm tm;

		if (!localtime_r(&t, &tm) || !strftime(when, sizeof(when), "%H:%M:%S", &tm))
			snprintf(when, sizeof(when), "?");
		out_line("run 'fwctl confirm' before %s (in %" PRId64 " s) to keep it; "
			 "otherwise fwd rolls back to revision %" PRId64, when,
			 left > 0 ? left : 0, msg_int(ok, "rollback_to", 0));
	}
}

int apply_main(struct fwctl *fw, int argc, char **argv)
{
	struct apply_opts o;
	struct rule_file rf;
	struct request rq;
	struct message ok;
	int rc;

	if (apply_parse(fw, argc, argv, &o) < 0)
		return fwctl_usage(fw);
	if (rule_file_read(&rf, o.file) != 0) {
		sb_free(&rf.body);
		return EXIT_FAILED;
	}
	rule_file_request(&rq, "apply", &rf);
	request_arg(&rq, "dry-run=%s", o.dry_run ? "true" : "false");
	if (o.confirm)
		request_arg(&rq, "confirm=%" PRId64, o.confirm);
	/* lets fwd warn when the new set would lock this SSH login out */
	if (getenv("SSH_CONNECTION") && *getenv("SSH_CONNECTION"))
		request_arg(&rq, "ssh=%s", getenv("SSH_CONNECTION"));
	rq.on_item = apply_item;
	out_obj_begin(NULL);
	out_list_begin("changes", NULL, 1);
	rc = request_run(fw, &rq, &ok);
	if (rc == 0) {
		out_list_end();
		out_fields(&ok);
		out_obj_end();
		apply_summary(&ok);
	}
	proto_message_free(&ok);
	request_free(&rq);
	sb_free(&rf.body);
	return rc;
}
