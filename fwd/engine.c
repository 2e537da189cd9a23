/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The engine's core: the one path by which the state changes (database
 * transaction, compile, kernel batch, commit), the compile helpers, and
 * the views of the state. Start-up and loading are in engine_start.c,
 * temporary rules, rollback and confirm in engine_history.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compile.h"
#include "engine_internal.h"
#include "log.h"
#include "store.h"
#include "strbuf.h"

void engine_log_diags(const struct diag_list *dl)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < dl->n; i++) {
		sb_reset(&sb);
		diag_format(&dl->v[i], &sb);
		while (sb.len && sb.buf[sb.len - 1] == '\n')
			sb.buf[--sb.len] = '\0';
		log_warnx("%s", sb_str(&sb));
	}
	sb_free(&sb);
}

static void compile_input_of(struct engine *e, const struct ruleset *rs, bool panic,
			     int64_t now, const struct owner_binding *bind,
			     size_t nbind, struct compile_input *in)
{
	memset(in, 0, sizeof(*in));
	in->table = e->opts->table;
	in->policy_in = rs->policy_in;
	in->policy_out = rs->policy_out;
	in->rules = (const struct rule *const *)rs->rules;
	in->nrules = rs->nrules;
	in->panic = panic;
	in->now = now;
	in->log_group = e->cfg.log_group;
	in->bindings = bind;
	in->nbindings = nbind;
}

static struct plan *compile_panic(struct engine *e, const struct ruleset *rs,
				  bool panic, int64_t now,
				  const struct owner_binding *bind, size_t nbind,
				  struct diag_list *diags)
{
	struct compile_input in;

	compile_input_of(e, rs, panic, now, bind, nbind, &in);
	return plan_compile(&in, diags);
}

struct plan *engine_compile_state(struct engine *e, const struct ruleset *rs,
				  int64_t now, const struct owner_binding *bind,
				  size_t nbind, struct diag_list *diags)
{
	return compile_panic(e, rs, e->panic, now, bind, nbind, diags);
}

int engine_explain(struct engine *e, const struct ruleset *rs,
		   const struct explain_query *q, struct explain_result *out)
{
	struct compile_input in;

	compile_input_of(e, rs, e->panic, time(NULL), e->bind, e->nbind, &in);
	return explain_packet(&in, q, out);
}

/* the sockets the owner rules of rs apply to now; none without a tracker */
void engine_bind_state(struct engine *e, const struct ruleset *rs,
		       struct owner_binding **v, size_t *n)
{
	*v = NULL;
	*n = 0;
	if (e->binder && e->binder(e->binder_arg, rs, v, n) < 0)
		log_warnx("listener tracking failed: owner rules match no socket "
			  "until the next scan");
}

int engine_put_rule(struct store *s, struct rule *r, int64_t rev)
{
	struct stored_rule sr = {
		.text = rule_format(r, 0),
		.origin = r->origin,
		.created = r->created,
		.expires = r->expires,
		.duration = r->duration,
		.owner = r->owner,
		.added_rev = rev,
	};
	int rc = store_insert_rule(s, &sr, &r->id);

	free(sr.text);
	return rc;
}

const struct engine_skipped *engine_skipped(const struct engine *e, size_t *n)
{
	*n = e->nskipped;
	return e->skipped;
}

