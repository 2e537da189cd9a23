/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The values of the grammar's clauses: protocol, ports, addresses,
 * interface, app, unit, user and group, service, duration, comment, and
 * the rate of a limit rule. Each reports a bad value on its token and
 * leaves the rest of the line to be checked (grammar.c).
 */
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "duration.h"
#include "grammar_internal.h"
#include "misspell.h"

#define COMMENT_MAX 128
#define IFACE_MAX 15            /* IFNAMSIZ - 1 */
#define NAME_MAX_BYTES 256
#define UNIT_NAME_MAX 255       /* systemd: UNIT_NAME_MAX - 1 */
#define SERVICE_HINTS 3         /* "did you mean 'a', 'b' or 'c'?" */

/* column of byte off inside a value token (after the quote of a string) */
static int tok_col(const struct token *t, int off)
{
	return t->col + (t->kind == TOK_STRING) + off;
}

/* ---- values of clauses ---- */

void grammar_parse_proto(struct line *l, const struct token *v)
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

void grammar_parse_port(struct line *l, const struct token *v)
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

void grammar_parse_from(struct line *l, const struct token *v)
{
	parse_addr(l, v, true);
}

void grammar_parse_to(struct line *l, const struct token *v)
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

void grammar_parse_iface(struct line *l, const struct token *v)
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

void grammar_parse_app(struct line *l, const struct token *v)
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

void grammar_parse_unit(struct line *l, const struct token *v)
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

void grammar_parse_user(struct line *l, const struct token *v)
{
	unsigned long id;

	if (parse_owner(l, v, false, &id) < 0)
		return;
	l->r->has_user = true;
	l->r->uid = (uid_t)id;
	l->r->user = xstrdup(v->text);
}

void grammar_parse_group(struct line *l, const struct token *v)
{
	unsigned long id;

	if (parse_owner(l, v, true, &id) < 0)
		return;
	l->r->has_group = true;
	l->r->gid = (gid_t)id;
	l->r->group = xstrdup(v->text);
}

void grammar_parse_service(struct line *l, const struct token *v)
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

void grammar_parse_for(struct line *l, const struct token *v)
{
	char err[256];
	uint64_t s = duration_parse(v->text, err, sizeof(err));

	if (s == 0)
		tok_err(l, v, "%s", err);
	else
		l->r->duration = s;
}

void grammar_parse_comment(struct line *l, const struct token *v)
{
	size_t len = strlen(v->text);

	if (len > COMMENT_MAX)
		tok_err(l, v, "comment is too long (%zu bytes, at most %d)", len, COMMENT_MAX);
	else if (has_control(v->text))
		tok_err(l, v, "comment may not contain control characters (tabs included)");
	else
		l->r->comment = xstrdup(v->text);
}

void grammar_parse_log(struct line *l, const struct token *v)
{
	l->r->log = true;
}

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
int grammar_parse_rate_text(struct line *l, const struct token *v)
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
