/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The plan as `nft -f` text (nft 1.0.6 syntax). Golden tests compare it,
 * and the benchmark loads it with nft to compare fwd with nft itself, so
 * it must describe exactly what nft_build.c sends.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <linux/netfilter.h> /* after netinet/in.h: uapi vs libc */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "plan.h"

struct type_name {
	uint8_t v;
	const char *name;
};

static const struct type_name icmp_types[] = {
	{ 0, "echo-reply" }, { 3, "destination-unreachable" },
	{ 8, "echo-request" }, { 11, "time-exceeded" },
};

static const struct type_name icmpv6_types[] = {
	{ 1, "destination-unreachable" }, { 2, "packet-too-big" },
	{ 3, "time-exceeded" }, { 4, "parameter-problem" },
	{ 128, "echo-request" }, { 129, "echo-reply" },
	{ 130, "mld-listener-query" }, { 131, "mld-listener-report" },
	{ 132, "mld-listener-done" }, { 133, "nd-router-solicit" },
	{ 134, "nd-router-advert" }, { 135, "nd-neighbor-solicit" },
	{ 136, "nd-neighbor-advert" }, { 137, "nd-redirect" },
	{ 143, "mld2-listener-report" },
};

static const struct type_name protos[] = {
	{ IPPROTO_ICMP, "icmp" }, { IPPROTO_TCP, "tcp" },
	{ IPPROTO_UDP, "udp" }, { IPPROTO_ICMPV6, "ipv6-icmp" },
};

static void put_named(struct strbuf *sb, const struct type_name *t, size_t n,
		      unsigned v)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].v == v) {
			sb_puts(sb, t[i].name);
			return;
		}
	sb_printf(sb, "%u", v);
}

#define PUT_NAMED(sb, table, v) put_named(sb, table, sizeof(table) / sizeof(table[0]), v)

/* ---- set elements ---- */

static void put_ifname(struct strbuf *sb, const uint8_t *lo, const uint8_t *hi)
{
	size_t n = strnlen((const char *)lo, 16);

	sb_putc(sb, '"');
	sb_add(sb, (const char *)lo, n);
	if (memcmp(lo, hi, 16) != 0)
		sb_putc(sb, '*');       /* see ifname_range() in compile.c */
	sb_putc(sb, '"');
}

/* a prefix when [lo, hi] is one, else "lo-hi" */
static void put_addr(struct strbuf *sb, int family, const uint8_t *lo,
		     const uint8_t *hi)
{
	unsigned bytes = family == AF_INET ? 4 : 16, len = 0;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	bool prefix = true;

	while (len < bytes * 8 && ((lo[len / 8] ^ hi[len / 8]) & (0x80 >> len % 8)) == 0)
		len++;
	for (unsigned i = len; i < bytes * 8; i++) {
		unsigned m = 0x80 >> i % 8;

		if ((lo[i / 8] & m) || !(hi[i / 8] & m))
			prefix = false;
	}
	inet_ntop(family, lo, a, sizeof(a));
	if (len == bytes * 8)
		sb_puts(sb, a);
	else if (prefix)
		sb_printf(sb, "%s/%u", a, len);
	else
		sb_printf(sb, "%s-%s", a, inet_ntop(family, hi, b, sizeof(b)));
}

/* uid and gid: host byte order, big-endian in interval sets (plan.h) */
static void put_id(struct strbuf *sb, const uint8_t *lo, const uint8_t *hi,
		   bool interval)
{
	uint32_t a, b;

	memcpy(&a, lo, sizeof(a));
	memcpy(&b, hi, sizeof(b));
	if (interval)
		a = ntohl(a), b = ntohl(b);
	if (a == b)
		sb_printf(sb, "%" PRIu32, a);
	else
		sb_printf(sb, "%" PRIu32 "-%" PRIu32, a, b);
}

/* a cgroup id: host order, big-endian in interval sets (plan.h) */
static void put_cgroup(struct strbuf *sb, const uint8_t *lo, bool interval)
{
	uint64_t id;

	memcpy(&id, lo, sizeof(id));
	sb_printf(sb, "%" PRIu64, interval ? be64toh(id) : id);
}

