/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The compiler: rules -> plan. Exceptions become set elements, not chain
 * rules, so the per-packet cost does not grow with their number: elements
 * of the same (direction, class, log, shape) share one named set and one
 * chain rule `FIELDS @set VERDICT`. The shape is which key fields an
 * element uses. meta l4proto always leads the key: a concatenation is what
 * lets an interval set be a pipapo set with a range per field, and an
 * element without `proto` simply matches it as the range 0-255.
 */
#include <netinet/in.h>
#include <linux/netfilter.h> /* after netinet/in.h: uapi vs libc */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "compile.h"
#include "plan.h"

#define SH(f) (1u << (f))

/*
 * A group collects the elements that may share sets: same direction,
 * class, log flag, shape and exact/interval kind. A limit rule is a group
 * of its own (each needs its own rate state), and so is a rule without any
 * match (a plain chain rule, no set).
 */
struct group {
	unsigned code;          /* chain order: see group_code() */
	size_t seq;             /* creation order, breaks ties of code */
	enum rule_dir dir;
	enum plan_class cls;
	bool log, interval;
	unsigned shape;
	const struct rule *own; /* limit and plain groups: the rule */
	struct plan_elem *v;    /* in rule id order */
	size_t n, cap;
};

struct compiler {
	const struct compile_input *in;
	struct plan *p;
	struct group *gtab[2][PC__COUNT][2][1u << PF__COUNT][2];
	struct group **groups;
	size_t ngroups, gcap;
};

/* one expanded l4 entry; proto -1 = any protocol, lo == hi == 0 = any port */
struct l4ent {
	int proto;
	uint16_t lo, hi;
};

/* ---- validation: refuse what the table cannot enforce ---- */

struct checker {
	const struct rule *r;
	struct diag_list *errs;
	char place[256];        /* "rule 42", or the text of an unstored rule */
};

/* formatted only when there is something to report: a check may see 10,000 rules */
static const char *place(struct checker *k)
{
	char *text;

	if (k->place[0])
		return k->place;
	if (k->r->id) {
		snprintf(k->place, sizeof(k->place), "rule %llu",
			 (unsigned long long)k->r->id);
		return k->place;
	}
	text = rule_format(k->r, 0);
	snprintf(k->place, sizeof(k->place), "%s", text ? text : "rule");
	free(text);
	return k->place;
}

static void check_owner(struct checker *k)
{
	static const char fmt[] = "'%s' rules are not supported yet: "
		"per-%s enforcement arrives with listener tracking";

	if (k->r->app)
		diag_add(k->errs, place(k), 0, 0, 0, NULL, fmt, "app", "application");
	if (k->r->has_user)
		diag_add(k->errs, place(k), 0, 0, 0, NULL, fmt, "user", "user");
	if (k->r->has_group)
		diag_add(k->errs, place(k), 0, 0, 0, NULL, fmt, "group", "group");
}

static void check_l4(struct checker *k)
{
	for (size_t i = 0; i < k->r->nl4; i++) {
		const struct rule_l4 *l = &k->r->l4[i];

		if (l->port_lo > l->port_hi) {
			diag_add(k->errs, place(k), 0, 0, 0, NULL,
				 "port range %u-%u is reversed", l->port_lo,
				 l->port_hi);
			return;
		}
		if ((l->port_lo || l->port_hi) &&
		    (l->proto == IPPROTO_ICMP || l->proto == IPPROTO_ICMPV6)) {
			diag_add(k->errs, place(k), 0, 0, 0, NULL,
				 "ports apply to tcp and udp, not to icmp or icmpv6");
			return;
		}
	}
}

static bool prefix_ok(const struct addr_prefix *a)
{
	return (a->family == AF_INET && a->len <= 32) ||
	       (a->family == AF_INET6 && a->len <= 128);
}

