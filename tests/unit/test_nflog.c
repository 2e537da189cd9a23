/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The nflog parser on hand-built messages (every truncation, bogus
 * lengths), the live reader in a network namespace of its own (root only,
 * skipped otherwise), and the event log in the store, including the
 * migration of a schema-1 database.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nflog.h"
#include "store.h"
#include "testlib.h"

/* ---- building packets ---- */

static const uint8_t ip4_src[4] = { 192, 0, 2, 1 }, ip4_dst[4] = { 198, 51, 100, 7 };
static const uint8_t ip6_src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t ip6_dst[16] = { 0x20, 0x01, 0x0d, 0xb8, [14] = 0xab, [15] = 2 };

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* an IPv4 header of ihl words; frag is the flags+offset field */
static size_t ip4(uint8_t *p, int ihl, uint8_t proto, uint16_t tot, uint16_t frag)
{
	memset(p, 0, (size_t)ihl * 4);
	p[0] = (uint8_t)(0x40 | ihl);
	put16(p + 2, tot);
	put16(p + 6, frag);
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, ip4_src, 4);
	memcpy(p + 16, ip4_dst, 4);
	return (size_t)ihl * 4;
}

static size_t ip6(uint8_t *p, uint8_t nh, uint16_t plen)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	put16(p + 4, plen);
	p[6] = nh;
	p[7] = 64;
	memcpy(p + 8, ip6_src, 16);
	memcpy(p + 24, ip6_dst, 16);
	return 40;
}

/* a transport header of hlen bytes starting with two ports */
static size_t l4(uint8_t *p, size_t hlen, uint16_t sport, uint16_t dport, uint8_t tcp_flags)
{
	memset(p, 0, hlen);
	put16(p, sport);
	put16(p + 2, dport);
	if (hlen >= 14)
		p[13] = tcp_flags;
	return hlen;
}

/* an extension header of len bytes (a multiple of 8) */
static size_t ext6(uint8_t *p, uint8_t nh, size_t len)
{
	memset(p, 0, len);
	p[0] = nh;
	p[1] = (uint8_t)(len / 8 - 1);
	return len;
}

static size_t frag6(uint8_t *p, uint8_t nh, uint16_t offset_units, bool more)
{
	memset(p, 0, 8);
	p[0] = nh;
	put16(p + 2, (uint16_t)(offset_units << 3 | (more ? 1 : 0)));
	return 8;
}

struct pkt_case {
	const char *name;
	uint8_t nfproto;
	uint8_t pkt[256];
	size_t len;
	int ret;
	uint8_t proto;
	bool has_ports;
	uint16_t sport, dport;
	uint8_t tcp_flags;
	bool has_icmp;
	uint8_t icmp_type;
	size_t min_cap;         /* shorter captures must give -1; 0 = not checked */
};

#define V4 NFPROTO_IPV4
#define V6 NFPROTO_IPV6

