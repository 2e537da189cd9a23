/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Plan -> libnftnl objects -> batch messages. Each chain rule is linearized
 * the way nft 1.0.6 linearizes the text plan_dump prints for it (the same
 * dependencies, registers and payload loads), so `nft list` of fwd's table
 * reads like the dump and the benchmark compares like with like.
 */
#include "nft_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "strbuf.h"

#define BATCH_PAGE      (128u * 1024)
#define BATCH_OVERRUN   (64u * 1024)    /* > the largest single message */
#define ELEM_MSG_MAX    (32u * 1024)    /* element messages are cut here */
#define ELEM_MAX_BYTES  512u            /* bound on one element's nest */

void nftb_init(struct nft_batch *bt, const char *table, uint32_t seq0)
{
	memset(bt, 0, sizeof(*bt));
	bt->b = nftnl_batch_alloc(BATCH_PAGE, BATCH_OVERRUN);
	if (!bt->b)
		abort();        /* like xmalloc: out of memory */
	bt->table = table;
	bt->seq0 = bt->seq = seq0;
}

void nftb_free(struct nft_batch *bt)
{
	if (bt->b)
		nftnl_batch_free(bt->b);
	free(bt->msgs);
	free(bt->elems);
	memset(bt, 0, sizeof(*bt));
}

static uint32_t ref_push(struct nft_batch *bt, const struct nft_msgref *ref)
{
	if (bt->nmsgs == bt->mcap) {
		bt->mcap = bt->mcap ? bt->mcap * 2 : 64;
		bt->msgs = xrealloc(bt->msgs, bt->mcap * sizeof(*bt->msgs));
	}
	bt->msgs[bt->nmsgs++] = *ref;
	return bt->seq++;
}

static struct nlmsghdr *msg_start(struct nft_batch *bt, uint16_t type,
				  uint16_t flags, const struct nft_msgref *ref)
{
	uint32_t seq = ref_push(bt, ref);

	return nftnl_nlmsg_build_hdr(nftnl_batch_buffer(bt->b), type,
				     NFPROTO_INET, flags, seq);
}

static void msg_done(struct nft_batch *bt)
{
	if (nftnl_batch_update(bt->b) < 0)
		abort();
}

static struct nft_msgref ref_other(const char *what)
{
	return (struct nft_msgref){ .kind = REF_OTHER, .what = what };
}

void nftb_begin(struct nft_batch *bt)
{
	struct nft_msgref ref = ref_other("batch");

	nftnl_batch_begin(nftnl_batch_buffer(bt->b), ref_push(bt, &ref));
	msg_done(bt);
}

/*
 * A test hook, FWD_TEST_KERNEL_REFUSE=N: every batch after the first N
 * carries one message the kernel must refuse (deleting a chain that does not
 * exist), so the integration tests can show that a refused transaction
 * changes nothing, in the kernel or in the database. fwd's own checks catch
 * every bad rule before the kernel sees it, so nothing else provokes this.
 */
static bool test_refuse_now(void)
{
	static long after = -2, built;
	const char *v;

	if (after == -2) {
		v = getenv("FWD_TEST_KERNEL_REFUSE");
		after = v && *v ? strtol(v, NULL, 10) : -1;
	}
	return after >= 0 && ++built > after;
}

void nftb_end(struct nft_batch *bt)
{
	struct nft_msgref ref = ref_other("batch");
	struct nlmsghdr *nlh;

	if (test_refuse_now())
		nftb_del_chain(bt, "fwd-test-refused");

	nlh = nftnl_batch_end(nftnl_batch_buffer(bt->b), ref_push(bt, &ref));
	/* kernels >= 6.10 ack the end; older ones send nothing (see nft.c) */
	nlh->nlmsg_flags |= NLM_F_ACK;
	msg_done(bt);
}

/* ---- table and chains ---- */

