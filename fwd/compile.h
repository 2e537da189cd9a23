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

struct compile_input {
	const char *table;              /* "fwd_filter" (family inet) */
	enum rule_policy policy_in;     /* DROP or REJECT */
	enum rule_policy policy_out;
	const struct rule *const *rules;  /* with ids and expires set */
	size_t nrules;
	bool panic;                     /* block everything but loopback */
	int64_t now;                    /* unix seconds, for element timeouts */
	uint16_t log_group;             /* nflog group for logged drops/matches */
};

/*
 * Returns the plan, or NULL with one diag per rule the kernel cannot
 * enforce (for now: app/user/group rules -> "not supported yet").
 */
struct plan *plan_compile(const struct compile_input *in, struct diag_list *errs);
void plan_free(struct plan *p);

/* the whole table in `nft -f` syntax: golden tests and bench/apply use it */
void plan_dump(const struct plan *p, struct strbuf *out);

/* number of kernel objects (sets, elements, chain rules), for status/bench */
void plan_stats(const struct plan *p, size_t *nsets, size_t *nelems, size_t *nrules);

#endif
