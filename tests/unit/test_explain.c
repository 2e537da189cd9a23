/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The policy evaluator: a table of packets against rule sets, each with
 * the verdict and deciding rule worked out by hand from the chain order of
 * the golden dumps (base rules, deny, reject, echo, allow, limit, policy).
 * Rules get ids 1, 2, ... in the order they are written.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "compile.h"
#include "explain.h"
#include "grammar.h"
#include "testlib.h"

#define NOW 1700000000

static const char set1[] =
	"policy in drop\n"
	"allow in proto tcp port 22\n"                          /* 1 */
	"deny in proto tcp port 22 from 203.0.113.0/24\n"       /* 2 */
	"reject in proto tcp port 113\n"                        /* 3 */
	"limit 10/minute in proto tcp port 80\n"                /* 4 */
	"allow in port 53 from 10.0.0.0/8\n"                    /* 5 */
	"deny in from 198.51.100.7\n"                           /* 6 */
	"deny out proto tcp port 25\n"                          /* 7 */
	"deny out proto tcp port 587 user root\n"               /* 8 */
	"allow in proto tcp port 8080 iface eth0\n"             /* 9 */
	"reject in proto tcp port 22 from 203.0.113.0/25\n";    /* 10 */

static const char set2[] =
	"policy in reject\n"
	"policy out drop\n"
	"allow out proto udp port 53\n"                         /* 1 */
	"allow in proto tcp port 8000-8100\n"                   /* 2 */
	"deny in proto tcp port 8050\n";                        /* 3 */

/* owner rules: bindings below */
static const char set3[] =
	"allow in app /usr/sbin/sshd\n"                         /* 1: tcp :: 22 */
	"allow in user root proto udp\n"                        /* 2: udp 0.0.0.0 5353 */
	"deny in app /usr/bin/evil\n";                          /* 3: tcp 10.0.0.1 7000 */

/* unit rules: the kernel matches the socket's cgroup, a query names none */
static const char set4[] =
	"allow in unit web.service proto tcp port 80\n"        /* 1: running */
	"allow in unit stopped.service\n"                      /* 2: not running */
	"deny in unit bad.service\n"                           /* 3: running */
	"allow in proto tcp port 22\n";                        /* 4 */

enum { ACC = EXPLAIN_ACCEPT, DRP = EXPLAIN_DROP, REJ = EXPLAIN_REJECT };

struct tcase {
	const char *set;
	enum rule_dir dir;
	uint8_t proto;
	uint16_t port;
	const char *peer;       /* NULL: unknown */
	const char *iface;
	bool established;
	bool panic;
	int verdict;
	uint64_t rule;          /* 0: none */
	bool by_policy;
	const char *why;        /* a part the why must contain, NULL: any */
};

#define TCP IPPROTO_TCP
#define UDP IPPROTO_UDP
#define ICMP IPPROTO_ICMP

