/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The rule grammar, the canonical formatter and the service catalog.
 * Expected texts are written by hand; multi-line error cases live in
 * tests/unit/cases/NAME.rules with the expected diag output in NAME.err
 * (NAME.err.actual is written beside it on mismatch, as nftables tests/py).
 */
#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "catalog.h"
#include "duration.h"
#include "grammar.h"
#include "misspell.h"
#include "rule.h"
#include "strbuf.h"
#include "testlib.h"

#define NN PARSER_NO_NAMES
#define RO PARSER_RULES_ONLY
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static struct catalog cat;      /* a fixed catalog, so suggestions are stable */
static char catdir[64];

/* ---- helpers ---- */

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

static void remove_dir(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			unlink(path);
		}
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

static void make_test_catalog(void)
{
	static const char *const files[][2] = {
		{ "ssh.service", "description Secure shell\ntcp 22\n" },
		{ "http.service", "tcp 80\n" },
		{ "https.service", "tcp 443\nudp 443\n" },
		{ "dns.service", "description Domain names\nudp 53\ntcp 53\n" },
		{ "mosh.service", "tcp 22\nudp 60000-61000\n" },
		{ "web1.service", "tcp 8001\n" }, { "web2.service", "tcp 8002\n" },
		{ "web3.service", "tcp 8003\n" }, { "web4.service", "tcp 8004\n" },
	};
	struct diag_list dl = { 0 };
	size_t i;

	snprintf(catdir, sizeof(catdir), "/tmp/fwd-test-grammar-XXXXXX");
	if (!mkdtemp(catdir)) {
		perror("mkdtemp");
		exit(1);
	}
	for (i = 0; i < ARRAY_SIZE(files); i++)
		write_file(catdir, files[i][0], files[i][1]);
	catalog_init(&cat);
	CHECK(catalog_load_dir(&cat, catdir, &dl) == 0 && dl.n == 0, "test catalog loads");
	CHECK(cat.n == ARRAY_SIZE(files), "test catalog has %zu services", cat.n);
	diag_list_free(&dl);
}

/* every diag as "file:line:col: msg", one per line */
static char *diags_short(const struct diag_list *dl)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < dl->n; i++)
		sb_printf(&sb, "%s%s:%d:%d: %s", i ? "\n" : "", dl->v[i].file,
			  dl->v[i].line, dl->v[i].col, dl->v[i].msg);
	return sb_steal(&sb);
}

static char *diags_full(const struct diag_list *dl)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < dl->n; i++)
		diag_format(&dl->v[i], &sb);
	return sb_steal(&sb);
}

/* parses text as a file; returns parser_finish's result */
static int parse_text(const char *text, size_t len, unsigned flags, struct ruleset *rs,
		      struct diag_list *dl)
{
	struct parser *p = parser_new("t.rules", &cat, flags);

