/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * listeners_parse_msg on arbitrary inet_diag answers. The first input byte
 * is for the harness: bit 0 picks the protocol the caller dumped (TCP or
 * UDP), bit 1 sets nlmsg_len to the message size so that mutations of the
 * attributes are not all lost to a length mismatch. The message is the
 * rest of the input: one byte into libFuzzer's block, so it is misaligned
 * (the parser promises to assume no alignment; UBSan checks it) and ends
 * exactly where ASan sees a read past it.
 */
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "listeners.h"

#define FLAG_UDP     0x1u
#define FLAG_FIX_LEN 0x2u

static void check_listener(const struct listener *l, uint8_t proto)
{
	char text[LISTENER_FMT_MAX];

	FUZZ_CHECK(l->proto == proto, "proto %u, dumped %u", l->proto, proto);
	FUZZ_CHECK(l->family == AF_INET || l->family == AF_INET6, "family %d", l->family);
	listener_format(l, text, sizeof(text));
	FUZZ_CHECK(memchr(text, '\0', sizeof(text)) != NULL, "format not terminated");
	listener_format(l, text, 1);
	FUZZ_CHECK(text[0] == '\0', "format into 1 byte wrote text");
	listener_is_loopback(l);
	FUZZ_CHECK(listener_accepts_family(l, l->family) ||
		   (l->family == AF_INET6 && l->addr[10] == 0xff && l->addr[11] == 0xff),
		   "a listener that cannot receive its own family");
	listener_accepts_family(l, AF_INET);
	listener_accepts_family(l, AF_INET6);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t proto, *msg;
	struct listener l;
	uint32_t fixed;
	size_t len;
	int ret;

	if (size < 1)
		return 0;
	proto = data[0] & FLAG_UDP ? IPPROTO_UDP : IPPROTO_TCP;
	len = size - 1;
	/* a private copy only when the length is rewritten (data is const) */
	msg = malloc(size);
	memcpy(msg, data, size);
	if ((data[0] & FLAG_FIX_LEN) && len >= sizeof(fixed)) {
		fixed = (uint32_t)len;
		memcpy(msg + 1, &fixed, sizeof(fixed));
	}
	memset(&l, 0xa5, sizeof(l));
	l.proto = proto;
	ret = listeners_parse_msg((const struct nlmsghdr *)(msg + 1), len, &l);
	FUZZ_CHECK(ret >= -1 && ret <= 1, "listeners_parse_msg returned %d", ret);
	if (ret == 1)
		check_listener(&l, proto);
	free(msg);
	return 0;
}
