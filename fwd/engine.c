/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "compile.h"
#include "engine.h"
#include "grammar.h"
#include "log.h"
#include "store.h"
#include "strbuf.h"

/*
 * The built-in default, used whenever nothing better can be trusted: the
 * default rules file is unusable, or the database is. Inbound closed.
 */
static void builtin_default(struct ruleset *rs)
{
	ruleset_clear(rs);
	rs->policy_in = POLICY_DROP;
	rs->policy_out = POLICY_ACCEPT;
}

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

static void log_diags(const struct diag_list *dl)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < dl->n; i++) {
		sb_reset(&sb);
		diag_format(&dl->v[i], &sb);
		while (sb.len && sb.buf[sb.len - 1] == '\n')
			sb.buf[--sb.len] = '\0';
		log_warnx("%s", sb_str(&sb));
	}
	sb_free(&sb);
}

static int load_catalog(const struct fwd_options *o, struct catalog *cat,
			struct diag_list *dl)
{
	int rc = 0;

	catalog_init(cat);
	for (size_t i = 0; i < o->nservices; i++)
		if (catalog_load_dir(cat, o->services[i], dl) < 0)
			rc = -1;
	return rc;
}

static void compile_input_of(struct engine *e, const struct ruleset *rs, bool panic,
			     int64_t now, const struct owner_binding *bind,
			     size_t nbind, struct compile_input *in)
{
	memset(in, 0, sizeof(*in));
	in->table = e->opts->table;
	in->policy_in = rs->policy_in;
	in->policy_out = rs->policy_out;
	in->rules = (const struct rule *const *)rs->rules;
	in->nrules = rs->nrules;
	in->panic = panic;
	in->now = now;
	in->log_group = e->cfg.log_group;
	in->bindings = bind;
	in->nbindings = nbind;
}

static struct plan *compile_panic(struct engine *e, const struct ruleset *rs,
				  bool panic, int64_t now,
				  const struct owner_binding *bind, size_t nbind,
				  struct diag_list *diags)
{
	struct compile_input in;

	compile_input_of(e, rs, panic, now, bind, nbind, &in);
	return plan_compile(&in, diags);
}

static struct plan *compile_state(struct engine *e, const struct ruleset *rs,
				  int64_t now, const struct owner_binding *bind,
				  size_t nbind, struct diag_list *diags)
{
	return compile_panic(e, rs, e->panic, now, bind, nbind, diags);
}

int engine_explain(struct engine *e, const struct ruleset *rs,
		   const struct explain_query *q, struct explain_result *out)
{
	struct compile_input in;

	compile_input_of(e, rs, e->panic, time(NULL), e->bind, e->nbind, &in);
	return explain_packet(&in, q, out);
}

/* the sockets the owner rules of rs apply to now; none without a tracker */
static void bind_state(struct engine *e, const struct ruleset *rs,
		       struct owner_binding **v, size_t *n)
{
	*v = NULL;
	*n = 0;
	if (e->binder && e->binder(e->binder_arg, rs, v, n) < 0)
		log_warnx("listener tracking failed: owner rules match no socket "
			  "until the next scan");
}

static int read_file(const char *path, struct strbuf *sb)
{
	char buf[65536];
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sb_add(sb, buf, n);
	n = ferror(f);
	fclose(f);
	return n ? -1 : 0;
}

/* a whole rule file into rs; -1 with every problem in dl */
static int parse_rule_file(const char *path, const struct catalog *cat,
			   struct ruleset *rs, struct diag_list *dl)
{
	struct strbuf sb = STRBUF_INIT;
	struct parser *p;

	if (read_file(path, &sb) < 0) {
		diag_add(dl, path, 0, 0, 0, NULL, "cannot read: %s", strerror(errno));
		sb_free(&sb);
		return -1;
	}
	p = parser_new(path, cat, 0);
	parser_feed(p, sb.buf ? sb.buf : "", sb.len);
	sb_free(&sb);
	return parser_finish(p, rs, dl);
}

static int put_rule(struct store *s, struct rule *r, int64_t rev)
{
	struct stored_rule sr = {
		.text = rule_format(r, 0),
		.origin = r->origin,
		.created = r->created,
		.expires = r->expires,
		.duration = r->duration,
		.owner = r->owner,
		.added_rev = rev,
	};
	int rc = store_insert_rule(s, &sr, &r->id);

	free(sr.text);
	return rc;
}

static int seed_write(struct engine *e, struct ruleset *rs, int64_t now)
{
	struct strbuf sum = STRBUF_INIT;
	struct revision rv = {
		.time = now, .policy_in = rs->policy_in,
		.policy_out = rs->policy_out, .enabled = true,
	};
	int64_t rev;
	int rc = -1;

	if (store_begin(e->store) < 0)
		return -1;
	sb_printf(&sum, "initial policy from %s", e->opts->default_rules);
	rv.summary = sum.buf;
	if (store_add_revision(e->store, &rv, &rev) < 0)
		goto out;
	for (size_t i = 0; i < rs->nrules; i++) {
		struct rule *r = rs->rules[i];

		r->origin = ORIGIN_DEFAULT;
		r->created = now;
		r->expires = r->duration ? now + (int64_t)r->duration : 0;
		r->owner = 0;
		if (put_rule(e->store, r, rev) < 0)
			goto out;
	}
	if (store_set(e->store, "policy-in", rule_policy_name(rs->policy_in)) < 0 ||
	    store_set(e->store, "policy-out", rule_policy_name(rs->policy_out)) < 0 ||
	    store_set(e->store, "initialized", "1") < 0)
		goto out;
	rc = store_commit(e->store);
out:
	if (rc < 0)
		store_rollback(e->store);
	sb_free(&sum);
	return rc;
}

/* first start: the shipped default policy becomes the stored state */
static int seed_store(struct engine *e, int64_t now)
{
	const char *path = e->opts->default_rules;
	struct diag_list dl = { 0 };
	struct ruleset rs;
	char *v = NULL;
	int rc = store_get(e->store, "initialized", &v);

	free(v);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	ruleset_init(&rs);
	if (parse_rule_file(path, &e->cat, &rs, &dl) < 0) {
		log_diags(&dl);
		log_warnx("first start: %s is unusable; using the built-in default "
			  "(policy in drop, policy out accept, no rules)", path);
		builtin_default(&rs);
	}
	diag_list_free(&dl);
	rc = seed_write(e, &rs, now);
	e->first_start = rc == 0;
	if (rc == 0)
		log_info("first start: initial policy from %s (%zu rules)", path, rs.nrules);
	ruleset_clear(&rs);
	return rc;
}

static int policy_parse(const char *s, enum rule_policy *p)
{
	static const enum rule_policy all[] = { POLICY_ACCEPT, POLICY_DROP, POLICY_REJECT };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (!strcmp(s, rule_policy_name(all[i]))) {
			*p = all[i];
			return 0;
		}
	return -1;
}