	ruleset_init(rs);
	parser_feed(p, text, len);
	return parser_finish(p, rs, dl);
}

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool addr_equal(const struct addr_prefix *a, const struct addr_prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	       memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

static bool l4_equal(const struct rule *a, const struct rule *b)
{
	size_t i;

	if (a->nl4 != b->nl4)
		return false;
	for (i = 0; i < a->nl4; i++)
		if (a->l4[i].proto != b->l4[i].proto || a->l4[i].port_lo != b->l4[i].port_lo ||
		    a->l4[i].port_hi != b->l4[i].port_hi)
			return false;
	return true;
}

static bool rules_equal(const struct rule *a, const struct rule *b)
{
	return a->action == b->action && a->dir == b->dir &&
	       a->rate.count == b->rate.count && a->rate.unit == b->rate.unit &&
	       a->rate.burst == b->rate.burst &&
	       a->protos == b->protos && a->nports == b->nports &&
	       (!a->nports || memcmp(a->ports, b->ports, a->nports * sizeof(*a->ports)) == 0) &&
	       str_eq(a->service, b->service) &&
	       a->has_from == b->has_from && a->has_to == b->has_to &&
	       (!a->has_from || addr_equal(&a->from, &b->from)) &&
	       (!a->has_to || addr_equal(&a->to, &b->to)) &&
	       str_eq(a->iface, b->iface) && str_eq(a->app, b->app) &&
	       a->has_user == b->has_user && a->has_group == b->has_group &&
	       (!a->has_user || (a->uid == b->uid && str_eq(a->user, b->user))) &&
	       (!a->has_group || (a->gid == b->gid && str_eq(a->group, b->group))) &&
	       a->duration == b->duration && str_eq(a->comment, b->comment) &&
	       a->log == b->log && l4_equal(a, b);
}

static struct rule *parse_one(const char *text, unsigned flags, char **errs)
{
	struct diag_list dl = { 0 };
	struct rule *r = parse_rule_text(text, "t.rules", &cat, flags, &dl);

	if (errs)
		*errs = diags_short(&dl);
	diag_list_free(&dl);
	return r;
}

/* format, reparse, compare, format again: the export/apply promise */
static void check_round_trip(const struct rule *r, unsigned flags, const char *ctx)
{
	char *t1 = rule_format(r, r->duration), *t2 = NULL, *errs = NULL;
	struct rule *r2 = parse_one(t1, flags, &errs);

	CHECK(r2 != NULL, "%s: canonical text does not parse: %s\n  %s", ctx, t1, errs);
	if (r2) {
		CHECK(rules_equal(r, r2), "%s: reparse differs: %s", ctx, t1);
		t2 = rule_format(r2, r2->duration);
		CHECK_STR(t2, t1, ctx);
	}
	rule_free(r2);
	free(t1);
	free(t2);
	free(errs);
}

/* ---- (a) valid rules and their canonical text ---- */

static const struct { const char *in, *want; unsigned flags; } valid[] = {
	{ "allow in", "allow in", 0 },
	{ "deny out", "deny out", 0 },
	{ "reject in proto tcp", "reject in proto tcp", 0 },
	{ "allow in port 22", "allow in port 22", 0 },
	{ "allow in port 80,22", "allow in port 22,80", 0 },
	{ "allow in port 8080-8090,22,8085,23", "allow in port 22-23,8080-8090", 0 },
	{ "allow in port 22,22,1-5,3-7", "allow in port 1-7,22", 0 },
	{ "allow in port 1,65535", "allow in port 1,65535", 0 },
	{ "allow in from 10.0.0.0/8 proto udp port 53", "allow in proto udp port 53 from 10.0.0.0/8", 0 },
	{ "allow in to 192.0.2.7/32", "allow in to 192.0.2.7", 0 },
	{ "allow in from 2001:DB8:0:0::/32", "allow in from 2001:db8::/32", 0 },
	{ "allow in from ::1/128", "allow in from ::1", 0 },
	{ "allow in from 0.0.0.0/0", "allow in from 0.0.0.0/0", 0 },
	{ "allow in from 10.0.0.0/8 to 10.1.0.0/16", "allow in from 10.0.0.0/8 to 10.1.0.0/16", 0 },
	{ "allow in proto icmp from 192.0.2.0/24", "allow in proto icmp from 192.0.2.0/24", 0 },
	{ "allow in proto icmpv6 from fe80::/10", "allow in proto icmpv6 from fe80::/10", 0 },
	{ "limit 10/second in service ssh", "limit 10/second in service ssh", 0 },
	{ "limit 30/minute burst 5 in proto tcp port 22", "limit 30/minute burst 5 in proto tcp port 22", 0 },
	{ "limit 100/hour out", "limit 100/hour out", 0 },
	{ "limit 1000000/second burst 1000000 in", "limit 1000000/second burst 1000000 in", 0 },
	{ "allow in log comment hi for 10m", "allow in for 10m comment \"hi\" log", 0 },
	{ "allow in for 1h30m", "allow in for 90m", 0 },
	{ "allow in for 2d", "allow in for 2d", 0 },
	{ "allow in for 24h", "allow in for 1d", 0 },
	{ "allow in for 3600s", "allow in for 1h", 0 },
	{ "allow in for 90s", "allow in for 90s", 0 },
	{ "allow in for 365d", "allow in for 365d", 0 },
	{ "allow in comment \"a \\\"b\\\" c\\\\d\"", "allow in comment \"a \\\"b\\\" c\\\\d\"", 0 },
	{ "allow in comment \"\"", "allow in comment \"\"", 0 },
	{ "allow in comment \"hash # inside\"", "allow in comment \"hash # inside\"", 0 },
	{ "allow in comment \"caf\xc3\xa9\"", "allow in comment \"caf\xc3\xa9\"", 0 },
	{ "allow in app /usr/sbin/sshd", "allow in app /usr/sbin/sshd", 0 },
	{ "allow in app \"/opt/My App/bin/x\"", "allow in app \"/opt/My App/bin/x\"", 0 },
	{ "allow in app \"/usr/bin/x\"", "allow in app /usr/bin/x", 0 },
	{ "allow in app \"/opt/a#b\"", "allow in app \"/opt/a#b\"", 0 },
	{ "allow in app /opt/a\\b", "allow in app /opt/a\\b", 0 },
	{ "allow in iface eth0", "allow in iface eth0", 0 },
	{ "allow in iface \"log\"", "allow in iface \"log\"", 0 },
	{ "allow in user root group root", "allow in user root group root", 0 },
	{ "allow in user 1000", "allow in user 1000", 0 },
	{ "allow out group 0 user 0007", "allow out user 0007 group 0", 0 },
	{ "allow in user alice group staff", "allow in user alice group staff", NN },
	{ "allow in user \"log\"", "allow in user \"log\"", NN },
	{ "allow in unit sshd.service", "allow in unit sshd.service", 0 },
	{ "allow in unit \"getty@tty1.service\"", "allow in unit getty@tty1.service", 0 },
	{ "deny out unit user-1000.slice proto tcp", "deny out proto tcp unit user-1000.slice", 0 },
	{ "allow in log unit session-2.scope iface eth0 port 22",
	  "allow in port 22 iface eth0 unit session-2.scope log", 0 },
	{ "allow in unit a\\x2db.service", "allow in unit a\\x2db.service", 0 },
	{ "allow in service \"ssh\"", "allow in service ssh", 0 },
	{ "allow in port \"22\"", "allow in port 22", 0 },
	{ "\t allow   in\tproto   tcp   port 22   # ssh", "allow in proto tcp port 22", 0 },
	{ "allow in#x", "allow in", 0 },
	{ "allow in\r", "allow in", 0 },
	{ "reject out proto udp port 53 to 192.0.2.53", "reject out proto udp port 53 to 192.0.2.53", 0 },
	{ "allow in log comment \"x\" for 1h group 0 user 0 app /bin/sh iface lo "
	  "to 10.0.0.1 from 10.0.0.2 port 1-65535 proto tcp",
	  "allow in proto tcp port 1-65535 from 10.0.0.2 to 10.0.0.1 iface lo app /bin/sh "
	  "user 0 group 0 for 1h comment \"x\" log", 0 },
	{ "limit 5/minute burst 9 out service dns to 2001:db8::1 log",
	  "limit 5/minute burst 9 out service dns to 2001:db8::1 log", 0 },
};

static void test_valid(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(valid); i++) {
		char *errs = NULL, *text;
		struct rule *r = parse_one(valid[i].in, valid[i].flags, &errs);

		CHECK(r != NULL, "%s: %s", valid[i].in, errs);
		free(errs);
		if (!r)
			continue;
		text = rule_format(r, r->duration);
		CHECK_STR(text, valid[i].want, valid[i].in);
		check_round_trip(r, valid[i].flags, valid[i].in);
		free(text);
		rule_free(r);
	}
}

/* ---- expansion into l4 entries ---- */

static const struct { const char *in, *want; } expand[] = {
	{ "allow in", "" },
	{ "allow in from 10.0.0.0/8", "" },
	{ "allow in proto tcp", "6:0-0" },
	{ "allow in proto udp", "17:0-0" },
	{ "allow in proto icmp", "1:0-0" },
	{ "allow in proto icmpv6", "58:0-0" },
	{ "allow in port 22", "6:22-22 17:22-22" },
	{ "allow in port 80,22", "6:22-22 6:80-80 17:22-22 17:80-80" },
	{ "allow in proto udp port 53,60000-61000", "17:53-53 17:60000-61000" },
	{ "allow in proto tcp port 1-65535", "6:1-65535" },
	{ "allow in service dns", "6:53-53 17:53-53" },
	{ "allow in service mosh", "6:22-22 17:60000-61000" },
	{ "allow in service ssh from 10.0.0.0/8", "6:22-22" },
};

static void test_expand(void)
{
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(expand); i++) {
		struct rule *r = parse_one(expand[i].in, 0, NULL);
		struct strbuf sb = STRBUF_INIT;

		CHECK(r != NULL, "%s: parse failed", expand[i].in);
		for (j = 0; r && j < r->nl4; j++)
			sb_printf(&sb, "%s%u:%u-%u", j ? " " : "", r->l4[j].proto,
				  r->l4[j].port_lo, r->l4[j].port_hi);
		if (r)
			CHECK_STR(sb_str(&sb), expand[i].want, expand[i].in);
		sb_free(&sb);
		rule_free(r);
	}
}

/* ---- (b) one-line errors: every diag as file:line:col: message ---- */

