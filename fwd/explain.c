/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The policy evaluator: the chains the compiler builds (compile.c, plan.c)
 * walked in user space for one packet, in the kernel's order:
 *   panic: loopback accepted, everything else dropped, established too;
 *   else established/related accepted, loopback accepted, DHCP client
 *   traffic accepted; then the block classes (every deny set before every
 *   reject set), then ICMP echo requests (rate-limited, inbound only), then
 *   allow, then limit, then the policy of the direction.
 * A query may leave parts of a packet open (the peer, the local address,
 * the interface, the sending user). A rule that matches only some of the
 * packets the query stands for decides nothing; the why says what it would
 * change. ICMP queries stand for an echo request (ping).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "explain.h"
#include "strbuf.h"

enum m3 { M_NO, M_YES, M_MAYBE };

/* what the query leaves open that a rule depends on */
#define MB_PEER         1u
#define MB_LOCAL        2u
#define MB_IFACE        4u
#define MB_USER         8u
#define MB_UNIT         16u

#define FAM4            1u
#define FAM6            2u

struct hit {
	const struct rule *r;
	unsigned maybe;         /* MB_*; 0 = matches for sure */
};

struct eval {
	const struct compile_input *in;
	struct explain_query q;
	const uint8_t *local;
	bool worst;
	const struct explain_listener *lst;     /* exposure: the socket, else NULL */
	struct hit *deny, *reject, *allow, *limit;      /* id order */
	size_t ndeny, nreject, nallow, nlimit;
	struct strbuf why;
};

static const uint8_t mapped_pfx[12] = { [10] = 0xff, [11] = 0xff };

const char *explain_verdict_name(enum explain_verdict v)
{
	switch (v) {
	case EXPLAIN_ACCEPT: return "accept";
	case EXPLAIN_REJECT: return "reject";
	default: return "drop";
	}
}

static size_t fam_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static unsigned fam_bit(int family)
{
	return family == AF_INET ? FAM4 : family == AF_INET6 ? FAM6 : 0;
}

static bool all_zero(const uint8_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i])
			return false;
	return true;
}

static bool is_loopback(int family, const uint8_t *a)
{
	static const uint8_t lo6[16] = { [15] = 1 };

	if (family == AF_INET)
		return a[0] == 127;
	if (!memcmp(a, mapped_pfx, sizeof(mapped_pfx)))
		return a[12] == 127;
	return !memcmp(a, lo6, sizeof(lo6));
}

/* ---- one rule against the query ---- */

static bool l4_hit(const struct rule *r, uint8_t proto, uint16_t port)
{
	if (!r->nl4)
		return true;
	for (size_t i = 0; i < r->nl4; i++) {
		const struct rule_l4 *l = &r->l4[i];

		if (l->proto == proto && ((!l->port_lo && !l->port_hi) ||
					  (l->port_lo <= port && port <= l->port_hi)))
			return true;
	}
	return false;
}

/* addr NULL: the query does not say */
static enum m3 match_prefix(const struct addr_prefix *p, int family, const uint8_t *addr)
{
	if (family && family != p->family)
		return M_NO;
	if (!addr)
		return M_MAYBE;
	return addr_contains(p, family, addr) ? M_YES : M_NO;
}

/* a trailing '*' is a wildcard, as in the compiler */
static enum m3 match_iface(const char *want, const char *have)
{
	size_t n;

	if (!want)
		return M_YES;
	if (!have)
		return M_MAYBE;
	n = strlen(want);
	if (n && want[n - 1] == '*')
		return strncmp(want, have, n - 1) ? M_NO : M_YES;
	return strcmp(want, have) ? M_NO : M_YES;
}

/* the families a bound socket receives; *afam 0 when bound to any address */
static unsigned binding_fams(const struct owner_binding *b, int *afam, uint8_t *addr)
{
	*afam = 0;
	if (!b->has_addr || all_zero(b->addr, fam_len(b->family ? b->family : AF_INET6)))
		return b->family ? fam_bit(b->family) : FAM4 | FAM6;
	if (b->family == AF_INET || !memcmp(b->addr, mapped_pfx, sizeof(mapped_pfx))) {
		memcpy(addr, b->family == AF_INET ? b->addr : b->addr + 12, 4);
		*afam = all_zero(addr, 4) ? 0 : AF_INET;
		return FAM4;
	}
	memcpy(addr, b->addr, 16);
	*afam = AF_INET6;
	return FAM6;
}

