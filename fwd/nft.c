/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The only module that talks netlink to nf_tables. One socket owns fwd's
 * table (OWNER | PERSIST: tamper resistant, and it stays when fwd dies);
 * every change is one BATCH_BEGIN..BATCH_END transaction, so the kernel
 * applies it whole or not at all. Small changes are set element deltas;
 * anything else is a resync in place: flush and refill chains and sets in
 * one batch, never deleting the table (KERNEL.md: no window for packets).
 */
#include "nft_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <libnftnl/common.h>
#include <libnftnl/table.h>

#include "log.h"
#include "strbuf.h"

#define SOCK_BUF        (4 << 20)       /* a few MiB: a batch must fit */
#define RECV_BUF        (128 * 1024)

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static void set_buf(int fd, int force_opt, int opt, int size)
{
	/* FORCE needs CAP_NET_ADMIN; without it the plain size is the best */
	if (setsockopt(fd, SOL_SOCKET, force_opt, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, opt, &size, sizeof(size));
}

static int get_buf(int fd, int opt)
{
	int v = 0;
	socklen_t len = sizeof(v);

	getsockopt(fd, SOL_SOCKET, opt, &v, &len);
	return v;
}

struct nft *nft_open(const char *table, char *err, size_t errlen)
{
	struct nft *n = xcalloc(1, sizeof(*n));
	int one = 1, fd;

	n->nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!n->nl || mnl_socket_bind(n->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "cannot open a netfilter netlink socket: %s",
			 strerror(errno));
		nft_close(n);
		return NULL;
	}
	fd = mnl_socket_get_fd(n->nl);
	n->portid = mnl_socket_get_portid(n->nl);
	/* errors name the attribute; acks do not echo whole messages back */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	set_buf(fd, SO_SNDBUFFORCE, SO_SNDBUF, SOCK_BUF);
	set_buf(fd, SO_RCVBUFFORCE, SO_RCVBUF, SOCK_BUF);
	n->sndbuf = get_buf(fd, SO_SNDBUF);
	n->seq = (uint32_t)time(NULL);
	n->table = xstrdup(table && *table ? table : "fwd_filter");
	return n;
}

void nft_close(struct nft *n)
{
	if (!n)
		return;
	if (n->nl)
		mnl_socket_close(n->nl);
	free(n->table);
	free(n->carry);
	free(n);
}

uint32_t nft_next_seq(struct nft *n)
{
	return n->seq++;
}

/* anything left from an earlier exchange would be mistaken for an answer */
static void drain(struct nft *n)
{
	char buf[4096];

	while (recv(mnl_socket_get_fd(n->nl), buf, sizeof(buf), MSG_DONTWAIT) > 0 ||
	       errno == ENOBUFS)
		;
}

int nft_talk(struct nft *n, struct nlmsghdr *nlh, mnl_cb_t cb, void *arg)
{
	char *buf = xmalloc(RECV_BUF);
	uint32_t seq = nlh->nlmsg_seq;
	int ret;

	drain(n);
	ret = (int)mnl_socket_sendto(n->nl, nlh, nlh->nlmsg_len);
	while (ret >= 0) {
		ret = (int)mnl_socket_recvfrom(n->nl, buf, RECV_BUF);
		if (ret < 0)
			break;
		ret = mnl_cb_run(buf, (size_t)ret, seq, n->portid, cb, arg);
		if (ret <= MNL_CB_STOP)
			break;
	}
	free(buf);
	return ret < 0 ? -1 : 0;
}

int nft_table_exists(struct nft *n)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;
	int rc;

	nftnl_table_set_str(t, NFTNL_TABLE_NAME, n->table);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_INET, NLM_F_ACK,
				    nft_next_seq(n));
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	rc = nft_talk(n, nlh, NULL, NULL);
	if (rc == 0)
		return 1;
	return errno == ENOENT ? 0 : -1;
}

/* ---- sending a batch and reading what the kernel said ---- */

