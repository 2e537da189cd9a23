/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading fwd's table back: what exists (for a resync in place) and the
 * counters (per fwd rule id from element userdata, per tag from chain
 * rule comments). Dumps are filtered by table name here as well, since
 * the kernel does not filter every dump by table.
 */
#include "nft_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>

#include "strbuf.h"

static struct nlmsghdr *dump_hdr(struct nft *n, char *buf, uint16_t type)
{
	return nftnl_nlmsg_build_hdr(buf, type, NFPROTO_INET, NLM_F_DUMP,
				     nft_next_seq(n));
}

static bool ours(const char *table, const struct nft *n)
{
	return table && strcmp(table, n->table) == 0;
}

/* ---- what the table holds ---- */

struct state_ctx {
	struct nft *n;
	struct nft_kstate *st;
	size_t cap;
};

static int set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct state_ctx *c = data;
	struct nftnl_set *s = nftnl_set_alloc();
	struct nft_kset *k;

	if (nftnl_set_nlmsg_parse(nlh, s) == 0 &&
	    ours(nftnl_set_get_str(s, NFTNL_SET_TABLE), c->n) &&
	    !(nftnl_set_get_u32(s, NFTNL_SET_FLAGS) & NFT_SET_ANONYMOUS)) {
		if (c->st->nsets == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 16;
			c->st->sets = xrealloc(c->st->sets, c->cap * sizeof(*c->st->sets));
		}
		k = &c->st->sets[c->st->nsets++];
		k->name = xstrdup(nftnl_set_get_str(s, NFTNL_SET_NAME));
		k->flags = nftnl_set_get_u32(s, NFTNL_SET_FLAGS);
		k->key_type = nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE);
		k->key_len = nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN);
	}
	nftnl_set_free(s);
	return MNL_CB_OK;
}

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct state_ctx *c = data;
	struct nftnl_chain *ch = nftnl_chain_alloc();

	if (nftnl_chain_nlmsg_parse(nlh, ch) == 0 &&
	    ours(nftnl_chain_get_str(ch, NFTNL_CHAIN_TABLE), c->n)) {
		if (c->st->nchains == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 8;
			c->st->chains = xrealloc(c->st->chains, c->cap * sizeof(char *));
		}
		c->st->chains[c->st->nchains++] =
			xstrdup(nftnl_chain_get_str(ch, NFTNL_CHAIN_NAME));
	}
	nftnl_chain_free(ch);
	return MNL_CB_OK;
}

static int dump_sets(struct nft *n, mnl_cb_t cb, void *arg)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh = dump_hdr(n, buf, NFT_MSG_GETSET);

	nftnl_set_set_str(s, NFTNL_SET_TABLE, n->table);
	nftnl_set_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	return nft_talk(n, nlh, cb, arg);
}

int nftr_state(struct nft *n, struct nft_kstate *st)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct state_ctx c = { .n = n, .st = st };
	struct nlmsghdr *nlh;
	int rc;

	memset(st, 0, sizeof(*st));
	rc = nft_table_exists(n);
	if (rc <= 0)
		return rc;
	st->table = true;
	if (dump_sets(n, set_cb, &c) < 0)
		goto fail;
	c.cap = 0;
	nlh = dump_hdr(n, buf, NFT_MSG_GETCHAIN);
	if (nft_talk(n, nlh, chain_cb, &c) < 0)
		goto fail;
	return 0;
fail:
	nftr_state_free(st);
	return -1;
}

void nftr_state_free(struct nft_kstate *st)
{
	for (size_t i = 0; i < st->nsets; i++)
		free(st->sets[i].name);
	for (size_t i = 0; i < st->nchains; i++)
		free(st->chains[i]);
	free(st->sets);
	free(st->chains);
	memset(st, 0, sizeof(*st));
}

/* ---- userdata: the rule id of an element, the tag of a chain rule ---- */

