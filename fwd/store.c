/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwd's state in one SQLite file.
 *
 * Schema (version in PRAGMA user_version, migrated by store_migrations):
 *
 *   rules(id INTEGER PRIMARY KEY AUTOINCREMENT, text, origin, created,
 *         expires, duration, owner)
 *       One row per rule. AUTOINCREMENT (not a plain rowid) so that an id
 *       is never handed out twice, even after the highest rule is deleted:
 *       users delete by id, and a stale `fwctl delete 7` must never hit a
 *       newer rule. origin is stored as text ("admin", "prompt",
 *       "default"), independent of the enum's numbering.
 *   settings(key PRIMARY KEY, value)
 *       Small strings: "policy-in", "enabled", ...
 *   revisions(rev INTEGER PRIMARY KEY AUTOINCREMENT, time, uid, summary,
 *             policy_in, policy_out, enabled, panic, legacy)    [schema 3]
 *       One row per applied change: what is not a rule, after the change.
 *       The rules are deltas: rules.added_rev and rules.removed_rev (a
 *       tombstone: rule rows are never deleted), so a change costs rows for
 *       the rules it touches, not a copy of the whole set. Revisions made
 *       before schema 3 kept the admin rule set as text: it moved to
 *       `legacy`, and the rules in force at the migration have added_rev 0.
 *   log(id AUTOINCREMENT, time, dir, proto, peer, peer_port, local_port,
 *       app, uid, reason, count), log_counters(one row)    [schema 2]
 *       The bounded event log of fwd/store_log.c. AUTOINCREMENT because
 *       `fwctl log -f` polls by id: an id reused after trimming would hide
 *       events from it.
 *
 * Nothing here writes to a file before it has been recognised as an fwd
 * database (or a brand-new one, created aside and renamed into place), so a
 * wrong --db path or a damaged file is reported, never "repaired".
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "strbuf.h"

/* a second daemon or a `sqlite3` shell may hold the lock briefly */
#define STORE_BUSY_MS 5000
/* below this size the full integrity_check costs only milliseconds */
#define STORE_FULL_CHECK_BYTES (8 * 1024 * 1024)

enum store_stmt {
	ST_BEGIN, ST_COMMIT, ST_ROLLBACK,
	ST_LOAD_RULES, ST_RULES_AT, ST_INSERT_RULE, ST_REMOVE_RULE,
	ST_REMOVE_EXPIRED, ST_COUNT_EXPIRED,
	ST_GET, ST_SET, ST_UNSET,
	ST_ADD_REV, ST_LIST_REVS, ST_GET_REV, ST_LAST_REV,
	ST_COUNT
};

#define STORE_REV_COLS "rev, time, uid, summary, policy_in, policy_out," \
	" enabled, panic, legacy," \
	" (SELECT count(*) FROM rules WHERE added_rev = r.rev)," \
	" (SELECT count(*) FROM rules WHERE removed_rev = r.rev)"

static const char *const store_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_LOAD_RULES] = "SELECT id, text, origin, created, expires, duration,"
		" owner, added_rev FROM rules WHERE removed_rev IS NULL ORDER BY id",
	[ST_RULES_AT] = "SELECT id, text, origin, created, expires, duration,"
		" owner, added_rev FROM rules WHERE added_rev <= ?1 AND"
		" (removed_rev IS NULL OR removed_rev > ?1) ORDER BY id",
	[ST_INSERT_RULE] = "INSERT INTO rules (text, origin, created, expires,"
		" duration, owner, added_rev) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[ST_REMOVE_RULE] = "UPDATE rules SET removed_rev = ?2 WHERE id = ?1"
		" AND removed_rev IS NULL",
	[ST_REMOVE_EXPIRED] = "UPDATE rules SET removed_rev = ?2 WHERE"
		" expires != 0 AND expires <= ?1 AND removed_rev IS NULL",
	[ST_COUNT_EXPIRED] = "SELECT count(*) FROM rules WHERE expires != 0"
		" AND expires <= ?1 AND removed_rev IS NULL",
	[ST_GET] = "SELECT value FROM settings WHERE key = ?1",
	[ST_SET] = "INSERT INTO settings (key, value) VALUES (?1, ?2)"
		" ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	[ST_UNSET] = "DELETE FROM settings WHERE key = ?1",
	[ST_ADD_REV] = "INSERT INTO revisions (time, uid, summary, policy_in,"
		" policy_out, enabled, panic) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[ST_LIST_REVS] = "SELECT " STORE_REV_COLS " FROM revisions r"
		" ORDER BY rev DESC LIMIT ?1",
	[ST_GET_REV] = "SELECT " STORE_REV_COLS " FROM revisions r WHERE rev = ?1",
	[ST_LAST_REV] = "SELECT COALESCE(max(rev), 0) FROM revisions",
};