/* fills the table; returns the number of cases */
static size_t pkt_cases(struct pkt_case *c)
{
	size_t n = 0, o;
	struct pkt_case *k;

#define NEW(nm, fam) (k = &c[n++], memset(k, 0, sizeof(*k)), k->name = (nm), \
		      k->nfproto = (fam), k->ret = 1)
	NEW("tcp4 syn", V4);
	o = ip4(k->pkt, 5, IPPROTO_TCP, 40, 0x4000);
	k->len = o + l4(k->pkt + o, 20, 40000, 22, 0x02);
	k->proto = 6, k->has_ports = true, k->sport = 40000, k->dport = 22;
	k->tcp_flags = 0x02, k->min_cap = 24;

	NEW("tcp6 syn", V6);
	o = ip6(k->pkt, IPPROTO_TCP, 20);
	k->len = o + l4(k->pkt + o, 20, 40001, 443, 0x02);
	k->proto = 6, k->has_ports = true, k->sport = 40001, k->dport = 443;
	k->tcp_flags = 0x02, k->min_cap = 44;

	NEW("udp4 with data", V4);
	o = ip4(k->pkt, 5, IPPROTO_UDP, 32, 0);
	k->len = o + l4(k->pkt + o, 12, 5353, 9999, 0);
	k->proto = 17, k->has_ports = true, k->sport = 5353, k->dport = 9999;
	k->min_cap = 24;

	NEW("udp6", V6);
	o = ip6(k->pkt, IPPROTO_UDP, 8);
	k->len = o + l4(k->pkt + o, 8, 546, 547, 0);
	k->proto = 17, k->has_ports = true, k->sport = 546, k->dport = 547;
	k->min_cap = 44;

	NEW("icmp echo", V4);
	o = ip4(k->pkt, 5, IPPROTO_ICMP, 28, 0);
	k->len = o + l4(k->pkt + o, 8, 0x0800, 0x1234, 0);
	k->proto = 1, k->has_icmp = true, k->icmp_type = 8, k->min_cap = 22;

	NEW("icmpv6 echo", V6);
	o = ip6(k->pkt, IPPROTO_ICMPV6, 8);
	k->len = o + l4(k->pkt + o, 8, 0x8000, 0x1234, 0);
	k->proto = 58, k->has_icmp = true, k->icmp_type = 128, k->min_cap = 42;

	NEW("ipv4 later fragment", V4);
	o = ip4(k->pkt, 5, IPPROTO_UDP, 28, 185);
	k->len = o + l4(k->pkt + o, 8, 1111, 2222, 0);
	k->proto = 17, k->min_cap = 20;

	NEW("ipv4 first fragment", V4);
	o = ip4(k->pkt, 5, IPPROTO_UDP, 28, 0x2000);
	k->len = o + l4(k->pkt + o, 8, 1000, 2000, 0);
	k->proto = 17, k->has_ports = true, k->sport = 1000, k->dport = 2000;
	k->min_cap = 24;

	NEW("ipv4 with options", V4);
	o = ip4(k->pkt, 7, IPPROTO_TCP, 48, 0);
	k->len = o + l4(k->pkt + o, 20, 3333, 80, 0x12);
	k->proto = 6, k->has_ports = true, k->sport = 3333, k->dport = 80;
	k->tcp_flags = 0x12, k->min_cap = 32;

	NEW("ipv6 hop-by-hop + udp", V6);
	o = ip6(k->pkt, IPPROTO_HOPOPTS, 16);
	o += ext6(k->pkt + o, IPPROTO_UDP, 8);
	k->len = o + l4(k->pkt + o, 8, 53, 9999, 0);
	k->proto = 17, k->has_ports = true, k->sport = 53, k->dport = 9999;
	k->min_cap = 52;

	NEW("ipv6 later fragment", V6);
	o = ip6(k->pkt, IPPROTO_FRAGMENT, 16);
	o += frag6(k->pkt + o, IPPROTO_UDP, 4, false);
	k->len = o + l4(k->pkt + o, 8, 7, 8, 0);
	k->proto = 17, k->min_cap = 48;

	NEW("ipv6 first fragment", V6);
	o = ip6(k->pkt, IPPROTO_FRAGMENT, 16);
	o += frag6(k->pkt + o, IPPROTO_UDP, 0, true);
	k->len = o + l4(k->pkt + o, 8, 4000, 4001, 0);
	k->proto = 17, k->has_ports = true, k->sport = 4000, k->dport = 4001;
	k->min_cap = 52;

	NEW("ipv6 esp: not skipped", V6);
	o = ip6(k->pkt, IPPROTO_ESP, 16);
	k->len = o + l4(k->pkt + o, 16, 1, 2, 0);
	k->proto = 50, k->min_cap = 40;

	/* captures of exactly the copy range (128) ending inside a header chain */
	NEW("ipv6 96-byte dstopts: past the capture", V6);
	o = ip6(k->pkt, IPPROTO_DSTOPTS, 96 + 20);
	o += ext6(k->pkt + o, IPPROTO_TCP, 96);
	l4(k->pkt + o, 20, 1, 2, 0x02);
	k->len = NFLOG_COPY_RANGE;
	k->proto = IPPROTO_DSTOPTS;

	NEW("ipv6 88-byte dstopts: tcp at the capture's end", V6);
	o = ip6(k->pkt, IPPROTO_DSTOPTS, 88 + 20);
	o += ext6(k->pkt + o, IPPROTO_TCP, 88);
	l4(k->pkt + o, 20, 1, 2, 0x02);
	k->len = NFLOG_COPY_RANGE;
	k->proto = 6;

	NEW("ipv6 80-byte dstopts: ports captured", V6);
	o = ip6(k->pkt, IPPROTO_DSTOPTS, 80 + 20);
	o += ext6(k->pkt + o, IPPROTO_TCP, 80);
	l4(k->pkt + o, 20, 5, 6, 0x02);
	k->len = NFLOG_COPY_RANGE;
	k->proto = 6, k->has_ports = true, k->sport = 5, k->dport = 6;

	NEW("tcp4 runt: no tcp header on the wire", V4);
	k->len = ip4(k->pkt, 5, IPPROTO_TCP, 20, 0);
	k->proto = 6;

	NEW("tcp4 capture cut below the copy range", V4);
	o = ip4(k->pkt, 5, IPPROTO_TCP, 40, 0);
	l4(k->pkt + o, 20, 1, 2, 0x02);
	k->len = 22, k->ret = -1;

	NEW("ihl beyond the payload", V4);
	k->len = ip4(k->pkt, 15, IPPROTO_TCP, 60, 0) - 20;
	k->ret = -1;

	NEW("ihl below 5", V4);
	ip4(k->pkt, 5, IPPROTO_TCP, 40, 0);
	k->pkt[0] = 0x44, k->len = 40, k->ret = -1;

	NEW("total length below ihl", V4);
	k->len = ip4(k->pkt, 5, IPPROTO_UDP, 12, 0) + 8;
	k->ret = -1;

	NEW("ipv4 payload of 10 bytes", V4);
	ip4(k->pkt, 5, IPPROTO_UDP, 28, 0);
	k->len = 10, k->ret = -1;

	NEW("ipv6 payload of 30 bytes", V6);
	ip6(k->pkt, IPPROTO_UDP, 8);
	k->len = 30, k->ret = -1;

	NEW("ipv6 packet in an ipv4 message", V4);
	o = ip6(k->pkt, IPPROTO_UDP, 8);
	k->len = o + l4(k->pkt + o, 8, 1, 2, 0);
	k->ret = -1;

	NEW("ipv4 packet in an ipv6 message", V6);
	o = ip4(k->pkt, 5, IPPROTO_UDP, 48, 0);
	k->len = o + l4(k->pkt + o, 28, 1, 2, 0);
	k->ret = -1;
#undef NEW
	return n;
}

/* ---- building messages ---- */

enum mutation {
	M_NONE, M_NO_UID, M_NO_TS, M_NO_PAYLOAD, M_CONFIG_TYPE, M_BRIDGE,
	M_UNKNOWN_ATTR, M_SHORT_UID, M_PREFIX_NO_NUL, M_SHORT_TS, M_BAD_USEC,
	M_DUP_PREFIX, M_SHORT_HDR, M_ATTR_LEN_2, M_ATTR_LEN_HUGE, M_UNALIGNED,
	M_NO_NFGENMSG, M_ERROR_MSG, M_TRAILING_GARBAGE,
};

#define TEST_UID 1000
#define TEST_SEC 1700000000ULL
#define TEST_USEC 123456ULL

