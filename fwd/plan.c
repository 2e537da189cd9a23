/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <netinet/in.h>
#include <linux/netfilter.h> /* after netinet/in.h: uapi vs libc */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

/* datatype ids are nft's (include/datatype.h): `nft list` prints them */
const struct plan_field_info plan_fields[PF__COUNT] = {
	[PF_L4PROTO] = { "meta l4proto", "inet_proto",   "p",  12,  1,  4, 0 },
	[PF_NFPROTO] = { "meta nfproto", "nf_proto",     "nf",  2,  1,  4, 0 },
	[PF_IIFNAME] = { "iifname",      "ifname",       "if", 41, 16, 16, 0 },
	[PF_OIFNAME] = { "oifname",      "ifname",       "if", 41, 16, 16, 0 },
	[PF_SKUID]   = { "meta skuid",   "uid",          "uid", 24, 4,  4, 0 },
	[PF_SKGID]   = { "meta skgid",   "gid",          "gid", 25, 4,  4, 0 },
	[PF_SADDR4]  = { "ip saddr",     "ipv4_addr",    "s4",  7,  4,  4, NFPROTO_IPV4 },
	[PF_SADDR6]  = { "ip6 saddr",    "ipv6_addr",    "s6",  8, 16, 16, NFPROTO_IPV6 },
	[PF_DADDR4]  = { "ip daddr",     "ipv4_addr",    "d4",  7,  4,  4, NFPROTO_IPV4 },
	[PF_DADDR6]  = { "ip6 daddr",    "ipv6_addr",    "d6",  8, 16, 16, NFPROTO_IPV6 },
	[PF_DPORT]   = { "th dport",     "inet_service", "dp", 13,  2,  4, 0 },
	[PF_CGROUP1] = { "socket cgroupv2 level 1", "cgroupsv2", "cg1", 46, 8, 8, 0 },
	[PF_CGROUP2] = { "socket cgroupv2 level 2", "cgroupsv2", "cg2", 46, 8, 8, 0 },
	[PF_CGROUP3] = { "socket cgroupv2 level 3", "cgroupsv2", "cg3", 46, 8, 8, 0 },
	[PF_CGROUP4] = { "socket cgroupv2 level 4", "cgroupsv2", "cg4", 46, 8, 8, 0 },
};

static const char *const class_names[PC__COUNT] = {
	[PC_DENY] = "deny", [PC_REJECT] = "reject",
	[PC_ALLOW] = "allow", [PC_LIMIT] = "limit",
};

const char *plan_class_name(enum plan_class c)
{
	return c < PC__COUNT ? class_names[c] : "?";
}

struct plan *plan_new(const char *table, int64_t now, uint16_t log_group)
{
	struct plan *p = xcalloc(1, sizeof(*p));

	p->table = xstrdup(table);
	p->now = now;
	p->log_group = log_group;
	for (size_t i = 0; i < PCH__COUNT; i++)
		plan_add_chain(p, "");
	p->chains[PCH_INPUT] = (struct plan_chain){
		.name = "input", .base = true, .hook = NF_INET_LOCAL_IN,
	};
	p->chains[PCH_OUTPUT] = (struct plan_chain){
		.name = "output", .base = true, .hook = NF_INET_LOCAL_OUT,
	};
	snprintf(p->chains[PCH_REJECT].name, PLAN_NAME_MAX, "do_reject");
	return p;
}

void plan_free(struct plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nsets; i++)
		free(p->sets[i].elems);
	for (size_t i = 0; i < p->nchains; i++)
		free(p->chains[i].rules);
	free(p->chains);
	free(p->sets);
	free(p->table);
	free(p);
}

size_t plan_add_chain(struct plan *p, const char *name)
{
	struct plan_chain *ch;

	if (p->nchains == p->chcap) {
		p->chcap = p->chcap ? p->chcap * 2 : 8;
		p->chains = xrealloc(p->chains, p->chcap * sizeof(*p->chains));
	}
	ch = &p->chains[p->nchains];
	memset(ch, 0, sizeof(*ch));
	snprintf(ch->name, sizeof(ch->name), "%s", name);
	return p->nchains++;
}

