/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writes the binary seeds of the nflog and listeners harnesses: messages
 * laid out as the kernel sends them (see tests/unit/test_nflog.c and
 * test_listeners.c), each behind the harness's flag byte.
 *
 *   gen_seeds CORPUSDIR      writes CORPUSDIR/nflog/seed-* and listeners/seed-*
 *
 * Run by tests/fuzz/make-corpus.sh; the output is committed.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static const char *corpus;

static void save(const char *dir, const char *name, uint8_t flags, const void *msg,
		 size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/seed-%s", corpus, dir, name);
	f = fopen(path, "wb");
	if (!f || fputc(flags, f) == EOF || fwrite(msg, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* ---- nflog ---- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static size_t ip4(uint8_t *p, uint8_t proto, size_t l4len)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)(20 + l4len));
	p[8] = 64;
	p[9] = proto;
	inet_pton(AF_INET, "192.0.2.1", p + 12);
	inet_pton(AF_INET, "198.51.100.7", p + 16);
	return 20;
}

static size_t ip6(uint8_t *p, uint8_t nh, size_t plen)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	put16(p + 4, (uint16_t)plen);
	p[6] = nh;
	p[7] = 64;
	inet_pton(AF_INET6, "2001:db8::1", p + 8);
	inet_pton(AF_INET6, "2001:db8::ab02", p + 24);
	return 40;
}

static size_t l4(uint8_t *p, size_t hlen, uint16_t sport, uint16_t dport, uint8_t flags)
{
	memset(p, 0, hlen);
	put16(p, sport);
	put16(p + 2, dport);
	if (hlen >= 14)
		p[13] = flags;
	return hlen;
}

/* one NFULNL_MSG_PACKET at buf, as the kernel lays it out; returns its length */
static size_t nflog_msg(char *buf, uint8_t nfproto, const uint8_t *pkt, size_t plen,
			bool meta)
{
	struct nfulnl_msg_packet_hdr ph = { htons(nfproto == NFPROTO_IPV4 ? 0x0800 : 0x86dd),
					    1, 0 };
	struct nfulnl_msg_packet_timestamp ts = { htobe64(1700000000), htobe64(123456) };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = nfproto;
	nfg->res_id = htons(7);
	mnl_attr_put(nlh, NFULA_PACKET_HDR, sizeof(ph), &ph);
	if (meta) {
		mnl_attr_put_u32(nlh, NFULA_IFINDEX_INDEV, htonl(3));
		mnl_attr_put_u32(nlh, NFULA_IFINDEX_OUTDEV, htonl(4));
		mnl_attr_put(nlh, NFULA_TIMESTAMP, sizeof(ts), &ts);
		mnl_attr_put_u32(nlh, NFULA_UID, htonl(1000));
		mnl_attr_put_u32(nlh, NFULA_GID, htonl(100));
		mnl_attr_put_u32(nlh, NFULA_MARK, 0);
		mnl_attr_put_u16(nlh, NFULA_HWTYPE, htons(1));
	}
	mnl_attr_put_strz(nlh, NFULA_PREFIX, "fwd-drop-in");
	mnl_attr_put(nlh, NFULA_PAYLOAD, plen, pkt);
	return nlh->nlmsg_len;
}

struct pkt {
	const char *name;
	uint8_t nfproto;
	uint8_t b[256];
	size_t len;
};

static size_t packets(struct pkt *v)
{
	size_t n = 0, o;
	struct pkt *k;

#define NEW(nm, fam) (k = &v[n++], memset(k, 0, sizeof(*k)), k->name = (nm), \
		      k->nfproto = (fam))
	NEW("tcp4-syn", NFPROTO_IPV4);
	o = ip4(k->b, IPPROTO_TCP, 20);
	k->len = o + l4(k->b + o, 20, 40000, 22, 0x02);
	NEW("udp4", NFPROTO_IPV4);
	o = ip4(k->b, IPPROTO_UDP, 12);
	k->len = o + l4(k->b + o, 12, 5353, 9999, 0);
	NEW("icmp4-echo", NFPROTO_IPV4);
	o = ip4(k->b, IPPROTO_ICMP, 8);
	k->len = o + l4(k->b + o, 8, 0x0800, 0x1234, 0);
	NEW("ipv4-options-tcp", NFPROTO_IPV4);
	o = ip4(k->b, IPPROTO_TCP, 20);
	k->b[0] = 0x47;
	put16(k->b + 2, 48);
	memset(k->b + 20, 1, 8);
	o = 28;
	k->len = o + l4(k->b + o, 20, 3333, 80, 0x12);
	NEW("ipv4-later-fragment", NFPROTO_IPV4);
	o = ip4(k->b, IPPROTO_UDP, 8);
	put16(k->b + 6, 185);
	k->len = o + l4(k->b + o, 8, 1111, 2222, 0);
	NEW("tcp6-syn", NFPROTO_IPV6);
	o = ip6(k->b, IPPROTO_TCP, 20);
	k->len = o + l4(k->b + o, 20, 40001, 443, 0x02);
	NEW("udp6", NFPROTO_IPV6);
	o = ip6(k->b, IPPROTO_UDP, 8);
	k->len = o + l4(k->b + o, 8, 546, 547, 0);
	NEW("icmp6-echo", NFPROTO_IPV6);
	o = ip6(k->b, IPPROTO_ICMPV6, 8);
	k->len = o + l4(k->b + o, 8, 0x8000, 0x1234, 0);
	NEW("ipv6-hopopts-udp", NFPROTO_IPV6);
	o = ip6(k->b, IPPROTO_HOPOPTS, 16);
	k->b[o] = IPPROTO_UDP;
	o += 8;
	k->len = o + l4(k->b + o, 8, 53, 9999, 0);
	NEW("ipv6-fragment-first", NFPROTO_IPV6);
	o = ip6(k->b, IPPROTO_FRAGMENT, 16);
	k->b[o] = IPPROTO_UDP;
	k->b[o + 3] = 1;        /* more fragments, offset 0 */
	o += 8;
	k->len = o + l4(k->b + o, 8, 4000, 4001, 0);
	NEW("ipv6-ah-dstopts-tcp", NFPROTO_IPV6);
	o = ip6(k->b, IPPROTO_AH, 12 + 8 + 20);
	k->b[o] = IPPROTO_DSTOPTS;
	k->b[o + 1] = 1;        /* AH: (1 + 2) * 4 = 12 bytes */
	o += 12;
	k->b[o] = IPPROTO_TCP;
	o += 8;
	k->len = o + l4(k->b + o, 20, 5, 6, 0x02);
