/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The compiler's last step: its groups become named sets (one per layer)
 * and the chain rules that look them up, in chain order -- per direction
 * the block classes first, the echo rules, then allow and limit (block
 * wins); limit rules with several sets jump to one chain holding their one
 * rate. The order and the reasons: the top of compile.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile_internal.h"
#include "plan.h"

#define SH(f) (1u << (f))

/* ---- groups -> sets and their chain rules ---- */

static void class_stmts(struct plan *p, struct plan_rule *r, const struct group *g)
{
	const struct rule *own = g->own;
	char prefix[32];

	if (g->cls == PC_LIMIT)
		plan_stmt_limit(r, own->rate.count,
			   own->rate.unit == RATE_HOUR ? 3600 :
			   own->rate.unit == RATE_MINUTE ? 60 : 1,
			   own->rate.burst, own->rate.burst != 0);
	if (g->log) {
		/* the nflog reader tells accepted from blocked by the prefix */
		snprintf(prefix, sizeof(prefix), "%s%s-%s", PLAN_PREFIX_RULE,
			 plan_class_name(g->cls), rule_dir_name(g->dir));
		plan_stmt_log(r, p->log_group, prefix);
	}
	plan_rule_stmt(r, g->cls == PC_DENY ? PS_DROP :
		       g->cls == PC_REJECT ? PS_GOTO_REJECT : PS_ACCEPT);
}

static void emit_plain(struct plan *p, const struct group *g)
{
	struct plan_rule *r = plan_add_rule(p, g->dir == RULE_IN ? PCH_INPUT : PCH_OUTPUT);

	plan_rule_stmt(r, PS_COUNTER);
	class_stmts(p, r, g);
	r->rule_id = g->own->id;
	snprintf(r->tag, sizeof(r->tag), PLAN_TAG_RULE "%llu",
		 (unsigned long long)g->own->id);
}

/* "in_limit_42": a limit rule's set, or its chain when it has several sets */
static size_t limit_name(const struct group *g, char *buf, size_t len)
{
	if (g->own->id)
		return (size_t)snprintf(buf, len, "%s_limit_%llu", rule_dir_name(g->dir),
					(unsigned long long)g->own->id);
	/* rules not stored yet (a dry run) have no id to tell them apart */
	return (size_t)snprintf(buf, len, "%s_limit_n%zu", rule_dir_name(g->dir),
				g->lead->seq);
}