size_t plan_chain_order(const struct plan *p, size_t k)
{
	size_t added = p->nchains - PCH__COUNT;

	if (k == 0)
		return PCH_REJECT;
	if (k <= added)
		return PCH__COUNT + k - 1;
	return k - added - 1;   /* PCH_INPUT, then PCH_OUTPUT */
}

struct plan_rule *plan_add_rule(struct plan *p, size_t c)
{
	struct plan_chain *ch = &p->chains[c];
	struct plan_rule *r;

	if (ch->nrules == ch->cap) {
		ch->cap = ch->cap ? ch->cap * 2 : 16;
		ch->rules = xrealloc(ch->rules, ch->cap * sizeof(*ch->rules));
	}
	r = &ch->rules[ch->nrules++];
	/* whole-struct zeroing: plan_same_structure compares with memcmp */
	memset(r, 0, sizeof(*r));
	return r;
}

struct plan_match *plan_rule_match(struct plan_rule *r, enum plan_match_kind k)
{
	struct plan_match *m;

	if (r->nm >= PLAN_MAX_MATCHES)
		abort();        /* a compiler bug, never input-dependent */
	m = &r->m[r->nm++];
	m->kind = k;
	return m;
}

struct plan_stmt *plan_rule_stmt(struct plan_rule *r, enum plan_stmt_kind k)
{
	struct plan_stmt *s;

	if (r->ns >= PLAN_MAX_STMTS)
		abort();
	s = &r->s[r->ns++];
	s->kind = k;
	return s;
}

uint32_t plan_add_set(struct plan *p, const struct plan_set *proto)
{
	struct plan_set *s;

	if (p->nsets == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->sets = xrealloc(p->sets, p->cap * sizeof(*p->sets));
	}
	s = &p->sets[p->nsets];
	*s = *proto;
	s->elems = NULL;
	s->nelems = s->cap = 0;
	return (uint32_t)p->nsets++;
}

struct plan_elem *plan_set_push(struct plan_set *s)
{
	struct plan_elem *e;

	if (s->nelems == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->elems = xrealloc(s->elems, s->cap * sizeof(*s->elems));
	}
	e = &s->elems[s->nelems++];
	memset(e, 0, sizeof(*e));
	return e;
}

/*
 * Key order; within one set keys are unique (compile.c layers them). Bytes
 * past a set's key length are zero, so comparing key_len bytes is the
 * same order, and at 50,000 elements most of the compiler's time is here.
 */
static size_t key_bytes(const struct plan_set *s)
{
	return s->key_len && s->key_len <= PLAN_KEY_MAX ? s->key_len : PLAN_KEY_MAX;
}

static int elem_cmp_len(const struct plan_elem *x, const struct plan_elem *y, size_t len)
{
	int c = memcmp(x->key, y->key, len);

	return c ? c : memcmp(x->key_end, y->key_end, len);
}

static int elem_cmp_r(const void *a, const void *b, void *len)
{
	return elem_cmp_len(a, b, *(const size_t *)len);
}

void plan_finish(struct plan *p)
{
	p->nelems = 0;
	for (size_t i = 0; i < p->nsets; i++) {
		plan_sort_set(&p->sets[i]);
		p->nelems += p->sets[i].nelems;
	}
}

void plan_stats(const struct plan *p, size_t *nsets, size_t *nelems, size_t *nrules)
{
	size_t n = 0;

	for (size_t i = 0; i < p->nchains; i++)
		n += p->chains[i].nrules;
	if (nsets)
		*nsets = p->nsets;
	if (nelems)
		*nelems = p->nelems;
	if (nrules)
		*nrules = n;
}