/* the local side of an owner rule: the socket's own address, or the rule's `to` */
static enum m3 match_binding(const struct eval *e, const struct rule *r,
			     const struct owner_binding *b)
{
	const struct explain_query *q = &e->q;
	uint8_t addr[16];
	int afam;
	unsigned fams = binding_fams(b, &afam, addr);

	if (b->proto != q->proto || b->port != q->port)
		return M_NO;
	if (q->family && !(fams & fam_bit(q->family)))
		return M_NO;
	if (!afam)
		return r->has_to ? match_prefix(&r->to, q->family, e->local) : M_YES;
	if (r->has_to && !addr_contains(&r->to, afam, addr))
		return M_NO;
	if (!e->local)
		return M_YES;
	return q->family == afam && !memcmp(e->local, addr, fam_len(afam)) ? M_YES : M_NO;
}

static enum m3 match_owner_in(const struct eval *e, const struct rule *r)
{
	enum m3 best = M_NO;

	/* a rule not stored yet has no id a binding could name: closed */
	if (!r->id)
		return M_NO;
	for (size_t i = 0; i < e->in->nbindings && best != M_YES; i++) {
		enum m3 m;

		if (e->in->bindings[i].rule_id != r->id)
			continue;
		m = match_binding(e, r, &e->in->bindings[i]);
		if (m != M_NO)
			best = m;
	}
	return best;
}

/*
 * A query names no socket, so a unit rule may match; but not when the
 * unit is not running (no cgroup bound): then it matches nothing.
 */
static enum m3 match_unit(const struct eval *e, const struct rule *r)
{
	if (e->lst) {   /* exposure knows the socket's unit rules */
		for (size_t i = 0; r->id && i < e->lst->nunit_rules; i++)
			if (e->lst->unit_rules[i] == r->id)
				return M_YES;
		return M_NO;
	}
	for (size_t i = 0; r->id && i < e->in->nbindings; i++)
		if (e->in->bindings[i].rule_id == r->id)
			return M_MAYBE;
	return M_NO;
}

static void step(enum m3 *m, unsigned *mb, enum m3 d, unsigned bit)
{
	if (d == M_NO)
		*m = M_NO;
	else if (d == M_MAYBE && *m != M_NO) {
		*m = M_MAYBE;
		*mb |= bit;
	}
}

static enum m3 rule_match(const struct eval *e, const struct rule *r, unsigned *mb)
{
	const struct explain_query *q = &e->q;
	bool in = r->dir == RULE_IN;
	bool has_peer = in ? r->has_from : r->has_to;
	bool has_loc = in ? r->has_to : r->has_from;
	enum m3 m = M_YES;

	*mb = 0;
	if (r->dir != q->dir || !l4_hit(r, q->proto, q->port) || (!in && r->app))
		return M_NO;
	if (r->expires && r->expires <= e->in->now)
		return M_NO;
	if (has_peer)
		step(&m, mb, match_prefix(in ? &r->from : &r->to, q->family,
					  q->has_peer ? q->peer : NULL), MB_PEER);
	if (in && rule_needs_owner(r))
		step(&m, mb, match_owner_in(e, r), MB_LOCAL);
	else if (has_loc)
		step(&m, mb, match_prefix(in ? &r->to : &r->from, q->family, e->local),
		     MB_LOCAL);
	step(&m, mb, match_iface(r->iface, q->iface), MB_IFACE);
	if (!in && (r->has_user || r->has_group))
		step(&m, mb, M_MAYBE, MB_USER);
	if (r->unit)
		step(&m, mb, match_unit(e, r), MB_UNIT);
	return m;
}

/* ---- collecting the matches ---- */

static int ref_cmp(const void *a, const void *b)
{
	const struct rule *x = *(const struct rule *const *)a;
	const struct rule *y = *(const struct rule *const *)b;

	return (x->id > y->id) - (x->id < y->id);
}

static void hit_push(struct hit **v, size_t *n, const struct rule *r, unsigned mb)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = (struct hit){ r, mb };
}

