/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The nflog reader: one NETLINK_NETFILTER socket bound to fwd's log group.
 *
 * Binding: nft's `log group N` hands the packet to the ULOG-type logger of
 * its family, which nfnetlink_log registers globally when it loads. The old
 * NFULNL_CFG_CMD_PF_UNBIND/PF_BIND dance (libnetfilter_log, ulogd) only
 * changes the namespace's default logger, which serves loginfo-less callers
 * such as nf_conntrack_log_invalid; it is not needed for nft rules (checked
 * on 6.18 by tests/unit/test_nflog, which never sends it) and PF_UNBIND
 * would unhook another tool's logger. So fwd sends one config message:
 * BIND, copy mode and flush timeout together, which the kernel applies in
 * one go, so no packet is ever copied with the default range in between.
 *
 * Parsing trusts nothing: every attribute is length-checked against a
 * policy, the attribute area must be consumed exactly, and the IP/transport
 * headers are read only within the captured payload.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <linux/netlink.h>
#include <libmnl/libmnl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "nflog.h"
#include "strbuf.h"

/* big enough for any nflog skb (the kernel's nlbufsiz defaults to ~4 KiB, max 128 KiB) */
#define NFLOG_BUF_SIZE (128 * 1024 + 4096)
/* a flood is rate-limited in the ruleset; this absorbs bursts while the daemon is busy */
#define NFLOG_RCVBUF (4 * 1024 * 1024)
/*
 * The kernel batches log messages until qthreshold packets or this timeout
 * (1/100 s; default 1 s). A blocked SYN must reach the daemon well before
 * the client's retransmit (~1 s) for a new exception to catch it.
 */
#define NFLOG_FLUSH_CS 1
/* datagrams per nflog_read call, so that a flood cannot starve the main loop */
#define NFLOG_READ_BATCH 256
#define NFLOG_ACK_TIMEOUT_MS 5000
/* IPv6 extension headers skipped before giving up on the transport header */
#define NFLOG_MAX_EXTHDRS 8

struct nflog {
	struct mnl_socket *nl;
	uint16_t group;
	uint64_t lost, malformed;
	char buf[NFLOG_BUF_SIZE];
};

/* ---- parsing ---- */

struct nflog_policy {
	enum mnl_attr_data_type type;
	size_t len;             /* exact payload size; 0 = the type's own (any for UNSPEC) */
};

static const struct nflog_policy nflog_policy[NFULA_MAX + 1] = {
	[NFULA_PACKET_HDR] = { MNL_TYPE_UNSPEC, sizeof(struct nfulnl_msg_packet_hdr) },
	[NFULA_MARK] = { MNL_TYPE_U32, 0 },
	[NFULA_TIMESTAMP] = { MNL_TYPE_UNSPEC,
			      sizeof(struct nfulnl_msg_packet_timestamp) },
	[NFULA_IFINDEX_INDEV] = { MNL_TYPE_U32, 0 },
	[NFULA_IFINDEX_OUTDEV] = { MNL_TYPE_U32, 0 },
	[NFULA_IFINDEX_PHYSINDEV] = { MNL_TYPE_U32, 0 },
	[NFULA_IFINDEX_PHYSOUTDEV] = { MNL_TYPE_U32, 0 },
	[NFULA_HWADDR] = { MNL_TYPE_UNSPEC, sizeof(struct nfulnl_msg_packet_hw) },
	[NFULA_PAYLOAD] = { MNL_TYPE_UNSPEC, 0 },
	[NFULA_PREFIX] = { MNL_TYPE_NUL_STRING, 0 },
	[NFULA_UID] = { MNL_TYPE_U32, 0 },
	[NFULA_SEQ] = { MNL_TYPE_U32, 0 },
	[NFULA_SEQ_GLOBAL] = { MNL_TYPE_U32, 0 },
	[NFULA_GID] = { MNL_TYPE_U32, 0 },
	[NFULA_HWTYPE] = { MNL_TYPE_U16, 0 },
	[NFULA_HWHEADER] = { MNL_TYPE_UNSPEC, 0 },
	[NFULA_HWLEN] = { MNL_TYPE_U16, 0 },
	[NFULA_CT] = { MNL_TYPE_NESTED, 0 },
	[NFULA_CT_INFO] = { MNL_TYPE_U32, 0 },
	[NFULA_VLAN] = { MNL_TYPE_NESTED, 0 },
	[NFULA_L2HDR] = { MNL_TYPE_UNSPEC, 0 },
};

