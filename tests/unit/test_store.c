/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The SQLite store against real files in a temporary directory: rules,
 * settings, revisions, transactions, reopening, and every kind of file that
 * must be refused (and left untouched) at open.
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "strbuf.h"
#include "testlib.h"

#define SCHEMA_STR2(x) #x
#define SCHEMA_STR(x) SCHEMA_STR2(x)

static char tmpdir[] = "/tmp/fwd-test-store-XXXXXX";

static char *tpath(const char *name)
{
	struct strbuf sb = STRBUF_INIT;

	sb_printf(&sb, "%s/%s", tmpdir, name);
	return sb_steal(&sb);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* whole file into a strbuf; -1 when unreadable */
static int slurp(const char *path, struct strbuf *sb)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sb_add(sb, buf, (size_t)n);
	close(fd);
	return n < 0 ? -1 : 0;
}

static void spit(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		perror(path);
	if (fd >= 0)
		close(fd);
}

/* a WAL left behind by a database that was removed */
static void spit_wal(const char *db)
{
	struct strbuf sb = STRBUF_INIT;

	sb_printf(&sb, "%s-wal", db);
	spit(sb_str(&sb), "wal", 3);
	sb_free(&sb);
}

/* raw SQL on a file, bypassing the store, to build odd databases */
static void raw_sql(const char *path, const char *sql)
{
	sqlite3 *db = NULL;

	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fprintf(stderr, "raw_sql %s: %s\n", path, sqlite3_errmsg(db));
	sqlite3_close(db);
}

static uint64_t add_rule_rev(struct store *s, const char *text, enum rule_origin o,
			     int64_t expires, int64_t rev)
{
	struct stored_rule r = {
		.text = (char *)text, .origin = o, .created = 1700000000,
		.expires = expires, .duration = expires ? 3600 : 0, .owner = 1000,
		.added_rev = rev,
	};
	uint64_t id = 0;

	CHECK(store_insert_rule(s, &r, &id) == 0, "insert %s: %s", text,
	      store_errmsg(s));
	return id;
}

static uint64_t add_rule(struct store *s, const char *text, enum rule_origin o,
			 int64_t expires)
{
	return add_rule_rev(s, text, o, expires, 0);
}

static void test_rules(struct store *s)
{
	struct stored_rule *v = NULL;
	size_t n = 0;
	uint64_t a, b, c, d;

	CHECK(store_begin(s) == 0, "begin: %s", store_errmsg(s));
	a = add_rule(s, "allow in proto tcp port 22", ORIGIN_ADMIN, 0);
	b = add_rule(s, "allow in proto udp port 53", ORIGIN_PROMPT, 1700003600);
	c = add_rule(s, "deny in from 10.0.0.0/8", ORIGIN_DEFAULT, 0);
	CHECK(store_commit(s) == 0, "commit: %s", store_errmsg(s));
	CHECK(a == 1 && b == 2 && c == 3, "ids %llu %llu %llu",
	      (unsigned long long)a, (unsigned long long)b, (unsigned long long)c);

	CHECK(store_load_rules(s, &v, &n) == 0, "load: %s", store_errmsg(s));
	CHECK(n == 3, "n = %zu", n);
	if (n == 3) {
		CHECK_STR(v[1].text, "allow in proto udp port 53", "rule 2 text");
		CHECK(v[1].id == 2 && v[1].origin == ORIGIN_PROMPT &&
		      v[1].created == 1700000000 && v[1].expires == 1700003600 &&
		      v[1].duration == 3600 && v[1].owner == 1000, "rule 2 fields");
		CHECK(v[2].origin == ORIGIN_DEFAULT && v[2].expires == 0 &&
		      v[2].duration == 0, "rule 3 fields");
	}
	store_free_rules(v, n);

	/* the highest id is removed: its number must not come back */
	CHECK(store_remove_rule(s, c, 7) == 1, "remove 3");
	CHECK(store_remove_rule(s, c, 8) == 0, "remove 3 again");
	CHECK(store_remove_rule(s, 999, 7) == 0, "remove 999");
	d = add_rule(s, "allow out", ORIGIN_ADMIN, 0);
	CHECK(d == 4, "id after delete = %llu, want 4", (unsigned long long)d);

	CHECK(store_count_expired(s, 1700003599) == 0, "count: nothing expired yet");
	CHECK(store_count_expired(s, 1700003600) == 1, "count: rule 2 expired");
	CHECK(store_remove_expired(s, 1700003599, 8) == 0, "nothing expired yet");
	CHECK(store_remove_expired(s, 1700003600, 8) == 1, "rule 2 expires");
	CHECK(store_remove_expired(s, 1700003600, 9) == 0, "expired only once");
	CHECK(store_load_rules(s, &v, &n) == 0 && n == 2 && v[0].id == 1 &&
	      v[1].id == 4, "after expiry: n = %zu", n);
	store_free_rules(v, n);
}