static void put_attrs(struct nlmsghdr *nlh, uint8_t nfproto, enum mutation m)
{
	struct nfulnl_msg_packet_hdr ph = { htons(nfproto == V4 ? 0x0800 : 0x86dd), 1, 0 };
	struct nfulnl_msg_packet_timestamp ts = { htobe64(TEST_SEC),
		htobe64(m == M_BAD_USEC ? 2000000 : TEST_USEC) };

	mnl_attr_put(nlh, NFULA_PACKET_HDR, m == M_SHORT_HDR ? 2 : sizeof(ph), &ph);
	mnl_attr_put_u32(nlh, NFULA_IFINDEX_INDEV, htonl(3));
	if (m != M_NO_TS)
		mnl_attr_put(nlh, NFULA_TIMESTAMP, m == M_SHORT_TS ? 8 : sizeof(ts), &ts);
	if (m == M_SHORT_UID)
		mnl_attr_put_u16(nlh, NFULA_UID, 7);
	else if (m != M_NO_UID)
		mnl_attr_put_u32(nlh, NFULA_UID, htonl(TEST_UID));
	if (m == M_PREFIX_NO_NUL)
		mnl_attr_put(nlh, NFULA_PREFIX, 11, "fwd-drop-in");
	else
		mnl_attr_put_strz(nlh, NFULA_PREFIX, "fwd-drop-in");
	if (m == M_DUP_PREFIX)
		mnl_attr_put_strz(nlh, NFULA_PREFIX, "again");
	if (m == M_UNKNOWN_ATTR)
		mnl_attr_put_u32(nlh, NFULA_MAX + 5, 42);
}

/* an NFULNL_MSG_PACKET laid out as the kernel does (payload last); returns its length */
static size_t build_msg(char *buf, uint8_t nfproto, const uint8_t *pkt, size_t plen,
			enum mutation m)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;
	struct nlattr *a;

	nlh->nlmsg_type = (NFNL_SUBSYS_ULOG << 8) |
		(m == M_CONFIG_TYPE ? NFULNL_MSG_CONFIG : NFULNL_MSG_PACKET);
	if (m == M_ERROR_MSG)
		nlh->nlmsg_type = NLMSG_ERROR;
	if (m == M_NO_NFGENMSG)
		return nlh->nlmsg_len;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = m == M_BRIDGE ? NFPROTO_BRIDGE : nfproto;
	nfg->res_id = htons(7);
	put_attrs(nlh, nfproto, m);
	if (m == M_ATTR_LEN_2 || m == M_ATTR_LEN_HUGE) {
		a = mnl_nlmsg_get_payload_tail(nlh);
		mnl_attr_put_u32(nlh, NFULA_MARK, 0);
		a->nla_len = m == M_ATTR_LEN_2 ? 2 : 4000;
	}
	if (m != M_NO_PAYLOAD)
		mnl_attr_put(nlh, NFULA_PAYLOAD, plen, pkt);
	if (m == M_TRAILING_GARBAGE) {
		a = mnl_nlmsg_get_payload_tail(nlh);
		mnl_attr_put_u32(nlh, NFULA_MARK, 0);
		a->nla_len = 3;
	}
	if (m == M_UNALIGNED)
		nlh->nlmsg_len -= 2;
	return nlh->nlmsg_len;
}

/* the message in a heap block of exactly len bytes, so ASan sees any overread */
static int parse_exact(const void *msg, size_t len, struct nflog_event *ev)
{
	void *copy = malloc(len ? len : 1);
	int ret;

	memcpy(copy, msg, len);
	ret = nflog_parse(copy, len, ev);
	free(copy);
	return ret;
}

static bool same_l4(const struct nflog_event *a, const struct pkt_case *c)
{
	return a->proto == c->proto && a->has_ports == c->has_ports &&
	       a->sport == c->sport && a->dport == c->dport &&
	       a->has_icmp == c->has_icmp && a->icmp_type == c->icmp_type;
}

static void check_addrs(const struct nflog_event *ev, const struct pkt_case *c)
{
	if (c->nfproto == V4) {
		CHECK(ev->family == AF_INET, "%s: family %d", c->name, ev->family);
		CHECK(memcmp(ev->saddr, ip4_src, 4) == 0 &&
		      memcmp(ev->daddr, ip4_dst, 4) == 0, "%s: addresses", c->name);
	} else {
		CHECK(ev->family == AF_INET6, "%s: family %d", c->name, ev->family);
		CHECK(memcmp(ev->saddr, ip6_src, 16) == 0 &&
		      memcmp(ev->daddr, ip6_dst, 16) == 0, "%s: addresses", c->name);
	}
}

/* every shorter capture, in a well-formed message around it */
static void check_capture_cuts(const struct pkt_case *c)
{
	static char buf[1024];
	struct nflog_event ev;
	size_t len;
	int ret, bad = 0;

	for (size_t cap = 0; cap < c->len; cap++) {
		len = build_msg(buf, c->nfproto, c->pkt, cap, M_NONE);
		ret = parse_exact(buf, len, &ev);
		if (cap < c->min_cap ? ret != -1 : ret != 1 || !same_l4(&ev, c)) {
			fprintf(stderr, "  %s cut to %zu: got %d proto %u ports %u>%u\n",
				c->name, cap, ret, ev.proto, ev.sport, ev.dport);
			bad++;
		}
	}
	CHECK(bad == 0, "%s: %d captures misparsed", c->name, bad);
}

/* the whole message cut at every byte, with and without nlmsg_len following */
static void check_msg_cuts(const struct pkt_case *c)
{
	static char buf[1024];
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct nflog_event ev;
	size_t full = build_msg(buf, c->nfproto, c->pkt, c->len, M_NONE);
	int bad = 0;

	for (size_t cut = 0; cut < full; cut++) {
		nlh->nlmsg_len = (uint32_t)full;
		if (parse_exact(buf, cut, &ev) != -1)
			bad++;
		/* payload is the last attribute: any cut loses or breaks it */
		nlh->nlmsg_len = (uint32_t)cut;
		if (cut >= sizeof(*nlh) && parse_exact(buf, cut, &ev) != -1)
			bad++;
	}
	nlh->nlmsg_len = (uint32_t)full;
	CHECK(bad == 0, "%s: %d of %zu cuts not refused", c->name, bad, 2 * full);
}