bool plan_same_set_def(const struct plan_set *a, const struct plan_set *b)
{
	return strcmp(a->name, b->name) == 0 && a->dir == b->dir &&
	       a->cls == b->cls && a->log == b->log &&
	       a->interval == b->interval && a->nfields == b->nfields &&
	       memcmp(a->fields, b->fields, a->nfields) == 0 &&
	       a->key_len == b->key_len;
}

static bool same_chain(const struct plan_chain *a, const struct plan_chain *b)
{
	if (a->nrules != b->nrules || a->policy_accept != b->policy_accept ||
	    strcmp(a->name, b->name) != 0)
		return false;
	/* rules are zeroed before filling, so padding compares equal */
	return a->nrules == 0 ||
	       memcmp(a->rules, b->rules, a->nrules * sizeof(*a->rules)) == 0;
}

bool plan_same_structure(const struct plan *a, const struct plan *b)
{
	if (strcmp(a->table, b->table) != 0 || a->nsets != b->nsets ||
	    a->nchains != b->nchains)
		return false;
	for (size_t i = 0; i < a->nchains; i++)
		if (!same_chain(&a->chains[i], &b->chains[i]))
			return false;
	for (size_t i = 0; i < a->nsets; i++)
		if (!plan_same_set_def(&a->sets[i], &b->sets[i]))
			return false;
	return true;
}

void plan_sort_set(struct plan_set *s)
{
	size_t len = key_bytes(s), i = 1;

	/* elements often come in key order already: one pass instead of a sort */
	while (i < s->nelems && elem_cmp_len(&s->elems[i - 1], &s->elems[i], len) <= 0)
		i++;
	if (i < s->nelems)
		qsort_r(s->elems, s->nelems, sizeof(*s->elems), elem_cmp_r, &len);
}

static bool same_payload(const struct plan_elem *a, const struct plan_elem *b,
			 int64_t slack)
{
	int64_t dt = a->expires - b->expires;

	if (a->rule_id != b->rule_id || !a->expires != !b->expires)
		return false;
	return dt <= slack && -dt <= slack;
}

/* both element lists are sorted by key: one merge pass */
void plan_diff_set(const struct plan_set *a, const struct plan_set *b,
		   int64_t slack, plan_diff_cb cb, void *arg)
{
	size_t i = 0, j = 0;
	size_t len = key_bytes(a) > key_bytes(b) ? key_bytes(a) : key_bytes(b);

	while (i < a->nelems || j < b->nelems) {
		int c = i == a->nelems ? 1 : j == b->nelems ? -1 :
			elem_cmp_len(&a->elems[i], &b->elems[j], len);

		if (c < 0) {
			cb(arg, false, &a->elems[i++]);
		} else if (c > 0) {
			cb(arg, true, &b->elems[j++]);
		} else {
			if (!same_payload(&a->elems[i], &b->elems[j], slack)) {
				cb(arg, false, &a->elems[i]);
				cb(arg, true, &b->elems[j]);
			}
			i++, j++;
		}
	}
}

struct delta_ctx {
	struct plan_delta *d;
	size_t acap, dcap;
	uint32_t set;
};

static void delta_push(void *arg, bool add, const struct plan_elem *e)
{
	struct delta_ctx *c = arg;
	struct plan_delta_op **v = add ? &c->d->add : &c->d->del;
	size_t *n = add ? &c->d->nadd : &c->d->ndel;
	size_t *cap = add ? &c->acap : &c->dcap;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[*n].set = c->set;
	(*v)[(*n)++].e = e;
}

int plan_delta(const struct plan *prev, const struct plan *next,
	       struct plan_delta *d)
{
	struct delta_ctx c = { .d = d };

	memset(d, 0, sizeof(*d));
	if (!plan_same_structure(prev, next))
		return -1;
	for (c.set = 0; c.set < next->nsets; c.set++)
		plan_diff_set(&prev->sets[c.set], &next->sets[c.set], 0, delta_push, &c);
	return 0;
}

void plan_delta_free(struct plan_delta *d)
{
	free(d->add);
	free(d->del);
	memset(d, 0, sizeof(*d));
}