/*
 * store_migrations[v] takes a database from schema v to v + 1. Append only:
 * a released step is never edited, since databases out there already ran it.
 */
static const char *const store_migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE rules ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  text TEXT NOT NULL,"
	"  origin TEXT NOT NULL CHECK (origin IN ('admin', 'prompt', 'default')),"
	"  created INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL DEFAULT 0,"
	"  duration INTEGER NOT NULL DEFAULT 0,"
	"  owner INTEGER NOT NULL);"
	"CREATE INDEX rules_expires ON rules (expires) WHERE expires != 0;"
	"CREATE TABLE settings ("
	"  key TEXT PRIMARY KEY NOT NULL,"
	"  value TEXT NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE revisions ("
	"  rev INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  time INTEGER NOT NULL,"
	"  uid INTEGER NOT NULL,"
	"  summary TEXT NOT NULL,"
	"  ruleset TEXT NOT NULL);",
	/* 1 -> 2: the event log (fwd/store_log.c) */
	"CREATE TABLE log ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  time INTEGER NOT NULL,"
	"  dir TEXT NOT NULL CHECK (dir IN ('i', 'o')),"
	"  proto INTEGER NOT NULL,"
	"  peer TEXT NOT NULL,"
	"  peer_port INTEGER NOT NULL,"
	"  local_port INTEGER NOT NULL,"
	"  app TEXT,"
	"  uid INTEGER NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  count INTEGER NOT NULL CHECK (count > 0));"
	"CREATE TABLE log_counters ("
	"  one INTEGER PRIMARY KEY CHECK (one = 1),"
	"  recorded INTEGER NOT NULL,"
	"  dropped INTEGER NOT NULL,"
	"  lost INTEGER NOT NULL);"
	"INSERT INTO log_counters VALUES (1, 0, 0, 0);",
	/*
	 * 2 -> 3: revisions as deltas. The old rows keep their rule text as
	 * `legacy` (their rules were never rows), their policies read from
	 * its first lines; the rules in force now existed "before history".
	 */
	"ALTER TABLE rules ADD COLUMN added_rev INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE rules ADD COLUMN removed_rev INTEGER;"
	"DROP INDEX rules_expires;"
	"CREATE INDEX rules_expires ON rules (expires)"
	"  WHERE expires != 0 AND removed_rev IS NULL;"
	"CREATE INDEX rules_live ON rules (id) WHERE removed_rev IS NULL;"
	"CREATE INDEX rules_added ON rules (added_rev);"
	"CREATE INDEX rules_removed ON rules (removed_rev)"
	"  WHERE removed_rev IS NOT NULL;"
	"CREATE TABLE revisions_v3 ("
	"  rev INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  time INTEGER NOT NULL,"
	"  uid INTEGER NOT NULL,"
	"  summary TEXT NOT NULL,"
	"  policy_in TEXT NOT NULL,"
	"  policy_out TEXT NOT NULL,"
	"  enabled INTEGER NOT NULL,"
	"  panic INTEGER NOT NULL,"
	"  legacy TEXT);"
	"INSERT INTO revisions_v3 (rev, time, uid, summary, policy_in,"
	"  policy_out, enabled, panic, legacy)"
	" SELECT rev, time, uid, summary,"
	"  CASE WHEN ruleset LIKE 'policy in reject%' THEN 'reject'"
	"   WHEN ruleset LIKE 'policy in accept%' THEN 'accept' ELSE 'drop' END,"
	"  CASE WHEN instr(ruleset, 'policy out drop') > 0 THEN 'drop'"
	"   WHEN instr(ruleset, 'policy out reject') > 0 THEN 'reject'"
	"   ELSE 'accept' END,"
	"  COALESCE((SELECT value != '0' FROM settings WHERE key = 'enabled'), 1),"
	"  0, ruleset FROM revisions;"
	"DROP TABLE revisions;"
	"ALTER TABLE revisions_v3 RENAME TO revisions;",
};