static int check_rule(const struct rule *r, struct diag_list *errs)
{
	struct checker k = { .r = r, .errs = errs };
	size_t before = errs->n;

	if ((unsigned)r->action > RULE_LIMIT || (unsigned)r->dir > RULE_OUT) {
		diag_add(errs, place(&k), 0, 0, 0, NULL, "unknown action or direction");
		return -1;      /* nothing else can be judged */
	}
	check_owner(&k);
	if ((r->has_from && !prefix_ok(&r->from)) || (r->has_to && !prefix_ok(&r->to)))
		diag_add(errs, place(&k), 0, 0, 0, NULL, "bad address prefix");
	else if (r->has_from && r->has_to && r->from.family != r->to.family)
		diag_add(errs, place(&k), 0, 0, 0, NULL, "'from' and 'to' are of "
			 "different address families (IPv4 and IPv6), so the rule "
			 "could never match; write one rule per family");
	if (r->iface && (!*r->iface || strlen(r->iface) > 15))
		diag_add(errs, place(&k), 0, 0, 0, NULL,
			 "interface name '%s' must be 1-15 bytes long", r->iface);
	check_l4(&k);
	return errs->n == before ? 0 : -1;
}

/* ---- l4 entries: sorted, merged, redundant ones dropped ---- */

static int l4_cmp(const void *a, const void *b)
{
	const struct l4ent *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return (x->hi > y->hi) - (x->hi < y->hi);
}

/*
 * "proto tcp" makes "proto tcp port 22" of the same rule redundant, and
 * overlapping ranges merge: a rule never competes with itself for a layer.
 */
static size_t l4_normalize(const struct rule *r, struct l4ent *v)
{
	size_t n = 0;

	if (r->nl4 == 0) {
		v[0] = (struct l4ent){ -1, 0, 0 };
		return 1;
	}
	for (size_t i = 0; i < r->nl4; i++)
		v[i] = (struct l4ent){ r->l4[i].proto, r->l4[i].port_lo, r->l4[i].port_hi };
	qsort(v, r->nl4, sizeof(*v), l4_cmp);
	for (size_t i = 0; i < r->nl4; i++) {
		struct l4ent *last = n ? &v[n - 1] : NULL;

		if (last && last->proto == v[i].proto) {
			if (last->lo == 0 && last->hi == 0)
				continue;               /* any port covers it */
			if ((uint32_t)v[i].lo <= (uint32_t)last->hi + 1) {
				if (v[i].hi > last->hi)
					last->hi = v[i].hi;
				continue;
			}
		}
		v[n++] = v[i];
	}
	return n;
}

/* ---- keys ---- */

static unsigned rule_shape(const struct rule *r, const struct l4ent *l)
{
	unsigned sh = SH(PF_L4PROTO);

	if (r->iface)
		sh |= SH(r->dir == RULE_IN ? PF_IIFNAME : PF_OIFNAME);
	if (r->has_from)
		sh |= SH(r->from.family == AF_INET ? PF_SADDR4 : PF_SADDR6);
	if (r->has_to)
		sh |= SH(r->to.family == AF_INET ? PF_DADDR4 : PF_DADDR6);
	if (l->lo || l->hi)
		sh |= SH(PF_DPORT);
	return sh;
}

static void prefix_range(const struct addr_prefix *a, uint8_t *lo, uint8_t *hi)
{
	unsigned bytes = a->family == AF_INET ? 4 : 16;

	for (unsigned i = 0; i < bytes; i++) {
		unsigned bits = a->len > i * 8 ? a->len - i * 8 : 0;
		uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits);

		lo[i] = a->addr[i] & mask;
		hi[i] = lo[i] | (uint8_t)~mask;
	}
}

/* a trailing '*' is a wildcard, as in nft and iptables */
static void ifname_range(const char *name, uint8_t *lo, uint8_t *hi)
{
	size_t len = strlen(name);

	memcpy(lo, name, len);
	memcpy(hi, name, len);
	if (len && name[len - 1] == '*') {
		lo[len - 1] = 0;
		memset(hi + len - 1, 0xff, 16 - (len - 1));
	}
}

/* fills key (low ends) and key_end (high ends); true if any is a range */
static bool elem_fill(const struct rule *r, const struct l4ent *l,
		      unsigned shape, struct plan_elem *e)
{
	unsigned off = 0;

	for (unsigned f = 0; f < PF__COUNT; f++) {
		uint8_t *lo = e->key + off, *hi = e->key_end + off;

		if (!(shape & SH(f)))
			continue;
		switch (f) {
		case PF_L4PROTO:
			lo[0] = l->proto < 0 ? 0 : (uint8_t)l->proto;
			hi[0] = l->proto < 0 ? 255 : (uint8_t)l->proto;
			break;
		case PF_IIFNAME: case PF_OIFNAME:
			ifname_range(r->iface, lo, hi);
			break;
		case PF_SADDR4: case PF_SADDR6:
			prefix_range(&r->from, lo, hi);
			break;
		case PF_DADDR4: case PF_DADDR6:
			prefix_range(&r->to, lo, hi);
			break;
		case PF_DPORT: {
			uint16_t a = l->lo || l->hi ? l->lo : 0;
			uint16_t b = l->lo || l->hi ? l->hi : 65535;

			lo[0] = a >> 8, lo[1] = a & 0xff;
			hi[0] = b >> 8, hi[1] = b & 0xff;
			break;
		}
		}
		off += plan_fields[f].reglen;
	}
	e->rule_id = r->id;
	e->expires = r->expires;
	return memcmp(e->key, e->key_end, PLAN_KEY_MAX) != 0;
}

