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

static uint64_t add_rule(struct store *s, const char *text, enum rule_origin o,
			 int64_t expires)
{
	struct stored_rule r = {
		.text = (char *)text, .origin = o, .created = 1700000000,
		.expires = expires, .duration = expires ? 3600 : 0, .owner = 1000,
	};
	uint64_t id = 0;

	CHECK(store_insert_rule(s, &r, &id) == 0, "insert %s: %s", text,
	      store_errmsg(s));
	return id;
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

	/* the highest id is deleted: its number must not come back */
	CHECK(store_delete_rule(s, c) == 1, "delete 3");
	CHECK(store_delete_rule(s, c) == 0, "delete 3 again");
	CHECK(store_delete_rule(s, 999) == 0, "delete 999");
	d = add_rule(s, "allow out", ORIGIN_ADMIN, 0);
	CHECK(d == 4, "id after delete = %llu, want 4", (unsigned long long)d);

	CHECK(store_delete_expired(s, 1700003599) == 0, "nothing expired yet");
	CHECK(store_delete_expired(s, 1700003600) == 1, "rule 2 expires");
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
	CHECK(store_delete_rule(s, 1) == 1, "delete in txn");
	CHECK(store_rollback(s) == 0, "rollback: %s", store_errmsg(s));
	CHECK(store_load_rules(s, &v, &n) == 0 && n == 2 && v[0].id == 1,
	      "rollback discards: n = %zu", n);
	store_free_rules(v, n);
	CHECK(store_get(s, "rolled", &val) == 0, "setting rolled back");
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

static void test_revisions(struct store *s)
{
	struct revision *v = NULL, one;
	size_t n = 0;
	int64_t r1 = 0, r2 = 0, r3 = 0;

	CHECK(store_add_revision(s, 0, 100, "add 1 rule", "allow in\n", &r1) == 0 &&
	      store_add_revision(s, 1000, 200, "delete 1 rule", "", &r2) == 0 &&
	      store_add_revision(s, 0, 300, "apply site.rules: +3 -1",
				 "policy in reject\nallow out\n", &r3) == 0,
	      "add: %s", store_errmsg(s));
	CHECK(r1 == 1 && r2 == 2 && r3 == 3, "revs %lld %lld %lld",
	      (long long)r1, (long long)r2, (long long)r3);

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
	CHECK_STR(one.ruleset, "policy in reject\nallow out\n", "ruleset");
	CHECK_STR(one.summary, "apply site.rules: +3 -1", "summary 3");
	store_revision_clear(&one);
	CHECK(store_get_revision(s, 42, &one) == 0, "get 42 absent");
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
	test_bad_files();
	rm_tmpdir();
	TEST_DONE();
}