_Static_assert(sizeof(store_migrations) / sizeof(store_migrations[0])
	       == STORE_SCHEMA_VERSION, "one migration step per schema version");

/* on-disk names of enum rule_origin: part of the file format */
static const char *const store_origin_names[] = {
	[ORIGIN_ADMIN] = "admin",
	[ORIGIN_PROMPT] = "prompt",
	[ORIGIN_DEFAULT] = "default",
};
#define STORE_NORIGINS (sizeof(store_origin_names) / sizeof(store_origin_names[0]))

struct store {
	sqlite3 *db;
	sqlite3_stmt *stmt[ST_COUNT];
	char errmsg[512];
};

static int store_fail(struct store *s, const char *what)
{
	snprintf(s->errmsg, sizeof(s->errmsg), "%s: %s", what,
		 sqlite3_errmsg(s->db));
	return -1;
}

const char *store_errmsg(struct store *s)
{
	return s->errmsg[0] ? s->errmsg : "no error";
}

/* a cached statement, reset and ready for binding; NULL on error */
static sqlite3_stmt *store_stmt(struct store *s, enum store_stmt k)
{
	if (!s->stmt[k] && sqlite3_prepare_v3(s->db, store_sql[k], -1,
					      SQLITE_PREPARE_PERSISTENT,
					      &s->stmt[k], NULL) != SQLITE_OK) {
		store_fail(s, "preparing a statement");
		return NULL;
	}
	return s->stmt[k];
}

/*
 * Every statement is reset after use: a SELECT left mid-way would keep its
 * read transaction open and stop WAL checkpoints.
 */
static void store_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* runs a statement that returns no rows */
static int store_run(struct store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	store_done(st);
	if (rc != SQLITE_DONE) {
		/* step's message was replaced by reset's; they agree */
		return store_fail(s, what);
	}
	return 0;
}

static int store_simple(struct store *s, enum store_stmt k, const char *what)
{
	sqlite3_stmt *st = store_stmt(s, k);

	return st ? store_run(s, st, what) : -1;
}

int store_begin(struct store *s)
{
	return store_simple(s, ST_BEGIN, "beginning a transaction");
}

int store_commit(struct store *s)
{
	return store_simple(s, ST_COMMIT, "committing");
}

int store_rollback(struct store *s)
{
	return store_simple(s, ST_ROLLBACK, "rolling back");
}

/* ---- opening, checking, migrating ---- */