static void test_packets(void)
{
	static struct pkt_case cases[40];
	static char buf[1024];
	size_t n = pkt_cases(cases), len;
	struct nflog_event ev;
	int ret;

	for (size_t i = 0; i < n; i++) {
		const struct pkt_case *c = &cases[i];

		len = build_msg(buf, c->nfproto, c->pkt, c->len, M_NONE);
		ret = parse_exact(buf, len, &ev);
		CHECK(ret == c->ret, "%s: returned %d, want %d", c->name, ret, c->ret);
		if (ret != 1 || c->ret != 1)
			continue;
		CHECK(same_l4(&ev, c), "%s: proto %u ports %d %u>%u icmp %d %u",
		      c->name, ev.proto, ev.has_ports, ev.sport, ev.dport,
		      ev.has_icmp, ev.icmp_type);
		CHECK(ev.tcp_flags == c->tcp_flags, "%s: tcp flags %#x", c->name,
		      ev.tcp_flags);
		check_addrs(&ev, c);
		if (c->min_cap) {
			check_capture_cuts(c);
			check_msg_cuts(c);
		}
	}
}

static const struct {
	const char *name;
	enum mutation m;
	int ret;
} msg_cases[] = {
	{ "complete", M_NONE, 1 },
	{ "no uid (new inbound)", M_NO_UID, 1 },
	{ "no timestamp", M_NO_TS, 1 },
	{ "unknown attribute skipped", M_UNKNOWN_ATTR, 1 },
	{ "config message", M_CONFIG_TYPE, 0 },
	{ "netlink error message", M_ERROR_MSG, 0 },
	{ "bridge family", M_BRIDGE, 0 },
	{ "no payload", M_NO_PAYLOAD, -1 },
	{ "uid of 2 bytes", M_SHORT_UID, -1 },
	{ "prefix without NUL", M_PREFIX_NO_NUL, -1 },
	{ "timestamp of 8 bytes", M_SHORT_TS, -1 },
	{ "timestamp usec >= 1e6", M_BAD_USEC, -1 },
	{ "duplicate prefix", M_DUP_PREFIX, -1 },
	{ "packet header of 2 bytes", M_SHORT_HDR, -1 },
	{ "attribute length 2", M_ATTR_LEN_2, -1 },
	{ "attribute length past the message", M_ATTR_LEN_HUGE, -1 },
	{ "garbage after the payload", M_TRAILING_GARBAGE, -1 },
	{ "unaligned message length", M_UNALIGNED, -1 },
	{ "no nfgenmsg", M_NO_NFGENMSG, -1 },
};

static void test_messages(void)
{
	static struct pkt_case pc[40];
	static char buf[1024];
	struct nflog_event ev;
	size_t len;
	int ret;

	pkt_cases(pc);          /* pc[0]: tcp4 syn */
	for (size_t i = 0; i < sizeof(msg_cases) / sizeof(msg_cases[0]); i++) {
		len = build_msg(buf, V4, pc[0].pkt, pc[0].len, msg_cases[i].m);
		ret = parse_exact(buf, len, &ev);
		CHECK(ret == msg_cases[i].ret, "%s: returned %d, want %d",
		      msg_cases[i].name, ret, msg_cases[i].ret);
	}
	len = build_msg(buf, V4, pc[0].pkt, pc[0].len, M_NONE);
	CHECK(parse_exact(buf, len, &ev) == 1, "complete message");
	CHECK_STR(ev.prefix, "fwd-drop-in", "prefix");
	CHECK(ev.ifindex_in == 3 && ev.ifindex_out == 0, "ifindex %u/%u",
	      ev.ifindex_in, ev.ifindex_out);
	CHECK(ev.has_uid && ev.uid == TEST_UID, "uid %d %u", ev.has_uid, ev.uid);
	CHECK(!ev.has_gid, "no gid");
	CHECK(ev.hook == NF_INET_LOCAL_IN, "hook %u", ev.hook);
	CHECK(ev.time_ms == (int64_t)(TEST_SEC * 1000 + TEST_USEC / 1000),
	      "time %lld", (long long)ev.time_ms);
	len = build_msg(buf, V4, pc[0].pkt, pc[0].len, M_NO_UID);
	CHECK(parse_exact(buf, len, &ev) == 1 && !ev.has_uid, "uid absent");
	len = build_msg(buf, V4, pc[0].pkt, pc[0].len, M_NO_TS);
	CHECK(parse_exact(buf, len, &ev) == 1 && ev.time_ms == 0, "no time");
	len = build_msg(buf, V4, pc[0].pkt, pc[0].len, M_NONE);
	CHECK(parse_exact(buf, len - 4, &ev) == -1, "message longer than its buffer");
	/* a datagram of two messages: the first parses within its own length */
	memcpy(buf + len, buf, len);
	CHECK(nflog_parse((struct nlmsghdr *)buf, 2 * len, &ev) == 1 &&
	      ev.dport == 22, "first of two messages");
}

/* random bytes over valid messages: only -1/0/1, ASan watching */
static void test_fuzz_quick(void)
{
	static struct pkt_case pc[40];
	static char buf[1024];
	struct nflog_event ev;
	unsigned int seed = 12345;
	size_t len, n = pkt_cases(pc);
	int ret, bad = 0, ok = 0;

	for (int i = 0; i < 20000; i++) {
		const struct pkt_case *c = &pc[(size_t)i % n];

		len = build_msg(buf, c->nfproto, c->pkt, c->len, M_NONE);
		for (int k = 0; k < 1 + i % 4; k++)
			buf[16 + (size_t)rand_r(&seed) % (len - 16)] = (char)rand_r(&seed);
		ret = parse_exact(buf, len, &ev);
		if (ret < -1 || ret > 1)
			bad++;
		ok += ret == 1;
	}
	CHECK(bad == 0, "%d mutated messages gave odd results", bad);
	printf("quick fuzz: %d of 20000 mutated messages still parse\n", ok);
}

/* ---- live: a namespace of our own ---- */

struct live_state {
	struct nflog_event ev[64];
	int n;
};

