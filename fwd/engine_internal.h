/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the parts of the engine share: struct engine itself and the few
 * helpers more than one part calls. engine.c holds the core (the one change
 * path, views of the state), engine_start.c start-up, loading and
 * `fwd --check`, engine_history.c temporary rules, rollback and confirm.
 * Other modules use engine.h only.
 */
#ifndef FWD_ENGINE_INTERNAL_H
#define FWD_ENGINE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "strbuf.h"

struct plan;
struct store;

struct engine {
	const struct fwd_options *opts;
	struct fwd_config cfg;
	struct catalog cat;
	struct store *store;            /* NULL: unusable, built-in default */
	char *db_problem;               /* why the store is unusable */
	struct strbuf rule_problem;     /* stored block rules not enforced */
	struct strbuf compile_problem;  /* stored rules that did not compile */
	struct strbuf write_problem;    /* the last change could not be stored */
	struct strbuf kernel_problem;   /* the table was changed behind fwd's back */
	bool first_start;               /* the store was seeded by this start */
	struct strbuf status_text;
	struct nft *nft;
	struct plan *plan;              /* the current state, compiled */
	struct ruleset rs;              /* the current state */
	bool enabled;
	bool panic;                     /* only loopback: `fwctl panic on` */
	int64_t confirm_rev;            /* a pending `apply --confirm` returns here */
	int64_t confirm_deadline;       /* ... at this unix second; 0 = none */
	int64_t confirm_secs;
	int64_t revision;
	int64_t expiry_retry;           /* after a failed expiry, not before */
	struct engine_skipped *skipped; /* stored rules that no longer parse */
	size_t nskipped;
	struct owner_binding *bind;     /* compiled into plan: see engine_rebind */
	size_t nbind;
	engine_binder_fn binder;
	void *binder_arg;
};

void engine_log_diags(const struct diag_list *dl);
/* the current state's plan for rs, in or out of panic mode as now */
struct plan *engine_compile_state(struct engine *e, const struct ruleset *rs,
				  int64_t now, const struct owner_binding *bind,
				  size_t nbind, struct diag_list *diags);
/* the sockets the owner rules of rs apply to now; none without a tracker */
void engine_bind_state(struct engine *e, const struct ruleset *rs,
		       struct owner_binding **v, size_t *n);
/* stores r as added by revision rev; r->id is set */
int engine_put_rule(struct store *s, struct rule *r, int64_t rev);
/* a copy of r with the daemon's bookkeeping (id, origin, times, owner) */
struct rule *engine_dup_rule(const struct rule *r);

#endif
