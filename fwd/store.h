/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_STORE_H
#define FWD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "rule.h"

/*
 * fwd's state in SQLite (WAL mode): rules as canonical grammar text with
 * their bookkeeping, settings, and one revision per applied change. The
 * schema carries a version; store_open migrates older databases forward.
 * All writes of one change happen between store_begin and store_commit.
 *
 * Revisions are deltas (schema 3): a rule row is never deleted but
 * tombstoned, and carries the revision that added it and the one that
 * removed it. The rule set at revision R is every row with
 * added_rev <= R and (removed_rev unset or > R); a revision row keeps only
 * what is not a rule: time, uid, summary, policies, enabled, panic.
 */
struct store;

struct stored_rule {
	uint64_t id;
	char *text;             /* rule_format(r, 0): canonical, without `for` */
	enum rule_origin origin;
	int64_t created;        /* unix seconds */
	int64_t expires;        /* unix seconds, 0 = never */
	uint64_t duration;      /* `for` as written, seconds, 0 = permanent */
	uid_t owner;
	int64_t added_rev;      /* the revision that added it (0: before history) */
};

struct revision {
	int64_t rev;
	int64_t time;
	uid_t uid;
	char *summary;          /* "add 1 rule", "apply site.rules: +3 -1" */
	enum rule_policy policy_in, policy_out;   /* after the change */
	bool enabled, panic;                      /* after the change */
	size_t added, removed;  /* rules it added and removed (filled on reading) */
	char *legacy;           /* a schema-2 revision: its admin rule set as
				   text (the rules are not rows); else NULL */
};

/*
 * Opens (creating when absent) and migrates. Returns NULL with a message in
 * err when the file is unreadable, corrupt, of a newer schema, or not a
 * database; the caller then fails closed.
 */
struct store *store_open(const char *path, char *err, size_t errlen);
void store_close(struct store *s);
/* the last SQLite error message, for logs */
const char *store_errmsg(struct store *s);

int store_begin(struct store *s);
int store_commit(struct store *s);
int store_rollback(struct store *s);

/* the rules in force (not removed), ordered by id; free with store_free_rules */
int store_load_rules(struct store *s, struct stored_rule **out, size_t *n);
/* the rules in force at revision rev, ordered by id */
int store_rules_at(struct store *s, int64_t rev, struct stored_rule **out, size_t *n);
void store_free_rules(struct stored_rule *v, size_t n);
/* r->id is ignored; r->added_rev is stored; the new id is written to *id */
int store_insert_rule(struct store *s, const struct stored_rule *r, uint64_t *id);
/* tombstones a rule in force by revision rev: 1 done, 0 no such rule, -1 error */
int store_remove_rule(struct store *s, uint64_t id, int64_t rev);
/* tombstones, by revision rev, rules whose expires is set and <= now; count or -1 */
int store_remove_expired(struct store *s, int64_t now, int64_t rev);
/* rules in force whose expires is set and <= now, or -1 */
int store_count_expired(struct store *s, int64_t now);

/* settings: small key/value strings ("policy-in", "enabled", ...) */
/* returns 1 found (malloc'd *val), 0 absent, -1 error */
int store_get(struct store *s, const char *key, char **val);
int store_set(struct store *s, const char *key, const char *val);
int store_unset(struct store *s, const char *key);

/* r->rev, added, removed and legacy are ignored; the new number into *rev */
int store_add_revision(struct store *s, const struct revision *r, int64_t *rev);
/* newest first; limit 0 = all */
int store_list_revisions(struct store *s, size_t limit, struct revision **out, size_t *n);
/* 1 found, 0 absent, -1 error */
int store_get_revision(struct store *s, int64_t rev, struct revision *out);
/* the newest revision number, 0 when none; -1 on error */
int64_t store_last_revision(struct store *s);
void store_free_revisions(struct revision *v, size_t n);
/* frees the strings of one revision filled by store_get_revision */
void store_revision_clear(struct revision *r);

int store_schema_version(struct store *s);
#define STORE_SCHEMA_VERSION 3

/*
 * ---- the event log (fwd/store_log.c; schema 2) ----
 * Blocked (and `log`-marked) connections, bounded to max_events rows,
 * oldest trimmed first. Counters are persistent and count events (the sum
 * of `count`), so recorded - dropped = the events still in the log.
 */
struct log_event {
	int64_t id;             /* assigned by store_log_add; ignored on input */
	int64_t time_ms;        /* unix ms of the first folded event */
	char dir;               /* 'i' or 'o' */
	uint8_t proto;          /* IPPROTO_* */
	char peer[64];          /* the remote address as text */
	uint16_t peer_port;     /* 0 when none (icmp) */
	uint16_t local_port;
	char *app;              /* NULL = unknown */
	int64_t uid;            /* -1 = unknown */
	char *reason;           /* "policy", "rule 12", or the log prefix; NULL = "" */
	uint32_t count;         /* identical events folded into this row; 0 counts as 1 */
};

/*
 * Appends a batch in one transaction (do not call between store_begin and
 * store_commit), folding adjacent events that differ only in time into one
 * row, then trims the log to max_events rows (0 keeps none), adding what
 * was trimmed to the `dropped` counter. Returns 0 or -1 (nothing written).
 */
int store_log_add(struct store *s, const struct log_event *v, size_t n,
		  uint32_t max_events);
/*
 * after_id 0: the newest `limit` rows; after_id > 0: the rows with a larger
 * id (for `fwctl log -f`), the first `limit` of them. Either way oldest
 * first; limit 0 = no limit. Ids only grow, even across trimming.
 */
int store_log_list(struct store *s, size_t limit, int64_t after_id,
		   struct log_event **out, size_t *n);
void store_log_free(struct log_event *v, size_t n);
/* events ever recorded, and those trimmed away since (any pointer may be NULL) */
int store_log_counts(struct store *s, uint64_t *total_recorded, uint64_t *dropped);
/* the same plus `lost`: events that never reached the log (see store_log_add_lost) */
int store_log_stats(struct store *s, uint64_t *total_recorded, uint64_t *dropped,
		    uint64_t *lost);
/*
 * Adds to the persistent `lost` counter: events the daemon knows it missed
 * (nflog ENOBUFS occurrences, its own rate limiting). One transaction.
 */
int store_log_add_lost(struct store *s, uint64_t lost);

/* for fwd/store_log.c only: the connection, and recording an SQLite failure */
struct sqlite3;
struct sqlite3 *store_sqlite(struct store *s);
/* "what: sqlite's message" into store_errmsg; returns -1 */
int store_error(struct store *s, const char *what);

#endif
