/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Read-only questions about the policy: explain (which rule decides a
 * packet), exposure (which listening sockets a remote peer can reach) and
 * services (the catalog). All of them answer from the rules, bindings and
 * panic state the kernel holds now, through the evaluator of explain.c.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cmd_internal.h"
#include "explain.h"
#include "listeners.h"
#include "strbuf.h"
#include "tracker.h"

/* exposure rescans unless the last scan is this fresh */
#define EXPOSURE_SCAN_AGE_MS    200

static const char disabled_why[] = "fwd is disabled: its table is removed and "
				   "nothing is filtered (fwctl enable puts the rules in force)";

/* what the kernel holds now, as the compiler saw it */
static void inspect_input(struct cmd *c, struct compile_input *in)
{
	const struct ruleset *rs = engine_ruleset(c->eng);

	memset(in, 0, sizeof(*in));
	in->policy_in = rs->policy_in;
	in->policy_out = rs->policy_out;
	in->rules = (const struct rule *const *)rs->rules;
	in->nrules = rs->nrules;
	in->panic = engine_panic(c->eng);
	in->now = c->now;
	in->bindings = engine_bindings(c->eng, &in->nbindings);
}

/* ---- explain ---- */

struct explain_args {
	struct explain_query q;
	bool has_dir, has_proto, has_port, has_local;
	uint8_t local[16];
};

static int proto_of(const char *s, uint8_t *out)
{
	static const struct { const char *name; uint8_t num; } v[] = {
		{ "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP },
		{ "icmp", IPPROTO_ICMP }, { "icmpv6", IPPROTO_ICMPV6 },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (!strcmp(s, v[i].name)) {
			*out = v[i].num;
			return 0;
		}
	return -1;
}

/* one host address into addr; the family must agree with what came before */
static int host_of(struct cmd *c, const char *key, const char *val, int *family,
		   uint8_t *addr)
{
	struct addr_prefix p;
	char err[256];

	if (addr_parse(val, &p, err, sizeof(err)) < 0) {
		commands_error(c->out, EXIT_USAGE, "EINVAL", "%s: %s", key, err);
		return -1;
	}
	if (p.len != (p.family == AF_INET ? 32 : 128)) {
		commands_error(c->out, EXIT_USAGE, "EINVAL", "%s=%s: explain takes one "
			       "address, not a network", key, val);
		return -1;
	}
	if (*family && *family != p.family) {
		commands_error(c->out, EXIT_USAGE, "EINVAL", "the addresses are of "
			       "different families (IPv4 and IPv6)");
		return -1;
	}
	*family = p.family;
	memcpy(addr, p.addr, 16);
	return 0;
}

static int explain_arg(struct cmd *c, struct explain_args *a, const char *key,
		       const char *val)
{
	uint64_t n;

	if (!strcmp(key, "dir") && (!strcmp(val, "in") || !strcmp(val, "out"))) {
		a->q.dir = !strcmp(val, "in") ? RULE_IN : RULE_OUT;
		a->has_dir = true;
	} else if (!strcmp(key, "proto") && proto_of(val, &a->q.proto) == 0) {
		a->has_proto = true;
	} else if (!strcmp(key, "port") && cmd_parse_u64(val, &n) == 0 && n >= 1 &&
		   n <= 65535) {
		a->q.port = (uint16_t)n;
		a->has_port = true;
	} else if (!strcmp(key, "addr")) {
		a->q.has_peer = true;
		return host_of(c, key, val, &a->q.family, a->q.peer);
	} else if (!strcmp(key, "local")) {
		a->has_local = true;
		return host_of(c, key, val, &a->q.family, a->local);
	} else {
		commands_error(c->out, EXIT_USAGE, "EINVAL", "bad argument '%s=%s' for "
			       "explain: it takes dir=in|out proto=tcp|udp|icmp|icmpv6 "
			       "port=1-65535 [addr=PEER] [local=ADDRESS]", key, val);
		return -1;
	}
	return 0;
}

static int explain_parse(struct cmd *c, struct explain_args *a)
{
	bool l4;
	char key[16];
	const char *val;

	a->q.new_connection = true;
	for (int i = 0; i < c->argc; i++) {
		if (cmd_arg_split(c->argv[i], key, sizeof(key), &val) < 0) {
			cmd_bad_arg(c, c->argv[i]);
			return -1;
		}
		if (explain_arg(c, a, key, val) < 0)
			return -1;
	}
	l4 = a->q.proto == IPPROTO_TCP || a->q.proto == IPPROTO_UDP;
	if (!a->has_dir || !a->has_proto || (l4 && !a->has_port)) {
		commands_error(c->out, EXIT_USAGE, "EINVAL", "explain needs dir=in|out, "
			       "proto=tcp|udp|icmp|icmpv6 and, for tcp and udp, port=N");
		return -1;
	}
	return 0;
}

static void explain_put(struct cmd *c, const struct explain_result *res)
{
	struct strbuf *o = c->out;
	char *text = res->rule ? rule_format(res->rule, 0) : NULL;

	proto_begin(o, "item");
	proto_str(o, "verdict", explain_verdict_name(res->verdict));
	proto_int(o, "rule_id", res->rule ? (int64_t)res->rule->id : 0);
	proto_str(o, "rule", text ? text : "");
	proto_bool(o, "by_policy", res->by_policy);
	proto_str(o, "why", res->why);
	proto_end(o);
	proto_begin(o, "ok");
	proto_end(o);
	free(text);
}

void cmd_explain(struct cmd *c)
{
	struct explain_args a = { 0 };
	struct explain_result res = { 0 };
	struct compile_input in;

	if (explain_parse(c, &a) < 0)
		return;
	if (!engine_enabled(c->eng)) {
		res.verdict = EXPLAIN_ACCEPT;
		snprintf(res.why, sizeof(res.why), "%s", disabled_why);
		explain_put(c, &res);
		return;
	}
	inspect_input(c, &in);
	if (explain_packet_ex(&in, &a.q, a.has_local ? a.local : NULL, false, &res) < 0) {
		commands_error(c->out, EXIT_USAGE, "EINVAL", "%s", res.why);
		return;
	}
	explain_put(c, &res);
}

/* ---- exposure ---- */

struct exposed {
	struct listener l;
	const char *exe;
	struct explain_reach reach;
	char addr[INET6_ADDRSTRLEN];
};

static bool zero(const uint8_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i])
			return false;
	return true;
}