static void live_cb(void *arg, const struct nflog_event *ev)
{
	struct live_state *st = arg;

	if (st->n < 64)
		st->ev[st->n++] = *ev;
}

static int run(const char *cmd)
{
	return system(cmd) == 0 ? 0 : -1;
}

/* the test fixture: fwd itself never runs nft */
static int nft_load(void)
{
	FILE *f = popen("nft -f -", "w");

	if (!f)
		return -1;
	fputs("table inet t {\n"
	      " chain input {\n"
	      "  type filter hook input priority 0;\n"
	      "  udp dport 9999 log group 7 prefix \"fwd-drop-in\" drop\n"
	      "  tcp dport 9998 log group 7 prefix \"fwd-drop-in\" drop\n"
	      " }\n"
	      "}\n", f);
	return pclose(f) == 0 ? 0 : -1;
}

static socklen_t make_addr(struct sockaddr_storage *ss, int family,
			   const char *addr, uint16_t port)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		inet_pton(AF_INET, addr, &s4->sin_addr);
		return sizeof(*s4);
	}
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	inet_pton(AF_INET6, addr, &s6->sin6_addr);
	return sizeof(*s6);
}

/* one datagram or one SYN from an ephemeral port; returns that port, 0 on failure */
static uint16_t send_to(int family, int type, const char *addr, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t sl = make_addr(&ss, family, addr, port);
	int fd = socket(family, type | SOCK_NONBLOCK, 0), ok;
	uint16_t sport = 0;

	if (fd < 0)
		return 0;
	if (type == SOCK_DGRAM)
		ok = sendto(fd, "x", 1, 0, (struct sockaddr *)&ss, sl) == 1;
	else
		ok = connect(fd, (struct sockaddr *)&ss, sl) == 0 || errno == EINPROGRESS;
	sl = sizeof(ss);
	if (ok && getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		sport = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
			      : ((struct sockaddr_in6 *)&ss)->sin6_port);
	/* let the SYN leave before the socket goes */
	usleep(20000);
	close(fd);
	return sport;
}

static int live_wait(struct nflog *nl, struct live_state *st, int want)
{
	struct pollfd pfd = { .fd = nflog_fd(nl), .events = POLLIN };

	for (int i = 0; i < 40 && st->n < want; i++) {
		if (poll(&pfd, 1, 50) > 0 && nflog_read(nl, live_cb, st) < 0)
			return -1;
	}
	return st->n;
}

static const struct nflog_event *find_ev(const struct live_state *st, int family,
					 uint8_t proto)
{
	for (int i = 0; i < st->n; i++)
		if (st->ev[i].family == family && st->ev[i].proto == proto)
			return &st->ev[i];
	return NULL;
}

static void live_check_ev(const struct nflog_event *ev, const char *what,
			  uint16_t sport, uint16_t dport)
{
	static const uint8_t lo4[4] = { 127, 0, 0, 1 };
	static const uint8_t lo6[16] = { [15] = 1 };
	int64_t now = (int64_t)time(NULL) * 1000;
	const uint8_t *lo;
	size_t alen;

	CHECK(ev != NULL, "%s: no event", what);
	if (!ev)
		return;
	lo = ev->family == AF_INET ? lo4 : lo6;
	alen = ev->family == AF_INET ? 4 : 16;
	CHECK(ev->has_ports && ev->sport == sport && ev->dport == dport,
	      "%s: ports %u>%u, want %u>%u", what, ev->sport, ev->dport, sport, dport);
	CHECK_STR(ev->prefix, "fwd-drop-in", what);
	CHECK(memcmp(ev->saddr, lo, alen) == 0 && memcmp(ev->daddr, lo, alen) == 0,
	      "%s: addresses", what);
	CHECK(ev->hook == NF_INET_LOCAL_IN, "%s: hook %u", what, ev->hook);
	CHECK(ev->ifindex_in == 1, "%s: ifindex %u (lo is 1)", what, ev->ifindex_in);
	CHECK(!ev->has_uid, "%s: uid %u present for a new inbound packet", what, ev->uid);
	CHECK(ev->time_ms > now - 10000 && ev->time_ms < now + 10000,
	      "%s: time %lld", what, (long long)ev->time_ms);
}

/* a tiny receive buffer and a burst: the kernel must report the loss */
static void live_overflow(struct nflog *nl)
{
	struct live_state st = { .n = 0 };
	struct sockaddr_storage to;
	socklen_t tl = make_addr(&to, AF_INET, "127.0.0.1", 9999);
	int small = 1, fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0), total = 0, r;

	setsockopt(nflog_fd(nl), SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	for (int i = 0; i < 3000; i++)
		sendto(fd, "y", 1, 0, (struct sockaddr *)&to, tl);
	close(fd);
	usleep(100000);
	do {
		st.n = 0;
		r = nflog_read(nl, live_cb, &st);
		total += r > 0 ? r : 0;
	} while (r > 0);
	CHECK(nflog_lost(nl) >= 1, "overflow: lost %llu, read %d",
	      (unsigned long long)nflog_lost(nl), total);
	CHECK(total > 0 && total < 3000, "overflow: read %d of 3000", total);
	CHECK(nflog_malformed(nl) == 0, "malformed %llu",
	      (unsigned long long)nflog_malformed(nl));
	printf("live overflow: 3000 sent, %d read, %llu ENOBUFS\n", total,
	       (unsigned long long)nflog_lost(nl));
}

