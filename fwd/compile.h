/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_COMPILE_H
#define FWD_COMPILE_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "rule.h"
#include "strbuf.h"

/*
 * The compiler: a pure function from policy + rules to a plan, the complete
 * description of fwd's nftables table (base chains, always-on base rules,
 * named sets with their elements, chain rules). No kernel access here, so it
 * is unit-tested without root against golden dumps. Layout of the plan is
 * described in plan.h; nft.c turns it into one netlink batch.
 */
struct plan;

/*
 * One listening socket an owner rule (`in` with app, user or group) applies
 * to, as found by the daemon's listener tracking (listeners.c + procmap.c).
 * The compiler turns bindings into ordinary set elements, intersected with
 * the rule's own proto/port/from/to/iface; an owner rule without bindings
 * matches nothing (closed).
 *
 * A rule with `unit` gets one binding per cgroup of the unit (units.c):
 * cgroup_level and cgroup_id set, proto, family, addr and port zero. The
 * kernel then matches the socket itself (socket cgroupv2), so nothing but
 * the unit's cgroup id has to be tracked.
 */
struct owner_binding {
	uint64_t rule_id;
	uint8_t proto;                  /* IPPROTO_TCP or IPPROTO_UDP */
	int family;                     /* AF_INET, AF_INET6, 0 = both (dual-stack ::) */
	bool has_addr;                  /* bound to one local address */
	uint8_t addr[16];               /* that address (4 bytes for AF_INET) */
	uint16_t port;                  /* host order */
	uint8_t cgroup_level;           /* unit: 1..PLAN_CGROUP_LEVELS; 0 = a socket */
	uint64_t cgroup_id;             /* unit: the cgroup directory's inode */
};

/* the deepest unit cgroup fwd matches (system.slice/x.service is level 2) */
#define PLAN_CGROUP_LEVELS 4

struct compile_input {
	const char *table;              /* "fwd_filter" (family inet) */
	enum rule_policy policy_in;     /* DROP or REJECT */
	enum rule_policy policy_out;
	const struct rule *const *rules;  /* with ids and expires set */
	size_t nrules;
	bool panic;                     /* block everything but loopback */
	int64_t now;                    /* unix seconds, for element timeouts */
	uint16_t log_group;             /* nflog group for logged drops/matches */
	const struct owner_binding *bindings;   /* sorted by rule_id, then key */
	size_t nbindings;
};

/*
 * Returns the plan, or NULL with one diag per rule the kernel cannot
 * enforce exactly (e.g. `app` on an `out` rule).
 */
struct plan *plan_compile(const struct compile_input *in, struct diag_list *errs);
void plan_free(struct plan *p);

/* the whole table in `nft -f` syntax: golden tests and bench/apply use it */
void plan_dump(const struct plan *p, struct strbuf *out);

/* number of kernel objects (sets, elements, chain rules), for status/bench */
void plan_stats(const struct plan *p, size_t *nsets, size_t *nelems, size_t *nrules);

#endif