static const struct tcase cases[] = {
	{ set1, RULE_IN, TCP, 22, "192.0.2.7", NULL, false, false, ACC, 1, false,
	  "by rule 1 (allow in proto tcp port 22)" },
	{ set1, RULE_IN, TCP, 22, "203.0.113.9", NULL, false, false, DRP, 2, false,
	  "rule 1 (allow in proto tcp port 22) also matches, but block rules win" },
	{ set1, RULE_IN, TCP, 22, "203.0.113.9", NULL, false, false, DRP, 2, false,
	  "rule 10 (reject in proto tcp port 22 from 203.0.113.0/25) also matches" },
	{ set1, RULE_IN, TCP, 22, "203.0.113.200", NULL, false, false, DRP, 2, false, NULL },
	{ set1, RULE_IN, TCP, 113, "192.0.2.7", NULL, false, false, REJ, 3, false, NULL },
	{ set1, RULE_IN, TCP, 80, NULL, NULL, false, false, ACC, 4, false,
	  "accepted up to 10/minute" },
	{ set1, RULE_IN, UDP, 53, "10.1.2.3", NULL, false, false, ACC, 5, false, NULL },
	{ set1, RULE_IN, UDP, 53, "192.0.2.1", NULL, false, false, DRP, 0, true,
	  "by policy in drop: no rule allows it" },
	{ set1, RULE_IN, UDP, 53, NULL, NULL, false, false, DRP, 0, true,
	  "would accept it from 10.0.0.0/8" },
	{ set1, RULE_IN, TCP, 22, "198.51.100.7", NULL, false, false, DRP, 6, false, NULL },
	{ set1, RULE_IN, ICMP, 0, "198.51.100.7", NULL, false, false, DRP, 6, false, NULL },
	{ set1, RULE_IN, ICMP, 0, "192.0.2.1", NULL, false, false, ACC, 0, false, "ping" },
	{ set1, RULE_OUT, TCP, 25, "192.0.2.1", NULL, false, false, DRP, 7, false, NULL },
	{ set1, RULE_OUT, TCP, 443, NULL, NULL, false, false, ACC, 0, true,
	  "by policy out accept: no rule blocks it" },
	{ set1, RULE_OUT, TCP, 587, NULL, NULL, false, false, ACC, 0, true,
	  "depends on the sending user: rule 8 blocks user root" },
	{ set1, RULE_IN, TCP, 8080, NULL, NULL, false, false, DRP, 0, true,
	  "on interface eth0" },
	{ set1, RULE_IN, TCP, 8080, NULL, "eth0", false, false, ACC, 9, false, NULL },
	{ set1, RULE_IN, TCP, 8080, NULL, "eth1", false, false, DRP, 0, true, NULL },
	{ set1, RULE_IN, TCP, 5000, "192.0.2.7", NULL, true, false, ACC, 0, false,
	  "established" },
	{ set1, RULE_IN, TCP, 9999, "127.0.0.1", NULL, false, false, ACC, 0, false, "loopback" },
	{ set1, RULE_IN, UDP, 68, "192.0.2.1", NULL, false, false, ACC, 0, false, "DHCPv4" },
	{ set1, RULE_IN, TCP, 22, "2001:db8::1", NULL, false, false, ACC, 1, false, NULL },
	{ set1, RULE_IN, TCP, 22, "192.0.2.7", NULL, false, true, DRP, 0, false, "panic" },
	{ set1, RULE_IN, TCP, 22, NULL, "lo", false, true, ACC, 0, false, "loopback" },
	{ set1, RULE_OUT, TCP, 443, NULL, NULL, true, true, DRP, 0, false, "panic" },
	{ set2, RULE_IN, TCP, 8010, "192.0.2.7", NULL, false, false, ACC, 2, false, NULL },
	{ set2, RULE_IN, TCP, 8050, "192.0.2.7", NULL, false, false, DRP, 3, false, NULL },
	{ set2, RULE_IN, TCP, 8200, "192.0.2.7", NULL, false, false, REJ, 0, true,
	  "policy in reject" },
	{ set2, RULE_OUT, UDP, 53, "9.9.9.9", NULL, false, false, ACC, 1, false, NULL },
	{ set2, RULE_OUT, TCP, 80, "9.9.9.9", NULL, false, false, DRP, 0, true,
	  "policy out drop" },
	{ set2, RULE_OUT, UDP, 67, NULL, NULL, false, false, ACC, 0, false, "DHCPv4" },
	{ set3, RULE_IN, TCP, 22, "192.0.2.7", NULL, false, false, ACC, 1, false, NULL },
	{ set3, RULE_IN, TCP, 22, "2001:db8::7", NULL, false, false, ACC, 1, false, NULL },
	{ set3, RULE_IN, TCP, 23, "192.0.2.7", NULL, false, false, DRP, 0, true, NULL },
	{ set3, RULE_IN, UDP, 5353, "192.0.2.7", NULL, false, false, ACC, 2, false, NULL },
	{ set3, RULE_IN, UDP, 5353, "2001:db8::7", NULL, false, false, DRP, 0, true, NULL },
	{ set3, RULE_IN, TCP, 7000, "192.0.2.7", NULL, false, false, DRP, 3, false, NULL },
	{ set4, RULE_IN, TCP, 80, "192.0.2.7", NULL, false, false, DRP, 0, true,
	  "depends on the socket's unit: rule 1 accepts sockets of unit web.service" },
	{ set4, RULE_IN, UDP, 81, "192.0.2.7", NULL, false, false, DRP, 0, true, NULL },
	{ set4, RULE_IN, TCP, 22, "192.0.2.7", NULL, false, false, ACC, 4, false,
	  "depends on the socket's unit: rule 3 blocks sockets of unit bad.service" },
};

/* only the stopped unit's rule must never be offered as a possibility */
static const char *const set4_never = "stopped.service";

static const struct owner_binding set3_bind[] = {
	{ .rule_id = 1, .proto = IPPROTO_TCP, .family = 0, .port = 22 },
	{ .rule_id = 2, .proto = IPPROTO_UDP, .family = AF_INET, .port = 5353 },
	{ .rule_id = 3, .proto = IPPROTO_TCP, .family = AF_INET, .has_addr = true,
	  .addr = { 10, 0, 0, 1 }, .port = 7000 },
};

static const struct owner_binding set4_bind[] = {
	{ .rule_id = 1, .cgroup_level = 2, .cgroup_id = 4242 },
	{ .rule_id = 3, .cgroup_level = 2, .cgroup_id = 77 },
};

struct world {
	struct ruleset rs;
	struct compile_input in;
};

