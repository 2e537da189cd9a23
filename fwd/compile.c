/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The compiler: rules -> plan. Exceptions become set elements, not chain
 * rules, so the per-packet cost does not grow with their number: elements
 * of the same (direction, class, log, shape) share one named set and one
 * chain rule `FIELDS @set VERDICT`. The shape is which key fields an
 * element uses. meta l4proto always leads the key: a concatenation is what
 * lets an interval set be a pipapo set with a range per field, and an
 * element without `proto` simply matches it as the range 0-255.
 *
 * This file: validation, keys, groups, and the sets and chain rules they
 * become; the elements of a rule (l4 entries, bindings) are compile_srcs.c's.
 *
 * Owner rules on `in` (app, user, group): on the input hook no socket is
 * attached to a new connection yet, so nothing on the packet names its
 * owner (KERNEL.md). The daemon finds the listening sockets each such rule
 * applies to and passes them as bindings; a binding becomes elements just
 * like a port rule's -- proto . port, plus the address the socket is bound
 * to -- intersected with the rule's own proto/port/from/to/iface. A rule
 * without bindings (program not running) contributes nothing: closed.
 * A binding must match only the families its socket receives. Elements
 * with an address field are of one family already (nft loads `ip daddr`
 * only after `meta nfproto ipv4`); the others carry a `meta nfproto` key
 * field, and a dual-stack socket gives one element per family. So owner
 * sets stay exact hash sets, one lookup per shape like any other, and a
 * program moving between IPv4, IPv6 and dual-stack sockets changes
 * elements, not the table's structure.
 *
 * Owner rules on `out` match the sending socket itself: meta skuid and
 * meta skgid are key fields (host byte order, as the meta expression loads
 * them), so many user rules still cost one lookup per shape. `group` on
 * `out` matches the socket's gid: the file system gid of the process that
 * created the socket, i.e. its primary group -- supplementary groups are
 * not visible to the kernel there. `app` on `out` is refused: nothing on
 * the output path names the sending executable.
 *
 * Unit rules (`unit sshd.service`) are exact in the kernel, in both
 * directions: a socket keeps the cgroup of the process that created it,
 * and `socket cgroupv2 level N` finds the listening socket of a new
 * inbound connection (and the sending socket on output), even for the
 * first SYN. The unit's cgroup id is a key field, one per level, so unit
 * rules share sets like any other; the daemon passes the ids as
 * bindings, and a unit that is not running has none: closed. An id is
 * never reused, so a stopped unit's stale id matches nothing.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <linux/netfilter.h> /* after netinet/in.h: uapi vs libc */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "compile.h"
#include "compile_internal.h"
#include "plan.h"

#define SH(f) (1u << (f))
#define ADDR_FIELDS (SH(PF_SADDR4) | SH(PF_SADDR6) | SH(PF_DADDR4) | SH(PF_DADDR6))

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

