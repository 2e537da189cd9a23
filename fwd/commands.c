/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd_internal.h"
#include "commands.h"
#include "droplog.h"
#include "grammar.h"
#include "log.h"
#include "proto.h"
#include "tracker.h"

void commands_error(struct strbuf *out, int code, const char *errname,
		    const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(&msg, fmt, ap);
	va_end(ap);
	proto_begin(out, "error");
	proto_int(out, "code", code);
	proto_str(out, "errno", errname ? errname : "");
	proto_str(out, "msg", sb_str(&msg));
	proto_end(out);
	sb_free(&msg);
}

/* ---- arguments ---- */

/* "key=value" into key (bounded) and a pointer to value; -1 without '=' */
int cmd_arg_split(const char *tok, char *key, size_t keylen, const char **val)
{
	const char *eq = strchr(tok, '=');

	if (!eq || eq == tok || (size_t)(eq - tok) >= keylen)
		return -1;
	memcpy(key, tok, eq - tok);
	key[eq - tok] = '\0';
	*val = eq + 1;
	return 0;
}

int cmd_parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

void cmd_bad_arg(struct cmd *c, const char *tok)
{
	commands_error(c->out, EXIT_USAGE, "EINVAL", "unknown argument '%s' for '%s'",
		       tok, c->verb);
}

/* verbs without arguments */
int cmd_no_args(struct cmd *c)
{
	if (c->argc == 0)
		return 0;
	commands_error(c->out, EXIT_USAGE, "EINVAL", "'%s' takes no arguments", c->verb);
	return -1;
}

void cmd_put_diags(struct strbuf *out, const struct diag_list *dl)
{
	for (size_t i = 0; i < dl->n; i++)
		proto_put_diag(out, &dl->v[i]);
}

/* the failure of engine_apply_change, as the client sees it */
void cmd_put_failure(struct cmd *c, struct engine_result *res)
{
	cmd_put_diags(c->out, &res->diags);
	commands_error(c->out, EXIT_FAILED, res->diags.n ? "EINVAL" : "EIO", "%s", res->msg);
}

/* a change built by the verb: 0 when in force, else the response is sent */
int cmd_change_run(struct cmd *c, struct engine_change *ch, struct engine_result *res)
{
	ch->uid = c->peer->uid;
	ch->now = c->now;
	if (engine_apply_change(c->eng, ch, res) == 0)
		return 0;
	cmd_put_failure(c, res);
	return -1;
}

int cmd_change_simple(struct cmd *c, struct ruleset *next, bool enabled,
			 const char *summary, struct engine_result *res)
{
	struct engine_change ch = { .next = *next, .enabled = enabled, .summary = summary };

	ruleset_init(next);     /* consumed by the engine */
	return cmd_change_run(c, &ch, res);
}

/* ---- status, list, export ---- */

/* the engine's problems, then those of listener tracking and the log */
static void status_problem(struct cmd *c, const char *eng, struct strbuf *sb)
{
	struct tracker_stats ts = { .problem = "" };
	const char *parts[3] = { eng, "", "" };

	if (c->env->trk) {
		tracker_stats(c->env->trk, &ts);
		parts[1] = ts.problem;
	}
	if (c->env->log)
		parts[2] = droplog_problem(c->env->log);
	for (size_t i = 0; i < 3; i++)
		if (*parts[i])
			sb_printf(sb, "%s%s", sb->len ? "; " : "", parts[i]);
}

static void status_tracking(struct cmd *c)
{
	struct droplog_stats ls = { 0 };
	struct tracker_stats ts = { 0 };
	struct strbuf *o = c->out;

	if (c->env->log)
		droplog_stats(c->env->log, &ls);
	if (c->env->trk)
		tracker_stats(c->env->trk, &ts);
	proto_int(o, "log_recorded", (int64_t)ls.recorded);
	proto_int(o, "log_dropped", (int64_t)ls.dropped);
	proto_int(o, "log_lost", (int64_t)ls.lost);
	proto_int(o, "listeners", (int64_t)ts.listeners);
	proto_int(o, "owner_bindings", (int64_t)ts.bindings);
	proto_int(o, "listener_scan_us", ts.scan_us);
}

static void cmd_status(struct cmd *c)
{
	struct engine_status st;
	struct strbuf *o = c->out, problem = STRBUF_INIT;

	if (cmd_no_args(c) < 0)
		return;
	engine_status(c->eng, &st);
	status_problem(c, st.problem, &problem);
	proto_begin(o, "item");
	proto_bool(o, "enabled", st.enabled);
	proto_bool(o, "panic", st.panic);
	proto_str(o, "policy_in", rule_policy_name(st.policy_in));
	proto_str(o, "policy_out", rule_policy_name(st.policy_out));
	proto_int(o, "rules", (int64_t)st.nrules);
	proto_int(o, "drops_in", (int64_t)st.drops_in);
	proto_int(o, "rejects_in", (int64_t)st.rejects_in);
	proto_int(o, "drops_out", (int64_t)st.drops_out);
	status_tracking(c);
	proto_str(o, "table", st.table);
	proto_int(o, "revision", st.revision);
	proto_str(o, "database", st.database);
	proto_str(o, "problem", sb_str(&problem));
	proto_str(o, "version", FWD_VERSION);
	proto_end(o);
	proto_begin(o, "ok");
	proto_end(o);
	sb_free(&problem);
}