/* the listener as the evaluator sees it, and its address as fwctl shows it */
static void exposed_init(struct exposed *x, const struct listener *l, const char *exe,
			 struct explain_listener *el)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	bool v4 = l->family == AF_INET;

	memset(x, 0, sizeof(*x));
	memset(el, 0, sizeof(*el));
	x->l = *l;
	x->exe = exe;
	el->proto = l->proto;
	el->port = l->port;
	el->v4 = listener_accepts_family(l, AF_INET);
	el->v6 = listener_accepts_family(l, AF_INET6);
	if (zero(l->addr, v4 ? 4 : 16)) {
		snprintf(x->addr, sizeof(x->addr), "%s", v4 ? "0.0.0.0" : l->v6only ? "::" : "*");
		return;
	}
	el->has_addr = true;
	if (v4 || !memcmp(l->addr, mapped, sizeof(mapped))) {
		el->family = AF_INET;
		memcpy(el->addr, v4 ? l->addr : l->addr + 12, 4);
	} else {
		el->family = AF_INET6;
		memcpy(el->addr, l->addr, 16);
	}
	inet_ntop(el->family, el->addr, x->addr, sizeof(x->addr));
}

/* deleting a rule that opens only this port closes it; else a deny does */
static bool rule_is_narrow(const struct rule *r, uint16_t port)
{
	if (rule_needs_owner(r) || r->unit)
		return true;
	if (!r->nl4)
		return false;
	for (size_t i = 0; i < r->nl4; i++)
		if (r->l4[i].port_lo != port || r->l4[i].port_hi != port)
			return false;
	return true;
}

static void exposed_hint(const struct exposed *x, bool enabled, struct strbuf *sb)
{
	const struct rule *r = x->reach.rule;

	if (!enabled)
		sb_puts(sb, "fwd is disabled: fwctl enable");
	else if (!x->reach.reachable || !r)
		return;
	else if (r->id && rule_is_narrow(r, x->l.port))
		sb_printf(sb, "close with: fwctl delete %" PRIu64, r->id);
	else
		sb_printf(sb, "close with: fwctl deny in proto %s port %u",
			  x->l.proto == IPPROTO_TCP ? "tcp" : "udp", x->l.port);
}

static void exposed_put(struct cmd *c, const struct exposed *x, bool enabled)
{
	struct strbuf *o = c->out, hint = STRBUF_INIT;
	const struct rule *r = x->reach.rule;
	char *text = r ? rule_format(r, 0) : NULL;
	const char *user = c->env->trk ? tracker_user_name(c->env->trk, x->l.uid) : "";

	exposed_hint(x, enabled, &hint);
	proto_begin(o, "item");
	proto_str(o, "proto", x->l.proto == IPPROTO_TCP ? "tcp" : "udp");
	proto_str(o, "addr", x->addr);
	proto_int(o, "port", x->l.port);
	proto_str(o, "app", x->exe);
	proto_str(o, "user", user);
	proto_int(o, "uid", x->l.uid);
	proto_bool(o, "reachable", x->reach.reachable);
	proto_str(o, "from", x->reach.from);
	proto_int(o, "rule_id", r ? (int64_t)r->id : 0);
	proto_str(o, "rule", text ? text : "");
	proto_str(o, "hint", sb_str(&hint));
	proto_str(o, "why", x->reach.why);
	proto_end(o);
	free(text);
	sb_free(&hint);
}