static int64_t setting_int(struct engine *e, const char *key)
{
	char *v = NULL;
	int64_t n = 0;

	if (store_get(e->store, key, &v) == 1)
		n = strtoll(v, NULL, 10);
	free(v);
	return n;
}

/* a pending `apply --confirm` survives a restart: re-armed, or done at once */
static void load_confirm(struct engine *e)
{
	e->confirm_rev = setting_int(e, "confirm-rev");
	e->confirm_deadline = setting_int(e, "confirm-deadline");
	e->confirm_secs = setting_int(e, "confirm-secs");
	if (!e->confirm_rev || !e->confirm_deadline)
		e->confirm_rev = e->confirm_deadline = 0;
	else
		log_info("a change applied with --confirm awaits confirmation; without "
			 "it, fwd rolls back to revision %" PRId64 " at %" PRId64,
			 e->confirm_rev, e->confirm_deadline);
}

static int load_settings(struct engine *e)
{
	char *in = NULL, *out = NULL, *en = NULL, *pa = NULL;
	int rc = -1;

	if (store_get(e->store, "policy-in", &in) < 0 ||
	    store_get(e->store, "policy-out", &out) < 0 ||
	    store_get(e->store, "enabled", &en) < 0 ||
	    store_get(e->store, "panic", &pa) < 0)
		goto out;
	load_confirm(e);
	e->panic = pa && !strcmp(pa, "1");
	if (e->panic)
		log_warnx("PANIC MODE is on: only loopback traffic passes "
			  "(fwctl panic off ends it)");
	rc = 0;
	/* an inbound policy that is not a blocking one is never trusted */
	if (in && (policy_parse(in, &e->rs.policy_in) < 0 ||
		   e->rs.policy_in == POLICY_ACCEPT)) {
		log_warnx("stored policy in '%s' is invalid: using drop", in);
		e->rs.policy_in = POLICY_DROP;
	}
	if (out && policy_parse(out, &e->rs.policy_out) < 0) {
		log_warnx("stored policy out '%s' is invalid: using accept", out);
		e->rs.policy_out = POLICY_ACCEPT;
	}
	e->enabled = !en || strcmp(en, "0") != 0;
out:
	free(in);
	free(out);
	free(en);
	free(pa);
	return rc;
}

/*
 * A stored rule that no longer parses (its service left the catalog, its
 * user was deleted) stays out. For an allow that is the closed direction;
 * a block rule left out opens something, so it becomes a visible problem.
 */
static void skip_rule(struct engine *e, const struct stored_rule *sr,
		      const struct diag_list *dl)
{
	const char *why = dl->n ? dl->v[0].msg : "does not parse";
	struct engine_skipped *k;

	e->skipped = xrealloc(e->skipped, (e->nskipped + 1) * sizeof(*e->skipped));
	k = &e->skipped[e->nskipped++];
	k->id = sr->id;
	k->text = xstrdup(sr->text);
	k->origin = sr->origin;
	k->blocks = !strncmp(sr->text, "deny ", 5) || !strncmp(sr->text, "reject ", 7);
	log_warnx("RULE %" PRIu64 " NOT ENFORCED: '%s' no longer parses: %s",
		  sr->id, sr->text, why);
	if (!k->blocks)
		return;
	if (e->rule_problem.len)
		sb_puts(&e->rule_problem, "; ");
	sb_printf(&e->rule_problem, "rule %" PRIu64 " '%s' is not enforced: %s "
		  "(fix the catalog and restart fwd, or delete the rule)", sr->id,
		  sr->text, why);
}

const struct engine_skipped *engine_skipped(const struct engine *e, size_t *n)
{
	*n = e->nskipped;
	return e->skipped;
}

