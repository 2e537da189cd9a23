/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_NFT_H
#define FWD_NFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct plan;

/*
 * The only module that talks netlink to nf_tables. It owns one mnl socket,
 * which owns fwd's table (NFT_TABLE_F_OWNER | NFT_TABLE_F_PERSIST): every
 * change goes through it, and every change is one atomic batch.
 */
struct nft;

struct nft_error {
	int err;                /* errno from the kernel or the socket */
	uint64_t rule_id;       /* the fwd rule whose message was refused, 0 */
	char msg[256];          /* for the user: names the rule when known */
};

/* opens the netlink socket (raising its send buffer); NULL + err */
struct nft *nft_open(const char *table, char *err, size_t errlen);
/* closes the socket; the table stays in the kernel (persist flag) */
void nft_close(struct nft *n);

/* 1 if fwd's table exists in this network namespace, 0 if not, -1 error */
int nft_table_exists(struct nft *n);

/*
 * Makes the kernel hold `next`, in one batch. When `prev` is the plan the
 * kernel holds now (what the last successful nft_apply installed) and the
 * two differ only in set elements, the batch carries only the element
 * adds/deletes; otherwise (prev NULL, or structure changed) it creates or
 * adopts the table and skeleton, flushes chains and sets in place and
 * refills them -- never deleting the table, so no packet slips through.
 * Returns 0, or -1 with e filled; on -1 the kernel is unchanged.
 */
int nft_apply(struct nft *n, const struct plan *prev, const struct plan *next,
	      struct nft_error *e);

/*
 * After an nft_apply with prev == NULL (start-up, or the kernel out of
 * step): "" when the kernel held what fwd expected or nothing was there to
 * compare, else how the table differed ("missing", "chain input had 3
 * rules more than fwd's", ...). The resync has repaired it either way.
 */
const char *nft_last_found(const struct nft *n);

/* removes fwd's table (only `fwctl disable` does this) */
int nft_delete_table(struct nft *n, struct nft_error *e);

/*
 * Reads counters back: cb once per fwd rule id with summed packets/bytes
 * over that rule's set elements and chain rules, and once per tagged base
 * rule (rule_id 0, tag "drop-in", "drop-out", "reject-in", ...).
 */
typedef void (*nft_counter_cb)(void *arg, uint64_t rule_id, const char *tag,
			       uint64_t packets, uint64_t bytes);
int nft_read_counters(struct nft *n, nft_counter_cb cb, void *arg);
/* only the tagged base rules (rule_id 0): cheap, for status */
int nft_read_tag_counters(struct nft *n, nft_counter_cb cb, void *arg);

#endif