/* ---- groups ---- */

static enum plan_class rule_class(const struct rule *r)
{
	switch (r->action) {
	case RULE_DENY: return PC_DENY;
	case RULE_REJECT: return PC_REJECT;
	case RULE_LIMIT: return PC_LIMIT;
	default: return PC_ALLOW;
	}
}

/*
 * Chain order: per direction, block classes first (block wins), then
 * allow, then limit; within a class logged sets first (a packet matching
 * a logged and an unlogged exception must be logged), plain rules before
 * sets, shapes in a fixed order, exact before interval.
 */
static unsigned group_code(enum rule_dir dir, enum plan_class cls, bool log,
			   unsigned shape, bool interval)
{
	return (unsigned)dir << 14 | (unsigned)cls << 11 | (unsigned)!log << 10 |
	       shape << 1 | interval;
}

static struct group *group_new(struct compiler *c, enum rule_dir dir,
			       enum plan_class cls, bool log, unsigned shape,
			       bool interval)
{
	struct group *g = xcalloc(1, sizeof(*g));

	g->dir = dir, g->cls = cls, g->log = log;
	g->shape = shape, g->interval = interval;
	g->code = group_code(dir, cls, log, shape, interval);
	g->seq = c->ngroups;
	if (c->ngroups == c->gcap) {
		c->gcap = c->gcap ? c->gcap * 2 : 32;
		c->groups = xrealloc(c->groups, c->gcap * sizeof(*c->groups));
	}
	c->groups[c->ngroups++] = g;
	return g;
}

static struct group *group_get(struct compiler *c, const struct rule *r,
			       unsigned shape, bool interval)
{
	enum plan_class cls = rule_class(r);
	struct group **slot = &c->gtab[r->dir][cls][r->log][shape][interval];

	if (!*slot)
		*slot = group_new(c, r->dir, cls, r->log, shape, interval);
	return *slot;
}

static struct plan_elem *group_push(struct group *g)
{
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 16;
		g->v = xrealloc(g->v, g->cap * sizeof(*g->v));
	}
	return &g->v[g->n++];
}

static void add_plain(struct compiler *c, const struct rule *r)
{
	struct group *g = group_new(c, r->dir, rule_class(r), r->log, 0, false);

	g->own = r;
}

/*
 * A limit rule's elements all go to its own set, so they must share one
 * shape: fields some entries lack become wildcards (any port 0-65535).
 */
static void add_limit(struct compiler *c, const struct rule *r,
		      const struct l4ent *l4, size_t n)
{
	struct group *g;
	unsigned shape = 0;

	for (size_t i = 0; i < n; i++)
		shape |= rule_shape(r, &l4[i]);
	g = group_new(c, r->dir, PC_LIMIT, r->log, shape, false);
	g->own = r;
	for (size_t i = 0; i < n; i++) {
		struct plan_elem *e = group_push(g);

		memset(e, 0, sizeof(*e));
		if (elem_fill(r, &l4[i], shape, e))
			g->interval = true;
	}
	if (!g->interval)
		for (size_t i = 0; i < g->n; i++)
			memset(g->v[i].key_end, 0, PLAN_KEY_MAX);
	g->code = group_code(r->dir, PC_LIMIT, r->log, shape, g->interval);
}