/* `in` owner rules are enforced through bindings, `out` user/group by skuid/skgid */
static void check_owner(struct checker *k)
{
	if (k->r->dir == RULE_OUT && k->r->app)
		diag_add(k->errs, place(k), 0, 0, 0, NULL, "per-application outbound "
			 "rules are not supported: the kernel offers no exact match "
			 "for the sending executable; use user or group");
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

/* proto and the cgroup are always in a unit rule's key: room for three more */
static void check_unit(struct checker *k)
{
	const struct rule *r = k->r;
	unsigned fields = 2 + !!r->iface + r->has_from + r->has_to;

	if (!r->unit)
		return;
	for (size_t i = 0; i < r->nl4; i++)
		if (r->l4[i].port_lo || r->l4[i].port_hi) {
			fields++;
			break;
		}
	if (fields > PLAN_MAX_KEY_FIELDS)
		diag_add(k->errs, place(k), 0, 0, 0, NULL, "a unit rule can combine at "
			 "most three of port, from, to and iface; drop one (e.g. 'to')");
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
	check_unit(&k);
	return errs->n == before ? 0 : -1;
}

/*
 * Bindings come from the daemon, not from users: a bad one is a bug, and
 * compiling around it could leave a deny unenforced. Refuse loudly.
 */
static int check_bindings(const struct compile_input *in, struct diag_list *errs)
{
	int bad = 0;

	for (size_t i = 0; i < in->nbindings; i++) {
		const struct owner_binding *b = &in->bindings[i];
		char where[32];

		if (b->cgroup_level == 0 && (b->proto == IPPROTO_TCP ||
		    b->proto == IPPROTO_UDP) && b->port &&
		    (b->family == 0 || b->family == AF_INET || b->family == AF_INET6))
			continue;
		if (b->cgroup_level >= 1 && b->cgroup_level <= PLAN_CGROUP_LEVELS &&
		    b->cgroup_id && !b->proto && !b->port && !b->family && !b->has_addr)
			continue;
		snprintf(where, sizeof(where), "rule %llu", (unsigned long long)b->rule_id);
		diag_add(errs, where, 0, 0, 0, NULL, "internal error: listener "
			 "tracking passed a socket with protocol %u, family %d, port "
			 "%u; nothing was changed, please report this bug",
			 b->proto, b->family, b->port);
		bad = 1;
	}
	return bad ? -1 : 0;
}

/* ---- keys ---- */

static unsigned src_shape(const struct rule *r, const struct src *s)
{
	unsigned sh = SH(PF_L4PROTO);

	if (r->iface)
		sh |= SH(r->dir == RULE_IN ? PF_IIFNAME : PF_OIFNAME);
	if (r->dir == RULE_OUT && r->has_user)
		sh |= SH(PF_SKUID);
	if (r->dir == RULE_OUT && r->has_group)
		sh |= SH(PF_SKGID);
	if (r->has_from)
		sh |= SH(r->from.family == AF_INET ? PF_SADDR4 : PF_SADDR6);
	if (s->has_daddr)
		sh |= SH(s->daddr.family == AF_INET ? PF_DADDR4 : PF_DADDR6);
	if (s->l4.lo || s->l4.hi)
		sh |= SH(PF_DPORT);
	if (s->cg_level)
		sh |= SH(PF_CGROUP1 + s->cg_level - 1);
	/* an address field implies its family already (see the top) */
	if (s->nfproto && !(sh & ADDR_FIELDS))
		sh |= SH(PF_NFPROTO);
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

/* any value: a field a limit rule's set has but this element lacks */
static void any_value(uint8_t *lo, uint8_t *hi, unsigned len)
{
	memset(lo, 0, len);
	memset(hi, 0xff, len);
}

static void id_value(uint32_t id, uint8_t *lo, uint8_t *hi)
{
	memcpy(lo, &id, sizeof(id));    /* host byte order, like meta skuid */
	memcpy(hi, &id, sizeof(id));
}

static void field_fill(const struct rule *r, const struct src *s,
		       enum plan_field f, uint8_t *lo, uint8_t *hi)
{
	unsigned len = plan_fields[f].len;

	any_value(lo, hi, len);
	switch (f) {
	case PF_L4PROTO:
		if (s->l4.proto >= 0)
			lo[0] = hi[0] = (uint8_t)s->l4.proto;
		break;
	case PF_NFPROTO:
		if (s->nfproto)
			lo[0] = hi[0] = (uint8_t)s->nfproto;
		break;
	case PF_IIFNAME: case PF_OIFNAME:
		if (r->iface) {
			memset(hi, 0, len);
			ifname_range(r->iface, lo, hi);
		}
		break;
	case PF_SKUID:
		if (r->has_user)
			id_value((uint32_t)r->uid, lo, hi);
		break;
	case PF_SKGID:
		if (r->has_group)
			id_value((uint32_t)r->gid, lo, hi);
		break;
	case PF_SADDR4: case PF_SADDR6:
		if (r->has_from)
			prefix_range(&r->from, lo, hi);
		break;
	case PF_DADDR4: case PF_DADDR6:
		if (s->has_daddr)
			prefix_range(&s->daddr, lo, hi);
		break;
	case PF_DPORT:
		if (s->l4.lo || s->l4.hi) {
			lo[0] = (uint8_t)(s->l4.lo >> 8), lo[1] = (uint8_t)s->l4.lo;
			hi[0] = (uint8_t)(s->l4.hi >> 8), hi[1] = (uint8_t)s->l4.hi;
		}
		break;
	case PF_CGROUP1 ... PF_CGROUP4:
		memcpy(lo, &s->cg_id, sizeof(s->cg_id));   /* host order */
		memcpy(hi, &s->cg_id, sizeof(s->cg_id));
		break;
	default:
		break;
	}
}

/* fills key (low ends) and key_end (high ends); true if any is a range */
static bool elem_fill(const struct rule *r, const struct src *s, unsigned shape,
		      struct plan_elem *e)
{
	unsigned off = 0;

	memset(e, 0, sizeof(*e));
	for (unsigned f = 0; f < PF__COUNT; f++) {
		if (!(shape & SH(f)))
			continue;
		if (off + plan_fields[f].reglen > PLAN_KEY_MAX)
			abort();        /* a compiler bug: key_fit keeps keys short */
		field_fill(r, s, (enum plan_field)f, e->key + off, e->key_end + off);
		off += plan_fields[f].reglen;
	}
	e->rule_id = r->id;
	e->expires = r->expires;
	return memcmp(e->key, e->key_end, PLAN_KEY_MAX) != 0;
}

static void swap_be32(uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	v = htonl(v);
	memcpy(p, &v, sizeof(v));
}

static void swap_be64(uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	v = htobe64(v);
	memcpy(p, &v, sizeof(v));
}

/* uid, gid and cgroup ids are big-endian in interval sets (plan.h) */
static void ids_to_be(unsigned shape, struct plan_elem *e)
{
	unsigned off = 0;

	for (unsigned f = 0; f < PF__COUNT; f++) {
		if (!(shape & SH(f)))
			continue;
		if (f == PF_SKUID || f == PF_SKGID) {
			swap_be32(e->key + off);
			swap_be32(e->key_end + off);
		} else if (f >= PF_CGROUP1 && f <= PF_CGROUP4) {
			swap_be64(e->key + off);
			swap_be64(e->key_end + off);
		}
		off += plan_fields[f].reglen;
	}
}

/*
 * A key nft can list (PLAN_MAX_KEY_FIELDS): when uid and gid would make it
 * too long, they leave the key for matches in the chain rule. Only `out`
 * rules with an owner and most other matches get there; their sets are
 * then shared per uid/gid value only.
 */
static unsigned key_fit(const struct rule *r, unsigned *shape)
{
	if ((unsigned)__builtin_popcount(*shape) <= PLAN_MAX_KEY_FIELDS)
		return 0;
	*shape &= ~(SH(PF_SKUID) | SH(PF_SKGID));
	return (r->has_user ? XUID : 0) | (r->has_group ? XGID : 0);
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
	return (unsigned)dir << (PF__COUNT + 4) | (unsigned)cls << (PF__COUNT + 2) |
	       (unsigned)!log << (PF__COUNT + 1) | shape << 1 | interval;
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
	g->suffix = "";
	g->lead = g;
	if (c->ngroups == c->gcap) {
		c->gcap = c->gcap ? c->gcap * 2 : 32;
		c->groups = xrealloc(c->groups, c->gcap * sizeof(*c->groups));
	}
	c->groups[c->ngroups++] = g;
	return g;
}

static size_t group_hash(unsigned code, unsigned xm, uint32_t uid, uint32_t gid)
{
	return code ^ (xm & XUID ? uid * 2654435761u : 0) ^
	       (xm & XGID ? gid * 2246822519u : 0) ^ xm << 20;
}

static void htab_grow(struct compiler *c)
{
	size_t old = c->hcap;
	struct group **t = c->htab;

	c->hcap = old ? old * 2 : 64;
	c->htab = xcalloc(c->hcap, sizeof(*c->htab));
	for (size_t i = 0; i < old; i++) {
		size_t j;

		if (!t[i])
			continue;
		j = group_hash(t[i]->code, t[i]->xm, t[i]->uid, t[i]->gid) & (c->hcap - 1);
		while (c->htab[j])
			j = (j + 1) & (c->hcap - 1);
		c->htab[j] = t[i];
	}
	free(t);
}

static void group_owner(struct group *g, const struct rule *r, unsigned xm)
{
	g->xm = xm;
	g->uid = xm & XUID ? (uint32_t)r->uid : 0;
	g->gid = xm & XGID ? (uint32_t)r->gid : 0;
}

/* the group shared by all non-limit elements of this kind */
static struct group *group_get(struct compiler *c, const struct rule *r,
			       unsigned shape, bool interval, unsigned xm)
{
	enum plan_class cls = rule_class(r);
	unsigned code = group_code(r->dir, cls, r->log, shape, interval);
	struct group key = { .code = code };
	size_t i;

	group_owner(&key, r, xm);
	if (2 * (c->hn + 1) > c->hcap)
		htab_grow(c);
	for (i = group_hash(code, xm, key.uid, key.gid) & (c->hcap - 1); c->htab[i];
	     i = (i + 1) & (c->hcap - 1)) {
		const struct group *g = c->htab[i];

		if (g->code == code && g->xm == xm && g->uid == key.uid && g->gid == key.gid)
			return c->htab[i];
	}
	c->hn++;
	c->htab[i] = group_new(c, r->dir, cls, r->log, shape, interval);
	group_owner(c->htab[i], r, xm);
	return c->htab[i];
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
	g->plain = true;
}

static void add_shared(struct compiler *c, const struct rule *r)
{
	for (size_t i = 0; i < c->nsrc; i++) {
		unsigned shape = src_shape(r, &c->src[i]);
		unsigned xm = key_fit(r, &shape);
		struct plan_elem e;
		bool interval = elem_fill(r, &c->src[i], shape, &e);

		if (interval)
			ids_to_be(shape, &e);
		else
			memset(e.key_end, 0, PLAN_KEY_MAX);
		*group_push(group_get(c, r, shape, interval, xm)) = e;
	}
}

/* 1: IPv4 only, 2: IPv6 only, 0: both */
static unsigned src_bucket(const struct rule *r, const struct src *s)
{
	int fam = r->has_from ? r->from.family : s->has_daddr ? s->daddr.family :
		  s->nfproto == NFPROTO_IPV4 ? AF_INET :
		  s->nfproto == NFPROTO_IPV6 ? AF_INET6 : 0;

	return fam == AF_INET ? 1 : fam == AF_INET6 ? 2 : 0;
}

#define ALL_BUCKETS 3u

/* the elements of bucket b (or all) with the shape of the group */
static void limit_group(struct compiler *c, const struct rule *r, unsigned b,
			struct group *g)
{
	for (size_t i = 0; i < c->nsrc; i++) {
		if (b != ALL_BUCKETS && src_bucket(r, &c->src[i]) != b)
			continue;
		if (elem_fill(r, &c->src[i], g->shape, group_push(g)))
			g->interval = true;
	}
	for (size_t i = 0; i < g->n; i++)
		if (g->interval)
			ids_to_be(g->shape, &g->v[i]);
		else
			memset(g->v[i].key_end, 0, PLAN_KEY_MAX);
	g->code = group_code(r->dir, PC_LIMIT, r->log, g->shape, g->interval);
}

static struct group *limit_new(struct compiler *c, const struct rule *r,
			       unsigned shape, struct group *lead)
{
	struct group *g;
	unsigned xm;

	/* an address field implies the family: nfproto would only repeat it */
	if (shape & ADDR_FIELDS)
		shape &= ~SH(PF_NFPROTO);
	xm = key_fit(r, &shape);
	g = group_new(c, r->dir, PC_LIMIT, r->log, shape, false);
	group_owner(g, r, xm);
	g->own = r;
	g->lead = lead ? lead : g;
	g->lead->nsplit++;
	return g;
}

/*
 * A limit rule's elements go to sets of its own, and must share one rate.
 * One set when they fit one shape (fields some lack become wildcards, e.g.
 * any port 0-65535, any address 0.0.0.0/0). An owner rule whose sockets
 * need an address field and are of both families needs one set per family
 * (`ip daddr` and `ip6 daddr` cannot share a key); several sets jump to
 * one chain holding the limit (see emit_sets): two limit statements would
 * be two rates.
 */
static void add_limit(struct compiler *c, const struct rule *r)
{
	static const char *const suffix[3] = { "_any", "_v4", "_v6" };
	unsigned shape[3] = { 0 }, all = 0, nb = 0;
	struct group *lead = NULL;
	size_t count[3] = { 0 };

	for (size_t i = 0; i < c->nsrc; i++) {
		unsigned b = src_bucket(r, &c->src[i]);

		shape[b] |= src_shape(r, &c->src[i]);
		all |= shape[b];
		count[b]++;
	}
	for (unsigned b = 0; b < 3; b++)
		nb += count[b] > 0;
	if (nb == 1 || (nb > 1 && !(all & ADDR_FIELDS))) {
		limit_group(c, r, ALL_BUCKETS, limit_new(c, r, all, NULL));
		return;
	}
	for (unsigned b = 0; b < 3; b++) {
		struct group *g;

		if (!count[b])
			continue;
		g = limit_new(c, r, shape[b], lead);
		lead = g->lead;
		g->suffix = suffix[b];
		limit_group(c, r, b, g);
	}
}

/* owner rules on `in` and unit rules are never plain: without bindings they match nothing */
static void add_rule(struct compiler *c, const struct rule *r)
{
	bool owner = rule_needs_owner(r);

	if (!owner && !r->unit && r->nl4 == 0 && !r->has_from && !r->has_to && !r->iface) {
		add_plain(c, r);
		return;
	}
	c->nsrc = 0;
	if (r->unit)
		compile_srcs_unit(c, r);
	else if (owner && r->dir == RULE_IN)
		compile_srcs_owner(c, r);
	else
		compile_srcs_rule(c, r);
	compile_srcs_unique(c);
	if (r->action == RULE_LIMIT)
		add_limit(c, r);
	else
		add_shared(c, r);
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

static int binding_cmp(const void *a, const void *b)
{
	const struct owner_binding *x = a, *y = b;

	return (x->rule_id > y->rule_id) - (x->rule_id < y->rule_id);
}

/* the contract says sorted by rule id; a copy is sorted if they are not */
static void bindings_prepare(struct compiler *c)
{
	const struct compile_input *in = c->in;
	size_t i = 1;

	c->bind = in->bindings;
	while (i < in->nbindings && in->bindings[i - 1].rule_id <= in->bindings[i].rule_id)
		i++;
	if (i >= in->nbindings)
		return;
	c->bind_copy = xmalloc(in->nbindings * sizeof(*c->bind_copy));
	memcpy(c->bind_copy, in->bindings, in->nbindings * sizeof(*c->bind_copy));
	qsort(c->bind_copy, in->nbindings, sizeof(*c->bind_copy), binding_cmp);
	c->bind = c->bind_copy;
}

static void collect(struct compiler *c)
{
	const struct compile_input *in = c->in;
	struct rule_ref *v = xcalloc(in->nrules + 1, sizeof(*v));
	size_t maxl4 = 1, n = 0;

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
	/* the engine keeps its rules in id order: then there is nothing to sort */
	for (size_t i = 1; i < n; i++)
		if (rule_ref_cmp(&v[i - 1], &v[i]) > 0) {
			qsort(v, n, sizeof(*v), rule_ref_cmp);
			break;
		}
	bindings_prepare(c);
	c->l4 = xcalloc(maxl4, sizeof(*c->l4));
	for (size_t i = 0; i < n; i++)
		add_rule(c, v[i].r);
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
	free(c->htab);
	free(c->bind_copy);
	free(c->l4);
	free(c->src);
	free(c);
}

struct plan *plan_compile(const struct compile_input *in, struct diag_list *errs)
{
	struct compiler *c;
	struct plan *p;
	int bad = 0;

	for (size_t i = 0; i < in->nrules; i++)
		if (check_rule(in->rules[i], errs) < 0)
			bad = 1;
	if (check_bindings(in, errs) < 0 || bad)
		return NULL;
	p = plan_new(in->table && *in->table ? in->table : "fwd_filter",
		     in->now, in->log_group);
	p->panic = in->panic;
	c = xcalloc(1, sizeof(*c));
	c->in = in;
	c->p = p;
	if (!in->panic)
		collect(c);
	compile_emit(c);
	compiler_free(c);
	plan_finish(p);
	return p;
}
