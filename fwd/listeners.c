/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Listening sockets from inet_diag. `meta skuid` cannot tell who owns a new
 * inbound connection (no socket is attached yet on input), so the daemon
 * learns the listeners here and maps them to processes with procmap.
 *
 * One netlink socket per scan: a scan runs every few seconds and opening a
 * socket costs microseconds, while a socket kept open could hold the rest
 * of a dump we abandoned on error and feed it to the next scan. A fresh
 * socket always starts clean, and the daemon holds no idle descriptor.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "listeners.h"
#include "strbuf.h"

/* kernel TCP states (include/net/tcp_states.h); udp uses CLOSE when bound */
enum {
	LST_TCP_CLOSE = 7,
	LST_TCP_LISTEN = 10,
};

/*
 * The kernel fills a dump skb up to the size of our receive buffer (capped
 * at 32 KiB); a smaller buffer means more recv calls, a bigger one nothing.
 */
#define LST_RECV_BUF    (32u * 1024)
#define LST_ATTEMPTS    3       /* a dump interrupted by changes is redone */

struct lst_scan {
	struct listener *v;
	size_t n, cap;
	uint8_t proto;
};

static bool addr_is_zero(const uint8_t *a, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (a[i])
			return false;
	return true;
}

static bool addr_is_v4mapped(const uint8_t *a)
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	return memcmp(a, prefix, sizeof(prefix)) == 0;
}

/* exact payload sizes: anything else is not what this kernel sends */
static int lst_parse_attr(uint16_t type, const uint8_t *p, size_t plen,
			  struct listener *out)
{
	uint8_t u8;

	switch (type) {
	case INET_DIAG_SKV6ONLY:
		if (plen != 1)
			return -1;
		out->v6only = p[0] != 0;
		break;
	case INET_DIAG_CGROUP_ID:
		if (plen != sizeof(out->cgroup_id))
			return -1;
		memcpy(&out->cgroup_id, p, sizeof(out->cgroup_id));
		break;
	case INET_DIAG_PROTOCOL:
		/* sent for raw sockets only; if it ever comes, it must agree */
		if (plen != 1)
			return -1;
		u8 = p[0];
		if (u8 != out->proto)
			return -1;
		break;
	default:
		break;          /* unknown attributes are skipped, lengths checked */
	}
	return 0;
}

static int lst_parse_attrs(const uint8_t *p, size_t len, struct listener *out)
{
	struct nlattr a;
	size_t off = 0;

	while (off < len) {
		if (len - off < sizeof(a))
			return -1;
		memcpy(&a, p + off, sizeof(a));
		if (a.nla_len < NLA_HDRLEN || a.nla_len > len - off)
			return -1;
		if (lst_parse_attr(a.nla_type & NLA_TYPE_MASK, p + off + NLA_HDRLEN,
				   a.nla_len - NLA_HDRLEN, out) < 0)
			return -1;
		/* the last attribute's padding may be cut by nlmsg_len */
		off += NLA_ALIGN(a.nla_len);
	}
	return 0;
}

/* 1 listener, 0 not one (connected UDP, TCP not listening) */
static int lst_fill(const struct inet_diag_msg *m, struct listener *out)
{
	size_t alen = m->idiag_family == AF_INET ? 4 : 16;

	if (out->proto == IPPROTO_TCP && m->idiag_state != LST_TCP_LISTEN)
		return 0;
	if (out->proto == IPPROTO_UDP &&
	    (m->idiag_state != LST_TCP_CLOSE || m->id.idiag_dport != 0 ||
	     !addr_is_zero((const uint8_t *)m->id.idiag_dst, alen)))
		return 0;
	out->family = m->idiag_family;
	memcpy(out->addr, m->id.idiag_src, alen);
	out->port = ntohs(m->id.idiag_sport);
	out->uid = m->idiag_uid;
	out->inode = m->idiag_inode;
	return 1;
}

int listeners_parse_msg(const struct nlmsghdr *nlh, size_t len,
			struct listener *out)
{
	const size_t body = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct inet_diag_msg));
	const uint8_t *p = (const uint8_t *)nlh;
	uint8_t proto = out->proto;
	struct inet_diag_msg m;
	struct nlmsghdr h;

	if (len < sizeof(h))
		return -1;
	memcpy(&h, p, sizeof(h));
	if (h.nlmsg_len > len || h.nlmsg_len < NLMSG_HDRLEN + sizeof(m) ||
	    h.nlmsg_type != SOCK_DIAG_BY_FAMILY)
		return -1;
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return -1;
	memcpy(&m, p + NLMSG_HDRLEN, sizeof(m));
	if (m.idiag_family != AF_INET && m.idiag_family != AF_INET6)
		return -1;
	memset(out, 0, sizeof(*out));
	out->proto = proto;
	if (h.nlmsg_len > body &&
	    lst_parse_attrs(p + body, h.nlmsg_len - body, out) < 0)
		return -1;
	return lst_fill(&m, out);
}

bool listener_is_loopback(const struct listener *l)
{
	static const uint8_t v6_lo[16] = { [15] = 1 };

	if (l->family == AF_INET)
		return l->addr[0] == 127;
	if (l->family != AF_INET6)
		return false;
	if (addr_is_v4mapped(l->addr))
		return l->addr[12] == 127;
	return memcmp(l->addr, v6_lo, sizeof(v6_lo)) == 0;
}

bool listener_accepts_family(const struct listener *l, int family)
{
	if (l->family == AF_INET)
		return family == AF_INET;
	if (l->family != AF_INET6)
		return false;
	/* bound to ::ffff:a.b.c.d: only IPv4 can reach it (and only if !v6only) */
	if (addr_is_v4mapped(l->addr))
		return family == AF_INET && !l->v6only;
	if (family == AF_INET6)
		return true;
	return family == AF_INET && !l->v6only && addr_is_zero(l->addr, 16);
}