static void test_rollback(struct store *s)
{
	struct stored_rule *v = NULL;
	size_t n = 0;
	char *val = NULL;

	CHECK(store_begin(s) == 0, "begin: %s", store_errmsg(s));
	add_rule(s, "allow in proto tcp port 80", ORIGIN_ADMIN, 0);
	CHECK(store_set(s, "rolled", "back") == 0, "set in txn");
	CHECK(store_remove_rule(s, 1, 9) == 1, "remove in txn");
	CHECK(store_rollback(s) == 0, "rollback: %s", store_errmsg(s));
	CHECK(store_load_rules(s, &v, &n) == 0 && n == 2 && v[0].id == 1,
	      "rollback discards: n = %zu", n);
	store_free_rules(v, n);
	CHECK(store_get(s, "rolled", &val) == 0, "setting rolled back");
	CHECK(store_set(s, "gone", "soon") == 0 && store_unset(s, "gone") == 0 &&
	      store_get(s, "gone", &val) == 0, "unset");
	CHECK(store_unset(s, "never-set") == 0, "unset of an absent key");
	CHECK(store_commit(s) == -1, "commit without a transaction fails");
	CHECK(strstr(store_errmsg(s), "no transaction") != NULL, "errmsg: %s",
	      store_errmsg(s));
}

static void test_settings(struct store *s)
{
	char *val = NULL;

	CHECK(store_get(s, "policy-in", &val) == 0, "absent");
	CHECK(store_set(s, "policy-in", "drop") == 0, "set");
	CHECK(store_get(s, "policy-in", &val) == 1, "found");
	CHECK_STR(val, "drop", "value");
	free(val);
	CHECK(store_set(s, "policy-in", "reject") == 0, "overwrite");
	CHECK(store_set(s, "enabled", "1") == 0, "second key");
	val = NULL;
	CHECK(store_get(s, "policy-in", &val) == 1, "found again");
	CHECK_STR(val, "reject", "overwritten value");
	free(val);
}

static int64_t add_rev(struct store *s, uid_t uid, int64_t time, const char *summary,
		       enum rule_policy in, bool panic)
{
	struct revision r = {
		.time = time, .uid = uid, .summary = (char *)summary,
		.policy_in = in, .policy_out = POLICY_ACCEPT, .enabled = true,
		.panic = panic,
	};
	int64_t rev = 0;

	CHECK(store_add_revision(s, &r, &rev) == 0, "add revision %s: %s", summary,
	      store_errmsg(s));
	return rev;
}