static void collect(struct eval *e)
{
	size_t n = e->in->nrules;
	const struct rule **v = xcalloc(n + 1, sizeof(*v));

	if (n) {        /* rules may be NULL when there are none */
		memcpy(v, e->in->rules, n * sizeof(*v));
		qsort(v, n, sizeof(*v), ref_cmp);
	}
	for (size_t i = 0; i < n; i++) {
		const struct rule *r = v[i];
		bool block = r->action == RULE_DENY || r->action == RULE_REJECT;
		unsigned mb;
		enum m3 m = rule_match(e, r, &mb);

		if (m == M_NO)
			continue;
		/* worst case: what may block does not, what may accept does */
		if (m == M_MAYBE && e->worst && !(mb & MB_PEER)) {
			if (block)
				continue;
			mb = 0;
		}
		if (r->action == RULE_DENY)
			hit_push(&e->deny, &e->ndeny, r, mb);
		else if (r->action == RULE_REJECT)
			hit_push(&e->reject, &e->nreject, r, mb);
		else if (r->action == RULE_ALLOW)
			hit_push(&e->allow, &e->nallow, r, mb);
		else
			hit_push(&e->limit, &e->nlimit, r, mb);
	}
	free(v);
}

static const struct rule *first_sure(const struct hit *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!v[i].maybe)
			return v[i].r;
	return NULL;
}

/* ---- the why ---- */

static void put_rule(struct strbuf *sb, const struct rule *r)
{
	char *t = rule_format(r, 0);

	if (r->id)
		sb_printf(sb, "rule %llu (%s)", (unsigned long long)r->id, t ? t : "?");
	else
		sb_printf(sb, "rule (%s)", t ? t : "?");
	free(t);
}

static void put_rate(struct strbuf *sb, const struct rule *r)
{
	static const char *const units[] = { "second", "minute", "hour" };

	sb_printf(sb, "%u/%s", r->rate.count,
		  (unsigned)r->rate.unit <= RATE_HOUR ? units[r->rate.unit] : "?");
	if (r->rate.burst)
		sb_printf(sb, " (burst %u)", r->rate.burst);
}

static void put_cond(struct strbuf *sb, const struct rule *r, unsigned mb)
{
	bool in = r->dir == RULE_IN;
	char a[64];

	if (mb & MB_PEER) {
		addr_format(in ? &r->from : &r->to, a, sizeof(a));
		sb_printf(sb, " %s %s", in ? "from" : "to", a);
	}
	if ((mb & MB_LOCAL) && (in ? r->has_to : r->has_from)) {
		addr_format(in ? &r->to : &r->from, a, sizeof(a));
		sb_printf(sb, " %s %s", in ? "to" : "from", a);
	}
	if (mb & MB_IFACE)
		sb_printf(sb, " on interface %s", r->iface);
}

static void put_owner(struct strbuf *sb, const struct rule *r)
{
	if (r->has_user)
		sb_printf(sb, "user %s", r->user ? r->user : "?");
	if (r->has_user && r->has_group)
		sb_puts(sb, ", ");
	if (r->has_group)
		sb_printf(sb, "group %s", r->group ? r->group : "?");
}

/* the rules the open parts of the query could bring in */
static void put_maybes(struct eval *e, const struct hit *v, size_t n, const char *verb)
{
	for (size_t i = 0; i < n; i++) {
		const struct rule *r = v[i].r;

		if (!v[i].maybe)
			continue;
		sb_puts(&e->why, "; ");
		if (v[i].maybe & MB_UNIT) {
			sb_printf(&e->why, "depends on the socket's unit: rule %llu %ss "
				  "sockets of unit %s", (unsigned long long)r->id, verb,
				  r->unit);
			put_cond(&e->why, r, v[i].maybe);
			continue;
		}
		if (v[i].maybe & MB_USER) {
			sb_printf(&e->why, "depends on the sending user: rule %llu %ss ",
				  (unsigned long long)r->id, verb);
			put_owner(&e->why, r);
			put_cond(&e->why, r, v[i].maybe);
			continue;
		}
		put_rule(&e->why, r);
		sb_printf(&e->why, " would %s it", verb);
		put_cond(&e->why, r, v[i].maybe);
	}
}

static void put_blocks_maybe(struct eval *e)
{
	put_maybes(e, e->deny, e->ndeny, "block");
	put_maybes(e, e->reject, e->nreject, "block");
}

/* ---- deciding ---- */