void nftb_table(struct nft_batch *bt, uint32_t flags)
{
	struct nft_msgref ref = ref_other("table");
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	nftnl_table_set_str(t, NFTNL_TABLE_NAME, bt->table);
	nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, flags);
	/* no EXCL: creates, updates flags, or re-adopts an orphaned table */
	nlh = msg_start(bt, NFT_MSG_NEWTABLE, NLM_F_CREATE, &ref);
	nftnl_table_nlmsg_build_payload(nlh, t);
	msg_done(bt);
	nftnl_table_free(t);
}

void nftb_del_table(struct nft_batch *bt)
{
	struct nft_msgref ref = ref_other("table deletion");
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	nftnl_table_set_str(t, NFTNL_TABLE_NAME, bt->table);
	nlh = msg_start(bt, NFT_MSG_DELTABLE, 0, &ref);
	nftnl_table_nlmsg_build_payload(nlh, t);
	msg_done(bt);
	nftnl_table_free(t);
}

static struct nftnl_chain *chain_obj(const struct nft_batch *bt, const char *name)
{
	struct nftnl_chain *c = nftnl_chain_alloc();

	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, bt->table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	return c;
}

void nftb_chain(struct nft_batch *bt, const struct plan *p, size_t id)
{
	const struct plan_chain *pc = &p->chains[id];
	struct nft_msgref ref = ref_other(pc->name);
	struct nftnl_chain *c = chain_obj(bt, pc->name);
	struct nlmsghdr *nlh;

	if (pc->base) {
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, (uint32_t)pc->hook);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, 0);
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY,
				    pc->policy_accept ? NF_ACCEPT : NF_DROP);
	}
	/* no EXCL: an existing chain keeps its rules until flushed, and its
	 * policy is updated in place */
	nlh = msg_start(bt, NFT_MSG_NEWCHAIN, NLM_F_CREATE, &ref);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	msg_done(bt);
	nftnl_chain_free(c);
}

static void chain_msg(struct nft_batch *bt, uint16_t type, const char *name,
		      const char *what)
{
	struct nft_msgref ref = ref_other(what);
	struct nlmsghdr *nlh;

	if (type == NFT_MSG_DELRULE) {
		/* DELRULE without a handle flushes the chain */
		struct nftnl_rule *r = nftnl_rule_alloc();

		nftnl_rule_set_str(r, NFTNL_RULE_TABLE, bt->table);
		nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, name);
		nlh = msg_start(bt, type, 0, &ref);
		nftnl_rule_nlmsg_build_payload(nlh, r);
		nftnl_rule_free(r);
	} else {
		struct nftnl_chain *c = chain_obj(bt, name);

		nlh = msg_start(bt, type, 0, &ref);
		nftnl_chain_nlmsg_build_payload(nlh, c);
		nftnl_chain_free(c);
	}
	msg_done(bt);
}

void nftb_flush_chain(struct nft_batch *bt, const char *chain)
{
	chain_msg(bt, NFT_MSG_DELRULE, chain, "chain flush");
}

void nftb_del_chain(struct nft_batch *bt, const char *chain)
{
	chain_msg(bt, NFT_MSG_DELCHAIN, chain, "deletion of an old chain");
}

/* ---- sets ---- */

uint32_t nftb_set_flags(const struct plan_set *s)
{
	/* every set takes timeouts, so a first temporary rule is no
	 * structure change; concat + interval makes it a pipapo set */
	return NFT_SET_TIMEOUT |
	       (s->interval ? NFT_SET_INTERVAL | NFT_SET_CONCAT : 0);
}

uint32_t nftb_set_key_type(const struct plan_set *s)
{
	uint32_t t = 0;

	for (unsigned k = 0; k < s->nfields; k++)
		t = t << 6 | plan_fields[s->fields[k]].dtype;   /* nft's TYPE_BITS */
	return t;
}

static void set_udata_byteorder(struct nftnl_set *s, uint32_t order)
{
	struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(64);

	if (!ud)
		abort();
	nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_KEYBYTEORDER, order);
	nftnl_set_set_data(s, NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud),
			   nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
}

static struct nftnl_set *set_obj(const struct nft_batch *bt, const char *name)
{
	struct nftnl_set *s = nftnl_set_alloc();