static struct plan_rule *rule_with(struct plan *p, enum plan_chain_id ch,
				   enum plan_match_kind k, uint32_t val)
{
	struct plan_rule *r = plan_add_rule(p, ch);

	plan_rule_match(r, k)->u.val = val;
	return r;
}

static void match_types(struct plan_rule *r, enum plan_match_kind k,
			const uint8_t *v, uint8_t n)
{
	struct plan_match *m = plan_rule_match(r, k);

	memcpy(m->u.types.v, v, n);
	m->u.types.n = n;
}

static void match_linklocal(struct plan_rule *r)
{
	struct plan_match *m = plan_rule_match(r, PM_SADDR6_NET);

	m->u.net.addr[0] = 0xfe, m->u.net.addr[1] = 0x80;
	m->u.net.len = 10;
}

static void match_udp(struct plan_rule *r, uint16_t sport, uint16_t dport)
{
	struct plan_match *m = plan_rule_match(r, PM_UDP_PORTS);

	m->u.ports.sport = sport;
	m->u.ports.dport = dport;
}

void plan_stmt_limit(struct plan_rule *r, uint32_t rate, uint32_t unit_s,
		       uint32_t burst, bool written)
{
	struct plan_stmt *s = plan_rule_stmt(r, PS_LIMIT);

	s->u.limit.rate = rate;
	s->u.limit.unit_s = unit_s;
	/* nft's default burst, so `nft -f` of the dump gives the same rule */
	s->u.limit.burst = written ? burst : 5;
	s->u.limit.burst_written = written;
}

void plan_stmt_log(struct plan_rule *r, uint16_t group, const char *prefix)
{
	struct plan_stmt *s = plan_rule_stmt(r, PS_LOG);

	s->u.log.group = group;
	snprintf(s->u.log.prefix, sizeof(s->u.log.prefix), "%s", prefix);
}

#define CT_INVALID      0x01u
#define CT_ESTABLISHED  0x02u
#define CT_RELATED      0x04u

/*
 * What a default-deny host must still accept (RFC 4890; KERNEL.md):
 * neighbour discovery and echo replies are conntrack-untracked/invalid, so
 * they come before the invalid drop; the hop limit of 255 proves ND came
 * from the link.
 */
void plan_add_input_head(struct plan *p)
{
	static const uint8_t nd[] = { 133, 134, 135, 136, 137 };
	static const uint8_t echo_reply[] = { 129 };
	static const uint8_t errors[] = { 1, 2, 3, 4 };
	static const uint8_t mld[] = { 130, 131, 132, 143 };
	struct plan_rule *r;

	r = rule_with(p, PCH_INPUT, PM_CT_STATE, CT_ESTABLISHED | CT_RELATED);
	plan_rule_stmt(r, PS_ACCEPT);
	r = plan_add_rule(p, PCH_INPUT);
	match_types(r, PM_ICMPV6_TYPE, nd, sizeof(nd));
	plan_rule_match(r, PM_HOPLIMIT)->u.val = 255;
	plan_rule_stmt(r, PS_ACCEPT);
	r = plan_add_rule(p, PCH_INPUT);
	match_types(r, PM_ICMPV6_TYPE, echo_reply, sizeof(echo_reply));
	plan_rule_stmt(r, PS_ACCEPT);
	r = rule_with(p, PCH_INPUT, PM_CT_STATE, CT_INVALID);
	plan_rule_stmt(r, PS_DROP);
	r = rule_with(p, PCH_INPUT, PM_IIF, 1);         /* lo is ifindex 1 */
	plan_rule_stmt(r, PS_ACCEPT);
	r = plan_add_rule(p, PCH_INPUT);
	match_types(r, PM_ICMPV6_TYPE, errors, sizeof(errors));
	plan_rule_stmt(r, PS_ACCEPT);
	r = plan_add_rule(p, PCH_INPUT);
	match_linklocal(r);
	match_types(r, PM_ICMPV6_TYPE, mld, sizeof(mld));
	plan_rule_stmt(r, PS_ACCEPT);
	r = rule_with(p, PCH_INPUT, PM_NFPROTO, NFPROTO_IPV4);
	match_udp(r, 67, 68);                           /* DHCPv4 replies */
	plan_rule_stmt(r, PS_ACCEPT);
	r = plan_add_rule(p, PCH_INPUT);
	match_linklocal(r);
	match_udp(r, 547, 546);                         /* DHCPv6 replies */
	plan_rule_stmt(r, PS_ACCEPT);
}

