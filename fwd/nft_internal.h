/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_NFT_INTERNAL_H
#define FWD_NFT_INTERNAL_H

#include <netinet/in.h>         /* before the uapi headers */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>

#include "nft.h"
#include "plan.h"

/* newer than Debian 12's 6.1 uapi headers (KERNEL.md) */
#ifndef NFT_TABLE_F_PERSIST
#define NFT_TABLE_F_PERSIST     0x4
#endif
#ifndef NFT_MSG_DESTROYSETELEM
#define NFT_MSG_DESTROYSETELEM  30      /* kernel >= 6.3: no ENOENT */
#endif

#define NFT_FWD_TABLE_FLAGS     (NFT_TABLE_F_OWNER | NFT_TABLE_F_PERSIST)

/*
 * A full resync flushes the chains, and with them the counters of chain
 * rules (the tagged base rules like "drop-in", and rules compiled into
 * chain rules). Their values are read just before such a batch and kept
 * here as running totals that every later read adds back, so counters
 * survive structure changes (and a restart of fwd, whose first batch is a
 * resync of the table the old fwd left). Set elements are patched in
 * place, not flushed: their counters survive by themselves.
 */
struct nft_carry {
	uint64_t rule_id;       /* 0: a tagged base rule */
	char tag[32];
	uint64_t packets, bytes;
};

struct nft {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	char *table;
	int sndbuf;             /* what the kernel granted, bytes */
	struct nft_carry *carry;
	size_t ncarry;
	char found[256];        /* how the last unknown-state resync found the table */
};

/*
 * Every message of a batch is remembered (index = seq - first seq), so an
 * NLMSG_ERROR can be traced back to what fwd asked for: a chain rule, a
 * set, or -- through the extended ack's attribute offset -- one element.
 */
enum nft_ref_kind { REF_OTHER, REF_SET, REF_ELEMS, REF_RULE };

struct nft_msgref {
	enum nft_ref_kind kind;
	const char *what;               /* REF_OTHER: "table", "chain input" */
	const struct plan *plan;        /* REF_RULE */
	const struct plan_set *set;     /* REF_SET, REF_ELEMS */
	const struct plan_rule *rule;   /* REF_RULE */
	size_t first, n;                /* REF_ELEMS: slice of batch->elems */
};

struct nft_elemref {
	uint32_t off;                   /* of the element's nest in the message */
	const struct plan_elem *e;
};

struct nft_batch {
	struct nftnl_batch *b;
	const char *table;
	uint32_t seq0, seq;             /* BATCH_BEGIN's, the next one */
	struct nft_msgref *msgs;
	size_t nmsgs, mcap;
	struct nft_elemref *elems;
	size_t nelems, ecap;
	uint32_t set_id;                /* ids of sets created in this batch */
};

/* ---- nft_build.c: plan -> batch messages ---- */

void nftb_init(struct nft_batch *bt, const char *table, uint32_t seq0);
void nftb_free(struct nft_batch *bt);
void nftb_begin(struct nft_batch *bt);
void nftb_end(struct nft_batch *bt);    /* asks for an ack of the end */
void nftb_table(struct nft_batch *bt, uint32_t flags);
void nftb_del_table(struct nft_batch *bt);
void nftb_chain(struct nft_batch *bt, const struct plan *p, size_t c);
void nftb_flush_chain(struct nft_batch *bt, const char *chain);
void nftb_del_chain(struct nft_batch *bt, const char *chain);
void nftb_set(struct nft_batch *bt, const struct plan *p, uint32_t set);
void nftb_flush_set(struct nft_batch *bt, const char *set);
void nftb_del_set(struct nft_batch *bt, const char *set);
/*
 * NEWSETELEM (timeouts counted from now) or DESTROYSETELEM messages for
 * all elements of s, or for the n elements in v
 */
void nftb_elems(struct nft_batch *bt, const struct plan_set *s, int64_t now,
		const struct plan_elem *const *v, size_t n, int msg_type);
void nftb_rule(struct nft_batch *bt, const struct plan *p, size_t c,
	       const struct plan_rule *r);
/* all chain rules of the plan, in plan_chain_order */
void nftb_rules(struct nft_batch *bt, const struct plan *p);

/* ---- nft_read.c: what the kernel holds ---- */

struct nft_kset {
	char *name;
	uint32_t flags, key_type, key_len;
};

struct nft_kstate {
	bool table;
	struct nft_kset *sets;
	size_t nsets;
	char **chains;
	size_t nchains;
};

int nftr_state(struct nft *n, struct nft_kstate *st);
/* the counters of the chain rules now, before a flush: merge with nftr_carry_add */
int nftr_chain_counters(struct nft *n, struct nft_carry **v, size_t *nv);
/* adds v to the running totals (after the flushing batch went through) */
void nftr_carry_add(struct nft *n, const struct nft_carry *v, size_t nv);
void nftr_state_free(struct nft_kstate *st);
/* rules per chain in names[] (counts[]), and in any other chain (*other) */
int nftr_rule_counts(struct nft *n, const char *const *names, size_t nnames,
		     size_t *counts, size_t *other);
/* the elements the kernel holds in set s->name, into s (sorted) */
int nftr_set_elems(struct nft *n, struct plan_set *s, int64_t now);
/* the set flags/key nft_build sends for this plan set */
uint32_t nftb_set_flags(const struct plan_set *s);
uint32_t nftb_set_key_type(const struct plan_set *s);

/* ---- nft.c: talking ---- */

/* one request (GET dump or single), messages to cb; -1 + errno */
int nft_talk(struct nft *n, struct nlmsghdr *nlh, mnl_cb_t cb, void *arg);
uint32_t nft_next_seq(struct nft *n);

#endif