/* "path: problem" into err; always returns -1 */
static int open_err(char *err, size_t errlen, const char *path,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int open_err(char *err, size_t errlen, const char *path,
		    const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	sb_printf(&sb, "%s: ", path);
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s", sb_str(&sb));
	sb_free(&sb);
	return -1;
}

static int run_sql(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/*
 * The first column of the first row of a pragma or query, as an integer
 * (num) and/or as text (buf); -1 on error, the message in db.
 */
static int query(sqlite3 *db, const char *sql, int64_t *num, char *buf, size_t len)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *t;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && num)
		*num = sqlite3_column_int64(st, 0);
	if (rc == SQLITE_ROW && buf) {
		t = sqlite3_column_text(st, 0);
		snprintf(buf, len, "%s", t ? (const char *)t : "");
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* turns SQLite's view of an unusable file into words for the admin */
static int sqlite_err(sqlite3 *db, char *err, size_t errlen, const char *path)
{
	switch (sqlite3_errcode(db)) {
	case SQLITE_NOTADB:
		return open_err(err, errlen, path, "not an SQLite database"
				" (is --db pointing at the right file?)");
	case SQLITE_CORRUPT:
		return open_err(err, errlen, path, "database is corrupt (%s):"
				" restore a backup", sqlite3_errmsg(db));
	default:
		return open_err(err, errlen, path, "%s", sqlite3_errmsg(db));
	}
}

/* read-only checks: nothing may be written before they pass */
static int store_check(sqlite3 *db, const char *path, off_t size,
		       int64_t *version, char *err, size_t errlen)
{
	const char *check = size <= STORE_FULL_CHECK_BYTES
		? "PRAGMA integrity_check(1)" : "PRAGMA quick_check(1)";
	char res[256];
	int64_t ntables;

	if (query(db, "PRAGMA user_version", version, NULL, 0) < 0 ||
	    query(db, check, NULL, res, sizeof(res)) < 0)
		return sqlite_err(db, err, errlen, path);
	if (strcmp(res, "ok") != 0)
		return open_err(err, errlen, path, "database is corrupt (%s):"
				" restore a backup", res);
	if (*version > STORE_SCHEMA_VERSION)
		return open_err(err, errlen, path, "database schema %lld is"
				" newer than this fwd (%d): upgrade fwd or"
				" restore a backup", (long long)*version,
				STORE_SCHEMA_VERSION);
	if (*version < 0)
		return open_err(err, errlen, path, "database schema %lld is"
				" not fwd's", (long long)*version);
	if (*version > 0)
		return 0;
	if (query(db, "SELECT count(*) FROM sqlite_master", &ntables, NULL, 0) < 0)
		return sqlite_err(db, err, errlen, path);
	if (ntables > 0)
		return open_err(err, errlen, path, "an SQLite database, but not"
				" fwd's (it has tables and no fwd schema"
				" version): check --db");
	return 0;
}

/*
 * WAL with synchronous=NORMAL: a commit appends to the WAL without an
 * fsync, so adding a rule costs microseconds instead of a disk flush. The
 * database stays consistent after any crash; a power loss can lose only the
 * last commits, and at boot the kernel has lost those rules too, so the
 * restored state is still one that was applied.
 */
static int store_pragmas(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	char mode[32];

	if (query(db, "PRAGMA journal_mode = WAL", NULL, mode, sizeof(mode)) < 0)
		return sqlite_err(db, err, errlen, path);
	if (strcmp(mode, "wal") != 0)
		return open_err(err, errlen, path, "cannot use WAL mode (got"
				" '%s'): is the directory writable?", mode);
	/* the WAL would otherwise keep its largest size (4 MB after a busy hour) */
	if (run_sql(db, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; "
		    "PRAGMA journal_size_limit = 1048576") < 0)
		return sqlite_err(db, err, errlen, path);
	return 0;
}

static int store_migrate(sqlite3 *db, int64_t from, const char *path,
			 char *err, size_t errlen)
{
	char setver[64];

	for (int64_t v = from; v < STORE_SCHEMA_VERSION; v++) {
		/* a pragma takes no bound parameters; v is our own integer */
		snprintf(setver, sizeof(setver), "PRAGMA user_version = %lld",
			 (long long)v + 1);
		if (run_sql(db, "BEGIN IMMEDIATE") < 0 ||
		    run_sql(db, store_migrations[v]) < 0 ||
		    run_sql(db, setver) < 0 || run_sql(db, "COMMIT") < 0) {
			open_err(err, errlen, path, "migrating schema %lld to"
				 " %lld: %s", (long long)v, (long long)v + 1,
				 sqlite3_errmsg(db));
			run_sql(db, "ROLLBACK");
			return -1;
		}
	}
	return 0;
}

/* opens an existing file (or the fresh one being created) and brings it up to date */
static sqlite3 *store_connect(const char *path, off_t size, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	int64_t version;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		sqlite_err(db, err, errlen, path);
		goto fail;
	}
	sqlite3_busy_timeout(db, STORE_BUSY_MS);
	if (sqlite3_db_readonly(db, "main") == 1) {
		open_err(err, errlen, path, "opened read-only: check its"
			 " permissions");
		goto fail;
	}
	if (store_check(db, path, size, &version, err, errlen) < 0 ||
	    store_pragmas(db, path, err, errlen) < 0 ||
	    store_migrate(db, version, path, err, errlen) < 0)
		goto fail;
	return db;
fail:
	sqlite3_close(db);
	return NULL;
}

static void unlink_quiet(const char *base, const char *suffix)
{
	struct strbuf sb = STRBUF_INIT;

	sb_printf(&sb, "%s%s", base, suffix);
	unlink(sb_str(&sb));
	sb_free(&sb);
}

/* the rename that created path survives a power loss only once its directory is synced */
static void sync_parent(const char *path)
{
	char *copy = xstrdup(path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

/*
 * A new database is built as path.new and renamed into place, so a crash
 * halfway leaves no half-made file at path: an empty or damaged file there
 * is then always reported, never silently replaced.
 */
static int store_create(const char *path, char *err, size_t errlen)
{
	struct strbuf tmp = STRBUF_INIT, wal = STRBUF_INIT;
	sqlite3 *db = NULL;
	int ret = -1;

	/* an orphan WAL would be replayed into the new file */
	sb_printf(&wal, "%s-wal", path);
	if (access(sb_str(&wal), F_OK) == 0) {
		open_err(err, errlen, path, "does not exist but %s does: move"
			 " that file away or restore the database", sb_str(&wal));
		goto out;
	}
	sb_printf(&tmp, "%s.new", path);
	/* leftovers of an earlier creation that crashed: ours to remove */
	unlink_quiet(sb_str(&tmp), "");
	unlink_quiet(sb_str(&tmp), "-wal");
	unlink_quiet(sb_str(&tmp), "-shm");
	if (sqlite3_open_v2(sb_str(&tmp), &db, SQLITE_OPEN_READWRITE |
			    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		/* "unable to open database file" hides the errno that says why */
		open_err(err, errlen, path, "cannot create %s: %s", sb_str(&tmp),
			 sqlite3_system_errno(db) ? strerror(sqlite3_system_errno(db))
			 : sqlite3_errmsg(db));
		goto out;
	}
	if (store_pragmas(db, sb_str(&tmp), err, errlen) < 0 ||
	    store_migrate(db, 0, sb_str(&tmp), err, errlen) < 0)
		goto out;
	/* closing the last connection checkpoints the WAL into the file */
	if (sqlite3_close(db) != SQLITE_OK) {
		open_err(err, errlen, path, "closing %s: %s", sb_str(&tmp),
			 sqlite3_errmsg(db));
		goto out;
	}
	db = NULL;
	if (rename(sb_str(&tmp), path) < 0) {
		open_err(err, errlen, path, "cannot rename %s into place: %s",
			 sb_str(&tmp), strerror(errno));
		goto out;
	}
	sync_parent(path);
	ret = 0;
out:
	if (db) {
		sqlite3_close(db);
		unlink_quiet(sb_str(&tmp), "");
	}
	sb_free(&tmp);
	sb_free(&wal);
	return ret;
}

/* what can be said about path before SQLite sees it; fills *size */
static int store_precheck(const char *path, off_t *size, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	if (stat(path, &st) < 0) {
		if (errno != ENOENT)
			return open_err(err, errlen, path, "%s", strerror(errno));
		if (store_create(path, err, errlen) < 0)
			return -1;
		if (stat(path, &st) < 0)
			return open_err(err, errlen, path, "%s", strerror(errno));
	}
	if (S_ISDIR(st.st_mode))
		return open_err(err, errlen, path, "is a directory, not a"
				" database file");
	if (!S_ISREG(st.st_mode))
		return open_err(err, errlen, path, "is not a regular file");
	if (st.st_size == 0)
		return open_err(err, errlen, path, "is empty (0 bytes), not an"
				" fwd database: restore a backup, or remove it"
				" to start with a new database");
	/* SQLite would quietly fall back to read-only; say why instead */
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return open_err(err, errlen, path, "cannot open for writing: %s",
				strerror(errno));
	close(fd);
	*size = st.st_size;
	return 0;
}

struct store *store_open(const char *path, char *err, size_t errlen)
{
	struct store *s;
	sqlite3 *db;
	off_t size = 0;

	snprintf(err, errlen, "%s: cannot open", path);
	if (store_precheck(path, &size, err, errlen) < 0)
		return NULL;
	db = store_connect(path, size, err, errlen);
	if (!db)
		return NULL;
	s = xcalloc(1, sizeof(*s));
	s->db = db;
	return s;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	for (int k = 0; k < ST_COUNT; k++)
		sqlite3_finalize(s->stmt[k]);
	sqlite3_close(s->db);
	free(s);
}

struct sqlite3 *store_sqlite(struct store *s)
{
	return s->db;
}

int store_error(struct store *s, const char *what)
{
	return store_fail(s, what);
}

int store_schema_version(struct store *s)
{
	int64_t v;

	if (query(s->db, "PRAGMA user_version", &v, NULL, 0) < 0)
		return store_fail(s, "reading the schema version");
	return (int)v;
}

/* ---- rules ---- */

static char *col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return xstrdup(t ? (const char *)t : "");
}

static int origin_parse(const char *name, enum rule_origin *o)
{
	for (size_t i = 0; i < STORE_NORIGINS; i++) {
		if (strcmp(name, store_origin_names[i]) == 0) {
			*o = (enum rule_origin)i;
			return 0;
		}
	}
	return -1;
}

static int row_to_rule(struct store *s, sqlite3_stmt *st, struct stored_rule *r)
{
	const unsigned char *origin = sqlite3_column_text(st, 2);

	memset(r, 0, sizeof(*r));
	r->id = (uint64_t)sqlite3_column_int64(st, 0);
	if (!origin || origin_parse((const char *)origin, &r->origin) < 0) {
		snprintf(s->errmsg, sizeof(s->errmsg), "rule %llu has an unknown"
			 " origin '%s'", (unsigned long long)r->id,
			 origin ? (const char *)origin : "");
		return -1;
	}
	r->text = col_text(st, 1);
	r->created = sqlite3_column_int64(st, 3);
	r->expires = sqlite3_column_int64(st, 4);
	r->duration = (uint64_t)sqlite3_column_int64(st, 5);
	r->owner = (uid_t)sqlite3_column_int64(st, 6);
	r->added_rev = sqlite3_column_int64(st, 7);
	return 0;
}

static int load_rules_stmt(struct store *s, sqlite3_stmt *st,
			   struct stored_rule **out, size_t *n)
{
	struct stored_rule *v = NULL;
	size_t len = 0, cap = 0;
	int rc = SQLITE_ERROR;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 64;
			v = xrealloc(v, cap * sizeof(*v));
		}
		if (row_to_rule(s, st, &v[len]) < 0)
			break;
		len++;
	}
	if (rc != SQLITE_DONE) {
		if (rc != SQLITE_ROW)
			store_fail(s, "loading rules");
		store_done(st);
		store_free_rules(v, len);
		return -1;
	}
	store_done(st);
	*out = v;
	*n = len;
	return 0;
}

int store_load_rules(struct store *s, struct stored_rule **out, size_t *n)
{
	sqlite3_stmt *st = store_stmt(s, ST_LOAD_RULES);

	return st ? load_rules_stmt(s, st, out, n) : -1;
}

int store_rules_at(struct store *s, int64_t rev, struct stored_rule **out, size_t *n)
{
	sqlite3_stmt *st = store_stmt(s, ST_RULES_AT);

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, rev);
	return load_rules_stmt(s, st, out, n);
}