struct outcome {
	uint32_t end_seq;
	bool done, lost;
	size_t nerr;
	uint32_t seq;           /* of the first refused message */
	int err;
	uint32_t offs;          /* extended ack: offset of the bad attribute */
	char kmsg[128];         /* extended ack: the kernel's message */
};

static int extack_cb(const struct nlattr *a, void *data)
{
	struct outcome *o = data;

	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		snprintf(o->kmsg, sizeof(o->kmsg), "%s", mnl_attr_get_str(a));
	else if (mnl_attr_get_type(a) == NLMSGERR_ATTR_OFFS &&
		 mnl_attr_validate(a, MNL_TYPE_U32) == 0)
		o->offs = mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

static void on_error(const struct nlmsghdr *nlh, struct outcome *o)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*e);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
		return;
	if (e->error == 0) {
		if (nlh->nlmsg_seq == o->end_seq)
			o->done = true;
		return;
	}
	if (o->nerr++ && nlh->nlmsg_seq >= o->seq)
		return;                 /* keep the first refusal */
	o->seq = nlh->nlmsg_seq;
	o->err = -e->error;
	o->offs = 0;
	o->kmsg[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
		mnl_attr_parse(nlh, (unsigned)off, extack_cb, o);
}

/*
 * The kernel handles a batch inside sendmsg, so every answer is queued
 * when it returns: read without blocking until the ack of BATCH_END
 * (kernel >= 6.10) or until nothing is left (older kernels send nothing
 * on success). A receive overflow (ENOBUFS) loses answers: outcome unknown.
 */
static int read_outcome(struct nft *n, struct outcome *o)
{
	char *buf = xmalloc(RECV_BUF);
	int fd = mnl_socket_get_fd(n->nl);

	while (!o->done) {
		ssize_t len = recv(fd, buf, RECV_BUF, MSG_DONTWAIT);
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		int left = (int)len;

		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0 && errno == ENOBUFS) {
			o->lost = true;
			continue;
		}
		if (len <= 0)
			break;
		for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left))
			if (nlh->nlmsg_type == NLMSG_ERROR && nlh->nlmsg_pid == n->portid)
				on_error(nlh, o);
	}
	free(buf);
	return 0;
}