static void test_revisions(struct store *s)
{
	struct revision *v = NULL, one;
	size_t n = 0;
	int64_t r1, r2, r3;

	CHECK(store_last_revision(s) == 0, "no revision yet");
	r1 = add_rev(s, 0, 100, "add 1 rule", POLICY_DROP, false);
	r2 = add_rev(s, 1000, 200, "delete 1 rule", POLICY_DROP, false);
	r3 = add_rev(s, 0, 300, "apply site.rules: +3 -1", POLICY_REJECT, true);
	CHECK(r1 == 1 && r2 == 2 && r3 == 3, "revs %lld %lld %lld",
	      (long long)r1, (long long)r2, (long long)r3);
	CHECK(store_last_revision(s) == 3, "last revision");

	CHECK(store_list_revisions(s, 0, &v, &n) == 0 && n == 3, "list all: %zu", n);
	if (n == 3)
		CHECK(v[0].rev == 3 && v[1].rev == 2 && v[2].rev == 1,
		      "newest first");
	store_free_revisions(v, n);
	CHECK(store_list_revisions(s, 2, &v, &n) == 0 && n == 2, "limit 2: %zu", n);
	if (n == 2) {
		CHECK(v[0].rev == 3 && v[1].rev == 2, "limit keeps newest");
		CHECK_STR(v[1].summary, "delete 1 rule", "summary");
		CHECK(v[1].uid == 1000 && v[1].time == 200, "uid/time");
	}
	store_free_revisions(v, n);

	CHECK(store_get_revision(s, 3, &one) == 1, "get 3");
	CHECK(one.policy_in == POLICY_REJECT && one.policy_out == POLICY_ACCEPT &&
	      one.enabled && one.panic && !one.legacy, "revision 3 settings");
	CHECK_STR(one.summary, "apply site.rules: +3 -1", "summary 3");
	store_revision_clear(&one);
	CHECK(store_get_revision(s, 42, &one) == 0, "get 42 absent");
}

/* ids of rules, in order, as "1 2 3" */
static void ids_of(struct stored_rule *v, size_t n, struct strbuf *sb)
{
	sb_reset(sb);
	for (size_t i = 0; i < n; i++)
		sb_printf(sb, "%s%llu", i ? " " : "", (unsigned long long)v[i].id);
}

struct at_case {
	int64_t rev;
	const char *ids;
};

/* a rule set at a revision is the rows added by then and not yet removed */
static void test_deltas(void)
{
	static const struct at_case cases[] = {
		{ 0, "" }, { 1, "1 2" }, { 2, "2 3" }, { 3, "2" }, { 4, "2 4" }, { 99, "2 4" },
	};
	char *path = tpath("delta.db"), err[512];
	struct store *s = store_open(path, err, sizeof(err));
	struct strbuf sb = STRBUF_INIT;
	struct stored_rule *v = NULL;
	struct revision *rv = NULL;
	size_t n = 0;
	int64_t r1, r2, r3, r4;

	CHECK(s != NULL, "open %s: %s", path, err);
	if (!s)
		goto out;
	r1 = add_rev(s, 0, 100, "first", POLICY_DROP, false);
	add_rule_rev(s, "allow in proto tcp port 22", ORIGIN_ADMIN, 0, r1);    /* 1 */
	add_rule_rev(s, "allow in proto tcp port 80", ORIGIN_DEFAULT, 0, r1);  /* 2 */
	r2 = add_rev(s, 0, 200, "second", POLICY_DROP, false);
	CHECK(store_remove_rule(s, 1, r2) == 1, "remove 1 by 2");
	add_rule_rev(s, "allow in proto udp port 53", ORIGIN_PROMPT, 0, r2);   /* 3 */
	r3 = add_rev(s, 0, 300, "third", POLICY_REJECT, false);
	CHECK(store_remove_rule(s, 3, r3) == 1, "remove 3 by 3");
	r4 = add_rev(s, 0, 400, "fourth", POLICY_REJECT, false);
	add_rule_rev(s, "allow out", ORIGIN_ADMIN, 400, r4);                   /* 4 */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(store_rules_at(s, cases[i].rev, &v, &n) == 0, "rules at %lld: %s",
		      (long long)cases[i].rev, store_errmsg(s));
		ids_of(v, n, &sb);
		CHECK(strcmp(sb_str(&sb), cases[i].ids) == 0, "rules at revision %lld: "
		      "'%s', want '%s'", (long long)cases[i].rev, sb_str(&sb), cases[i].ids);
		store_free_rules(v, n);
	}
	CHECK(store_load_rules(s, &v, &n) == 0, "load");
	ids_of(v, n, &sb);
	CHECK_STR(sb_str(&sb), "2 4", "rules in force");
	if (n == 2)
		CHECK(v[0].added_rev == r1 && v[1].added_rev == r4, "added_rev read back");
	store_free_rules(v, n);
	CHECK(store_list_revisions(s, 0, &rv, &n) == 0 && n == 4, "list: %zu", n);
	if (n == 4) {
		sb_reset(&sb);
		for (size_t i = 0; i < n; i++)
			sb_printf(&sb, "%lld:+%zu-%zu ", (long long)rv[i].rev, rv[i].added,
				  rv[i].removed);
		CHECK_STR(sb_str(&sb), "4:+1-0 3:+0-1 2:+1-1 1:+2-0 ", "added/removed counts");
	}
	store_free_revisions(rv, n);
	/* the expiry is a revision of its own too */
	CHECK(store_remove_expired(s, 400, 5) == 1, "expire 4");
	CHECK(store_rules_at(s, 4, &v, &n) == 0 && n == 2, "rev 4 still has it");
	store_free_rules(v, n);
	CHECK(store_rules_at(s, 5, &v, &n) == 0 && n == 1, "rev 5 does not");
	store_free_rules(v, n);
	store_close(s);