static void live_body(void)
{
	struct live_state st = { .n = 0 };
	const struct nflog_event *syn;
	struct nflog *nl, *nl2;
	char err[256];
	uint16_t s4, s6, st4;
	int rcvbuf = 0;
	socklen_t optlen = sizeof(rcvbuf);

	CHECK(run("ip link set lo up") == 0, "ip link set lo up");
	CHECK(nft_load() == 0, "nft -f (test fixture)");
	nl = nflog_open(7, err, sizeof(err));
	CHECK(nl != NULL, "nflog_open: %s", err);
	if (!nl)
		return;
	CHECK(getsockopt(nflog_fd(nl), SOL_SOCKET, SO_RCVBUF, &rcvbuf, &optlen) == 0 &&
	      rcvbuf >= 4 * 1024 * 1024, "receive buffer %d", rcvbuf);
	nl2 = nflog_open(7, err, sizeof(err));
	CHECK(nl2 == NULL, "second binder accepted");
	nflog_close(nl2);
	CHECK_STR(err, "nflog group 7 is already bound by another process (ulogd?);"
		  " set log-group in fwd.conf", "second binder");
	s4 = send_to(AF_INET, SOCK_DGRAM, "127.0.0.1", 9999);
	st4 = send_to(AF_INET, SOCK_STREAM, "127.0.0.1", 9998);
	s6 = send_to(AF_INET6, SOCK_DGRAM, "::1", 9999);
	CHECK(s4 && st4 && s6, "sending: ports %u %u %u", s4, st4, s6);
	CHECK(live_wait(nl, &st, 3) >= 3, "events: %d of 3", st.n);
	live_check_ev(find_ev(&st, AF_INET, IPPROTO_UDP), "udp4", s4, 9999);
	live_check_ev(find_ev(&st, AF_INET, IPPROTO_TCP), "tcp4 syn", st4, 9998);
	live_check_ev(find_ev(&st, AF_INET6, IPPROTO_UDP), "udp6", s6, 9999);
	syn = find_ev(&st, AF_INET, IPPROTO_TCP);
	CHECK(syn && syn->tcp_flags == 0x02, "syn flags %#x", syn ? syn->tcp_flags : 0);
	CHECK(nflog_lost(nl) == 0, "nothing lost yet");
	live_overflow(nl);
	nflog_close(nl);
	/* the kernel releases the group with the socket */
	nl = nflog_open(7, err, sizeof(err));
	CHECK(nl != NULL, "reopen after close: %s", err);
	nflog_close(nl);
}

/* the child enters the namespace; its counts come back through a pipe */
static void live_child(const char *ns, int wfd)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0 && setns(fd, CLONE_NEWNET) == 0, "entering %s: %s", ns,
	      strerror(errno));
	if (fd >= 0)
		close(fd);
	if (test_failed == 0)
		live_body();
	dprintf(wfd, "%d %d\n", test_passed, test_failed);
	close(wfd);
	exit(0);
}

static void live_collect(pid_t pid, int rfd, const char *ns)
{
	char res[64] = "";
	int status = 0, p = 0, f = 0;
	ssize_t r = read(rfd, res, sizeof(res) - 1);

	close(rfd);
	waitpid(pid, &status, 0);
	CHECK(r > 0 && sscanf(res, "%d %d", &p, &f) == 2, "live child died (status %#x)",
	      status);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "live child status %#x",
	      status);
	test_passed += p;
	test_failed += f;
	printf("live nflog test in %s: %d passed, %d failed\n", ns, p, f);
}

static void test_live(void)
{
	char ns[64], cmd[160];
	int pfd[2];
	pid_t pid;

	if (geteuid() != 0) {
		printf("SKIP live nflog test: needs root\n");
		return;
	}
	snprintf(ns, sizeof(ns), "fwh-nflog-%d", (int)getpid());
	snprintf(cmd, sizeof(cmd), "ip netns add %s", ns);
	if (run(cmd) < 0) {
		printf("SKIP live nflog test: `%s` failed\n", cmd);
		return;
	}
	fflush(NULL);
	if (pipe(pfd) < 0 || (pid = fork()) < 0) {
		CHECK(0, "pipe/fork: %s", strerror(errno));
	} else if (pid == 0) {
		close(pfd[0]);
		/* the child reports only its own counts */
		test_passed = test_failed = 0;
		live_child(ns, pfd[1]);
	} else {
		close(pfd[1]);
		live_collect(pid, pfd[0], ns);
	}
	snprintf(cmd, sizeof(cmd), "ip netns del %s", ns);
	CHECK(run(cmd) == 0, "deleting namespace %s", ns);
}

/* ---- the event log in the store ---- */

static char tmpdir[64];

static const char *tpath(const char *name)
{
	static char p[160];

	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	return p;
}

static void rm_db(const char *name)
{
	static const char *const suffix[] = { "", "-wal", "-shm", ".new" };
	char p[200];

	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s%s", tpath(name), suffix[i]);
		unlink(p);
	}
}

/* migration 1 of fwd/store.c as released, plus some content */
static const char v1_schema[] =
	"CREATE TABLE rules ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  text TEXT NOT NULL,"
	"  origin TEXT NOT NULL CHECK (origin IN ('admin', 'prompt', 'default')),"
	"  created INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL DEFAULT 0,"
	"  duration INTEGER NOT NULL DEFAULT 0,"
	"  owner INTEGER NOT NULL);"
	"CREATE INDEX rules_expires ON rules (expires) WHERE expires != 0;"
	"CREATE TABLE settings ("
	"  key TEXT PRIMARY KEY NOT NULL,"
	"  value TEXT NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE revisions ("
	"  rev INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  time INTEGER NOT NULL,"
	"  uid INTEGER NOT NULL,"
	"  summary TEXT NOT NULL,"
	"  ruleset TEXT NOT NULL);"
	"INSERT INTO rules (text, origin, created, owner)"
	"  VALUES ('allow in proto tcp port 22', 'admin', 1700000000, 0);"
	"INSERT INTO settings VALUES ('policy-in', 'drop');"
	"PRAGMA user_version = 1;";