static int exposed_cmp(const void *a, const void *b)
{
	const struct exposed *x = a, *y = b;
	int d;

	if (x->l.proto != y->l.proto)
		return x->l.proto < y->l.proto ? -1 : 1;
	if (x->l.port != y->l.port)
		return x->l.port < y->l.port ? -1 : 1;
	d = strcmp(x->addr, y->addr);
	if (d)
		return d;
	if (x->l.uid != y->l.uid)
		return x->l.uid < y->l.uid ? -1 : 1;
	return strcmp(x->exe, y->exe);
}

/* SO_REUSEPORT groups and forked servers: one row per distinct socket */
static size_t exposed_unique(struct exposed *v, size_t n)
{
	size_t j = 0;

	if (n > 1)
		qsort(v, n, sizeof(*v), exposed_cmp);
	for (size_t i = 0; i < n; i++)
		if (!j || exposed_cmp(&v[j - 1], &v[i]))
			v[j++] = v[i];
	return j;
}

/* unit rules whose unit holds one socket: more would be one odd rule set */
#define EXPOSURE_UNIT_RULES 64

static void exposure_list(struct cmd *c, const struct listener *ls, char **exe, size_t n)
{
	struct exposed *v = xcalloc(n + 1, sizeof(*v));
	bool enabled = engine_enabled(c->eng);
	struct compile_input in;
	size_t k = 0;

	inspect_input(c, &in);
	for (size_t i = 0; i < n; i++) {
		struct explain_listener el;
		uint64_t units[EXPOSURE_UNIT_RULES];

		if (listener_is_loopback(&ls[i]))
			continue;
		exposed_init(&v[k], &ls[i], exe[i], &el);
		el.unit_rules = units;
		el.nunit_rules = tracker_unit_rules(c->env->trk, ls[i].cgroup_id, units,
						    EXPOSURE_UNIT_RULES);
		if (enabled) {
			explain_exposure(&in, &el, &v[k].reach);
		} else {
			v[k].reach.reachable = true;
			snprintf(v[k].reach.from, sizeof(v[k].reach.from), "anywhere");
			snprintf(v[k].reach.why, sizeof(v[k].reach.why), "%s", disabled_why);
		}
		k++;
	}
	k = exposed_unique(v, k);
	for (size_t i = 0; i < k; i++)
		exposed_put(c, &v[i], enabled);
	proto_begin(c->out, "ok");
	proto_int(c->out, "count", (int64_t)k);
	proto_end(c->out);
	free(v);
}

void cmd_exposure(struct cmd *c)
{
	struct listener *ls = NULL;
	char **exe = NULL;
	size_t n = 0;

	if (cmd_no_args(c) < 0)
		return;
	if (!c->env->trk || tracker_sockets(c->env->trk, EXPOSURE_SCAN_AGE_MS,
					    &ls, &exe, &n) < 0) {
		commands_error(c->out, EXIT_FAILED, "EIO", "cannot list the listening "
			       "sockets: listener tracking is not available (see fwd's log)");
		return;
	}
	exposure_list(c, ls, exe, n);
	tracker_sockets_free(ls, exe, n);
}

/* ---- services ---- */

static const char *l4_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "icmpv6";
	default: return "?";
	}
}

/* "tcp 139,445 udp 137,138": entries are sorted, so each protocol is one run */
static void service_ports(const struct service *s, struct strbuf *sb)
{
	for (size_t i = 0; i < s->nl4; i++) {
		const struct rule_l4 *l = &s->l4[i];
		bool same = i && s->l4[i - 1].proto == l->proto;

		if (!same)
			sb_printf(sb, "%s%s", sb->len ? " " : "", l4_name(l->proto));
		if (!l->port_lo && !l->port_hi)
			continue;
		sb_puts(sb, same ? "," : " ");
		if (l->port_lo == l->port_hi)
			sb_printf(sb, "%u", l->port_lo);
		else
			sb_printf(sb, "%u-%u", l->port_lo, l->port_hi);
	}
}

void cmd_services(struct cmd *c)
{
	const struct catalog *cat = engine_catalog(c->eng);
	struct strbuf *o = c->out;

	if (cmd_no_args(c) < 0)
		return;
	for (size_t i = 0; cat && i < cat->n; i++) {
		const struct service *s = &cat->v[i];
		struct strbuf ports = STRBUF_INIT;

		service_ports(s, &ports);
		proto_begin(o, "item");
		proto_str(o, "name", s->name);
		proto_str(o, "description", s->description ? s->description : "");
		proto_str(o, "ports", sb_str(&ports));
		proto_end(o);
		sb_free(&ports);
	}
	proto_begin(o, "ok");
	proto_int(o, "count", cat ? (int64_t)cat->n : 0);
	proto_end(o);
}