out:
	sb_free(&sb);
	free(path);
}

/* schema 2 exactly as migrations 0 -> 1 -> 2 left it */
static const char v2_schema[] =
	"CREATE TABLE rules (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT NOT NULL,"
	" origin TEXT NOT NULL CHECK (origin IN ('admin', 'prompt', 'default')),"
	" created INTEGER NOT NULL, expires INTEGER NOT NULL DEFAULT 0,"
	" duration INTEGER NOT NULL DEFAULT 0, owner INTEGER NOT NULL);"
	"CREATE INDEX rules_expires ON rules (expires) WHERE expires != 0;"
	"CREATE TABLE settings (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)"
	" WITHOUT ROWID;"
	"CREATE TABLE revisions (rev INTEGER PRIMARY KEY AUTOINCREMENT,"
	" time INTEGER NOT NULL, uid INTEGER NOT NULL, summary TEXT NOT NULL,"
	" ruleset TEXT NOT NULL);"
	"CREATE TABLE log (id INTEGER PRIMARY KEY AUTOINCREMENT, time INTEGER NOT NULL,"
	" dir TEXT NOT NULL CHECK (dir IN ('i', 'o')), proto INTEGER NOT NULL,"
	" peer TEXT NOT NULL, peer_port INTEGER NOT NULL, local_port INTEGER NOT NULL,"
	" app TEXT, uid INTEGER NOT NULL, reason TEXT NOT NULL,"
	" count INTEGER NOT NULL CHECK (count > 0));"
	"CREATE TABLE log_counters (one INTEGER PRIMARY KEY CHECK (one = 1),"
	" recorded INTEGER NOT NULL, dropped INTEGER NOT NULL, lost INTEGER NOT NULL);"
	"INSERT INTO log_counters VALUES (1, 0, 0, 0);"
	"INSERT INTO rules (text, origin, created, owner) VALUES"
	" ('allow in proto tcp port 22', 'default', 100, 0),"
	" ('allow in proto tcp port 80', 'admin', 200, 0),"
	" ('allow in proto udp port 53', 'prompt', 300, 1000);"
	"DELETE FROM rules WHERE id = 2;"
	"INSERT INTO settings VALUES ('enabled', '0'), ('policy-in', 'reject');"
	"INSERT INTO revisions (time, uid, summary, ruleset) VALUES"
	" (100, 0, 'initial', 'policy in drop\npolicy out accept\n"
	"allow in proto tcp port 22\n'),"
	" (200, 0, 'add 1 rule', 'policy in drop\npolicy out drop\n"
	"allow in proto tcp port 22\nallow in proto tcp port 80\n'),"
	" (300, 1000, 'apply x', 'policy in reject\npolicy out accept\n"
	"allow in proto tcp port 22\n');"
	"PRAGMA user_version = 2;";