static void test_migrate_v1(void)
{
	struct stored_rule *rules = NULL;
	struct store *s;
	sqlite3 *db = NULL;
	char err[512], *val = NULL;
	size_t n = 0;
	uint64_t rec = 9, drop = 9, lost = 9;

	rm_db("v1.db");
	CHECK(sqlite3_open(tpath("v1.db"), &db) == SQLITE_OK &&
	      sqlite3_exec(db, v1_schema, NULL, NULL, NULL) == SQLITE_OK,
	      "creating a v1 database: %s", sqlite3_errmsg(db));
	sqlite3_close(db);
	s = store_open(tpath("v1.db"), err, sizeof(err));
	CHECK(s != NULL, "opening v1: %s", err);
	if (!s)
		return;
	CHECK(store_schema_version(s) == STORE_SCHEMA_VERSION, "version %d after migration",
	      store_schema_version(s));
	CHECK(store_load_rules(s, &rules, &n) == 0 && n == 1 &&
	      strcmp(rules[0].text, "allow in proto tcp port 22") == 0,
	      "rule kept through the migration (%zu rules)", n);
	store_free_rules(rules, n);
	CHECK(store_get(s, "policy-in", &val) == 1 && val && strcmp(val, "drop") == 0,
	      "setting kept");
	free(val);
	CHECK(store_log_stats(s, &rec, &drop, &lost) == 0 && rec == 0 && drop == 0 &&
	      lost == 0, "fresh counters %llu %llu %llu", (unsigned long long)rec,
	      (unsigned long long)drop, (unsigned long long)lost);
	store_close(s);
}

static struct log_event ev_make(int i, const char *reason)
{
	struct log_event e = {
		.time_ms = 1700000000000LL + i, .dir = 'i', .proto = 6,
		.peer_port = (uint16_t)(30000 + i), .local_port = 22, .uid = -1,
		.reason = (char *)reason, .count = 1,
	};

	snprintf(e.peer, sizeof(e.peer), "203.0.113.%d", i % 250);
	return e;
}

