/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_LISTENERS_H
#define FWD_LISTENERS_H

/*
 * Who listens on this host: TCP sockets in LISTEN and bound, unconnected UDP
 * sockets, from inet_diag (NETLINK_SOCK_DIAG, no privilege needed). The
 * kernel has no "new listener" event, so the daemon polls listeners_scan.
 * Sockets are those of the caller's network namespace.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct nlmsghdr;

struct listener {
	uint8_t proto;          /* IPPROTO_TCP or IPPROTO_UDP */
	int family;             /* AF_INET or AF_INET6, as dumped */
	uint8_t addr[16];       /* local bound address (AF_INET: first 4 bytes);
				   all-zero = any */
	uint16_t port;          /* host order */
	bool v6only;            /* AF_INET6 only: IPV6_V6ONLY is set */
	uid_t uid;              /* owner of the socket (its creator's fsuid) */
	uint64_t inode;         /* as in /proc/PID/fd/N -> "socket:[inode]" */
	uint64_t cgroup_id;     /* cgroup v2 id of the creator; 0 if unknown */
};

/* "tcp [::]:22", "udp 127.0.0.1:53"; always NUL-terminated */
#define LISTENER_FMT_MAX 64
void listener_format(const struct listener *l, char *buf, size_t len);

/*
 * Dumps TCP LISTEN and bound, unconnected UDP sockets of AF_INET and
 * AF_INET6. On success *out (free() it) holds *n listeners and 0 is
 * returned; on failure -1, *out = NULL, *n = 0 and err says why.
 */
int listeners_scan(struct listener **out, size_t *n, char *err, size_t errlen);

/*
 * Parses one SOCK_DIAG_BY_FAMILY answer of at most len bytes (the message's
 * own nlmsg_len must fit in len). inet_diag does not say which protocol a
 * TCP or UDP answer is about, so the caller sets out->proto to the protocol
 * it dumped before the call; every other field is overwritten.
 * Returns 1 when out holds a listener, 0 for a socket that cannot receive new
 * inbound traffic (connected UDP, TCP not in LISTEN), -1 when malformed.
 * Never reads past len; no alignment is assumed.
 */
int listeners_parse_msg(const struct nlmsghdr *nlh, size_t len,
			struct listener *out);

/* bound to 127.0.0.0/8, ::1 or ::ffff:127.0.0.0/104 */
bool listener_is_loopback(const struct listener *l);

/*
 * Whether traffic of family (AF_INET or AF_INET6) can reach the socket: a
 * "::" listener with v6only=0 appears only in the IPv6 dump but receives
 * IPv4 too; one bound to ::ffff:a.b.c.d receives only IPv4.
 */
bool listener_accepts_family(const struct listener *l, int family);

#endif