/* the comment TLV nft and nft_build write: "rule 42", "drop-in" */
static bool udata_comment(const void *data, uint32_t len, char *out, size_t outlen)
{
	const uint8_t *u = data;

	for (uint32_t i = 0; i + 2 <= len && i + 2u + u[i + 1] <= len; i += 2u + u[i + 1]) {
		if (u[i] == 0 && u[i + 1] > 0 && u[i + 1] < outlen) {
			memcpy(out, u + i + 2, u[i + 1]);
			out[u[i + 1]] = '\0';
			return true;
		}
	}
	return false;
}

static bool rule_id_of(const char *tag, uint64_t *id)
{
	char *end;

	if (strncmp(tag, PLAN_TAG_RULE, strlen(PLAN_TAG_RULE)) != 0)
		return false;
	*id = strtoull(tag + strlen(PLAN_TAG_RULE), &end, 10);
	return *end == '\0';
}

static bool elem_rule_id(struct nftnl_set_elem *el, uint64_t *id)
{
	const void *ud;
	uint32_t len = 0;
	char tag[64];

	if (!nftnl_set_elem_is_set(el, NFTNL_SET_ELEM_USERDATA))
		return false;
	ud = nftnl_set_elem_get(el, NFTNL_SET_ELEM_USERDATA, &len);
	return udata_comment(ud, len, tag, sizeof(tag)) && rule_id_of(tag, id);
}

/* ---- one set's elements ---- */

struct read_ctx {
	struct plan_set *s;
	int64_t now;
};

static void copy_key(struct nftnl_set_elem *el, uint16_t attr, uint8_t *dst,
		     uint32_t key_len)
{
	uint32_t len = 0;
	const void *k;

	if (!nftnl_set_elem_is_set(el, attr))
		return;
	k = nftnl_set_elem_get(el, attr, &len);
	memcpy(dst, k, len < key_len ? len : key_len);
}

static int read_elem_cb(struct nftnl_set_elem *el, void *data)
{
	struct read_ctx *c = data;
	struct plan_elem *e = plan_set_push(c->s);

	copy_key(el, NFTNL_SET_ELEM_KEY, e->key, c->s->key_len);
	copy_key(el, NFTNL_SET_ELEM_KEY_END, e->key_end, c->s->key_len);
	if (!elem_rule_id(el, &e->rule_id))
		e->rule_id = 0;         /* not fwd's: it will be deleted */
	if (nftnl_set_elem_is_set(el, NFTNL_SET_ELEM_EXPIRATION)) {
		uint64_t ms = nftnl_set_elem_get_u64(el, NFTNL_SET_ELEM_EXPIRATION);

		if (ms)
			e->expires = c->now + (int64_t)((ms + 500) / 1000);
	}
	return 0;
}

static int read_setelem_cb(const struct nlmsghdr *nlh, void *data)
{
	struct read_ctx *c = data;
	struct nftnl_set *s = nftnl_set_alloc();

	if (nftnl_set_elems_nlmsg_parse(nlh, s) == 0)
		nftnl_set_elem_foreach(s, read_elem_cb, c);
	nftnl_set_free(s);
	return MNL_CB_OK;
}

static int dump_elems(struct nft *n, const char *set, mnl_cb_t cb, void *arg)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh = dump_hdr(n, buf, NFT_MSG_GETSETELEM);

	nftnl_set_set_str(s, NFTNL_SET_TABLE, n->table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, set);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	return nft_talk(n, nlh, cb, arg);
}

int nftr_set_elems(struct nft *n, struct plan_set *s, int64_t now)
{
	struct read_ctx c = { .s = s, .now = now };

	if (dump_elems(n, s->name, read_setelem_cb, &c) < 0)
		return -1;
	plan_sort_set(s);
	return 0;
}

/* ---- counters ---- */

struct count {
	uint64_t id, packets, bytes;
};

struct count_ctx {
	struct nft *n;
	struct count *v;
	size_t nv, cap;
	nft_counter_cb cb;
	void *arg;
	bool tags_only;         /* only the tagged base rules: no per-rule sums */
	bool raw;               /* the kernel's values, without the carried totals */
};

static struct nft_carry *carry_find(const struct nft *n, uint64_t id, const char *tag)
{
	for (size_t i = 0; i < n->ncarry; i++)
		if (n->carry[i].rule_id == id &&
		    (id || !strncmp(n->carry[i].tag, tag, sizeof(n->carry[i].tag))))
			return &n->carry[i];
	return NULL;
}

