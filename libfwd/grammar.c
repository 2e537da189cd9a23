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
 */
#include <grp.h>
#include <limits.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "duration.h"
#include "grammar.h"
#include "keywords.h"
#include "lexer.h"
#include "misspell.h"

#define GRAMMAR_LINE_MAX 8192   /* no valid rule comes near it */
#define GRAMMAR_MAX_ERRORS 100  /* then stop: the input is not a rule file */
#define RATE_MAX 1000000u
#define COMMENT_MAX 128
#define IFACE_MAX 15            /* IFNAMSIZ - 1 */
#define NAME_MAX_BYTES 256
#define UNIT_NAME_MAX 255       /* systemd: UNIT_NAME_MAX - 1 */
#define KWBIT(kw) (1ull << (kw))
#define NQUOTE 4
#define SERVICE_HINTS 3         /* "did you mean 'a', 'b' or 'c'?" */
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

_Static_assert(KW_MAX <= 64, "struct line.seen has one bit per keyword");

struct parser {
	char *file;
	const struct catalog *cat;
	unsigned flags;
	int lineno;
	int policy_line[2];     /* where each direction's policy was set */
	bool gave_up;
	struct ruleset rs;
	struct diag_list diags;
};

/* the state of one line being parsed */
struct line {
	struct parser *p;
	char *src;                      /* the line as shown in diags */
	struct token_list toks;
	size_t pos;
	size_t nerr;                    /* diags before this line */
	struct rule *r;
	uint64_t seen;                  /* KWBIT of every clause given */
	enum kw last;                   /* the clause before the current one */
	const struct token *key[KW_MAX], *val[KW_MAX];
	struct strbuf quote[NQUOTE];    /* scratch for quoted words in messages */
	int nquote;
};

/* ---- errors ---- */

static void line_verr(struct line *l, int col, int len, const char *fmt, va_list ap)
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

static void __attribute__((format(printf, 3, 4)))
tok_err(struct line *l, const struct token *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	line_verr(l, t->col, t->len, fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 4, 5)))
at_err(struct line *l, int col, int len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	line_verr(l, col, len, fmt, ap);
	va_end(ap);
}

/* 'word', made safe and short for a message; valid until the line ends */
static const char *q(struct line *l, const char *s)
{
	struct strbuf *sb = &l->quote[l->nquote++ % NQUOTE];

	sb_reset(sb);
	lex_quote(sb, s);
	return sb_str(sb);
}