static void test_migrate_v2(void)
{
	char *path = tpath("v2.db"), err[512];
	struct store *s;
	struct stored_rule *v = NULL;
	struct revision *rv = NULL;
	struct strbuf sb = STRBUF_INIT;
	size_t n = 0;

	raw_sql(path, v2_schema);
	s = store_open(path, err, sizeof(err));
	CHECK(s != NULL, "migrate v2: %s", err);
	if (!s)
		goto out;
	CHECK(store_schema_version(s) == STORE_SCHEMA_VERSION, "version after migration");
	CHECK(store_load_rules(s, &v, &n) == 0, "load: %s", store_errmsg(s));
	ids_of(v, n, &sb);
	CHECK_STR(sb_str(&sb), "1 3", "rules kept");
	if (n == 2)
		CHECK(v[0].added_rev == 0 && v[1].origin == ORIGIN_PROMPT &&
		      v[1].owner == 1000, "rule fields kept");
	store_free_rules(v, n);
	CHECK(store_list_revisions(s, 0, &rv, &n) == 0 && n == 3, "revisions: %zu", n);
	if (n == 3) {
		CHECK(rv[0].rev == 3 && rv[0].policy_in == POLICY_REJECT &&
		      rv[0].policy_out == POLICY_ACCEPT && !rv[0].enabled && !rv[0].panic &&
		      rv[0].uid == 1000, "revision 3 from its text");
		CHECK(rv[1].policy_in == POLICY_DROP && rv[1].policy_out == POLICY_DROP,
		      "revision 2 policies");
		CHECK(rv[1].legacy && strstr(rv[1].legacy, "port 80\n"), "legacy text kept");
		CHECK_STR(rv[2].summary, "initial", "summary kept");
	}
	store_free_revisions(rv, n);
	/* numbering goes on from the old rows: no revision number twice */
	CHECK(add_rev(s, 0, 400, "after", POLICY_DROP, false) == 4, "next revision");
	CHECK(add_rule(s, "allow out", ORIGIN_ADMIN, 0) == 4, "next rule id");
	CHECK(store_remove_rule(s, 1, 4) == 1, "old rules can be tombstoned");
	store_close(s);
out:
	sb_free(&sb);
	free(path);
}

static void test_reopen(const char *path)
{
	char err[512];
	struct store *s = store_open(path, err, sizeof(err));
	struct stored_rule *v = NULL;
	struct revision *rv = NULL;
	size_t n = 0, nr = 0;
	char *val = NULL;

	CHECK(s != NULL, "reopen: %s", err);
	if (!s)
		return;
	CHECK(store_schema_version(s) == STORE_SCHEMA_VERSION, "schema version");
	CHECK(store_load_rules(s, &v, &n) == 0 && n == 2, "rules kept: %zu", n);
	store_free_rules(v, n);
	CHECK(store_get(s, "policy-in", &val) == 1, "setting kept");
	CHECK_STR(val, "reject", "setting value kept");
	free(val);
	CHECK(store_list_revisions(s, 0, &rv, &nr) == 0 && nr == 3, "revisions kept");
	store_free_revisions(rv, nr);
	/* AUTOINCREMENT remembers 4 across a reopen too */
	CHECK(add_rule(s, "allow in proto tcp port 443", ORIGIN_ADMIN, 0) == 5,
	      "next id after reopen");
	store_close(s);
}

static void check_wal(const char *path)
{
	struct strbuf hdr = STRBUF_INIT;

	/* bytes 18 and 19 of the header are 2 in WAL mode */
	CHECK(slurp(path, &hdr) == 0 && hdr.len >= 100 &&
	      hdr.buf[18] == 2 && hdr.buf[19] == 2, "WAL mode in the header");
	sb_free(&hdr);
}