struct nflog_attrs {
	const struct nlattr *tb[NFULA_MAX + 1];
	const char *end;        /* just past the last attribute mnl accepted */
};

static int nflog_attr_cb(const struct nlattr *attr, void *data)
{
	struct nflog_attrs *a = data;
	uint16_t type = mnl_attr_get_type(attr);

	a->end = (const char *)attr + MNL_ALIGN(attr->nla_len);
	/* a newer kernel may add attributes: skip what we do not know */
	if (type > NFULA_MAX || type == NFULA_UNSPEC)
		return MNL_CB_OK;
	if (a->tb[type])
		return MNL_CB_ERROR;
	/* validate2 with length 0 would skip the size check of the U16/U32 types */
	if (nflog_policy[type].len ?
	    mnl_attr_validate2(attr, nflog_policy[type].type, nflog_policy[type].len) < 0 :
	    mnl_attr_validate(attr, nflog_policy[type].type) < 0)
		return MNL_CB_ERROR;
	a->tb[type] = attr;
	return MNL_CB_OK;
}

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static bool proto_has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_UDPLITE || proto == IPPROTO_SCTP ||
	       proto == IPPROTO_DCCP;
}

/*
 * The kernel copies min(copy range, packet length) bytes. A capture shorter
 * than that is a broken message; one that stops at the copy range just
 * ends before a header we wanted (long IPv6 extension headers).
 */
static bool cut_short(size_t cap, size_t wire)
{
	return cap < (wire < NFLOG_COPY_RANGE ? wire : NFLOG_COPY_RANGE);
}

/*
 * The transport header at p + off: cap bytes captured and wire bytes in the
 * packet (SIZE_MAX when the IP header does not say), both from p. A runt
 * packet, too short for ports, is still a real event, without ports.
 */
static int parse_l4(struct nflog_event *ev, const uint8_t *p, size_t cap,
		    size_t wire, size_t off)
{
	bool icmp = (ev->family == AF_INET && ev->proto == IPPROTO_ICMP) ||
		(ev->family == AF_INET6 && ev->proto == IPPROTO_ICMPV6);
	size_t need = icmp ? 2 : 4;
	const uint8_t *l4 = p + off;

	if (!icmp && !proto_has_ports(ev->proto))
		return 1;
	if (cap - off < need)
		return wire - off >= need && cut_short(cap, wire) ? -1 : 1;
	if (icmp) {
		ev->has_icmp = true;
		ev->icmp_type = l4[0];
		ev->icmp_code = l4[1];
		return 1;
	}
	ev->has_ports = true;
	ev->sport = get_be16(l4);
	ev->dport = get_be16(l4 + 2);
	if (ev->proto == IPPROTO_TCP && cap - off >= 14)
		ev->tcp_flags = l4[13];
	return 1;
}

static int parse_ipv4(struct nflog_event *ev, const uint8_t *p, size_t cap)
{
	size_t ihl, tot;

	if (cap < 20 || p[0] >> 4 != 4)
		return -1;
	ihl = (p[0] & 0x0fu) * 4u;
	tot = get_be16(p + 2);
	/* BIG TCP GSO packets over 64 KiB carry a total length of 0 */
	if (tot == 0)
		tot = SIZE_MAX;
	if (ihl < 20 || ihl > cap || tot < ihl)
		return -1;
	ev->proto = p[9];
	memcpy(ev->saddr, p + 12, 4);
	memcpy(ev->daddr, p + 16, 4);
	/* only the first fragment (offset 0) carries the transport header */
	if (get_be16(p + 6) & 0x1fff)
		return 1;
	if (cap > tot)
		cap = tot;
	return parse_l4(ev, p, cap, tot, ihl);
}

/* an IPv6 extension header's length, or SIZE_MAX when even that is not captured */
static size_t exthdr_len(uint8_t nh, const uint8_t *p, size_t left)
{
	if (nh == IPPROTO_FRAGMENT)
		return 8;
	if (left < 2)
		return SIZE_MAX;
	if (nh == IPPROTO_AH)
		return (p[1] + 2u) * 4u;
	return (p[1] + 1u) * 8u;
}

/*
 * Hop-by-hop, routing, destination options, AH and fragment headers are
 * skipped; at anything else (ESP, no-next-header, unknown), proto is that
 * header's number and there are no ports, as when the chain runs past the
 * copy range. A non-first fragment reports the fragmented protocol.
 */