void store_free_rules(struct stored_rule *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].text);
	free(v);
}

int store_insert_rule(struct store *s, const struct stored_rule *r, uint64_t *id)
{
	sqlite3_stmt *st = store_stmt(s, ST_INSERT_RULE);

	if (!st)
		return -1;
	if ((unsigned)r->origin >= STORE_NORIGINS) {
		snprintf(s->errmsg, sizeof(s->errmsg), "inserting a rule: bad"
			 " origin %d", (int)r->origin);
		return -1;
	}
	sqlite3_bind_text(st, 1, r->text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, store_origin_names[r->origin], -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, r->created);
	sqlite3_bind_int64(st, 4, r->expires);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)r->duration);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)r->owner);
	sqlite3_bind_int64(st, 7, r->added_rev);
	if (store_run(s, st, "inserting a rule") < 0)
		return -1;
	*id = (uint64_t)sqlite3_last_insert_rowid(s->db);
	return 0;
}

int store_remove_rule(struct store *s, uint64_t id, int64_t rev)
{
	sqlite3_stmt *st = store_stmt(s, ST_REMOVE_RULE);

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
	sqlite3_bind_int64(st, 2, rev);
	if (store_run(s, st, "removing a rule") < 0)
		return -1;
	return sqlite3_changes(s->db) > 0 ? 1 : 0;
}