/* rows in the log; *events the sum of their counts, first/last ids */
static int64_t log_rows(struct store *s, uint64_t *events, int64_t *first, int64_t *last)
{
	struct log_event *v = NULL;
	size_t n = 0;

	*events = 0;
	*first = *last = 0;
	if (store_log_list(s, 0, 0, &v, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		*events += v[i].count;
	if (n) {
		*first = v[0].id;
		*last = v[n - 1].id;
	}
	store_log_free(v, n);
	return (int64_t)n;
}

static void check_counts(struct store *s, uint64_t rec, uint64_t drop, const char *ctx)
{
	uint64_t r = 0, d = 0, ev = 0;
	int64_t first, last;

	CHECK(store_log_counts(s, &r, &d) == 0 && r == rec && d == drop,
	      "%s: recorded %llu dropped %llu, want %llu %llu", ctx,
	      (unsigned long long)r, (unsigned long long)d,
	      (unsigned long long)rec, (unsigned long long)drop);
	CHECK(log_rows(s, &ev, &first, &last) >= 0 && ev == rec - drop,
	      "%s: %llu events in the log, want %llu", ctx,
	      (unsigned long long)ev, (unsigned long long)(rec - drop));
}

static void test_log_basic(struct store *s)
{
	struct log_event in[3] = { ev_make(1, "policy"), ev_make(2, "rule 12"),
				   ev_make(3, NULL) }, *v = NULL;
	size_t n = 0;

	in[1].app = "/usr/sbin/sshd";
	in[1].uid = 0;
	in[1].dir = 'o';
	in[1].proto = 17;
	CHECK(store_log_add(s, in, 3, 100) == 0, "add: %s", store_errmsg(s));
	CHECK(store_log_list(s, 0, 0, &v, &n) == 0 && n == 3, "list: %zu", n);
	if (n == 3) {
		CHECK(v[0].id < v[1].id && v[1].id < v[2].id, "ascending ids");
		CHECK_STR(v[0].peer, "203.0.113.1", "peer");
		CHECK(v[0].peer_port == 30001 && v[0].local_port == 22 &&
		      v[0].proto == 6 && v[0].dir == 'i' && v[0].uid == -1 &&
		      v[0].app == NULL && v[0].count == 1 &&
		      v[0].time_ms == 1700000000001LL, "row 1 fields");
		CHECK_STR(v[0].reason, "policy", "reason");
		CHECK(v[1].dir == 'o' && v[1].proto == 17 && v[1].uid == 0,
		      "row 2 fields");
		CHECK_STR(v[1].app, "/usr/sbin/sshd", "app");
		CHECK_STR(v[1].reason, "rule 12", "reason 2");
		CHECK_STR(v[2].reason, "", "NULL reason stored as empty");
	}
	store_log_free(v, n);
	check_counts(s, 3, 0, "basic");
}

static void test_log_fold(struct store *s)
{
	struct log_event in[4] = { ev_make(4, "policy"), ev_make(4, "policy"),
				   ev_make(4, "policy"), ev_make(5, "policy") }, *v = NULL;
	size_t n = 0;

	in[1].time_ms += 1000;
	in[2].count = 5;
	CHECK(store_log_add(s, in, 4, 100) == 0, "add: %s", store_errmsg(s));
	CHECK(store_log_list(s, 2, 0, &v, &n) == 0 && n == 2, "newest 2: %zu", n);
	if (n == 2) {
		CHECK(v[0].count == 7 && v[0].peer_port == 30004 &&
		      v[0].time_ms == 1700000000004LL, "folded row: count %u",
		      v[0].count);
		CHECK(v[1].count == 1 && v[1].peer_port == 30005, "next row");
	}
	store_log_free(v, n);
	check_counts(s, 11, 0, "fold");
}

static void test_log_poll(struct store *s)
{
	struct log_event *v = NULL;
	size_t n = 0;
	int64_t cursor;

	CHECK(store_log_list(s, 0, 0, &v, &n) == 0 && n == 5, "5 rows: %zu", n);
	cursor = n >= 3 ? v[2].id : 0;
	store_log_free(v, n);
	CHECK(store_log_list(s, 0, cursor, &v, &n) == 0 && n == 2 &&
	      v[0].id == cursor + 1 && v[1].id == cursor + 2, "after id: %zu", n);
	store_log_free(v, n);
	CHECK(store_log_list(s, 1, cursor, &v, &n) == 0 && n == 1 &&
	      v[0].id == cursor + 1, "after id, limit 1: %zu", n);
	store_log_free(v, n);
}

static void test_log_trim(struct store *s)
{
	struct log_event in[20], *v = NULL;
	size_t n = 0;
	int64_t first, last, cursor;
	uint64_t ev;

	for (int i = 0; i < 20; i++)
		in[i] = ev_make(100 + i, "policy");
	/* 25 rows holding 31 events; keep 10: all from this batch */
	CHECK(store_log_add(s, in, 20, 10) == 0, "add 20: %s", store_errmsg(s));
	CHECK(log_rows(s, &ev, &first, &last) == 10 && last - first == 9,
	      "trimmed to 10 rows, ids %lld..%lld", (long long)first, (long long)last);
	check_counts(s, 31, 21, "trim");
	CHECK(store_log_list(s, 0, last, &v, &n) == 0 && n == 0, "nothing after the last");
	store_log_free(v, n);
	/* max 1: only the newest of a batch stays */
	CHECK(store_log_add(s, in, 3, 1) == 0, "add 3 max 1");
	CHECK(log_rows(s, &ev, &first, &last) == 1 && first == last && ev == 1,
	      "one row left");
	check_counts(s, 34, 33, "max 1");
	CHECK(store_log_list(s, 0, 0, &v, &n) == 0 && n == 1 &&
	      v[0].peer_port == 30102, "the newest kept (%u)", n ? v[0].peer_port : 0);
	store_log_free(v, n);
	/* a poller at `last` sees the survivor; the trimmed one it learns of by `dropped` */
	cursor = last;
	CHECK(store_log_add(s, in, 2, 1) == 0, "add 2 max 1");
	CHECK(store_log_list(s, 0, cursor, &v, &n) == 0 && n == 1 &&
	      v[0].id == cursor + 2, "ids keep growing across trims");
	store_log_free(v, n);
	CHECK(store_log_add(s, NULL, 0, 1) == 0, "empty batch");
	check_counts(s, 36, 35, "empty batch");
	CHECK(store_log_add(s, in, 1, 0) == 0, "max 0");
	check_counts(s, 37, 37, "max 0 keeps nothing");
}

static void test_log_errors(struct store *s)
{
	struct log_event in[2] = { ev_make(1, "policy"), ev_make(2, "policy") }, *v = NULL;
	size_t n = 0;

	in[1].dir = 'x';
	CHECK(store_log_add(s, in, 2, 100) == -1, "bad dir refused");
	CHECK(strstr(store_errmsg(s), "CHECK") != NULL, "message: %s", store_errmsg(s));
	check_counts(s, 37, 37, "nothing written after an error");
	/* a peer filling the field without a NUL */
	memset(in[0].peer, 'a', sizeof(in[0].peer));
	CHECK(store_log_add(s, in, 1, 100) == 0, "long peer");
	CHECK(store_log_list(s, 1, 0, &v, &n) == 0 && n == 1 &&
	      strlen(v[0].peer) == sizeof(v[0].peer) - 1, "peer truncated");
	store_log_free(v, n);
	CHECK(store_log_add_lost(s, 5) == 0 && store_log_add_lost(s, 7) == 0, "lost");
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 +
		(double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void test_log_speed(void)
{
	static struct log_event in[1000];
	struct log_event *v = NULL;
	struct timespec t0;
	struct store *s;
	char err[512];
	double fresh, mean = 0, worst = 0, ms, list;
	size_t n = 0;

	rm_db("speed.db");
	s = store_open(tpath("speed.db"), err, sizeof(err));
	CHECK(s != NULL, "speed db: %s", err);
	if (!s)
		return;
	for (int i = 0; i < 1000; i++)
		in[i] = ev_make(i, "policy");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(store_log_add(s, in, 1000, 10000) == 0, "add 1000");
	fresh = ms_since(&t0);
	for (int b = 0; b < 9; b++)
		store_log_add(s, in, 1000, 10000);
	for (int b = 0; b < 5; b++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		CHECK(store_log_add(s, in, 1000, 10000) == 0, "add 1000 to a full log");
		ms = ms_since(&t0);
		mean += ms / 5;
		worst = ms > worst ? ms : worst;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(store_log_list(s, 100, 0, &v, &n) == 0 && n == 100, "list 100");
	list = ms_since(&t0);
	store_log_free(v, n);
	check_counts(s, 15000, 5000, "speed");
	printf("measure: 1000 events into an empty log %.1f ms; into a full log of"
	       " 10000 (trimming 1000) %.1f ms mean, %.1f ms worst; newest 100 %.2f ms\n",
	       fresh, mean, worst, list);
	CHECK(fresh < 2000 && worst < 2000, "a batch of 1000 under 2 s");
	store_close(s);
	rm_db("speed.db");
}

static void test_store_log(void)
{
	struct store *s;
	char err[512];
	uint64_t rec = 0, drop = 0, lost = 0;

	rm_db("log.db");
	s = store_open(tpath("log.db"), err, sizeof(err));
	CHECK(s != NULL, "open: %s", err);
	if (!s)
		return;
	CHECK(store_schema_version(s) == STORE_SCHEMA_VERSION, "new db version");
	test_log_basic(s);
	test_log_fold(s);
	test_log_poll(s);
	test_log_trim(s);
	test_log_errors(s);
	store_close(s);
	/* everything persists */
	s = store_open(tpath("log.db"), err, sizeof(err));
	CHECK(s != NULL, "reopen: %s", err);
	if (!s)
		return;
	CHECK(store_log_stats(s, &rec, &drop, &lost) == 0 && rec == 38 &&
	      drop == 37 && lost == 12, "after reopen: %llu %llu %llu",
	      (unsigned long long)rec, (unsigned long long)drop,
	      (unsigned long long)lost);
	store_close(s);
}

int main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/fwd-test-nflog-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_packets();
	test_messages();
	test_fuzz_quick();
	test_migrate_v1();
	test_store_log();
	test_log_speed();
	test_live();
	rm_db("v1.db");
	rm_db("log.db");
	rmdir(tmpdir);
	TEST_DONE();
}