static void world_load(struct world *w, const char *text, bool panic)
{
	struct diag_list dl = { 0 };
	struct parser *p = parser_new("test", NULL, 0);

	ruleset_init(&w->rs);
	parser_feed(p, text, strlen(text));
	if (parser_finish(p, &w->rs, &dl) < 0) {
		fprintf(stderr, "bad rule set in the test: %s\n", dl.n ? dl.v[0].msg : "?");
		exit(2);
	}
	diag_list_free(&dl);
	for (size_t i = 0; i < w->rs.nrules; i++)
		w->rs.rules[i]->id = i + 1;
	memset(&w->in, 0, sizeof(w->in));
	w->in.policy_in = w->rs.policy_in;
	w->in.policy_out = w->rs.policy_out;
	w->in.rules = (const struct rule *const *)w->rs.rules;
	w->in.nrules = w->rs.nrules;
	w->in.panic = panic;
	w->in.now = NOW;
	if (text == set3) {
		w->in.bindings = set3_bind;
		w->in.nbindings = sizeof(set3_bind) / sizeof(set3_bind[0]);
	}
	if (text == set4) {
		w->in.bindings = set4_bind;
		w->in.nbindings = sizeof(set4_bind) / sizeof(set4_bind[0]);
	}
}

static void addr_of(const char *s, struct explain_query *q)
{
	q->family = strchr(s, ':') ? AF_INET6 : AF_INET;
	q->has_peer = inet_pton(q->family, s, q->peer) == 1;
	if (!q->has_peer)
		abort();
}

static void run_case(size_t i, const struct tcase *c)
{
	struct explain_query q = { .dir = c->dir, .proto = c->proto, .port = c->port,
				   .iface = c->iface, .new_connection = !c->established };
	struct explain_result res;
	struct world w;
	char ctx[96];
	int rc;

	world_load(&w, c->set, c->panic);
	if (c->peer)
		addr_of(c->peer, &q);
	rc = explain_packet(&w.in, &q, &res);
	snprintf(ctx, sizeof(ctx), "case %zu (%s %u %s)", i, c->dir == RULE_IN ? "in" : "out",
		 c->port, c->peer ? c->peer : "-");
	CHECK(rc == 0, "%s: rc %d, %s", ctx, rc, res.why);
	CHECK((int)res.verdict == c->verdict, "%s: verdict %s, want %s; why: %s", ctx,
	      explain_verdict_name(res.verdict),
	      explain_verdict_name((enum explain_verdict)c->verdict), res.why);
	CHECK((res.rule ? res.rule->id : 0) == c->rule, "%s: rule %llu, want %llu; why: %s",
	      ctx, res.rule ? (unsigned long long)res.rule->id : 0ULL,
	      (unsigned long long)c->rule, res.why);
	CHECK(res.by_policy == c->by_policy, "%s: by_policy %d; why: %s", ctx,
	      res.by_policy, res.why);
	if (c->why)
		CHECK(strstr(res.why, c->why) != NULL, "%s: why lacks \"%s\": %s", ctx,
		      c->why, res.why);
	if (c->set == set4)
		CHECK(strstr(res.why, set4_never) == NULL, "%s: a unit that is not running "
		      "matches nothing: %s", ctx, res.why);
	ruleset_clear(&w.rs);
}

static void test_bad_queries(void)
{
	struct explain_query icmp_port = { .dir = RULE_IN, .proto = IPPROTO_ICMP, .port = 7,
					   .new_connection = true };
	struct explain_query proto = { .dir = RULE_IN, .proto = 47, .new_connection = true };
	struct explain_query fam = { .dir = RULE_IN, .proto = IPPROTO_ICMPV6,
				     .new_connection = true };
	struct explain_result res;
	struct world w;

	world_load(&w, set1, false);
	addr_of("192.0.2.1", &fam);
	CHECK(explain_packet(&w.in, &icmp_port, &res) < 0 && strstr(res.why, "ports apply"),
	      "icmp with a port: %s", res.why);
	CHECK(explain_packet(&w.in, &proto, &res) < 0 && res.why[0], "proto 47: %s", res.why);
	CHECK(explain_packet(&w.in, &fam, &res) < 0 && res.why[0], "icmpv6 from IPv4: %s",
	      res.why);
	ruleset_clear(&w.rs);
}

/* no rules at all (the compile input's rules may then be NULL) */
static void test_empty(void)
{
	struct compile_input in = { .policy_in = POLICY_REJECT, .policy_out = POLICY_ACCEPT,
				    .now = NOW };
	struct explain_query q = { .dir = RULE_IN, .proto = IPPROTO_UDP, .port = 53,
				   .new_connection = true };
	struct explain_listener l = { .proto = IPPROTO_TCP, .port = 22, .v4 = true,
				      .v6 = true };
	struct explain_reach reach;
	struct explain_result res;

	CHECK(explain_packet(&in, &q, &res) == 0 && res.verdict == EXPLAIN_REJECT &&
	      res.by_policy, "empty: %s", res.why);
	q.dir = RULE_OUT;
	CHECK(explain_packet(&in, &q, &res) == 0 && res.verdict == EXPLAIN_ACCEPT &&
	      res.by_policy, "empty out: %s", res.why);
	explain_exposure(&in, &l, &reach);
	CHECK(!reach.reachable && !reach.rule, "empty exposure: %s", reach.why);
}

