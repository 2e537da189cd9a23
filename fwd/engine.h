/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_ENGINE_H
#define FWD_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "catalog.h"
#include "config.h"
#include "diag.h"
#include "explain.h"
#include "nft.h"
#include "rule.h"

/*
 * The engine holds fwd's state (policies, rules, enabled) and is the one
 * path by which it changes: database transaction, compile, kernel batch,
 * commit -- so the database and the kernel never disagree after a failed
 * change, and a change is reported done only once it is in force.
 */

/* everything main.c parsed from the command line */
struct fwd_options {
	const char *socket_path;
	const char *db_path;
	const char *table;
	const char *config_path;
	bool config_given;              /* --config: a missing file is an error */
	const char *services[2];        /* catalog dirs; a later one overrides */
	size_t nservices;
	const char *default_rules;
	bool foreground, debug;
};

struct engine;

/* loads fwd.conf and the catalog; NULL after logging every problem */
struct engine *engine_new(const struct fwd_options *o);
/*
 * Opens the store (failing closed to the built-in default when it is
 * unusable), seeds it on first start, loads the rules and installs them
 * in the kernel. -1 when the kernel refused: the caller exits.
 */
int engine_start(struct engine *e);
void engine_free(struct engine *e);
/* fwd --check: validates without touching the kernel; the exit status */
int engine_check(const struct fwd_options *o);
/* SIGHUP: reloads the catalog (keeps the old one when the new has errors) */
void engine_reload(struct engine *e);

const struct fwd_config *engine_config(const struct engine *e);
const struct catalog *engine_catalog(const struct engine *e);
const struct ruleset *engine_ruleset(const struct engine *e);
bool engine_enabled(const struct engine *e);
/* NULL while the database is unavailable */
struct store *engine_store(struct engine *e);

/*
 * Owner rules on `in` (app, user, group) apply to the listening sockets
 * listener tracking (tracker.c) finds for them. The engine asks the binder
 * for the bindings of a rule set whenever it compiles one for the kernel
 * (start, every change), so a new owner rule is in force for the sockets
 * it matches as soon as the change is. The binder fills *v (malloc'd,
 * sorted by rule id) and *n; on -1 it leaves them NULL and 0.
 */
struct owner_binding;
typedef int (*engine_binder_fn)(void *arg, const struct ruleset *rs,
				struct owner_binding **v, size_t *n);
void engine_set_binder(struct engine *e, engine_binder_fn fn, void *arg);
/* the bindings compiled into the kernel now */
const struct owner_binding *engine_bindings(const struct engine *e, size_t *n);
/*
 * Listeners changed: puts bindings v (taken over, freed on failure) in
 * force for the current rules, as a kernel element delta; no database
 * write, no revision. -1 with err keeps the previous bindings.
 */
int engine_rebind(struct engine *e, struct owner_binding *v, size_t n,
		  char *err, size_t errlen);

struct engine_status {
	bool enabled, panic;
	enum rule_policy policy_in, policy_out;
	size_t nrules;
	int64_t revision;
	const char *table;
	const char *database;           /* "ok" or the problem */
	const char *problem;            /* "" when none */
	uint64_t drops_in, rejects_in, drops_out;
};
/* pointers stay valid until the next change */
void engine_status(struct engine *e, struct engine_status *st);
/* per-rule counters; nothing is reported while disabled */
int engine_read_counters(struct engine *e, nft_counter_cb cb, void *arg);

/*
 * A change: the complete new state. Rules with id 0 are new (the engine
 * sets id, created, expires and owner); rules with an id are kept as they
 * are; current rules whose id is missing are deleted. The engine consumes
 * next whatever the outcome.
 */
enum engine_switch { ENGINE_KEEP = 0, ENGINE_ON, ENGINE_OFF };

struct engine_change {
	struct ruleset next;
	enum engine_switch panic;       /* KEEP (the zero value): as it is now */
	/*
	 * > 0: `apply --confirm`: unless engine_confirm is called within this
	 * many seconds, the engine rolls back to the revision before this
	 * change by itself. Persisted with the change, so a restart keeps it.
	 */
	int64_t confirm_secs;
	bool confirm_clear;             /* ends a pending confirm (a rollback) */
	const uint64_t *drop_skipped;   /* skipped stored rules to delete too */
	size_t ndrop_skipped;
	bool enabled;
	uid_t uid;
	const char *summary;            /* for the revision: "add 1 rule" */
	int64_t now;
};

struct engine_result {
	int64_t revision;
	struct diag_list diags;         /* rules the compiler refused */
	char msg[512];                  /* why the change was refused */
};

/* 0 when in force; -1 with r->msg (and r->diags) when nothing changed */
int engine_apply_change(struct engine *e, struct engine_change *c,
			struct engine_result *r);
/*
 * The same for a change of a few rules, without copying the others: the
 * new state is the current rules minus `remove` (ids) plus `add` (taken
 * over, id 0), with the current policies; c->next is ignored (left empty).
 * With thousands of rules this spares a copy and a free of every rule.
 */
int engine_apply_delta(struct engine *e, struct engine_change *c,
		       struct rule **add, size_t nadd,
		       const uint64_t *remove, size_t nremove,
		       struct engine_result *r);
void engine_result_free(struct engine_result *r);

/*
 * Stored rules that no longer parse (a service left the catalog): not in
 * force and not in engine_ruleset, but an admin can still delete them.
 */
struct engine_skipped {
	uint64_t id;
	char *text;
	enum rule_origin origin;
	bool blocks;                    /* deny/reject: its absence opens */
};
const struct engine_skipped *engine_skipped(const struct engine *e, size_t *n);

/* a deep copy of the current policies and rules, to build a change on */
void engine_copy_state(const struct engine *e, struct ruleset *out);
/* compiles without touching anything: the diags of rules fwd cannot enforce */
int engine_validate(struct engine *e, const struct ruleset *rs,
		    struct diag_list *diags);
/* the admin rule set as rule-file text: policies, then every rule */
char *engine_export_text(const struct ruleset *rs, int64_t now, bool all_origins);

/* seconds until a temporary rule expires (>= 1), 0 for a permanent one */
int64_t engine_remaining(const struct rule *r, int64_t now);
/* unix time when engine_expire has work (a rule ends after its expires
 * second), 0 when none */
int64_t engine_next_expiry(const struct engine *e);
/* deletes the rules whose expires second is over, through the change path */
void engine_expire(struct engine *e, int64_t now);

bool engine_panic(const struct engine *e);
/*
 * A new revision restoring the admin and default rules and the policies of
 * revision rev; prompt rules, enabled and panic stay as they are now.
 * Temporary rules of rev that have expired since are not restored. Clears a
 * pending confirm. 0 done, -1 refused (r->msg), -2 no such revision.
 */
int engine_rollback(struct engine *e, int64_t rev, uid_t uid, int64_t now,
		    const char *summary, struct engine_result *r);
/* the revision a pending `apply --confirm` returns to (0: none), its deadline */
int64_t engine_confirm_pending(const struct engine *e, int64_t *deadline);
/* keeps the pending change: 1 confirmed, 0 none pending, -1 database error */
int engine_confirm(struct engine *e);
/* explain_packet over rs as the engine would compile it now (bindings, panic) */
int engine_explain(struct engine *e, const struct ruleset *rs,
		   const struct explain_query *q, struct explain_result *out);

/* mkdir -p of path's parent directory with mode for the last component */
int engine_mkdir_parent(const char *path, mode_t mode);

#endif