static void put_others(struct eval *e, const struct hit *v, size_t n,
		       const struct rule *skip, const char *tail)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i].maybe || v[i].r == skip)
			continue;
		sb_puts(&e->why, "; ");
		put_rule(&e->why, v[i].r);
		sb_puts(&e->why, tail);
	}
}

static bool decide_block(struct eval *e, struct explain_result *out)
{
	const struct rule *d = first_sure(e->deny, e->ndeny);
	const struct rule *j = first_sure(e->reject, e->nreject);

	if (!d && !j)
		return false;
	out->rule = d ? d : j;
	out->verdict = d ? EXPLAIN_DROP : EXPLAIN_REJECT;
	sb_puts(&e->why, "by ");
	put_rule(&e->why, out->rule);
	put_others(e, e->deny, e->ndeny, out->rule, " also blocks it");
	put_others(e, e->reject, e->nreject, out->rule, d ? " also matches, but "
		   "deny rules come first: dropped, not rejected" : " also blocks it");
	put_others(e, e->allow, e->nallow, NULL, " also matches, but block rules win");
	put_others(e, e->limit, e->nlimit, NULL, " also matches, but block rules win");
	return true;
}

static bool decide_allow(struct eval *e, struct explain_result *out)
{
	const struct rule *a = first_sure(e->allow, e->nallow);
	const struct rule *l = first_sure(e->limit, e->nlimit);

	if (!a && !l)
		return false;
	out->verdict = EXPLAIN_ACCEPT;
	out->rule = a ? a : l;
	sb_puts(&e->why, "by ");
	put_rule(&e->why, out->rule);
	if (!a) {
		sb_puts(&e->why, ": accepted up to ");
		put_rate(&e->why, l);
		sb_printf(&e->why, "; beyond that rate, %s decides",
			  rule_policy_line(e->q.dir, e->q.dir == RULE_IN ?
					   e->in->policy_in : e->in->policy_out));
	}
	put_blocks_maybe(e);
	return true;
}

static void decide_policy(struct eval *e, struct explain_result *out)
{
	enum rule_policy p = e->q.dir == RULE_IN ? e->in->policy_in : e->in->policy_out;

	/* `policy in accept` is not in the grammar: the compiler drops */
	if (e->q.dir == RULE_IN && p == POLICY_ACCEPT)
		p = POLICY_DROP;
	out->by_policy = true;
	out->verdict = p == POLICY_ACCEPT ? EXPLAIN_ACCEPT :
		       p == POLICY_REJECT ? EXPLAIN_REJECT : EXPLAIN_DROP;
	sb_printf(&e->why, "by %s: no rule %s it", rule_policy_line(e->q.dir, p),
		  p == POLICY_ACCEPT ? "blocks" : "allows");
	if (p == POLICY_ACCEPT) {
		put_blocks_maybe(e);
	} else {
		put_maybes(e, e->allow, e->nallow, "accept");
		put_maybes(e, e->limit, e->nlimit, "accept");
	}
}

static bool is_lo(const struct explain_query *q)
{
	return (q->iface && !strcmp(q->iface, "lo")) ||
	       (q->has_peer && is_loopback(q->family, q->peer));
}

/* DHCP client traffic: before the block rules, so no rule can cut it */
static const char *dhcp_base(const struct explain_query *q)
{
	static const uint8_t ll[2] = { 0xfe, 0x80 };
	bool ll_peer = !q->has_peer || (q->family == AF_INET6 && q->peer[0] == ll[0] &&
					(q->peer[1] & 0xc0) == ll[1]);

	if (q->proto != IPPROTO_UDP)
		return NULL;
	if (q->dir == RULE_IN && q->port == 68 && q->family != AF_INET6)
		return "DHCPv4 replies (source port 67) are always accepted";
	if (q->dir == RULE_IN && q->port == 546 && q->family != AF_INET && ll_peer)
		return "DHCPv6 replies from fe80::/10 port 547 are always accepted";
	if (q->dir == RULE_OUT && q->port == 67 && q->family != AF_INET6)
		return "DHCPv4 requests (source port 68) are always allowed";
	if (q->dir == RULE_OUT && q->port == 547 && q->family != AF_INET)
		return "DHCPv6 requests (source port 546) are always allowed";
	return NULL;
}