static bool in_ids(const uint64_t *ids, size_t n, uint64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/* after their deletion: the problem names only the block rules left */
static void forget_skipped(struct engine *e, const uint64_t *ids, size_t n)
{
	size_t j = 0, before = e->nskipped;

	for (size_t i = 0; i < e->nskipped; i++) {
		if (in_ids(ids, n, e->skipped[i].id))
			free(e->skipped[i].text);
		else
			e->skipped[j++] = e->skipped[i];
	}
	e->nskipped = j;
	if (j == before)
		return;
	sb_reset(&e->rule_problem);
	for (size_t i = 0; i < e->nskipped; i++)
		if (e->skipped[i].blocks)
			sb_printf(&e->rule_problem, "%srule %" PRIu64 " '%s' is not enforced "
				  "(fix the catalog and restart fwd, or delete the rule)",
				  e->rule_problem.len ? "; " : "", e->skipped[i].id,
				  e->skipped[i].text);
}

static int load_rules(struct engine *e)
{
	struct stored_rule *v = NULL;
	size_t n = 0;

	if (store_load_rules(e->store, &v, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct diag_list dl = { 0 };
		struct rule *r = parse_rule_text(v[i].text, "<database>", &e->cat, 0, &dl);

		if (!r) {
			skip_rule(e, &v[i], &dl);
			diag_list_free(&dl);
			continue;
		}
		r->id = v[i].id;
		r->origin = v[i].origin;
		r->created = v[i].created;
		r->expires = v[i].expires;
		r->duration = v[i].duration;
		r->owner = v[i].owner;
		if (ruleset_append(&e->rs, r) < 0)
			fatalx("out of memory");
	}
	store_free_rules(v, n);
	return 0;
}

/* rules that expired while fwd was stopped end by a revision of their own */
static int expire_stopped(struct engine *e, int64_t now)
{
	struct revision rv = {
		.time = now, .summary = "rules expired while fwd was stopped",
		.policy_in = e->rs.policy_in, .policy_out = e->rs.policy_out,
		.enabled = e->enabled, .panic = e->panic,
	};
	int64_t rev;
	/* a rule is in force through its last second: expires < now is over */
	int n = store_count_expired(e->store, now - 1);

	if (n <= 0)
		return n;
	if (store_begin(e->store) < 0)
		return -1;
	if (store_add_revision(e->store, &rv, &rev) < 0 ||
	    (n = store_remove_expired(e->store, now - 1, rev)) < 0 ||
	    store_commit(e->store) < 0) {
		store_rollback(e->store);
		return -1;
	}
	log_info("revision %" PRId64 ": %d rule(s) expired while fwd was stopped", rev, n);
	return 0;
}

static int load_state(struct engine *e, int64_t now)
{
	if (load_settings(e) < 0 || expire_stopped(e, now) < 0 || load_rules(e) < 0)
		return -1;
	e->revision = store_last_revision(e->store);
	return e->revision < 0 ? -1 : 0;
}

int engine_mkdir_parent(const char *path, mode_t mode)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	int rc = 0;

	if (slash && slash != dir) {
		*slash = '\0';
		if (access(dir, F_OK) < 0) {
			rc = engine_mkdir_parent(dir, 0755);
			if (rc == 0 && mkdir(dir, mode) < 0 && errno != EEXIST)
				rc = -1;
			/* the umask must not narrow a directory others need */
			if (rc == 0 && chmod(dir, mode) < 0)
				rc = -1;
		}
	}
	free(dir);
	return rc;
}

struct engine *engine_new(const struct fwd_options *o)
{
	struct engine *e = xcalloc(1, sizeof(*e));
	struct diag_list dl = { 0 };
	int rc;

	e->opts = o;
	ruleset_init(&e->rs);
	config_defaults(&e->cfg);
	rc = config_load(&e->cfg, o->config_path, !o->config_given, &dl);
	if (rc == 0 && load_catalog(o, &e->cat, &dl) < 0)
		rc = -1;
	if (rc < 0) {
		log_diags(&dl);
		log_warnx("fwd cannot start: fix the errors above");
		diag_list_free(&dl);
		engine_free(e);
		return NULL;
	}
	return e;
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	if (e->nft)
		nft_close(e->nft);      /* the table stays: persist flag */
	if (e->store)
		store_close(e->store);
	plan_free(e->plan);
	free(e->bind);
	ruleset_clear(&e->rs);
	catalog_free(&e->cat);
	config_free(&e->cfg);
	free(e->db_problem);
	sb_free(&e->rule_problem);
	sb_free(&e->compile_problem);
	sb_free(&e->kernel_problem);
	sb_free(&e->write_problem);
	sb_free(&e->status_text);
	for (size_t i = 0; i < e->nskipped; i++)
		free(e->skipped[i].text);
	free(e->skipped);
	free(e);
}

void engine_reload(struct engine *e)
{
	struct catalog cat;
	struct diag_list dl = { 0 };

	if (load_catalog(e->opts, &cat, &dl) < 0) {
		log_diags(&dl);
		log_warnx("SIGHUP: the service catalog has errors; keeping the old one");
		catalog_free(&cat);
	} else {
		catalog_free(&e->cat);
		e->cat = cat;
		log_info("SIGHUP: service catalog reloaded (%zu services)", e->cat.n);
	}
	diag_list_free(&dl);
}

const struct fwd_config *engine_config(const struct engine *e) { return &e->cfg; }
const struct catalog *engine_catalog(const struct engine *e) { return &e->cat; }
const struct ruleset *engine_ruleset(const struct engine *e) { return &e->rs; }
bool engine_panic(const struct engine *e) { return e->panic; }
bool engine_enabled(const struct engine *e) { return e->enabled; }
struct store *engine_store(struct engine *e) { return e->store; }

/* ---- start-up ---- */

static void db_unavailable(struct engine *e, const char *why)
{
	free(e->db_problem);
	e->db_problem = xstrdup(why);
	if (e->store)
		store_close(e->store);
	e->store = NULL;
	builtin_default(&e->rs);
	e->enabled = true;
	log_warnx("DATABASE UNAVAILABLE: %s", why);
	log_warnx("fwd keeps the host closed with the built-in default policy "
		  "(policy in drop, policy out accept, no rules) and refuses every "
		  "change until the database is repaired or moved away");
}

/*
 * A database that is damaged (not SQLite, corrupt, empty) is moved aside,
 * with its WAL, and kept for inspection: this start runs closed on the
 * built-in default and says so, and the next start begins afresh instead of
 * tripping over the same file. Anything else (a newer schema, someone
 * else's database, a permission problem) is left exactly where it is.
 */
static void move_aside(const char *path, const char *err, struct strbuf *why)
{
	static const char *const damaged[] = { "not an SQLite database",
		"database is corrupt", "is empty (0 bytes)" };
	char dst[4096], from[4200], to[4200];
	time_t t = time(NULL);
	struct tm tm;
	bool bad = false;

	for (size_t i = 0; i < sizeof(damaged) / sizeof(damaged[0]); i++)
		bad |= strstr(err, damaged[i]) != NULL;
	if (!bad)
		return;
	gmtime_r(&t, &tm);
	snprintf(dst, sizeof(dst), "%s.corrupt-%04d%02d%02dT%02d%02d%02dZ", path,
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		 tm.tm_sec);
	if (rename(path, dst) < 0) {
		sb_printf(why, "; could not move it aside: %s", strerror(errno));
		return;
	}
	for (int i = 0; i < 2; i++) {
		snprintf(from, sizeof(from), "%s%s", path, i ? "-shm" : "-wal");
		snprintf(to, sizeof(to), "%s%s", dst, i ? "-shm" : "-wal");
		if (rename(from, to) < 0 && errno != ENOENT)
			log_warn("moving %s aside", from);
	}
	sb_printf(why, "; moved aside to %s (the next start begins with a new "
		  "database)", dst);
}

static void open_store(struct engine *e)
{
	const char *path = e->opts->db_path;
	char err[512];
	struct strbuf why = STRBUF_INIT;

	if (engine_mkdir_parent(path, 0700) < 0)
		log_warn("cannot create the directory of %s", path);
	e->store = store_open(path, err, sizeof(err));
	if (!e->store) {
		if (!strstr(err, path))
			sb_printf(&why, "%s: ", path);
		sb_puts(&why, err);
		move_aside(path, err, &why);
		db_unavailable(e, sb_str(&why));
	}
	sb_free(&why);
}

/* the kernel's boot id: it changes with every boot, not with a namespace */
static void boot_id(char *buf, size_t len)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	buf[0] = 0;
	if (f && fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = 0;
	if (f)
		fclose(f);
}

/*
 * A missing table is new after a reboot (the kernel forgot it), not a sign
 * of tampering: the boot id of the last start tells the two apart. Records
 * this boot's id for the next start.
 */
static bool rebooted_since_last_start(struct engine *e)
{
	char now[64], *last = NULL;
	bool rebooted;

	boot_id(now, sizeof(now));
	rebooted = store_get(e->store, "boot-id", &last) != 1 || !*now ||
		   strcmp(last, now) != 0;
	free(last);
	if (*now && store_set(e->store, "boot-id", now) < 0)
		log_warnx("cannot record the boot id: %s", store_errmsg(e->store));
	return rebooted;
}

/*
 * A table that differs from the stored rules at start was changed while no
 * fwd owned it (after a kill -9, nobody holds the owner flag): say so.
 * A missing table on a first start, or the first start after a reboot, is
 * simply new.
 */
static void report_found_table(struct engine *e)
{
	const char *found = nft_last_found(e->nft);
	bool missing = strcmp(found, "missing") == 0;
	bool rebooted = e->store && rebooted_since_last_start(e);

	/* without the stored rules there is nothing to compare the table with */
	if (!*found || !e->store || (missing && (e->first_start || rebooted)))
		return;
	sb_reset(&e->kernel_problem);
	sb_printf(&e->kernel_problem, "at start fwd's table inet %s %s%s; fwd restored "
		  "its rule set", e->opts->table, strcmp(found, "missing") ? "differed "
		  "from the stored rules: " : "was ", found);
	log_warnx("%s (changed while no fwd owned it?)", sb_str(&e->kernel_problem));
}

/*
 * The state in the kernel at start: a full resync in one batch, adopting
 * the table a previous fwd left behind. Stored rules that do not compile
 * leave the host with the stored policies and no rules -- closed.
 */
static int kernel_start(struct engine *e, int64_t now)
{
	struct diag_list dl = { 0 };
	struct nft_error ne = { 0 };
	struct ruleset empty;
	char err[256];

	e->nft = nft_open(e->opts->table, err, sizeof(err));
	if (!e->nft) {
		log_warnx("cannot open netlink to nf_tables: %s", err);
		return -1;
	}
	bind_state(e, &e->rs, &e->bind, &e->nbind);
	e->plan = compile_state(e, &e->rs, now, e->bind, e->nbind, &dl);
	if (!e->plan) {
		free(e->bind);
		e->bind = NULL;
		e->nbind = 0;
		log_diags(&dl);
		sb_printf(&e->compile_problem, "%zu stored rule(s) cannot be enforced; "
			  "no rules are in force until the next successful change", dl.n);
		log_warnx("%s", sb_str(&e->compile_problem));
		ruleset_init(&empty);
		empty.policy_in = e->rs.policy_in;
		empty.policy_out = e->rs.policy_out;
		e->plan = compile_state(e, &empty, now, NULL, 0, &dl);
		ruleset_clear(&empty);
	}
	diag_list_free(&dl);
	if (!e->plan) {
		log_warnx("cannot compile even the built-in default policy");
		return -1;
	}
	if (!e->enabled) {
		/* disabled by the admin: make sure no old table lingers */
		if (nft_table_exists(e->nft) == 1 && nft_delete_table(e->nft, &ne) < 0) {
			log_warnx("cannot delete table %s: %s", e->opts->table, ne.msg);
			return -1;
		}
		log_info("fwd is disabled: no table in the kernel");
		return 0;
	}
	if (nft_apply(e->nft, NULL, e->plan, &ne) < 0) {
		log_warnx("the kernel refused the ruleset: %s", ne.msg);
		return -1;
	}
	report_found_table(e);
	return 0;
}

int engine_start(struct engine *e)
{
	int64_t now = time(NULL);
	struct strbuf why = STRBUF_INIT;

	open_store(e);
	if (e->store && (seed_store(e, now) < 0 || load_state(e, now) < 0)) {
		sb_printf(&why, "%s: %s", e->opts->db_path, store_errmsg(e->store));
		db_unavailable(e, sb_str(&why));
	}
	sb_free(&why);
	if (kernel_start(e, now) < 0)
		return -1;
	log_info("fwd %s: table inet %s, policy in %s, policy out %s, %zu rules%s",
		 FWD_VERSION, e->opts->table, rule_policy_name(e->rs.policy_in),
		 rule_policy_name(e->rs.policy_out), e->rs.nrules,
		 e->enabled ? "" : " (disabled)");
	return 0;
}

/* ---- the one change path ---- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* rules of the current state that the new one no longer has */
static int store_deletions(struct engine *e, const struct ruleset *next, int64_t rev)
{
	uint64_t *ids = xcalloc(next->nrules + 1, sizeof(*ids));
	size_t n = 0;
	int rc = 0;

	bool sorted = true;

	for (size_t i = 0; i < next->nrules; i++)
		if (next->rules[i]->id) {
			sorted = sorted && (!n || ids[n - 1] < next->rules[i]->id);
			ids[n++] = next->rules[i]->id;
		}
	/* rules are kept in id order: a sort only when they are not */
	if (!sorted)
		qsort(ids, n, sizeof(*ids), cmp_u64);
	for (size_t i = 0, j = 0; i < e->rs.nrules && rc == 0; i++) {
		uint64_t id = e->rs.rules[i]->id;
		bool kept;

		/* a merge walk while the current rules are in order too */
		while (j < n && ids[j] < id)
			j++;
		kept = (j < n && ids[j] == id) ||
		       bsearch(&id, ids, n, sizeof(*ids), cmp_u64) != NULL;
		if (!kept && store_remove_rule(e->store, id, rev) < 0)
			rc = -1;
	}
	free(ids);
	return rc;
}

static bool change_panic(const struct engine *e, const struct engine_change *c)
{
	return c->panic == ENGINE_KEEP ? e->panic : c->panic == ENGINE_ON;
}

static int set_int(struct store *s, const char *key, int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return store_set(s, key, buf);
}

/*
 * A pending confirm is stored with the change that starts it, and ends
 * with the rollback (or engine_confirm), so a restart finds it.
 */
static int store_confirm(struct engine *e, const struct engine_change *c)
{
	if (c->confirm_secs > 0)
		return set_int(e->store, "confirm-rev", e->revision) < 0 ||
		       set_int(e->store, "confirm-deadline", c->now + c->confirm_secs) < 0 ||
		       set_int(e->store, "confirm-secs", c->confirm_secs) < 0 ? -1 : 0;
	if (c->confirm_clear && e->confirm_deadline)
		return store_unset(e->store, "confirm-rev") < 0 ||
		       store_unset(e->store, "confirm-deadline") < 0 ||
		       store_unset(e->store, "confirm-secs") < 0 ? -1 : 0;
	return 0;
}

static int store_settings(struct engine *e, const struct engine_change *c)
{
	const struct ruleset *n = &c->next;

	if (change_panic(e, c) != e->panic &&
	    store_set(e->store, "panic", change_panic(e, c) ? "1" : "0") < 0)
		return -1;
	if (n->policy_in != e->rs.policy_in &&
	    store_set(e->store, "policy-in", rule_policy_name(n->policy_in)) < 0)
		return -1;
	if (n->policy_out != e->rs.policy_out &&
	    store_set(e->store, "policy-out", rule_policy_name(n->policy_out)) < 0)
		return -1;
	if (c->enabled != e->enabled &&
	    store_set(e->store, "enabled", c->enabled ? "1" : "0") < 0)
		return -1;
	return 0;
}

/*
 * Every database write of a change, inside the caller's transaction: the
 * revision row first, since the rules it adds and removes carry its number.
 */
static int store_change(struct engine *e, struct engine_change *c, int64_t *rev)
{
	struct revision rv = {
		.time = c->now, .uid = c->uid, .summary = (char *)c->summary,
		.policy_in = c->next.policy_in, .policy_out = c->next.policy_out,
		.enabled = c->enabled, .panic = change_panic(e, c),
	};

	if (store_add_revision(e->store, &rv, rev) < 0 ||
	    store_deletions(e, &c->next, *rev) < 0)
		return -1;
	for (size_t i = 0; i < c->ndrop_skipped; i++)
		if (store_remove_rule(e->store, c->drop_skipped[i], *rev) < 0)
			return -1;
	for (size_t i = 0; i < c->next.nrules; i++) {
		struct rule *r = c->next.rules[i];

		if (r->id)
			continue;
		r->created = c->now;
		r->expires = r->duration ? c->now + (int64_t)r->duration : 0;
		r->owner = c->uid;
		if (put_rule(e->store, r, *rev) < 0)
			return -1;
	}
	return store_settings(e, c) < 0 || store_confirm(e, c) < 0 ? -1 : 0;
}

/* moves the kernel from one state to another; -1 leaves it unchanged */
static int kernel_switch(struct engine *e, bool from_on, const struct plan *from,
			 bool to_on, const struct plan *to, struct nft_error *ne)
{
	if (!to_on)
		return from_on ? nft_delete_table(e->nft, ne) : 0;
	if (nft_apply(e->nft, from_on ? from : NULL, to, ne) == 0)
		return 0;
	if (!from_on)
		return -1;
	/*
	 * An incremental batch can fail when the kernel already dropped a
	 * timed-out element; a full resync is still one atomic batch.
	 */
	log_debug("incremental update refused (%s); resyncing the table", ne->msg);
	return nft_apply(e->nft, NULL, to, ne);
}

/*
 * A delta change (engine_apply_delta) builds next from the current rule
 * pointers instead of copies: then only the removed rules are freed here,
 * and on failure only the added ones.
 */
struct delta {
	uint64_t *removed;              /* sorted */
	size_t nremoved;
	struct rule **added;
	size_t nadded;
};

static void release_old(struct engine *e, const struct delta *d)
{
	if (!d) {
		ruleset_clear(&e->rs);
		return;
	}
	for (size_t i = 0; i < e->rs.nrules; i++)
		if (bsearch(&e->rs.rules[i]->id, d->removed, d->nremoved,
			    sizeof(*d->removed), cmp_u64))
			rule_free(e->rs.rules[i]);
	free(e->rs.rules);
	ruleset_init(&e->rs);
}

static void release_next(struct engine_change *c, const struct delta *d)
{
	if (!d) {
		ruleset_clear(&c->next);
		return;
	}
	for (size_t i = 0; i < d->nadded; i++)
		rule_free(d->added[i]);
	free(c->next.rules);
	ruleset_init(&c->next);
}

static void change_done(struct engine *e, struct engine_change *c,
			struct plan *plan, int64_t rev, const struct delta *d)
{
	release_old(e, d);
	e->rs = c->next;
	ruleset_init(&c->next);
	plan_free(e->plan);
	e->plan = plan;
	e->enabled = c->enabled;
	e->panic = change_panic(e, c);
	if (c->confirm_clear)
		e->confirm_rev = e->confirm_deadline = e->confirm_secs = 0;
	if (c->confirm_secs > 0) {
		e->confirm_rev = e->revision;
		e->confirm_deadline = c->now + c->confirm_secs;
		e->confirm_secs = c->confirm_secs;
	}
	e->revision = rev;
	forget_skipped(e, c->drop_skipped, c->ndrop_skipped);
	sb_reset(&e->compile_problem);
	sb_reset(&e->write_problem);
	log_info("revision %" PRId64 " by uid %u: %s", rev, (unsigned)c->uid, c->summary);
}

/*
 * Shown by status until a change is stored again: a full disk or a file
 * removed under fwd refuses every change, and the admin must see why.
 */
static void write_failed(struct engine *e)
{
	sb_reset(&e->write_problem);
	sb_printf(&e->write_problem, "the database refused the last change (%s): "
		  "changes fail until that is fixed; the rules committed before stay "
		  "in force", store_errmsg(e->store));
}

static int apply_change(struct engine *e, struct engine_change *c,
			struct engine_result *r, const struct delta *d)
{
	struct nft_error ne = { 0 };
	struct plan *plan = NULL;
	struct owner_binding *bind = NULL;
	size_t nbind = 0;
	int64_t rev = 0;

	memset(r, 0, sizeof(*r));
	if (!e->store) {
		snprintf(r->msg, sizeof(r->msg), "database unavailable: %s; fwd keeps the "
			 "host closed with the built-in default policy", e->db_problem);
		goto fail;
	}
	if (store_begin(e->store) < 0) {
		snprintf(r->msg, sizeof(r->msg), "database error: %s", store_errmsg(e->store));
		write_failed(e);
		goto fail;
	}
	if (store_change(e, c, &rev) < 0) {
		snprintf(r->msg, sizeof(r->msg), "database error: %s; nothing changed",
			 store_errmsg(e->store));
		write_failed(e);
		goto rollback;
	}
	/* after store_change: new rules have the ids bindings name */
	bind_state(e, &c->next, &bind, &nbind);
	plan = compile_panic(e, &c->next, change_panic(e, c), c->now, bind, nbind,
			     &r->diags);
	if (!plan) {
		snprintf(r->msg, sizeof(r->msg), "fwd cannot enforce %s; nothing changed",
			 r->diags.n == 1 ? "this rule" : "these rules");
		goto rollback;
	}
	if (kernel_switch(e, e->enabled, e->plan, c->enabled, plan, &ne) < 0) {
		snprintf(r->msg, sizeof(r->msg), "the kernel refused the change: %s; "
			 "nothing changed", ne.msg);
		goto rollback;
	}
	if (store_commit(e->store) < 0) {
		snprintf(r->msg, sizeof(r->msg), "database commit failed: %s; the change "
			 "was undone", store_errmsg(e->store));
		write_failed(e);
		if (kernel_switch(e, c->enabled, plan, e->enabled, e->plan, &ne) < 0)
			log_warnx("CANNOT UNDO a change in the kernel after a failed "
				  "commit: %s", ne.msg);
		goto rollback;
	}
	change_done(e, c, plan, rev, d);
	free(e->bind);
	e->bind = bind;
	e->nbind = nbind;
	r->revision = rev;
	return 0;
rollback:
	store_rollback(e->store);
fail:
	free(bind);
	plan_free(plan);
	release_next(c, d);
	return -1;
}

int engine_apply_change(struct engine *e, struct engine_change *c,
			struct engine_result *r)
{
	return apply_change(e, c, r, NULL);
}

int engine_apply_delta(struct engine *e, struct engine_change *c,
		       struct rule **add, size_t nadd,
		       const uint64_t *remove, size_t nremove,
		       struct engine_result *r)
{
	struct delta d = { .added = add, .nadded = nadd, .nremoved = nremove };
	int rc;

	d.removed = xcalloc(nremove + 1, sizeof(*d.removed));
	if (nremove)
		memcpy(d.removed, remove, nremove * sizeof(*remove));
	qsort(d.removed, nremove, sizeof(*d.removed), cmp_u64);
	ruleset_clear(&c->next);
	c->next.policy_in = e->rs.policy_in;
	c->next.policy_out = e->rs.policy_out;
	c->next.rules = xcalloc(e->rs.nrules + nadd + 1, sizeof(*c->next.rules));
	for (size_t i = 0; i < e->rs.nrules; i++)
		if (!bsearch(&e->rs.rules[i]->id, d.removed, nremove,
			     sizeof(*d.removed), cmp_u64))
			c->next.rules[c->next.nrules++] = e->rs.rules[i];
	for (size_t i = 0; i < nadd; i++)
		c->next.rules[c->next.nrules++] = add[i];
	rc = apply_change(e, c, r, &d);
	free(d.removed);
	return rc;
}

void engine_set_binder(struct engine *e, engine_binder_fn fn, void *arg)
{
	e->binder = fn;
	e->binder_arg = arg;
}

const struct owner_binding *engine_bindings(const struct engine *e, size_t *n)
{
	*n = e->nbind;
	return e->bind;
}

/*
 * Listener changes are runtime state, not a change of policy: no database
 * write, no revision, and in the kernel an element delta (nft_apply finds
 * that only elements differ). A failure keeps the old bindings in force.
 */
int engine_rebind(struct engine *e, struct owner_binding *v, size_t n,
		  char *err, size_t errlen)
{
	struct diag_list dl = { 0 };
	struct nft_error ne = { 0 };
	struct plan *plan = compile_state(e, &e->rs, time(NULL), v, n, &dl);

	if (!plan) {
		snprintf(err, errlen, "%s", dl.n ? dl.v[0].msg : "does not compile");
		diag_list_free(&dl);
		free(v);
		return -1;
	}
	if (e->enabled && kernel_switch(e, true, e->plan, true, plan, &ne) < 0) {
		snprintf(err, errlen, "the kernel refused it: %s", ne.msg);
		plan_free(plan);
		free(v);
		return -1;
	}
	plan_free(e->plan);
	e->plan = plan;
	free(e->bind);
	e->bind = v;
	e->nbind = n;
	return 0;
}

void engine_result_free(struct engine_result *r)
{
	diag_list_free(&r->diags);
}

/* ---- views of the state ---- */

struct counter_sums {
	uint64_t drops_in, rejects_in, drops_out;
};

static void sum_tags(void *arg, uint64_t rule_id, const char *tag,
		     uint64_t packets, uint64_t bytes)
{
	struct counter_sums *s = arg;

	if (rule_id || !tag)
		return;
	if (!strcmp(tag, "drop-in"))
		s->drops_in += packets;
	else if (!strcmp(tag, "reject-in"))
		s->rejects_in += packets;
	else if (!strcmp(tag, "drop-out") || !strcmp(tag, "reject-out"))
		s->drops_out += packets;
}

int engine_read_counters(struct engine *e, nft_counter_cb cb, void *arg)
{
	if (!e->enabled || !e->nft)
		return 0;
	return nft_read_counters(e->nft, cb, arg);
}

static void join_problem(struct strbuf *sb, const char *s)
{
	if (!s || !*s)
		return;
	if (sb->len)
		sb_puts(sb, "; ");
	sb_puts(sb, s);
}

void engine_status(struct engine *e, struct engine_status *st)
{
	struct counter_sums sums = { 0 };

	if (e->enabled && e->nft && nft_read_tag_counters(e->nft, sum_tags, &sums) < 0)
		log_warnx("cannot read counters of table %s", e->opts->table);
	sb_reset(&e->status_text);
	join_problem(&e->status_text, e->db_problem);
	join_problem(&e->status_text, sb_str(&e->rule_problem));
	join_problem(&e->status_text, sb_str(&e->compile_problem));
	join_problem(&e->status_text, sb_str(&e->kernel_problem));
	join_problem(&e->status_text, sb_str(&e->write_problem));
	memset(st, 0, sizeof(*st));
	st->enabled = e->enabled;
	st->panic = e->panic;
	st->policy_in = e->rs.policy_in;
	st->policy_out = e->rs.policy_out;
	st->nrules = e->rs.nrules;
	st->revision = e->revision;
	st->table = e->opts->table;
	st->database = e->db_problem ? e->db_problem : "ok";
	st->problem = sb_str(&e->status_text);
	st->drops_in = sums.drops_in;
	st->rejects_in = sums.rejects_in;
	st->drops_out = sums.drops_out;
}

static struct rule *dup_rule(const struct rule *r)
{
	struct rule *d = rule_dup(r);

	/* the bookkeeping is the daemon's: carry it over explicitly */
	d->id = r->id;
	d->origin = r->origin;
	d->created = r->created;
	d->expires = r->expires;
	d->duration = r->duration;
	d->owner = r->owner;
	return d;
}

void engine_copy_state(const struct engine *e, struct ruleset *out)
{
	ruleset_init(out);
	out->policy_in = e->rs.policy_in;
	out->policy_out = e->rs.policy_out;
	for (size_t i = 0; i < e->rs.nrules; i++)
		if (ruleset_append(out, dup_rule(e->rs.rules[i])) < 0)
			fatalx("out of memory");
}

int engine_validate(struct engine *e, const struct ruleset *rs,
		    struct diag_list *diags)
{
	struct plan *p = compile_state(e, rs, time(NULL), NULL, 0, diags);

	if (!p)
		return -1;
	plan_free(p);
	return 0;
}

int64_t engine_remaining(const struct rule *r, int64_t now)
{
	if (!r->expires)
		return 0;
	/* not yet reaped: still temporary, never "permanent" */
	return r->expires > now ? r->expires - now : 1;
}

char *engine_export_text(const struct ruleset *rs, int64_t now, bool all_origins)
{
	struct strbuf sb = STRBUF_INIT;

	sb_printf(&sb, "%s\n%s\n", rule_policy_line(RULE_IN, rs->policy_in),
		  rule_policy_line(RULE_OUT, rs->policy_out));
	for (size_t i = 0; i < rs->nrules; i++) {
		const struct rule *r = rs->rules[i];
		char *t;

		if (!all_origins && r->origin == ORIGIN_PROMPT)
			continue;
		t = rule_format(r, r->id ? (uint64_t)engine_remaining(r, now) : r->duration);
		sb_printf(&sb, "%s\n", t);
		free(t);
	}
	return sb_steal(&sb);
}

/* ---- temporary rules ---- */

int64_t engine_next_expiry(const struct engine *e)
{
	int64_t t = 0;

	if (!e->store)
		return 0;
	for (size_t i = 0; i < e->rs.nrules; i++) {
		int64_t x = e->rs.rules[i]->expires;

		if (x && (!t || x < t))
			t = x;
	}
	/*
	 * Times are whole seconds and a rule added at X.6 gets X + duration:
	 * it is deleted when that second is over, so it lives at least as long
	 * as asked (the kernel's element timeout, from the same numbers, ends
	 * it in the table at the exact time).
	 */
	if (t)
		t++;
	if (t && t < e->expiry_retry)
		t = e->expiry_retry;
	if (e->confirm_deadline && (!t || e->confirm_deadline < t))
		t = e->confirm_deadline;
	return t;
}

/* the deadline of `apply --confirm` passed: back to where it started */
static void expire_confirm(struct engine *e, int64_t now)
{
	struct engine_result res;
	struct strbuf sum = STRBUF_INIT;
	int rc;

	sb_printf(&sum, "rollback: not confirmed within %" PRId64 " s", e->confirm_secs);
	rc = engine_rollback(e, e->confirm_rev, 0, now, sb_str(&sum), &res);
	if (rc == 0) {
		log_warnx("the change applied with --confirm was not confirmed in time: "
			  "rolled back to revision %" PRId64 " (now revision %" PRId64 ")",
			  e->revision, res.revision);
	} else if (rc == -2) {
		log_warnx("cannot roll back an unconfirmed change: %s", res.msg);
		engine_confirm(e);
	} else {
		log_warnx("cannot roll back an unconfirmed change: %s; retrying in 10 s",
			  res.msg);
		log_diags(&res.diags);
		e->confirm_deadline = now + 10;
	}
	engine_result_free(&res);
	sb_free(&sum);
}

void engine_expire(struct engine *e, int64_t now)
{
	struct engine_change c = { .enabled = e->enabled, .uid = 0, .now = now };
	struct engine_result res;
	struct strbuf ids = STRBUF_INIT, sum = STRBUF_INIT;
	uint64_t *gone = NULL;
	size_t n = 0;

	if (e->confirm_deadline && now >= e->confirm_deadline)
		expire_confirm(e, now);
	ruleset_init(&c.next);
	for (size_t i = 0; i < e->rs.nrules; i++) {
		const struct rule *r = e->rs.rules[i];

		if (!r->expires || r->expires >= now)
			continue;
		gone = xrealloc(gone, (n + 1) * sizeof(*gone));
		gone[n] = r->id;
		sb_printf(&ids, "%s%" PRIu64, n++ ? ", " : "", r->id);
	}
	sb_printf(&sum, "expired rule%s %s", n == 1 ? "" : "s", sb_str(&ids));
	c.summary = sb_str(&sum);
	if (n && engine_apply_delta(e, &c, NULL, 0, gone, n, &res) < 0) {
		log_warnx("cannot delete %s: %s; retrying in 10 s", sb_str(&ids), res.msg);
		log_diags(&res.diags);
		e->expiry_retry = now + 10;
	}
	if (n)
		engine_result_free(&res);
	free(gone);
	sb_free(&ids);
	sb_free(&sum);
}

/* ---- rollback and confirm ---- */

struct id_index {
	uint64_t id;
	size_t idx;
};

static int cmp_id_index(const void *a, const void *b)
{
	uint64_t x = ((const struct id_index *)a)->id, y = ((const struct id_index *)b)->id;

	return x < y ? -1 : x > y;
}

static const struct rule *current_rule(const struct engine *e, const struct id_index *ix,
				       uint64_t id)
{
	struct id_index key = { .id = id }, *hit;

	hit = bsearch(&key, ix, e->rs.nrules, sizeof(*ix), cmp_id_index);
	return hit ? e->rs.rules[hit->idx] : NULL;
}

/* a rule of an old revision that is no longer in force comes back as a new one */
static struct rule *revive(struct engine *e, const struct stored_rule *sr, int64_t rev)
{
	struct diag_list dl = { 0 };
	struct rule *r = parse_rule_text(sr->text, "<revision>", &e->cat, 0, &dl);

	if (!r) {
		log_warnx("rollback to revision %" PRId64 ": rule %" PRIu64 " '%s' no "
			  "longer parses (%s); left out", rev, sr->id, sr->text,
			  dl.n ? dl.v[0].msg : "?");
	} else {
		r->id = 0;
		r->origin = sr->origin;
		r->duration = sr->duration;
	}
	diag_list_free(&dl);
	return r;
}

static void append(struct ruleset *rs, struct rule *r)
{
	if (r && ruleset_append(rs, r) < 0)
		fatalx("out of memory");
}

/* the admin and default rules of a revision whose rules are rows */
static int rules_of(struct engine *e, int64_t rev, int64_t now, struct ruleset *next)
{
	struct id_index *ix = xcalloc(e->rs.nrules + 1, sizeof(*ix));
	struct stored_rule *v = NULL;
	size_t n = 0;

	if (store_rules_at(e->store, rev, &v, &n) < 0) {
		free(ix);
		return -1;
	}
	for (size_t i = 0; i < e->rs.nrules; i++)
		ix[i] = (struct id_index){ .id = e->rs.rules[i]->id, .idx = i };
	qsort(ix, e->rs.nrules, sizeof(*ix), cmp_id_index);
	for (size_t i = 0; i < n; i++) {
		const struct rule *cur = current_rule(e, ix, v[i].id);

		if (v[i].origin == ORIGIN_PROMPT)
			continue;
		if (cur)
			append(next, dup_rule(cur));
		else if (!v[i].expires || v[i].expires > now)
			append(next, revive(e, &v[i], rev));
	}
	store_free_rules(v, n);
	free(ix);
	return 0;
}

static bool has_id(const struct ruleset *rs, uint64_t id)
{
	for (size_t i = 0; i < rs->nrules; i++)
		if (rs->rules[i]->id == id)
			return true;
	return false;
}

/*
 * A revision from before schema 3 has its admin rule set as text: current
 * rules with the same text keep their ids, the others come back as new.
 */
static int legacy_rules_of(struct engine *e, const char *text, struct ruleset *next)
{
	struct diag_list dl = { 0 };
	struct parser *p = parser_new("<revision>", &e->cat, 0);
	struct ruleset file;
	int rc;

	ruleset_init(&file);
	parser_feed(p, text, strlen(text));
	rc = parser_finish(p, &file, &dl);
	if (rc < 0)
		log_diags(&dl);
	for (size_t i = 0; rc == 0 && i < file.nrules; i++) {
		struct rule *r = file.rules[i];
		char *t = rule_format(r, 0);
		bool kept = false;

		for (size_t j = 0; j < e->rs.nrules && !kept; j++) {
			const struct rule *cur = e->rs.rules[j];
			char *u;

			if (cur->origin == ORIGIN_PROMPT || cur->expires || r->duration)
				continue;
			u = rule_format(cur, 0);
			if (!strcmp(t, u) && !has_id(next, cur->id)) {
				append(next, dup_rule(cur));
				kept = true;
			}
			free(u);
		}
		if (!kept) {
			struct rule *d = rule_dup(r);

			d->id = 0;
			d->origin = ORIGIN_ADMIN;
			append(next, d);
		}
		free(t);
	}
	diag_list_free(&dl);
	ruleset_clear(&file);
	return rc;
}

static int cmp_rule_id(const void *a, const void *b)
{
	uint64_t x = (*(struct rule *const *)a)->id, y = (*(struct rule *const *)b)->id;

	return x < y ? -1 : x > y;
}

/* kept rules by id, as they load from the store; the revived ones after, in order */
static void order_rules(struct ruleset *rs)
{
	struct rule **fresh = xcalloc(rs->nrules + 1, sizeof(*fresh));
	size_t k = 0, nf = 0;

	for (size_t i = 0; i < rs->nrules; i++) {
		if (rs->rules[i]->id)
			rs->rules[k++] = rs->rules[i];
		else
			fresh[nf++] = rs->rules[i];
	}
	qsort(rs->rules, k, sizeof(*rs->rules), cmp_rule_id);
	memcpy(rs->rules + k, fresh, nf * sizeof(*fresh));
	free(fresh);
}

int engine_rollback(struct engine *e, int64_t rev, uid_t uid, int64_t now,
		    const char *summary, struct engine_result *r)
{
	struct engine_change c = {
		.enabled = e->enabled, .uid = uid, .now = now, .summary = summary,
		.confirm_clear = true,
	};
	struct revision rv;
	int rc;

	memset(r, 0, sizeof(*r));
	if (!e->store) {
		snprintf(r->msg, sizeof(r->msg), "database unavailable: %s", e->db_problem);
		return -1;
	}
	rc = store_get_revision(e->store, rev, &rv);
	if (rc < 0) {
		snprintf(r->msg, sizeof(r->msg), "database error: %s", store_errmsg(e->store));
		return -1;
	}
	if (rc == 0) {
		snprintf(r->msg, sizeof(r->msg), "no revision %" PRId64 " (see fwctl "
			 "history)", rev);
		return -2;
	}
	ruleset_init(&c.next);
	c.next.policy_in = rv.policy_in;
	c.next.policy_out = rv.policy_out;
	/* prompt rules are users' answers, not part of a rule set: kept as now */
	for (size_t i = 0; i < e->rs.nrules; i++)
		if (e->rs.rules[i]->origin == ORIGIN_PROMPT)
			append(&c.next, dup_rule(e->rs.rules[i]));
	rc = rv.legacy ? legacy_rules_of(e, rv.legacy, &c.next)
		       : rules_of(e, rev, now, &c.next);
	store_revision_clear(&rv);
	if (rc < 0) {
		snprintf(r->msg, sizeof(r->msg), "cannot read revision %" PRId64 ": %s",
			 rev, store_errmsg(e->store));
		ruleset_clear(&c.next);
		return -1;
	}
	if (c.next.nrules)
		order_rules(&c.next);
	return engine_apply_change(e, &c, r);
}

int64_t engine_confirm_pending(const struct engine *e, int64_t *deadline)
{
	if (deadline)
		*deadline = e->confirm_deadline;
	return e->confirm_deadline ? e->confirm_rev : 0;
}

int engine_confirm(struct engine *e)
{
	if (!e->confirm_deadline)
		return 0;
	if (!e->store || store_begin(e->store) < 0)
		return -1;
	if (store_unset(e->store, "confirm-rev") < 0 ||
	    store_unset(e->store, "confirm-deadline") < 0 ||
	    store_unset(e->store, "confirm-secs") < 0 || store_commit(e->store) < 0) {
		store_rollback(e->store);
		return -1;
	}
	e->confirm_rev = e->confirm_deadline = e->confirm_secs = 0;
	return 1;
}

/* ---- fwd --check ---- */

static void print_diags(const struct diag_list *dl)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < dl->n; i++)
		diag_format(&dl->v[i], &sb);
	fputs(sb_str(&sb), stderr);
	sb_free(&sb);
}