	nftnl_set_set_str(s, NFTNL_SET_TABLE, bt->table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	return s;
}

void nftb_set(struct nft_batch *bt, const struct plan *p, uint32_t idx)
{
	const struct plan_set *ps = &p->sets[idx];
	struct nft_msgref ref = { .kind = REF_SET, .set = ps };
	struct nftnl_set *s = set_obj(bt, ps->name);
	struct nlmsghdr *nlh;

	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, nftb_set_flags(ps));
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, nftb_set_key_type(ps));
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, ps->key_len);
	nftnl_set_set_u32(s, NFTNL_SET_ID, ++bt->set_id);
	if (ps->interval) {
		uint8_t len[PLAN_MAX_FIELDS + 1] = { 0 };

		for (unsigned k = 0; k < ps->nfields; k++)
			len[k] = plan_fields[ps->fields[k]].len;
		nftnl_set_set_data(s, NFTNL_SET_DESC_CONCAT, len, ps->nfields);
	}
	set_udata_byteorder(s, 0);      /* as nft stores it for `type` keys */
	/* per-element counters: the kernel gives each element a copy */
	nftnl_set_add_expr(s, nftnl_expr_alloc("counter"));
	nlh = msg_start(bt, NFT_MSG_NEWSET, NLM_F_CREATE | NLM_F_EXCL, &ref);
	nftnl_set_nlmsg_build_payload(nlh, s);
	msg_done(bt);
	nftnl_set_free(s);
}

static void set_msg(struct nft_batch *bt, uint16_t type, const char *name,
		    const char *what)
{
	struct nft_msgref ref = ref_other(what);
	struct nftnl_set *s = set_obj(bt, name);
	struct nlmsghdr *nlh;

	nlh = msg_start(bt, type, 0, &ref);
	if (type == NFT_MSG_DELSETELEM)
		nftnl_set_elems_nlmsg_build_payload(nlh, s);    /* no elements: flush */
	else
		nftnl_set_nlmsg_build_payload(nlh, s);
	msg_done(bt);
	nftnl_set_free(s);
}

void nftb_flush_set(struct nft_batch *bt, const char *set)
{
	set_msg(bt, NFT_MSG_DELSETELEM, set, "set flush");
}

void nftb_del_set(struct nft_batch *bt, const char *set)
{
	set_msg(bt, NFT_MSG_DELSET, set, "deletion of an old set");
}

/* ---- set elements ---- */

static void elem_fill_obj(struct nftnl_set_elem *o, int64_t now,
			  const struct plan_set *s, const struct plan_elem *e,
			  bool add)
{
	char comment[32];
	uint8_t ud[40];

	nftnl_set_elem_set(o, NFTNL_SET_ELEM_KEY, e->key, s->key_len);
	if (s->interval)
		nftnl_set_elem_set(o, NFTNL_SET_ELEM_KEY_END, e->key_end, s->key_len);
	nftnl_set_elem_unset(o, NFTNL_SET_ELEM_TIMEOUT);
	nftnl_set_elem_unset(o, NFTNL_SET_ELEM_USERDATA);
	if (!add)
		return;
	if (e->expires) {
		int64_t left = e->expires - now;

		/* expired ones are not compiled; never send 0 (= no timeout) */
		nftnl_set_elem_set_u64(o, NFTNL_SET_ELEM_TIMEOUT,
				       (uint64_t)(left > 0 ? left : 1) * 1000);
	}
	/* nft's element comment TLV, so `nft list` shows "rule N" */
	snprintf(comment, sizeof(comment), PLAN_TAG_RULE "%llu",
		 (unsigned long long)e->rule_id);
	ud[0] = NFTNL_UDATA_SET_ELEM_COMMENT;
	ud[1] = (uint8_t)(strlen(comment) + 1);
	memcpy(ud + 2, comment, ud[1]);
	nftnl_set_elem_set(o, NFTNL_SET_ELEM_USERDATA, ud, 2u + ud[1]);
}

