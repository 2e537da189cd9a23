/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "lexer.h"
#include "strbuf.h"

static int addr_bytes(int family)
{
	return family == AF_INET ? 4 : 16;
}

static int addr_fail(char *err, size_t errlen, const char *what, const char *s,
		     const char *why)
{
	struct strbuf sb = STRBUF_INIT;

	sb_puts(&sb, what);
	sb_putc(&sb, ' ');
	lex_quote(&sb, s);
	sb_puts(&sb, why);
	snprintf(err, errlen, "%s", sb_str(&sb));
	sb_free(&sb);
	return -1;
}

/* "/LEN" after the address: digits only, within the family's width */
static int addr_parse_len(const char *s, const char *len, int family,
			  struct addr_prefix *out, char *err, size_t errlen)
{
	int max = addr_bytes(family) * 8;
	unsigned v = 0;
	size_t i;

	for (i = 0; len[i] >= '0' && len[i] <= '9' && v <= 128; i++)
		v = v * 10 + (unsigned)(len[i] - '0');
	if (i == 0 || len[i] != '\0' || v > (unsigned)max)
		return addr_fail(err, errlen, "bad prefix length in", s,
				 family == AF_INET ? " (IPv4 allows /0 to /32)"
						   : " (IPv6 allows /0 to /128)");
	out->len = (uint8_t)v;
	return 0;
}

/* true when a bit past p->len is set */
static bool addr_host_bits(const struct addr_prefix *p)
{
	int nbytes = addr_bytes(p->family), i;

	for (i = 0; i < nbytes; i++) {
		int keep = p->len - i * 8;
		uint8_t mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));

		if (p->addr[i] & ~mask)
			return true;
	}
	return false;
}

static void addr_clear_host_bits(struct addr_prefix *p)
{
	int nbytes = addr_bytes(p->family), i;

	for (i = 0; i < nbytes; i++) {
		int keep = p->len - i * 8;

		p->addr[i] &= keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
	}
}

static int addr_host_error(const char *s, struct addr_prefix *p, char *err,
			   size_t errlen)
{
	char net[INET6_ADDRSTRLEN + 8];

	addr_clear_host_bits(p);
	addr_format(p, net, sizeof(net));
	snprintf(err, errlen, "%s has host bits set; did you mean %s?", s, net);
	return -1;
}

int addr_parse(const char *s, struct addr_prefix *out, char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t hlen = slash ? (size_t)(slash - s) : strlen(s);
	struct addr_prefix p;

	memset(&p, 0, sizeof(p));
	if (hlen == 0 || hlen >= sizeof(host))
		goto bad;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	p.family = strchr(host, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(p.family, host, p.addr) != 1)
		goto bad;
	p.len = (uint8_t)(addr_bytes(p.family) * 8);
	if (slash && addr_parse_len(s, slash + 1, p.family, &p, err, errlen) < 0)
		return -1;
	if (addr_host_bits(&p))
		return addr_host_error(s, &p, err, errlen);
	memcpy(out, &p, sizeof(p));     /* with the zeroed padding */
	return 0;
bad:
	return addr_fail(err, errlen, "bad address", s,
			 " (expected an IPv4 or IPv6 address, optionally with /LEN)");
}

void addr_format(const struct addr_prefix *a, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (!inet_ntop(a->family, a->addr, host, sizeof(host))) {
		snprintf(buf, len, "?");
		return;
	}
	if (a->len < addr_bytes(a->family) * 8)
		snprintf(buf, len, "%s/%u", host, a->len);
	else
		snprintf(buf, len, "%s", host);
}

bool addr_contains(const struct addr_prefix *p, int family, const uint8_t *host)
{
	struct addr_prefix h;

	if (p->family != family)
		return false;
	h = *p;
	memcpy(h.addr, host, (size_t)addr_bytes(family));
	addr_clear_host_bits(&h);
	return memcmp(h.addr, p->addr, (size_t)addr_bytes(family)) == 0;
}

void addr_last(const struct addr_prefix *p, uint8_t *out)
{
	int nbytes = addr_bytes(p->family), i;

	memset(out, 0, 16);
	for (i = 0; i < nbytes; i++) {
		int keep = p->len - i * 8;
		uint8_t mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));

		out[i] = (uint8_t)(p->addr[i] | (uint8_t)~mask);
	}
}