static void set_name(const struct group *g, uint32_t layer, char *buf, size_t len)
{
	size_t n;

	if (g->cls == PC_LIMIT) {
		n = limit_name(g, buf, len);
		if (n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s", g->suffix);
	} else {
		n = (size_t)snprintf(buf, len, "%s_%s%s", rule_dir_name(g->dir),
				     plan_class_name(g->cls), g->log ? "_log" : "");
		if (g->xm & XUID && n < len)
			n += (size_t)snprintf(buf + n, len - n, "_u%" PRIu32, g->uid);
		if (g->xm & XGID && n < len)
			n += (size_t)snprintf(buf + n, len - n, "_g%" PRIu32, g->gid);
		for (unsigned f = 0; f < PF__COUNT && n < len; f++)
			if (g->shape & SH(f))
				n += (size_t)snprintf(buf + n, len - n, "_%s",
						      plan_fields[f].token);
		if (g->interval && n < len)
			n += (size_t)snprintf(buf + n, len - n, "_iv");
	}
	if (layer && n < len)
		snprintf(buf + n, len - n, "_%u", layer + 1);
}

static void set_def(const struct group *g, struct plan_set *def)
{
	memset(def, 0, sizeof(*def));
	def->dir = g->dir;
	def->cls = g->cls;
	def->log = g->log;
	def->interval = g->interval;
	if ((unsigned)__builtin_popcount(g->shape) > PLAN_MAX_FIELDS)
		abort();        /* a compiler bug: key_fit keeps keys short */
	for (unsigned f = 0; f < PF__COUNT; f++)
		if (g->shape & SH(f)) {
			def->fields[def->nfields++] = (uint8_t)f;
			def->key_len += plan_fields[f].reglen;
		}
	/*
	 * Only concatenations pad each field to a register; a one-field key has
	 * the value's own length, or nft cannot decode the elements when an
	 * admin lists the table (nft 1.0.6 asserts on a 4-byte inet_proto).
	 */
	if (def->nfields == 1)
		def->key_len = plan_fields[def->fields[0]].len;
}

/* the regular chain a limit rule's sets jump to: one rate for all of them */
static size_t limit_chain(struct plan *p, const struct group *g)
{
	char name[PLAN_NAME_MAX];
	struct plan_rule *r;
	size_t ch;

	limit_name(g, name, sizeof(name));
	ch = plan_add_chain(p, name);
	r = plan_add_rule(p, ch);
	class_stmts(p, r, g);
	r->rule_id = g->own->id;
	return ch;
}

static void emit_sets(struct plan *p, const struct group *g)
{
	enum plan_chain_id ch = g->dir == RULE_IN ? PCH_INPUT : PCH_OUTPUT;
	uint32_t *layer = xcalloc(g->n, sizeof(*layer));
	struct plan_set def;
	uint32_t nl, first;
	bool jump;

	set_def(g, &def);
	nl = plan_layers(g->v, g->n, &def, layer);
	jump = g->cls == PC_LIMIT && (g->lead->nsplit > 1 || nl > 1);
	if (jump && !g->lead->chain)
		g->lead->chain = limit_chain(p, g);
	first = (uint32_t)p->nsets;
	for (uint32_t l = 0; l < nl; l++) {
		struct plan_rule *r;

		set_name(g, l, def.name, sizeof(def.name));
		plan_add_set(p, &def);
		r = plan_add_rule(p, ch);
		if (g->xm & XUID)
			plan_rule_match(r, PM_SKUID)->u.val = g->uid;
		if (g->xm & XGID)
			plan_rule_match(r, PM_SKGID)->u.val = g->gid;
		plan_rule_match(r, PM_LOOKUP)->u.set = first + l;
		if (jump)
			plan_rule_stmt(r, PS_JUMP)->u.chain = (uint32_t)g->lead->chain;
		else
			class_stmts(p, r, g);
		if (g->cls == PC_LIMIT)
			r->rule_id = g->own->id;
	}
	for (size_t i = 0; i < g->n; i++)
		*plan_set_push(&p->sets[first + layer[i]]) = g->v[i];
	free(layer);
}

static void emit_dir(struct plan *p, struct group *const *groups, size_t n,
		     enum rule_dir dir)
{
	bool echo = dir == RULE_OUT;

	for (size_t i = 0; i < n; i++) {
		const struct group *g = groups[i];

		if (g->dir != dir)
			continue;
		if (!echo && g->cls >= PC_ALLOW) {
			plan_add_input_echo(p);
			echo = true;
		}
		if (g->plain)
			emit_plain(p, g);
		else if (g->n)
			emit_sets(p, g);
	}
	if (!echo)
		plan_add_input_echo(p);
}

void compile_emit(struct compiler *c)
{
	const struct compile_input *in = c->in;
	struct plan *p = c->p;

	plan_add_reject_chain(p);
	if (in->panic) {
		plan_add_panic(p);
		return;
	}
	p->chains[PCH_OUTPUT].policy_accept = in->policy_out == POLICY_ACCEPT;
	plan_add_input_head(p);
	plan_add_output_head(p);
	emit_dir(p, c->groups, c->ngroups, RULE_IN);
	emit_dir(p, c->groups, c->ngroups, RULE_OUT);
	/* `policy in accept` is not in the grammar; fail closed if it comes */
	plan_add_tail(p, RULE_IN, in->policy_in == POLICY_REJECT ? POLICY_REJECT : POLICY_DROP);
	plan_add_tail(p, RULE_OUT, in->policy_out);
}
