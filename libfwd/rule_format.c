/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The canonical text of a rule: one fixed keyword order and normalized
 * values, so equal rules give equal text and `fwctl export` followed by
 * `fwctl apply` changes nothing.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "keywords.h"
#include "rule.h"
#include "strbuf.h"

void rule_put_quoted(struct strbuf *sb, const char *s)
{
	sb_putc(sb, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			sb_putc(sb, '\\');
		sb_putc(sb, *s);
	}
	sb_putc(sb, '"');
}

/* a bare word unless the lexer would split it or take it for a keyword */
static void fmt_value(struct strbuf *sb, const char *s)
{
	bool quote = *s == '\0' || keyword_is(s, KWC_CLAUSE);
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p && !quote; p++)
		quote = *p <= ' ' || *p == '"' || *p == '#' || *p == 0x7f;
	if (quote)
		rule_put_quoted(sb, s);
	else
		sb_puts(sb, s);
}

static void fmt_clause(struct strbuf *sb, const char *kw, const char *value)
{
	sb_printf(sb, " %s ", kw);
	fmt_value(sb, value);
}

static void fmt_action(struct strbuf *sb, const struct rule *r)
{
	static const char *const units[] = { "second", "minute", "hour" };

	sb_puts(sb, rule_action_name(r->action));
	if (r->action == RULE_LIMIT) {
		sb_printf(sb, " %u/%s", r->rate.count,
			  (unsigned)r->rate.unit <= RATE_HOUR ? units[r->rate.unit] : "?");
		if (r->rate.burst)
			sb_printf(sb, " burst %u", r->rate.burst);
	}
	sb_printf(sb, " %s", rule_dir_name(r->dir));
}

/*
 * The grammar takes one protocol. tcp|udp with ports is what "no proto"
 * means, so it is left out; any other combination cannot be written and
 * keeps its first protocol.
 */
static void fmt_proto(struct strbuf *sb, const struct rule *r)
{
	static const char *const names[] = { "tcp", "udp", "icmp", "icmpv6" };
	unsigned i;

	if (!r->protos)
		return;
	if (r->protos == (RULE_PROTO_TCP | RULE_PROTO_UDP) && r->nports)
		return;
	for (i = 0; i < 4; i++) {
		if (r->protos & (1u << i)) {
			sb_printf(sb, " proto %s", names[i]);
			return;
		}
	}
}

static void fmt_ports(struct strbuf *sb, const struct rule *r)
{
	struct port_range *v;
	size_t n, i;

	if (!r->nports || !r->ports)
		return;
	v = xmalloc(r->nports * sizeof(*v));
	memcpy(v, r->ports, r->nports * sizeof(*v));
	n = rule_ports_normalize(v, r->nports);
	sb_puts(sb, " port ");
	for (i = 0; i < n; i++) {
		if (i)
			sb_putc(sb, ',');
		if (v[i].lo == v[i].hi)
			sb_printf(sb, "%u", v[i].lo);
		else
			sb_printf(sb, "%u-%u", v[i].lo, v[i].hi);
	}
	free(v);
}

static void fmt_addr(struct strbuf *sb, const char *kw, const struct addr_prefix *a)
{
	char buf[INET6_ADDRSTRLEN + 8];

	addr_format(a, buf, sizeof(buf));
	sb_printf(sb, " %s %s", kw, buf);
}

static void fmt_id(struct strbuf *sb, const char *kw, const char *name,
		   unsigned long id)
{
	char num[24];

	if (!name) {
		snprintf(num, sizeof(num), "%lu", id);
		name = num;
	}
	fmt_clause(sb, kw, name);
}

static void fmt_options(struct strbuf *sb, const struct rule *r, uint64_t remaining)
{
	char dur[32];

	if (remaining > 0) {
		duration_format(remaining, dur, sizeof(dur));
		sb_printf(sb, " for %s", dur);
	}
	if (r->comment) {
		sb_puts(sb, " comment ");
		rule_put_quoted(sb, r->comment);
	}
	if (r->log)
		sb_puts(sb, " log");
}

char *rule_format(const struct rule *r, uint64_t remaining)
{
	struct strbuf sb = STRBUF_INIT;

	fmt_action(&sb, r);
	fmt_proto(&sb, r);
	fmt_ports(&sb, r);
	if (r->service)
		fmt_clause(&sb, "service", r->service);
	if (r->has_from)
		fmt_addr(&sb, "from", &r->from);
	if (r->has_to)
		fmt_addr(&sb, "to", &r->to);
	if (r->iface)
		fmt_clause(&sb, "iface", r->iface);
	if (r->app)
		fmt_clause(&sb, "app", r->app);
	if (r->has_user)
		fmt_id(&sb, "user", r->user, (unsigned long)r->uid);
	if (r->has_group)
		fmt_id(&sb, "group", r->group, (unsigned long)r->gid);
	if (r->unit)
		fmt_clause(&sb, "unit", r->unit);
	fmt_options(&sb, r, remaining);
	return sb_steal(&sb);
}
