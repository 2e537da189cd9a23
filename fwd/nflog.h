/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_NFLOG_H
#define FWD_NFLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The reader of fwd's nflog group: the packets the ruleset logs (blocked
 * connection attempts, rate-limited, and matches of rules marked `log`),
 * read with libmnl from NETLINK_NETFILTER. Lossy by design: when the socket
 * overflows the kernel drops messages and tells us so only by ENOBUFS.
 */
struct nflog;
struct nlmsghdr;

/* bytes of each packet copied to us: an IPv6 header plus TCP/UDP ports, with room to spare */
#define NFLOG_COPY_RANGE 128

struct nflog_event {
	int64_t time_ms;        /* unix ms: the packet's timestamp, else when read */
	int family;             /* AF_INET or AF_INET6 */
	uint8_t proto;          /* IPPROTO_*; for IPv6 the last header reached */
	uint8_t saddr[16], daddr[16];   /* network order; IPv4 in the first 4 */
	uint16_t sport, dport;  /* host order; 0 when has_ports is false */
	bool has_ports;         /* tcp/udp/udplite/sctp/dccp, first fragment */
	uint8_t tcp_flags;      /* TCP only and when captured, else 0 */
	bool has_icmp;          /* icmp_type/icmp_code are valid */
	uint8_t icmp_type, icmp_code;
	uint8_t hook;           /* NF_INET_LOCAL_IN, NF_INET_LOCAL_OUT, ... */
	char prefix[64];        /* the rule's log prefix ("fwd-drop-in"), truncated */
	uint32_t ifindex_in, ifindex_out;       /* 0 when absent */
	uint32_t uid, gid;      /* the local socket's owner, when known */
	bool has_uid, has_gid;  /* absent for a new inbound connection */
};

/*
 * Binds nflog group `group` in the current network namespace (needs
 * CAP_NET_ADMIN). Returns NULL with a message in err; a group bound by
 * another process is reported as such.
 */
struct nflog *nflog_open(uint16_t group, char *err, size_t errlen);
void nflog_close(struct nflog *nl);
/* for poll(): readable when events are waiting */
int nflog_fd(const struct nflog *nl);
/*
 * Reads what is waiting without blocking and calls cb once per packet.
 * Returns the number of events (0 when none), -1 on a socket error (errno).
 * Stops after a bounded number of datagrams so that a flood cannot starve
 * the caller's loop: the fd then stays readable.
 */
int nflog_read(struct nflog *nl, void (*cb)(void *arg, const struct nflog_event *ev),
	       void *arg);
/* times the kernel reported lost messages (ENOBUFS): each time means >= 1 event lost */
uint64_t nflog_lost(const struct nflog *nl);
/* messages that failed nflog_parse since open (should stay 0) */
uint64_t nflog_malformed(const struct nflog *nl);

/*
 * Parses one netlink message of at most len bytes (nlh->nlmsg_len is
 * checked against len). Pure: no I/O, no allocation, safe on any input.
 * Returns 1 with *ev filled for an IPv4/IPv6 NFULNL_MSG_PACKET, 0 for any
 * other message (config answers, other families), -1 when malformed. A time
 * of 0 in ev means the kernel sent no timestamp.
 */
int nflog_parse(const struct nlmsghdr *nlh, size_t len, struct nflog_event *ev);

#endif