static void put_field(struct strbuf *sb, enum plan_field f, const uint8_t *lo,
		      const uint8_t *hi, bool interval)
{
	switch (f) {
	case PF_L4PROTO:
		if (lo[0] == hi[0])
			PUT_NAMED(sb, protos, lo[0]);
		else
			sb_printf(sb, "%u-%u", lo[0], hi[0]);
		break;
	case PF_NFPROTO:
		if (lo[0] == hi[0] && (lo[0] == NFPROTO_IPV4 || lo[0] == NFPROTO_IPV6))
			sb_puts(sb, lo[0] == NFPROTO_IPV4 ? "ipv4" : "ipv6");
		else if (lo[0] == hi[0])
			sb_printf(sb, "%u", lo[0]);
		else
			sb_printf(sb, "%u-%u", lo[0], hi[0]);
		break;
	case PF_SKUID: case PF_SKGID:
		put_id(sb, lo, hi, interval);
		break;
	case PF_IIFNAME: case PF_OIFNAME:
		put_ifname(sb, lo, hi);
		break;
	case PF_SADDR4: case PF_DADDR4:
		put_addr(sb, AF_INET, lo, hi);
		break;
	case PF_SADDR6: case PF_DADDR6:
		put_addr(sb, AF_INET6, lo, hi);
		break;
	case PF_DPORT: {
		unsigned a = (unsigned)lo[0] << 8 | lo[1], b = (unsigned)hi[0] << 8 | hi[1];

		if (a == b)
			sb_printf(sb, "%u", a);
		else
			sb_printf(sb, "%u-%u", a, b);
		break;
	}
	case PF_CGROUP1 ... PF_CGROUP4:
		put_cgroup(sb, lo, interval);
		break;
	default:
		break;
	}
}

void plan_format_elem(const struct plan_set *s, const struct plan_elem *e,
		      struct strbuf *out)
{
	unsigned off = 0;

	for (unsigned k = 0; k < s->nfields; k++) {
		enum plan_field f = s->fields[k];

		if (k)
			sb_puts(out, " . ");
		put_field(out, f, e->key + off, (s->interval ? e->key_end : e->key) + off,
			  s->interval);
		off += plan_fields[f].reglen;
	}
}

static void put_elem(const struct plan *p, const struct plan_set *s,
		     const struct plan_elem *e, struct strbuf *sb)
{
	plan_format_elem(s, e, sb);
	if (e->expires) {
		int64_t left = e->expires - p->now;

		sb_printf(sb, " timeout %" PRId64 "s", left > 0 ? left : 1);
	}
	sb_printf(sb, " comment \"" PLAN_TAG_RULE "%" PRIu64 "\"", e->rule_id);
}

static void put_set(const struct plan *p, const struct plan_set *s,
		    struct strbuf *sb)
{
	sb_printf(sb, "\tset %s {\n\t\ttype ", s->name);
	for (unsigned k = 0; k < s->nfields; k++)
		sb_printf(sb, "%s%s", k ? " . " : "", plan_fields[s->fields[k]].type);
	sb_printf(sb, "\n\t\tflags %s\n\t\tcounter\n",
		  s->interval ? "interval,timeout" : "timeout");
	sb_puts(sb, "\t\telements = {");
	for (size_t i = 0; i < s->nelems; i++) {
		sb_puts(sb, i ? ",\n\t\t\t     " : " ");
		put_elem(p, s, &s->elems[i], sb);
	}
	sb_puts(sb, " }\n\t}\n\n");
}

/* ---- chain rules ---- */

static void put_types(struct strbuf *sb, const char *what,
		      const struct plan_match *m, bool v6)
{
	sb_printf(sb, "%s type ", what);
	if (m->u.types.n > 1)
		sb_puts(sb, "{ ");
	for (unsigned i = 0; i < m->u.types.n; i++) {
		if (i)
			sb_puts(sb, ", ");
		if (v6)
			PUT_NAMED(sb, icmpv6_types, m->u.types.v[i]);
		else
			PUT_NAMED(sb, icmp_types, m->u.types.v[i]);
	}
	if (m->u.types.n > 1)
		sb_puts(sb, " }");
}

static void put_ct_state(struct strbuf *sb, uint32_t mask)
{
	static const struct { uint32_t bit; const char *name; } st[] = {
		{ 1, "invalid" }, { 2, "established" }, { 4, "related" },
		{ 8, "new" }, { 64, "untracked" },
	};
	bool first = true;

	sb_puts(sb, "ct state ");
	for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++)
		if (mask & st[i].bit) {
			sb_printf(sb, "%s%s", first ? "" : ",", st[i].name);
			first = false;
		}
}

static void put_match(const struct plan *p, const struct plan_match *m,
		      struct strbuf *sb)
{
	char a[INET6_ADDRSTRLEN];