static void push_elemref(struct nft_batch *bt, uint32_t off, const struct plan_elem *e)
{
	if (bt->nelems == bt->ecap) {
		bt->ecap = bt->ecap ? bt->ecap * 2 : 1024;
		bt->elems = xrealloc(bt->elems, bt->ecap * sizeof(*bt->elems));
	}
	bt->elems[bt->nelems].off = off;
	bt->elems[bt->nelems++].e = e;
}

/*
 * Elements go in messages of up to ELEM_MSG_MAX bytes. The offset of every
 * element's nest is kept: the kernel's extended ack points at the nest of
 * the element it refused, which names the fwd rule.
 */
void nftb_elems(struct nft_batch *bt, const struct plan_set *s, int64_t now,
		const struct plan_elem *const *v, size_t n, int type)
{
	struct nftnl_set *so = set_obj(bt, s->name);
	struct nftnl_set_elem *o = nftnl_set_elem_alloc();
	size_t i = 0, total = v ? n : s->nelems;
	uint16_t flags = type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE | NLM_F_EXCL : 0;

	while (i < total) {
		struct nft_msgref ref = { .kind = REF_ELEMS, .set = s,
					  .first = bt->nelems };
		struct nlmsghdr *nlh = msg_start(bt, (uint16_t)type, flags, &ref);
		struct nlattr *list;
		int k = 0;

		nftnl_set_elems_nlmsg_build_payload(nlh, so);   /* table, set */
		list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
		for (; i < total && nlh->nlmsg_len + ELEM_MAX_BYTES < ELEM_MSG_MAX; i++) {
			const struct plan_elem *e = v ? v[i] : &s->elems[i];

			elem_fill_obj(o, now, s, e, type == NFT_MSG_NEWSETELEM);
			push_elemref(bt, nlh->nlmsg_len, e);
			nftnl_set_elem_nlmsg_build(nlh, o, ++k);
		}
		mnl_attr_nest_end(nlh, list);
		bt->msgs[bt->nmsgs - 1].n = bt->nelems - bt->msgs[bt->nmsgs - 1].first;
		msg_done(bt);
	}
	nftnl_set_elem_free(o);
	nftnl_set_free(so);
}

/* ---- chain rules ---- */

struct rule_ctx {
	struct nft_batch *bt;
	const struct plan *p;
	struct nft_msgref ref;
	struct nftnl_rule *r;
	int nfproto;            /* checked by an earlier expression, 0 = not yet */
	int l4proto;            /* -1 = not yet */
};

static struct nftnl_expr *expr(struct rule_ctx *x, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);

	if (!e)
		abort();
	nftnl_rule_add_expr(x->r, e);
	return e;
}

static void e_meta(struct rule_ctx *x, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = expr(x, "meta");

	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
}

/* the cgroup id (8 bytes, host order) at level of the packet's socket */
static void e_socket_cgroup(struct rule_ctx *x, uint32_t level, uint32_t dreg)
{
	struct nftnl_expr *e = expr(x, "socket");

	nftnl_expr_set_u32(e, NFTNL_EXPR_SOCKET_KEY, NFT_SOCKET_CGROUPV2);
	nftnl_expr_set_u32(e, NFTNL_EXPR_SOCKET_DREG, dreg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_SOCKET_LEVEL, level);
}

static void e_payload(struct rule_ctx *x, uint32_t base, uint32_t off,
		      uint32_t len, uint32_t dreg)
{
	struct nftnl_expr *e = expr(x, "payload");

	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
}

static void e_cmp(struct rule_ctx *x, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = expr(x, "cmp");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
}

static void e_bitwise(struct rule_ctx *x, const void *mask, uint32_t len)
{
	static const uint8_t zero[16];
	struct nftnl_expr *e = expr(x, "bitwise");

	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
}

/* the dependencies nft adds on its own in the inet family */
static void need_nfproto(struct rule_ctx *x, int proto)
{
	uint8_t v = (uint8_t)proto;

	if (x->nfproto == proto)
		return;
	e_meta(x, NFT_META_NFPROTO, NFT_REG_1);
	e_cmp(x, NFT_CMP_EQ, &v, 1);
	x->nfproto = proto;
}

