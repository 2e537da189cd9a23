/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The keywords of the rule grammar in one sorted table: the parser looks
 * words up in it and "did you mean" searches it, so the two never disagree.
 */
#ifndef LIBFWD_KEYWORDS_H
#define LIBFWD_KEYWORDS_H

#include <stddef.h>

#include "strbuf.h"

enum kw {
	KW_NONE,
	KW_ACCEPT, KW_ALLOW, KW_APP, KW_BURST, KW_COMMENT, KW_DENY, KW_DROP,
	KW_FOR, KW_FROM, KW_GROUP, KW_HOUR, KW_ICMP, KW_ICMPV6, KW_IFACE,
	KW_IN, KW_LIMIT, KW_LOG, KW_MINUTE, KW_OUT, KW_POLICY, KW_PORT,
	KW_PROTO, KW_REJECT, KW_SECOND, KW_SERVICE, KW_TCP, KW_TO, KW_UDP,
	KW_UNIT, KW_USER,
	KW_MAX
};

/* where a keyword may stand; one word may have several classes */
#define KWC_START   0x01u       /* first word of a line: actions, policy */
#define KWC_DIR     0x02u       /* in, out */
#define KWC_CLAUSE  0x04u       /* after the direction: proto, port, ... */
#define KWC_PROTO   0x08u       /* value of proto */
#define KWC_VERDICT 0x10u       /* value of policy DIR */
#define KWC_UNIT    0x20u       /* rate units: second, minute, hour */
#define KWC_BURST   0x40u       /* after a rate */

struct keyword {
	const char *name;
	enum kw kw;
	unsigned classes;
};

/* the keyword spelled s[0..len), or NULL */
const struct keyword *keyword_lookup(const char *s, size_t len);
const char *keyword_name(enum kw kw);
/* true when s is a keyword of one of the classes */
int keyword_is(const char *s, unsigned classes);
/* appends " (did you mean ...?)" for the closest keywords of the classes */
void keyword_hint(const char *word, unsigned classes, struct strbuf *sb);
/* the single closest keyword of the classes, or NULL */
const char *keyword_suggest(const char *word, unsigned classes);

#endif