	switch (m->kind) {
	case PM_NFPROTO:
		sb_puts(sb, m->u.val == NFPROTO_IPV4 ? "meta nfproto ipv4" : "meta nfproto ipv6");
		break;
	case PM_L4PROTO:
		sb_puts(sb, "meta l4proto ");
		PUT_NAMED(sb, protos, m->u.val);
		break;
	case PM_CT_STATE:
		put_ct_state(sb, m->u.val);
		break;
	case PM_IIF: case PM_OIF:
		/* only loopback, ifindex 1 in every namespace */
		sb_printf(sb, "%s \"lo\"", m->kind == PM_IIF ? "iif" : "oif");
		break;
	case PM_ICMP_TYPE: case PM_ICMPV6_TYPE:
		put_types(sb, m->kind == PM_ICMP_TYPE ? "icmp" : "icmpv6", m,
			  m->kind == PM_ICMPV6_TYPE);
		break;
	case PM_HOPLIMIT:
		sb_printf(sb, "ip6 hoplimit %u", m->u.val);
		break;
	case PM_SADDR6_NET:
		inet_ntop(AF_INET6, m->u.net.addr, a, sizeof(a));
		sb_printf(sb, "ip6 saddr %s/%u", a, m->u.net.len);
		break;
	case PM_UDP_PORTS:
		sb_printf(sb, "udp sport %u udp dport %u", m->u.ports.sport, m->u.ports.dport);
		break;
	case PM_SKUID: case PM_SKGID:
		sb_printf(sb, "meta %s %" PRIu32, m->kind == PM_SKUID ? "skuid" : "skgid",
			  m->u.val);
		break;
	case PM_LOOKUP: {
		const struct plan_set *s = &p->sets[m->u.set];

		for (unsigned k = 0; k < s->nfields; k++)
			sb_printf(sb, "%s%s", k ? " . " : "", plan_fields[s->fields[k]].expr);
		sb_printf(sb, " @%s", s->name);
		break;
	}
	}
}

static const char *unit_name(uint32_t s)
{
	return s == 60 ? "minute" : s == 3600 ? "hour" : s == 86400 ? "day" : "second";
}

static void put_stmt(const struct plan *p, const struct plan_stmt *s,
		     struct strbuf *sb)
{
	switch (s->kind) {
	case PS_COUNTER: sb_puts(sb, "counter"); break;
	case PS_LIMIT:
		sb_printf(sb, "limit rate %u/%s", s->u.limit.rate, unit_name(s->u.limit.unit_s));
		if (s->u.limit.burst_written)
			sb_printf(sb, " burst %u packets", s->u.limit.burst);
		break;
	case PS_LOG:
		sb_printf(sb, "log prefix \"%s\" group %u", s->u.log.prefix, s->u.log.group);
		break;
	case PS_ACCEPT: sb_puts(sb, "accept"); break;
	case PS_DROP: sb_puts(sb, "drop"); break;
	case PS_GOTO_REJECT: sb_puts(sb, "goto do_reject"); break;
	case PS_JUMP: sb_printf(sb, "jump %s", p->chains[s->u.chain].name); break;
	case PS_REJECT_TCP: sb_puts(sb, "reject with tcp reset"); break;
	case PS_REJECT_ICMPX: sb_puts(sb, "reject with icmpx port-unreachable"); break;
	}
}

void plan_format_rule(const struct plan *p, const struct plan_rule *r,
		      struct strbuf *out)
{
	size_t start = out->len;

	for (unsigned i = 0; i < r->nm; i++) {
		if (out->len > start)
			sb_putc(out, ' ');
		put_match(p, &r->m[i], out);
	}
	for (unsigned i = 0; i < r->ns; i++) {
		if (out->len > start)
			sb_putc(out, ' ');
		put_stmt(p, &r->s[i], out);
	}
	if (r->tag[0])
		sb_printf(out, " comment \"%s\"", r->tag);
}

static void put_chain(const struct plan *p, const struct plan_chain *c,
		      struct strbuf *sb)
{
	sb_printf(sb, "\tchain %s {\n", c->name);
	if (c->base)
		sb_printf(sb, "\t\ttype filter hook %s priority filter; policy %s;\n",
			  c->hook == NF_INET_LOCAL_IN ? "input" : "output",
			  c->policy_accept ? "accept" : "drop");
	for (size_t i = 0; i < c->nrules; i++) {
		sb_puts(sb, "\t\t");
		plan_format_rule(p, &c->rules[i], sb);
		sb_putc(sb, '\n');
	}
	sb_puts(sb, "\t}\n");
}

void plan_dump(const struct plan *p, struct strbuf *out)
{

	sb_printf(out, "# fwd's table%s, as nft -f input.\n"
		  "# fwd also sets the table flags owner,persist over netlink; they are\n"
		  "# left out here: nft 1.0.6 does not know persist, and owner alone\n"
		  "# would delete the table when nft exits.\n",
		  p->panic ? " in panic mode" : "");
	sb_printf(out, "table inet %s {\n", p->table);
	for (size_t i = 0; i < p->nsets; i++)
		put_set(p, &p->sets[i], out);
	/* jump targets first: nft -f resolves `goto` and `jump` in file order */
	for (size_t i = 0; i < p->nchains; i++) {
		if (i)
			sb_putc(out, '\n');
		put_chain(p, &p->chains[plan_chain_order(p, i)], out);
	}
	sb_puts(out, "}\n");
}
