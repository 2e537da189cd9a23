/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The compiler against golden dumps (tests/unit/golden/compile_*.nft; the
 * goldens are the spec of the compiler's output: review them by eye after
 * FWD_REGEN_GOLDEN=1), plus layering, scale and delta checks that assert
 * counts instead of text.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "compile.h"
#include "plan.h"
#include "testlib.h"

#define NOW 1700000000

/* ---- building rules by hand (the parser is not under test here) ---- */

struct rules {
	struct rule *v[16384];
	size_t n;
	enum rule_policy in, out;
	bool panic;
	struct owner_binding b[4096];   /* listening sockets of owner rules */
	size_t nb;
};

static struct rule *mk(struct rules *rs, uint64_t id, enum rule_action a, enum rule_dir d)
{
	struct rule *r = rule_new();

	r->id = id;
	r->action = a;
	r->dir = d;
	rs->v[rs->n++] = r;
	return r;
}

static void l4(struct rule *r, uint8_t proto, uint16_t lo, uint16_t hi)
{
	r->l4 = xrealloc(r->l4, (r->nl4 + 1) * sizeof(*r->l4));
	r->l4[r->nl4++] = (struct rule_l4){ proto, lo, hi };
}

/* "port N" without proto: the parser expands it to tcp and udp */
static void port_both(struct rule *r, uint16_t lo, uint16_t hi)
{
	l4(r, IPPROTO_TCP, lo, hi);
	l4(r, IPPROTO_UDP, lo, hi);
}

static void pfx(struct addr_prefix *a, const char *s)
{
	char buf[64], *slash;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	a->family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(a->family, buf, a->addr) != 1)
		abort();
	a->len = slash ? (uint8_t)atoi(slash + 1) : a->family == AF_INET ? 32 : 128;
}

static void from(struct rule *r, const char *s) { r->has_from = true; pfx(&r->from, s); }
static void to(struct rule *r, const char *s) { r->has_to = true; pfx(&r->to, s); }
static void iface(struct rule *r, const char *s) { r->iface = xstrdup(s); }
static void app(struct rule *r, const char *path) { r->app = xstrdup(path); }

static void user(struct rule *r, const char *name, uid_t uid)
{
	r->has_user = true;
	r->user = xstrdup(name);
	r->uid = uid;
}

static void group(struct rule *r, const char *name, gid_t gid)
{
	r->has_group = true;
	r->group = xstrdup(name);
	r->gid = gid;
}

/*
 * A listening socket of owner rule id, as listener tracking reports it:
 * family 0 is a dual-stack "::" socket (v6only off), addr NULL any address.
 */
static void sock(struct rules *rs, uint64_t id, uint8_t proto, int family,
		 const char *addr, uint16_t port)
{
	struct owner_binding *b = &rs->b[rs->nb++];

	memset(b, 0, sizeof(*b));
	b->rule_id = id;
	b->proto = proto;
	b->family = family;
	b->port = port;
	if (addr) {
		b->has_addr = true;
		if (inet_pton(strchr(addr, ':') ? AF_INET6 : AF_INET, addr, b->addr) != 1)
			abort();
	}
}

static void unit(struct rule *r, const char *name) { r->unit = xstrdup(name); }

/* the running unit of rule id: its cgroup's level and id (units.c) */
static void cgroup(struct rules *rs, uint64_t id, uint8_t level, uint64_t cgid)
{
	struct owner_binding *b = &rs->b[rs->nb++];

	memset(b, 0, sizeof(*b));
	b->rule_id = id;
	b->cgroup_level = level;
	b->cgroup_id = cgid;
}

static void rules_init(struct rules *rs)
{
	rs->n = 0;
	rs->in = POLICY_DROP;
	rs->out = POLICY_ACCEPT;
	rs->panic = false;
	rs->nb = 0;
}

static void rules_free(struct rules *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		rule_free(rs->v[i]);
	rs->n = 0;
	rs->nb = 0;
}

static struct plan *compile(const struct rules *rs, struct diag_list *dl)
{
	struct compile_input in = {
		.table = "fwd_filter",
		.policy_in = rs->in,
		.policy_out = rs->out,
		.rules = (const struct rule *const *)rs->v,
		.nrules = rs->n,
		.panic = rs->panic,
		.now = NOW,
		.log_group = 7,
		.bindings = rs->b,
		.nbindings = rs->nb,
	};

	return plan_compile(&in, dl);
}

/* ---- golden cases ---- */

static void c_empty(struct rules *rs) { (void)rs; }
static void c_policy_in_reject(struct rules *rs) { rs->in = POLICY_REJECT; }
static void c_policy_out_drop(struct rules *rs) { rs->out = POLICY_DROP; }
static void c_policy_out_reject(struct rules *rs) { rs->out = POLICY_REJECT; }

static void c_ports(struct rules *rs)
{
	l4(mk(rs, 1, RULE_ALLOW, RULE_IN), IPPROTO_TCP, 22, 22);
	port_both(mk(rs, 2, RULE_ALLOW, RULE_IN), 53, 53);
	l4(mk(rs, 3, RULE_ALLOW, RULE_IN), IPPROTO_UDP, 60000, 61000);
	l4(mk(rs, 4, RULE_ALLOW, RULE_IN), IPPROTO_ICMP, 0, 0);
	l4(mk(rs, 5, RULE_ALLOW, RULE_IN), IPPROTO_TCP, 0, 0);
	l4(mk(rs, 6, RULE_ALLOW, RULE_OUT), IPPROTO_TCP, 443, 443);
}

static void c_addrs(struct rules *rs)
{
	struct rule *r;

	r = mk(rs, 1, RULE_ALLOW, RULE_IN);
	l4(r, IPPROTO_TCP, 22, 22);
	from(r, "10.0.0.0/8");
	from(mk(rs, 2, RULE_ALLOW, RULE_IN), "192.0.2.7");
	r = mk(rs, 3, RULE_ALLOW, RULE_IN);
	l4(r, IPPROTO_TCP, 443, 443);
	from(r, "2001:db8::/32");
	to(mk(rs, 4, RULE_ALLOW, RULE_OUT), "198.51.100.0/24");
	r = mk(rs, 5, RULE_ALLOW, RULE_IN);
	from(r, "10.1.0.0/16");
	to(r, "203.0.113.1");
	r = mk(rs, 6, RULE_ALLOW, RULE_IN);
	l4(r, IPPROTO_UDP, 5353, 5353);
	from(r, "fd00::1");
	to(r, "fd00::2");
	r = mk(rs, 7, RULE_ALLOW, RULE_IN);
	l4(r, IPPROTO_TCP, 8080, 8080);
	from(r, "192.0.2.8");
}

static void c_iface(struct rules *rs)
{
	struct rule *r;

	iface(mk(rs, 1, RULE_ALLOW, RULE_IN), "eth0");
	r = mk(rs, 2, RULE_ALLOW, RULE_IN);
	iface(r, "wg*");
	l4(r, IPPROTO_UDP, 51820, 51820);
	r = mk(rs, 3, RULE_ALLOW, RULE_OUT);
	iface(r, "eth1");
	to(r, "10.0.0.1");
	r = mk(rs, 4, RULE_ALLOW, RULE_IN);
	iface(r, "eth0");
	l4(r, IPPROTO_TCP, 22, 22);
}

static void c_deny_allow(struct rules *rs)
{
	from(mk(rs, 1, RULE_DENY, RULE_IN), "203.0.113.0/24");
	l4(mk(rs, 2, RULE_ALLOW, RULE_IN), IPPROTO_TCP, 22, 22);
	l4(mk(rs, 3, RULE_DENY, RULE_OUT), IPPROTO_TCP, 25, 25);
	l4(mk(rs, 4, RULE_REJECT, RULE_IN), IPPROTO_TCP, 113, 113);
	l4(mk(rs, 5, RULE_DENY, RULE_IN), IPPROTO_TCP, 22, 22);
}

static void c_reject(struct rules *rs)
{
	l4(mk(rs, 1, RULE_REJECT, RULE_IN), IPPROTO_UDP, 137, 139);
	to(mk(rs, 2, RULE_REJECT, RULE_OUT), "192.0.2.0/24");
	mk(rs, 3, RULE_REJECT, RULE_OUT);
}

