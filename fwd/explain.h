/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_EXPLAIN_H
#define FWD_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compile.h"
#include "rule.h"

/*
 * Which rule or policy decides a packet, and why: the semantics of SPEC.md
 * (always-on base rules, then block wins, then allow/limit, then the
 * policy) evaluated in user space over the same inputs the compiler gets.
 * Pure: no kernel, no sockets; `fwctl explain`, `fwctl exposure` and the
 * "this apply would cut your SSH session" warning all use it.
 */
struct explain_query {
	enum rule_dir dir;
	uint8_t proto;                  /* IPPROTO_TCP/UDP/ICMP/ICMPV6 */
	uint16_t port;                  /* destination port, host order; 0 = none */
	int family;                     /* AF_INET/AF_INET6; 0 = unknown (any) */
	bool has_peer;                  /* the remote address is known */
	uint8_t peer[16];               /* in: source (from); out: destination (to) */
	const char *iface;              /* NULL = unknown */
	bool new_connection;            /* true: a new flow, not established */
};

enum explain_verdict { EXPLAIN_ACCEPT, EXPLAIN_DROP, EXPLAIN_REJECT };

struct explain_result {
	enum explain_verdict verdict;
	const struct rule *rule;        /* the deciding rule, NULL = base or policy */
	bool by_policy;                 /* decided by `policy in|out` */
	char why[512];                  /* one or two sentences for the user */
};

/*
 * in: the compile input the daemon would compile now (rules, policies,
 * panic, owner bindings). Returns 0 with out filled, -1 on a query that
 * makes no sense (message in out->why).
 */
int explain_packet(const struct compile_input *in, const struct explain_query *q,
		   struct explain_result *out);

const char *explain_verdict_name(enum explain_verdict v);

/*
 * explain_packet with more known or assumed. local: the local address
 * (family q->family), NULL when unknown. worst: a rule that matches only
 * some of the packets the query stands for (an interface, a local address
 * or a sending user not given) counts as matching when it accepts and as
 * not matching when it blocks -- "can any such packet get in", the
 * question of exposure. explain_packet is this with NULL, false.
 */
int explain_packet_ex(const struct compile_input *in, const struct explain_query *q,
		      const uint8_t *local, bool worst, struct explain_result *out);

/* a listening socket as exposure sees it */
struct explain_listener {
	uint8_t proto;                  /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t port;
	bool v4, v6;                    /* the families it receives */
	int family;                     /* of addr, when has_addr */
	bool has_addr;                  /* bound to one address */
	uint8_t addr[16];
	/* the unit rules whose unit holds the socket: unit rules are exact here */
	const uint64_t *unit_rules;
	size_t nunit_rules;
};

struct explain_reach {
	bool reachable;                 /* a new connection from some remote peer gets in */
	const struct rule *rule;        /* the rule that lets it in, NULL = base/none */
	char from[64];                  /* the peers it admits: "10.0.0.0/8", "anywhere" */
	char why[512];
};

/*
 * Whether some remote peer (not loopback) can open a new connection to l,
 * exact in the peer address: the candidates are the ends of every allowing
 * prefix and the addresses just outside every blocking one.
 */
void explain_exposure(const struct compile_input *in, const struct explain_listener *l,
		      struct explain_reach *out);

#endif