static int parse_ipv6(struct nflog_event *ev, const uint8_t *p, size_t cap)
{
	size_t off = 40, wire, hlen;
	uint8_t nh;

	if (cap < 40 || p[0] >> 4 != 6)
		return -1;
	/* payload length 0: a jumbogram or BIG TCP; the length is elsewhere */
	wire = get_be16(p + 4) ? 40u + get_be16(p + 4) : SIZE_MAX;
	if (cap > wire)
		cap = wire;
	memcpy(ev->saddr, p + 8, 16);
	memcpy(ev->daddr, p + 24, 16);
	nh = p[6];
	for (int i = 0; i < NFLOG_MAX_EXTHDRS; i++) {
		ev->proto = nh;
		if (nh != IPPROTO_HOPOPTS && nh != IPPROTO_ROUTING &&
		    nh != IPPROTO_DSTOPTS && nh != IPPROTO_AH &&
		    nh != IPPROTO_FRAGMENT)
			return parse_l4(ev, p, cap, wire, off);
		hlen = exthdr_len(nh, p + off, cap - off);
		if (hlen > cap - off)
			return cut_short(cap, wire) ? -1 : 1;
		if (nh == IPPROTO_FRAGMENT && (get_be16(p + off + 2) & 0xfff8)) {
			ev->proto = p[off];
			return 1;
		}
		nh = p[off];
		off += hlen;
	}
	ev->proto = nh;
	return 1;
}

static int64_t timestamp_ms(const struct nlattr *attr)
{
	struct nfulnl_msg_packet_timestamp ts;
	uint64_t sec, usec;

	memcpy(&ts, mnl_attr_get_payload(attr), sizeof(ts));
	sec = be64toh(ts.sec);
	usec = be64toh(ts.usec);
	if (usec >= 1000000 || sec > (uint64_t)INT64_MAX / 1000 - 1)
		return -1;
	return (int64_t)(sec * 1000 + usec / 1000);
}

static uint32_t attr_be32(const struct nlattr *attr)
{
	return ntohl(mnl_attr_get_u32(attr));
}

/* everything but the payload */
static int parse_meta(struct nflog_event *ev, const struct nflog_attrs *a)
{
	const struct nlattr *const *tb = a->tb;

	if (tb[NFULA_PACKET_HDR])
		ev->hook = ((const struct nfulnl_msg_packet_hdr *)
			    mnl_attr_get_payload(tb[NFULA_PACKET_HDR]))->hook;
	if (tb[NFULA_TIMESTAMP]) {
		ev->time_ms = timestamp_ms(tb[NFULA_TIMESTAMP]);
		if (ev->time_ms < 0)
			return -1;
	}
	if (tb[NFULA_PREFIX])
		snprintf(ev->prefix, sizeof(ev->prefix), "%s",
			 mnl_attr_get_str(tb[NFULA_PREFIX]));
	if (tb[NFULA_IFINDEX_INDEV])
		ev->ifindex_in = attr_be32(tb[NFULA_IFINDEX_INDEV]);
	if (tb[NFULA_IFINDEX_OUTDEV])
		ev->ifindex_out = attr_be32(tb[NFULA_IFINDEX_OUTDEV]);
	ev->has_uid = tb[NFULA_UID] != NULL;
	if (ev->has_uid)
		ev->uid = attr_be32(tb[NFULA_UID]);
	ev->has_gid = tb[NFULA_GID] != NULL;
	if (ev->has_gid)
		ev->gid = attr_be32(tb[NFULA_GID]);
	return 0;
}

/*
 * mnl_nlmsg_ok compares (int)nlmsg_len with len, so a length of 2^31 or more
 * passes it; mnl_nlmsg_next then steps out of the buffer, or not at all when
 * the aligned length wraps to 0 (an endless loop). Found by tests/fuzz.
 */
static bool nlmsg_fits(const struct nlmsghdr *nlh, size_t len)
{
	return len >= sizeof(*nlh) && nlh->nlmsg_len >= sizeof(*nlh) &&
	       nlh->nlmsg_len <= len;
}

