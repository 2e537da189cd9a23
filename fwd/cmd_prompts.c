/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Prompts: the desktop user decides. Every verb here is ROLE_ANY; who may
 * see or answer a prompt is checked per prompt (prompts.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_internal.h"
#include "droplog.h"
#include "grammar.h"
#include "log.h"
#include "prompts.h"

static struct prompts *need_prompts(struct cmd *c)
{
	struct prompts *p = prompts_current();

	if (!p)
		commands_error(c->out, EXIT_FAILED, "ENOTSUP", "this fwd raises no prompts");
	return p;
}

void cmd_prompts(struct cmd *c)
{
	struct prompts *p;
	size_t n;

	if (cmd_no_args(c) < 0 || !(p = need_prompts(c)))
		return;
	n = prompts_list(p, c->peer, c->out);
	proto_begin(c->out, "ok");
	proto_int(c->out, "count", (int64_t)n);
	proto_end(c->out);
}

/* ---- answer ---- */

struct answer_args {
	struct prompts_answer a;
	bool has_id, has_verdict;
};

static int parse_duration_arg(const char *val, struct prompts_answer *a)
{
	uint64_t secs;

	if (!strcmp(val, "always"))
		a->seconds = 0;
	else if (!strcmp(val, "once"))
		a->seconds = PROMPTS_ONCE_SECONDS;
	else if (!strcmp(val, "boot"))
		a->boot = true;
	else if (cmd_parse_u64(val, &secs) == 0 && secs > 0 && secs <= 10ull * 365 * 86400)
		a->seconds = secs;
	else
		return -1;
	return 0;
}

static int parse_verdict(const char *val, struct prompts_answer *a)
{
	if (!strcmp(val, "allow"))
		a->verdict = PROMPTS_ALLOW;
	else if (!strcmp(val, "deny"))
		a->verdict = PROMPTS_DENY;
	else if (!strcmp(val, "later"))
		a->verdict = PROMPTS_LATER;
	else
		return -1;
	return 0;
}

static int answer_arg(struct answer_args *aa, const char *key, const char *val)
{
	uint64_t id;

	if (!strcmp(key, "id")) {
		if (cmd_parse_u64(val, &id) < 0 || id == 0 || id > INT64_MAX)
			return -1;
		aa->a.id = (int64_t)id;
		aa->has_id = true;
		return 0;
	}
	if (!strcmp(key, "verdict")) {
		aa->has_verdict = true;
		return parse_verdict(val, &aa->a);
	}
	if (!strcmp(key, "scope") && (!strcmp(val, "port") || !strcmp(val, "app"))) {
		aa->a.scope_app = !strcmp(val, "app");
		return 0;
	}
	if (!strcmp(key, "from") && (!strcmp(val, "local") || !strcmp(val, "any"))) {
		aa->a.from_any = !strcmp(val, "any");
		return 0;
	}
	if (!strcmp(key, "duration"))
		return parse_duration_arg(val, &aa->a);
	return -1;
}

static int answer_parse(struct cmd *c, struct answer_args *aa)
{
	char key[16];
	const char *val;

	for (int i = 0; i < c->argc; i++) {
		if (cmd_arg_split(c->argv[i], key, sizeof(key), &val) < 0 ||
		    answer_arg(aa, key, val) < 0) {
			commands_error(c->out, EXIT_USAGE, "EINVAL", "bad argument '%s' for "
				       "'answer': use id=N verdict=allow|deny|later scope=port|app "
				       "from=local|any duration=always|once|boot|SECONDS",
				       c->argv[i]);
			return -1;
		}
	}
	if (!aa->has_id) {
		commands_error(c->out, EXIT_USAGE, "EINVAL", "'answer' needs id=N and "
			       "verdict=allow|deny|later");
		return -1;
	}
	/* no verdict decides nothing: the prompt is dismissed, still blocked */
	if (!aa->has_verdict)
		aa->a.verdict = PROMPTS_LATER;
	return 0;
}

/* 0 when the peer may answer the prompt, else the error is sent */
static int answer_check(struct cmd *c, struct prompts *p, int64_t id)
{
	int64_t owner = prompts_owner(p, id);

	if (owner == -2) {
		commands_error(c->out, EXIT_FAILED, "ENOENT", "no pending prompt %" PRId64
			       ": it was answered or has expired (see fwctl prompts)", id);
		return -1;
	}
	if (!prompts_may_see(p, c->peer, owner) || !prompts_may_answer(p, c->peer, owner)) {
		log_warnx("permission denied: uid %u (pid %d) may not answer prompt %" PRId64,
			  (unsigned)c->peer->uid, (int)c->peer->pid, id);
		commands_error(c->out, EXIT_DENIED, "EPERM", "permission denied: prompt %"
			       PRId64 " is not yours to answer; root or members of group %s "
			       "can answer it", id, auth_admin_group());
		return -1;
	}
	return 0;
}

/* the answer as a rule, through the one change path; 0 when in force */
static int answer_apply(struct cmd *c, struct prompts *p, const struct prompts_answer *a,
			uint64_t *rule_id, char **rule_text)
{
	struct diag_list dl = { 0 };
	struct engine_result res = { 0 };
	struct ruleset next;
	struct rule *r = NULL;
	char *text = prompts_rule_text(p, a), summary[64];
	int rc = -1;

	if (text)
		r = parse_rule_text(text, "<prompt>", engine_catalog(c->eng), 0, &dl);
	if (!r) {
		cmd_put_diags(c->out, &dl);
		commands_error(c->out, EXIT_FAILED, "EINVAL", "cannot make a rule of the "
			       "answer: %s", text ? text : "the prompt is gone");
		goto out;
	}
	r->origin = ORIGIN_PROMPT;
	r->id = 0;
	engine_copy_state(c->eng, &next);
	if (ruleset_append(&next, r) < 0)
		fatalx("out of memory");
	snprintf(summary, sizeof(summary), "answer prompt %" PRId64, a->id);
	if (cmd_change_simple(c, &next, engine_enabled(c->eng), summary, &res) < 0)
		goto out;
	*rule_id = r->id;
	*rule_text = rule_format(r, r->duration);
	log_info("uid %u answered prompt %" PRId64 ": rule %" PRIu64 ": %s",
		 (unsigned)c->peer->uid, a->id, r->id, text);
	rc = 0;
out:
	engine_result_free(&res);
	diag_list_free(&dl);
	free(text);
	return rc;
}

void cmd_answer(struct cmd *c)
{
	struct answer_args aa = { 0 };
	struct prompts *p;
	uint64_t rule_id = 0;
	char *text = NULL;

	if (answer_parse(c, &aa) < 0 || !(p = need_prompts(c)) ||
	    answer_check(c, p, aa.a.id) < 0)
		return;
	if (aa.a.verdict == PROMPTS_LATER) {
		prompts_close(p, aa.a.id, "answered");
		proto_begin(c->out, "ok");
		proto_end(c->out);
		return;
	}
	/* "the local network" of no peer would be everywhere: never more than asked */
	if (aa.a.verdict == PROMPTS_ALLOW && !aa.a.from_any && !prompts_has_peer(p, aa.a.id)) {
		commands_error(c->out, EXIT_FAILED, "EDESTADDRREQ", "prompt %" PRId64 " has "
			       "no peer yet (the program only started listening), so there "
			       "is no local network to allow: answer from=any, or wait for "
			       "a blocked attempt", aa.a.id);
		return;
	}
	if (answer_apply(c, p, &aa.a, &rule_id, &text) < 0)
		return;
	prompts_close(p, aa.a.id, "answered");
	proto_begin(c->out, "ok");
	proto_int(c->out, "rule_id", (int64_t)rule_id);
	proto_str(c->out, "rule", text);
	proto_end(c->out);
	free(text);
}

/* ---- watch ---- */

void cmd_watch(struct cmd *c)
{
	if (cmd_no_args(c) < 0 || !need_prompts(c))
		return;
	if (!c->env->may_follow) {
		commands_error(c->out, EXIT_FAILED, "EUSERS", "too many 'watch' and 'log "
			       "follow' connections of this user (or in all); close one");
		return;
	}
	/* no items: events from now on; the server streams them */
	*c->follow_after = c->env->log ? droplog_newest(c->env->log) : 0;
}