void nftr_carry_add(struct nft *n, const struct nft_carry *v, size_t nv)
{
	for (size_t i = 0; i < nv; i++) {
		struct nft_carry *k = carry_find(n, v[i].rule_id, v[i].tag);

		if (!k) {
			n->carry = xrealloc(n->carry, (n->ncarry + 1) * sizeof(*n->carry));
			k = &n->carry[n->ncarry++];
			*k = v[i];
			k->packets = k->bytes = 0;
		}
		k->packets += v[i].packets;
		k->bytes += v[i].bytes;
	}
}

static void count_add(struct count_ctx *c, uint64_t id, uint64_t p, uint64_t b)
{
	if (c->nv == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		c->v = xrealloc(c->v, c->cap * sizeof(*c->v));
	}
	c->v[c->nv++] = (struct count){ id, p, b };
}

struct ctr {
	bool found;
	uint64_t packets, bytes;
};

static int counter_expr_cb(struct nftnl_expr *e, void *data)
{
	struct ctr *c = data;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

	if (name && strcmp(name, "counter") == 0) {
		c->found = true;
		c->packets += nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS);
		c->bytes += nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES);
	}
	return 0;
}

static int elem_cb(struct nftnl_set_elem *el, void *data)
{
	struct count_ctx *c = data;
	struct ctr ctr = { 0 };
	uint64_t id;

	if (!elem_rule_id(el, &id))
		return 0;
	nftnl_set_elem_expr_foreach(el, counter_expr_cb, &ctr);
	if (ctr.found)
		count_add(c, id, ctr.packets, ctr.bytes);
	return 0;
}

static int setelem_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (nftnl_set_elems_nlmsg_parse(nlh, s) == 0)
		nftnl_set_elem_foreach(s, elem_cb, data);
	nftnl_set_free(s);
	return MNL_CB_OK;
}

static int count_set(struct count_ctx *c, const char *name)
{
	return dump_elems(c->n, name, setelem_cb, c);
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct count_ctx *c = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct ctr ctr = { 0 };
	const void *ud;
	uint32_t len = 0;
	char tag[64];
	uint64_t id;

	if (nftnl_rule_nlmsg_parse(nlh, r) < 0 ||
	    !ours(nftnl_rule_get_str(r, NFTNL_RULE_TABLE), c->n) ||
	    !nftnl_rule_is_set(r, NFTNL_RULE_USERDATA))
		goto out;
	ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &len);
	if (!udata_comment(ud, len, tag, sizeof(tag)))
		goto out;
	nftnl_expr_foreach(r, counter_expr_cb, &ctr);
	if (!ctr.found)
		goto out;
	if (rule_id_of(tag, &id)) {
		if (!c->tags_only)
			count_add(c, id, ctr.packets, ctr.bytes);
	} else {
		const struct nft_carry *k = c->raw ? NULL : carry_find(c->n, 0, tag);

		c->cb(c->arg, 0, tag, ctr.packets + (k ? k->packets : 0),
		      ctr.bytes + (k ? k->bytes : 0));
	}
out:
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

static int count_cmp(const void *a, const void *b)
{
	const struct count *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* one callback per rule id, summed over its elements and chain rules */
static void report(struct count_ctx *c)
{
	size_t i = 0;

	if (c->nv > 1)
		qsort(c->v, c->nv, sizeof(*c->v), count_cmp);
	while (i < c->nv) {
		struct count sum = c->v[i++];

		for (; i < c->nv && c->v[i].id == sum.id; i++) {
			sum.packets += c->v[i].packets;
			sum.bytes += c->v[i].bytes;
		}
		c->cb(c->arg, sum.id, NULL, sum.packets, sum.bytes);
	}
}

/* the chain rules of fwd's table (few: exceptions live in sets) */
static int count_rules(struct count_ctx *c)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nftnl_rule *r;
	struct nlmsghdr *nlh;

	nlh = dump_hdr(c->n, buf, NFT_MSG_GETRULE);
	r = nftnl_rule_alloc();
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, c->n->table);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	return nft_talk(c->n, nlh, rule_cb, c);
}