/* after the block rules: `deny in from X` silences X's pings too */
void plan_add_input_echo(struct plan *p)
{
	static const uint8_t req4[] = { 8 }, req6[] = { 128 };
	struct plan_rule *r;

	r = plan_add_rule(p, PCH_INPUT);
	match_types(r, PM_ICMP_TYPE, req4, 1);
	plan_stmt_limit(r, 20, 1, 50, true);
	plan_rule_stmt(r, PS_ACCEPT);
	r = plan_add_rule(p, PCH_INPUT);
	match_types(r, PM_ICMPV6_TYPE, req6, 1);
	plan_stmt_limit(r, 20, 1, 50, true);
	plan_rule_stmt(r, PS_ACCEPT);
}

/* what the host itself must send even under `policy out drop` */
void plan_add_output_head(struct plan *p)
{
	static const uint8_t nd[] = { 131, 132, 133, 135, 136, 143 };
	struct plan_rule *r;

	r = rule_with(p, PCH_OUTPUT, PM_CT_STATE, CT_ESTABLISHED | CT_RELATED);
	plan_rule_stmt(r, PS_ACCEPT);
	r = rule_with(p, PCH_OUTPUT, PM_OIF, 1);
	plan_rule_stmt(r, PS_ACCEPT);
	r = plan_add_rule(p, PCH_OUTPUT);
	match_types(r, PM_ICMPV6_TYPE, nd, sizeof(nd));
	plan_rule_stmt(r, PS_ACCEPT);
	r = rule_with(p, PCH_OUTPUT, PM_NFPROTO, NFPROTO_IPV4);
	match_udp(r, 68, 67);                           /* DHCPv4 requests */
	plan_rule_stmt(r, PS_ACCEPT);
	r = rule_with(p, PCH_OUTPUT, PM_NFPROTO, NFPROTO_IPV6);
	match_udp(r, 546, 547);                         /* DHCPv6 requests */
	plan_rule_stmt(r, PS_ACCEPT);
}

void plan_add_reject_chain(struct plan *p)
{
	struct plan_rule *r = rule_with(p, PCH_REJECT, PM_L4PROTO, IPPROTO_TCP);

	plan_rule_stmt(r, PS_REJECT_TCP);
	r = plan_add_rule(p, PCH_REJECT);
	plan_rule_stmt(r, PS_REJECT_ICMPX);
}

/*
 * The end of a chain: blocked packets are logged through a limit (a flood
 * must not overwhelm the daemon), then counted under a tag. The base
 * chain's own policy is drop whatever happens here: fail-closed.
 */
void plan_add_tail(struct plan *p, enum rule_dir dir, enum rule_policy pol)
{
	enum plan_chain_id ch = dir == RULE_IN ? PCH_INPUT : PCH_OUTPUT;
	bool reject = pol == POLICY_REJECT;
	struct plan_rule *r;

	if (pol == POLICY_ACCEPT && dir == RULE_OUT)
		return;
	r = plan_add_rule(p, ch);
	plan_stmt_limit(r, 10, 1, 20, true);
	plan_stmt_log(r, p->log_group, dir == RULE_IN ?
		 (reject ? PLAN_PREFIX_REJECT_IN : PLAN_PREFIX_DROP_IN) :
		 (reject ? PLAN_PREFIX_REJECT_OUT : PLAN_PREFIX_DROP_OUT));
	r = plan_add_rule(p, ch);
	plan_rule_stmt(r, PS_COUNTER);
	plan_rule_stmt(r, reject ? PS_GOTO_REJECT : PS_DROP);
	snprintf(r->tag, sizeof(r->tag), "%s-%s", reject ? "reject" : "drop",
		 rule_dir_name(dir));
}

