/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_ADDR_H
#define FWD_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An IPv4 or IPv6 address with a prefix length (32/128 for one host). */
struct addr_prefix {
	int family;             /* AF_INET or AF_INET6 */
	uint8_t addr[16];       /* network byte order; IPv4 uses the first 4 */
	uint8_t len;            /* prefix length */
};

/*
 * Parses "ADDR" or "ADDR/LEN". Host bits beyond LEN must be zero
 * ("10.0.0.1/8" is refused: the admin probably meant something else).
 * On error returns -1 and writes a message for the user to err.
 */
int addr_parse(const char *s, struct addr_prefix *out, char *err, size_t errlen);

/* "10.0.0.0/8", "2001:db8::/32", "192.0.2.7" (no /32 or /128 for hosts) */
void addr_format(const struct addr_prefix *a, char *buf, size_t len);

/* true when address `host` (family + 4/16 bytes) lies inside prefix p */
bool addr_contains(const struct addr_prefix *p, int family, const uint8_t *host);

/* the last address of the prefix (host bits all ones), into out[16] */
void addr_last(const struct addr_prefix *p, uint8_t *out);

#endif