/* a temporary rule past its end matches nothing, as in the compiler */
static void test_expired(void)
{
	struct explain_query q = { .dir = RULE_IN, .proto = IPPROTO_TCP, .port = 22,
				   .new_connection = true };
	struct explain_result res;
	struct world w;

	world_load(&w, set1, false);
	w.rs.rules[0]->expires = NOW;
	explain_packet(&w.in, &q, &res);
	CHECK(res.verdict == EXPLAIN_DROP && res.by_policy, "expired allow: %s", res.why);
	w.rs.rules[0]->expires = NOW + 1;
	explain_packet(&w.in, &q, &res);
	CHECK(res.verdict == EXPLAIN_ACCEPT && res.rule && res.rule->id == 1,
	      "allow one second before its end: %s", res.why);
	ruleset_clear(&w.rs);
}

struct ecase {
	const char *set;
	uint8_t proto;
	uint16_t port;
	bool v4, v6;
	const char *addr;       /* bound address, NULL any */
	bool panic;
	bool reachable;
	uint64_t rule;
	const char *from;
};

static const struct ecase ecases[] = {
	{ set1, TCP, 22, true, true, NULL, false, true, 1, "anywhere" },
	{ set1, TCP, 113, true, true, NULL, false, false, 0, "" },
	{ set1, TCP, 5000, true, true, NULL, false, false, 0, "" },
	{ set1, UDP, 53, true, true, NULL, false, true, 5, "10.0.0.0/8" },
	{ set1, UDP, 53, false, true, NULL, false, false, 0, "" },
	{ set1, TCP, 8080, true, false, NULL, false, true, 9, "anywhere" },
	{ set1, TCP, 80, true, true, NULL, false, true, 4, "anywhere" },
	{ set1, TCP, 22, true, true, NULL, true, false, 0, "" },
	{ "allow in proto tcp port 22 from 10.0.0.0/8\ndeny in from 10.0.0.0/8\n",
	  TCP, 22, true, true, NULL, false, false, 0, "" },
	{ "allow in proto tcp port 22 from 10.0.0.0/8\ndeny in from 10.0.0.0/9\n",
	  TCP, 22, true, true, NULL, false, true, 1, "10.0.0.0/8" },
	{ "allow in proto tcp port 22\ndeny in from 0.0.0.0/1\ndeny in from 128.0.0.0/1\n",
	  TCP, 22, true, false, NULL, false, false, 0, "" },
	{ "allow in proto tcp port 22\ndeny in from 0.0.0.0/1\ndeny in from 128.0.0.0/1\n",
	  TCP, 22, true, true, NULL, false, true, 1, "anywhere" },
	{ "allow in proto tcp port 22 to 10.0.0.1\n", TCP, 22, true, false, "10.0.0.2",
	  false, false, 0, "" },
	{ "allow in proto tcp port 22 to 10.0.0.1\n", TCP, 22, true, false, "10.0.0.1",
	  false, true, 1, "anywhere" },
	{ set3, TCP, 7000, true, false, "10.0.0.1", false, false, 0, "" },
	{ set3, TCP, 22, true, true, NULL, false, true, 1, "anywhere" },
};

static void run_ecase(size_t i, const struct ecase *c)
{
	struct explain_listener l = { .proto = c->proto, .port = c->port, .v4 = c->v4,
				      .v6 = c->v6 };
	struct explain_reach r;
	struct world w;

	world_load(&w, c->set, c->panic);
	if (c->addr) {
		l.has_addr = true;
		l.family = AF_INET;
		inet_pton(AF_INET, c->addr, l.addr);
	}
	explain_exposure(&w.in, &l, &r);
	CHECK(r.reachable == c->reachable, "exposure %zu: reachable %d; why: %s", i,
	      r.reachable, r.why);
	CHECK((r.rule ? r.rule->id : 0) == c->rule, "exposure %zu: rule %llu; why: %s", i,
	      r.rule ? (unsigned long long)r.rule->id : 0ULL, r.why);
	CHECK_STR(r.from, c->from, "exposure from");
	CHECK(r.why[0] != '\0', "exposure %zu: a why", i);
	ruleset_clear(&w.rs);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(i, &cases[i]);
	for (size_t i = 0; i < sizeof(ecases) / sizeof(ecases[0]); i++)
		run_ecase(i, &ecases[i]);
	test_bad_queries();
	test_empty();
	test_expired();
	TEST_DONE();
}
