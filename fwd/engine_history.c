/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The engine's history: temporary rules that expire, `fwctl rollback`,
 * and `apply --confirm` (rolled back when not confirmed in time).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"
#include "grammar.h"
#include "log.h"
#include "store.h"
#include "strbuf.h"

/* ---- temporary rules ---- */

int64_t engine_next_expiry(const struct engine *e)
{
	int64_t t = 0;

	if (!e->store)
		return 0;
	for (size_t i = 0; i < e->rs.nrules; i++) {
		int64_t x = e->rs.rules[i]->expires;

		if (x && (!t || x < t))
			t = x;
	}
	/*
	 * Times are whole seconds and a rule added at X.6 gets X + duration:
	 * it is deleted when that second is over, so it lives at least as long
	 * as asked (the kernel's element timeout, from the same numbers, ends
	 * it in the table at the exact time).
	 */
	if (t)
		t++;
	if (t && t < e->expiry_retry)
		t = e->expiry_retry;
	if (e->confirm_deadline && (!t || e->confirm_deadline < t))
		t = e->confirm_deadline;
	return t;
}

/* the deadline of `apply --confirm` passed: back to where it started */
static void expire_confirm(struct engine *e, int64_t now)
{
	struct engine_result res;
	struct strbuf sum = STRBUF_INIT;
	int rc;

	sb_printf(&sum, "rollback: not confirmed within %" PRId64 " s", e->confirm_secs);
	rc = engine_rollback(e, e->confirm_rev, 0, now, sb_str(&sum), &res);
	if (rc == 0) {
		log_warnx("the change applied with --confirm was not confirmed in time: "
			  "rolled back to revision %" PRId64 " (now revision %" PRId64 ")",
			  e->revision, res.revision);
	} else if (rc == -2) {
		log_warnx("cannot roll back an unconfirmed change: %s", res.msg);
		engine_confirm(e);
	} else {
		log_warnx("cannot roll back an unconfirmed change: %s; retrying in 10 s",
			  res.msg);
		engine_log_diags(&res.diags);
		e->confirm_deadline = now + 10;
	}
	engine_result_free(&res);
	sb_free(&sum);
}

void engine_expire(struct engine *e, int64_t now)
{
	struct engine_change c = { .enabled = e->enabled, .uid = 0, .now = now };
	struct engine_result res;
	struct strbuf ids = STRBUF_INIT, sum = STRBUF_INIT;
	uint64_t *gone = NULL;
	size_t n = 0;

	if (e->confirm_deadline && now >= e->confirm_deadline)
		expire_confirm(e, now);
	ruleset_init(&c.next);
	for (size_t i = 0; i < e->rs.nrules; i++) {
		const struct rule *r = e->rs.rules[i];

		if (!r->expires || r->expires >= now)
			continue;
		gone = xrealloc(gone, (n + 1) * sizeof(*gone));
		gone[n] = r->id;
		sb_printf(&ids, "%s%" PRIu64, n++ ? ", " : "", r->id);
	}
	sb_printf(&sum, "expired rule%s %s", n == 1 ? "" : "s", sb_str(&ids));
	c.summary = sb_str(&sum);
	if (n && engine_apply_delta(e, &c, NULL, 0, gone, n, &res) < 0) {
		log_warnx("cannot delete %s: %s; retrying in 10 s", sb_str(&ids), res.msg);
		engine_log_diags(&res.diags);
		e->expiry_retry = now + 10;
	}
	if (n)
		engine_result_free(&res);
	free(gone);
	sb_free(&ids);
	sb_free(&sum);
}

/* ---- rollback and confirm ---- */

struct id_index {
	uint64_t id;
	size_t idx;
};

static int cmp_id_index(const void *a, const void *b)
{
	uint64_t x = ((const struct id_index *)a)->id, y = ((const struct id_index *)b)->id;

	return x < y ? -1 : x > y;
}

static const struct rule *current_rule(const struct engine *e, const struct id_index *ix,
				       uint64_t id)
{
	struct id_index key = { .id = id }, *hit;

	hit = bsearch(&key, ix, e->rs.nrules, sizeof(*ix), cmp_id_index);
	return hit ? e->rs.rules[hit->idx] : NULL;
}

/* a rule of an old revision that is no longer in force comes back as a new one */
static struct rule *revive(struct engine *e, const struct stored_rule *sr, int64_t rev)
{
	struct diag_list dl = { 0 };
	struct rule *r = parse_rule_text(sr->text, "<revision>", &e->cat, 0, &dl);

	if (!r) {
		log_warnx("rollback to revision %" PRId64 ": rule %" PRIu64 " '%s' no "
			  "longer parses (%s); left out", rev, sr->id, sr->text,
			  dl.n ? dl.v[0].msg : "?");
	} else {
		r->id = 0;
		r->origin = sr->origin;
		r->duration = sr->duration;
	}
	diag_list_free(&dl);
	return r;
}

static void append(struct ruleset *rs, struct rule *r)
{
	if (r && ruleset_append(rs, r) < 0)
		fatalx("out of memory");
}

/* the admin and default rules of a revision whose rules are rows */
static int rules_of(struct engine *e, int64_t rev, int64_t now, struct ruleset *next)
{
	struct id_index *ix = xcalloc(e->rs.nrules + 1, sizeof(*ix));
	struct stored_rule *v = NULL;
	size_t n = 0;

	if (store_rules_at(e->store, rev, &v, &n) < 0) {
		free(ix);
		return -1;
	}
	for (size_t i = 0; i < e->rs.nrules; i++)
		ix[i] = (struct id_index){ .id = e->rs.rules[i]->id, .idx = i };
	qsort(ix, e->rs.nrules, sizeof(*ix), cmp_id_index);
	for (size_t i = 0; i < n; i++) {
		const struct rule *cur = current_rule(e, ix, v[i].id);

		if (v[i].origin == ORIGIN_PROMPT)
			continue;
		if (cur)
			append(next, engine_dup_rule(cur));
		else if (!v[i].expires || v[i].expires > now)
			append(next, revive(e, &v[i], rev));
	}
	store_free_rules(v, n);
	free(ix);
	return 0;
}