static void add_rule(struct compiler *c, const struct rule *r, struct l4ent *l4)
{
	size_t n;

	if (r->nl4 == 0 && !r->has_from && !r->has_to && !r->iface) {
		add_plain(c, r);
		return;
	}
	n = l4_normalize(r, l4);
	if (r->action == RULE_LIMIT) {
		add_limit(c, r, l4, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct plan_elem e;
		unsigned shape = rule_shape(r, &l4[i]);
		bool interval;

		memset(&e, 0, sizeof(e));
		interval = elem_fill(r, &l4[i], shape, &e);
		if (!interval)
			memset(e.key_end, 0, PLAN_KEY_MAX);
		*group_push(group_get(c, r, shape, interval)) = e;
	}
}

static int group_cmp(const void *a, const void *b)
{
	const struct group *x = *(struct group *const *)a;
	const struct group *y = *(struct group *const *)b;

	if (x->code != y->code)
		return x->code < y->code ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* ---- rules in id order; expired temporary rules are already gone ---- */

struct rule_ref {
	const struct rule *r;
	size_t pos;             /* input order, for equal ids (0: not stored) */
};

static int rule_ref_cmp(const void *a, const void *b)
{
	const struct rule_ref *x = a, *y = b;

	if (x->r->id != y->r->id)
		return x->r->id < y->r->id ? -1 : 1;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

static void collect(struct compiler *c)
{
	const struct compile_input *in = c->in;
	struct rule_ref *v = xcalloc(in->nrules + 1, sizeof(*v));
	size_t maxl4 = 1, n = 0;
	struct l4ent *l4;

	for (size_t i = 0; i < in->nrules; i++) {
		const struct rule *r = in->rules[i];

		if (r->expires && r->expires <= in->now)
			continue;
		v[n].r = r;
		v[n].pos = n;
		n++;
		if (r->nl4 > maxl4)
			maxl4 = r->nl4;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), rule_ref_cmp);
	l4 = xcalloc(maxl4, sizeof(*l4));
	for (size_t i = 0; i < n; i++)
		add_rule(c, v[i].r, l4);
	free(l4);
	free(v);
	if (c->ngroups > 1)
		qsort(c->groups, c->ngroups, sizeof(*c->groups), group_cmp);
}

static void compiler_free(struct compiler *c)
{
	for (size_t i = 0; i < c->ngroups; i++) {
		free(c->groups[i]->v);
		free(c->groups[i]);
	}
	free(c->groups);
	free(c);
}

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

static void set_name(const struct group *g, uint32_t layer, char *buf, size_t len)
{
	size_t n;

	if (g->cls == PC_LIMIT && g->own->id) {
		n = (size_t)snprintf(buf, len, "%s_limit_%llu", rule_dir_name(g->dir),
				     (unsigned long long)g->own->id);
	} else if (g->cls == PC_LIMIT) {
		/* rules not stored yet (a dry run) have no id to tell them apart */
		n = (size_t)snprintf(buf, len, "%s_limit_n%zu", rule_dir_name(g->dir), g->seq);
	} else {
		n = (size_t)snprintf(buf, len, "%s_%s%s", rule_dir_name(g->dir),
				     plan_class_name(g->cls), g->log ? "_log" : "");
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

static void emit_sets(struct plan *p, const struct group *g)
{
	enum plan_chain_id ch = g->dir == RULE_IN ? PCH_INPUT : PCH_OUTPUT;
	uint32_t *layer = xcalloc(g->n, sizeof(*layer));
	struct plan_set def;
	uint32_t nl, first;

	set_def(g, &def);
	nl = plan_layers(g->v, g->n, &def, layer);
	first = (uint32_t)p->nsets;
	for (uint32_t l = 0; l < nl; l++) {
		struct plan_rule *r;

		set_name(g, l, def.name, sizeof(def.name));
		plan_add_set(p, &def);
		r = plan_add_rule(p, ch);
		plan_rule_match(r, PM_LOOKUP)->u.set = first + l;
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
		if (g->n)
			emit_sets(p, g);
		else
			emit_plain(p, g);
	}
	if (!echo)
		plan_add_input_echo(p);
}

static void emit(struct compiler *c)
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

struct plan *plan_compile(const struct compile_input *in, struct diag_list *errs)
{
	struct compiler *c;
	struct plan *p;
	int bad = 0;

	for (size_t i = 0; i < in->nrules; i++)
		if (check_rule(in->rules[i], errs) < 0)
			bad = 1;
	if (bad)
		return NULL;
	p = plan_new(in->table && *in->table ? in->table : "fwd_filter",
		     in->now, in->log_group);
	p->panic = in->panic;
	c = xcalloc(1, sizeof(*c));
	c->in = in;
	c->p = p;
	if (!in->panic)
		collect(c);
	emit(c);
	compiler_free(c);
	plan_finish(p);
	return p;
}
