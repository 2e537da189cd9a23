/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The engine's start: the built-in default, seeding the store on first
 * start, loading the stored settings and rules, opening (or moving aside)
 * the database, and the first kernel batch. Also `fwd --check`, which
 * loads the same way without touching the kernel.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "compile.h"
#include "engine_internal.h"
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

/* a whole rule file into rs; -1 with every problem in dl */
static int parse_rule_file(const char *path, const struct catalog *cat,
			   struct ruleset *rs, struct diag_list *dl)
{
	struct strbuf sb = STRBUF_INIT;
	struct parser *p;

	if (sb_read_file(&sb, path) < 0) {
		diag_add(dl, path, 0, 0, 0, NULL, "cannot read: %s", strerror(errno));
		sb_free(&sb);
		return -1;
	}
	p = parser_new(path, cat, 0);
	parser_feed(p, sb.buf ? sb.buf : "", sb.len);
	sb_free(&sb);
	return parser_finish(p, rs, dl);
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
		if (engine_put_rule(e->store, r, rev) < 0)
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
		engine_log_diags(&dl);
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
		engine_log_diags(&dl);
		log_warnx("fwd cannot start: fix the errors above");
		diag_list_free(&dl);
		engine_free(e);
		return NULL;
	}
	return e;
}

void engine_reload(struct engine *e)
{
	struct catalog cat;
	struct diag_list dl = { 0 };

	if (load_catalog(e->opts, &cat, &dl) < 0) {
		engine_log_diags(&dl);
		log_warnx("SIGHUP: the service catalog has errors; keeping the old one");
		catalog_free(&cat);
	} else {
		catalog_free(&e->cat);
		e->cat = cat;
		log_info("SIGHUP: service catalog reloaded (%zu services)", e->cat.n);
	}
	diag_list_free(&dl);
}

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
/*
 * Rules whose sets come from bindings (owner rules on `in`, unit rules):
 * their sets and lookups exist only while a socket or unit matches, so a
 * table left by the previous fwd may hold more or fewer chain rules.
 */
static bool has_bound_rules(const struct ruleset *rs)
{
	for (size_t i = 0; i < rs->nrules; i++)
		if (rs->rules[i]->unit ||
		    (rs->rules[i]->dir == RULE_IN && rule_needs_owner(rs->rules[i])))
			return true;
	return false;
}

static void report_found_table(struct engine *e)
{
	const char *found = nft_last_found(e->nft);
	bool missing = strcmp(found, "missing") == 0;
	bool rebooted = e->store && rebooted_since_last_start(e);

	/* without the stored rules there is nothing to compare the table with */
	if (!*found || !e->store || (missing && (e->first_start || rebooted)))
		return;
	/* a count that sockets or units changed while fwd was stopped explains */
	if (strncmp(found, "chain ", 6) == 0 && strstr(found, " held ") &&
	    has_bound_rules(&e->rs)) {
		log_info("at start fwd's table inet %s: %s (the sockets or units of "
			 "owner or unit rules changed while fwd was stopped); restored",
			 e->opts->table, found);
		return;
	}
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
	engine_bind_state(e, &e->rs, &e->bind, &e->nbind);
	e->plan = engine_compile_state(e, &e->rs, now, e->bind, e->nbind, &dl);
	if (!e->plan) {
		free(e->bind);
		e->bind = NULL;
		e->nbind = 0;
		engine_log_diags(&dl);
		sb_printf(&e->compile_problem, "%zu stored rule(s) cannot be enforced; "
			  "no rules are in force until the next successful change", dl.n);
		log_warnx("%s", sb_str(&e->compile_problem));
		ruleset_init(&empty);
		empty.policy_in = e->rs.policy_in;
		empty.policy_out = e->rs.policy_out;
		e->plan = engine_compile_state(e, &empty, now, NULL, 0, &dl);
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
	plan = engine_compile_state(e, &e->rs, time(NULL), NULL, 0, &dl);
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
	} else if (!(p = engine_compile_state(e, &rs, time(NULL), NULL, 0, &dl))) {
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
