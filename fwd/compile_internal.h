/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the compiler's files share: its state, the values of the elements
 * a rule gives (compile_srcs.c), which compile.c turns into set keys and
 * groups, and the groups, which compile_emit.c turns into sets and chain
 * rules.
 */
#ifndef FWD_COMPILE_INTERNAL_H
#define FWD_COMPILE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compile.h"
#include "plan.h"

/* owner matches of the chain rule, for keys too long for nft (key_fit) */
#define XUID 1u
#define XGID 2u

/*
 * A group collects the elements that may share sets: same direction,
 * class, log flag, shape and exact/interval kind. A limit rule has groups
 * of its own (each needs its own rate state), and a rule without any match
 * is a plain chain rule, no set.
 */
struct group {
	unsigned code;          /* chain order: see group_code() */
	size_t seq;             /* creation order, breaks ties of code */
	enum rule_dir dir;
	enum plan_class cls;
	bool log, interval, plain;
	unsigned shape;
	const struct rule *own; /* limit and plain groups: the rule */
	unsigned xm;            /* XUID, XGID: matched in the chain rule */
	uint32_t uid, gid;      /* their values */
	const char *suffix;     /* limit sets split by family: "_v4", "_v6" */
	struct group *lead;     /* limit groups: the first group of the rule */
	size_t nsplit;          /* lead: number of groups of the rule */
	size_t chain;           /* lead: the rule's limit chain, 0 = none yet */
	struct plan_elem *v;    /* in rule id order */
	size_t n, cap;
};

/* one expanded l4 entry; proto -1 = any protocol, lo == hi == 0 = any port */
struct l4ent {
	int proto;
	uint16_t lo, hi;
};

/* the values of one element: an l4 entry of a rule, or one bound socket */
struct src {
	struct l4ent l4;
	int nfproto;            /* bindings: NFPROTO_IPV4/6; rules: 0 */
	bool has_daddr;
	struct addr_prefix daddr;       /* the rule's `to`, or the bound address */
	uint8_t cg_level;               /* unit rules: the unit's cgroup, else 0 */
	uint64_t cg_id;
};

struct compiler {
	const struct compile_input *in;
	struct plan *p;
	const struct owner_binding *bind;       /* sorted by rule id */
	struct owner_binding *bind_copy;        /* when the input's were not */
	struct group **htab;    /* shared groups by code, open addressing */
	size_t hcap, hn;
	struct group **groups;
	size_t ngroups, gcap;
	struct l4ent *l4;       /* scratch: one rule's l4 entries */
	struct src *src;        /* scratch: one rule's elements */
	size_t nsrc, srccap;
};

/* the elements of rule r into c->src (c->nsrc is reset by the caller) */
void compile_srcs_rule(struct compiler *c, const struct rule *r);
void compile_srcs_owner(struct compiler *c, const struct rule *r);
void compile_srcs_unit(struct compiler *c, const struct rule *r);
/* sorts c->src and drops the duplicates */
void compile_srcs_unique(struct compiler *c);

/* the groups of c (sorted into chain order) into c->p: sets and chain rules */
void compile_emit(struct compiler *c);

#endif