/* ---- log: the blocked-connection log, and following it ---- */

#define LOG_DEFAULT_N   20
#define LOG_MAX_N       100000

struct log_args {
	uint64_t n;
	bool follow;
};

static int log_parse(struct cmd *c, struct log_args *a)
{
	char key[16];
	const char *val;

	a->n = LOG_DEFAULT_N;
	for (int i = 0; i < c->argc; i++) {
		if (cmd_arg_split(c->argv[i], key, sizeof(key), &val) < 0) {
			cmd_bad_arg(c, c->argv[i]);
			return -1;
		}
		if (!strcmp(key, "n") && cmd_parse_u64(val, &a->n) == 0 && a->n <= LOG_MAX_N)
			continue;
		if (!strcmp(key, "follow") && (!strcmp(val, "true") || !strcmp(val, "false"))) {
			a->follow = !strcmp(val, "true");
			continue;
		}
		commands_error(c->out, EXIT_USAGE, "EINVAL", "bad argument '%s' for 'log': "
			       "use n=0..%d and follow=true|false", c->argv[i], LOG_MAX_N);
		return -1;
	}
	return 0;
}

static void cmd_log(struct cmd *c)
{
	struct log_args a = { 0 };
	struct droplog *d = c->env->log;
	int64_t last = 0;
	int listed = 0;
	char err[256];

	if (log_parse(c, &a) < 0)
		return;
	if (!d) {
		commands_error(c->out, EXIT_FAILED, "ENOTSUP", "this fwd keeps no "
			       "blocked-connection log");
		return;
	}
	if (a.follow && !c->env->may_follow) {
		commands_error(c->out, EXIT_FAILED, "EUSERS", "too many 'log follow' "
			       "connections of this user (or in all); close one");
		return;
	}
	/* n=0 lists nothing (the store's limit 0 would mean all) */
	if (a.n)
		listed = droplog_list(d, a.n, 0, "item", c->out, &last, err, sizeof(err));
	if (listed < 0) {
		commands_error(c->out, EXIT_FAILED, "EIO", "%s", err);
		return;
	}
	if (a.follow) {
		/* the listing ended at the newest: events from there on follow */
		*c->follow_after = droplog_newest(d);
		return;
	}
	proto_begin(c->out, "ok");
	proto_int(c->out, "count", listed);
	proto_end(c->out);
}

struct counter {
	uint64_t id, packets, bytes;
};

struct counters {
	struct counter *v;
	size_t n;
};

static int cmp_counter(const void *a, const void *b)
{
	uint64_t x = ((const struct counter *)a)->id, y = ((const struct counter *)b)->id;

	return x < y ? -1 : x > y;
}

static void add_counter(void *arg, uint64_t rule_id, const char *tag,
			uint64_t packets, uint64_t bytes)
{
	struct counters *cs = arg;
	struct counter key = { .id = rule_id }, *hit;

	if (!rule_id)
		return;
	hit = bsearch(&key, cs->v, cs->n, sizeof(*cs->v), cmp_counter);
	if (hit) {
		hit->packets += packets;
		hit->bytes += bytes;
	}
}

static void read_counters(struct cmd *c, const struct ruleset *rs, struct counters *cs)
{
	cs->n = rs->nrules;
	cs->v = xcalloc(cs->n + 1, sizeof(*cs->v));
	for (size_t i = 0; i < cs->n; i++)
		cs->v[i].id = rs->rules[i]->id;
	qsort(cs->v, cs->n, sizeof(*cs->v), cmp_counter);
	if (engine_read_counters(c->eng, add_counter, cs) < 0)
		log_warnx("cannot read rule counters; listing them as 0");
}

static void put_rule_item(struct cmd *c, const struct rule *r, const struct counters *cs)
{
	struct counter key = { .id = r->id }, *k;
	struct strbuf *o = c->out;
	char *text = rule_format(r, 0);

	k = bsearch(&key, cs->v, cs->n, sizeof(*cs->v), cmp_counter);
	proto_begin(o, "item");
	proto_int(o, "id", (int64_t)r->id);
	proto_str(o, "rule", text);
	proto_str(o, "action", rule_action_name(r->action));
	proto_str(o, "dir", rule_dir_name(r->dir));
	proto_str(o, "origin", rule_origin_name(r->origin));
	proto_int(o, "created", r->created);
	proto_int(o, "expires", r->expires);
	proto_int(o, "remaining", engine_remaining(r, c->now));
	proto_int(o, "packets", k ? (int64_t)k->packets : 0);
	proto_int(o, "bytes", k ? (int64_t)k->bytes : 0);
	proto_str(o, "comment", r->comment ? r->comment : "");
	proto_int(o, "owner", r->owner);
	proto_end(o);
	free(text);
}