static void c_limit(struct rules *rs)
{
	struct rule *r;

	r = mk(rs, 1, RULE_LIMIT, RULE_IN);
	r->rate = (struct rule_rate){ 10, RATE_MINUTE, 0 };
	l4(r, IPPROTO_TCP, 22, 22);
	r = mk(rs, 2, RULE_LIMIT, RULE_IN);
	r->rate = (struct rule_rate){ 5, RATE_SECOND, 10 };
	port_both(r, 53, 53);
	r = mk(rs, 3, RULE_LIMIT, RULE_IN);
	r->rate = (struct rule_rate){ 1, RATE_HOUR, 0 };
	/* mixed shapes in one rule: the port-less entry gets 0-65535 */
	r = mk(rs, 4, RULE_LIMIT, RULE_IN);
	r->rate = (struct rule_rate){ 100, RATE_SECOND, 200 };
	l4(r, IPPROTO_TCP, 80, 80);
	l4(r, IPPROTO_ICMP, 0, 0);
	from(r, "10.0.0.0/8");
}

static void c_log(struct rules *rs)
{
	struct rule *r;

	r = mk(rs, 1, RULE_ALLOW, RULE_IN);
	l4(r, IPPROTO_TCP, 80, 80);
	r->log = true;
	r = mk(rs, 2, RULE_DENY, RULE_IN);
	from(r, "198.51.100.1");
	r->log = true;
	l4(mk(rs, 3, RULE_ALLOW, RULE_IN), IPPROTO_TCP, 443, 443);
	r = mk(rs, 4, RULE_ALLOW, RULE_OUT);
	r->log = true;
}

static void c_temporary(struct rules *rs)
{
	struct rule *r;

	r = mk(rs, 1, RULE_ALLOW, RULE_IN);
	l4(r, IPPROTO_TCP, 8080, 8080);
	r->expires = NOW + 3600;
	r = mk(rs, 2, RULE_ALLOW, RULE_IN);     /* expired: absent */
	from(r, "10.0.0.5");
	r->expires = NOW - 10;
	r = mk(rs, 3, RULE_DENY, RULE_IN);
	from(r, "10.9.0.0/16");
	r->expires = NOW + 60;
	l4(mk(rs, 4, RULE_ALLOW, RULE_IN), IPPROTO_TCP, 22, 22);
}

/*
 * 2 overlaps 1 (layer 2); 4 overlaps 1 and 2 (layer 3); 3 overlaps none;
 * 5 overlaps only 2, so first fit puts it back in layer 1; 7 is exact and
 * goes to the exact set whatever the intervals hold.
 */
static void c_overlap(struct rules *rs)
{
	struct rule *r;

	r = mk(rs, 1, RULE_ALLOW, RULE_IN);
	l4(r, IPPROTO_TCP, 22, 22);
	from(r, "10.0.0.0/8");
	r = mk(rs, 2, RULE_ALLOW, RULE_IN);
	l4(r, IPPROTO_TCP, 20, 30);
	from(r, "10.1.0.0/16");
	r = mk(rs, 3, RULE_ALLOW, RULE_IN);
	l4(r, IPPROTO_UDP, 22, 22);
	from(r, "10.2.0.0/16");
	r = mk(rs, 4, RULE_ALLOW, RULE_IN);
	l4(r, IPPROTO_TCP, 22, 22);
	from(r, "10.1.2.0/24");
	r = mk(rs, 5, RULE_ALLOW, RULE_IN);
	l4(r, IPPROTO_TCP, 25, 25);
	from(r, "10.1.2.0/30");
	r = mk(rs, 7, RULE_ALLOW, RULE_IN);
	l4(r, IPPROTO_TCP, 22, 22);
	from(r, "10.1.2.3");
	/* port 22 twice and 21-23: merged within the rule, no self-overlap */
	r = mk(rs, 6, RULE_ALLOW, RULE_IN);
	l4(r, IPPROTO_TCP, 22, 22);
	l4(r, IPPROTO_TCP, 21, 23);
	from(r, "172.16.0.0/12");
}

static void c_duplicate(struct rules *rs)
{
	for (uint64_t id = 1; id <= 3; id++)
		l4(mk(rs, id, RULE_ALLOW, RULE_IN), IPPROTO_TCP, 22, 22);
	from(mk(rs, 4, RULE_DENY, RULE_IN), "192.0.2.1");
	from(mk(rs, 5, RULE_DENY, RULE_IN), "192.0.2.1");
}

static void c_panic(struct rules *rs)
{
	l4(mk(rs, 1, RULE_ALLOW, RULE_IN), IPPROTO_TCP, 22, 22);
	rs->out = POLICY_ACCEPT;
	rs->panic = true;
}

static void c_plain(struct rules *rs)
{
	mk(rs, 1, RULE_ALLOW, RULE_IN);
	mk(rs, 2, RULE_DENY, RULE_OUT);
	l4(mk(rs, 3, RULE_ALLOW, RULE_IN), IPPROTO_TCP, 22, 22);
}

/* ---- owner rules: `in` through the daemon's bindings, `out` by skuid/skgid ---- */

/*
 * One socket of each family kind: IPv4 any (0.0.0.0) only IPv4, IPv6 any
 * with v6only only IPv6, dual-stack "::" both, and sockets bound to one
 * address (a v4-mapped one receives IPv4 only).
 */
static void c_owner_families(struct rules *rs)
{
	app(mk(rs, 1, RULE_ALLOW, RULE_IN), "/usr/sbin/sshd");
	sock(rs, 1, IPPROTO_TCP, AF_INET, NULL, 22);
	sock(rs, 1, IPPROTO_TCP, AF_INET6, NULL, 2222);
	sock(rs, 1, IPPROTO_UDP, 0, NULL, 5353);
	sock(rs, 1, IPPROTO_TCP, AF_INET, "192.0.2.10", 8080);
	sock(rs, 1, IPPROTO_TCP, AF_INET6, "2001:db8::10", 8443);
	sock(rs, 1, IPPROTO_TCP, 0, "::ffff:198.51.100.7", 9000);
	/* 0.0.0.0 and :: written out are "any" too */
	sock(rs, 1, IPPROTO_UDP, AF_INET, "0.0.0.0", 69);
	sock(rs, 1, IPPROTO_UDP, AF_INET6, "::", 547);
}

/* the rule's proto/port narrow: sockets on other ports or protocols give nothing */
static void c_owner_port(struct rules *rs)
{
	struct rule *r;

	r = mk(rs, 1, RULE_ALLOW, RULE_IN);
	app(r, "/usr/sbin/sshd");
	l4(r, IPPROTO_TCP, 22, 22);
	sock(rs, 1, IPPROTO_TCP, AF_INET, NULL, 22);
	sock(rs, 1, IPPROTO_TCP, AF_INET6, NULL, 22);
	sock(rs, 1, IPPROTO_UDP, AF_INET, NULL, 22);     /* other proto: dropped */
	sock(rs, 1, IPPROTO_TCP, AF_INET, NULL, 2222);   /* other port: dropped */
	r = mk(rs, 2, RULE_ALLOW, RULE_IN);
	user(r, "bob", 1000);
	port_both(r, 8000, 8100);
	sock(rs, 2, IPPROTO_TCP, 0, NULL, 8080);
	sock(rs, 2, IPPROTO_UDP, AF_INET, NULL, 9000);   /* outside 8000-8100 */
	sock(rs, 2, IPPROTO_UDP, AF_INET6, NULL, 8000);
	/* the same socket reported twice (SO_REUSEPORT): one element */
	sock(rs, 2, IPPROTO_UDP, AF_INET6, NULL, 8000);
	r = mk(rs, 3, RULE_ALLOW, RULE_IN);
	app(r, "/usr/bin/ntpd");
	l4(r, IPPROTO_ICMP, 0, 0);                        /* no socket is icmp */
	sock(rs, 3, IPPROTO_UDP, 0, NULL, 123);
}

