/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nflog_parse on arbitrary datagrams, walked message by message as
 * nflog_read's dispatch does (that loop is static, so it is copied here).
 * The first input byte is for the harness: bit 0 sets the first message's
 * nlmsg_len to the (aligned) datagram size, so mutations of the attributes
 * are not all lost to a length mismatch.
 * The rest is copied into a block of its exact size, aligned as the
 * daemon's receive buffer is, so ASan sees every read past the datagram.
 *
 * libmnl itself is the system's uninstrumented library: a read past the
 * buffer inside mnl_attr_parse would not be caught there, only once
 * nflog.c uses what it returned.
 */
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "nflog.h"

#define FLAG_FIX_LEN 0x1u

static bool has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_UDPLITE ||
	       proto == IPPROTO_SCTP || proto == IPPROTO_DCCP;
}

/* what the daemon relies on in an event it gets */
static void check_event(const struct nflog_event *ev)
{
	FUZZ_CHECK(ev->family == AF_INET || ev->family == AF_INET6, "family %d", ev->family);
	FUZZ_CHECK(memchr(ev->prefix, '\0', sizeof(ev->prefix)) != NULL,
		   "prefix not NUL-terminated");
	FUZZ_CHECK(!ev->has_ports || has_ports(ev->proto), "ports for proto %u", ev->proto);
	FUZZ_CHECK(ev->has_ports || (ev->sport == 0 && ev->dport == 0),
		   "ports %u/%u without has_ports", ev->sport, ev->dport);
	FUZZ_CHECK(!ev->tcp_flags || ev->proto == IPPROTO_TCP, "tcp flags for proto %u",
		   ev->proto);
	FUZZ_CHECK(!ev->has_icmp || ev->proto == IPPROTO_ICMP || ev->proto == IPPROTO_ICMPV6,
		   "icmp fields for proto %u", ev->proto);
	FUZZ_CHECK(!(ev->has_icmp && ev->has_ports), "both icmp and ports");
	FUZZ_CHECK(ev->time_ms >= 0, "negative time %lld", (long long)ev->time_ms);
	FUZZ_CHECK(ev->has_uid || ev->uid == 0, "uid without has_uid");
	FUZZ_CHECK(ev->has_gid || ev->gid == 0, "gid without has_gid");
}

static void parse_one(const struct nlmsghdr *nlh, size_t len)
{
	struct nflog_event ev;
	int ret = nflog_parse(nlh, len, &ev);

	FUZZ_CHECK(ret >= -1 && ret <= 1, "nflog_parse returned %d", ret);
	if (ret == 1)
		check_event(&ev);
}

/* dispatch's guard (static in nflog.c): mnl_nlmsg_ok lets lengths >= 2^31 by */
static bool msg_fits(const struct nlmsghdr *nlh, int len)
{
	return len >= (int)sizeof(*nlh) && nlh->nlmsg_len >= sizeof(*nlh) &&
	       nlh->nlmsg_len <= (unsigned)len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct nlmsghdr *nlh;
	uint8_t *buf;
	uint32_t fixed;
	int len;

	if (size < 1)
		return 0;
	len = (int)(size - 1);
	buf = malloc(size - 1 ? size - 1 : 1);
	memcpy(buf, data + 1, size - 1);
	if ((data[0] & FLAG_FIX_LEN) && size - 1 >= sizeof(fixed)) {
		fixed = (uint32_t)(size - 1) & ~3u;
		memcpy(buf, &fixed, sizeof(fixed));
	}
	/* nflog_parse promises to be safe on anything, framed or not */
	nlh = (const struct nlmsghdr *)buf;
	parse_one(nlh, (size_t)len);
	/* then the rest of the datagram as dispatch walks it */
	if (msg_fits(nlh, len))
		for (nlh = mnl_nlmsg_next(nlh, &len); msg_fits(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len))
			parse_one(nlh, (size_t)len);
	free(buf);
	return 0;
}