/* the stored rules as the daemon would load them; problems counted */
static int check_database(struct engine *e)
{
	const char *path = e->opts->db_path;
	struct diag_list dl = { 0 };
	struct plan *plan;
	char err[512];
	int bad = 0;

	if (access(path, F_OK) < 0 && errno == ENOENT) {
		printf("%s does not exist yet: fwd creates it on first start\n", path);
		return 0;
	}
	e->store = store_open(path, err, sizeof(err));
	if (!e->store) {
		if (strstr(err, path))
			fprintf(stderr, "error: %s\n", err);
		else
			fprintf(stderr, "%s: error: %s\n", path, err);
		return 1;
	}
	if (load_settings(e) < 0 || load_rules(e) < 0) {
		fprintf(stderr, "%s: error: %s\n", path, store_errmsg(e->store));
		return 1;
	}
	bad = e->nskipped > 0;
	plan = compile_state(e, &e->rs, time(NULL), NULL, 0, &dl);
	if (!plan)
		bad = 1;
	plan_free(plan);
	print_diags(&dl);
	diag_list_free(&dl);
	if (!bad)
		printf("%s: %zu rules, policy in %s, policy out %s\n", path, e->rs.nrules,
		       rule_policy_name(e->rs.policy_in), rule_policy_name(e->rs.policy_out));
	return bad;
}

int engine_check(const struct fwd_options *o)
{
	struct engine *e = xcalloc(1, sizeof(*e));
	struct diag_list dl = { 0 };
	struct ruleset rs;
	struct plan *p;
	int bad = 0;

	e->opts = o;
	ruleset_init(&e->rs);
	ruleset_init(&rs);
	config_defaults(&e->cfg);
	bad |= config_load(&e->cfg, o->config_path, !o->config_given, &dl) < 0;
	bad |= load_catalog(o, &e->cat, &dl) < 0;
	if (parse_rule_file(o->default_rules, &e->cat, &rs, &dl) < 0) {
		bad = 1;
	} else if (!(p = compile_state(e, &rs, time(NULL), NULL, 0, &dl))) {
		bad = 1;
	} else {
		plan_free(p);
	}
	print_diags(&dl);
	diag_list_free(&dl);
	ruleset_clear(&rs);
	bad |= check_database(e);
	fflush(stderr);
	printf("fwd --check: %s\n", bad ? "problems found (see above)" : "ok");
	engine_free(e);
	return bad ? 1 : 0;
}