void listener_format(const struct listener *l, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";
	const char *proto = l->proto == IPPROTO_TCP ? "tcp" :
			    l->proto == IPPROTO_UDP ? "udp" : "?";
	bool v6 = l->family == AF_INET6;

	if (len == 0)
		return;
	if (l->family == AF_INET || v6)
		inet_ntop(l->family, l->addr, a, sizeof(a));
	snprintf(buf, len, "%s %s%s%s:%u", proto, v6 ? "[" : "", a,
		 v6 ? "]" : "", l->port);
}

static void lst_push(struct lst_scan *sc, const struct listener *l)
{
	if (sc->n == sc->cap) {
		sc->cap = sc->cap ? sc->cap * 2 : 64;
		sc->v = xrealloc(sc->v, sc->cap * sizeof(*sc->v));
	}
	sc->v[sc->n++] = *l;
}

static int lst_data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct lst_scan *sc = data;
	struct listener l = { .proto = sc->proto };
	int rc = listeners_parse_msg(nlh, nlh->nlmsg_len, &l);

	if (rc < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (rc > 0)
		lst_push(sc, &l);
	return MNL_CB_OK;
}

/* NLMSG_DONE carries the dump's own error code, which libmnl ignores */
static int lst_done_cb(const struct nlmsghdr *nlh, void *data)
{
	int err;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(err)) {
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
		if (err < 0) {
			errno = -err;
			return MNL_CB_ERROR;
		}
	}
	return MNL_CB_STOP;
}

static int lst_request(struct mnl_socket *nl, char *buf, uint32_t seq,
		       uint8_t family, uint8_t proto, uint32_t states)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct inet_diag_req_v2 *req;

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	/*
	 * idiag_ext stays 0: INET_DIAG_SKV6ONLY (listening and unconnected
	 * sockets of AF_INET6) and INET_DIAG_CGROUP_ID are always sent; their
	 * numbers are past what the 8-bit idiag_ext could request anyway.
	 */
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = family;
	req->sdiag_protocol = proto;
	req->idiag_states = states;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	return 0;
}

static int lst_dump(struct mnl_socket *nl, char *buf, uint32_t seq,
		    uint8_t family, uint8_t proto, struct lst_scan *sc)
{
	static mnl_cb_t ctl[NLMSG_MIN_TYPE] = { [NLMSG_DONE] = lst_done_cb };
	uint32_t states = proto == IPPROTO_TCP ? 1u << LST_TCP_LISTEN
					       : 1u << LST_TCP_CLOSE;
	unsigned int portid = mnl_socket_get_portid(nl);
	ssize_t len;
	int rc;

	if (lst_request(nl, buf, seq, family, proto, states) < 0)
		return -1;
	sc->proto = proto;
	do {
		len = mnl_socket_recvfrom(nl, buf, LST_RECV_BUF);
		if (len < 0)
			return -1;
		rc = mnl_cb_run2(buf, (size_t)len, seq, portid, lst_data_cb, sc,
				 ctl, NLMSG_MIN_TYPE);
	} while (rc > MNL_CB_STOP);
	return rc < 0 ? -1 : 0;
}

/* one pass over the four dumps; errno tells why on -1 */
static int lst_scan_once(struct lst_scan *sc, const char **what)
{
	static const struct { uint8_t family, proto; const char *name; } dumps[] = {
		{ AF_INET, IPPROTO_TCP, "tcp" }, { AF_INET6, IPPROTO_TCP, "tcp6" },
		{ AF_INET, IPPROTO_UDP, "udp" }, { AF_INET6, IPPROTO_UDP, "udp6" },
	};
	struct mnl_socket *nl;
	char *buf = NULL;
	int rc = -1, saved;

	*what = "open a NETLINK_SOCK_DIAG socket";
	nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto out;
	buf = xmalloc(LST_RECV_BUF);
	for (size_t i = 0; i < sizeof(dumps) / sizeof(dumps[0]); i++) {
		*what = dumps[i].name;
		if (lst_dump(nl, buf, (uint32_t)i + 1, dumps[i].family,
			     dumps[i].proto, sc) == 0)
			continue;
		/* a kernel without IPv6 has no AF_INET6 sockets to report */
		if (dumps[i].family == AF_INET6 &&
		    (errno == EAFNOSUPPORT || errno == ENOENT))
			continue;
		goto out;
	}
	rc = 0;
out:
	saved = errno;
	free(buf);
	if (nl)
		mnl_socket_close(nl);
	errno = saved;
	return rc;
}

int listeners_scan(struct listener **out, size_t *n, char *err, size_t errlen)
{
	struct lst_scan sc = { NULL, 0, 0, 0 };
	const char *what = "";
	int attempt, rc = -1;

	for (attempt = 0; attempt < LST_ATTEMPTS; attempt++) {
		sc.n = 0;
		rc = lst_scan_once(&sc, &what);
		/* EINTR: NLM_F_DUMP_INTR, sockets changed under the dump */
		if (rc == 0 || errno != EINTR)
			break;
	}
	if (rc < 0) {
		snprintf(err, errlen, "cannot list listening sockets (%s): %s%s",
			 what, strerror(errno),
			 errno == EBADMSG ? " (malformed inet_diag answer)" : "");
		free(sc.v);
		*out = NULL;
		*n = 0;
		return -1;
	}
	*out = sc.v;
	*n = sc.n;
	return 0;
}