/* from, to and iface of the rule intersect with the socket's family and address */
static void c_owner_from(struct rules *rs)
{
	struct rule *r;

	r = mk(rs, 1, RULE_ALLOW, RULE_IN);
	app(r, "/usr/sbin/sshd");
	from(r, "10.0.0.0/8");
	sock(rs, 1, IPPROTO_TCP, 0, NULL, 22);                   /* IPv4 half only */
	sock(rs, 1, IPPROTO_TCP, AF_INET6, NULL, 80);            /* IPv6 only: nothing */
	sock(rs, 1, IPPROTO_TCP, AF_INET, "192.0.2.1", 443);
	r = mk(rs, 2, RULE_ALLOW, RULE_IN);
	app(r, "/usr/sbin/exim4");
	to(r, "192.0.2.0/24");
	sock(rs, 2, IPPROTO_TCP, 0, NULL, 25);                   /* to the rule's `to` */
	sock(rs, 2, IPPROTO_TCP, AF_INET, "192.0.2.5", 110);     /* inside `to` */
	sock(rs, 2, IPPROTO_TCP, AF_INET, "203.0.113.1", 143);   /* outside: nothing */
	sock(rs, 2, IPPROTO_TCP, AF_INET6, NULL, 993);           /* IPv6: nothing */
	r = mk(rs, 3, RULE_ALLOW, RULE_IN);
	app(r, "/usr/sbin/unbound");
	iface(r, "wg*");
	sock(rs, 3, IPPROTO_UDP, 0, NULL, 53);
	r = mk(rs, 4, RULE_ALLOW, RULE_IN);
	user(r, "alice", 1001);
	from(r, "2001:db8::/32");
	iface(r, "eth0");
	sock(rs, 4, IPPROTO_TCP, 0, NULL, 3000);
	sock(rs, 4, IPPROTO_TCP, AF_INET, NULL, 3001);           /* IPv4: nothing */
}

/* deny and reject owner rules go to the block sets: block wins */
static void c_owner_deny(struct rules *rs)
{
	struct rule *r;

	l4(mk(rs, 1, RULE_ALLOW, RULE_IN), IPPROTO_TCP, 6000, 6000);
	user(mk(rs, 2, RULE_DENY, RULE_IN), "bob", 1000);
	sock(rs, 2, IPPROTO_TCP, 0, NULL, 6000);
	sock(rs, 2, IPPROTO_UDP, AF_INET, "192.0.2.1", 6001);
	r = mk(rs, 3, RULE_REJECT, RULE_IN);
	group(r, "staff", 50);
	l4(r, IPPROTO_UDP, 0, 0);
	sock(rs, 3, IPPROTO_UDP, AF_INET, NULL, 161);
	sock(rs, 3, IPPROTO_TCP, AF_INET, NULL, 162);            /* not udp */
	app(mk(rs, 4, RULE_ALLOW, RULE_IN), "/usr/bin/Xorg");
	sock(rs, 4, IPPROTO_TCP, 0, NULL, 6000);
	r = mk(rs, 5, RULE_DENY, RULE_IN);
	app(r, "/usr/bin/nc");
	r->log = true;
	sock(rs, 5, IPPROTO_TCP, AF_INET6, NULL, 4444);
}

/* owner rules whose programs are not running: nothing at all is opened */
static void c_owner_none(struct rules *rs)
{
	struct rule *r;

	app(mk(rs, 1, RULE_ALLOW, RULE_IN), "/usr/bin/foo");
	user(mk(rs, 2, RULE_DENY, RULE_IN), "bob", 1000);
	r = mk(rs, 3, RULE_LIMIT, RULE_IN);
	r->rate = (struct rule_rate){ 10, RATE_MINUTE, 0 };
	app(r, "/usr/bin/bar");
	r = mk(rs, 4, RULE_ALLOW, RULE_IN);
	app(r, "/usr/sbin/sshd");
	l4(r, IPPROTO_TCP, 22, 22);
	sock(rs, 4, IPPROTO_TCP, 0, NULL, 2222);         /* port not allowed */
	/* bindings naming no owner rule are ignored */
	sock(rs, 99, IPPROTO_TCP, 0, NULL, 1);
}

static void c_owner_out(struct rules *rs)
{
	struct rule *r;

	rs->out = POLICY_DROP;
	r = mk(rs, 1, RULE_ALLOW, RULE_OUT);
	user(r, "alice", 1000);
	l4(r, IPPROTO_TCP, 443, 443);
	user(mk(rs, 2, RULE_DENY, RULE_OUT), "mallory", 1001);
	r = mk(rs, 3, RULE_REJECT, RULE_OUT);
	group(r, "kids", 1002);
	to(r, "192.0.2.0/24");
	r = mk(rs, 4, RULE_DENY, RULE_OUT);
	user(r, "bob", 1003);
	group(r, "games", 60);
	l4(r, IPPROTO_UDP, 0, 0);
	r = mk(rs, 5, RULE_ALLOW, RULE_OUT);
	group(r, "dns", 101);
	iface(r, "eth0");
	port_both(r, 53, 53);
	r = mk(rs, 6, RULE_ALLOW, RULE_OUT);
	user(r, "root", 0);
	l4(r, IPPROTO_TCP, 443, 443);
	/* bindings are for `in` rules only */
	sock(rs, 6, IPPROTO_TCP, AF_INET, NULL, 8443);
	r = mk(rs, 7, RULE_ALLOW, RULE_OUT);
	user(r, "svc", 4000000000u);
	from(r, "2001:db8::1");
	to(r, "2001:db8::/32");
	iface(r, "eth1");
	group(r, "svc", 4000000001u);
	l4(r, IPPROTO_TCP, 5432, 5432);
	/* keys over 5 fields (nft could not list them): uid/gid in the chain rule */
	r = mk(rs, 8, RULE_ALLOW, RULE_OUT);
	user(r, "svc", 4000000000u);
	group(r, "svc", 4000000001u);
	from(r, "2001:db8::2");
	to(r, "2001:db8::/32");
	iface(r, "eth1");
	l4(r, IPPROTO_TCP, 5433, 5433);
	r = mk(rs, 9, RULE_ALLOW, RULE_OUT);
	user(r, "alice", 1000);
	from(r, "10.0.0.1");
	to(r, "10.0.0.0/8");
	iface(r, "eth1");
	l4(r, IPPROTO_TCP, 22, 22);
}

/* owner elements share sets with port rules of the same shape */
static void c_owner_mixed(struct rules *rs)
{
	struct rule *r;

	l4(mk(rs, 1, RULE_ALLOW, RULE_IN), IPPROTO_TCP, 22, 22);
	r = mk(rs, 2, RULE_ALLOW, RULE_IN);
	to(r, "192.0.2.1");
	l4(r, IPPROTO_TCP, 80, 80);
	app(mk(rs, 3, RULE_ALLOW, RULE_IN), "/usr/sbin/nginx");
	sock(rs, 3, IPPROTO_TCP, AF_INET, "192.0.2.1", 443);
	sock(rs, 3, IPPROTO_TCP, 0, NULL, 8080);
	r = mk(rs, 4, RULE_ALLOW, RULE_IN);
	from(r, "10.0.0.0/8");
	l4(r, IPPROTO_TCP, 25, 25);
	r = mk(rs, 5, RULE_ALLOW, RULE_IN);
	app(r, "/usr/sbin/exim4");
	from(r, "10.0.0.0/8");
	sock(rs, 5, IPPROTO_TCP, 0, NULL, 587);
	r = mk(rs, 6, RULE_ALLOW, RULE_OUT);
	user(r, "alice", 1000);
	l4(r, IPPROTO_TCP, 443, 443);
	l4(mk(rs, 7, RULE_ALLOW, RULE_OUT), IPPROTO_TCP, 443, 443);
	rs->out = POLICY_DROP;
}

/*
 * Limits share one rate over all their sets: one set when nfproto tells
 * the families apart, a jump chain when address fields of both families
 * (or overlapping elements) need several sets.
 */
