/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The elements of a rule, before compile.c makes set keys of them: the
 * rule's own l4 entries (sorted, merged), or for owner rules on `in` and
 * unit rules the bindings the daemon passes, intersected with the rule's
 * other matches. Why bindings and which families: the top of compile.c.
 */
#include <netinet/in.h>
#include <linux/netfilter.h> /* after netinet/in.h: uapi vs libc */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "compile_internal.h"

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

/* ---- elements of a rule: its l4 entries, or its owner bindings ---- */

static struct src *src_push(struct compiler *c)
{
	struct src *s;

	if (c->nsrc == c->srccap) {
		c->srccap = c->srccap ? c->srccap * 2 : 16;
		c->src = xrealloc(c->src, c->srccap * sizeof(*c->src));
	}
	s = &c->src[c->nsrc++];
	memset(s, 0, sizeof(*s));
	return s;
}

void compile_srcs_rule(struct compiler *c, const struct rule *r)
{
	size_t n = l4_normalize(r, c->l4);

	for (size_t i = 0; i < n; i++) {
		struct src *s = src_push(c);

		s->l4 = c->l4[i];
		s->has_daddr = r->has_to;
		if (r->has_to)
			s->daddr = r->to;
	}
}

#define FAM4 1u
#define FAM6 2u

static unsigned fam_bit(int family)
{
	return family == AF_INET ? FAM4 : family == AF_INET6 ? FAM6 : 0;
}

/*
 * The families a listening socket receives, and the one local address it
 * is bound to (*has_addr false: any). A socket bound to a v4-mapped
 * address (::ffff:a.b.c.d) receives only IPv4, sent to a.b.c.d; one bound
 * to another IPv6 address only IPv6, whatever its v6only.
 */
static unsigned binding_families(const struct owner_binding *b,
				 struct addr_prefix *addr, bool *has_addr)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	static const uint8_t zero[16];
	unsigned fams = b->family ? fam_bit(b->family) : FAM4 | FAM6;

	memset(addr, 0, sizeof(*addr));
	*has_addr = false;
	if (!b->has_addr || memcmp(b->addr, zero, b->family == AF_INET ? 4 : 16) == 0)
		return fams;
	if (b->family == AF_INET || memcmp(b->addr, mapped, sizeof(mapped)) == 0) {
		addr->family = AF_INET;
		memcpy(addr->addr, b->family == AF_INET ? b->addr : b->addr + 12, 4);
		addr->len = 32;
	} else {
		addr->family = AF_INET6;
		memcpy(addr->addr, b->addr, 16);
		addr->len = 128;
	}
	*has_addr = memcmp(addr->addr, zero, 16) != 0;     /* ::ffff:0.0.0.0 */
	return fam_bit(addr->family);
}

static bool l4_admits(const struct l4ent *v, size_t n, uint8_t proto, uint16_t port)
{
	for (size_t i = 0; i < n; i++)
		if ((v[i].proto < 0 || v[i].proto == proto) &&
		    ((!v[i].lo && !v[i].hi) || (v[i].lo <= port && port <= v[i].hi)))
			return true;
	return false;
}

/* a binding the rule's own proto/port/from/to exclude gives nothing */
static void srcs_binding(struct compiler *c, const struct rule *r, size_t nl4,
			 const struct owner_binding *b)
{
	struct addr_prefix addr;
	bool has_addr;
	unsigned fams = binding_families(b, &addr, &has_addr);

	if (!l4_admits(c->l4, nl4, b->proto, b->port))
		return;
	if (r->has_from)
		fams &= fam_bit(r->from.family);
	if (r->has_to) {
		fams &= fam_bit(r->to.family);
		if (has_addr && !addr_contains(&r->to, addr.family, addr.addr))
			return;
	}
	for (unsigned f = FAM4; f <= FAM6; f <<= 1) {
		struct src *s;

		if (!(fams & f))
			continue;
		s = src_push(c);
		s->l4 = (struct l4ent){ b->proto, b->port, b->port };
		s->nfproto = f == FAM4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
		s->has_daddr = has_addr || r->has_to;
		s->daddr = has_addr ? addr : r->to;
	}
}

/* the first binding of rule id, or nbindings */
static size_t bindings_of(const struct compiler *c, uint64_t id)
{
	size_t lo = 0, hi = c->in->nbindings;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->bind[mid].rule_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void compile_srcs_owner(struct compiler *c, const struct rule *r)
{
	size_t nl4 = l4_normalize(r, c->l4);

	/* a rule not stored yet (a dry run) has no id a binding could name */
	if (!r->id)
		return;
	for (size_t i = bindings_of(c, r->id);
	     i < c->in->nbindings && c->bind[i].rule_id == r->id; i++)
		srcs_binding(c, r, nl4, &c->bind[i]);
}

/* a unit's cgroups times the rule's own l4 entries */
void compile_srcs_unit(struct compiler *c, const struct rule *r)
{
	size_t nl4 = l4_normalize(r, c->l4);

	if (!r->id)
		return;
	for (size_t i = bindings_of(c, r->id);
	     i < c->in->nbindings && c->bind[i].rule_id == r->id; i++)
		for (size_t j = 0; j < nl4; j++) {
			struct src *s = src_push(c);

			s->l4 = c->l4[j];
			s->has_daddr = r->has_to;
			if (r->has_to)
				s->daddr = r->to;
			s->cg_level = c->bind[i].cgroup_level;
			s->cg_id = c->bind[i].cgroup_id;
		}
}

static int src_cmp(const void *a, const void *b)
{
	const struct src *x = a, *y = b;
	int c = l4_cmp(&x->l4, &y->l4);

	if (c)
		return c;
	if (x->cg_level != y->cg_level || x->cg_id != y->cg_id)
		return x->cg_level != y->cg_level ? x->cg_level - y->cg_level :
		       x->cg_id < y->cg_id ? -1 : 1;
	if (x->nfproto != y->nfproto)
		return x->nfproto < y->nfproto ? -1 : 1;
	if (x->has_daddr != y->has_daddr || !x->has_daddr)
		return (int)x->has_daddr - (int)y->has_daddr;
	if (x->daddr.family != y->daddr.family || x->daddr.len != y->daddr.len)
		return x->daddr.family != y->daddr.family ?
		       x->daddr.family - y->daddr.family : x->daddr.len - y->daddr.len;
	return memcmp(x->daddr.addr, y->daddr.addr, x->daddr.family == AF_INET ? 4 : 16);
}

/* two sockets on one port (SO_REUSEPORT, 0.0.0.0 and ::) give one element */
void compile_srcs_unique(struct compiler *c)
{
	size_t n = 0;

	if (c->nsrc > 1)
		qsort(c->src, c->nsrc, sizeof(*c->src), src_cmp);
	for (size_t i = 0; i < c->nsrc; i++)
		if (!n || src_cmp(&c->src[n - 1], &c->src[i]) != 0)
			c->src[n++] = c->src[i];
	c->nsrc = n;
}