static void test_speed(const char *path)
{
	char err[512];
	struct store *s = store_open(path, err, sizeof(err));
	struct stored_rule *v = NULL;
	size_t n = 0;
	double t0, t1;
	int i, ok = 1;
	uint64_t id;

	CHECK(s != NULL, "open %s: %s", path, err);
	if (!s)
		return;
	t0 = now_ms();
	for (i = 0; i < 200 && ok; i++) {
		struct stored_rule r = { .text = "allow in proto tcp port 1",
					 .origin = ORIGIN_ADMIN };
		ok = store_begin(s) == 0 && store_insert_rule(s, &r, &id) == 0 &&
		     store_commit(s) == 0;
	}
	t1 = now_ms();
	CHECK(ok, "200 single inserts: %s", store_errmsg(s));
	printf("one insert per transaction: %.3f ms\n", (t1 - t0) / 200);
	CHECK((t1 - t0) / 200 < 2.0, "insert+commit %.3f ms", (t1 - t0) / 200);

	CHECK(store_begin(s) == 0, "begin");
	for (i = 200; i < 10000 && ok; i++) {
		struct stored_rule r = { .text = "allow in proto udp port 2",
					 .origin = ORIGIN_PROMPT };
		ok = store_insert_rule(s, &r, &id) == 0;
	}
	CHECK(store_commit(s) == 0 && ok, "bulk insert");
	t0 = now_ms();
	CHECK(store_load_rules(s, &v, &n) == 0 && n == 10000, "load 10000: %zu", n);
	t1 = now_ms();
	printf("load 10000 rules: %.1f ms\n", t1 - t0);
	CHECK(t1 - t0 < 200, "load took %.1f ms", t1 - t0);
	store_free_rules(v, n);
	store_close(s);
}

static void test_good(void)
{
	char *path = tpath("fwd.db"), err[512];
	struct store *s = store_open(path, err, sizeof(err));

	CHECK(s != NULL, "open new: %s", err);
	if (s) {
		CHECK(store_schema_version(s) == STORE_SCHEMA_VERSION, "version");
		test_rules(s);
		test_rollback(s);
		test_settings(s);
		test_revisions(s);
		store_close(s);
	}
	check_wal(path);
	test_reopen(path);
	free(path);
	path = tpath("speed.db");
	test_speed(path);
	free(path);
}

/* a valid SQLite file with no tables and user_version 0: migrated */
static void test_migrate_empty(void)
{
	char *path = tpath("empty-sqlite.db"), err[512];
	struct store *s;
	struct stored_rule *v = NULL;
	size_t n = 1;

	raw_sql(path, "CREATE TABLE t (a); DROP TABLE t;");
	s = store_open(path, err, sizeof(err));
	CHECK(s != NULL, "migrate from empty: %s", err);
	if (s) {
		CHECK(store_schema_version(s) == STORE_SCHEMA_VERSION, "version after migration");
		CHECK(store_load_rules(s, &v, &n) == 0 && n == 0, "no rules");
		store_free_rules(v, n);
		CHECK(add_rule(s, "allow out", ORIGIN_ADMIN, 0) == 1, "usable");
		store_close(s);
	}
	check_wal(path);
	free(path);
}

/*
 * A well-formed file whose table and index disagree: no read fails, only
 * the integrity check's report shows it. expires = 0x41414141 is stored as
 * "AAAA" in the table row and the index entry; one of them is changed.
 */
static void make_index_mismatch(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	char err[512];
	struct store *s = store_open(path, err, sizeof(err));
	char *hit;

	CHECK(s != NULL, "open %s: %s", path, err);
	if (!s)
		return;
	add_rule(s, "allow out", ORIGIN_ADMIN, 0x41414141);
	store_close(s);
	CHECK(slurp(path, &sb) == 0 && sb.len > 0, "read %s", path);
	hit = sb.len ? memmem(sb.buf, sb.len, "AAAA", 4) : NULL;
	CHECK(hit != NULL, "expires bytes in %s", path);
	if (hit) {
		hit[3] = 'B';
		spit(path, sb.buf, sb.len);
	}
	sb_free(&sb);
}