int store_remove_expired(struct store *s, int64_t now, int64_t rev)
{
	sqlite3_stmt *st = store_stmt(s, ST_REMOVE_EXPIRED);

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, rev);
	if (store_run(s, st, "removing expired rules") < 0)
		return -1;
	return sqlite3_changes(s->db);
}

/* the first column of a one-row statement, as an integer */
static int64_t store_scalar(struct store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	int64_t v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;

	store_done(st);
	if (rc != SQLITE_ROW)
		return store_fail(s, what);
	return v;
}

int store_count_expired(struct store *s, int64_t now)
{
	sqlite3_stmt *st = store_stmt(s, ST_COUNT_EXPIRED);

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	return (int)store_scalar(s, st, "counting expired rules");
}

int64_t store_last_revision(struct store *s)
{
	sqlite3_stmt *st = store_stmt(s, ST_LAST_REV);

	return st ? store_scalar(s, st, "reading the last revision") : -1;
}

/* ---- settings ---- */

int store_get(struct store *s, const char *key, char **val)
{
	sqlite3_stmt *st = store_stmt(s, ST_GET);
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*val = col_text(st, 0);
	store_done(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return store_fail(s, "reading a setting");
}

int store_set(struct store *s, const char *key, const char *val)
{
	sqlite3_stmt *st = store_stmt(s, ST_SET);

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, val, -1, SQLITE_STATIC);
	return store_run(s, st, "writing a setting");
}