static const struct { const char *in, *want; unsigned flags; } errors[] = {
	{ "allow in prot tcp", "t.rules:1:10: unknown keyword 'prot' (did you mean 'proto'?)", 0 },
	{ "allow in commnet x", "t.rules:1:10: unknown keyword 'commnet' (did you mean 'comment'?)", 0 },
	{ "allow in xyzzy", "t.rules:1:10: unknown keyword 'xyzzy'", 0 },
	{ "allow in port 22 port 80", "t.rules:1:18: duplicate 'port' (write one list: port 22,80)", 0 },
	{ "allow in proto tcp proto udp", "t.rules:1:20: duplicate 'proto' (one protocol per rule; "
	  "without proto a port covers tcp and udp)", 0 },
	{ "allow in from ::1 from ::2", "t.rules:1:19: duplicate 'from' (one address per rule; "
	  "write a second rule for another)", 0 },
	{ "allow in log log", "t.rules:1:14: duplicate 'log'", 0 },
	{ "allow in from 10.0.0.1/8", "t.rules:1:15: 10.0.0.1/8 has host bits set; did you mean 10.0.0.0/8?", 0 },
	{ "allow in to 2001:db8::1/32", "t.rules:1:13: 2001:db8::1/32 has host bits set; did you mean 2001:db8::/32?", 0 },
	{ "allow in to 300.1.1.1", "t.rules:1:13: bad address '300.1.1.1' (expected an IPv4 or IPv6 "
	  "address, optionally with /LEN)", 0 },
	{ "allow in to localhost", "t.rules:1:13: bad address 'localhost' (expected an IPv4 or IPv6 "
	  "address, optionally with /LEN)", 0 },
	{ "allow in to 1.2.3.4/", "t.rules:1:13: bad prefix length in '1.2.3.4/' (IPv4 allows /0 to /32)", 0 },
	{ "allow in to 10.0.0.0/33", "t.rules:1:13: bad prefix length in '10.0.0.0/33' (IPv4 allows /0 to /32)", 0 },
	{ "allow in to ::/129", "t.rules:1:13: bad prefix length in '::/129' (IPv6 allows /0 to /128)", 0 },
	{ "allow in port 0", "t.rules:1:15: port 0 is out of range (1-65535)", 0 },
	{ "allow in port 65536", "t.rules:1:15: port 65536 is out of range (1-65535)", 0 },
	{ "allow in port 9-3", "t.rules:1:15: port range 9-3 is backwards (write 3-9)", 0 },
	{ "allow in port 22,", "t.rules:1:17: trailing ',' in the port list", 0 },
	{ "allow in port ,22", "t.rules:1:15: empty item in the port list", 0 },
	{ "allow in port 22,,80", "t.rules:1:18: empty item in the port list", 0 },
	{ "allow in port 22-", "t.rules:1:15: port range '22-' needs an end port", 0 },
	{ "allow in port 22:80", "t.rules:1:17: unexpected ':' in the port list (write N, N-M or N,M,...)", 0 },
	{ "allow in port 80,abc", "t.rules:1:18: bad port 'abc' (expected a number 1-65535)", 0 },
	{ "allow in port ssh", "t.rules:1:15: bad port 'ssh'; for the service, write: service ssh", 0 },
	{ "allow in port 22 80", "t.rules:1:18: unexpected '80': a port list has no spaces: port 22,80", 0 },
	{ "allow in port 0 from 10.0.0.1/8", "t.rules:1:15: port 0 is out of range (1-65535)\n"
	  "t.rules:1:22: 10.0.0.1/8 has host bits set; did you mean 10.0.0.0/8?", 0 },
	{ "allow in from 10.0.0.0/8 to ::1", "t.rules:1:29: 'from' is IPv4 but 'to' is IPv6; a rule "
	  "matches one address family", 0 },
	{ "allow in proto icmp from ::1", "t.rules:1:26: proto icmp is IPv4 only; use proto icmpv6 "
	  "with an IPv6 address", 0 },
	{ "allow in proto icmpv6 to 1.2.3.4", "t.rules:1:26: proto icmpv6 is IPv6 only; use proto icmp "
	  "with an IPv4 address", 0 },
	{ "allow in proto icmp port 22", "t.rules:1:21: 'port' needs proto tcp or udp (icmp has no ports)", 0 },
	{ "allow in proto sctp", "t.rules:1:16: unknown protocol 'sctp' (expected tcp, udp, icmp or icmpv6)", 0 },
	{ "allow in proto tpc", "t.rules:1:16: unknown protocol 'tpc' (did you mean 'tcp'?)", 0 },
	{ "allow in proto tcp,udp", "t.rules:1:16: one protocol per rule: write proto tcp or proto udp "
	  "(a port without proto covers both)", 0 },
	{ "allow in tcp", "t.rules:1:10: unexpected 'tcp' (did you mean 'proto tcp'?)", 0 },
	{ "allow in service shh", "t.rules:1:18: unknown service 'shh' (did you mean 'ssh'?)", 0 },
	{ "allow in service web", "t.rules:1:18: unknown service 'web' (did you mean 'web1', 'web2' or 'web3'?)", 0 },
	{ "allow in service zzzzzz", "t.rules:1:18: unknown service 'zzzzzz' (fwctl services lists the catalog)", 0 },
	{ "allow in service ssh port 22", "t.rules:1:22: 'service' and 'port' do not mix: service 'ssh' "
	  "brings its own protocols and ports", 0 },
	{ "allow in proto tcp service ssh", "t.rules:1:10: 'service' and 'proto' do not mix: service 'ssh' "
	  "brings its own protocols and ports", 0 },
	{ "allow in app fwd-no-such-program", "t.rules:1:14: app needs an absolute path (got "
	  "'fwd-no-such-program'); write the full path of the executable", 0 },
	{ "allow in app bin/sshd", "t.rules:1:14: app needs an absolute path (got 'bin/sshd'); "
	  "write the full path of the executable", 0 },
	{ "allow in user nosuchuser-fwd", "t.rules:1:15: unknown user 'nosuchuser-fwd'", 0 },
	{ "allow in group nosuchgroup-fwd", "t.rules:1:16: unknown group 'nosuchgroup-fwd'", 0 },
	{ "allow in user 4294967295", "t.rules:1:15: uid '4294967295' is out of range (0-4294967294)", NN },
	{ "allow in group 99999999999", "t.rules:1:16: gid '99999999999' is out of range (0-4294967294)", NN },
	{ "allow in iface eth0/1", "t.rules:1:16: bad interface name 'eth0/1' (no '/', blanks or quotes)", 0 },
	{ "allow in iface \"a b\"", "t.rules:1:16: bad interface name 'a b' (no '/', blanks or quotes)", 0 },
	{ "allow in iface abcdefghijklmnop", "t.rules:1:16: interface name 'abcdefghijklmnop' must be "
	  "1-15 bytes long", 0 },
	{ "allow in for 5", "t.rules:1:14: bad duration '5' (the number needs a unit: s, m, h or d)", 0 },
	{ "allow in for 366d", "t.rules:1:14: bad duration '366d' (at most 365d)", 0 },
	{ "allow in for 99999999999999999999s", "t.rules:1:14: bad duration '99999999999999999999s' "
	  "(at most 365d)", 0 },
	{ "allow in for 0s", "t.rules:1:14: bad duration '0s' (it must be longer than 0s)", 0 },
	{ "allow in for 30m1h", "t.rules:1:14: bad duration '30m1h' (write each unit once, largest "
	  "first: 1h30m)", 0 },
	{ "allow in for 10x", "t.rules:1:14: bad duration '10x' (units are s, m, h and d)", 0 },
	{ "allow in for h", "t.rules:1:14: bad duration 'h' (write a number and a unit: 30s, 10m, 1h or 2d)", 0 },
	{ "allow in comment \"abc", "t.rules:1:18: unterminated string (the closing '\"' is missing)", 0 },
	{ "allow in comment \"a\\qb\"", "t.rules:1:20: unknown escape '\\q' in a string (only \\\" and "
	  "\\\\ are allowed)", 0 },
	{ "allow in comment \"a\tb\"", "t.rules:1:18: comment may not contain control characters "
	  "(tabs included)", 0 },
	{ "allow in comment hello world", "t.rules:1:24: unexpected 'world': a comment of several words "
	  "needs quotes: comment \"...\"", 0 },
	{ "allow in \"x\"", "t.rules:1:10: unexpected quoted text (only a value, e.g. after comment, "
	  "may be quoted)", 0 },
	{ "allow in \x01", "t.rules:1:10: invalid character 0x01", 0 },
	{ "limit 0/second in", "t.rules:1:7: rate 0 is out of range (1-1000000)", 0 },
	{ "limit 1000001/second in", "t.rules:1:7: rate 1000001 is out of range (1-1000000)", 0 },
	{ "limit 10/day in", "t.rules:1:10: unknown rate unit 'day' (expected second, minute or hour)", 0 },
	{ "limit 10/secnd in", "t.rules:1:10: unknown rate unit 'secnd' (did you mean 'second'?)", 0 },
	{ "limit 10 in", "t.rules:1:7: bad rate '10' (write N/second, N/minute or N/hour)", 0 },
	{ "limit /second in", "t.rules:1:7: bad rate '/second' (write N/second, N/minute or N/hour)", 0 },
	{ "limit 10/second burst x in", "t.rules:1:23: bad burst 'x' (expected a number 1-1000000)", 0 },
	{ "limit 10/second burst 0 in", "t.rules:1:23: bad burst '0' (expected a number 1-1000000)", 0 },
	{ "limit 10/day in port 0", "t.rules:1:10: unknown rate unit 'day' (expected second, minute or hour)\n"
	  "t.rules:1:22: port 0 is out of range (1-65535)", 0 },
	{ "allow in burst 5", "t.rules:1:10: 'burst' goes right after the rate: limit 10/second burst 20 in ...", 0 },
	{ "allow", "t.rules:1:1: 'allow' needs a direction: in or out", 0 },
	{ "allow proto tcp", "t.rules:1:7: expected 'in' or 'out' after 'allow', got 'proto'", 0 },
	{ "allow inn", "t.rules:1:7: unknown direction 'inn' (did you mean 'in'?)", 0 },
	{ "allow in in", "t.rules:1:10: a second direction 'in' (a rule has one direction)", 0 },
	{ "allow in deny", "t.rules:1:10: 'deny' must come first: ACTION DIR [MATCH ...]", 0 },
	{ "alow in", "t.rules:1:1: unknown action 'alow' (did you mean 'allow'?)", 0 },
	{ "frobnicate in", "t.rules:1:1: unknown action 'frobnicate' (a rule starts with allow, deny, "
	  "reject, limit or policy)", 0 },
	{ "\"allow\" in", "t.rules:1:1: a rule starts with allow, deny, reject, limit or policy, not "
	  "with a quoted text", 0 },
	{ "policy in accept", "t.rules:1:11: inbound policy must be drop or reject", 0 },
	{ "policy", "t.rules:1:1: 'policy' needs a direction: in or out", 0 },
	{ "policy in", "t.rules:1:1: 'policy in' needs a value: drop or reject", 0 },
	{ "policy out", "t.rules:1:1: 'policy out' needs a value: accept, drop or reject", 0 },
	{ "policy in drop extra", "t.rules:1:16: unexpected 'extra' after the policy", 0 },
	{ "policy up drop", "t.rules:1:8: expected 'in' or 'out' after 'policy', got 'up'", 0 },
	{ "policy out dorp", "t.rules:1:12: unknown policy 'dorp' (did you mean 'drop'?)", 0 },
	{ "policy in maybe", "t.rules:1:11: unknown policy 'maybe' (expected drop or reject)", 0 },
	{ "policy in drop", "t.rules:1:1: 'policy' is not allowed here, only rules (set policies in "
	  "a rule file)", RO },
	/* every keyword's missing value, at the end and before another keyword */
	{ "allow in proto", "t.rules:1:10: 'proto' needs a value: tcp, udp, icmp or icmpv6", 0 },
	{ "allow in port", "t.rules:1:10: 'port' needs a value: a port, a range N-M or a list N,M", 0 },
	{ "allow in port from 10.0.0.0/8", "t.rules:1:10: 'port' needs a value: a port, a range N-M "
	  "or a list N,M", 0 },
	{ "allow in from", "t.rules:1:10: 'from' needs a value: an address such as 192.0.2.1 or a "
	  "network such as 10.0.0.0/8", 0 },
	{ "allow in to log", "t.rules:1:10: 'to' needs a value: an address such as 192.0.2.1 or a "
	  "network such as 10.0.0.0/8", 0 },
	{ "allow in iface", "t.rules:1:10: 'iface' needs a value: an interface name such as eth0", 0 },
	{ "allow in app", "t.rules:1:10: 'app' needs a value: the absolute path of an executable", 0 },
	{ "allow in user", "t.rules:1:10: 'user' needs a value: a user name or uid", 0 },
	{ "allow in group", "t.rules:1:10: 'group' needs a value: a group name or gid", 0 },
	{ "allow in service", "t.rules:1:10: 'service' needs a value: a service name such as ssh "
	  "(see fwctl services)", 0 },
	{ "allow in for", "t.rules:1:10: 'for' needs a value: a duration such as 30s, 10m, 1h or 2d", 0 },
	{ "allow in comment log", "t.rules:1:10: 'comment' needs a value: a quoted text", 0 },
	{ "limit in", "t.rules:1:1: 'limit' needs a value: a rate such as 10/second, 30/minute or 100/hour", 0 },
	{ "limit 10/second burst in", "t.rules:1:17: 'burst' needs a value: a number of packets", 0 },
};