struct bad_case {
	const char *name;
	const char *want;       /* substring of the message */
	bool keep;              /* the file must be left byte for byte */
};

static void check_refused(const char *path, const struct bad_case *c)
{
	struct strbuf before = STRBUF_INIT, after = STRBUF_INIT;
	char err[512] = "";
	struct store *s;
	bool had = slurp(path, &before) == 0;

	s = store_open(path, err, sizeof(err));
	CHECK(s == NULL, "%s: opened", c->name);
	store_close(s);
	CHECK(strncmp(err, path, strlen(path)) == 0, "%s: names path: %s",
	      c->name, err);
	CHECK(strstr(err, c->want) != NULL, "%s: message '%s', want '%s'",
	      c->name, err, c->want);
	if (c->keep) {
		CHECK(had && slurp(path, &after) == 0 && after.len == before.len &&
		      memcmp(sb_str(&after), sb_str(&before), before.len) == 0,
		      "%s: file changed", c->name);
	}
	sb_free(&before);
	sb_free(&after);
}

static void test_bad_files(void)
{
	static const struct bad_case cases[] = {
		{ "garbage", "not an SQLite database", true },
		{ "truncated", "corrupt", true },
		/* schema page intact, rule pages cut: only the check sees it */
		{ "cut", "database is corrupt", true },
		{ "index", "database is corrupt (", true },
		{ "zero", "is empty (0 bytes)", true },
		{ "dir", "is a directory", false },
		{ "newer", "database schema 5 is newer than this fwd ("
		  SCHEMA_STR(STORE_SCHEMA_VERSION) "):"
		  " upgrade fwd or restore a backup", true },
		{ "foreign", "not fwd's", true },
		{ "missing-dir", "No such file or directory", false },
		{ "orphan", "does not exist but", false },
	};
	struct strbuf good = STRBUF_INIT, big = STRBUF_INIT, junk = STRBUF_INIT;
	char *goodpath = tpath("fwd.db"), *bigpath = tpath("speed.db"), *p;

	CHECK(slurp(goodpath, &good) == 0 && good.len > 4096, "good db size");
	CHECK(slurp(bigpath, &big) == 0 && big.len > 20 * 4096, "big db size");
	for (int i = 0; i < 3000; i++)
		sb_putc(&junk, (char)(i * 37 + 11));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_case *c = &cases[i];

		p = tpath(c->name);
		if (strcmp(c->name, "garbage") == 0)
			spit(p, junk.buf, junk.len);
		else if (strcmp(c->name, "truncated") == 0)
			spit(p, good.buf, 1000);
		else if (strcmp(c->name, "cut") == 0)
			spit(p, big.buf, 3 * 4096);
		else if (strcmp(c->name, "index") == 0)
			make_index_mismatch(p);
		else if (strcmp(c->name, "zero") == 0)
			spit(p, "", 0);
		else if (strcmp(c->name, "dir") == 0)
			mkdir(p, 0700);
		else if (strcmp(c->name, "newer") == 0)
			raw_sql(p, "CREATE TABLE rules (id); PRAGMA user_version = 5;");
		else if (strcmp(c->name, "foreign") == 0)
			raw_sql(p, "CREATE TABLE songs (title);");
		else if (strcmp(c->name, "orphan") == 0)
			spit_wal(p);
		else {
			free(p);
			p = tpath("no/such/dir/fwd.db");
		}
		check_refused(p, c);
		free(p);
	}
	sb_free(&good);
	sb_free(&big);
	sb_free(&junk);
	free(goodpath);
	free(bigpath);
}

static void rm_tmpdir(void)
{
	struct strbuf cmd = STRBUF_INIT;

	/* the directory is ours (mkdtemp) and holds only test files */
	sb_printf(&cmd, "rm -rf '%s'", tmpdir);
	if (system(sb_str(&cmd)) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	sb_free(&cmd);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_good();
	test_migrate_empty();
	test_deltas();
	test_migrate_v2();
	test_bad_files();
	rm_tmpdir();
	TEST_DONE();
}