int nflog_parse(const struct nlmsghdr *nlh, size_t len, struct nflog_event *ev)
{
	struct nflog_attrs a;
	const struct nfgenmsg *nfg;
	const uint8_t *pl;
	size_t plen;

	memset(ev, 0, sizeof(*ev));
	memset(&a, 0, sizeof(a));
	if (len > INT_MAX)
		len = INT_MAX;
	/*
	 * libmnl walks attributes up to the aligned end of the message: an
	 * unaligned length would let it read past len. The kernel pads.
	 */
	if (!nlmsg_fits(nlh, len) || nlh->nlmsg_len % MNL_ALIGNTO)
		return -1;
	if (nlh->nlmsg_type != ((NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET))
		return 0;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*nfg))
		return -1;
	nfg = mnl_nlmsg_get_payload(nlh);
	if (nfg->nfgen_family == NFPROTO_IPV4)
		ev->family = AF_INET;
	else if (nfg->nfgen_family == NFPROTO_IPV6)
		ev->family = AF_INET6;
	else
		return 0;
	a.end = mnl_nlmsg_get_payload_offset(nlh, sizeof(*nfg));
	if (mnl_attr_parse(nlh, sizeof(*nfg), nflog_attr_cb, &a) != MNL_CB_OK)
		return -1;
	/* mnl stops quietly at a bad attribute length: garbage left over is malformed */
	if (a.end < (const char *)mnl_nlmsg_get_payload_tail(nlh))
		return -1;
	if (!a.tb[NFULA_PAYLOAD] || parse_meta(ev, &a) < 0)
		return -1;
	pl = mnl_attr_get_payload(a.tb[NFULA_PAYLOAD]);
	plen = mnl_attr_get_payload_len(a.tb[NFULA_PAYLOAD]);
	return ev->family == AF_INET ? parse_ipv4(ev, pl, plen) : parse_ipv6(ev, pl, plen);
}

/* ---- the socket ---- */

static bool have_net_admin(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &hdr, data) < 0)
		return true;    /* cannot tell: blame the other binder, the likelier cause */
	return data[CAP_NET_ADMIN / 32].effective & (1u << (CAP_NET_ADMIN % 32));
}

static struct nlmsghdr *put_config(char *buf, uint16_t group, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfulnl_msg_config_cmd cmd = { .command = NFULNL_CFG_CMD_BIND };
	struct nfulnl_msg_config_mode mode = {
		.copy_range = htonl(NFLOG_COPY_RANGE),
		.copy_mode = NFULNL_COPY_PACKET,
	};
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(group);
	mnl_attr_put(nlh, NFULA_CFG_CMD, sizeof(cmd), &cmd);
	mnl_attr_put(nlh, NFULA_CFG_MODE, sizeof(mode), &mode);
	mnl_attr_put_u32(nlh, NFULA_CFG_TIMEOUT, htonl(NFLOG_FLUSH_CS));
	return nlh;
}

/*
 * Waits for the kernel's answer to seq. Log messages that arrive first (the
 * group is live from BIND on) are dropped: a few events at startup at most.
 * Returns 0 or -1 with errno (the kernel's error, or ETIMEDOUT).
 */