/* " (did you mean 'x'?)" among keywords of the classes, or "" */
static const char *kw_hint(struct line *l, const char *word, unsigned classes)
{
	struct strbuf *sb = &l->quote[l->nquote++ % NQUOTE];

	sb_reset(sb);
	keyword_hint(word, classes, sb);
	return sb_str(sb);
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

static bool tok_is(const struct token *t, unsigned classes)
{
	return t && t->kind == TOK_WORD && keyword_is(t->text, classes);
}

static enum kw tok_kw(const struct token *t)
{
	const struct keyword *k;

	if (!t || t->kind != TOK_WORD)
		return KW_NONE;
	k = keyword_lookup(t->text, strlen(t->text));
	return k ? k->kw : KW_NONE;
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

/* column of byte off inside a value token (after the quote of a string) */
static int tok_col(const struct token *t, int off)
{
	return t->col + (t->kind == TOK_STRING) + off;
}

/* ---- values of clauses ---- */

static void parse_proto(struct line *l, const struct token *v)
{
	static const unsigned bits[] = {
		[KW_TCP] = RULE_PROTO_TCP, [KW_UDP] = RULE_PROTO_UDP,
		[KW_ICMP] = RULE_PROTO_ICMP, [KW_ICMPV6] = RULE_PROTO_ICMPV6,
	};
	enum kw kw = tok_kw(v);

	if (tok_is(v, KWC_PROTO))
		l->r->protos = bits[kw];
	else if (strchr(v->text, ','))
		tok_err(l, v, "one protocol per rule: write proto tcp or proto udp "
			"(a port without proto covers both)");
	else if (*kw_hint(l, v->text, KWC_PROTO))
		tok_err(l, v, "unknown protocol %s%s", q(l, v->text),
			kw_hint(l, v->text, KWC_PROTO));
	else
		tok_err(l, v, "unknown protocol %s (expected tcp, udp, icmp or icmpv6)",
			q(l, v->text));
}

static void parse_port(struct line *l, const struct token *v)
{
	struct lex_error e;
	struct rule *r = l->r;

	if (lex_ports(v->text, &r->ports, &r->nports, &e) == 0) {
		r->nports = rule_ports_normalize(r->ports, r->nports);
		return;
	}
	if (l->p->cat && catalog_find(l->p->cat, v->text))
		tok_err(l, v, "bad port %s; for the service, write: service %s",
			q(l, v->text), v->text);
	else
		at_err(l, tok_col(v, e.col - 1), e.len, "%s", e.msg);
}

static void parse_addr(struct line *l, const struct token *v, bool from)
{
	char err[256];
	struct addr_prefix *a = from ? &l->r->from : &l->r->to;

	if (addr_parse(v->text, a, err, sizeof(err)) < 0) {
		tok_err(l, v, "%s", err);
		return;
	}
	if (from)
		l->r->has_from = true;
	else
		l->r->has_to = true;
}

static void parse_from(struct line *l, const struct token *v)
{
	parse_addr(l, v, true);
}

static void parse_to(struct line *l, const struct token *v)
{
	parse_addr(l, v, false);
}

static bool has_blank_or_quote(const char *s)
{
	for (; *s; s++)
		if (*s == ' ' || *s == '\t' || *s == '"' || *s == '\'')
			return true;
	return false;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static void parse_iface(struct line *l, const struct token *v)
{
	size_t len = strlen(v->text);

	if (len == 0 || len > IFACE_MAX)
		tok_err(l, v, "interface name %s must be 1-%d bytes long", q(l, v->text),
			IFACE_MAX);
	else if (strchr(v->text, '/') || has_blank_or_quote(v->text) || has_control(v->text))
		tok_err(l, v, "bad interface name %s (no '/', blanks or quotes)",
			q(l, v->text));
	else
		l->r->iface = xstrdup(v->text);
}

/* "try /usr/sbin/sshd" when a plain name is found where executables live */
static void app_relative_error(struct line *l, const struct token *v)
{
	static const char *const dirs[] = {
		"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin",
	};
	char path[PATH_MAX];
	size_t i;

	for (i = 0; !strchr(v->text, '/') && *v->text && i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[i], v->text);
		if (access(path, X_OK) == 0) {
			tok_err(l, v, "app needs an absolute path (got %s); try %s",
				q(l, v->text), path);
			return;
		}
	}
	tok_err(l, v, "app needs an absolute path (got %s); write the full path "
		"of the executable", q(l, v->text));
}

static void parse_app(struct line *l, const struct token *v)
{
	if (v->text[0] != '/')
		app_relative_error(l, v);
	else if (strlen(v->text) >= PATH_MAX)
		tok_err(l, v, "app path is too long (at most %d bytes)", PATH_MAX - 1);
	else if (has_control(v->text))
		tok_err(l, v, "app path may not contain control characters");
	else
		l->r->app = xstrdup(v->text);
}

/*
 * A systemd unit whose cgroup the kernel matches (socket cgroupv2): only
 * units that own processes, hence their sockets. A .socket unit's
 * sockets are created by systemd itself, in its own cgroup.
 */
static const char *unit_name_problem(const char *name)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "0123456789:_.@-\\";
	size_t len = strlen(name);
	const char *dot = strrchr(name, '.');

	if (len > UNIT_NAME_MAX || strspn(name, ok) != len)
		return "a unit name is at most 255 letters, digits and :_.@-\\";
	if (dot && strcmp(dot, ".socket") == 0)
		return "a .socket unit's sockets belong to systemd itself; name the "
		       ".service it starts, or use a port rule";
	if (!dot || dot == name || (strcmp(dot, ".service") && strcmp(dot, ".scope") &&
				    strcmp(dot, ".slice")))
		return "name a .service, .scope or .slice unit, e.g. sshd.service";
	if (strcmp(dot, ".slice") == 0 &&
	    (name[0] == '-' || dot[-1] == '-' || strstr(name, "--")))
		return "a slice name has no empty parts between dashes (-.slice, the root "
		       "slice, holds everything: use a port rule)";
	return NULL;
}

static void parse_unit(struct line *l, const struct token *v)
{
	const char *problem = unit_name_problem(v->text);

	if (problem)
		tok_err(l, v, "bad unit %s: %s", q(l, v->text), problem);
	else
		l->r->unit = xstrdup(v->text);
}

/* all digits: a numeric id, taken as is */
static int parse_numeric_id(struct line *l, const struct token *v, const char *what,
			    unsigned long *id)
{
	const char *s = v->text;
	unsigned long long n = 0;

	if (!*s || strspn(s, "0123456789") != strlen(s))
		return 0;
	for (; *s && n <= 0xffffffffull; s++)
		n = n * 10 + (unsigned long long)(*s - '0');
	if (n >= 0xffffffffull) {
		tok_err(l, v, "%s %s is out of range (0-4294967294)", what, q(l, v->text));
		return -1;
	}
	*id = (unsigned long)n;
	return 1;
}

/* user NAME|UID and group NAME|GID: the id, and the name as written */
static int parse_owner(struct line *l, const struct token *v, bool group,
		       unsigned long *id)
{
	const char *what = group ? "group" : "user";
	int num = parse_numeric_id(l, v, group ? "gid" : "uid", id);

	if (num != 0)
		return num > 0 ? 0 : -1;
	*id = (unsigned long)-1;
	if (strlen(v->text) > NAME_MAX_BYTES || has_control(v->text) || !*v->text) {
		tok_err(l, v, "bad %s name %s", what, q(l, v->text));
		return -1;
	}
	if (l->p->flags & PARSER_NO_NAMES)
		return 0;
	if (group) {
		struct group *gr = getgrnam(v->text);

		if (gr)
			*id = gr->gr_gid;
	} else {
		struct passwd *pw = getpwnam(v->text);

		if (pw)
			*id = pw->pw_uid;
	}
	if (*id == (unsigned long)-1) {
		tok_err(l, v, "unknown %s %s", what, q(l, v->text));
		return -1;
	}
	return 0;
}

static void parse_user(struct line *l, const struct token *v)
{
	unsigned long id;

	if (parse_owner(l, v, false, &id) < 0)
		return;
	l->r->has_user = true;
	l->r->uid = (uid_t)id;
	l->r->user = xstrdup(v->text);
}

static void parse_group(struct line *l, const struct token *v)
{
	unsigned long id;

	if (parse_owner(l, v, true, &id) < 0)
		return;
	l->r->has_group = true;
	l->r->gid = (gid_t)id;
	l->r->group = xstrdup(v->text);
}

static void parse_service(struct line *l, const struct token *v)
{
	const char *hits[SERVICE_HINTS];
	struct strbuf hint = STRBUF_INIT;
	size_t n = 0;

	if (l->p->cat && catalog_find(l->p->cat, v->text)) {
		l->r->service = xstrdup(v->text);
		return;
	}
	if (l->p->cat)
		n = catalog_suggest(l->p->cat, v->text, hits, SERVICE_HINTS);
	misspell_hint_names(hits, n, &hint);
	if (n == 0)
		sb_puts(&hint, l->p->cat && l->p->cat->n ? " (fwctl services lists the catalog)"
							  : " (no service catalog is loaded)");
	tok_err(l, v, "unknown service %s%s", q(l, v->text), sb_str(&hint));
	sb_free(&hint);
}

static void parse_for(struct line *l, const struct token *v)
{
	char err[256];
	uint64_t s = duration_parse(v->text, err, sizeof(err));

	if (s == 0)
		tok_err(l, v, "%s", err);
	else
		l->r->duration = s;
}

static void parse_comment(struct line *l, const struct token *v)
{
	size_t len = strlen(v->text);

	if (len > COMMENT_MAX)
		tok_err(l, v, "comment is too long (%zu bytes, at most %d)", len, COMMENT_MAX);
	else if (has_control(v->text))
		tok_err(l, v, "comment may not contain control characters (tabs included)");
	else
		l->r->comment = xstrdup(v->text);
}

static void parse_log(struct line *l, const struct token *v)
{
	l->r->log = true;
}

/* ---- the clause table ---- */

struct clause {
	enum kw kw;
	void (*parse)(struct line *l, const struct token *value);
	const char *needs;      /* what the value is; NULL = takes no value */
	const char *dup_hint;
};

static const struct clause clauses[] = {
	{ KW_APP, parse_app, "the absolute path of an executable", "" },
	{ KW_COMMENT, parse_comment, "a quoted text", "" },
	{ KW_FOR, parse_for, "a duration such as 30s, 10m, 1h or 2d", "" },
	{ KW_FROM, parse_from, "an address such as 192.0.2.1 or a network such as 10.0.0.0/8",
	  " (one address per rule; write a second rule for another)" },
	{ KW_GROUP, parse_group, "a group name or gid", "" },
	{ KW_IFACE, parse_iface, "an interface name such as eth0", "" },
	{ KW_LOG, parse_log, NULL, "" },
	{ KW_PORT, parse_port, "a port, a range N-M or a list N,M", " (write one list: port 22,80)" },
	{ KW_PROTO, parse_proto, "tcp, udp, icmp or icmpv6",
	  " (one protocol per rule; without proto a port covers tcp and udp)" },
	{ KW_SERVICE, parse_service, "a service name such as ssh (see fwctl services)", "" },
	{ KW_TO, parse_to, "an address such as 192.0.2.1 or a network such as 10.0.0.0/8",
	  " (one address per rule; write a second rule for another)" },
	{ KW_UNIT, parse_unit, "a systemd unit such as sshd.service or user-1000.slice", "" },
	{ KW_USER, parse_user, "a user name or uid", "" },
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

/* the unit after the slash of a rate */
static int parse_rate_unit(struct line *l, const struct token *v, const char *unit,
			   enum rate_unit *out)
{
	static const enum rate_unit units[] = {
		[KW_SECOND] = RATE_SECOND, [KW_MINUTE] = RATE_MINUTE, [KW_HOUR] = RATE_HOUR,
	};
	const struct keyword *k = keyword_lookup(unit, strlen(unit));
	const char *hint;

	if (k && (k->classes & KWC_UNIT)) {
		*out = units[k->kw];
		return 0;
	}
	hint = kw_hint(l, unit, KWC_UNIT);
	at_err(l, tok_col(v, (int)(unit - v->text)), *unit ? (int)strlen(unit) : 1,
	       "unknown rate unit %s%s", q(l, unit),
	       *hint ? hint : " (expected second, minute or hour)");
	return -1;
}

/* N/second, N/minute or N/hour */
static int parse_rate_text(struct line *l, const struct token *v)
{
	const char *slash = strchr(v->text, '/');
	int ndigits = slash ? (int)(slash - v->text) : 0;
	unsigned long n = 0;
	enum rate_unit unit;
	int i;

	if (ndigits == 0 || strspn(v->text, "0123456789") != (size_t)ndigits) {
		tok_err(l, v, "bad rate %s (write N/second, N/minute or N/hour)", q(l, v->text));
		return -1;
	}
	for (i = 0; i < ndigits && n <= RATE_MAX; i++)
		n = n * 10 + (unsigned long)(v->text[i] - '0');
	if (n < 1 || n > RATE_MAX) {
		at_err(l, tok_col(v, 0), ndigits, "rate %.*s is out of range (1-%u)",
		       ndigits > 12 ? 12 : ndigits, v->text, RATE_MAX);
		return -1;
	}
	if (parse_rate_unit(l, v, slash + 1, &unit) < 0)
		return -1;
	l->r->rate.count = (uint32_t)n;
	l->r->rate.unit = unit;
	return 0;
}

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
		parse_rate_text(l, v);
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