static void cmd_list(struct cmd *c)
{
	const struct ruleset *rs = engine_ruleset(c->eng);
	struct counters cs;

	if (cmd_no_args(c) < 0)
		return;
	read_counters(c, rs, &cs);
	for (size_t i = 0; i < rs->nrules; i++)
		put_rule_item(c, rs->rules[i], &cs);
	free(cs.v);
	proto_begin(c->out, "ok");
	proto_int(c->out, "count", (int64_t)rs->nrules);
	proto_end(c->out);
}

static void put_line(struct strbuf *o, const char *line)
{
	proto_begin(o, "item");
	proto_str(o, "line", line);
	proto_end(o);
}

static void cmd_export(struct cmd *c)
{
	const struct ruleset *rs = engine_ruleset(c->eng);

	if (cmd_no_args(c) < 0)
		return;
	put_line(c->out, rule_policy_line(RULE_IN, rs->policy_in));
	put_line(c->out, rule_policy_line(RULE_OUT, rs->policy_out));
	for (size_t i = 0; i < rs->nrules; i++) {
		const struct rule *r = rs->rules[i];
		char *t = rule_format(r, (uint64_t)engine_remaining(r, c->now));

		put_line(c->out, t);
		free(t);
	}
	proto_begin(c->out, "ok");
	proto_int(c->out, "count", (int64_t)rs->nrules + 2);
	proto_end(c->out);
}

/* ---- add, delete ---- */

static bool same_prefix(bool has_a, const struct addr_prefix *a, bool has_b,
			const struct addr_prefix *b)
{
	if (has_a != has_b)
		return false;
	if (!has_a)
		return true;
	return a->family == b->family && a->len == b->len &&
	       !memcmp(a->addr, b->addr, a->family == AF_INET ? 4 : 16);
}

/*
 * Rules that differ here have different canonical text: a cheap test that
 * spares formatting every rule of a large set on each add.
 */
static bool may_be_same(const struct rule *a, const struct rule *b)
{
	/* not the ports: the text writes them normalized (sorted, merged) */
	if (a->action != b->action || a->dir != b->dir || a->protos != b->protos ||
	    a->log != b->log || !a->service != !b->service ||
	    !a->iface != !b->iface || !a->app != !b->app || !a->comment != !b->comment ||
	    !a->unit != !b->unit ||
	    a->has_user != b->has_user || a->has_group != b->has_group)
		return false;
	return same_prefix(a->has_from, &a->from, b->has_from, &b->from) &&
	       same_prefix(a->has_to, &a->to, b->has_to, &b->to);
}

/* an existing permanent rule with the same text: adding it again is a no-op */
static const struct rule *find_same(const struct ruleset *rs, const struct rule *r)
{
	const struct rule *hit = NULL;
	char *t;

	if (r->duration)
		return NULL;
	t = rule_format(r, 0);
	for (size_t i = 0; i < rs->nrules && !hit; i++) {
		char *u;

		if (rs->rules[i]->expires || rs->rules[i]->duration ||
		    !may_be_same(r, rs->rules[i]))
			continue;
		u = rule_format(rs->rules[i], 0);
		if (!strcmp(t, u))
			hit = rs->rules[i];
		free(u);
	}
	free(t);
	return hit;
}

static void put_added(struct strbuf *o, const struct rule *r)
{
	char *t = rule_format(r, r->duration);

	proto_begin(o, "item");
	proto_int(o, "id", (int64_t)r->id);
	proto_str(o, "rule", t);
	proto_end(o);
	free(t);
}

/* parses every rule="TEXT" argument; -1 after the response is written */
static int add_parse(struct cmd *c, struct ruleset *rs)
{
	struct diag_list dl = { 0 };
	char key[16];
	const char *val;

	for (int i = 0; i < c->argc; i++) {
		struct rule *r;

		if (cmd_arg_split(c->argv[i], key, sizeof(key), &val) < 0 || strcmp(key, "rule")) {
			cmd_bad_arg(c, c->argv[i]);
			goto fail;
		}
		r = parse_rule_text(val, "<command line>", engine_catalog(c->eng), 0, &dl);
		if (r && ruleset_append(rs, r) < 0)
			fatalx("out of memory");
	}
	if (dl.n) {
		cmd_put_diags(c->out, &dl);
		commands_error(c->out, EXIT_FAILED, "EINVAL", "invalid rule%s; nothing changed",
			       dl.n > 1 ? "s" : "");
		goto fail;
	}
	if (rs->nrules == 0) {
		commands_error(c->out, EXIT_USAGE, "EINVAL", "'add' needs rule=\"RULE\"");
		goto fail;
	}
	return 0;
fail:
	diag_list_free(&dl);
	return -1;
}

/* items only for rules really added: a duplicate is skipped, not re-added */
static void add_finish(struct cmd *c, struct rule **fresh, size_t nfresh, int64_t rev)
{
	for (size_t i = 0; i < nfresh; i++)
		put_added(c->out, fresh[i]);
	proto_begin(c->out, "ok");
	proto_int(c->out, "added", (int64_t)nfresh);
	proto_int(c->out, "revision", rev);
	proto_end(c->out);
}