static void test_errors(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(errors); i++) {
		struct diag_list dl = { 0 };
		struct ruleset rs;
		int rc = parse_text(errors[i].in, strlen(errors[i].in), errors[i].flags, &rs, &dl);
		char *got = diags_short(&dl);

		CHECK(rc == -1 && rs.nrules == 0, "%s: should fail", errors[i].in);
		CHECK_STR(got, errors[i].want, errors[i].in);
		free(got);
		diag_list_free(&dl);
		ruleset_clear(&rs);
	}
}

/* ---- multi-line cases: tests/unit/cases/NAME.rules -> NAME.err ---- */

static char *read_file(const char *path, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;

	if (sb_read_file(&sb, path) < 0) {
		sb_free(&sb);
		return NULL;
	}
	*len = sb.len;
	return sb_steal(&sb);
}

/* "# flags: no-names rules-only" on the first line */
static unsigned case_flags(const char *text)
{
	const char *nl = strchr(text, '\n');
	size_t len = nl ? (size_t)(nl - text) : strlen(text);
	unsigned flags = 0;

	if (strncmp(text, "# flags:", 8) != 0)
		return 0;
	if (memmem(text, len, "no-names", 8))
		flags |= NN;
	if (memmem(text, len, "rules-only", 10))
		flags |= RO;
	return flags;
}

