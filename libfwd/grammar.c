/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one parser of the rule grammar. Lines go in one at a time (init /
 * feed / finish, after wireguard-tools' config.c); every error is collected
 * with its place and the parse goes on with the next line, and at the end a
 * parse with any error yields nothing (OpenNTPD's parse.y).
 *
 * A line is: the head (action, rate, direction), then clauses in any
 * order, each dispatched through the clause table to its handler. A
 * syntax error ends the line; a bad value does not, so one line can report
 * a bad port and a bad address together. Checks across clauses (service
 * with port, address families) run only on a line without other errors.
 * The values of clauses are parsed in grammar_values.c.
 */
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "grammar.h"
#include "grammar_internal.h"
#include "keywords.h"
#include "lexer.h"

#define GRAMMAR_LINE_MAX 8192   /* no valid rule comes near it */
#define GRAMMAR_MAX_ERRORS 100  /* then stop: the input is not a rule file */
#define KWBIT(kw) (1ull << (kw))

/* ---- errors ---- */

void grammar_line_verr(struct line *l, int col, int len, const char *fmt, va_list ap)
{
	struct parser *p = l->p;
	struct strbuf msg = STRBUF_INIT;

	if (p->gave_up)
		return;
	if (p->diags.n >= GRAMMAR_MAX_ERRORS) {
		diag_add(&p->diags, p->file, 0, 0, 0, NULL,
			 "too many errors, stopped at line %d", p->lineno);
		p->gave_up = true;
		return;
	}
	sb_vprintf(&msg, fmt, ap);
	diag_add(&p->diags, p->file, p->lineno, col, len, l->src, "%s", sb_str(&msg));
	sb_free(&msg);
}

static bool line_failed(const struct line *l)
{
	return l->p->diags.n != l->nerr;
}

/* ---- tokens ---- */

static const struct token *peek(struct line *l)
{
	return l->pos < l->toks.n ? &l->toks.v[l->pos] : NULL;
}

/*
 * The value after keyword token kt. A missing value, or a keyword where
 * the value should be ("port from ..."), is reported with what the keyword
 * expects; a value that is spelled like a keyword must be quoted
 * (iface "log"), which is what rule_format writes.
 */
static const struct token *take_value(struct line *l, const struct token *kt,
				      unsigned stop, const char *needs)
{
	const struct token *t = peek(l);

	if (!t || tok_is(t, stop)) {
		tok_err(l, kt, "'%s' needs a value: %s", kt->text, needs);
		return NULL;
	}
	l->pos++;
	return t;
}

/* ---- the clause table ---- */

struct clause {
	enum kw kw;
	void (*parse)(struct line *l, const struct token *value);
	const char *needs;      /* what the value is; NULL = takes no value */
	const char *dup_hint;
};

static const struct clause clauses[] = {
	{ KW_APP, grammar_parse_app, "the absolute path of an executable", "" },
	{ KW_COMMENT, grammar_parse_comment, "a quoted text", "" },
	{ KW_FOR, grammar_parse_for, "a duration such as 30s, 10m, 1h or 2d", "" },
	{ KW_FROM, grammar_parse_from, "an address such as 192.0.2.1 or a network such as 10.0.0.0/8",
	  " (one address per rule; write a second rule for another)" },
	{ KW_GROUP, grammar_parse_group, "a group name or gid", "" },
	{ KW_IFACE, grammar_parse_iface, "an interface name such as eth0", "" },
	{ KW_LOG, grammar_parse_log, NULL, "" },
	{ KW_PORT, grammar_parse_port, "a port, a range N-M or a list N,M",
	  " (write one list: port 22,80)" },
	{ KW_PROTO, grammar_parse_proto, "tcp, udp, icmp or icmpv6",
	  " (one protocol per rule; without proto a port covers tcp and udp)" },
	{ KW_SERVICE, grammar_parse_service, "a service name such as ssh (see fwctl services)", "" },
	{ KW_TO, grammar_parse_to, "an address such as 192.0.2.1 or a network such as 10.0.0.0/8",
	  " (one address per rule; write a second rule for another)" },
	{ KW_UNIT, grammar_parse_unit, "a systemd unit such as sshd.service or user-1000.slice", "" },
	{ KW_USER, grammar_parse_user, "a user name or uid", "" },
};

static const struct clause *clause_find(const struct token *t)
{
	enum kw kw = tok_kw(t);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(clauses); i++)
		if (clauses[i].kw == kw)
			return &clauses[i];
	return NULL;
}

/* a word where a clause keyword should be: say what was probably meant */
static void report_unexpected(struct line *l, const struct token *t)
{
	if (t->kind == TOK_STRING)
		tok_err(l, t, "unexpected quoted text (only a value, e.g. after comment, "
			"may be quoted)");
	else if (l->last == KW_COMMENT)
		tok_err(l, t, "unexpected %s: a comment of several words needs quotes: "
			"comment \"...\"", q(l, t->text));
	else if (l->last == KW_FOR && t->text[0] >= '0' && t->text[0] <= '9')
		tok_err(l, t, "unexpected %s: a duration has no spaces: for 1h30m", q(l, t->text));
	else if (l->last == KW_PORT && t->text[0] >= '0' && t->text[0] <= '9')
		tok_err(l, t, "unexpected %s: a port list has no spaces: port 22,80",
			q(l, t->text));
	else if (tok_is(t, KWC_PROTO))
		tok_err(l, t, "unexpected %s (did you mean 'proto %s'?)", q(l, t->text), t->text);
	else if (tok_is(t, KWC_DIR))
		tok_err(l, t, "a second direction %s (a rule has one direction)", q(l, t->text));
	else if (tok_is(t, KWC_BURST))
		tok_err(l, t, "'burst' goes right after the rate: limit 10/second burst 20 in ...");
	else if (tok_is(t, KWC_START))
		tok_err(l, t, "%s must come first: ACTION DIR [MATCH ...]", q(l, t->text));
	else
		tok_err(l, t, "unknown keyword %s%s", q(l, t->text),
			kw_hint(l, t->text, KWC_CLAUSE));
}

static void parse_clause(struct line *l, const struct clause *c, const struct token *kt)
{
	const struct token *v = NULL;
	bool dup = l->seen & KWBIT(c->kw);

	if (dup)
		tok_err(l, kt, "duplicate '%s'%s", kt->text, c->dup_hint);
	if (c->needs && !(v = take_value(l, kt, KWC_CLAUSE, c->needs)))
		return;
	l->last = c->kw;
	if (dup)
		return;
	l->seen |= KWBIT(c->kw);
	l->key[c->kw] = kt;
	l->val[c->kw] = v;
	c->parse(l, v);
}

static void parse_clauses(struct line *l)
{
	const struct token *t;
	const struct clause *c;

	while ((t = peek(l)) && !l->p->gave_up) {
		c = clause_find(t);
		if (!c) {
			report_unexpected(l, t);
			return;
		}
		l->pos++;
		parse_clause(l, c, t);
	}
}

/* ---- the head: action, rate, direction ---- */

static void parse_burst(struct line *l)
{
	const struct token *kt = &l->toks.v[l->pos++];
	const struct token *v = take_value(l, kt, KWC_CLAUSE | KWC_DIR, "a number of packets");
	unsigned long n = 0;
	const char *s;

	if (!v)
		return;
	for (s = v->text; *s >= '0' && *s <= '9' && n <= RATE_MAX; s++)
		n = n * 10 + (unsigned long)(*s - '0');
	if (s == v->text || *s || n < 1 || n > RATE_MAX)
		tok_err(l, v, "bad burst %s (expected a number 1-%u)", q(l, v->text), RATE_MAX);
	else
		l->r->rate.burst = (uint32_t)n;
}

static void parse_limit(struct line *l, const struct token *kt)
{
	const struct token *v = take_value(l, kt, KWC_CLAUSE | KWC_DIR | KWC_BURST,
					   "a rate such as 10/second, 30/minute or 100/hour");

	if (v)
		grammar_parse_rate_text(l, v);
	if (tok_is(peek(l), KWC_BURST))
		parse_burst(l);
}

static int parse_action(struct line *l)
{
	static const enum rule_action actions[] = {
		[KW_ALLOW] = RULE_ALLOW, [KW_DENY] = RULE_DENY,
		[KW_REJECT] = RULE_REJECT, [KW_LIMIT] = RULE_LIMIT,
	};
	const struct token *t = &l->toks.v[l->pos++];

	if (t->kind == TOK_STRING) {
		tok_err(l, t, "a rule starts with allow, deny, reject, limit or policy, "
			"not with a quoted text");
		return -1;
	}
	if (!tok_is(t, KWC_START)) {
		const char *hint = kw_hint(l, t->text, KWC_START);

		tok_err(l, t, "unknown action %s%s", q(l, t->text),
			*hint ? hint : " (a rule starts with allow, deny, reject, limit or policy)");
		return -1;
	}
	l->r->action = actions[tok_kw(t)];
	if (l->r->action == RULE_LIMIT)
		parse_limit(l, t);
	return 0;
}

static int parse_dir(struct line *l)
{
	const struct token *action = &l->toks.v[0], *t = peek(l);

	if (!t) {
		tok_err(l, action, "'%s' needs a direction: in or out", action->text);
		return -1;
	}
	if (tok_is(t, KWC_DIR)) {
		l->r->dir = tok_kw(t) == KW_IN ? RULE_IN : RULE_OUT;
		l->pos++;
		return 0;
	}
	if (t->kind == TOK_WORD && !keyword_lookup(t->text, strlen(t->text)) &&
	    *kw_hint(l, t->text, KWC_DIR))
		tok_err(l, t, "unknown direction %s%s", q(l, t->text), kw_hint(l, t->text, KWC_DIR));
	else
		tok_err(l, t, "expected 'in' or 'out' after '%s', got %s", action->text,
			t->kind == TOK_STRING ? "a quoted text" : q(l, t->text));
	return -1;
}

/* ---- checks across clauses, and the expansion into l4 entries ---- */

static void check_service(struct line *l)
{
	const char *name = l->val[KW_SERVICE]->text;

	if (l->seen & KWBIT(KW_PROTO))
		tok_err(l, l->key[KW_PROTO], "'service' and 'proto' do not mix: service %s "
			"brings its own protocols and ports", q(l, name));
	if (l->seen & KWBIT(KW_PORT))
		tok_err(l, l->key[KW_PORT], "'service' and 'port' do not mix: service %s "
			"brings its own protocols and ports", q(l, name));
}

static void check_families(struct line *l)
{
	const struct rule *r = l->r;
	const struct token *a = r->has_to ? l->val[KW_TO] : l->val[KW_FROM];
	int family = r->has_to ? r->to.family : r->from.family;

	if (r->has_from && r->has_to && r->from.family != r->to.family) {
		tok_err(l, l->val[KW_TO], "'from' is %s but 'to' is %s; a rule matches one "
			"address family", r->from.family == AF_INET ? "IPv4" : "IPv6",
			r->to.family == AF_INET ? "IPv4" : "IPv6");
		return;
	}
	if ((r->has_from || r->has_to) && r->protos == RULE_PROTO_ICMP && family == AF_INET6)
		tok_err(l, a, "proto icmp is IPv4 only; use proto icmpv6 with an IPv6 address");
	if ((r->has_from || r->has_to) && r->protos == RULE_PROTO_ICMPV6 && family == AF_INET)
		tok_err(l, a, "proto icmpv6 is IPv6 only; use proto icmp with an IPv4 address");
}

/* a unit is matched in the kernel, app/user/group through listener tracking */
static void check_unit(struct line *l)
{
	static const enum kw owners[] = { KW_APP, KW_USER, KW_GROUP };

	for (size_t i = 0; i < ARRAY_SIZE(owners); i++)
		if (l->seen & KWBIT(owners[i]))
			tok_err(l, l->key[owners[i]], "'unit' and '%s' do not mix: a "
				"unit rule matches every socket of the unit's processes; "
				"write two rules", keyword_name(owners[i]));
}

static void rule_check(struct line *l)
{
	const struct rule *r = l->r;

	if (r->unit)
		check_unit(l);

	if (r->service)
		check_service(l);
	if (r->nports && (r->protos & (RULE_PROTO_ICMP | RULE_PROTO_ICMPV6)))
		tok_err(l, l->key[KW_PORT], "'port' needs proto tcp or udp (%s has no ports)",
			r->protos & RULE_PROTO_ICMP ? "icmp" : "icmpv6");
	check_families(l);
}

static void l4_push(struct rule *r, uint8_t proto, uint16_t lo, uint16_t hi)
{
	r->l4 = xrealloc(r->l4, (r->nl4 + 1) * sizeof(*r->l4));
	/* zero the padding too: equal rules are equal bytes (memcmp, hashing) */
	memset(&r->l4[r->nl4], 0, sizeof(*r->l4));
	r->l4[r->nl4].proto = proto;
	r->l4[r->nl4].port_lo = lo;
	r->l4[r->nl4].port_hi = hi;
	r->nl4++;
}

static void rule_expand(struct line *l)
{
	static const struct { unsigned bit; uint8_t proto; } protos[] = {
		{ RULE_PROTO_TCP, IPPROTO_TCP }, { RULE_PROTO_UDP, IPPROTO_UDP },
		{ RULE_PROTO_ICMP, IPPROTO_ICMP }, { RULE_PROTO_ICMPV6, IPPROTO_ICMPV6 },
	};
	struct rule *r = l->r;
	unsigned want = r->protos;
	size_t i, j;

	if (r->service) {
		const struct service *s = catalog_find(l->p->cat, r->service);

		for (i = 0; i < s->nl4; i++)
			l4_push(r, s->l4[i].proto, s->l4[i].port_lo, s->l4[i].port_hi);
		return;
	}
	if (!want && r->nports)
		want = RULE_PROTO_TCP | RULE_PROTO_UDP;
	for (i = 0; i < 4; i++) {
		if (!(want & protos[i].bit))
			continue;
		if (!r->nports)
			l4_push(r, protos[i].proto, 0, 0);
		for (j = 0; j < r->nports; j++)
			l4_push(r, protos[i].proto, r->ports[j].lo, r->ports[j].hi);
	}
}

/*
 * The store and `fwctl export` keep a rule as rule_format writes it, which
 * can be longer than the line it came from (::ff:ffff is written
 * ::0.255.255.255, a temporary rule gets "for 31535999s"): a line near the
 * limit must not give a rule that cannot be read back (tests/fuzz).
 */
#define FOR_TEXT_MAX 14         /* " for 31535999s": the longest remaining time */

static void check_text_length(struct line *l)
{
	char *text = rule_format(l->r, 0);
	size_t len = strlen(text) + (l->r->duration ? FOR_TEXT_MAX : 0);

	free(text);
	if (len > GRAMMAR_LINE_MAX)
		at_err(l, 0, 0, "rule too long once written out (%zu bytes, at most %d)",
		       len, GRAMMAR_LINE_MAX);
}

/* ---- policy lines ---- */

static void policy_unknown(struct line *l, const struct token *v, enum rule_dir dir)
{
	const char *hint = kw_hint(l, v->text, KWC_VERDICT);

	/* rule words where a policy goes: say the policy word */
	if (tok_kw(v) == KW_DENY)
		hint = " (did you mean 'drop'?)";
	else if (tok_kw(v) == KW_ALLOW && dir == RULE_OUT)
		hint = " (did you mean 'accept'?)";
	if (!*hint)
		hint = dir == RULE_IN ? " (expected drop or reject)"
				      : " (expected accept, drop or reject)";
	tok_err(l, v, "unknown policy %s%s", q(l, v->text), hint);
}

/* the direction after `policy`, or NULL when reported */
static const struct token *policy_dir(struct line *l, const struct token *kt)
{
	const struct token *d = peek(l);

	if (!d) {
		tok_err(l, kt, "'policy' needs a direction: in or out");
		return NULL;
	}
	l->pos++;
	if (!tok_is(d, KWC_DIR)) {
		tok_err(l, d, "expected 'in' or 'out' after 'policy', got %s%s", q(l, d->text),
			kw_hint(l, d->text, KWC_DIR));
		return NULL;
	}
	return d;
}

static void policy_set(struct line *l, const struct token *kt, enum rule_dir dir,
		       enum rule_policy verdict)
{
	struct parser *p = l->p;

	if (p->policy_line[dir]) {
		tok_err(l, kt, "second 'policy %s' line (the first is on line %d)",
			rule_dir_name(dir), p->policy_line[dir]);
		return;
	}
	p->policy_line[dir] = p->lineno;
	if (dir == RULE_IN) {
		p->rs.policy_in = verdict;
		p->rs.has_policy_in = true;
	} else {
		p->rs.policy_out = verdict;
		p->rs.has_policy_out = true;
	}
}

static void parse_policy(struct line *l)
{
	static const enum rule_policy verdicts[] = {
		[KW_ACCEPT] = POLICY_ACCEPT, [KW_DROP] = POLICY_DROP, [KW_REJECT] = POLICY_REJECT,
	};
	const struct token *kt = &l->toks.v[l->pos++], *d, *v;
	enum rule_dir dir;

	if (l->p->flags & PARSER_RULES_ONLY) {
		tok_err(l, kt, "'policy' is not allowed here, only rules (set policies in a rule file)");
		return;
	}
	if (!(d = policy_dir(l, kt)))
		return;
	dir = tok_kw(d) == KW_IN ? RULE_IN : RULE_OUT;
	if (!(v = peek(l))) {
		at_err(l, kt->col, d->col + d->len - kt->col, "'policy %s' needs a value: %s",
		       d->text, dir == RULE_IN ? "drop or reject" : "accept, drop or reject");
		return;
	}
	l->pos++;
	if (!tok_is(v, KWC_VERDICT))
		policy_unknown(l, v, dir);
	else if (dir == RULE_IN && tok_kw(v) == KW_ACCEPT)
		tok_err(l, v, "inbound policy must be drop or reject");
	else if (peek(l))
		tok_err(l, peek(l), "unexpected %s after the policy", q(l, peek(l)->text));
	else
		policy_set(l, kt, dir, verdicts[tok_kw(v)]);
}

/* ---- lines ---- */

static void parse_rule(struct line *l)
{
	l->r = rule_new();
	if (parse_action(l) < 0)
		return;
	/* after a bad rate the rest is still checked if the direction follows */
	if (line_failed(l) && !tok_is(peek(l), KWC_DIR))
		return;
	if (parse_dir(l) < 0)
		return;
	parse_clauses(l);
	if (line_failed(l))
		return;
	rule_check(l);
	if (line_failed(l))
		return;
	check_text_length(l);
	if (line_failed(l))
		return;
	rule_expand(l);
	if (ruleset_append(&l->p->rs, l->r) < 0)
		at_err(l, 0, 0, "out of memory");
	l->r = NULL;
}

static void line_init(struct line *l, struct parser *p, const char *text, size_t len)
{
	size_t i;

	memset(l, 0, sizeof(*l));
	l->p = p;
	l->nerr = p->diags.n;
	l->src = xstrndup(text, len);
	/* NUL and control bytes would cut or garble the line in a diag */
	for (i = 0; i < len; i++)
		if ((unsigned char)l->src[i] < 0x20 && l->src[i] != '\t')
			l->src[i] = '?';
}

static void line_free(struct line *l)
{
	int i;

	token_list_free(&l->toks);
	rule_free(l->r);
	free(l->src);
	for (i = 0; i < NQUOTE; i++)
		sb_free(&l->quote[i]);
}

void parser_feed_line(struct parser *p, const char *text, size_t len)
{
	struct lex_error e;
	struct line l;

	p->lineno++;
	if (p->gave_up)
		return;
	if (len && text[len - 1] == '\r')
		len--;
	line_init(&l, p, text, len > GRAMMAR_LINE_MAX ? 0 : len);
	if (len > GRAMMAR_LINE_MAX)
		at_err(&l, 0, 0, "line too long (%zu bytes, at most %d)", len, GRAMMAR_LINE_MAX);
	else if (lex_line(text, len, &l.toks, &e) < 0)
		at_err(&l, e.col, e.len, "%s", e.msg);
	else if (l.toks.n && tok_kw(&l.toks.v[0]) == KW_POLICY)
		parse_policy(&l);
	else if (l.toks.n)
		parse_rule(&l);
	line_free(&l);
}

void parser_feed(struct parser *p, const char *buf, size_t len)
{
	const char *nl;

	while (len > 0) {
		nl = memchr(buf, '\n', len);
		if (!nl) {
			parser_feed_line(p, buf, len);
			return;
		}
		parser_feed_line(p, buf, (size_t)(nl - buf));
		len -= (size_t)(nl - buf) + 1;
		buf = nl + 1;
	}
}

struct parser *parser_new(const char *filename, const struct catalog *cat,
			  unsigned flags)
{
	struct parser *p = xcalloc(1, sizeof(*p));

	p->file = xstrdup(filename ? filename : "<input>");
	p->cat = cat;
	p->flags = flags;
	ruleset_init(&p->rs);
	return p;
}

static void diags_move(struct diag_list *to, struct diag_list *from)
{
	size_t i;

	for (i = 0; to && i < from->n; i++) {
		if (to->n == to->cap) {
			to->cap = to->cap ? to->cap * 2 : 8;
			to->v = xrealloc(to->v, to->cap * sizeof(*to->v));
		}
		to->v[to->n++] = from->v[i];
	}
	if (to)
		from->n = 0;
	diag_list_free(from);
}

static int rules_move(struct ruleset *to, struct ruleset *from)
{
	struct rule **v = NULL;

	/* reserve first: out stays untouched when memory runs out */
	if (from->nrules) {
		v = realloc(to->rules, (to->nrules + from->nrules) * sizeof(*v));
		if (!v)
			return -1;
		to->rules = v;
	}
	if (from->has_policy_in) {
		to->policy_in = from->policy_in;
		to->has_policy_in = true;
	}
	if (from->has_policy_out) {
		to->policy_out = from->policy_out;
		to->has_policy_out = true;
	}
	if (from->nrules)
		memcpy(to->rules + to->nrules, from->rules, from->nrules * sizeof(*v));
	to->nrules += from->nrules;
	from->nrules = 0;
	return 0;
}

int parser_finish(struct parser *p, struct ruleset *out, struct diag_list *diags)
{
	int ret = 0;

	if (!p->diags.n && rules_move(out, &p->rs) < 0)
		diag_add(&p->diags, p->file, 0, 0, 0, NULL, "out of memory");
	if (p->diags.n) {
		diags_move(diags, &p->diags);
		ret = -1;
	}
	diag_list_free(&p->diags);
	ruleset_clear(&p->rs);
	free(p->file);
	free(p);
	return ret;
}

struct rule *parse_rule_text(const char *text, const char *filename,
			     const struct catalog *cat, unsigned flags,
			     struct diag_list *diags)
{
	const char *file = filename ? filename : "<command line>";
	struct parser *p = parser_new(file, cat, flags | PARSER_RULES_ONLY);
	struct rule *r = NULL;
	struct ruleset rs;

	ruleset_init(&rs);
	parser_feed(p, text, strlen(text));
	if (parser_finish(p, &rs, diags) < 0)
		goto out;
	if (rs.nrules != 1) {
		if (diags && rs.nrules)
			diag_add(diags, file, 0, 0, 0, NULL, "one rule expected, got %zu",
				 rs.nrules);
		else if (diags)
			diag_add(diags, file, 0, 0, 0, NULL, "no rule given: write ACTION DIR "
				 "[MATCH ...], e.g. allow in proto tcp port 22");
		goto out;
	}
	r = rs.rules[0];
	rs.nrules = 0;
out:
	ruleset_clear(&rs);
	return r;
}