/* the first of fresh[0..n) with r's text: `add X X` adds X once */
static bool fresh_has(struct rule **fresh, size_t n, const struct rule *r)
{
	struct ruleset rs = { .rules = fresh, .nrules = n };

	return find_same(&rs, r) != NULL;
}

static void cmd_add(struct cmd *c)
{
	struct ruleset in;
	struct engine_change ch = { .enabled = engine_enabled(c->eng) };
	struct engine_result res = { 0 };
	struct strbuf sum = STRBUF_INIT;
	struct rule **fresh;
	size_t nfresh = 0;

	ruleset_init(&in);
	ruleset_init(&ch.next);
	if (add_parse(c, &in) < 0) {
		ruleset_clear(&in);
		return;
	}
	fresh = xcalloc(in.nrules, sizeof(*fresh));
	for (size_t i = 0; i < in.nrules; i++) {
		const struct rule *old = find_same(engine_ruleset(c->eng), in.rules[i]);

		if (old || fresh_has(fresh, nfresh, in.rules[i])) {
			log_info("uid %u: 'add' skips a rule already in force: %s",
				 (unsigned)c->peer->uid, c->argv[i] + 5);
			continue;
		}
		fresh[nfresh] = rule_dup(in.rules[i]);
		fresh[nfresh]->origin = ORIGIN_ADMIN;
		fresh[nfresh++]->id = 0;
	}
	sb_printf(&sum, "add %zu rule%s", nfresh, nfresh == 1 ? "" : "s");
	ch.summary = sb_str(&sum);
	ch.uid = c->peer->uid;
	ch.now = c->now;
	if (nfresh == 0)
		add_finish(c, fresh, 0, 0);
	else if (engine_apply_delta(c->eng, &ch, fresh, nfresh, NULL, 0, &res) < 0)
		cmd_put_failure(c, &res);
	else
		add_finish(c, fresh, nfresh, res.revision);
	engine_result_free(&res);
	sb_free(&sum);
	free(fresh);
	ruleset_clear(&in);
}

static bool has_rule(const struct ruleset *rs, uint64_t id)
{
	for (size_t i = 0; i < rs->nrules; i++)
		if (rs->rules[i]->id == id)
			return true;
	return false;
}