static void need_l4proto(struct rule_ctx *x, int proto)
{
	uint8_t v = (uint8_t)proto;

	if (x->l4proto == proto)
		return;
	e_meta(x, NFT_META_L4PROTO, NFT_REG_1);
	e_cmp(x, NFT_CMP_EQ, &v, 1);
	x->l4proto = proto;
}

/* `icmpv6 type { a, b }`: a constant anonymous set, created in the batch */
static void anon_lookup(struct rule_ctx *x, uint32_t key_type,
			const uint8_t *v, uint8_t n)
{
	struct nftnl_set *s = set_obj(x->bt, "__set%d");
	uint32_t id = ++x->bt->set_id;
	struct nftnl_expr *e;
	struct nlmsghdr *nlh;

	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_ANONYMOUS | NFT_SET_CONSTANT);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, key_type);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, 1);
	nftnl_set_set_u32(s, NFTNL_SET_ID, id);
	nftnl_set_set_u32(s, NFTNL_SET_DESC_SIZE, n);
	nlh = msg_start(x->bt, NFT_MSG_NEWSET, NLM_F_CREATE | NLM_F_EXCL, &x->ref);
	nftnl_set_nlmsg_build_payload(nlh, s);
	msg_done(x->bt);
	for (uint8_t i = 0; i < n; i++) {
		struct nftnl_set_elem *o = nftnl_set_elem_alloc();

		nftnl_set_elem_set(o, NFTNL_SET_ELEM_KEY, &v[i], 1);
		nftnl_set_elem_add(s, o);
	}
	nlh = msg_start(x->bt, NFT_MSG_NEWSETELEM, NLM_F_CREATE | NLM_F_EXCL, &x->ref);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	msg_done(x->bt);
	nftnl_set_free(s);
	e = expr(x, "lookup");
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, "__set%d");
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, id);
}

static void m_types(struct rule_ctx *x, const struct plan_match *m)
{
	bool v6 = m->kind == PM_ICMPV6_TYPE;

	need_nfproto(x, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
	need_l4proto(x, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	e_payload(x, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1, NFT_REG_1);
	if (m->u.types.n == 1)
		e_cmp(x, NFT_CMP_EQ, m->u.types.v, 1);
	else    /* nft's icmp_type / icmpv6_type datatypes */
		anon_lookup(x, v6 ? 29 : 14, m->u.types.v, m->u.types.n);
}

static void m_net6(struct rule_ctx *x, const struct plan_match *m)
{
	uint8_t mask[16] = { 0 }, net[16];

	need_nfproto(x, NFPROTO_IPV6);
	for (unsigned b = 0; b < m->u.net.len && b < 128; b++)
		mask[b / 8] |= (uint8_t)(0x80 >> b % 8);
	for (unsigned i = 0; i < 16; i++)
		net[i] = m->u.net.addr[i] & mask[i];
	e_payload(x, NFT_PAYLOAD_NETWORK_HEADER, 8, 16, NFT_REG_1);
	e_bitwise(x, mask, 16);
	e_cmp(x, NFT_CMP_EQ, net, 16);
}

/* each field into the next 32-bit registers, as nft lays out a concatenation */
static void load_field(struct rule_ctx *x, enum plan_field f, uint32_t reg)
{
	switch (f) {
	case PF_L4PROTO: e_meta(x, NFT_META_L4PROTO, reg); break;
	case PF_NFPROTO: e_meta(x, NFT_META_NFPROTO, reg); break;
	case PF_IIFNAME: e_meta(x, NFT_META_IIFNAME, reg); break;
	case PF_OIFNAME: e_meta(x, NFT_META_OIFNAME, reg); break;
	case PF_SKUID: e_meta(x, NFT_META_SKUID, reg); break;
	case PF_SKGID: e_meta(x, NFT_META_SKGID, reg); break;
	case PF_SADDR4: e_payload(x, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, reg); break;
	case PF_DADDR4: e_payload(x, NFT_PAYLOAD_NETWORK_HEADER, 16, 4, reg); break;
	case PF_SADDR6: e_payload(x, NFT_PAYLOAD_NETWORK_HEADER, 8, 16, reg); break;
	case PF_DADDR6: e_payload(x, NFT_PAYLOAD_NETWORK_HEADER, 24, 16, reg); break;
	case PF_DPORT: e_payload(x, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, reg); break;
	case PF_CGROUP1 ... PF_CGROUP4:
		e_socket_cgroup(x, (uint32_t)(f - PF_CGROUP1 + 1), reg);
		break;
	default: abort();
	}
}

/* host to network order in place: uid and gid in interval sets (plan.h) */
static void e_hton(struct rule_ctx *x, uint32_t reg, uint32_t len)
{
	struct nftnl_expr *e = expr(x, "byteorder");

	nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_DREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_OP, NFT_BYTEORDER_HTON);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SIZE, len);
}