/* the always-on rules before any exception; true when one decides */
static bool decide_base(struct eval *e, struct explain_result *out)
{
	const struct explain_query *q = &e->q;
	const char *why = NULL;

	out->verdict = EXPLAIN_ACCEPT;
	if (e->in->panic && !is_lo(q)) {
		out->verdict = EXPLAIN_DROP;
		why = "panic mode is on: everything but loopback is dropped, "
		      "established connections included";
	} else if (e->in->panic) {
		why = "loopback traffic is always accepted, in panic mode too";
	} else if (!q->new_connection) {
		why = "established and related traffic is always accepted";
	} else if (is_lo(q)) {
		why = "loopback traffic is always accepted";
	} else {
		why = dhcp_base(q);
	}
	if (why)
		sb_puts(&e->why, why);
	return why != NULL;
}

/* after the block rules: `deny in from X` silences X's pings too */
static bool decide_echo(struct eval *e, struct explain_result *out)
{
	if (e->q.dir != RULE_IN || (e->q.proto != IPPROTO_ICMP && e->q.proto != IPPROTO_ICMPV6))
		return false;
	out->verdict = EXPLAIN_ACCEPT;
	sb_puts(&e->why, "echo requests (ping) are always answered, up to 20/second "
		"(burst 50), unless a block rule matches");
	put_blocks_maybe(e);
	return true;
}

static int query_check(struct eval *e, const struct explain_query *q, struct strbuf *err)
{
	bool icmp = q->proto == IPPROTO_ICMP || q->proto == IPPROTO_ICMPV6;

	e->q = *q;
	if ((unsigned)q->dir > RULE_OUT)
		sb_puts(err, "the direction must be in or out");
	else if (!icmp && q->proto != IPPROTO_TCP && q->proto != IPPROTO_UDP)
		sb_printf(err, "protocol %u: explain knows tcp, udp, icmp and icmpv6", q->proto);
	else if (icmp && q->port)
		sb_puts(err, "ports apply to tcp and udp, not to icmp or icmpv6");
	else if ((q->proto == IPPROTO_ICMP && q->family == AF_INET6) ||
		 (q->proto == IPPROTO_ICMPV6 && q->family == AF_INET))
		sb_puts(err, "icmp is IPv4 and icmpv6 is IPv6: the address is of the other family");
	else if ((q->has_peer || e->local) && q->family != AF_INET && q->family != AF_INET6)
		sb_puts(err, "an address needs its family (AF_INET or AF_INET6)");
	if (err->len)
		return -1;
	if (q->proto == IPPROTO_ICMP)
		e->q.family = AF_INET;
	else if (q->proto == IPPROTO_ICMPV6)
		e->q.family = AF_INET6;
	return 0;
}

static void eval_free(struct eval *e)
{
	free(e->deny);
	free(e->reject);
	free(e->allow);
	free(e->limit);
	sb_free(&e->why);
}

static int evaluate(const struct compile_input *in, const struct explain_query *q,
		    const uint8_t *local, bool worst, const struct explain_listener *lst,
		    struct explain_result *out)
{
	struct eval e = { .in = in, .local = local, .worst = worst, .lst = lst };
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->verdict = EXPLAIN_DROP;
	if (query_check(&e, q, &e.why) < 0) {
		rc = -1;
		goto out;
	}
	if (decide_base(&e, out))
		goto out;
	collect(&e);
	if (!decide_block(&e, out) && !decide_echo(&e, out) && !decide_allow(&e, out))
		decide_policy(&e, out);
out:
	snprintf(out->why, sizeof(out->why), "%s", sb_str(&e.why));
	if (e.why.len >= sizeof(out->why))
		memcpy(out->why + sizeof(out->why) - 4, "...", 4);
	eval_free(&e);
	return rc;
}

int explain_packet_ex(const struct compile_input *in, const struct explain_query *q,
		      const uint8_t *local, bool worst, struct explain_result *out)
{
	return evaluate(in, q, local, worst, NULL, out);
}

int explain_packet(const struct compile_input *in, const struct explain_query *q,
		   struct explain_result *out)
{
	return explain_packet_ex(in, q, NULL, false, out);
}

/* ---- exposure ---- */