static bool has_id(const uint64_t *ids, size_t n, uint64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

static const struct rule *find_rule(const struct ruleset *rs, uint64_t id)
{
	for (size_t i = 0; i < rs->nrules; i++)
		if (rs->rules[i]->id == id)
			return rs->rules[i];
	return NULL;
}

/*
 * An admin deletes any rule; another user only the prompt rules they made
 * themselves (their own answers), and only while user prompts are on.
 */
static int delete_allowed(struct cmd *c, uint64_t id)
{
	const struct rule *r;

	if (auth_is_admin(c->peer))
		return 0;
	r = find_rule(engine_ruleset(c->eng), id);
	if (engine_config(c->eng)->user_prompts && r && r->origin == ORIGIN_PROMPT &&
	    r->owner == c->peer->uid)
		return 0;
	log_warnx("permission denied: uid %u (pid %d) may not delete rule %" PRIu64,
		  (unsigned)c->peer->uid, (int)c->peer->pid, id);
	commands_error(c->out, EXIT_DENIED, "EPERM", "permission denied: 'delete' of rule %"
		       PRIu64 " needs root or membership in group %s (other users may "
		       "delete only the prompt rules they made)", id, auth_admin_group());
	return -1;
}

static bool is_skipped(const struct engine *e, uint64_t id)
{
	size_t n;
	const struct engine_skipped *k = engine_skipped(e, &n);

	for (size_t i = 0; i < n; i++)
		if (k[i].id == id)
			return true;
	return false;
}

/* the ids to delete, each known and listed once; -1 after an error */
static int delete_parse(struct cmd *c, uint64_t *ids, size_t *n)
{
	const struct ruleset *rs = engine_ruleset(c->eng);
	char key[16];
	const char *val;
	uint64_t id;

	*n = 0;
	for (int i = 0; i < c->argc; i++) {
		if (cmd_arg_split(c->argv[i], key, sizeof(key), &val) < 0 || strcmp(key, "id") ||
		    cmd_parse_u64(val, &id) < 0) {
			cmd_bad_arg(c, c->argv[i]);
			return -1;
		}
		if (!has_id(ids, *n, id))
			ids[(*n)++] = id;
	}
	if (*n == 0) {
		commands_error(c->out, EXIT_USAGE, "EINVAL", "'delete' needs id=N");
		return -1;
	}
	for (size_t j = 0; j < *n; j++)
		if (!has_rule(rs, ids[j]) && !is_skipped(c->eng, ids[j])) {
			commands_error(c->out, EXIT_FAILED, "ENOENT", "no rule with id %" PRIu64
				       "; nothing deleted (see fwctl list)", ids[j]);
			return -1;
		}
	for (size_t j = 0; j < *n; j++)
		if (delete_allowed(c, ids[j]) < 0)
			return -1;
	return 0;
}

static void cmd_delete(struct cmd *c)
{
	uint64_t *ids = xcalloc(c->argc + 1, sizeof(*ids));
	uint64_t *skipped = xcalloc(c->argc + 1, sizeof(*skipped));
	struct engine_change ch = { .enabled = engine_enabled(c->eng), .drop_skipped = skipped };
	struct engine_result res = { 0 };
	struct strbuf sum = STRBUF_INIT;
	size_t n;

	ruleset_init(&ch.next);
	if (delete_parse(c, ids, &n) < 0)
		goto out;
	for (size_t k = 0; k < n; k++)
		if (is_skipped(c->eng, ids[k]))
			skipped[ch.ndrop_skipped++] = ids[k];
	sb_printf(&sum, "delete rule%s ", n == 1 ? "" : "s");
	for (size_t k = 0; k < n; k++)
		sb_printf(&sum, "%s%" PRIu64, k ? ", " : "", ids[k]);
	ch.summary = sb_str(&sum);
	ch.uid = c->peer->uid;
	ch.now = c->now;
	if (engine_apply_delta(c->eng, &ch, NULL, 0, ids, n, &res) < 0) {
		cmd_put_failure(c, &res);
	} else {
		proto_begin(c->out, "ok");
		proto_int(c->out, "deleted", (int64_t)n);
		proto_int(c->out, "revision", res.revision);
		proto_end(c->out);
	}
	engine_result_free(&res);
out:
	sb_free(&sum);
	free(ids);
	free(skipped);
}

/* ---- enable, disable ---- */

static void set_enabled(struct cmd *c, bool on)
{
	struct engine_result res = { 0 };
	struct ruleset next;

	if (cmd_no_args(c) < 0)
		return;
	if (engine_enabled(c->eng) == on) {
		proto_begin(c->out, "ok");
		proto_int(c->out, "revision", 0);
		proto_end(c->out);
		return;
	}
	engine_copy_state(c->eng, &next);
	if (cmd_change_simple(c, &next, on, on ? "enable" : "disable", &res) == 0) {
		proto_begin(c->out, "ok");
		proto_int(c->out, "revision", res.revision);
		proto_end(c->out);
	}
	engine_result_free(&res);
}

static void cmd_enable(struct cmd *c) { set_enabled(c, true); }
static void cmd_disable(struct cmd *c) { set_enabled(c, false); }

/* ---- check, apply: a rule file in the body ---- */

struct file_args {
	const char *name;
	bool dry_run;
	uint64_t confirm;       /* seconds, 0 = none */
	const char *ssh;        /* $SSH_CONNECTION of the admin's shell */
};

/* an apply --confirm waits at most a day: a typo must not arm a week */
#define CONFIRM_MAX_SECS 86400

static int file_args_parse(struct cmd *c, struct file_args *a, bool is_apply)
{
	char key[16];
	const char *val;
	uint64_t n;

	a->name = "<stdin>";
	for (int i = 0; i < c->argc; i++) {
		if (cmd_arg_split(c->argv[i], key, sizeof(key), &val) < 0) {
			cmd_bad_arg(c, c->argv[i]);
			return -1;
		}
		if (!strcmp(key, "name") && *val)
			a->name = val;
		else if (is_apply && !strcmp(key, "dry-run") && !strcmp(val, "true"))
			a->dry_run = true;
		else if (is_apply && !strcmp(key, "dry-run") && !strcmp(val, "false"))
			a->dry_run = false;
		else if (is_apply && !strcmp(key, "confirm") && cmd_parse_u64(val, &n) == 0 &&
			 n <= CONFIRM_MAX_SECS)
			a->confirm = n;
		else if (is_apply && !strcmp(key, "ssh"))
			a->ssh = val;
		else {
			cmd_bad_arg(c, c->argv[i]);
			return -1;
		}
	}
	return 0;
}

/* the body as a rule file into rs; -1 after the response is written */
static int parse_body(struct cmd *c, const char *name, struct ruleset *rs, bool validate)
{
	struct diag_list dl = { 0 };
	struct parser *p;

	if (c->bodylen && memchr(c->body, '\0', c->bodylen)) {
		commands_error(c->out, EXIT_FAILED, "EINVAL",
			       "%s: contains a NUL byte: this is not a rule file", name);
		return -1;
	}
	p = parser_new(name, engine_catalog(c->eng), 0);
	parser_feed(p, c->bodylen ? c->body : "", c->bodylen);
	if (parser_finish(p, rs, &dl) == 0 && (!validate || engine_validate(c->eng, rs, &dl) == 0))
		return 0;
	cmd_put_diags(c->out, &dl);
	commands_error(c->out, EXIT_FAILED, "EINVAL", "%s: %zu error%s%s", name, dl.n,
		       dl.n == 1 ? "" : "s", validate ? "" : "; nothing changed");
	diag_list_free(&dl);
	return -1;
}

static void cmd_check(struct cmd *c)
{
	struct file_args a = { 0 };
	struct ruleset rs;

	ruleset_init(&rs);
	if (file_args_parse(c, &a, false) < 0 || parse_body(c, a.name, &rs, true) < 0)
		goto out;
	proto_begin(c->out, "ok");
	proto_int(c->out, "rules", (int64_t)rs.nrules);
	proto_end(c->out);
out:
	ruleset_clear(&rs);
}

/*
 * What `apply` changes. Rules are matched by canonical text (and whether
 * they are temporary), each existing rule at most once: a matched rule
 * keeps its id, origin and expiry, so applying an export changes nothing.
 */
struct apply_diff {
	struct ruleset next;
	struct strbuf items;    /* the change items, sent once in force */
	size_t added, removed;
	uint64_t *drop;         /* stored rules that no longer parse: removed */
	size_t ndrop;
	bool policy;            /* a policy line changed */
	struct strbuf summary;
};

struct keyed {
	char *key;
	size_t idx;
	bool used;
};

static int cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int d = strcmp(x->key, y->key);

	return d ? d : (x->idx > y->idx) - (x->idx < y->idx);
}