static bool has_id(const struct ruleset *rs, uint64_t id)
{
	for (size_t i = 0; i < rs->nrules; i++)
		if (rs->rules[i]->id == id)
			return true;
	return false;
}

/*
 * A revision from before schema 3 has its admin rule set as text: current
 * rules with the same text keep their ids, the others come back as new.
 */
static int legacy_rules_of(struct engine *e, const char *text, struct ruleset *next)
{
	struct diag_list dl = { 0 };
	struct parser *p = parser_new("<revision>", &e->cat, 0);
	struct ruleset file;
	int rc;

	ruleset_init(&file);
	parser_feed(p, text, strlen(text));
	rc = parser_finish(p, &file, &dl);
	if (rc < 0)
		engine_log_diags(&dl);
	for (size_t i = 0; rc == 0 && i < file.nrules; i++) {
		struct rule *r = file.rules[i];
		char *t = rule_format(r, 0);
		bool kept = false;

		for (size_t j = 0; j < e->rs.nrules && !kept; j++) {
			const struct rule *cur = e->rs.rules[j];
			char *u;

			if (cur->origin == ORIGIN_PROMPT || cur->expires || r->duration)
				continue;
			u = rule_format(cur, 0);
			if (!strcmp(t, u) && !has_id(next, cur->id)) {
				append(next, engine_dup_rule(cur));
				kept = true;
			}
			free(u);
		}
		if (!kept) {
			struct rule *d = rule_dup(r);

			d->id = 0;
			d->origin = ORIGIN_ADMIN;
			append(next, d);
		}
		free(t);
	}
	diag_list_free(&dl);
	ruleset_clear(&file);
	return rc;
}

static int cmp_rule_id(const void *a, const void *b)
{
	uint64_t x = (*(struct rule *const *)a)->id, y = (*(struct rule *const *)b)->id;

	return x < y ? -1 : x > y;
}

/* kept rules by id, as they load from the store; the revived ones after, in order */
static void order_rules(struct ruleset *rs)
{
	struct rule **fresh = xcalloc(rs->nrules + 1, sizeof(*fresh));
	size_t k = 0, nf = 0;

	for (size_t i = 0; i < rs->nrules; i++) {
		if (rs->rules[i]->id)
			rs->rules[k++] = rs->rules[i];
		else
			fresh[nf++] = rs->rules[i];
	}
	qsort(rs->rules, k, sizeof(*rs->rules), cmp_rule_id);
	memcpy(rs->rules + k, fresh, nf * sizeof(*fresh));
	free(fresh);
}

int engine_rollback(struct engine *e, int64_t rev, uid_t uid, int64_t now,
		    const char *summary, struct engine_result *r)
{
	struct engine_change c = {
		.enabled = e->enabled, .uid = uid, .now = now, .summary = summary,
		.confirm_clear = true,
	};
	struct revision rv;
	int rc;

	memset(r, 0, sizeof(*r));
	if (!e->store) {
		snprintf(r->msg, sizeof(r->msg), "database unavailable: %s", e->db_problem);
		return -1;
	}
	rc = store_get_revision(e->store, rev, &rv);
	if (rc < 0) {
		snprintf(r->msg, sizeof(r->msg), "database error: %s", store_errmsg(e->store));
		return -1;
	}
	if (rc == 0) {
		snprintf(r->msg, sizeof(r->msg), "no revision %" PRId64 " (see fwctl "
			 "history)", rev);
		return -2;
	}
	ruleset_init(&c.next);
	c.next.policy_in = rv.policy_in;
	c.next.policy_out = rv.policy_out;
	/* prompt rules are users' answers, not part of a rule set: kept as now */
	for (size_t i = 0; i < e->rs.nrules; i++)
		if (e->rs.rules[i]->origin == ORIGIN_PROMPT)
			append(&c.next, engine_dup_rule(e->rs.rules[i]));
	rc = rv.legacy ? legacy_rules_of(e, rv.legacy, &c.next)
		       : rules_of(e, rev, now, &c.next);
	store_revision_clear(&rv);
	if (rc < 0) {
		snprintf(r->msg, sizeof(r->msg), "cannot read revision %" PRId64 ": %s",
			 rev, store_errmsg(e->store));
		ruleset_clear(&c.next);
		return -1;
	}
	if (c.next.nrules)
		order_rules(&c.next);
	return engine_apply_change(e, &c, r);
}

int64_t engine_confirm_pending(const struct engine *e, int64_t *deadline)
{
	if (deadline)
		*deadline = e->confirm_deadline;
	return e->confirm_deadline ? e->confirm_rev : 0;
}

int engine_confirm(struct engine *e)
{
	if (!e->confirm_deadline)
		return 0;
	if (!e->store || store_begin(e->store) < 0)
		return -1;
	if (store_unset(e->store, "confirm-rev") < 0 ||
	    store_unset(e->store, "confirm-deadline") < 0 ||
	    store_unset(e->store, "confirm-secs") < 0 || store_commit(e->store) < 0) {
		store_rollback(e->store);
		return -1;
	}
	e->confirm_rev = e->confirm_deadline = e->confirm_secs = 0;
	return 1;
}