static bool in_ids(const uint64_t *ids, size_t n, uint64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/* after their deletion: the problem names only the block rules left */
static void forget_skipped(struct engine *e, const uint64_t *ids, size_t n)
{
	size_t j = 0, before = e->nskipped;

	for (size_t i = 0; i < e->nskipped; i++) {
		if (in_ids(ids, n, e->skipped[i].id))
			free(e->skipped[i].text);
		else
			e->skipped[j++] = e->skipped[i];
	}
	e->nskipped = j;
	if (j == before)
		return;
	sb_reset(&e->rule_problem);
	for (size_t i = 0; i < e->nskipped; i++)
		if (e->skipped[i].blocks)
			sb_printf(&e->rule_problem, "%srule %" PRIu64 " '%s' is not enforced "
				  "(fix the catalog and restart fwd, or delete the rule)",
				  e->rule_problem.len ? "; " : "", e->skipped[i].id,
				  e->skipped[i].text);
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	if (e->nft)
		nft_close(e->nft);      /* the table stays: persist flag */
	if (e->store)
		store_close(e->store);
	plan_free(e->plan);
	free(e->bind);
	ruleset_clear(&e->rs);
	catalog_free(&e->cat);
	config_free(&e->cfg);
	free(e->db_problem);
	sb_free(&e->rule_problem);
	sb_free(&e->compile_problem);
	sb_free(&e->kernel_problem);
	sb_free(&e->write_problem);
	sb_free(&e->status_text);
	for (size_t i = 0; i < e->nskipped; i++)
		free(e->skipped[i].text);
	free(e->skipped);
	free(e);
}

const struct fwd_config *engine_config(const struct engine *e) { return &e->cfg; }
const struct catalog *engine_catalog(const struct engine *e) { return &e->cat; }
const struct ruleset *engine_ruleset(const struct engine *e) { return &e->rs; }
bool engine_panic(const struct engine *e) { return e->panic; }
bool engine_enabled(const struct engine *e) { return e->enabled; }
struct store *engine_store(struct engine *e) { return e->store; }

/* ---- the one change path ---- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* rules of the current state that the new one no longer has */
static int store_deletions(struct engine *e, const struct ruleset *next, int64_t rev)
{
	uint64_t *ids = xcalloc(next->nrules + 1, sizeof(*ids));
	size_t n = 0;
	int rc = 0;

	bool sorted = true;

	for (size_t i = 0; i < next->nrules; i++)
		if (next->rules[i]->id) {
			sorted = sorted && (!n || ids[n - 1] < next->rules[i]->id);
			ids[n++] = next->rules[i]->id;
		}
	/* rules are kept in id order: a sort only when they are not */
	if (!sorted)
		qsort(ids, n, sizeof(*ids), cmp_u64);
	for (size_t i = 0, j = 0; i < e->rs.nrules && rc == 0; i++) {
		uint64_t id = e->rs.rules[i]->id;
		bool kept;

		/* a merge walk while the current rules are in order too */
		while (j < n && ids[j] < id)
			j++;
		kept = (j < n && ids[j] == id) ||
		       bsearch(&id, ids, n, sizeof(*ids), cmp_u64) != NULL;
		if (!kept && store_remove_rule(e->store, id, rev) < 0)
			rc = -1;
	}
	free(ids);
	return rc;
}

static bool change_panic(const struct engine *e, const struct engine_change *c)
{
	return c->panic == ENGINE_KEEP ? e->panic : c->panic == ENGINE_ON;
}

static int set_int(struct store *s, const char *key, int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return store_set(s, key, buf);
}

/*
 * A pending confirm is stored with the change that starts it, and ends
 * with the rollback (or engine_confirm), so a restart finds it.
 */
static int store_confirm(struct engine *e, const struct engine_change *c)
{
	if (c->confirm_secs > 0)
		return set_int(e->store, "confirm-rev", e->revision) < 0 ||
		       set_int(e->store, "confirm-deadline", c->now + c->confirm_secs) < 0 ||
		       set_int(e->store, "confirm-secs", c->confirm_secs) < 0 ? -1 : 0;
	if (c->confirm_clear && e->confirm_deadline)
		return store_unset(e->store, "confirm-rev") < 0 ||
		       store_unset(e->store, "confirm-deadline") < 0 ||
		       store_unset(e->store, "confirm-secs") < 0 ? -1 : 0;
	return 0;
}

static int store_settings(struct engine *e, const struct engine_change *c)
{
	const struct ruleset *n = &c->next;

	if (change_panic(e, c) != e->panic &&
	    store_set(e->store, "panic", change_panic(e, c) ? "1" : "0") < 0)
		return -1;
	if (n->policy_in != e->rs.policy_in &&
	    store_set(e->store, "policy-in", rule_policy_name(n->policy_in)) < 0)
		return -1;
	if (n->policy_out != e->rs.policy_out &&
	    store_set(e->store, "policy-out", rule_policy_name(n->policy_out)) < 0)
		return -1;
	if (c->enabled != e->enabled &&
	    store_set(e->store, "enabled", c->enabled ? "1" : "0") < 0)
		return -1;
	return 0;
}

/*
 * Every database write of a change, inside the caller's transaction: the
 * revision row first, since the rules it adds and removes carry its number.
 */
static int store_change(struct engine *e, struct engine_change *c, int64_t *rev)
{
	struct revision rv = {
		.time = c->now, .uid = c->uid, .summary = (char *)c->summary,
		.policy_in = c->next.policy_in, .policy_out = c->next.policy_out,
		.enabled = c->enabled, .panic = change_panic(e, c),
	};

	if (store_add_revision(e->store, &rv, rev) < 0 ||
	    store_deletions(e, &c->next, *rev) < 0)
		return -1;
	for (size_t i = 0; i < c->ndrop_skipped; i++)
		if (store_remove_rule(e->store, c->drop_skipped[i], *rev) < 0)
			return -1;
	for (size_t i = 0; i < c->next.nrules; i++) {
		struct rule *r = c->next.rules[i];

		if (r->id)
			continue;
		r->created = c->now;
		r->expires = r->duration ? c->now + (int64_t)r->duration : 0;
		r->owner = c->uid;
		if (engine_put_rule(e->store, r, *rev) < 0)
			return -1;
	}
	return store_settings(e, c) < 0 || store_confirm(e, c) < 0 ? -1 : 0;
}

/* moves the kernel from one state to another; -1 leaves it unchanged */
static int kernel_switch(struct engine *e, bool from_on, const struct plan *from,
			 bool to_on, const struct plan *to, struct nft_error *ne)
{
	if (!to_on)
		return from_on ? nft_delete_table(e->nft, ne) : 0;
	if (nft_apply(e->nft, from_on ? from : NULL, to, ne) == 0)
		return 0;
	if (!from_on)
		return -1;
	/*
	 * An incremental batch can fail when the kernel already dropped a
	 * timed-out element; a full resync is still one atomic batch.
	 */
	log_debug("incremental update refused (%s); resyncing the table", ne->msg);
	return nft_apply(e->nft, NULL, to, ne);
}

/*
 * A delta change (engine_apply_delta) builds next from the current rule
 * pointers instead of copies: then only the removed rules are freed here,
 * and on failure only the added ones.
 */
struct delta {
	uint64_t *removed;              /* sorted */
	size_t nremoved;
	struct rule **added;
	size_t nadded;
};

static void release_old(struct engine *e, const struct delta *d)
{
	if (!d) {
		ruleset_clear(&e->rs);
		return;
	}
	for (size_t i = 0; i < e->rs.nrules; i++)
		if (bsearch(&e->rs.rules[i]->id, d->removed, d->nremoved,
			    sizeof(*d->removed), cmp_u64))
			rule_free(e->rs.rules[i]);
	free(e->rs.rules);
	ruleset_init(&e->rs);
}

static void release_next(struct engine_change *c, const struct delta *d)
{
	if (!d) {
		ruleset_clear(&c->next);
		return;
	}
	for (size_t i = 0; i < d->nadded; i++)
		rule_free(d->added[i]);
	free(c->next.rules);
	ruleset_init(&c->next);
}

static void change_done(struct engine *e, struct engine_change *c,
			struct plan *plan, int64_t rev, const struct delta *d)
{
	release_old(e, d);
	e->rs = c->next;
	ruleset_init(&c->next);
	plan_free(e->plan);
	e->plan = plan;
	e->enabled = c->enabled;
	e->panic = change_panic(e, c);
	if (c->confirm_clear)
		e->confirm_rev = e->confirm_deadline = e->confirm_secs = 0;
	if (c->confirm_secs > 0) {
		e->confirm_rev = e->revision;
		e->confirm_deadline = c->now + c->confirm_secs;
		e->confirm_secs = c->confirm_secs;
	}
	e->revision = rev;
	forget_skipped(e, c->drop_skipped, c->ndrop_skipped);
	sb_reset(&e->compile_problem);
	sb_reset(&e->write_problem);
	log_info("revision %" PRId64 " by uid %u: %s", rev, (unsigned)c->uid, c->summary);
}

/*
 * Shown by status until a change is stored again: a full disk or a file
 * removed under fwd refuses every change, and the admin must see why.
 */
static void write_failed(struct engine *e)
{
	sb_reset(&e->write_problem);
	sb_printf(&e->write_problem, "the database refused the last change (%s): "
		  "changes fail until that is fixed; the rules committed before stay "
		  "in force", store_errmsg(e->store));
}

static int apply_change(struct engine *e, struct engine_change *c,
			struct engine_result *r, const struct delta *d)
{
	struct nft_error ne = { 0 };
	struct plan *plan = NULL;
	struct owner_binding *bind = NULL;
	size_t nbind = 0;
	int64_t rev = 0;

	memset(r, 0, sizeof(*r));
	if (!e->store) {
		snprintf(r->msg, sizeof(r->msg), "database unavailable: %s; fwd keeps the "
			 "host closed with the built-in default policy", e->db_problem);
		goto fail;
	}
	if (store_begin(e->store) < 0) {
		snprintf(r->msg, sizeof(r->msg), "database error: %s", store_errmsg(e->store));
		write_failed(e);
		goto fail;
	}
	if (store_change(e, c, &rev) < 0) {
		snprintf(r->msg, sizeof(r->msg), "database error: %s; nothing changed",
			 store_errmsg(e->store));
		write_failed(e);
		goto rollback;
	}
	/* after store_change: new rules have the ids bindings name */
	engine_bind_state(e, &c->next, &bind, &nbind);
	plan = compile_panic(e, &c->next, change_panic(e, c), c->now, bind, nbind,
			     &r->diags);
	if (!plan) {
		snprintf(r->msg, sizeof(r->msg), "fwd cannot enforce %s; nothing changed",
			 r->diags.n == 1 ? "this rule" : "these rules");
		goto rollback;
	}
	if (kernel_switch(e, e->enabled, e->plan, c->enabled, plan, &ne) < 0) {
		snprintf(r->msg, sizeof(r->msg), "the kernel refused the change: %s; "
			 "nothing changed", ne.msg);
		goto rollback;
	}
	if (store_commit(e->store) < 0) {
		snprintf(r->msg, sizeof(r->msg), "database commit failed: %s; the change "
			 "was undone", store_errmsg(e->store));
		write_failed(e);
		if (kernel_switch(e, c->enabled, plan, e->enabled, e->plan, &ne) < 0)
			log_warnx("CANNOT UNDO a change in the kernel after a failed "
				  "commit: %s", ne.msg);
		goto rollback;
	}
	change_done(e, c, plan, rev, d);
	free(e->bind);
	e->bind = bind;
	e->nbind = nbind;
	r->revision = rev;
	return 0;
rollback:
	store_rollback(e->store);
fail:
	free(bind);
	plan_free(plan);
	release_next(c, d);
	return -1;
}

int engine_apply_change(struct engine *e, struct engine_change *c,
			struct engine_result *r)
{
	return apply_change(e, c, r, NULL);
}

int engine_apply_delta(struct engine *e, struct engine_change *c,
		       struct rule **add, size_t nadd,
		       const uint64_t *remove, size_t nremove,
		       struct engine_result *r)
{
	struct delta d = { .added = add, .nadded = nadd, .nremoved = nremove };
	int rc;

	d.removed = xcalloc(nremove + 1, sizeof(*d.removed));
	if (nremove)
		memcpy(d.removed, remove, nremove * sizeof(*remove));
	qsort(d.removed, nremove, sizeof(*d.removed), cmp_u64);
	ruleset_clear(&c->next);
	c->next.policy_in = e->rs.policy_in;
	c->next.policy_out = e->rs.policy_out;
	c->next.rules = xcalloc(e->rs.nrules + nadd + 1, sizeof(*c->next.rules));
	for (size_t i = 0; i < e->rs.nrules; i++)
		if (!bsearch(&e->rs.rules[i]->id, d.removed, nremove,
			     sizeof(*d.removed), cmp_u64))
			c->next.rules[c->next.nrules++] = e->rs.rules[i];
	for (size_t i = 0; i < nadd; i++)
		c->next.rules[c->next.nrules++] = add[i];
	rc = apply_change(e, c, r, &d);
	free(d.removed);
	return rc;
}

void engine_set_binder(struct engine *e, engine_binder_fn fn, void *arg)
{
	e->binder = fn;
	e->binder_arg = arg;
}

const struct owner_binding *engine_bindings(const struct engine *e, size_t *n)
{
	*n = e->nbind;
	return e->bind;
}

/*
 * Listener changes are runtime state, not a change of policy: no database
 * write, no revision, and in the kernel an element delta (nft_apply finds
 * that only elements differ). A failure keeps the old bindings in force.
 */
int engine_rebind(struct engine *e, struct owner_binding *v, size_t n,
		  char *err, size_t errlen)
{
	struct diag_list dl = { 0 };
	struct nft_error ne = { 0 };
	struct plan *plan = engine_compile_state(e, &e->rs, time(NULL), v, n, &dl);

	if (!plan) {
		snprintf(err, errlen, "%s", dl.n ? dl.v[0].msg : "does not compile");
		diag_list_free(&dl);
		free(v);
		return -1;
	}
	if (e->enabled && kernel_switch(e, true, e->plan, true, plan, &ne) < 0) {
		snprintf(err, errlen, "the kernel refused it: %s", ne.msg);
		plan_free(plan);
		free(v);
		return -1;
	}
	plan_free(e->plan);
	e->plan = plan;
	free(e->bind);
	e->bind = v;
	e->nbind = n;
	return 0;
}

void engine_result_free(struct engine_result *r)
{
	diag_list_free(&r->diags);
}

/* ---- views of the state ---- */

struct counter_sums {
	uint64_t drops_in, rejects_in, drops_out;
};

static void sum_tags(void *arg, uint64_t rule_id, const char *tag,
		     uint64_t packets, uint64_t bytes)
{
	struct counter_sums *s = arg;

	if (rule_id || !tag)
		return;
	if (!strcmp(tag, "drop-in"))
		s->drops_in += packets;
	else if (!strcmp(tag, "reject-in"))
		s->rejects_in += packets;
	else if (!strcmp(tag, "drop-out") || !strcmp(tag, "reject-out"))
		s->drops_out += packets;
}

int engine_read_counters(struct engine *e, nft_counter_cb cb, void *arg)
{
	if (!e->enabled || !e->nft)
		return 0;
	return nft_read_counters(e->nft, cb, arg);
}

static void join_problem(struct strbuf *sb, const char *s)
{
	if (!s || !*s)
		return;
	if (sb->len)
		sb_puts(sb, "; ");
	sb_puts(sb, s);
}

void engine_status(struct engine *e, struct engine_status *st)
{
	struct counter_sums sums = { 0 };

	if (e->enabled && e->nft && nft_read_tag_counters(e->nft, sum_tags, &sums) < 0)
		log_warnx("cannot read counters of table %s", e->opts->table);
	sb_reset(&e->status_text);
	join_problem(&e->status_text, e->db_problem);
	join_problem(&e->status_text, sb_str(&e->rule_problem));
	join_problem(&e->status_text, sb_str(&e->compile_problem));
	join_problem(&e->status_text, sb_str(&e->kernel_problem));
	join_problem(&e->status_text, sb_str(&e->write_problem));
	memset(st, 0, sizeof(*st));
	st->enabled = e->enabled;
	st->panic = e->panic;
	st->policy_in = e->rs.policy_in;
	st->policy_out = e->rs.policy_out;
	st->nrules = e->rs.nrules;
	st->revision = e->revision;
	st->table = e->opts->table;
	st->database = e->db_problem ? e->db_problem : "ok";
	st->problem = sb_str(&e->status_text);
	st->drops_in = sums.drops_in;
	st->rejects_in = sums.rejects_in;
	st->drops_out = sums.drops_out;
}

struct rule *engine_dup_rule(const struct rule *r)
{
	struct rule *d = rule_dup(r);

	/* the bookkeeping is the daemon's: carry it over explicitly */
	d->id = r->id;
	d->origin = r->origin;
	d->created = r->created;
	d->expires = r->expires;
	d->duration = r->duration;
	d->owner = r->owner;
	return d;
}

void engine_copy_state(const struct engine *e, struct ruleset *out)
{
	ruleset_init(out);
	out->policy_in = e->rs.policy_in;
	out->policy_out = e->rs.policy_out;
	for (size_t i = 0; i < e->rs.nrules; i++)
		if (ruleset_append(out, engine_dup_rule(e->rs.rules[i])) < 0)
			fatalx("out of memory");
}

int engine_validate(struct engine *e, const struct ruleset *rs,
		    struct diag_list *diags)
{
	struct plan *p = engine_compile_state(e, rs, time(NULL), NULL, 0, diags);

	if (!p)
		return -1;
	plan_free(p);
	return 0;
}

int64_t engine_remaining(const struct rule *r, int64_t now)
{
	if (!r->expires)
		return 0;
	/* not yet reaped: still temporary, never "permanent" */
	return r->expires > now ? r->expires - now : 1;
}

char *engine_export_text(const struct ruleset *rs, int64_t now, bool all_origins)
{
	struct strbuf sb = STRBUF_INIT;

	sb_printf(&sb, "%s\n%s\n", rule_policy_line(RULE_IN, rs->policy_in),
		  rule_policy_line(RULE_OUT, rs->policy_out));
	for (size_t i = 0; i < rs->nrules; i++) {
		const struct rule *r = rs->rules[i];
		char *t;

		if (!all_origins && r->origin == ORIGIN_PROMPT)
			continue;
		t = rule_format(r, r->id ? (uint64_t)engine_remaining(r, now) : r->duration);
		sb_printf(&sb, "%s\n", t);
		free(t);
	}
	return sb_steal(&sb);
}