static void m_lookup(struct rule_ctx *x, const struct plan_match *m)
{
	const struct plan_set *s = &x->p->sets[m->u.set];
	struct nftnl_expr *e;
	unsigned off = 0;

	for (unsigned k = 0; k < s->nfields; k++)
		if (plan_fields[s->fields[k]].nfproto)
			need_nfproto(x, plan_fields[s->fields[k]].nfproto);
	for (unsigned k = 0; k < s->nfields; k++) {
		enum plan_field f = s->fields[k];
		uint32_t reg = k ? NFT_REG32_00 + off / 4 : NFT_REG_1;

		load_field(x, f, reg);
		/* nft also converts the one-byte l4proto and nfproto: a no-op */
		if (s->interval && (f == PF_SKUID || f == PF_SKGID ||
				    (f >= PF_CGROUP1 && f <= PF_CGROUP4)))
			e_hton(x, reg, plan_fields[f].len);
		off += plan_fields[f].reglen;
	}
	e = expr(x, "lookup");
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, s->name);
}

static void build_match(struct rule_ctx *x, const struct plan_match *m)
{
	uint32_t u32 = m->u.val;
	uint8_t u8 = (uint8_t)m->u.val, zero[4] = { 0 }, ports[4];

	switch (m->kind) {
	case PM_NFPROTO: need_nfproto(x, (int)m->u.val); break;
	case PM_L4PROTO: need_l4proto(x, (int)m->u.val); break;
	case PM_CT_STATE: {
		struct nftnl_expr *e = expr(x, "ct");

		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
		e_bitwise(x, &u32, 4);
		e_cmp(x, NFT_CMP_NEQ, zero, 4);
		break;
	}
	case PM_IIF: case PM_OIF:
		e_meta(x, m->kind == PM_IIF ? NFT_META_IIF : NFT_META_OIF, NFT_REG_1);
		e_cmp(x, NFT_CMP_EQ, &u32, 4);
		break;
	case PM_ICMP_TYPE: case PM_ICMPV6_TYPE: m_types(x, m); break;
	case PM_HOPLIMIT:
		need_nfproto(x, NFPROTO_IPV6);
		e_payload(x, NFT_PAYLOAD_NETWORK_HEADER, 7, 1, NFT_REG_1);
		e_cmp(x, NFT_CMP_EQ, &u8, 1);
		break;
	case PM_SADDR6_NET: m_net6(x, m); break;
	case PM_UDP_PORTS:
		need_l4proto(x, IPPROTO_UDP);
		ports[0] = (uint8_t)(m->u.ports.sport >> 8), ports[1] = (uint8_t)m->u.ports.sport;
		ports[2] = (uint8_t)(m->u.ports.dport >> 8), ports[3] = (uint8_t)m->u.ports.dport;
		e_payload(x, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 4, NFT_REG_1);
		e_cmp(x, NFT_CMP_EQ, ports, 4);
		break;
	case PM_LOOKUP: m_lookup(x, m); break;
	case PM_SKUID: case PM_SKGID:
		e_meta(x, m->kind == PM_SKUID ? NFT_META_SKUID : NFT_META_SKGID, NFT_REG_1);
		e_cmp(x, NFT_CMP_EQ, &u32, 4);
		break;
	}
}

