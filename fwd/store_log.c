/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The event log: blocked connection attempts, kept in the `log` table of
 * the store (schema 2) for `fwctl log`, bounded, oldest trimmed first.
 *
 * A flood must not cost a transaction per packet: the daemon hands over
 * batches, one transaction each, and adjacent identical events (a SYN and
 * its retransmits) fold into one row with a count. The persistent counters
 * in log_counters count events, not rows, so that recorded - dropped is
 * always the number of events still in the log.
 *
 * Trimming relies on the ids of the rows present being contiguous: they
 * come only from AUTOINCREMENT (rolled back with a failed transaction) and
 * rows leave only from the oldest end. Keeping ids >= newest - max + 1 is
 * then exactly max rows, found in O(log n) instead of an OFFSET walk; were
 * the ids ever not contiguous, fewer rows would be kept, never more.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "strbuf.h"

#define LOG_COLUMNS "id, time, dir, proto, peer, peer_port, local_port, app," \
	" uid, reason, count"

static const char log_sql_insert[] =
	"INSERT INTO log (time, dir, proto, peer, peer_port, local_port, app,"
	" uid, reason, count) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
static const char log_sql_newest[] =
	"SELECT " LOG_COLUMNS " FROM (SELECT " LOG_COLUMNS " FROM log"
	" ORDER BY id DESC LIMIT ?1) ORDER BY id";
static const char log_sql_after[] =
	"SELECT " LOG_COLUMNS " FROM log WHERE id > ?2 ORDER BY id LIMIT ?1";
static const char log_sql_counters[] =
	"UPDATE log_counters SET recorded = recorded + ?1,"
	" dropped = dropped + ?2, lost = lost + ?3 WHERE one = 1";

static int log_prepare(struct store *s, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(store_sqlite(s), sql, -1, st, NULL) != SQLITE_OK)
		return store_error(s, "preparing an event log statement");
	return 0;
}

/* one integer from a query with one optional integer parameter; 0 when no row */
static int log_query_int(struct store *s, const char *sql, int64_t param,
			 int64_t *val)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*val = 0;
	if (log_prepare(s, sql, &st) < 0)
		return -1;
	if (sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_int64(st, 1, param);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*val = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_error(s, "reading the event log");
	return 0;
}

static int log_exec(struct store *s, const char *sql, int64_t param, const char *what)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (log_prepare(s, sql, &st) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, param);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_error(s, what);
}

/* a failed step leaves the transaction open; ROLLBACK must not overwrite its message */
static void log_abort(struct store *s)
{
	sqlite3 *db = store_sqlite(s);

	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

static bool log_same(const struct log_event *a, const struct log_event *b)
{
	return a->dir == b->dir && a->proto == b->proto &&
	       a->peer_port == b->peer_port && a->local_port == b->local_port &&
	       a->uid == b->uid &&
	       strncmp(a->peer, b->peer, sizeof(a->peer)) == 0 &&
	       (a->app == NULL) == (b->app == NULL) &&
	       strcmp(or_empty(a->app), or_empty(b->app)) == 0 &&
	       strcmp(or_empty(a->reason), or_empty(b->reason)) == 0;
}

/* the end of the run of events like v[i], and their summed count */
static size_t log_fold(const struct log_event *v, size_t n, size_t i, uint32_t *count)
{
	size_t j = i + 1;
	uint32_t c = v[i].count ? v[i].count : 1, cj;

	for (; j < n && log_same(&v[i], &v[j]); j++) {
		cj = v[j].count ? v[j].count : 1;
		if (c > UINT32_MAX - cj)
			break;
		c += cj;
	}
	*count = c;
	return j;
}

static int log_insert_one(struct store *s, sqlite3_stmt *st,
			  const struct log_event *e, uint32_t count)
{
	char dir[2] = { e->dir, 0 };
	int rc;

	sqlite3_bind_int64(st, 1, e->time_ms);
	sqlite3_bind_text(st, 2, dir, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, e->proto);
	sqlite3_bind_text(st, 4, e->peer, (int)strnlen(e->peer, sizeof(e->peer)),
			  SQLITE_STATIC);
	sqlite3_bind_int(st, 5, e->peer_port);
	sqlite3_bind_int(st, 6, e->local_port);
	if (e->app)
		sqlite3_bind_text(st, 7, e->app, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 7);
	sqlite3_bind_int64(st, 8, e->uid);
	sqlite3_bind_text(st, 9, or_empty(e->reason), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, count);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : store_error(s, "adding to the event log");
}

static int log_insert(struct store *s, const struct log_event *v, size_t n,
		      uint64_t *added)
{
	sqlite3_stmt *st = NULL;
	uint32_t count;
	int ret = 0;

	if (log_prepare(s, log_sql_insert, &st) < 0)
		return -1;
	for (size_t i = 0, j; i < n && ret == 0; i = j) {
		j = log_fold(v, n, i, &count);
		ret = log_insert_one(s, st, &v[i], count);
		*added += count;
	}
	sqlite3_finalize(st);
	return ret;
}

/* deletes all but the newest max rows; the events deleted go to *trimmed */
static int log_trim(struct store *s, uint32_t max, uint64_t *trimmed)
{
	int64_t newest, cut, sum;

	if (log_query_int(s, "SELECT coalesce(max(id), 0) FROM log", 0, &newest) < 0)
		return -1;
	cut = newest - (int64_t)max + 1;        /* the oldest id kept */
	if (cut <= 1)
		return 0;
	if (log_query_int(s, "SELECT coalesce(sum(count), 0) FROM log WHERE id < ?1",
			  cut, &sum) < 0 ||
	    log_exec(s, "DELETE FROM log WHERE id < ?1", cut,
		     "trimming the event log") < 0)
		return -1;
	*trimmed = (uint64_t)sum;
	return 0;
}

static int log_bump(struct store *s, uint64_t recorded, uint64_t dropped, uint64_t lost)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (log_prepare(s, log_sql_counters, &st) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)recorded);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)dropped);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)lost);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_error(s, "updating the event log counters");
	if (sqlite3_changes(store_sqlite(s)) != 1)
		return store_error(s, "updating the event log counters (row missing)");
	return 0;
}