static void c_owner_limit(struct rules *rs)
{
	struct rule *r;

	r = mk(rs, 5, RULE_LIMIT, RULE_IN);
	r->rate = (struct rule_rate){ 10, RATE_MINUTE, 0 };
	app(r, "/usr/sbin/named");
	sock(rs, 5, IPPROTO_TCP, 0, NULL, 53);
	sock(rs, 5, IPPROTO_UDP, AF_INET, NULL, 53);
	r = mk(rs, 6, RULE_LIMIT, RULE_IN);
	r->rate = (struct rule_rate){ 5, RATE_SECOND, 10 };
	r->log = true;
	app(r, "/usr/sbin/httpd");
	sock(rs, 6, IPPROTO_TCP, AF_INET, "192.0.2.1", 80);
	sock(rs, 6, IPPROTO_TCP, AF_INET6, NULL, 80);
	r = mk(rs, 7, RULE_LIMIT, RULE_IN);
	r->rate = (struct rule_rate){ 1, RATE_SECOND, 0 };
	user(r, "bob", 1000);
	sock(rs, 7, IPPROTO_UDP, AF_INET, NULL, 1900);
	sock(rs, 7, IPPROTO_UDP, AF_INET, "10.0.0.5", 1900);     /* overlaps */
	r = mk(rs, 8, RULE_LIMIT, RULE_OUT);
	r->rate = (struct rule_rate){ 100, RATE_MINUTE, 0 };
	user(r, "bob", 1000);
	l4(r, IPPROTO_TCP, 25, 25);
}

/*
 * Unit rules: the cgroup id is a key field per level, so units share sets
 * with each other (not with port rules: their shape differs); a unit that
 * is not running has no binding and no element; an id wider than 32 bits
 * keeps all 64.
 */
static void c_units(struct rules *rs)
{
	struct rule *r;

	unit(mk(rs, 1, RULE_ALLOW, RULE_IN), "sshd.service");
	cgroup(rs, 1, 2, 4242);
	r = mk(rs, 2, RULE_ALLOW, RULE_IN);
	unit(r, "nginx.service");
	l4(r, IPPROTO_TCP, 80, 80);
	l4(r, IPPROTO_TCP, 443, 443);
	cgroup(rs, 2, 2, 77);
	r = mk(rs, 3, RULE_DENY, RULE_IN);
	unit(r, "session-2.scope");
	from(r, "10.0.0.0/8");
	cgroup(rs, 3, 3, 0x123456789abcull);
	unit(mk(rs, 4, RULE_ALLOW, RULE_IN), "stopped.service");
	r = mk(rs, 5, RULE_DENY, RULE_OUT);
	unit(r, "user-1001.slice");
	l4(r, IPPROTO_TCP, 25, 25);
	cgroup(rs, 5, 2, 9001);
	r = mk(rs, 6, RULE_LIMIT, RULE_IN);
	r->rate = (struct rule_rate){ 10, RATE_MINUTE, 0 };
	unit(r, "game.service");
	l4(r, IPPROTO_UDP, 0, 0);
	cgroup(rs, 6, 2, 31);
	l4(mk(rs, 7, RULE_ALLOW, RULE_IN), IPPROTO_TCP, 22, 22);
	r = mk(rs, 8, RULE_ALLOW, RULE_IN);
	unit(r, "db.service");
	iface(r, "eth0");
	to(r, "192.0.2.0/24");
	l4(r, IPPROTO_TCP, 5432, 5432);
	cgroup(rs, 8, 1, 12);
}

static const struct golden_case {
	const char *name;
	void (*build)(struct rules *rs);
} golden_cases[] = {
	{ "empty", c_empty },
	{ "policy_in_reject", c_policy_in_reject },
	{ "policy_out_drop", c_policy_out_drop },
	{ "policy_out_reject", c_policy_out_reject },
	{ "ports", c_ports },
	{ "addrs", c_addrs },
	{ "iface", c_iface },
	{ "deny_allow", c_deny_allow },
	{ "reject", c_reject },
	{ "limit", c_limit },
	{ "log", c_log },
	{ "temporary", c_temporary },
	{ "overlap", c_overlap },
	{ "duplicate", c_duplicate },
	{ "panic", c_panic },
	{ "plain", c_plain },
	{ "owner_families", c_owner_families },
	{ "owner_port", c_owner_port },
	{ "owner_from", c_owner_from },
	{ "owner_deny", c_owner_deny },
	{ "owner_none", c_owner_none },
	{ "owner_out", c_owner_out },
	{ "owner_mixed", c_owner_mixed },
	{ "owner_limit", c_owner_limit },
	{ "units", c_units },
};

static char *read_all(const char *path)
{
	struct strbuf sb = STRBUF_INIT;

	if (sb_read_file(&sb, path) < 0) {
		sb_free(&sb);
		return NULL;
	}
	return sb_steal(&sb);
}