static char *rule_key(const struct rule *r, bool temporary)
{
	struct strbuf sb = STRBUF_INIT;
	char *t = rule_format(r, 0);

	sb_printf(&sb, "%c %s", temporary ? 'T' : 'P', t);
	free(t);
	return sb_steal(&sb);
}

/* marks the first unused current rule with f's key; its index or -1 */
static ssize_t match_rule(struct keyed *k, size_t n, const struct rule *f)
{
	struct keyed probe = { .key = rule_key(f, f->duration != 0), .idx = 0 };
	size_t lo = 0, hi = n;
	ssize_t hit = -1;

	while (lo < hi) {       /* lower bound of the key */
		size_t mid = (lo + hi) / 2;

		if (strcmp(k[mid].key, probe.key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < n && !strcmp(k[lo].key, probe.key) && hit < 0; lo++)
		if (!k[lo].used) {
			k[lo].used = true;
			hit = (ssize_t)k[lo].idx;
		}
	free(probe.key);
	return hit;
}

static void put_change(struct strbuf *o, const char *change, const char *rule)
{
	proto_begin(o, "item");
	proto_str(o, "change", change);
	proto_str(o, "rule", rule);
	proto_end(o);
}

static void diff_policies(struct cmd *c, const struct ruleset *file, struct apply_diff *d)
{
	const struct ruleset *cur = engine_ruleset(c->eng);

	/* a file without a policy line leaves that policy as it is */
	if (file->has_policy_in && file->policy_in != cur->policy_in) {
		d->next.policy_in = file->policy_in;
		put_change(&d->items, "policy", rule_policy_line(RULE_IN, file->policy_in));
		d->policy = true;
	}
	if (file->has_policy_out && file->policy_out != cur->policy_out) {
		d->next.policy_out = file->policy_out;
		put_change(&d->items, "policy", rule_policy_line(RULE_OUT, file->policy_out));
		d->policy = true;
	}
}

/* keeps matched and prompt rules of the copy in next, drops the others */
static void diff_removals(struct cmd *c, const bool *keep, struct apply_diff *d)
{
	size_t j = 0;

	for (size_t i = 0; i < d->next.nrules; i++) {
		struct rule *r = d->next.rules[i];
		char *t;

		if (keep[i] || r->origin == ORIGIN_PROMPT) {
			d->next.rules[j++] = r;
			continue;
		}
		t = rule_format(r, (uint64_t)engine_remaining(r, c->now));
		put_change(&d->items, "-", t);
		free(t);
		rule_free(r);
		d->removed++;
	}
	d->next.nrules = j;
}

/* the file replaces them too: an apply clears what a restart left behind */
static void diff_skipped(struct cmd *c, struct apply_diff *d)
{
	size_t n;
	const struct engine_skipped *k = engine_skipped(c->eng, &n);

	d->drop = xcalloc(n + 1, sizeof(*d->drop));
	for (size_t i = 0; i < n; i++) {
		if (k[i].origin == ORIGIN_PROMPT)
			continue;
		d->drop[d->ndrop++] = k[i].id;
		put_change(&d->items, "-", k[i].text);
		d->removed++;
	}
}

static void diff_build(struct cmd *c, const struct ruleset *file, struct apply_diff *d)
{
	const struct ruleset *cur = engine_ruleset(c->eng);
	struct keyed *k = xcalloc(cur->nrules + 1, sizeof(*k));
	bool *keep = xcalloc(cur->nrules + 1, sizeof(*keep));
	bool *fresh = xcalloc(file->nrules + 1, sizeof(*fresh));

	for (size_t i = 0; i < cur->nrules; i++) {
		k[i].key = rule_key(cur->rules[i], cur->rules[i]->expires != 0);
		k[i].idx = i;
	}
	qsort(k, cur->nrules, sizeof(*k), cmp_keyed);
	for (size_t j = 0; j < file->nrules; j++) {
		ssize_t hit = match_rule(k, cur->nrules, file->rules[j]);

		if (hit >= 0)
			keep[hit] = true;
		else
			fresh[j] = true;
	}
	engine_copy_state(c->eng, &d->next);
	diff_policies(c, file, d);
	diff_removals(c, keep, d);
	diff_skipped(c, d);
	for (size_t j = 0; j < file->nrules; j++) {
		struct rule *r;
		char *t;

		if (!fresh[j])
			continue;
		r = rule_dup(file->rules[j]);
		r->id = 0;
		r->origin = ORIGIN_ADMIN;
		t = rule_format(r, r->duration);
		put_change(&d->items, "+", t);
		free(t);
		if (ruleset_append(&d->next, r) < 0)
			fatalx("out of memory");
		d->added++;
	}
	for (size_t i = 0; i < cur->nrules; i++)
		free(k[i].key);
	free(k);
	free(keep);
	free(fresh);
}

static void apply_ok(struct cmd *c, struct apply_diff *d, int64_t rev, bool dry_run)
{
	int64_t deadline = 0, back = rev ? engine_confirm_pending(c->eng, &deadline) : 0;

	sb_add(c->out, d->items.buf ? d->items.buf : "", d->items.len);
	proto_begin(c->out, "ok");
	proto_int(c->out, "added", (int64_t)d->added);
	proto_int(c->out, "removed", (int64_t)d->removed);
	proto_int(c->out, "revision", rev);
	proto_bool(c->out, "dry_run", dry_run);
	if (back) {
		proto_int(c->out, "confirm_deadline", deadline);
		proto_int(c->out, "rollback_to", back);
	}
	proto_end(c->out);
}

static void apply_run(struct cmd *c, const struct file_args *a, struct apply_diff *d)
{
	struct engine_result res = { 0 };
	const struct ruleset *cur = engine_ruleset(c->eng);
	const char *name = a->name;
	struct engine_change ch = {
		.drop_skipped = d->drop,
		.ndrop_skipped = d->ndrop,
		.enabled = engine_enabled(c->eng),
		.confirm_secs = (int64_t)a->confirm,
	};

	sb_printf(&d->summary, "apply %s: +%zu -%zu", name, d->added, d->removed);
	if (d->next.policy_in != cur->policy_in)
		sb_printf(&d->summary, ", %s", rule_policy_line(RULE_IN, d->next.policy_in));
	if (d->next.policy_out != cur->policy_out)
		sb_printf(&d->summary, ", %s", rule_policy_line(RULE_OUT, d->next.policy_out));
	if (a->confirm)
		sb_printf(&d->summary, " (confirm within %" PRIu64 " s)", a->confirm);
	ch.summary = sb_str(&d->summary);
	ch.next = d->next;
	ruleset_init(&d->next);         /* consumed by the engine */
	if (cmd_change_run(c, &ch, &res) == 0)
		apply_ok(c, d, res.revision, false);
	engine_result_free(&res);
}

/*
 * The admin's own session: $SSH_CONNECTION is "CLIENT_IP CLIENT_PORT
 * SERVER_IP SERVER_PORT". The established session itself survives a rule
 * set that closes the port (conntrack), the next login does not.
 */
static void apply_ssh_warning(struct cmd *c, const char *ssh, const struct ruleset *next)
{
	struct explain_query q = { .dir = RULE_IN, .proto = IPPROTO_TCP,
				   .new_connection = true, .has_peer = true };
	struct explain_result er = { 0 };
	char client[64], server[64];
	unsigned cport, sport;
	struct strbuf w = STRBUF_INIT;

	if (!ssh || !*ssh)
		return;
	if (sscanf(ssh, "%63s %u %63s %u", client, &cport, server, &sport) != 4 ||
	    sport == 0 || sport > 65535 || cport > 65535) {
		log_warnx("apply: ignoring a malformed ssh='%s'", ssh);
		return;
	}
	q.port = (uint16_t)sport;
	if (inet_pton(AF_INET, client, q.peer) == 1)
		q.family = AF_INET;
	else if (inet_pton(AF_INET6, client, q.peer) == 1)
		q.family = AF_INET6;
	else
		return;
	if (engine_explain(c->eng, next, &q, &er) < 0) {
		sb_printf(&w, "cannot tell whether this rule set keeps SSH from %s to port "
			  "%u open (%s); consider --confirm", client, sport, er.why);
	} else if (er.verdict != EXPLAIN_ACCEPT) {
		sb_printf(&w, "this rule set blocks new SSH connections from %s to port %u "
			  "(the session you are using now stays up until it closes); "
			  "consider --confirm", client, sport);
	}
	if (w.len) {
		proto_begin(c->out, "item");
		proto_str(c->out, "warning", sb_str(&w));
		proto_end(c->out);
	}
	sb_free(&w);
}

static void cmd_apply(struct cmd *c)
{
	struct file_args a = { 0 };
	struct apply_diff d = { .items = STRBUF_INIT, .summary = STRBUF_INIT };
	struct diag_list dl = { 0 };
	struct ruleset file;

	ruleset_init(&file);
	ruleset_init(&d.next);
	if (file_args_parse(c, &a, true) < 0)
		goto out;
	if (a.confirm && !a.dry_run && engine_confirm_pending(c->eng, NULL)) {
		commands_error(c->out, EXIT_FAILED, "EBUSY", "a change applied with "
			       "--confirm is still waiting: run 'fwctl confirm' to keep it "
			       "(or 'fwctl rollback REV'), then apply again");
		goto out;
	}
	if (parse_body(c, a.name, &file, false) < 0)
		goto out;
	ruleset_clear(&d.next);
	diff_build(c, &file, &d);
	apply_ssh_warning(c, a.ssh, &d.next);
	if (a.dry_run && engine_validate(c->eng, &d.next, &dl) < 0) {
		cmd_put_diags(c->out, &dl);
		commands_error(c->out, EXIT_FAILED, "EINVAL", "%s: fwd cannot enforce %s",
			       a.name, dl.n == 1 ? "this rule" : "these rules");
	} else if (a.dry_run || (!d.added && !d.removed && !d.policy)) {
		/* an identical rule set records no revision and leaves the kernel */
		apply_ok(c, &d, 0, a.dry_run);
	} else {
		apply_run(c, &a, &d);
	}
out:
	diag_list_free(&dl);
	ruleset_clear(&file);
	ruleset_clear(&d.next);
	sb_free(&d.items);
	sb_free(&d.summary);
	free(d.drop);
}

/* ---- dispatch ---- */

static const struct command commands[] = {
	{ "add",     cmd_add,     ROLE_ADMIN, false },
	{ "apply",   cmd_apply,   ROLE_ADMIN, true  },
	{ "check",   cmd_check,   ROLE_ANY,   true  },
	/* delete: the handler checks per rule (users may delete their prompt rules) */
	{ "delete",  cmd_delete,  ROLE_ANY,   false },
	{ "disable", cmd_disable, ROLE_ADMIN, false },
	{ "enable",  cmd_enable,  ROLE_ADMIN, false },
	{ "export",  cmd_export,  ROLE_ANY,   false },
	{ "list",    cmd_list,    ROLE_ANY,   false },
	{ "log",     cmd_log,     ROLE_ANY,   false },
	{ "status",  cmd_status,  ROLE_ANY,   false },
	/* rule-set safety (cmd_history.c) */
	{ "confirm",  cmd_confirm,  ROLE_ADMIN, false },
	{ "history",  cmd_history,  ROLE_ANY,   false },
	{ "panic",    cmd_panic,    ROLE_ADMIN, false },
	{ "rollback", cmd_rollback, ROLE_ADMIN, false },
	/* read-only questions about the policy (cmd_inspect.c) */
	{ "explain",  cmd_explain,  ROLE_ANY,   false },
	{ "exposure", cmd_exposure, ROLE_ANY,   false },
	{ "services", cmd_services, ROLE_ANY,   false },
	/* prompts (cmd_prompts.c): the handlers check ownership per prompt */
	{ "answer",   cmd_answer,   ROLE_ANY,   false },
	{ "prompts",  cmd_prompts,  ROLE_ANY,   false },
	{ "watch",    cmd_watch,    ROLE_ANY,   false },
};

static const struct command *command_find(const char *verb)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].verb, verb))
			return &commands[i];
	return NULL;
}