static void prefix_ends(const struct addr_prefix *p, uint8_t *lo, uint8_t *hi)
{
	size_t n = fam_len(p->family);

	memset(lo, 0, 16);
	memset(hi, 0, 16);
	addr_last(p, hi);
	memcpy(lo, p->addr, n);
	for (size_t i = 0; i < n; i++) {
		unsigned bits = p->len > i * 8 ? p->len - i * 8 : 0;

		lo[i] &= bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits);
	}
}

/* a += d (d = +1 or -1) over n bytes; false on wrap-around */
static bool addr_step(uint8_t *a, size_t n, int d)
{
	for (size_t i = n; i-- > 0;) {
		uint8_t old = a[i];

		a[i] = (uint8_t)(a[i] + d);
		if ((d > 0 && old != 0xff) || (d < 0 && old != 0))
			return true;
	}
	return false;
}

struct points {
	uint8_t (*v)[16];
	size_t n;
};

static void point_add(struct points *p, const uint8_t *a, int d, size_t len)
{
	uint8_t x[16] = { 0 };

	memcpy(x, a, len);
	if (d && !addr_step(x, len, d))
		return;
	memcpy(p->v[p->n++], x, 16);
}

/*
 * The peers whose verdicts stand for all others: where the address
 * dimension changes from one rule's prefix to another's.
 */
static void candidates(const struct compile_input *in, int fam, struct points *p)
{
	size_t len = fam_len(fam);
	uint8_t lo[16] = { 0 }, hi[16];

	memset(hi, 0xff, sizeof(hi));
	point_add(p, lo, 0, len);
	point_add(p, hi, 0, len);
	for (size_t i = 0; i < in->nrules; i++) {
		const struct rule *r = in->rules[i];
		bool block = r->action == RULE_DENY || r->action == RULE_REJECT;

		if (!r->has_from || r->from.family != fam)
			continue;
		prefix_ends(&r->from, lo, hi);
		point_add(p, lo, block ? -1 : 0, len);
		point_add(p, hi, block ? 1 : 0, len);
	}
}

static bool reach_family(const struct compile_input *in, const struct explain_listener *l,
			 int fam, struct explain_reach *out)
{
	struct points p = { xcalloc(2 * in->nrules + 2, 16), 0 };
	const uint8_t *local = l->has_addr && l->family == fam ? l->addr : NULL;
	struct explain_result res;
	bool found = false;

	candidates(in, fam, &p);
	for (size_t i = 0; i < p.n && !found; i++) {
		struct explain_query q = { .dir = RULE_IN, .proto = l->proto, .port = l->port,
					   .family = fam, .has_peer = true, .new_connection = true };

		if (is_loopback(fam, p.v[i]))
			continue;
		memcpy(q.peer, p.v[i], 16);
		if (evaluate(in, &q, local, true, l, &res) < 0)
			continue;
		if (!out->why[0] || res.verdict == EXPLAIN_ACCEPT)
			snprintf(out->why, sizeof(out->why), "%s", res.why);
		found = res.verdict == EXPLAIN_ACCEPT;
		if (found)
			out->rule = res.rule;
	}
	free(p.v);
	return found;
}

/* only the rules that can match the listener's protocol and port */
static const struct rule **relevant(const struct compile_input *in,
				    const struct explain_listener *l, size_t *n)
{
	const struct rule **v = xcalloc(in->nrules + 1, sizeof(*v));

	*n = 0;
	for (size_t i = 0; i < in->nrules; i++) {
		const struct rule *r = in->rules[i];

		if (r->dir == RULE_IN && l4_hit(r, l->proto, l->port) &&
		    !(r->expires && r->expires <= in->now))
			v[(*n)++] = r;
	}
	return v;
}

void explain_exposure(const struct compile_input *in, const struct explain_listener *l,
		      struct explain_reach *out)
{
	struct compile_input sub = *in;
	size_t n;
	const struct rule **v = relevant(in, l, &n);

	memset(out, 0, sizeof(*out));
	sub.rules = v;
	sub.nrules = n;
	out->reachable = (l->v4 && reach_family(&sub, l, AF_INET, out)) ||
			 (l->v6 && reach_family(&sub, l, AF_INET6, out));
	if (out->reachable && out->rule && out->rule->has_from)
		addr_format(&out->rule->from, out->from, sizeof(out->from));
	else if (out->reachable)
		snprintf(out->from, sizeof(out->from), "anywhere");
	free(v);
}