static void e_verdict(struct rule_ctx *x, int verdict, const char *chain)
{
	struct nftnl_expr *e = expr(x, "immediate");

	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
	if (chain)
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
}

static void e_reject(struct rule_ctx *x, uint32_t type, uint8_t code)
{
	struct nftnl_expr *e = expr(x, "reject");

	nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE, type);
	nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, code);
}

static void build_stmt(struct rule_ctx *x, const struct plan_stmt *s)
{
	struct nftnl_expr *e;

	switch (s->kind) {
	case PS_COUNTER:
		expr(x, "counter");
		break;
	case PS_LIMIT:
		e = expr(x, "limit");
		nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_RATE, s->u.limit.rate);
		nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_UNIT, s->u.limit.unit_s);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_BURST, s->u.limit.burst);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKTS);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_FLAGS, 0);
		break;
	case PS_LOG:
		e = expr(x, "log");
		nftnl_expr_set_str(e, NFTNL_EXPR_LOG_PREFIX, s->u.log.prefix);
		nftnl_expr_set_u16(e, NFTNL_EXPR_LOG_GROUP, s->u.log.group);
		break;
	case PS_ACCEPT: e_verdict(x, NF_ACCEPT, NULL); break;
	case PS_DROP: e_verdict(x, NF_DROP, NULL); break;
	case PS_GOTO_REJECT:
		e_verdict(x, NFT_GOTO, x->p->chains[PCH_REJECT].name);
		break;
	case PS_JUMP:
		e_verdict(x, NFT_JUMP, x->p->chains[s->u.chain].name);
		break;
	case PS_REJECT_TCP: e_reject(x, NFT_REJECT_TCP_RST, 0); break;
	case PS_REJECT_ICMPX:
		e_reject(x, NFT_REJECT_ICMPX_UNREACH, NFT_REJECT_ICMPX_PORT_UNREACH);
		break;
	}
}

static void rule_tag(struct nftnl_rule *r, const char *tag)
{
	struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(64);

	if (!ud)
		abort();
	/* nft's rule comment: `nft list` shows it, nft_read finds it */
	nftnl_udata_put_strz(ud, NFTNL_UDATA_RULE_COMMENT, tag);
	nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(ud),
			    nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
}

void nftb_rule(struct nft_batch *bt, const struct plan *p, size_t c,
	       const struct plan_rule *pr)
{
	struct rule_ctx x = {
		.bt = bt, .p = p, .l4proto = -1,
		.ref = { .kind = REF_RULE, .plan = p, .rule = pr },
	};
	struct nlmsghdr *nlh;

	x.r = nftnl_rule_alloc();
	nftnl_rule_set_str(x.r, NFTNL_RULE_TABLE, bt->table);
	nftnl_rule_set_str(x.r, NFTNL_RULE_CHAIN, p->chains[c].name);
	nftnl_rule_set_u32(x.r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	for (unsigned i = 0; i < pr->nm; i++)
		build_match(&x, &pr->m[i]);
	for (unsigned i = 0; i < pr->ns; i++)
		build_stmt(&x, &pr->s[i]);
	if (pr->tag[0])
		rule_tag(x.r, pr->tag);
	nlh = msg_start(bt, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, &x.ref);
	nftnl_rule_nlmsg_build_payload(nlh, x.r);
	msg_done(bt);
	nftnl_rule_free(x.r);
}

void nftb_rules(struct nft_batch *bt, const struct plan *p)
{
	/* regular chains first: input and output rules jump to them */
	for (size_t k = 0; k < p->nchains; k++) {
		size_t c = plan_chain_order(p, k);
		const struct plan_chain *ch = &p->chains[c];

		for (size_t i = 0; i < ch->nrules; i++)
			nftb_rule(bt, p, c, &ch->rules[i]);
	}
}