/* how many rules each chain of fwd's table holds, whatever made them */
struct chain_count_ctx {
	struct nft *n;
	const char *const *names;
	size_t *counts;
	size_t nnames;
	size_t other;           /* rules in chains not named */
};

static int chain_count_cb(const struct nlmsghdr *nlh, void *data)
{
	struct chain_count_ctx *c = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	const char *chain;
	size_t i;

	if (nftnl_rule_nlmsg_parse(nlh, r) == 0 &&
	    ours(nftnl_rule_get_str(r, NFTNL_RULE_TABLE), c->n)) {
		chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
		for (i = 0; chain && i < c->nnames; i++)
			if (strcmp(chain, c->names[i]) == 0)
				break;
		if (chain && i < c->nnames)
			c->counts[i]++;
		else
			c->other++;
	}
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

int nftr_rule_counts(struct nft *n, const char *const *names, size_t nnames,
		     size_t *counts, size_t *other)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct chain_count_ctx c = { .n = n, .names = names, .counts = counts,
				     .nnames = nnames };
	struct nftnl_rule *r;
	struct nlmsghdr *nlh;
	int rc;

	memset(counts, 0, nnames * sizeof(*counts));
	nlh = dump_hdr(n, buf, NFT_MSG_GETRULE);
	r = nftnl_rule_alloc();
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, n->table);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	rc = nft_talk(n, nlh, chain_count_cb, &c);
	*other = c.other;
	return rc;
}

struct carry_list {
	struct nft_carry *v;
	size_t n;
};

static void carry_push(struct carry_list *l, uint64_t id, const char *tag,
		       uint64_t packets, uint64_t bytes)
{
	struct nft_carry *k;

	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	k = &l->v[l->n++];
	memset(k, 0, sizeof(*k));
	k->rule_id = id;
	if (tag)
		snprintf(k->tag, sizeof(k->tag), "%s", tag);
	k->packets = packets;
	k->bytes = bytes;
}

static void collect_tag(void *arg, uint64_t rule_id, const char *tag,
			uint64_t packets, uint64_t bytes)
{
	carry_push(arg, rule_id, tag, packets, bytes);
}

int nftr_chain_counters(struct nft *n, struct nft_carry **v, size_t *nv)
{
	struct carry_list l = { 0 };
	struct count_ctx c = { .n = n, .cb = collect_tag, .arg = &l, .raw = true };
	int rc = count_rules(&c);

	for (size_t i = 0; rc == 0 && i < c.nv; i++)
		carry_push(&l, c.v[i].id, NULL, c.v[i].packets, c.v[i].bytes);
	free(c.v);
	if (rc < 0) {
		free(l.v);
		l.v = NULL;
		l.n = 0;
	}
	*v = l.v;
	*nv = l.n;
	return rc;
}

/*
 * `fwctl status` needs only the tagged base rules: no set is dumped, so
 * the cost does not grow with the number of exceptions.
 */
int nft_read_tag_counters(struct nft *n, nft_counter_cb cb, void *arg)
{
	struct count_ctx c = { .n = n, .cb = cb, .arg = arg, .tags_only = true };

	return count_rules(&c);
}

int nft_read_counters(struct nft *n, nft_counter_cb cb, void *arg)
{
	struct count_ctx c = { .n = n, .cb = cb, .arg = arg };
	struct nft_kstate st = { 0 };
	struct state_ctx sc = { .n = n, .st = &st };
	int rc = -1;

	if (dump_sets(n, set_cb, &sc) < 0)
		goto out;
	for (size_t i = 0; i < st.nsets; i++)
		if (count_set(&c, st.sets[i].name) < 0)
			goto out;
	if (count_rules(&c) < 0)
		goto out;
	for (size_t i = 0; i < n->ncarry; i++)
		if (n->carry[i].rule_id)
			count_add(&c, n->carry[i].rule_id, n->carry[i].packets,
				  n->carry[i].bytes);
	report(&c);
	rc = 0;
out:
	free(c.v);
	nftr_state_free(&st);
	return rc;
}