static void write_all(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static void run_golden(const struct golden_case *gc)
{
	static struct rules rs;
	struct diag_list dl = { 0 };
	struct strbuf out = STRBUF_INIT;
	char path[4096], actual[4200];
	struct plan *p;
	char *want;

	rules_init(&rs);
	gc->build(&rs);
	p = compile(&rs, &dl);
	CHECK(p != NULL, "%s: compile failed (%zu diags)", gc->name, dl.n);
	if (!p)
		goto out;
	/* nft 1.0.6 can list a set of at most 5 key fields */
	for (size_t i = 0; i < p->nsets; i++)
		CHECK(p->sets[i].nfields <= PLAN_MAX_KEY_FIELDS, "%s: set %s has %u fields",
		      gc->name, p->sets[i].name, p->sets[i].nfields);
	plan_dump(p, &out);
	snprintf(path, sizeof(path), "%s/tests/unit/golden/compile_%s.nft",
		 test_srcdir(), gc->name);
	snprintf(actual, sizeof(actual), "%s.actual", path);
	if (getenv("FWD_REGEN_GOLDEN") && strcmp(getenv("FWD_REGEN_GOLDEN"), "1") == 0)
		write_all(path, sb_str(&out));
	want = read_all(path);
	CHECK(want && strcmp(want, sb_str(&out)) == 0,
	      "%s: dump differs from %s (actual output in %s)", gc->name, path, actual);
	if (!want || strcmp(want, sb_str(&out)) != 0)
		write_all(actual, sb_str(&out));
	else
		remove(actual);
	free(want);
	plan_free(p);
out:
	sb_free(&out);
	diag_list_free(&dl);
	rules_free(&rs);
}

/* ---- refusals ---- */

static const char out_app_msg[] = "per-application outbound rules are not "
	"supported: the kernel offers no exact match for the sending executable; "
	"use user or group";

static void test_refusals(void)
{
	static struct rules rs;
	struct diag_list dl = { 0 };
	struct rule *r;
	struct plan *p;

	rules_init(&rs);
	l4(mk(&rs, 1, RULE_ALLOW, RULE_IN), IPPROTO_TCP, 22, 22);
	r = mk(&rs, 7, RULE_ALLOW, RULE_OUT);
	app(r, "/usr/bin/curl");
	p = compile(&rs, &dl);
	CHECK(p == NULL, "an out app rule must be refused");
	CHECK(dl.n == 1, "one diag for one out app rule, got %zu", dl.n);
	if (dl.n == 1) {
		CHECK_STR(dl.v[0].file, "rule 7", "diag place of the out app rule");
		CHECK_STR(dl.v[0].msg, out_app_msg, "diag text of the out app rule");
	}
	plan_free(p);
	diag_list_free(&dl);

	/* with user and group too: still refused, once, for the app */
	r = mk(&rs, 8, RULE_DENY, RULE_OUT);
	app(r, "/usr/bin/wget");
	user(r, "alice", 1000);
	group(r, "staff", 50);
	p = compile(&rs, &dl);
	CHECK(p == NULL && dl.n == 2, "two out app rules: 2 diags, got %zu", dl.n);
	if (dl.n == 2) {
		CHECK_STR(dl.v[1].file, "rule 8", "second diag place");
		CHECK_STR(dl.v[1].msg, out_app_msg, "second diag text");
	}
	plan_free(p);
	diag_list_free(&dl);
	rules_free(&rs);

	/* every other owner combination compiles */
	app(mk(&rs, 1, RULE_ALLOW, RULE_IN), "/usr/sbin/sshd");
	user(mk(&rs, 2, RULE_DENY, RULE_IN), "bob", 1000);
	group(mk(&rs, 3, RULE_REJECT, RULE_IN), "staff", 50);
	r = mk(&rs, 4, RULE_ALLOW, RULE_IN);
	app(r, "/usr/sbin/sshd");
	user(r, "root", 0);
	group(r, "root", 0);
	user(mk(&rs, 5, RULE_DENY, RULE_OUT), "bob", 1000);
	group(mk(&rs, 6, RULE_ALLOW, RULE_OUT), "staff", 50);
	p = compile(&rs, &dl);
	CHECK(p != NULL && dl.n == 0, "in app/user/group and out user/group compile "
	      "(%zu diags: %s)", dl.n, dl.n ? dl.v[0].msg : "");
	plan_free(p);
	diag_list_free(&dl);
	rules_free(&rs);

	r = mk(&rs, 9, RULE_ALLOW, RULE_IN);
	from(r, "10.0.0.1");
	to(r, "2001:db8::1");
	p = compile(&rs, &dl);
	CHECK(p == NULL && dl.n == 1 && strstr(dl.v[0].msg, "different address families"),
	      "from IPv4 to IPv6 refused (%zu diags)", dl.n);
	plan_free(p);
	diag_list_free(&dl);
	rules_free(&rs);

	/* a rule not stored yet (fwctl check, a dry run) is named by its text */
	r = mk(&rs, 0, RULE_ALLOW, RULE_OUT);
	r->protos = RULE_PROTO_TCP;
	r->ports = xmalloc(sizeof(*r->ports));
	r->ports[0] = (struct port_range){ 25, 25 };
	r->nports = 1;
	l4(r, IPPROTO_TCP, 25, 25);
	app(r, "/usr/bin/curl");
	p = compile(&rs, &dl);
	CHECK(p == NULL && dl.n == 1, "unstored out app rule refused");
	if (dl.n == 1)
		CHECK_STR(dl.v[0].file, "allow out proto tcp port 25 app /usr/bin/curl",
			  "an unstored rule is named by its text");
	plan_free(p);
	diag_list_free(&dl);
	rules_free(&rs);

	/* a unit rule's key: proto, cgroup and three of port/from/to/iface */
	r = mk(&rs, 3, RULE_ALLOW, RULE_IN);
	unit(r, "db.service");
	from(r, "10.0.0.0/8");
	to(r, "10.1.0.0/16");
	iface(r, "eth0");
	l4(r, IPPROTO_TCP, 5432, 5432);
	cgroup(&rs, 3, 2, 99);
	p = compile(&rs, &dl);
	CHECK(p == NULL && dl.n == 1 && strstr(dl.v[0].msg, "at most three of port, "
	      "from, to and iface"), "a unit rule with 4 more fields is refused (%zu)", dl.n);
	plan_free(p);
	diag_list_free(&dl);
	free(r->iface);
	r->iface = NULL;
	p = compile(&rs, &dl);
	CHECK(p != NULL && dl.n == 0, "with one field less it compiles");
	plan_free(p);
	diag_list_free(&dl);
	rules_free(&rs);

	l4(mk(&rs, 1, RULE_ALLOW, RULE_IN), IPPROTO_TCP, 22, 22);
	p = compile(&rs, &dl);
	CHECK(p != NULL && dl.n == 0, "a plain port rule compiles");
	plan_free(p);
	diag_list_free(&dl);
	rules_free(&rs);
}

/* a malformed binding is a bug in the daemon: refused, never half applied */
static void test_bad_bindings(void)
{
	static struct rules rs;
	struct diag_list dl = { 0 };
	struct plan *p;

	rules_init(&rs);
	app(mk(&rs, 1, RULE_ALLOW, RULE_IN), "/usr/sbin/sshd");
	sock(&rs, 1, IPPROTO_TCP, AF_INET, NULL, 22);
	sock(&rs, 1, IPPROTO_ICMP, AF_INET, NULL, 22);
	sock(&rs, 1, IPPROTO_TCP, 99, NULL, 22);
	sock(&rs, 1, IPPROTO_UDP, AF_INET6, NULL, 0);
	p = compile(&rs, &dl);
	CHECK(p == NULL && dl.n == 3, "3 bad bindings: 3 diags (%zu)", dl.n);
	if (dl.n == 3) {
		CHECK_STR(dl.v[0].file, "rule 1", "bad binding names the rule");
		CHECK(strstr(dl.v[0].msg, "protocol 1, family 2, port 22") != NULL,
		      "bad binding message: %s", dl.v[0].msg);
	}
	plan_free(p);
	diag_list_free(&dl);
	rules_free(&rs);

	/* unit bindings: a level 1-4 and an id, nothing of a socket */
	unit(mk(&rs, 2, RULE_ALLOW, RULE_IN), "x.service");
	cgroup(&rs, 2, 2, 50);
	cgroup(&rs, 2, 0, 50);                  /* no level: a socket without port */
	cgroup(&rs, 2, PLAN_CGROUP_LEVELS + 1, 50);
	cgroup(&rs, 2, 2, 0);
	cgroup(&rs, 2, 2, 51);
	rs.b[rs.nb - 1].port = 80;              /* a unit binding with a port */
	p = compile(&rs, &dl);
	CHECK(p == NULL && dl.n == 4, "4 bad unit bindings: 4 diags (%zu)", dl.n);
	plan_free(p);
	diag_list_free(&dl);
	rules_free(&rs);
}

/* ---- structure: order of chain rules ---- */

static long find_rule(const struct plan *p, enum plan_chain_id c, const char *text)
{
	const struct plan_chain *ch = &p->chains[c];
	struct strbuf sb = STRBUF_INIT;
	long at = -1;

	for (size_t i = 0; i < ch->nrules && at < 0; i++) {
		sb_reset(&sb);
		plan_format_rule(p, &ch->rules[i], &sb);
		if (strcmp(sb_str(&sb), text) == 0)
			at = (long)i;
	}
	sb_free(&sb);
	return at;
}

static void test_structure(void)
{
	static struct rules rs;
	struct diag_list dl = { 0 };
	struct plan *p;
	long est, nd, inval, lo, deny, echo, allow, tail;

	rules_init(&rs);
	c_deny_allow(&rs);
	p = compile(&rs, &dl);
	CHECK(p != NULL, "deny_allow compiles");
	if (!p)
		return;
	est = find_rule(p, PCH_INPUT, "ct state established,related accept");
	nd = find_rule(p, PCH_INPUT, "icmpv6 type { nd-router-solicit, nd-router-advert, "
		       "nd-neighbor-solicit, nd-neighbor-advert, nd-redirect } ip6 hoplimit 255 accept");
	inval = find_rule(p, PCH_INPUT, "ct state invalid drop");
	lo = find_rule(p, PCH_INPUT, "iif \"lo\" accept");
	deny = find_rule(p, PCH_INPUT, "meta l4proto . ip saddr @in_deny_p_s4_iv drop");
	echo = find_rule(p, PCH_INPUT, "icmp type echo-request limit rate 20/second burst 50 packets accept");
	allow = find_rule(p, PCH_INPUT, "meta l4proto . th dport @in_allow_p_dp accept");
	tail = find_rule(p, PCH_INPUT, "counter drop comment \"drop-in\"");
	CHECK(est == 0, "established first (at %ld)", est);
	CHECK(nd > est && nd < inval, "ND before the invalid drop (%ld, %ld)", nd, inval);
	CHECK(inval >= 0 && lo > inval, "loopback after invalid (%ld)", lo);
	CHECK(deny > lo && echo > deny && allow > echo, "deny %ld < echo %ld < allow %ld",
	      deny, echo, allow);
	CHECK(tail == (long)p->chains[PCH_INPUT].nrules - 1, "drop-in counter last (%ld)", tail);
	CHECK(!p->chains[PCH_INPUT].policy_accept, "input policy drop");
	CHECK(p->chains[PCH_OUTPUT].policy_accept, "output policy accept by default");
	plan_free(p);
	rules_free(&rs);

	rules_init(&rs);
	c_panic(&rs);
	p = compile(&rs, &dl);
	CHECK(p && p->nsets == 0 && p->chains[PCH_INPUT].nrules == 2 &&
	      p->chains[PCH_OUTPUT].nrules == 2 && !p->chains[PCH_OUTPUT].policy_accept,
	      "panic: loopback + drop only, no sets, output policy drop");
	plan_free(p);
	rules_free(&rs);
	diag_list_free(&dl);
}

/* ---- scale ---- */

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* durations are printed as context only: speed is bench/'s job, not a test's */
/* n distinct rules: tcp port + host (exact) or + /24 (interval) */
static void distinct(struct rules *rs, size_t n, bool interval, uint64_t id0)
{
	char a[64];

	for (size_t i = 0; i < n; i++) {
		struct rule *r = mk(rs, id0 + i, RULE_ALLOW, RULE_IN);

		if (interval)
			snprintf(a, sizeof(a), "10.%zu.%zu.0/24", i / 256 % 256, i % 256);
		else
			snprintf(a, sizeof(a), "10.%zu.%zu.%zu", i / 65536 % 256, i / 256 % 256, i % 256);
		l4(r, IPPROTO_TCP, (uint16_t)(1000 + i % 50000), (uint16_t)(1000 + i % 50000));
		from(r, a);
	}
}

static void test_scale(void)
{
	static struct rules rs;
	struct diag_list dl = { 0 };
	size_t nsets, nelems, nrules, base_rules;
	struct timespec t0;
	struct plan *p;
	double ms;

	rules_init(&rs);
	p = compile(&rs, &dl);
	plan_stats(p, NULL, NULL, &base_rules);
	plan_free(p);

	distinct(&rs, 1000, false, 1);
	p = compile(&rs, &dl);
	plan_stats(p, &nsets, &nelems, &nrules);
	CHECK(nsets == 1 && nelems == 1000 && nrules == base_rules + 1,
	      "1000 exact rules: 1 set, 1000 elements, 1 chain rule (got %zu, %zu, %zu)",
	      nsets, nelems, nrules - base_rules);
	CHECK(p && strcmp(p->sets[0].name, "in_allow_p_s4_dp") == 0, "exact set name %s",
	      p ? p->sets[0].name : "");
	plan_free(p);
	rules_free(&rs);

	distinct(&rs, 1000, true, 1);
	p = compile(&rs, &dl);
	plan_stats(p, &nsets, &nelems, &nrules);
	CHECK(nsets == 1 && nelems == 1000, "1000 /24 rules: 1 set, 1000 elements (got %zu, %zu)",
	      nsets, nelems);
	CHECK(p && strcmp(p->sets[0].name, "in_allow_p_s4_dp_iv") == 0, "interval set name");
	plan_free(p);
	rules_free(&rs);

	distinct(&rs, 5000, false, 1);
	distinct(&rs, 5000, true, 5001);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	p = compile(&rs, &dl);
	ms = ms_since(&t0);
	plan_stats(p, &nsets, &nelems, NULL);
	printf("# 10000 rules compiled in %.1f ms: %zu sets, %zu elements\n", ms, nsets, nelems);
	CHECK(nsets == 2 && nelems == 10000, "10000 rules: 2 sets (got %zu, %zu)", nsets, nelems);
	plan_free(p);
	rules_free(&rs);
	diag_list_free(&dl);
}

/* ---- layering on random overlapping rules, checked by brute force ---- */

static uint32_t rnd_state = 12345;

static uint32_t rnd(uint32_t n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state % n;
}

static bool elems_overlap(const struct plan_set *s, const struct plan_elem *a,
			  const struct plan_elem *b)
{
	unsigned off = 0;

	if (!s->interval)
		return memcmp(a->key, b->key, PLAN_KEY_MAX) == 0;
	for (unsigned k = 0; k < s->nfields; k++) {
		unsigned len = plan_fields[s->fields[k]].reglen;

		if (memcmp(a->key + off, b->key_end + off, len) > 0 ||
		    memcmp(b->key + off, a->key_end + off, len) > 0)
			return false;
		off += len;
	}
	return true;
}

static size_t count_overlaps(const struct plan *p)
{
	size_t bad = 0;

	for (size_t s = 0; s < p->nsets; s++)
		for (size_t i = 0; i < p->sets[s].nelems; i++)
			for (size_t j = i + 1; j < p->sets[s].nelems; j++)
				bad += elems_overlap(&p->sets[s], &p->sets[s].elems[i],
						     &p->sets[s].elems[j]);
	return bad;
}

static const struct plan_set *set_named(const struct plan *p, const char *name)
{
	for (size_t i = 0; i < p->nsets; i++)
		if (strcmp(p->sets[i].name, name) == 0)
			return &p->sets[i];
	return NULL;
}

static bool has_elem(const struct plan_set *s, const struct plan_elem *e)
{
	for (size_t i = 0; s && i < s->nelems; i++)
		if (memcmp(&s->elems[i], e, sizeof(*e)) == 0)
			return true;
	return false;
}

/* every element of a is in the same-named set of b */
static size_t moved_elems(const struct plan *a, const struct plan *b)
{
	size_t moved = 0;

	for (size_t s = 0; s < a->nsets; s++) {
		const struct plan_set *t = set_named(b, a->sets[s].name);

		for (size_t i = 0; i < a->sets[s].nelems; i++)
			moved += !has_elem(t, &a->sets[s].elems[i]);
	}
	return moved;
}

static void random_rule(struct rules *rs, uint64_t id)
{
	struct rule *r = mk(rs, id, rnd(4) ? RULE_ALLOW : RULE_DENY, RULE_IN);
	char a[64];
	uint16_t lo = (uint16_t)(20 + rnd(20));

	if (rnd(3))
		l4(r, rnd(2) ? IPPROTO_TCP : IPPROTO_UDP, lo, (uint16_t)(lo + rnd(3) * rnd(5)));
	snprintf(a, sizeof(a), "10.0.%u.%u/%u", rnd(4), rnd(256), 22 + rnd(11));
	from(r, a);
	/* the rule text must be canonical: clear host bits like the parser does */
	for (unsigned b = r->from.len; b < 32; b++)
		r->from.addr[b / 8] &= (uint8_t)~(0x80 >> b % 8);
}

static void test_layers_random(void)
{
	static struct rules rs;
	struct diag_list dl = { 0 };
	struct plan *a, *b;
	size_t nelems, want = 0;

	rules_init(&rs);
	for (uint64_t id = 1; id <= 1500; id++)
		random_rule(&rs, id);
	for (size_t i = 0; i < rs.n; i++)
		want += rs.v[i]->nl4 ? rs.v[i]->nl4 : 1;
	a = compile(&rs, &dl);
	plan_stats(a, NULL, &nelems, NULL);
	CHECK(nelems == want, "random: every element placed (%zu of %zu)", nelems, want);
	CHECK(count_overlaps(a) == 0, "random: no overlaps inside any set");
	printf("# random overlapping rules: %zu sets for %zu elements\n", a->nsets, nelems);
	for (uint64_t id = 1501; id <= 1510; id++)
		random_rule(&rs, id);
	b = compile(&rs, &dl);
	CHECK(count_overlaps(b) == 0, "random + 10: no overlaps");
	CHECK(moved_elems(a, b) == 0, "adding rules with higher ids moves no earlier element");
	plan_free(a);
	plan_free(b);
	rules_free(&rs);
	diag_list_free(&dl);
}

/* ---- delta decision ---- */

static void test_delta(void)
{
	static struct rules rs;
	struct diag_list dl = { 0 };
	struct plan_delta d;
	struct plan *a, *b;
	struct rule *r;

	rules_init(&rs);
	l4(mk(&rs, 1, RULE_ALLOW, RULE_IN), IPPROTO_TCP, 22, 22);
	l4(mk(&rs, 2, RULE_ALLOW, RULE_IN), IPPROTO_TCP, 80, 80);
	l4(mk(&rs, 3, RULE_ALLOW, RULE_IN), IPPROTO_TCP, 443, 443);
	a = compile(&rs, &dl);
	l4(mk(&rs, 4, RULE_ALLOW, RULE_IN), IPPROTO_TCP, 8080, 8080);
	b = compile(&rs, &dl);
	CHECK(plan_delta(a, b, &d) == 0, "one more port: elements only");
	CHECK(d.nadd == 1 && d.ndel == 0 && d.add[0].e->rule_id == 4 &&
	      strcmp(b->sets[d.add[0].set].name, "in_allow_p_dp") == 0,
	      "exactly the new element is added (%zu adds, %zu dels)", d.nadd, d.ndel);
	plan_delta_free(&d);
	CHECK(plan_delta(b, a, &d) == 0 && d.nadd == 0 && d.ndel == 1 &&
	      d.del[0].e->rule_id == 4, "and deleted going back");
	plan_delta_free(&d);
	plan_free(b);

	r = mk(&rs, 5, RULE_ALLOW, RULE_IN);
	from(r, "10.0.0.0/8");
	b = compile(&rs, &dl);
	CHECK(plan_delta(a, b, &d) == -1 && !plan_same_structure(a, b),
	      "a new shape (new set) needs a full resync");
	plan_free(b);
	rules_free(&rs);

	rules_init(&rs);
	l4(mk(&rs, 1, RULE_ALLOW, RULE_IN), IPPROTO_TCP, 22, 22);
	l4(mk(&rs, 2, RULE_ALLOW, RULE_IN), IPPROTO_TCP, 80, 80);
	l4(mk(&rs, 3, RULE_ALLOW, RULE_IN), IPPROTO_TCP, 443, 443);
	rs.out = POLICY_DROP;
	b = compile(&rs, &dl);
	CHECK(plan_delta(a, b, &d) == -1, "a policy change needs a full resync");
	plan_free(b);
	rs.out = POLICY_ACCEPT;
	rs.v[1]->expires = NOW + 100;
	b = compile(&rs, &dl);
	CHECK(plan_delta(a, b, &d) == 0 && d.nadd == 1 && d.ndel == 1 &&
	      d.add[0].e->rule_id == 2 && d.del[0].e->rule_id == 2,
	      "a new expiry replaces the element (%zu/%zu)", d.nadd, d.ndel);
	plan_delta_free(&d);
	plan_free(b);
	plan_free(a);
	rules_free(&rs);
	diag_list_free(&dl);
}

/* 10,000 rules: compile + diff for one more exception */
static void test_delta_big(void)
{
	static struct rules rs;
	struct diag_list dl = { 0 };
	struct plan_delta d;
	struct plan *a, *b;
	struct timespec t0;
	struct rule *r;
	double ms;

	rules_init(&rs);
	distinct(&rs, 5000, false, 1);
	distinct(&rs, 5000, true, 5001);
	a = compile(&rs, &dl);
	r = mk(&rs, 20000, RULE_ALLOW, RULE_IN);
	l4(r, IPPROTO_TCP, 9, 9);
	from(r, "10.200.0.1");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	b = compile(&rs, &dl);
	CHECK(plan_delta(a, b, &d) == 0 && d.nadd == 1 && d.ndel == 0,
	      "10000 + 1: one element added");
	ms = ms_since(&t0);
	printf("# 10000 + 1 rules: compile + delta in %.1f ms\n", ms);
	plan_delta_free(&d);
	plan_free(a);
	plan_free(b);
	rules_free(&rs);
	diag_list_free(&dl);
}

/*
 * A one-field set keeps the value's own key length: only concatenations pad
 * to registers, and nft cannot list a padded inet_proto element.
 */
static void test_key_len(void)
{
	static struct rules rs;
	struct diag_list dl = { 0 };
	struct plan *p;
	size_t found = 0;

	rules_init(&rs);
	l4(mk(&rs, 1, RULE_ALLOW, RULE_IN), IPPROTO_ICMP, 0, 0);
	l4(mk(&rs, 2, RULE_ALLOW, RULE_IN), IPPROTO_TCP, 22, 22);
	p = compile(&rs, &dl);
	CHECK(p != NULL, "compiles");
	for (size_t i = 0; p && i < p->nsets; i++) {
		const struct plan_set *st = &p->sets[i];
		uint32_t want = st->nfields == 1 ? plan_fields[st->fields[0]].len : 0;

		for (unsigned k = 0; st->nfields > 1 && k < st->nfields; k++)
			want += plan_fields[st->fields[k]].reglen;
		CHECK(st->key_len == want, "set %s key_len %u, want %u",
		      st->name, st->key_len, want);
		found += st->nfields == 1;
	}
	CHECK(found == 1, "one single-field set (%zu)", found);
	plan_free(p);
	rules_free(&rs);
	diag_list_free(&dl);
}

/* ---- owner rules: scale, deltas, binding order ---- */

static char *dump_of(const struct plan *p)
{
	struct strbuf sb = STRBUF_INIT;

	plan_dump(p, &sb);
	return sb_steal(&sb);
}

static const struct plan_set *find_set(const struct plan *p, const char *name)
{
	for (size_t i = 0; p && i < p->nsets; i++)
		if (strcmp(p->sets[i].name, name) == 0)
			return &p->sets[i];
	return NULL;
}

/* rules whose programs are not running leave the table as without them */
static void test_owner_closed(void)
{
	static struct rules rs;
	struct diag_list dl = { 0 };
	struct plan *empty, *p;

	rules_init(&rs);
	empty = compile(&rs, &dl);
	c_owner_none(&rs);
	p = compile(&rs, &dl);
	CHECK(p && p->nsets == 0 && plan_same_structure(empty, p),
	      "owner rules without bindings: no set, no chain rule");
	plan_free(p);
	rules_free(&rs);

	/* an unstored owner rule (a dry run) has no id, so no binding applies */
	app(mk(&rs, 0, RULE_ALLOW, RULE_IN), "/usr/sbin/sshd");
	sock(&rs, 0, IPPROTO_TCP, 0, NULL, 22);
	p = compile(&rs, &dl);
	CHECK(p && p->nsets == 0 && plan_same_structure(empty, p),
	      "an owner rule with id 0 opens nothing");
	plan_free(p);
	plan_free(empty);
	rules_free(&rs);
	diag_list_free(&dl);
}

/* the contract says sorted by rule id; any order must give the same table */
static void test_owner_unsorted(void)
{
	static struct rules rs;
	struct diag_list dl = { 0 };
	struct owner_binding tmp;
	struct plan *a, *b;
	char *da, *db;

	rules_init(&rs);
	c_owner_deny(&rs);
	c_owner_from(&rs);      /* ids 1-4 again: rules of both cases share them */
	a = compile(&rs, &dl);
	for (size_t i = 0; i < rs.nb / 2; i++) {
		tmp = rs.b[i];
		rs.b[i] = rs.b[rs.nb - 1 - i];
		rs.b[rs.nb - 1 - i] = tmp;
	}
	b = compile(&rs, &dl);
	da = a ? dump_of(a) : NULL;
	db = b ? dump_of(b) : NULL;
	CHECK(da && db && strcmp(da, db) == 0, "reversed bindings give the same table");
	free(da);
	free(db);
	plan_free(a);
	plan_free(b);
	rules_free(&rs);
	diag_list_free(&dl);
}

/* 1,000 port rules + 1,000 owner rules with 1,000 sockets: still 2 sets */
static void test_owner_scale(void)
{
	static struct rules rs;
	struct diag_list dl = { 0 };
	size_t nsets, nelems, nrules, base_rules, want = 1000;
	struct timespec t0;
	struct plan *p;
	double ms;

	rules_init(&rs);
	p = compile(&rs, &dl);
	plan_stats(p, NULL, NULL, &base_rules);
	plan_free(p);
	distinct(&rs, 1000, false, 1);
	for (uint64_t i = 0; i < 1000; i++) {
		static const int fam[3] = { 0, AF_INET, AF_INET6 };

		app(mk(&rs, 1001 + i, i % 2 ? RULE_ALLOW : RULE_DENY, RULE_IN), "/usr/bin/x");
		sock(&rs, 1001 + i, i % 5 ? IPPROTO_TCP : IPPROTO_UDP, fam[i % 3], NULL,
		     (uint16_t)(10000 + i));
		want += i % 3 ? 1 : 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	p = compile(&rs, &dl);
	ms = ms_since(&t0);
	plan_stats(p, &nsets, &nelems, &nrules);
	printf("# 2000 rules + 1000 bindings compiled in %.1f ms: %zu sets, %zu elements\n",
	       ms, nsets, nelems);
	CHECK(nsets == 3 && nelems == want && nrules == base_rules + 3,
	      "port + owner rules: 3 sets (%zu), %zu elements (want %zu), 3 chain rules (%zu)",
	      nsets, nelems, want, nrules - base_rules);
	CHECK(find_set(p, "in_allow_p_nf_dp") && find_set(p, "in_deny_p_nf_dp"),
	      "owner elements in the nfproto sets");
	plan_free(p);
	rules_free(&rs);
	diag_list_free(&dl);
}

static bool one_add(const struct plan *a, const struct plan *b, size_t nadd,
		    uint64_t id, const char *set)
{
	struct plan_delta d;
	bool ok = plan_delta(a, b, &d) == 0 && d.nadd == nadd && d.ndel == 0;

	for (size_t i = 0; ok && i < d.nadd; i++)
		ok = d.add[i].e->rule_id == id && strcmp(b->sets[d.add[i].set].name, set) == 0;
	plan_delta_free(&d);
	return ok;
}

/* random owner rules and sockets: every set listable, no overlaps */
static void test_owner_random(void)
{
	static const char *const addrs[] = { "10.0.0.0/8", "10.1.2.3", "2001:db8::/32",
					     "2001:db8::5", "192.0.2.0/24" };
	static const char *const bound[] = { "10.1.2.3", "192.0.2.9", "2001:db8::5",
					     "::ffff:10.1.2.3", "fd00::1" };
	static const int fam[3] = { 0, AF_INET, AF_INET6 };
	static struct rules rs;
	struct diag_list dl = { 0 };
	size_t wide = 0;
	struct plan *p;

	rules_init(&rs);
	for (uint64_t id = 1; id <= 600; id++) {
		enum rule_dir d = rnd(2) ? RULE_IN : RULE_OUT;
		struct rule *r = mk(&rs, id, (enum rule_action)rnd(4), d);
		const char *a = addrs[rnd(5)];

		r->rate = (struct rule_rate){ 1 + rnd(9), RATE_SECOND, 0 };
		if (d == RULE_IN && rnd(2))
			app(r, "/usr/bin/x");
		if (rnd(2))
			user(r, "u", 1000 + rnd(3));
		if (rnd(3) == 0)
			group(r, "g", 100 + rnd(2));
		if (rnd(3) == 0)
			from(r, a);
		if (rnd(3) == 0)
			to(r, strchr(a, ':') ? "2001:db8::/48" : "10.0.0.0/16");
		if (rnd(3) == 0)
			iface(r, rnd(2) ? "eth0" : "wg*");
		if (rnd(2))
			l4(r, rnd(2) ? IPPROTO_TCP : IPPROTO_UDP, (uint16_t)(20 + rnd(5)),
			   (uint16_t)(24 + rnd(5)));
		r->log = rnd(4) == 0;
		for (unsigned k = rnd(4); d == RULE_IN && k > 0; k--)
			sock(&rs, id, rnd(2) ? IPPROTO_TCP : IPPROTO_UDP, fam[rnd(3)],
			     rnd(2) ? bound[rnd(5)] : NULL, (uint16_t)(20 + rnd(10)));
		wide += r->dir == RULE_OUT && r->has_user && r->has_from && r->has_to && r->iface;
	}
	p = compile(&rs, &dl);
	CHECK(p != NULL, "random owner rules compile (%s)", dl.n ? dl.v[0].msg : "");
	for (size_t i = 0; p && i < p->nsets; i++)
		CHECK(p->sets[i].nfields <= PLAN_MAX_KEY_FIELDS && p->sets[i].nelems > 0,
		      "set %s: %u fields, %zu elements", p->sets[i].name,
		      p->sets[i].nfields, p->sets[i].nelems);
	CHECK(p && count_overlaps(p) == 0, "random owner rules: no overlaps in a set");
	printf("# random owner rules: %zu sets, %zu elements, %zu chains, %zu wide keys\n",
	       p ? p->nsets : 0, p ? p->nelems : 0, p ? p->nchains : 0, wide);
	plan_free(p);
	rules_free(&rs);
	diag_list_free(&dl);
}

/*
 * uid keys: host byte order in exact sets (as meta skuid loads them),
 * big-endian in interval sets (the lookup converts, as nft does).
 */
static void test_owner_keys(void)
{
	static const uint8_t be1001[4] = { 0x00, 0x00, 0x03, 0xe9 };
	static struct rules rs;
	struct diag_list dl = { 0 };
	const struct plan_set *iv, *ex;
	struct plan *p;

	rules_init(&rs);
	c_owner_out(&rs);
	p = compile(&rs, &dl);
	iv = find_set(p, "out_deny_p_uid_iv");
	ex = find_set(p, "out_allow_p_uid_dp");
	CHECK(iv && iv->nelems == 1 && memcmp(iv->elems[0].key + 4, be1001, 4) == 0 &&
	      memcmp(iv->elems[0].key_end + 4, be1001, 4) == 0,
	      "uid 1001 big-endian in the interval set");
	CHECK(ex && ex->nelems == 2 && memcmp(ex->elems[1].key + 4, &(uint32_t){ 1000 }, 4) == 0,
	      "uid 1000 in host order in the exact set");
	plan_free(p);
	rules_free(&rs);
	diag_list_free(&dl);
}

/* a socket more for an owner rule is an element change, not a resync */
static void test_owner_delta(void)
{
	static struct rules rs;
	struct diag_list dl = { 0 };
	struct plan *a, *b, *c;
	struct plan_delta d;

	rules_init(&rs);
	app(mk(&rs, 1, RULE_ALLOW, RULE_IN), "/usr/sbin/sshd");
	l4(mk(&rs, 2, RULE_ALLOW, RULE_IN), IPPROTO_TCP, 80, 80);
	user(mk(&rs, 3, RULE_DENY, RULE_OUT), "bob", 1000);
	sock(&rs, 1, IPPROTO_TCP, AF_INET, NULL, 22);
	a = compile(&rs, &dl);
	sock(&rs, 1, IPPROTO_TCP, AF_INET6, NULL, 2222);
	b = compile(&rs, &dl);
	CHECK(one_add(a, b, 1, 1, "in_allow_p_nf_dp"), "one more socket: one element added");
	sock(&rs, 1, IPPROTO_UDP, 0, NULL, 5353);
	c = compile(&rs, &dl);
	CHECK(one_add(b, c, 2, 1, "in_allow_p_nf_dp"), "a dual-stack socket: two elements");
	CHECK(plan_delta(c, a, &d) == 0 && d.ndel == 2 + 1 && d.nadd == 0,
	      "sockets gone: elements deleted (%zu)", d.ndel);
	plan_delta_free(&d);
	plan_free(b);

	user(mk(&rs, 4, RULE_DENY, RULE_OUT), "eve", 1001);
	b = compile(&rs, &dl);
	CHECK(one_add(c, b, 1, 4, "out_deny_p_uid_iv"), "one more out user rule: one element");
	plan_free(b);
	plan_free(c);

	/* a first socket bound to one address needs a set of a new shape */
	sock(&rs, 1, IPPROTO_TCP, AF_INET, "192.0.2.1", 443);
	b = compile(&rs, &dl);
	CHECK(plan_delta(a, b, &d) == -1 && find_set(b, "in_allow_p_d4_dp"),
	      "a new shape needs a resync");
	plan_free(b);
	/* the program stops: its set goes away */
	rs.nb = 0;
	b = compile(&rs, &dl);
	CHECK(plan_delta(a, b, &d) == -1 && !find_set(b, "in_allow_p_nf_dp"),
	      "no socket left: the set goes");
	plan_free(b);
	plan_free(a);
	rules_free(&rs);
	diag_list_free(&dl);
}

int main(void)
{
	test_key_len();
	for (size_t i = 0; i < sizeof(golden_cases) / sizeof(golden_cases[0]); i++)
		run_golden(&golden_cases[i]);
	test_refusals();
	test_bad_bindings();
	test_structure();
	test_scale();
	test_layers_random();
	test_delta();
	test_delta_big();
	test_owner_closed();
	test_owner_unsorted();
	test_owner_scale();
	test_owner_delta();
	test_owner_keys();
	test_owner_random();
	TEST_DONE();
}
