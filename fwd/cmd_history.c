/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rule-set safety: history, rollback, confirm, panic. */
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_internal.h"
#include "log.h"
#include "store.h"

#define HISTORY_DEFAULT_N 20
#define HISTORY_MAX_N 100000

/* the one key=value argument of a verb; -1 after the usage error is sent */
static int one_arg(struct cmd *c, const char *want, const char **val, bool required)
{
	char key[16];

	*val = NULL;
	if (c->argc == 0 && !required)
		return 0;
	if (c->argc != 1 || cmd_arg_split(c->argv[0], key, sizeof(key), val) < 0 ||
	    strcmp(key, want)) {
		commands_error(c->out, EXIT_USAGE, "EINVAL", "'%s' takes %s%s=VALUE",
			       c->verb, required ? "" : "at most ", want);
		return -1;
	}
	return 0;
}

static struct store *store_or_error(struct cmd *c)
{
	struct store *s = engine_store(c->eng);

	if (!s)
		commands_error(c->out, EXIT_FAILED, "EIO", "the database is unavailable: "
			       "see fwctl status");
	return s;
}

static void put_revision(struct strbuf *o, const struct revision *r)
{
	char buf[1024], name[64];
	struct passwd pw, *hit = NULL;

	if (getpwuid_r(r->uid, &pw, buf, sizeof(buf), &hit) == 0 && hit)
		snprintf(name, sizeof(name), "%s", pw.pw_name);
	else
		snprintf(name, sizeof(name), "%u", (unsigned)r->uid);
	proto_begin(o, "item");
	proto_int(o, "rev", r->rev);
	proto_int(o, "time", r->time);
	proto_int(o, "uid", (int64_t)r->uid);
	proto_str(o, "user", name);
	proto_str(o, "summary", r->summary);
	proto_int(o, "added", (int64_t)r->added);
	proto_int(o, "removed", (int64_t)r->removed);
	proto_end(o);
}

void cmd_history(struct cmd *c)
{
	struct store *s;
	struct revision *v = NULL;
	const char *val;
	uint64_t n = HISTORY_DEFAULT_N;
	size_t len = 0;

	if (one_arg(c, "n", &val, false) < 0)
		return;
	if (val && (cmd_parse_u64(val, &n) < 0 || n > HISTORY_MAX_N)) {
		commands_error(c->out, EXIT_USAGE, "EINVAL", "'history' takes n=0..%d "
			       "(0: all)", HISTORY_MAX_N);
		return;
	}
	if (!(s = store_or_error(c)))
		return;
	if (store_list_revisions(s, (size_t)n, &v, &len) < 0) {
		commands_error(c->out, EXIT_FAILED, "EIO", "cannot read the history: %s",
			       store_errmsg(s));
		return;
	}
	for (size_t i = 0; i < len; i++)
		put_revision(c->out, &v[i]);
	store_free_revisions(v, len);
	proto_begin(c->out, "ok");
	proto_int(c->out, "count", (int64_t)len);
	proto_end(c->out);
}

void cmd_rollback(struct cmd *c)
{
	struct engine_result res = { 0 };
	struct strbuf sum = STRBUF_INIT;
	const char *val;
	uint64_t rev;
	int rc;

	if (one_arg(c, "rev", &val, true) < 0)
		return;
	if (cmd_parse_u64(val, &rev) < 0 || rev == 0 || rev > INT64_MAX) {
		commands_error(c->out, EXIT_USAGE, "EINVAL", "'rollback' needs rev=N, a "
			       "revision number from fwctl history");
		return;
	}
	if (!store_or_error(c))
		return;
	sb_printf(&sum, "rollback to revision %" PRIu64, rev);
	rc = engine_rollback(c->eng, (int64_t)rev, c->peer->uid, c->now, sb_str(&sum), &res);
	if (rc == -2) {
		commands_error(c->out, EXIT_FAILED, "ENOENT", "%s", res.msg);
	} else if (rc < 0) {
		cmd_put_failure(c, &res);
	} else {
		proto_begin(c->out, "ok");
		proto_int(c->out, "revision", res.revision);
		proto_int(c->out, "restored", (int64_t)rev);
		proto_end(c->out);
	}
	engine_result_free(&res);
	sb_free(&sum);
}

void cmd_confirm(struct cmd *c)
{
	int64_t deadline, rev;
	int rc;

	if (cmd_no_args(c) < 0)
		return;
	rev = engine_confirm_pending(c->eng, &deadline);
	rc = engine_confirm(c->eng);
	if (rc < 0) {
		commands_error(c->out, EXIT_FAILED, "EIO", "database error: %s; the "
			       "change is not confirmed yet, try again",
			       engine_store(c->eng) ? store_errmsg(engine_store(c->eng))
			       : "unavailable");
		return;
	}
	if (rc == 0) {
		commands_error(c->out, EXIT_FAILED, "ENOENT", "no change is waiting for "
			       "confirmation (apply --confirm N starts one)");
		return;
	}
	log_info("uid %u confirmed the change; no rollback to revision %" PRId64,
		 (unsigned)c->peer->uid, rev);
	proto_begin(c->out, "ok");
	proto_int(c->out, "rollback_to", rev);
	proto_end(c->out);
}

void cmd_panic(struct cmd *c)
{
	struct engine_change ch = { .enabled = engine_enabled(c->eng) };
	struct engine_result res = { 0 };
	const char *val;
	bool on;

	if (one_arg(c, "state", &val, true) < 0)
		return;
	if (strcmp(val, "on") && strcmp(val, "off")) {
		commands_error(c->out, EXIT_USAGE, "EINVAL", "'panic' takes state=on or "
			       "state=off");
		return;
	}
	on = !strcmp(val, "on");
	if (engine_panic(c->eng) == on) {
		proto_begin(c->out, "ok");
		proto_bool(c->out, "panic", on);
		proto_int(c->out, "revision", 0);
		proto_end(c->out);
		return;
	}
	engine_copy_state(c->eng, &ch.next);
	ch.panic = on ? ENGINE_ON : ENGINE_OFF;
	ch.summary = on ? "panic on" : "panic off";
	if (on)
		log_warnx("uid %u turns PANIC MODE on: only loopback traffic passes",
			  (unsigned)c->peer->uid);
	if (cmd_change_run(c, &ch, &res) == 0) {
		proto_begin(c->out, "ok");
		proto_bool(c->out, "panic", on);
		proto_int(c->out, "revision", res.revision);
		proto_end(c->out);
	}
	engine_result_free(&res);
}