static int wait_ack(struct nflog *nl, uint32_t seq)
{
	struct pollfd pfd = { .fd = mnl_socket_get_fd(nl->nl), .events = POLLIN };
	unsigned int portid = mnl_socket_get_portid(nl->nl);
	ssize_t n;
	int ret;

	for (;;) {
		ret = poll(&pfd, 1, NFLOG_ACK_TIMEOUT_MS);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret <= 0) {
			if (ret == 0)
				errno = ETIMEDOUT;
			return -1;
		}
		n = mnl_socket_recvfrom(nl->nl, nl->buf, sizeof(nl->buf));
		if (n < 0 && errno == ENOBUFS)
			nl->lost++;
		if (n < 0 && (errno == EAGAIN || errno == EINTR || errno == ENOBUFS))
			continue;
		if (n < 0)
			return -1;
		ret = mnl_cb_run(nl->buf, (size_t)n, seq, portid, NULL, NULL);
		if (ret == MNL_CB_ERROR)
			return -1;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

static void set_rcvbuf(int fd)
{
	int size = NFLOG_RCVBUF;

	/* FORCE passes rmem_max; needs CAP_NET_ADMIN, which we have anyway */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

static int bind_group(struct nflog *nl, char *err, size_t errlen)
{
	uint32_t seq = (uint32_t)time(NULL);
	struct nlmsghdr *nlh = put_config(nl->buf, nl->group, seq);
	int off = 0, e;

	/* we want ENOBUFS: it is the only sign that events were lost */
	mnl_socket_setsockopt(nl->nl, NETLINK_NO_ENOBUFS, &off, sizeof(off));
	set_rcvbuf(mnl_socket_get_fd(nl->nl));
	if (mnl_socket_sendto(nl->nl, nlh, nlh->nlmsg_len) >= 0 &&
	    wait_ack(nl, seq) == 0)
		return 0;
	e = errno;
	/* nfnetlink answers EPERM both to a second binder and to a caller without the capability */
	if (e == EPERM && have_net_admin())
		snprintf(err, errlen, "nflog group %u is already bound by another"
			 " process (ulogd?); set log-group in fwd.conf", nl->group);
	else if (e == EPERM)
		snprintf(err, errlen, "binding nflog group %u: permission denied"
			 " (fwd needs CAP_NET_ADMIN)", nl->group);
	else
		snprintf(err, errlen, "binding nflog group %u: %s", nl->group,
			 strerror(e));
	return -1;
}

struct nflog *nflog_open(uint16_t group, char *err, size_t errlen)
{
	struct nflog *nl = xcalloc(1, sizeof(*nl));

	nl->group = group;
	nl->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!nl->nl) {
		snprintf(err, errlen, "opening a netfilter netlink socket: %s",
			 strerror(errno));
		goto fail;
	}
	if (mnl_socket_bind(nl->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "binding a netfilter netlink socket: %s",
			 strerror(errno));
		goto fail;
	}
	if (bind_group(nl, err, errlen) < 0)
		goto fail;
	return nl;
fail:
	nflog_close(nl);
	return NULL;
}

/* closing the socket is enough: the kernel unbinds the group on release */
void nflog_close(struct nflog *nl)
{
	if (!nl)
		return;
	if (nl->nl)
		mnl_socket_close(nl->nl);
	free(nl);
}

int nflog_fd(const struct nflog *nl)
{
	return mnl_socket_get_fd(nl->nl);
}

uint64_t nflog_lost(const struct nflog *nl)
{
	return nl->lost;
}

uint64_t nflog_malformed(const struct nflog *nl)
{
	return nl->malformed;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* the messages of one datagram; returns the number of events */
static int dispatch(struct nflog *nl, size_t n,
		    void (*cb)(void *arg, const struct nflog_event *ev), void *arg)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)nl->buf;
	int len = (int)n, events = 0, ret;
	struct nflog_event ev;
	int64_t now = now_ms();

	/* not mnl_nlmsg_ok: see nlmsg_fits */
	for (; len >= 0 && nlmsg_fits(nlh, (size_t)len); nlh = mnl_nlmsg_next(nlh, &len)) {
		ret = nflog_parse(nlh, (size_t)len, &ev);
		if (ret < 0)
			nl->malformed++;
		if (ret <= 0)
			continue;
		/* packets received locally often carry no timestamp */
		if (ev.time_ms == 0)
			ev.time_ms = now;
		cb(arg, &ev);
		events++;
	}
	return events;
}

/* one datagram from the kernel; -1 with errno, EAGAIN when none waits */
static ssize_t recv_one(struct nflog *nl)
{
	struct sockaddr_nl addr;
	struct iovec iov = { nl->buf, sizeof(nl->buf) };
	struct msghdr msg = {
		.msg_name = &addr, .msg_namelen = sizeof(addr),
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	ssize_t n = recvmsg(nflog_fd(nl), &msg, MSG_DONTWAIT);

	if (n < 0)
		return -1;
	/* anything not from the kernel (portid 0) is someone else's message */
	if (msg.msg_namelen != sizeof(addr) || addr.nl_pid != 0)
		return 0;
	/* cannot happen with our buffer size; if it does, events were lost */
	if (msg.msg_flags & MSG_TRUNC) {
		nl->lost++;
		return 0;
	}
	return n;
}

int nflog_read(struct nflog *nl, void (*cb)(void *arg, const struct nflog_event *ev),
	       void *arg)
{
	int events = 0;
	ssize_t n;

	for (int i = 0; i < NFLOG_READ_BATCH; i++) {
		n = recv_one(nl);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		/*
		 * ENOBUFS: the receive queue overflowed and the kernel dropped
		 * an unknown number of messages (each may hold many events).
		 * We can only count the occurrences; the queue is still
		 * readable afterwards.
		 */
		if (n < 0 && errno == ENOBUFS) {
			nl->lost++;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		events += dispatch(nl, (size_t)n, cb, arg);
	}
	return events;
}
