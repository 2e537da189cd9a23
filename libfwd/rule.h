/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The rule model shared by fwd, fwctl and fwtui: one rule of the grammar in
 * fwd.rules(5) as written (for canonical formatting) and as expanded (the
 * protocol/port pairs the compiler turns into set elements).
 */
#ifndef FWD_RULE_H
#define FWD_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "addr.h"
#include "strbuf.h"

enum rule_action { RULE_ALLOW, RULE_DENY, RULE_REJECT, RULE_LIMIT };
enum rule_dir { RULE_IN, RULE_OUT };
enum rule_origin { ORIGIN_ADMIN, ORIGIN_PROMPT, ORIGIN_DEFAULT };

/* policy of a direction; `in` allows only DROP and REJECT */
enum rule_policy { POLICY_ACCEPT, POLICY_DROP, POLICY_REJECT };

/* bits of rule.protos, as written after `proto` */
#define RULE_PROTO_TCP    0x1u
#define RULE_PROTO_UDP    0x2u
#define RULE_PROTO_ICMP   0x4u
#define RULE_PROTO_ICMPV6 0x8u

enum rate_unit { RATE_SECOND, RATE_MINUTE, RATE_HOUR };

struct rule_rate {
	uint32_t count;         /* N of N/unit */
	enum rate_unit unit;
	uint32_t burst;         /* 0 = not written */
};

/* one port or port range as written after `port` */
struct port_range {
	uint16_t lo, hi;        /* lo == hi for a single port */
};

/*
 * One expanded layer-4 match: what the compiler emits. proto is an IPPROTO_*
 * number; port_lo..port_hi is the destination port range, 0..0 = any port.
 * A rule with no proto, port or service has no l4 entries (matches all).
 */
struct rule_l4 {
	uint8_t proto;
	uint16_t port_lo, port_hi;
};

struct rule {
	uint64_t id;                    /* store id, 0 until stored */
	enum rule_action action;
	enum rule_dir dir;
	struct rule_rate rate;          /* only for RULE_LIMIT */

	/* as written; all optional */
	unsigned protos;                /* RULE_PROTO_* bits, 0 = not written */
	struct port_range *ports;       /* NULL/0 = not written */
	size_t nports;
	char *service;                  /* NULL = not written */
	bool has_from, has_to;
	struct addr_prefix from, to;    /* for `in`, from = remote peer */
	char *iface;                    /* NULL = any */
	char *app;                      /* absolute path, NULL = any */
	bool has_user, has_group;
	uid_t uid;  char *user;         /* user = name as written (or decimal) */
	gid_t gid;  char *group;
	char *unit;                     /* systemd unit ("sshd.service"), NULL = any */

	/* options */
	uint64_t duration;              /* `for`, seconds; 0 = permanent */
	char *comment;                  /* NULL = none */
	bool log;

	/* expanded from protos/ports/service by the parser */
	struct rule_l4 *l4;
	size_t nl4;

	/* bookkeeping filled by the daemon, not by the parser */
	enum rule_origin origin;
	int64_t created;                /* unix seconds */
	int64_t expires;                /* unix seconds, 0 = never */
	uid_t owner;                    /* who created it */
};

struct ruleset {
	enum rule_policy policy_in;     /* default POLICY_DROP */
	enum rule_policy policy_out;    /* default POLICY_ACCEPT */
	bool has_policy_in, has_policy_out;  /* written in the source */
	struct rule **rules;
	size_t nrules;
};

struct rule *rule_new(void);
void rule_free(struct rule *r);
struct rule *rule_dup(const struct rule *r);

void ruleset_init(struct ruleset *rs);      /* defaults, no rules */
void ruleset_clear(struct ruleset *rs);     /* frees rules, back to init */
/* takes ownership of r; returns -1 (and frees r) on allocation failure */
int ruleset_append(struct ruleset *rs, struct rule *r);

/*
 * Canonical text of a rule in the grammar, without a trailing newline.
 * Keyword order is fixed (action dir proto port service from to iface app
 * user group unit for comment log), so equal rules give equal text. `for` is
 * written only when remaining > 0: pass the remaining seconds of a
 * temporary rule, or r->duration for a rule not yet applied.
 * Returns a malloc'd string.
 */
char *rule_format(const struct rule *r, uint64_t remaining);

/* appends s as a quoted string of the grammar ("...", with \" and \\) */
void rule_put_quoted(struct strbuf *sb, const char *s);

/* "policy in drop" etc., static strings */
const char *rule_policy_line(enum rule_dir dir, enum rule_policy p);
const char *rule_action_name(enum rule_action a);
const char *rule_dir_name(enum rule_dir d);
const char *rule_origin_name(enum rule_origin o);
const char *rule_policy_name(enum rule_policy p);
int rule_origin_parse(const char *s, enum rule_origin *out);

/* true when the rule uses app, user or group (needs listener tracking) */
bool rule_needs_owner(const struct rule *r);
/* true when the rule names a systemd unit (matched by its cgroup) */
bool rule_needs_unit(const struct rule *r);

/*
 * Sorts v and merges overlapping or touching ranges in place (22,80,22-23
 * -> 22-23,80), the canonical form the parser stores and rule_format
 * writes. Returns the new count.
 */
size_t rule_ports_normalize(struct port_range *v, size_t n);

#endif
