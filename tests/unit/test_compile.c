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

static void rules_init(struct rules *rs)
{
	rs->n = 0;
	rs->in = POLICY_DROP;
	rs->out = POLICY_ACCEPT;
	rs->panic = false;
}

static void rules_free(struct rules *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		rule_free(rs->v[i]);
	rs->n = 0;
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
};

static char *read_all(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sb_add(&sb, buf, n);
	fclose(f);
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

static const char app_msg[] = "'app' rules are not supported yet: "
	"per-application enforcement arrives with listener tracking";

static void test_refusals(void)
{
	static struct rules rs;
	struct diag_list dl = { 0 };
	struct rule *r;
	struct plan *p;

	rules_init(&rs);
	l4(mk(&rs, 1, RULE_ALLOW, RULE_IN), IPPROTO_TCP, 22, 22);
	r = mk(&rs, 7, RULE_ALLOW, RULE_IN);
	r->app = xstrdup("/usr/sbin/sshd");
	p = compile(&rs, &dl);
	CHECK(p == NULL, "an app rule must be refused");
	CHECK(dl.n == 1, "one diag for one app rule, got %zu", dl.n);
	if (dl.n == 1) {
		CHECK_STR(dl.v[0].file, "rule 7", "diag place of the app rule");
		CHECK_STR(dl.v[0].msg, app_msg, "diag text of the app rule");
	}
	plan_free(p);
	diag_list_free(&dl);

	r = mk(&rs, 8, RULE_ALLOW, RULE_IN);
	r->has_user = true;
	r->user = xstrdup("alice");
	r->has_group = true;
	r->group = xstrdup("staff");
	p = compile(&rs, &dl);
	CHECK(p == NULL && dl.n == 3, "app + user + group: 3 diags, got %zu", dl.n);
	if (dl.n == 3) {
		CHECK_STR(dl.v[1].file, "rule 8", "user diag place");
		CHECK(strncmp(dl.v[1].msg, "'user' rules are not supported yet", 34) == 0,
		      "user diag: %s", dl.v[1].msg);
		CHECK(strncmp(dl.v[2].msg, "'group' rules are not supported yet", 35) == 0,
		      "group diag: %s", dl.v[2].msg);
	}
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
	r = mk(&rs, 0, RULE_ALLOW, RULE_IN);
	r->protos = RULE_PROTO_TCP;
	r->ports = xmalloc(sizeof(*r->ports));
	r->ports[0] = (struct port_range){ 22, 22 };
	r->nports = 1;
	l4(r, IPPROTO_TCP, 22, 22);
	r->app = xstrdup("/usr/sbin/sshd");
	p = compile(&rs, &dl);
	CHECK(p == NULL && dl.n == 1, "unstored app rule refused");
	if (dl.n == 1)
		CHECK_STR(dl.v[0].file, "allow in proto tcp port 22 app /usr/sbin/sshd",
			  "an unstored rule is named by its text");
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

#if defined(__SANITIZE_ADDRESS__)
#define TIME_FACTOR 20
#else
#define TIME_FACTOR 1
#endif

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
	CHECK(ms < 50.0 * TIME_FACTOR, "10000 rules must compile well under 50 ms: %.1f ms", ms);
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
	CHECK(ms < 50.0 * TIME_FACTOR, "compile + delta of 10001 rules: %.1f ms", ms);
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

int main(void)
{
	test_key_len();
	for (size_t i = 0; i < sizeof(golden_cases) / sizeof(golden_cases[0]); i++)
		run_golden(&golden_cases[i]);
	test_refusals();
	test_structure();
	test_scale();
	test_layers_random();
	test_delta();
	test_delta_big();
	TEST_DONE();
}