int store_log_add(struct store *s, const struct log_event *v, size_t n,
		  uint32_t max_events)
{
	uint64_t added = 0, trimmed = 0;

	if (store_begin(s) < 0)
		return -1;
	if (log_insert(s, v, n, &added) < 0 ||
	    log_trim(s, max_events, &trimmed) < 0 ||
	    log_bump(s, added, trimmed, 0) < 0 ||
	    store_commit(s) < 0) {
		log_abort(s);
		return -1;
	}
	return 0;
}

int store_log_add_lost(struct store *s, uint64_t lost)
{
	if (store_begin(s) < 0)
		return -1;
	if (log_bump(s, 0, 0, lost) < 0 || store_commit(s) < 0) {
		log_abort(s);
		return -1;
	}
	return 0;
}

static void log_row(sqlite3_stmt *st, struct log_event *e)
{
	const unsigned char *t;

	memset(e, 0, sizeof(*e));
	e->id = sqlite3_column_int64(st, 0);
	e->time_ms = sqlite3_column_int64(st, 1);
	t = sqlite3_column_text(st, 2);
	e->dir = t ? (char)t[0] : '?';
	e->proto = (uint8_t)sqlite3_column_int(st, 3);
	t = sqlite3_column_text(st, 4);
	snprintf(e->peer, sizeof(e->peer), "%s", t ? (const char *)t : "");
	e->peer_port = (uint16_t)sqlite3_column_int(st, 5);
	e->local_port = (uint16_t)sqlite3_column_int(st, 6);
	t = sqlite3_column_text(st, 7);
	e->app = t ? xstrdup((const char *)t) : NULL;
	e->uid = sqlite3_column_int64(st, 8);
	t = sqlite3_column_text(st, 9);
	e->reason = xstrdup(t ? (const char *)t : "");
	e->count = (uint32_t)sqlite3_column_int64(st, 10);
}

int store_log_list(struct store *s, size_t limit, int64_t after_id,
		   struct log_event **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	struct log_event *v = NULL;
	size_t len = 0, cap = 0;
	int rc;

	if (log_prepare(s, after_id > 0 ? log_sql_after : log_sql_newest, &st) < 0)
		return -1;
	/* LIMIT -1 is SQLite's "no limit" */
	sqlite3_bind_int64(st, 1, limit ? (sqlite3_int64)limit : -1);
	if (after_id > 0)
		sqlite3_bind_int64(st, 2, after_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 64;
			v = xrealloc(v, cap * sizeof(*v));
		}
		log_row(st, &v[len++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_log_free(v, len);
		return store_error(s, "listing the event log");
	}
	*out = v;
	*n = len;
	return 0;
}

void store_log_free(struct log_event *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].app);
		free(v[i].reason);
	}
	free(v);
}

int store_log_stats(struct store *s, uint64_t *total_recorded, uint64_t *dropped,
		    uint64_t *lost)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (log_prepare(s, "SELECT recorded, dropped, lost FROM log_counters", &st) < 0)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (total_recorded)
			*total_recorded = (uint64_t)sqlite3_column_int64(st, 0);
		if (dropped)
			*dropped = (uint64_t)sqlite3_column_int64(st, 1);
		if (lost)
			*lost = (uint64_t)sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return store_error(s, "reading the event log counters");
	return 0;
}

int store_log_counts(struct store *s, uint64_t *total_recorded, uint64_t *dropped)
{
	return store_log_stats(s, total_recorded, dropped, NULL);
}