void plan_add_panic(struct plan *p)
{
	struct plan_rule *r;

	r = rule_with(p, PCH_INPUT, PM_IIF, 1);
	plan_rule_stmt(r, PS_ACCEPT);
	r = plan_add_rule(p, PCH_INPUT);
	plan_rule_stmt(r, PS_COUNTER);
	plan_rule_stmt(r, PS_DROP);
	snprintf(r->tag, sizeof(r->tag), "drop-in");
	r = rule_with(p, PCH_OUTPUT, PM_OIF, 1);
	plan_rule_stmt(r, PS_ACCEPT);
	r = plan_add_rule(p, PCH_OUTPUT);
	plan_rule_stmt(r, PS_COUNTER);
	plan_rule_stmt(r, PS_DROP);
	snprintf(r->tag, sizeof(r->tag), "drop-out");
}

/* ---- layering: no duplicate keys, no overlapping intervals in a set ---- */

struct elem_ref {
	const struct plan_elem *e;
	uint32_t i;             /* position in priority (rule id) order */
	uint8_t lo[16];         /* low end in the sweep field, zero padded */
};

static int ref_key_cmp(const void *a, const void *b, void *len)
{
	const struct elem_ref *x = a, *y = b;
	int c = memcmp(x->e->key, y->e->key, *(const size_t *)len);

	return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* exact keys conflict only when equal: the k-th copy of a key gets layer k */
static uint32_t layers_exact(struct elem_ref *r, size_t n, size_t len, uint32_t *layer)
{
	uint32_t nl = n ? 1 : 0, k = 0;
	size_t sorted = 1;

	/* rules added in key order (the common bulk case) need no sort */
	while (sorted < n && ref_key_cmp(&r[sorted - 1], &r[sorted], &len) < 0)
		sorted++;
	if (sorted < n)
		qsort_r(r, n, sizeof(*r), ref_key_cmp, &len);
	for (size_t j = 0; j < n; j++) {
		k = j && memcmp(r[j].e->key, r[j - 1].e->key, len) == 0 ? k + 1 : 0;
		layer[r[j].i] = k;
		if (k + 1 > nl)
			nl = k + 1;
	}
	return nl;
}

struct field_span {
	unsigned off, len;
};

static bool boxes_overlap(const struct plan_elem *a, const struct plan_elem *b,
			  const struct field_span *f, unsigned nf)
{
	for (unsigned k = 0; k < nf; k++) {
		if (memcmp(a->key + f[k].off, b->key_end + f[k].off, f[k].len) > 0 ||
		    memcmp(b->key + f[k].off, a->key_end + f[k].off, f[k].len) > 0)
			return false;
	}
	return true;
}

/* the field whose low ends differ most (estimated with a hashed bitmap) */
static unsigned sweep_field(const struct elem_ref *r, size_t n,
			    const struct field_span *f, unsigned nf)
{
	static const size_t bits = 1u << 16;
	uint64_t *map = xmalloc(bits / 8);
	unsigned best = 0;
	size_t best_n = 0;

	for (unsigned k = 0; k < nf; k++) {
		size_t distinct = 0;

		memset(map, 0, bits / 8);
		for (size_t j = 0; j < n; j++) {
			uint32_t h = 2166136261u;

			for (unsigned b = 0; b < f[k].len; b++)
				h = (h ^ r[j].e->key[f[k].off + b]) * 16777619u;
			h = (h ^ h >> 16) & (bits - 1);
			if (!(map[h / 64] & 1ull << (h % 64))) {
				map[h / 64] |= 1ull << (h % 64);
				distinct++;
			}
		}
		if (distinct > best_n)
			best = k, best_n = distinct;
	}
	free(map);
	return best;
}

static int ref_lo_cmp(const void *a, const void *b)
{
	const struct elem_ref *x = a, *y = b;
	int c = memcmp(x->lo, y->lo, sizeof(x->lo));

	return c ? c : (x->i > y->i) - (x->i < y->i);
}

struct edge {
	uint32_t later, earlier;
};

static int edge_cmp(const void *a, const void *b)
{
	const struct edge *x = a, *y = b;

	if (x->later != y->later)
		return x->later < y->later ? -1 : 1;
	return (x->earlier > y->earlier) - (x->earlier < y->earlier);
}

/*
 * Conflicting pairs by a sweep over one field: sorted by low end there,
 * only the elements starting before another's high end can overlap it.
 * Distinct exceptions give few candidates; the cost grows with overlaps.
 */
static struct edge *find_edges(struct elem_ref *r, size_t n,
			       const struct field_span *f, unsigned nf,
			       size_t *nedges)
{
	struct field_span sw = f[sweep_field(r, n, f, nf)];
	struct edge *v = NULL;
	size_t ne = 0, cap = 0;

	for (size_t j = 0; j < n; j++)
		memcpy(r[j].lo, r[j].e->key + sw.off, sw.len);
	qsort(r, n, sizeof(*r), ref_lo_cmp);
	for (size_t a = 0; a < n; a++) {
		const uint8_t *hi = r[a].e->key_end + sw.off;

		for (size_t b = a + 1; b < n; b++) {
			if (memcmp(r[b].lo, hi, sw.len) > 0)
				break;
			if (!boxes_overlap(r[a].e, r[b].e, f, nf))
				continue;
			if (ne == cap) {
				cap = cap ? cap * 2 : 64;
				v = xrealloc(v, cap * sizeof(*v));
			}
			v[ne].later = r[a].i > r[b].i ? r[a].i : r[b].i;
			v[ne++].earlier = r[a].i > r[b].i ? r[b].i : r[a].i;
		}
	}
	if (ne > 1)
		qsort(v, ne, sizeof(*v), edge_cmp);
	*nedges = ne;
	return v;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* first fit in priority order: earlier elements never move */
static uint32_t layers_interval(struct elem_ref *r, size_t n,
				const struct field_span *f, unsigned nf,
				uint32_t *layer)
{
	size_t ne, e = 0, cap = 0;
	struct edge *v = find_edges(r, n, f, nf, &ne);
	uint32_t *used = NULL, nl = n ? 1 : 0;

	for (uint32_t k = 0; k < n; k++) {
		size_t nu = 0;
		uint32_t pick = 0;

		for (; e < ne && v[e].later == k; e++) {
			if (nu == cap) {
				cap = cap ? cap * 2 : 16;
				used = xrealloc(used, cap * sizeof(*used));
			}
			used[nu++] = layer[v[e].earlier];
		}
		if (nu > 1)
			qsort(used, nu, sizeof(*used), u32_cmp);
		for (size_t j = 0; j < nu; j++)
			if (used[j] == pick)
				pick++;
		layer[k] = pick;
		if (pick + 1 > nl)
			nl = pick + 1;
	}
	free(used);
	free(v);
	return nl;
}

uint32_t plan_layers(const struct plan_elem *v, size_t n,
		     const struct plan_set *def, uint32_t *layer)
{
	struct elem_ref *r = xcalloc(n, sizeof(*r));
	struct field_span f[PLAN_MAX_FIELDS];
	unsigned off = 0;
	uint32_t nl;

	for (size_t i = 0; i < n; i++)
		r[i].e = &v[i], r[i].i = (uint32_t)i;
	for (unsigned k = 0; k < def->nfields; k++) {
		f[k].off = off;
		f[k].len = plan_fields[def->fields[k]].reglen;
		off += f[k].len;
	}
	nl = def->interval ? layers_interval(r, n, f, def->nfields, layer) :
			     layers_exact(r, n, key_bytes(def), layer);
	free(r);
	return nl;
}