#undef NEW
	return n;
}

static void nflog_seeds(void)
{
	struct pkt v[32];
	char buf[4096], name[128];
	size_t n = packets(v), i, len, len2;
	struct nlmsghdr *nlh;

	for (i = 0; i < n; i++) {
		len = nflog_msg(buf, v[i].nfproto, v[i].b, v[i].len, i % 2 == 0);
		snprintf(name, sizeof(name), "%s", v[i].name);
		save("nflog", name, 0, buf, len);
	}
	/* two packets in one datagram, as the kernel batches them */
	len = nflog_msg(buf, v[0].nfproto, v[0].b, v[0].len, true);
	len2 = nflog_msg(buf + len, v[5].nfproto, v[5].b, v[5].len, false);
	save("nflog", "two-messages", 0, buf, len + len2);
	/* the harness rewrites nlmsg_len (flag 1) */
	len = nflog_msg(buf, v[1].nfproto, v[1].b, v[1].len, true);
	save("nflog", "fixed-length", 1, buf, len);
	/* a config answer and an error: not packets */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct nfgenmsg));
	save("nflog", "config-msg", 0, buf, nlh->nlmsg_len);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct nlmsgerr));
	save("nflog", "error-msg", 0, buf, nlh->nlmsg_len);
}

/* ---- inet_diag ---- */

struct dcase {
	const char *name;
	uint8_t flags;          /* the harness's: 1 = udp, 2 = fix nlmsg_len */
	uint8_t family, state;
	const char *src, *dst;
	uint16_t sport, dport;
	int v6only;             /* -1: none */
	uint64_t cgroup;        /* 0: none */
};

static size_t put_attr(uint8_t *b, size_t off, uint16_t type, const void *data, uint16_t len)
{
	struct nlattr a = { .nla_len = (uint16_t)(NLA_HDRLEN + len), .nla_type = type };

	memcpy(b + off, &a, sizeof(a));
	memcpy(b + off + NLA_HDRLEN, data, len);
	return off + NLA_ALIGN(a.nla_len);
}

static void diag_seed(const struct dcase *c)
{
	struct nlmsghdr h = { .nlmsg_type = SOCK_DIAG_BY_FAMILY, .nlmsg_flags = NLM_F_MULTI };
	struct inet_diag_msg d;
	uint8_t b[512] = { 0 }, u8 = 0;
	size_t len;

	memset(&d, 0, sizeof(d));
	d.idiag_family = c->family;
	d.idiag_state = c->state;
	d.id.idiag_sport = htons(c->sport);
	d.id.idiag_dport = htons(c->dport);
	if (c->src)
		inet_pton(c->family, c->src, d.id.idiag_src);
	if (c->dst)
		inet_pton(c->family, c->dst, d.id.idiag_dst);
	d.idiag_uid = 1000;
	d.idiag_inode = 4242;
	len = NLMSG_HDRLEN + sizeof(d);
	memcpy(b + NLMSG_HDRLEN, &d, sizeof(d));
	len = put_attr(b, len, INET_DIAG_SHUTDOWN, &u8, 1);
	if (c->v6only >= 0) {
		u8 = (uint8_t)c->v6only;
		len = put_attr(b, len, INET_DIAG_SKV6ONLY, &u8, 1);
	}
	if (c->cgroup)
		len = put_attr(b, len, INET_DIAG_CGROUP_ID, &c->cgroup, 8);
	h.nlmsg_len = (uint32_t)len;
	memcpy(b, &h, sizeof(h));
	save("listeners", c->name, c->flags, b, len);
}

static const struct dcase dcases[] = {
	{ "tcp4-listen", 0, AF_INET, 10, "127.0.0.1", NULL, 8080, 0, -1, 77 },
	{ "tcp6-dual-stack", 0, AF_INET6, 10, "::", NULL, 22, 0, 0, 77 },
	{ "tcp6-v6only", 2, AF_INET6, 10, "::", NULL, 22, 0, 1, 0 },
	{ "tcp6-v4mapped", 0, AF_INET6, 10, "::ffff:127.0.0.2", NULL, 25, 0, 0, 5 },
	{ "tcp4-established", 0, AF_INET, 1, "10.0.0.1", "10.0.0.2", 22, 4000, -1, 9 },
	{ "udp4-bound", 1, AF_INET, 7, "0.0.0.0", NULL, 53, 0, -1, 9 },
	{ "udp6-bound", 3, AF_INET6, 7, "::", NULL, 5353, 0, 0, 9 },
	{ "udp4-connected", 1, AF_INET, 1, "10.0.0.1", "10.0.0.2", 4000, 53, -1, 9 },
};

int main(int argc, char **argv)
{
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUSDIR\n", argv[0]);
		return 2;
	}
	corpus = argv[1];
	nflog_seeds();
	for (i = 0; i < sizeof(dcases) / sizeof(dcases[0]); i++)
		diag_seed(&dcases[i]);
	return 0;
}
