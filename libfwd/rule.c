/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>

#include "rule.h"
#include "strbuf.h"

struct rule *rule_new(void)
{
	struct rule *r = xcalloc(1, sizeof(*r));

	r->action = RULE_ALLOW;
	r->dir = RULE_IN;
	r->origin = ORIGIN_ADMIN;
	return r;
}

void rule_free(struct rule *r)
{
	if (!r)
		return;
	free(r->ports);
	free(r->service);
	free(r->iface);
	free(r->app);
	free(r->user);
	free(r->group);
	free(r->unit);
	free(r->comment);
	free(r->l4);
	free(r);
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void *dup_array(const void *v, size_t n, size_t size)
{
	void *p;

	if (!v || n == 0)
		return NULL;
	p = xmalloc(n * size);
	memcpy(p, v, n * size);
	return p;
}

struct rule *rule_dup(const struct rule *r)
{
	struct rule *d = xmalloc(sizeof(*d));

	*d = *r;
	d->ports = dup_array(r->ports, r->nports, sizeof(*r->ports));
	d->nports = d->ports ? r->nports : 0;
	d->l4 = dup_array(r->l4, r->nl4, sizeof(*r->l4));
	d->nl4 = d->l4 ? r->nl4 : 0;
	d->service = dup_or_null(r->service);
	d->iface = dup_or_null(r->iface);
	d->app = dup_or_null(r->app);
	d->user = dup_or_null(r->user);
	d->group = dup_or_null(r->group);
	d->unit = dup_or_null(r->unit);
	d->comment = dup_or_null(r->comment);
	return d;
}

void ruleset_init(struct ruleset *rs)
{
	memset(rs, 0, sizeof(*rs));
	rs->policy_in = POLICY_DROP;
	rs->policy_out = POLICY_ACCEPT;
}

void ruleset_clear(struct ruleset *rs)
{
	size_t i;

	for (i = 0; i < rs->nrules; i++)
		rule_free(rs->rules[i]);
	free(rs->rules);
	ruleset_init(rs);
}

int ruleset_append(struct ruleset *rs, struct rule *r)
{
	struct rule **v = realloc(rs->rules, (rs->nrules + 1) * sizeof(*v));

	if (!v) {
		rule_free(r);
		return -1;
	}
	rs->rules = v;
	rs->rules[rs->nrules++] = r;
	return 0;
}

static int port_range_cmp(const void *a, const void *b)
{
	const struct port_range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi < y->hi ? -1 : x->hi > y->hi;
}

size_t rule_ports_normalize(struct port_range *v, size_t n)
{
	size_t i, out = 0;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), port_range_cmp);
	for (i = 1; i < n; i++) {
		/* overlapping or touching ranges are one range */
		if ((unsigned)v[i].lo <= (unsigned)v[out].hi + 1) {
			if (v[i].hi > v[out].hi)
				v[out].hi = v[i].hi;
		} else {
			v[++out] = v[i];
		}
	}
	return out + 1;
}

const char *rule_policy_line(enum rule_dir dir, enum rule_policy p)
{
	static const char *const lines[2][3] = {
		{ "policy in accept", "policy in drop", "policy in reject" },
		{ "policy out accept", "policy out drop", "policy out reject" },
	};

	if ((unsigned)dir > RULE_OUT || (unsigned)p > POLICY_REJECT)
		return "policy ?";
	return lines[dir][p];
}

const char *rule_action_name(enum rule_action a)
{
	static const char *const names[] = { "allow", "deny", "reject", "limit" };

	return (unsigned)a <= RULE_LIMIT ? names[a] : "?";
}

const char *rule_dir_name(enum rule_dir d)
{
	return d == RULE_IN ? "in" : d == RULE_OUT ? "out" : "?";
}

static const char *const origin_names[] = { "admin", "prompt", "default" };

const char *rule_origin_name(enum rule_origin o)
{
	return (unsigned)o <= ORIGIN_DEFAULT ? origin_names[o] : "?";
}

int rule_origin_parse(const char *s, enum rule_origin *out)
{
	unsigned i;

	for (i = 0; i <= ORIGIN_DEFAULT; i++) {
		if (strcmp(s, origin_names[i]) == 0) {
			*out = (enum rule_origin)i;
			return 0;
		}
	}
	return -1;
}

const char *rule_policy_name(enum rule_policy p)
{
	static const char *const names[] = { "accept", "drop", "reject" };

	return (unsigned)p <= POLICY_REJECT ? names[p] : "?";
}

bool rule_needs_owner(const struct rule *r)
{
	return r->app || r->has_user || r->has_group;
}

bool rule_needs_unit(const struct rule *r)
{
	return r->unit != NULL;
}