int store_unset(struct store *s, const char *key)
{
	sqlite3_stmt *st = store_stmt(s, ST_UNSET);

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	return store_run(s, st, "removing a setting");
}

/* ---- revisions ---- */

int store_add_revision(struct store *s, const struct revision *r, int64_t *rev)
{
	sqlite3_stmt *st = store_stmt(s, ST_ADD_REV);

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, r->time);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)r->uid);
	sqlite3_bind_text(st, 3, r->summary ? r->summary : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, rule_policy_name(r->policy_in), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, rule_policy_name(r->policy_out), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, r->enabled);
	sqlite3_bind_int(st, 7, r->panic);
	if (store_run(s, st, "recording a revision") < 0)
		return -1;
	if (rev)
		*rev = sqlite3_last_insert_rowid(s->db);
	return 0;
}

static enum rule_policy policy_col(sqlite3_stmt *st, int col, enum rule_policy dflt)
{
	static const enum rule_policy all[] = { POLICY_ACCEPT, POLICY_DROP, POLICY_REJECT };
	const unsigned char *t = sqlite3_column_text(st, col);

	for (size_t i = 0; t && i < sizeof(all) / sizeof(all[0]); i++)
		if (!strcmp((const char *)t, rule_policy_name(all[i])))
			return all[i];
	return dflt;
}

static void row_to_revision(sqlite3_stmt *st, struct revision *r)
{
	memset(r, 0, sizeof(*r));
	r->rev = sqlite3_column_int64(st, 0);
	r->time = sqlite3_column_int64(st, 1);
	r->uid = (uid_t)sqlite3_column_int64(st, 2);
	r->summary = col_text(st, 3);
	r->policy_in = policy_col(st, 4, POLICY_DROP);
	r->policy_out = policy_col(st, 5, POLICY_ACCEPT);
	r->enabled = sqlite3_column_int(st, 6) != 0;
	r->panic = sqlite3_column_int(st, 7) != 0;
	if (sqlite3_column_type(st, 8) != SQLITE_NULL)
		r->legacy = col_text(st, 8);
	r->added = (size_t)sqlite3_column_int64(st, 9);
	r->removed = (size_t)sqlite3_column_int64(st, 10);
}

int store_list_revisions(struct store *s, size_t limit, struct revision **out, size_t *n)
{
	sqlite3_stmt *st = store_stmt(s, ST_LIST_REVS);
	struct revision *v = NULL;
	size_t len = 0, cap = 0;
	int rc;

	if (!st)
		return -1;
	/* LIMIT -1 is SQLite's "no limit" */
	sqlite3_bind_int64(st, 1, limit ? (sqlite3_int64)limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			v = xrealloc(v, cap * sizeof(*v));
		}
		row_to_revision(st, &v[len++]);
	}
	store_done(st);
	if (rc != SQLITE_DONE) {
		store_free_revisions(v, len);
		return store_fail(s, "listing revisions");
	}
	*out = v;
	*n = len;
	return 0;
}

/* on 1, the caller frees out's strings (store_revision_clear) */
int store_get_revision(struct store *s, int64_t rev, struct revision *out)
{
	sqlite3_stmt *st = store_stmt(s, ST_GET_REV);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, rev);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		row_to_revision(st, out);
	store_done(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return store_fail(s, "reading a revision");
}

void store_revision_clear(struct revision *r)
{
	free(r->summary);
	free(r->legacy);
	memset(r, 0, sizeof(*r));
}

void store_free_revisions(struct revision *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		store_revision_clear(&v[i]);
	free(v);
}