static int send_batch(struct nft *n, struct nft_batch *bt, struct nft_error *e)
{
	int niov = nftnl_batch_iovec_len(bt->b), fd = mnl_socket_get_fd(n->nl);
	struct iovec *iov = xcalloc((size_t)niov, sizeof(*iov));
	struct sockaddr_nl snl = { .nl_family = AF_NETLINK };
	struct msghdr msg = {
		.msg_name = &snl, .msg_namelen = sizeof(snl),
		.msg_iov = iov, .msg_iovlen = (size_t)niov,
	};
	size_t total = 0;
	ssize_t rc;

	nftnl_batch_iovec(bt->b, iov, (uint32_t)niov);
	for (int i = 0; i < niov; i++)
		total += iov[i].iov_len;
	if (total + 4096 > (size_t)n->sndbuf) {
		/* one datagram: the whole batch must fit the send buffer */
		set_buf(fd, SO_SNDBUFFORCE, SO_SNDBUF, (int)(total + 65536));
		n->sndbuf = get_buf(fd, SO_SNDBUF);
	}
	drain(n);
	rc = sendmsg(fd, &msg, 0);
	free(iov);
	n->seq = bt->seq;
	if (rc < 0) {
		e->err = errno;
		snprintf(e->msg, sizeof(e->msg), "cannot send a %zu-byte change to "
			 "the kernel: %s", total, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- naming what the kernel refused ---- */

static const struct plan_elem *refused_elem(const struct nft_batch *bt,
					    const struct nft_msgref *ref,
					    uint32_t offs)
{
	const struct nft_elemref *v = bt->elems + ref->first;
	size_t pick = 0;

	if (!ref->n)
		return NULL;
	/* the bad attribute is the element's nest, or inside it */
	for (size_t i = 0; i < ref->n; i++)
		if (offs && v[i].off <= offs)
			pick = i;
	return v[pick].e;
}

static void describe(const struct nft_batch *bt, const struct outcome *o,
		     struct nft_error *e)
{
	size_t idx = o->seq - bt->seq0;
	const struct nft_msgref *ref = idx < bt->nmsgs ? &bt->msgs[idx] : NULL;
	struct strbuf sb = STRBUF_INIT;
	const struct plan_elem *el;

	if (!ref) {
		sb_printf(&sb, "kernel refused message %u of the change", o->seq);
	} else if (ref->kind == REF_RULE) {
		e->rule_id = ref->rule->rule_id;
		if (e->rule_id)
			sb_printf(&sb, "kernel refused rule %llu (",
				  (unsigned long long)e->rule_id);
		else
			sb_puts(&sb, "kernel refused the chain rule (");
		plan_format_rule(ref->plan, ref->rule, &sb);
		sb_putc(&sb, ')');
	} else if (ref->kind == REF_ELEMS && (el = refused_elem(bt, ref, o->offs))) {
		e->rule_id = el->rule_id;
		sb_printf(&sb, "kernel refused rule %llu (", (unsigned long long)el->rule_id);
		plan_format_elem(ref->set, el, &sb);
		sb_printf(&sb, " in set %s)", ref->set->name);
	} else if (ref->kind == REF_SET) {
		sb_printf(&sb, "kernel refused set %s", ref->set->name);
	} else {
		sb_printf(&sb, "kernel refused the %s", ref->what);
	}
	sb_printf(&sb, ": %s", strerror(o->err));
	if (o->kmsg[0])
		sb_printf(&sb, " (%s)", o->kmsg);
	if (ref && ref->kind == REF_OTHER && strcmp(ref->what, "table") == 0) {
		if (o->err == EPERM)
			sb_puts(&sb, "; another process owns the table (a second "
				"fwd?), or CAP_NET_ADMIN is missing");
		else if (o->err == EOPNOTSUPP || o->err == EINVAL)
			sb_puts(&sb, "; the table flags owner,persist need Linux 6.9 or later");
	}
	if (o->nerr > 1)
		sb_printf(&sb, "; %zu more messages of the change were refused", o->nerr - 1);
	if (o->lost)
		sb_puts(&sb, "; more answers were lost (receive buffer overflow)");
	e->err = o->err;
	snprintf(e->msg, sizeof(e->msg), "%s", sb_str(&sb));
	sb_free(&sb);
}

/* sends the batch; 0 when the kernel applied it, else -1 with e filled */
static int commit(struct nft *n, struct nft_batch *bt, struct nft_error *e)
{
	struct outcome o = { .end_seq = bt->seq - 1 };

	if (send_batch(n, bt, e) < 0)
		return -1;
	read_outcome(n, &o);
	if (o.nerr) {
		describe(bt, &o, e);
		return -1;
	}
	if (o.lost) {
		e->err = ENOBUFS;
		snprintf(e->msg, sizeof(e->msg), "the kernel's answer to a change "
			 "was lost (receive buffer overflow): its outcome is "
			 "unknown, the table needs a full resync");
		return -1;
	}
	return 0;
}

/* ---- applying plans ---- */

static const struct nft_kset *kset(const struct nft_kstate *st, const char *name)
{
	for (size_t i = 0; i < st->nsets; i++)
		if (strcmp(st->sets[i].name, name) == 0)
			return &st->sets[i];
	return NULL;
}

/* the kernel's set can be kept (flushed or patched) rather than replaced */
static bool kept_set(const struct nft_kstate *st, const struct plan_set *s)
{
	const struct nft_kset *k = kset(st, s->name);

	return k && k->flags == nftb_set_flags(s) &&
	       k->key_type == nftb_set_key_type(s) && k->key_len == s->key_len;
}

static const struct plan_set *plan_set_named(const struct plan *p, const char *name)
{
	for (size_t i = 0; p && i < p->nsets; i++)
		if (strcmp(p->sets[i].name, name) == 0)
			return &p->sets[i];
	return NULL;
}

static bool plan_has_chain(const struct plan *p, const char *name)
{
	for (size_t i = 0; i < p->nchains; i++)
		if (strcmp(p->chains[i].name, name) == 0)
			return true;
	return false;
}

/*
 * What the kernel holds in each kept set: prev's set when prev is known
 * to be installed, else read back (after a restart, or when prev proved
 * wrong). Patching kept sets instead of flushing and refilling them keeps
 * a resync cheap -- the kernel inserts into big interval sets slowly --
 * and keeps the hit counters of unchanged elements.
 */
struct resync {
	const struct plan_set **old;    /* per next set: NULL = create */
	struct plan_set *read;          /* per next set: read back */
};

static int resync_prepare(struct nft *n, const struct plan *prev,
			  const struct plan *next, const struct nft_kstate *st,
			  struct resync *rs)
{
	rs->old = xcalloc(next->nsets + 1, sizeof(*rs->old));
	rs->read = xcalloc(next->nsets + 1, sizeof(*rs->read));
	for (size_t i = 0; i < next->nsets; i++) {
		const struct plan_set *s = &next->sets[i];
		const struct plan_set *ps = plan_set_named(prev, s->name);

		if (!kept_set(st, s))
			continue;
		if (ps && plan_same_set_def(ps, s)) {
			rs->old[i] = ps;
			continue;
		}
		rs->read[i] = *s;
		rs->read[i].elems = NULL;
		rs->read[i].nelems = rs->read[i].cap = 0;
		if (nftr_set_elems(n, &rs->read[i], next->now) < 0)
			return -1;
		rs->old[i] = &rs->read[i];
	}
	return 0;
}

static void resync_free(struct resync *rs, size_t nsets)
{
	for (size_t i = 0; rs->read && i < nsets; i++)
		free(rs->read[i].elems);
	free(rs->read);
	free(rs->old);
}

struct elem_list {
	const struct plan_elem **v;
	size_t n, cap;
};

struct diff_lists {
	struct elem_list add, del;
};

static void diff_push(void *arg, bool add, const struct plan_elem *e)
{
	struct diff_lists *d = arg;
	struct elem_list *l = add ? &d->add : &d->del;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = e;
}

/*
 * Patching a big interval (pipapo) set is not always cheaper than
 * replacing it: measured on 6.18 with 25,000 elements, adding 1,000 costs
 * 0.6 s, deleting 1,000 3.4 s (it grows with the square of the deletions
 * in one batch), flushing 7.5 s, and deleting the set and filling a new
 * one 7.2 s (the square of its size). Hash sets patch cheaply always.
 */
static bool replace_cheaper(const struct plan_set *old, const struct plan_set *s,
			    size_t ndel, size_t nadd)
{
	double scale = (double)old->nelems / 25000.0;
	double patch = scale * ((double)nadd * 0.6 +
				(double)ndel * (1.0 + (double)ndel / 300.0));
	double fresh = (double)s->nelems * (double)s->nelems / 85000.0;

	return s->interval && patch > fresh;
}

static void patch_set(struct nft_batch *bt, const struct plan *p, uint32_t i,
		      const struct plan_set *old, int64_t slack)
{
	const struct plan_set *s = &p->sets[i];
	struct diff_lists d = { { 0 }, { 0 } };

	plan_diff_set(old, s, slack, diff_push, &d);
	if (replace_cheaper(old, s, d.del.n, d.add.n)) {
		nftb_del_set(bt, s->name);
		nftb_set(bt, p, i);
		nftb_elems(bt, s, p->now, NULL, 0, NFT_MSG_NEWSETELEM);
	} else {
		/* DESTROY, not DEL: the kernel may have timed the element out */
		if (d.del.n)
			nftb_elems(bt, old, p->now, d.del.v, d.del.n, NFT_MSG_DESTROYSETELEM);
		if (d.add.n)
			nftb_elems(bt, s, p->now, d.add.v, d.add.n, NFT_MSG_NEWSETELEM);
	}
	free(d.add.v);
	free(d.del.v);
}

/*
 * One batch: the skeleton is created or adopted and updated in place,
 * chains are flushed, sets no longer wanted are deleted after that (no
 * rule refers to them any more), kept sets are patched, new sets created
 * and filled, and the chain rules added again.
 */
static void build_full(struct nft_batch *bt, const struct plan *p,
		       const struct nft_kstate *st, const struct resync *rs)
{
	nftb_begin(bt);
	nftb_table(bt, NFT_FWD_TABLE_FLAGS);
	for (size_t i = 0; i < p->nchains; i++)
		nftb_chain(bt, p, plan_chain_order(p, i));
	for (size_t i = 0; i < p->nchains; i++)
		nftb_flush_chain(bt, p->chains[i].name);
	for (size_t i = 0; i < st->nchains; i++)
		if (!plan_has_chain(p, st->chains[i]))
			nftb_flush_chain(bt, st->chains[i]);
	for (size_t i = 0; i < st->nchains; i++)
		if (!plan_has_chain(p, st->chains[i]))
			nftb_del_chain(bt, st->chains[i]);
	for (size_t i = 0; i < st->nsets; i++) {
		const struct plan_set *s = plan_set_named(p, st->sets[i].name);

		if (!s || !kept_set(st, s))
			nftb_del_set(bt, st->sets[i].name);
	}
	for (uint32_t i = 0; i < p->nsets; i++) {
		if (rs->old[i]) {
			/* the kernel reports time left: allow for the rounding */
			int64_t slack = rs->old[i] == &rs->read[i] ? 2 : 0;

			patch_set(bt, p, i, rs->old[i], slack);
		} else {
			nftb_set(bt, p, i);
			nftb_elems(bt, &p->sets[i], p->now, NULL, 0, NFT_MSG_NEWSETELEM);
		}
	}
	nftb_rules(bt, p);
	nftb_end(bt);
}

const char *nft_last_found(const struct nft *n)
{
	return n->found;
}

/*
 * With the kernel's state unknown, compare what is there with the plan
 * before the resync overwrites it: someone may have changed the table
 * while no fwd owned it (after a kill -9). Sets are compared by name; their
 * elements are patched by the resync either way.
 */
static void inspect_table(struct nft *n, const struct plan *p, const struct nft_kstate *st)
{
	const char **names = xcalloc(p->nchains + 1, sizeof(*names));
	size_t *counts = xcalloc(p->nchains + 1, sizeof(*counts)), other = 0;

	n->found[0] = '\0';
	if (!st->table) {
		snprintf(n->found, sizeof(n->found), "missing");
		goto out;
	}
	for (size_t i = 0; i < p->nchains; i++)
		names[i] = p->chains[i].name;
	if (nftr_rule_counts(n, names, p->nchains, counts, &other) < 0)
		goto out;
	for (size_t i = 0; i < p->nchains && !n->found[0]; i++) {
		bool there = false;

		for (size_t k = 0; k < st->nchains; k++)
			there |= strcmp(st->chains[k], names[i]) == 0;
		if (!there)
			snprintf(n->found, sizeof(n->found), "chain %s was missing", names[i]);
		else if (counts[i] != p->chains[i].nrules)
			snprintf(n->found, sizeof(n->found),
				 "chain %s held %zu rules where fwd puts %zu", names[i],
				 counts[i], p->chains[i].nrules);
	}
	for (size_t i = 0; i < st->nchains && !n->found[0]; i++)
		if (!plan_has_chain(p, st->chains[i]))
			snprintf(n->found, sizeof(n->found), "it held a foreign chain %s",
				 st->chains[i]);
	for (size_t i = 0; i < st->nsets && !n->found[0]; i++)
		if (!plan_set_named(p, st->sets[i].name))
			snprintf(n->found, sizeof(n->found), "it held a foreign set %s",
				 st->sets[i].name);
	if (!n->found[0] && other)
		snprintf(n->found, sizeof(n->found), "%zu rules in chains fwd does not use",
			 other);
out:
	free(names);
	free(counts);
}

/* prev: what the kernel holds, if known for sure; else NULL */
static int apply_full(struct nft *n, const struct plan *prev,
		      const struct plan *p, struct nft_error *e)
{
	struct nft_kstate st;
	struct resync rs = { 0 };
	struct nft_batch bt;
	struct nft_carry *carry = NULL;
	size_t ncarry = 0;
	int rc = -1, st_rc;

	st_rc = nftr_state(n, &st);
	if (st_rc == 0 && !prev)
		inspect_table(n, p, &st);
	if (st_rc < 0 || resync_prepare(n, prev, p, &st, &rs) < 0 ||
	    (st.table && nftr_chain_counters(n, &carry, &ncarry) < 0)) {
		e->err = errno;
		snprintf(e->msg, sizeof(e->msg), "cannot read table inet %s: %s",
			 n->table, strerror(errno));
		goto out;
	}
	nftb_init(&bt, n->table, n->seq);
	build_full(&bt, p, &st, &rs);
	rc = commit(n, &bt, e);
	nftb_free(&bt);
	/* packets counted between the read and the commit are not carried */
	if (rc == 0)
		nftr_carry_add(n, carry, ncarry);
out:
	free(carry);
	resync_free(&rs, p->nsets);
	nftr_state_free(&st);
	return rc;
}

/* one message run per set: ops come grouped by set from plan_delta */
static void delta_ops(struct nft_batch *bt, const struct plan *p,
		      const struct plan_delta_op *ops, size_t n, int type)
{
	const struct plan_elem **v = xcalloc(n ? n : 1, sizeof(*v));
	size_t i = 0;

	while (i < n) {
		size_t j = i;

		while (j < n && ops[j].set == ops[i].set) {
			v[j - i] = ops[j].e;
			j++;
		}
		nftb_elems(bt, &p->sets[ops[i].set], p->now, v, j - i, type);
		i = j;
	}
	free(v);
}

static int apply_delta(struct nft *n, const struct plan *prev,
		       const struct plan *next, const struct plan_delta *d,
		       struct nft_error *e)
{
	struct nft_batch bt;
	int rc;

	nftb_init(&bt, n->table, n->seq);
	nftb_begin(&bt);
	/* DESTROY, not DEL: the kernel may have timed the element out */
	delta_ops(&bt, prev, d->del, d->ndel, NFT_MSG_DESTROYSETELEM);
	delta_ops(&bt, next, d->add, d->nadd, NFT_MSG_NEWSETELEM);
	nftb_end(&bt);
	rc = commit(n, &bt, e);
	nftb_free(&bt);
	return rc;
}

int nft_apply(struct nft *n, const struct plan *prev, const struct plan *next,
	      struct nft_error *e)
{
	struct plan_delta d;
	int rc;

	memset(e, 0, sizeof(*e));
	if (prev && strcmp(prev->table, n->table) != 0)
		prev = NULL;
	if (prev && plan_delta(prev, next, &d) == 0) {
		rc = d.nadd || d.ndel ? apply_delta(n, prev, next, &d, e) : 0;
		plan_delta_free(&d);
		if (rc == 0 || e->err == ENOBUFS)
			return rc;
		/* the kernel disagrees with prev (or the elements are bad):
		 * reading the table back repairs the first, and the second is
		 * refused again, naming the rule */
		log_warnx("element update refused (%s); resyncing the whole table", e->msg);
		memset(e, 0, sizeof(*e));
		prev = NULL;
	}
	return apply_full(n, prev, next, e);
}

int nft_delete_table(struct nft *n, struct nft_error *e)
{
	struct nft_batch bt;
	int rc;

	memset(e, 0, sizeof(*e));
	nftb_init(&bt, n->table, n->seq);
	nftb_begin(&bt);
	/* adopt first: an orphaned persist table is owned by nobody */
	nftb_table(&bt, NFT_FWD_TABLE_FLAGS);
	nftb_del_table(&bt);
	nftb_end(&bt);
	rc = commit(n, &bt, e);
	nftb_free(&bt);
	return rc;
}