static void run_case(const char *dir, const char *name)
{
	char path[PATH_MAX + 300], errpath[PATH_MAX + 320];
	struct diag_list dl = { 0 };
	struct ruleset rs;
	size_t len, wlen;
	char *text, *want, *got;
	struct parser *p;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(errpath, sizeof(errpath), "%.*s.err", (int)(strlen(path) - 6), path);
	text = read_file(path, &len);
	want = read_file(errpath, &wlen);
	CHECK(text && want, "%s: cannot read the case or its .err", name);
	if (!text || !want)
		goto out;
	p = parser_new(name, &cat, case_flags(text));
	ruleset_init(&rs);
	parser_feed(p, text, len);
	rc = parser_finish(p, &rs, &dl);
	got = diags_full(&dl);
	CHECK(rc == -1 && rs.nrules == 0, "%s: a case with errors must yield no rules", name);
	CHECK(strcmp(got, want) == 0, "%s: output differs, see %s.actual", name, errpath);
	strcat(errpath, ".actual");
	if (strcmp(got, want) != 0)
		write_file(dir, strrchr(errpath, '/') + 1, got);
	else
		unlink(errpath);
	free(got);
	ruleset_clear(&rs);
	diag_list_free(&dl);
out:
	free(text);
	free(want);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_cases(void)
{
	char dir[PATH_MAX];
	char *names[256];
	size_t n = 0, i, len;
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/tests/unit/cases", test_srcdir());
	d = opendir(dir);
	CHECK(d != NULL, "cannot open %s", dir);
	while (d && (de = readdir(d)) && n < ARRAY_SIZE(names)) {
		len = strlen(de->d_name);
		if (len > 6 && strcmp(de->d_name + len - 6, ".rules") == 0)
			names[n++] = xstrdup(de->d_name);
	}
	if (d)
		closedir(d);
	CHECK(n >= 10, "only %zu case files in %s", n, dir);
	qsort(names, n, sizeof(names[0]), name_cmp);
	for (i = 0; i < n; i++) {
		run_case(dir, names[i]);
		free(names[i]);
	}
}

/* ---- hostile input: long lines, junk bytes, random token soup ---- */

static uint32_t rnd_state = 12345;

static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

/* every caret must fall on (or just after) its source line */
static void check_diag_places(const struct diag_list *dl, const char *ctx)
{
	size_t i;

	for (i = 0; i < dl->n; i++) {
		const struct diag *d = &dl->v[i];
		size_t slen = d->src ? strlen(d->src) : 0;

		if (d->col == 0)
			continue;
		CHECK(d->src && d->line > 0 && d->len >= 1 &&
		      (size_t)d->col - 1 + (size_t)d->len <= slen + 1,
		      "%s: diag %d:%d+%d outside its line of %zu bytes: %s", ctx,
		      d->line, d->col, d->len, slen, d->msg);
	}
}

static void test_long_lines(void)
{
	size_t big = 100 * 1024;
	char *line = xmalloc(big + 64);
	struct diag_list dl = { 0 };
	struct ruleset rs;
	char *got;

	memset(line, 'a', big);
	CHECK(parse_text(line, big, 0, &rs, &dl) == -1, "a 100 KB line is refused");
	got = diags_short(&dl);
	CHECK_STR(got, "t.rules:1:0: line too long (102400 bytes, at most 8192)", "100 KB line");
	free(got);
	diag_list_free(&dl);

	/* long but under the limit: one huge token gets a short message */
	memcpy(line, "allow in ", 9);
	memset(line + 9, 'x', 8000);
	CHECK(parse_text(line, 8009, 0, &rs, &dl) == -1, "a huge keyword is refused");
	CHECK(dl.n == 1 && strlen(dl.v[0].msg) < 120, "huge keyword: short message");
	check_diag_places(&dl, "huge keyword");
	diag_list_free(&dl);

	memcpy(line, "allow in app /", 14);
	memset(line + 14, 'p', 5000);
	CHECK(parse_text(line, 5014, 0, &rs, &dl) == -1, "a huge app path is refused");
	got = diags_short(&dl);
	CHECK_STR(got, "t.rules:1:14: app path is too long (at most 4095 bytes)", "huge app");
	free(got);
	diag_list_free(&dl);
	free(line);
}

static void test_junk(void)
{
	char line[512];
	struct diag_list dl = { 0 };
	struct ruleset rs;
	struct parser *p = parser_new("junk", &cat, 0);
	size_t i, j;
	char *out;

	/* every byte value, NUL included, in lines the lexer must survive */
	for (i = 0; i < 256; i++) {
		for (j = 0; j < sizeof(line); j++)
			line[j] = (char)((i * 7 + j * 13) & 0xff);
		line[0] = (char)i;
		parser_feed_line(p, line, (size_t)(i % 2 ? sizeof(line) : i + 1));
	}
	ruleset_init(&rs);
	CHECK(parser_finish(p, &rs, &dl) == -1 && rs.nrules == 0, "junk is refused");
	/* 100 located errors, then one that says the parse gave up */
	CHECK(dl.n == 101, "junk: %zu diags", dl.n);
	CHECK(strncmp(dl.v[dl.n - 1].msg, "too many errors, stopped at line ", 33) == 0 &&
	      dl.v[dl.n - 1].line == 0, "error cap: %s", dl.v[dl.n - 1].msg);
	check_diag_places(&dl, "junk");
	out = diags_full(&dl);  /* formatting must not trip on junk either */
	CHECK(strlen(out) > 0, "junk formats");
	free(out);
	diag_list_free(&dl);
}

static void test_token_soup(void)
{
	static const char *const words[] = {
		"allow", "deny", "reject", "limit", "policy", "in", "out", "proto", "tcp",
		"udp", "icmp", "icmpv6", "port", "22", "1-5", "80,443", "0", "from", "to",
		"10.0.0.0/8", "::1", "iface", "eth0", "app", "/bin/sh", "user", "0", "group",
		"service", "ssh", "for", "1h", "comment", "\"x\"", "log", "burst", "5",
		"10/second", "\"", "#", "\\", ",", "-", "/", "\xff", "accept", "drop", "\t",
	};
	struct diag_list dl = { 0 };
	struct ruleset rs;
	struct strbuf sb = STRBUF_INIT;
	size_t i, j, n, ok = 0;

	for (i = 0; i < 20000; i++) {
		sb_reset(&sb);
		n = rnd() % 9;
		for (j = 0; j < n; j++)
			sb_printf(&sb, "%s%s", j ? " " : "", words[rnd() % ARRAY_SIZE(words)]);
		if (parse_text(sb.buf ? sb.buf : "", sb.len, 0, &rs, &dl) == 0) {
			ok++;
			for (j = 0; j < rs.nrules; j++)
				check_round_trip(rs.rules[j], 0, sb_str(&sb));
		}
		check_diag_places(&dl, sb_str(&sb));
		diag_list_free(&dl);
		ruleset_clear(&rs);
	}
	CHECK(ok > 100, "token soup: only %zu valid lines", ok);
	sb_free(&sb);
}

/* ---- round trip on many generated rules ---- */

static const char *const gen_clauses[][5] = {
	{ "proto tcp", "proto udp", "proto icmp", "proto icmpv6", NULL },
	{ "port 22", "port 443,80", "port 1-1024,8080", "port 54,53,53", "port \"7\"" },
	{ "service ssh", "service dns", "service web1", "service \"mosh\"", NULL },
	{ "from 10.0.0.0/8", "from 192.0.2.1", "from 2001:db8::/32", "from ::1", NULL },
	{ "to 198.51.100.0/24", "to fe80::/10", "to 0.0.0.0/0", "to ::/0", NULL },
	{ "iface eth0", "iface wlan0", "iface \"log\"", NULL, NULL },
	{ "app /usr/sbin/sshd", "app \"/opt/x y/z\"", "app \"/a#b\"", NULL, NULL },
	{ "user 0", "user root", "user \"1000\"", NULL, NULL },
	{ "group 0", "group root", "group 65534", NULL, NULL },
	{ "for 30s", "for 1h30m", "for 2d", "for 90m", "for 86400s" },
	{ "comment \"c\"", "comment x", "comment \"q\\\"uote\\\\\"", "comment \"\"", NULL },
	{ "log", NULL, NULL, NULL, NULL },
};

static const char *gen_pick(const char *const *v)
{
	size_t n = 0;

	while (n < 5 && v[n])
		n++;
	return v[rnd() % n];
}

static void gen_rule(struct strbuf *sb)
{
	static const char *const heads[] = {
		"allow in", "deny out", "reject in", "limit 5/second in",
		"limit 7/minute burst 3 out", "limit 100/hour burst 1 in",
	};
	size_t order[ARRAY_SIZE(gen_clauses)], i, j, t;

	for (i = 0; i < ARRAY_SIZE(order); i++)
		order[i] = i;
	for (i = ARRAY_SIZE(order) - 1; i > 0; i--) {
		j = rnd() % (i + 1);
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	sb_reset(sb);
	sb_puts(sb, heads[rnd() % ARRAY_SIZE(heads)]);
	for (i = 0; i < ARRAY_SIZE(order); i++)
		if (rnd() % 3 == 0)
			sb_printf(sb, " %s", gen_pick(gen_clauses[order[i]]));
}

static void test_generated(void)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, ok = 0;

	for (i = 0; i < 5000; i++) {
		struct rule *r;

		gen_rule(&sb);
		r = parse_one(sb_str(&sb), 0, NULL);
		if (!r)
			continue;
		ok++;
		check_round_trip(r, 0, sb_str(&sb));
		rule_free(r);
	}
	CHECK(ok > 1000, "generated: only %zu of 5000 valid", ok);
	sb_free(&sb);
}

/* ---- the service catalog ---- */

static void test_catalog_shipped(void)
{
	struct catalog c;
	struct diag_list dl = { 0 };
	char dir[PATH_MAX], *errs;
	const struct service *s;
	const char *hits[3];

	snprintf(dir, sizeof(dir), "%s/rules/services", test_srcdir());
	catalog_init(&c);
	CHECK(catalog_load_dir(&c, dir, &dl) == 0, "shipped catalog loads");
	errs = diags_short(&dl);
	CHECK_STR(errs, "", "shipped catalog has no errors");
	free(errs);
	s = catalog_find(&c, "ssh");
	CHECK(s && s->nl4 == 1 && s->l4[0].proto == 6 && s->l4[0].port_lo == 22 &&
	      s->l4[0].port_hi == 22, "ssh is tcp 22");
	CHECK(s && s->description && *s->description, "ssh has a description");
	CHECK(catalog_find(&c, "https") != NULL, "https is shipped");
	CHECK(catalog_find(&c, "no-such-service") == NULL, "unknown name");
	CHECK(catalog_suggest(&c, "shh", hits, 3) >= 1 && strcmp(hits[0], "ssh") == 0,
	      "shh suggests ssh");
	CHECK(catalog_suggest(&c, "zzzzzzzzzz", hits, 3) == 0, "nothing close");
	CHECK(catalog_suggest(&cat, "web", hits, 1) == 1 && strcmp(hits[0], "web1") == 0,
	      "max 1 suggestion");
	diag_list_free(&dl);
	catalog_free(&c);
}

static void test_catalog_errors(void)
{
	char dir[] = "/tmp/fwd-test-catalog-XXXXXX", dir2[] = "/tmp/fwd-test-catalog-XXXXXX";
	struct strbuf want = STRBUF_INIT;
	struct diag_list dl = { 0 };
	const struct service *s;
	struct catalog c;
	char *got;

	CHECK(mkdtemp(dir) && mkdtemp(dir2), "mkdtemp");
	write_file(dir, "a.service", "description A\ntcp 80,70000\nudpp 53\ntcp\n");
	write_file(dir, "b.service", "description x\ndescription y\ntcp 1\n");
	write_file(dir, "c.service", "description nothing\n");
	write_file(dir, "d.service", "tcp 22 80\nudp \"53\n");
	write_file(dir, "Bad_Name.service", "tcp 1\n");
	write_file(dir, "good.service", "# c\ndescription Good one  # trailing\n"
		   "tcp 22,80-81 # x\nudp 53\n\ntcp 81-90\n");
	write_file(dir, ".hidden.service", "junk\n");
	write_file(dir, "notes.txt", "junk\n");
	catalog_init(&c);
	CHECK(catalog_load_dir(&c, dir, &dl) == -1, "bad files make it fail");
	sb_printf(&want, "%s/Bad_Name.service:0:0: bad service name 'Bad_Name' (use a-z, 0-9 "
		  "and '-', at most 32 bytes, not starting with '-')\n", dir);
	sb_printf(&want, "%s/a.service:2:8: port 70000 is out of range (1-65535)\n", dir);
	sb_printf(&want, "%s/a.service:3:1: unknown keyword 'udpp' (did you mean 'udp'?)\n", dir);
	sb_printf(&want, "%s/a.service:4:1: 'tcp' needs a value: a port, a range N-M or a list N,M\n", dir);
	sb_printf(&want, "%s/b.service:2:1: duplicate 'description' (the first is on line 1)\n", dir);
	sb_printf(&want, "%s/c.service:0:0: no 'tcp' or 'udp' line: a service needs ports\n", dir);
	sb_printf(&want, "%s/d.service:1:8: unexpected text after the port list (a list has no "
		  "spaces: tcp 22,80)\n", dir);
	sb_printf(&want, "%s/d.service:2:5: unterminated string (the closing '\"' is missing)", dir);
	got = diags_short(&dl);
	CHECK_STR(got, sb_str(&want), "catalog errors");
	free(got);
	CHECK(c.n == 1 && catalog_find(&c, "good"), "only the good file is loaded");
	s = catalog_find(&c, "good");
	CHECK(s && strcmp(s->description, "Good one") == 0, "description is the rest of the line");
	CHECK(s && s->nl4 == 3 && s->l4[0].proto == 6 && s->l4[0].port_lo == 22 &&
	      s->l4[1].port_lo == 80 && s->l4[1].port_hi == 90 && s->l4[2].proto == 17 &&
	      s->l4[2].port_lo == 53, "good: ports sorted and merged");
	diag_list_free(&dl);

	/* a later directory replaces a service whole */
	write_file(dir2, "good.service", "tcp 443\n");
	CHECK(catalog_load_dir(&c, dir2, &dl) == 0 && dl.n == 0, "override loads");
	s = catalog_find(&c, "good");
	CHECK(s && s->nl4 == 1 && s->l4[0].port_lo == 443 && strcmp(s->description, "") == 0,
	      "override replaced good");
	CHECK(catalog_load_dir(&c, "/nonexistent/fwd-services", &dl) == 0 && dl.n == 0,
	      "a missing directory is no error");
	catalog_free(&c);
	diag_list_free(&dl);
	sb_free(&want);
	remove_dir(dir);
	remove_dir(dir2);
}

/* ---- the small pieces ---- */

static void test_addr(void)
{
	static const struct { const char *in, *out; } ok[] = {
		{ "192.0.2.7", "192.0.2.7" }, { "192.0.2.7/32", "192.0.2.7" },
		{ "10.0.0.0/8", "10.0.0.0/8" }, { "0.0.0.0/0", "0.0.0.0/0" },
		{ "2001:DB8:0:0::1/128", "2001:db8::1" }, { "::/0", "::/0" },
		{ "fe80::/10", "fe80::/10" }, { "::ffff:192.0.2.1", "::ffff:192.0.2.1" },
	};
	static const char *const bad[] = {
		"", "/8", "10.0.0", "010.0.0.1", "1.2.3.4/8/9", "1.2.3.4/-1", "fe80::1%eth0", "1.2.3.4 ",
	};
	struct addr_prefix a;
	char buf[64], err[256];
	uint8_t host[16] = { 10, 1, 2, 3 }, last[16];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		CHECK(addr_parse(ok[i].in, &a, err, sizeof(err)) == 0, "%s: %s", ok[i].in, err);
		addr_format(&a, buf, sizeof(buf));
		CHECK_STR(buf, ok[i].out, ok[i].in);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK(addr_parse(bad[i], &a, err, sizeof(err)) < 0, "'%s' must be refused", bad[i]);
	addr_parse("10.0.0.0/8", &a, err, sizeof(err));
	CHECK(addr_contains(&a, AF_INET, host), "10/8 contains 10.1.2.3");
	host[0] = 11;
	CHECK(!addr_contains(&a, AF_INET, host), "10/8 lacks 11.1.2.3");
	CHECK(!addr_contains(&a, AF_INET6, host), "10/8 lacks IPv6");
	addr_last(&a, last);
	CHECK(last[0] == 10 && last[1] == 255 && last[2] == 255 && last[3] == 255, "last of 10/8");
	addr_parse("2001:db8::/120", &a, err, sizeof(err));
	addr_last(&a, last);
	CHECK(last[0] == 0x20 && last[14] == 0 && last[15] == 0xff, "last of /120");
}

static void test_duration(void)
{
	static const struct { const char *in; uint64_t secs; const char *out; } ok[] = {
		{ "30s", 30, "30s" }, { "10m", 600, "10m" }, { "1h", 3600, "1h" },
		{ "2d", 172800, "2d" }, { "1h30m", 5400, "90m" }, { "1d1s", 86401, "86401s" },
		{ "90s", 90, "90s" }, { "120s", 120, "2m" }, { "365d", 31536000, "365d" },
		{ "1d2h3m4s", 93784, "93784s" }, { "48h", 172800, "2d" },
	};
	static const char *const bad[] = { "", "s", "5", "1w", "1h1h", "1m1h", "-5s", "366d", "0d" };
	char err[256], buf[32];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		CHECK(duration_parse(ok[i].in, err, sizeof(err)) == ok[i].secs, "%s", ok[i].in);
		duration_format(ok[i].secs, buf, sizeof(buf));
		CHECK_STR(buf, ok[i].out, ok[i].in);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK(duration_parse(bad[i], err, sizeof(err)) == 0 && *err,
		      "'%s' must be refused", bad[i]);
}

static void test_misspell(void)
{
	CHECK(misspell_distance("prot", "proto") == 1, "insert");
	CHECK(misspell_distance("ab", "ba") == 1, "transposition");
	CHECK(misspell_distance("kitten", "sitting") == 3, "kitten");
	CHECK(misspell_distance("", "abc") == 3, "empty");
	CHECK_STR(grammar_suggest_keyword("prot"), "proto", "prot");
	CHECK_STR(grammar_suggest_keyword("alow"), "allow", "alow");
	CHECK_STR(grammar_suggest_keyword("servcie"), "service", "servcie");
	CHECK_STR(grammar_suggest_keyword("icmp6"), "icmpv6", "icmp6");
	CHECK(grammar_suggest_keyword("xyzzy") == NULL, "xyzzy");
	CHECK(grammar_suggest_keyword("proto") == NULL, "exact word is no misspelling");
}

static void test_diag_format(void)
{
	struct diag_list dl = { 0 };
	struct strbuf sb = STRBUF_INIT;

	/* tabs stay tabs under the line; UTF-8 letters take one column */
	diag_add(&dl, "f.rules", 3, 11, 5, "\tallow in caf\xc3\xa9 x", "unknown keyword 'caf\xc3\xa9'");
	diag_add(&dl, "f.rules", 4, 0, 0, NULL, "line too long");
	diag_add(&dl, "f.rules", 0, 5, 2, "x", "no place");
	diag_add(&dl, "f.rules", 5, 3, 1, "ab\x01", "control shown as ?");
	diag_format(&dl.v[0], &sb);
	diag_format(&dl.v[1], &sb);
	diag_format(&dl.v[2], &sb);
	diag_format(&dl.v[3], &sb);
	CHECK_STR(sb_str(&sb),
		  "f.rules:3:11: error: unknown keyword 'caf\xc3\xa9'\n"
		  "\tallow in caf\xc3\xa9 x\n"
		  "\t         ^~~~\n"
		  "f.rules:4: error: line too long\n"
		  "f.rules: error: no place\n"
		  "f.rules:5:3: error: control shown as ?\n"
		  "ab?\n"
		  "  ^\n", "diag_format");
	sb_free(&sb);
	diag_list_free(&dl);
}

static void test_rule_model(void)
{
	struct rule *r = parse_one("limit 5/minute burst 2 out proto tcp port 22,80 to ::1 "
				   "app \"/x y\" user 0 comment \"c\" for 1h log", 0, NULL);
	struct rule *d = r ? rule_dup(r) : NULL;
	enum rule_origin o;
	char *t;

	CHECK(r && d && rules_equal(r, d), "rule_dup is equal");
	rule_free(r);   /* the copy must own its memory */
	t = d ? rule_format(d, 0) : NULL;
	CHECK_STR(t, "limit 5/minute burst 2 out proto tcp port 22,80 to ::1 app \"/x y\" "
		  "user 0 comment \"c\" log", "format without for");
	free(t);
	t = d ? rule_format(d, 61) : NULL;
	CHECK_STR(t, "limit 5/minute burst 2 out proto tcp port 22,80 to ::1 app \"/x y\" "
		  "user 0 for 61s comment \"c\" log", "format with remaining time");
	free(t);
	CHECK(d && rule_needs_owner(d), "app/user need owner tracking");
	rule_free(d);

	CHECK_STR(rule_policy_line(RULE_IN, POLICY_DROP), "policy in drop", "policy line");
	CHECK_STR(rule_policy_line(RULE_OUT, POLICY_ACCEPT), "policy out accept", "policy line");
	CHECK_STR(rule_policy_line(RULE_OUT, POLICY_REJECT), "policy out reject", "policy line");
	CHECK_STR(rule_action_name(RULE_LIMIT), "limit", "action name");
	CHECK_STR(rule_dir_name(RULE_OUT), "out", "dir name");
	CHECK_STR(rule_policy_name(POLICY_REJECT), "reject", "policy name");
	CHECK_STR(rule_origin_name(ORIGIN_PROMPT), "prompt", "origin name");
	CHECK(rule_origin_parse("default", &o) == 0 && o == ORIGIN_DEFAULT, "origin parse");
	CHECK(rule_origin_parse("Admin", &o) == -1, "origin parse is exact");
}

/* rules built by code (fwtui, prompts) also format to parseable text */
static void test_format_built(void)
{
	struct rule *r = rule_new();
	char *t;

	r->protos = RULE_PROTO_TCP | RULE_PROTO_UDP;
	r->ports = xmalloc(3 * sizeof(*r->ports));
	r->ports[0] = (struct port_range){ 80, 80 };
	r->ports[1] = (struct port_range){ 22, 22 };
	r->ports[2] = (struct port_range){ 79, 81 };
	r->nports = 3;
	r->has_user = true;
	r->uid = 1000;
	r->comment = xstrdup("say \"hi\" \\o/");
	t = rule_format(r, 0);
	CHECK_STR(t, "allow in port 22,79-81 user 1000 comment \"say \\\"hi\\\" \\\\o/\"",
		  "built rule");
	free(t);
	rule_free(r);
}

static void test_entry_points(void)
{
	static const char site[] = "# site\npolicy in reject\n\npolicy out drop\n"
				   "allow in port 22\ndeny out to 192.0.2.1\n";
	struct diag_list dl = { 0 };
	struct ruleset rs;
	struct rule *r;
	char *errs;

	r = parse_rule_text("allow in proto tcp port 22 # ssh", NULL, &cat, 0, &dl);
	CHECK(r && dl.n == 0, "parse_rule_text");
	rule_free(r);
	r = parse_one("policy in drop", 0, &errs);
	CHECK(!r, "no policy through parse_rule_text");
	CHECK_STR(errs, "t.rules:1:1: 'policy' is not allowed here, only rules (set policies "
		  "in a rule file)", "policy refused");
	free(errs);
	r = parse_one("# nothing", 0, &errs);
	CHECK_STR(errs, "t.rules:0:0: no rule given: write ACTION DIR [MATCH ...], e.g. allow "
		  "in proto tcp port 22", "empty rule");
	free(errs);
	rule_free(r);
	r = parse_one("allow in\ndeny out", 0, &errs);
	CHECK(!r, "two lines");
	CHECK_STR(errs, "t.rules:0:0: one rule expected, got 2", "two rules");
	free(errs);
	rule_free(r);
	/* a plain program name found where executables live gets a suggestion */
	r = parse_one("allow in app sh", 0, &errs);
	CHECK(!r && strncmp(errs, "t.rules:1:14: app needs an absolute path (got 'sh'); try /", 58) == 0 &&
	      strcmp(errs + strlen(errs) - 3, "/sh") == 0, "app sh: %s", errs);
	free(errs);
	r = parse_rule_text("allow in port 0", NULL, &cat, 0, &dl);
	CHECK(!r && dl.n == 1 && strcmp(dl.v[0].file, "<command line>") == 0,
	      "default file name");
	diag_list_free(&dl);

	/* policies and rules of a valid file, in order */
	CHECK(parse_text(site, strlen(site), 0, &rs, &dl) == 0, "valid file");
	CHECK(rs.has_policy_in && rs.policy_in == POLICY_REJECT && rs.has_policy_out &&
	      rs.policy_out == POLICY_DROP && rs.nrules == 2 && rs.rules[1]->dir == RULE_OUT,
	      "valid file content");
	ruleset_clear(&rs);
	CHECK(parse_text("allow in\n", 9, 0, &rs, &dl) == 0 && !rs.has_policy_in &&
	      rs.policy_in == POLICY_DROP && rs.policy_out == POLICY_ACCEPT, "default policies");
	ruleset_clear(&rs);
	CHECK(dl.n == 0, "no diags for valid files");
}

int main(void)
{
	make_test_catalog();
	test_valid();
	test_expand();
	test_errors();
	test_cases();
	test_long_lines();
	test_junk();
	test_token_soup();
	test_generated();
	test_catalog_shipped();
	test_catalog_errors();
	test_addr();
	test_duration();
	test_misspell();
	test_diag_format();
	test_rule_model();
	test_format_built();
	test_entry_points();
	catalog_free(&cat);
	remove_dir(catdir);
	TEST_DONE();
}