/* size= is framing, read by the server; the verbs never see it */
static int strip_size(int argc, char **argv)
{
	int j = 0;

	for (int i = 0; i < argc; i++)
		if (strncmp(argv[i], "size=", 5))
			argv[j++] = argv[i];
	return j;
}

void commands_run(const struct commands_env *env, const struct auth_peer *peer,
		  int argc, char **argv, bool has_body,
		  const char *body, size_t bodylen, struct strbuf *out,
		  int64_t *follow_after)
{
	const struct command *cmd;
	struct cmd c = { .env = env, .eng = env->eng, .peer = peer, .body = body,
			 .bodylen = bodylen, .out = out, .now = time(NULL),
			 .follow_after = follow_after };

	*follow_after = -1;
	if (argc < 1 || strcmp(argv[0], PROTO_VERSION)) {
		commands_error(out, EXIT_USAGE, "EPROTO", "unsupported protocol version "
			       "'%s': this fwd speaks " PROTO_VERSION, argc ? argv[0] : "");
		return;
	}
	if (argc < 2) {
		commands_error(out, EXIT_USAGE, "EINVAL", "missing verb after " PROTO_VERSION);
		return;
	}
	cmd = command_find(argv[1]);
	if (!cmd) {
		commands_error(out, EXIT_USAGE, "EOPNOTSUPP", "unknown command '%s'", argv[1]);
		return;
	}
	if (cmd->role == ROLE_ADMIN && !auth_is_admin(peer)) {
		log_warnx("permission denied: uid %u (pid %d) may not run '%s'",
			  (unsigned)peer->uid, (int)peer->pid, cmd->verb);
		commands_error(out, EXIT_DENIED, "EPERM", "permission denied: '%s' needs "
			       "root or membership in group %s", cmd->verb, auth_admin_group());
		return;
	}
	if (cmd->body != has_body) {
		commands_error(out, EXIT_USAGE, "EINVAL", cmd->body ?
			       "'%s' needs a body: send size=N and the file after the line" :
			       "'%s' takes no body (size=)", cmd->verb);
		return;
	}
	c.verb = cmd->verb;
	c.argv = argv + 2;
	c.argc = strip_size(argc - 2, argv + 2);
	cmd->run(&c);
}
