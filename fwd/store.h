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
};

struct revision {
	int64_t rev;
	int64_t time;
	uid_t uid;
	char *summary;          /* "add 1 rule", "apply site.rules: +3 -1" */
	char *ruleset;          /* the admin rule set after the change, as text */
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

/* all rules, ordered by id; caller frees with store_free_rules */
int store_load_rules(struct store *s, struct stored_rule **out, size_t *n);
void store_free_rules(struct stored_rule *v, size_t n);
/* r->id is ignored; the new id is written to *id */
int store_insert_rule(struct store *s, const struct stored_rule *r, uint64_t *id);
/* 1 deleted, 0 no such id, -1 error */
int store_delete_rule(struct store *s, uint64_t id);
/* deletes rules whose expires is set and <= now; returns count or -1 */
int store_delete_expired(struct store *s, int64_t now);

/* settings: small key/value strings ("policy-in", "enabled", ...) */
/* returns 1 found (malloc'd *val), 0 absent, -1 error */
int store_get(struct store *s, const char *key, char **val);
int store_set(struct store *s, const char *key, const char *val);

int store_add_revision(struct store *s, uid_t uid, int64_t time,
		       const char *summary, const char *ruleset, int64_t *rev);
/* newest first; limit 0 = all */
int store_list_revisions(struct store *s, size_t limit, struct revision **out, size_t *n);
/* 1 found, 0 absent, -1 error */
int store_get_revision(struct store *s, int64_t rev, struct revision *out);
void store_free_revisions(struct revision *v, size_t n);
/* frees the strings of one revision filled by store_get_revision */
void store_revision_clear(struct revision *r);

int store_schema_version(struct store *s);
#define STORE_SCHEMA_VERSION 1

#endif
