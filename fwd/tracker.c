/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Listener tracking: sockets from inet_diag, their owners from the procmap
 * helper, and the owner bindings of `in` rules with app, user or group.
 *
 * The kernel has no "new listener" event, so this polls -- but only while
 * the enabled rule set has such rules -- and rescans at once (rate-limited)
 * when nflog reports a blocked packet, which may be the first SYN to a new
 * listener: its retransmit a second later then gets through. A scan costs
 * one inet_diag dump; /proc is visited only for sockets not seen before
 * (and every TRACKER_REFRESH_MS for the others, to notice an exec or a
 * binary deleted under a running program).
 *
 * Which owners match (README, "Per-application and per-user rules"):
 * - app allows only an owner whose executable is exactly that path and
 *   still the file it was started from (OWNER_OK). A deleted or replaced
 *   binary, an unreadable /proc entry or no owner at all never match an
 *   allow.
 * - a deny/reject app rule also matches a deleted binary by its old path,
 *   and every socket whose owner cannot be read: when in doubt, block.
 * - user is the socket's uid; group the uid's primary group or membership.
 *
 * Rules with `unit` (either direction) are the kernel's to match; all they
 * need from here is their unit's cgroup id, looked up on the same poll
 * (unit_cache.c), so a unit that starts is matched within a poll and one
 * that stops leaves an id nothing carries any more.
 */
#include <grp.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "compile.h"
#include "engine.h"
#include "listeners.h"
#include "log.h"
#include "procmap.h"
#include "prompts.h"
#include "strbuf.h"
#include "tracker.h"
#include "units.h"

/* inodes per helper request: each answer holds a 4 KiB path, and every
 * request walks the holders' descriptors again, so neither tiny nor huge */
#define LOOKUP_CHUNK    1024
#define NAME_CACHE_MAX  4096

/* one socket of the last scan and what is known of its owner */
struct tsock {
	struct listener l;
	bool loopback;          /* never looked up: loopback is always accepted */
	enum owner_state st;
	char *exe;              /* OK and DELETED only */
	int64_t checked_ms;     /* last lookup, 0 = never */
	unsigned tries;         /* lookups without a definite answer */
	bool warned;
	bool seen;              /* known to prompts: new listeners are raised once */
};

struct pw_ent {
	uid_t uid;
	gid_t gid;
	bool known;
	char *name;
};

struct gr_ent {
	gid_t gid;
	char **mem;
	size_t n;
};

struct tracker {
	struct engine *eng;
	struct procmap *pm;
	struct unit_cache *units;
	struct strbuf problem;
	struct tsock *s;                /* the last scan, sorted by inode */
	size_t ns;
	int64_t scan_ms;                /* monotonic, 0 = never scanned */
	int64_t scan_us;
	uint64_t scans;
	bool active, recheck, failing;
	bool pm_failing;                /* the helper's last answer failed */
	uint64_t *warned;               /* interpreter rules already logged */
	size_t nwarned;
	struct pw_ent *pw;
	size_t npw;
	struct gr_ent *gr;
	size_t ngr;
};

static int64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static bool all_zero(const uint8_t *a, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (a[i])
			return false;
	return true;
}

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* ---- users and groups ---- */

static void names_clear(struct tracker *t)
{
	for (size_t i = 0; i < t->npw; i++)
		free(t->pw[i].name);
	for (size_t i = 0; i < t->ngr; i++) {
		for (size_t j = 0; j < t->gr[i].n; j++)
			free(t->gr[i].mem[j]);
		free(t->gr[i].mem);
	}
	free(t->pw);
	free(t->gr);
	t->pw = NULL;
	t->gr = NULL;
	t->npw = t->ngr = 0;
}

static const struct pw_ent *user_of(struct tracker *t, uid_t uid)
{
	struct passwd *pw;
	struct pw_ent *e;

	for (size_t i = 0; i < t->npw; i++)
		if (t->pw[i].uid == uid)
			return &t->pw[i];
	if (t->npw >= NAME_CACHE_MAX || t->ngr >= NAME_CACHE_MAX)
		names_clear(t);
	t->pw = xrealloc(t->pw, (t->npw + 1) * sizeof(*t->pw));
	e = &t->pw[t->npw++];
	pw = getpwuid(uid);
	*e = (struct pw_ent){ .uid = uid, .known = pw != NULL,
			      .gid = pw ? pw->pw_gid : 0,
			      .name = xstrdup(pw ? pw->pw_name : "") };
	return e;
}

static const struct gr_ent *group_of(struct tracker *t, gid_t gid)
{
	struct group *gr;
	struct gr_ent *e;

	for (size_t i = 0; i < t->ngr; i++)
		if (t->gr[i].gid == gid)
			return &t->gr[i];
	t->gr = xrealloc(t->gr, (t->ngr + 1) * sizeof(*t->gr));
	e = &t->gr[t->ngr++];
	*e = (struct gr_ent){ .gid = gid };
	gr = getgrgid(gid);
	for (size_t i = 0; gr && gr->gr_mem[i]; i++) {
		e->mem = xrealloc(e->mem, (e->n + 1) * sizeof(*e->mem));
		e->mem[e->n++] = xstrdup(gr->gr_mem[i]);
	}
	return e;
}

/* the uid's primary group, or the group lists it as a member */
static bool in_group(struct tracker *t, uid_t uid, gid_t gid)
{
	const struct pw_ent *u = user_of(t, uid);
	const struct gr_ent *g;

	if (!u->known)
		return false;
	if (u->gid == gid)
		return true;
	g = group_of(t, gid);
	for (size_t i = 0; i < g->n; i++)
		if (!strcmp(g->mem[i], u->name))
			return true;
	return false;
}

const char *tracker_user_name(struct tracker *t, uid_t uid)
{
	return user_of(t, uid)->name;
}

void tracker_reload(struct tracker *t)
{
	names_clear(t);
	t->recheck = true;
}

/* ---- owners: the procmap helper ---- */

static bool wants_lookup(const struct tsock *s, int64_t now)
{
	bool sure = s->st == OWNER_OK || s->st == OWNER_DELETED;

	if (s->loopback)
		return false;
	if (!s->checked_ms)
		return true;
	/* no owner yet may be a descriptor in flight: ask again once at once */
	if (!sure && s->tries < 2)
		return true;
	return now - s->checked_ms >= TRACKER_REFRESH_MS;
}

static void owner_set(struct tsock *s, const struct proc_owner *o, int64_t now)
{
	char where[LISTENER_FMT_MAX];

	free(s->exe);
	s->exe = NULL;
	s->st = o->state;
	s->checked_ms = now;
	if (o->state == OWNER_OK || o->state == OWNER_DELETED) {
		s->exe = xstrdup(o->exe);
		s->tries = 0;
		return;
	}
	s->tries++;
	if (o->state == OWNER_UNREADABLE && !s->warned) {
		listener_format(&s->l, where, sizeof(where));
		log_warnx("cannot tell which program owns %s (uid %u): no app rule "
			  "allows it, every deny app rule blocks it", where,
			  (unsigned)s->l.uid);
		s->warned = true;
	}
}

static void lookup_chunk(struct tracker *t, struct tsock **v, size_t n,
			 struct proc_owner *out, int64_t now)
{
	uint64_t inodes[LOOKUP_CHUNK];
	uid_t uids[LOOKUP_CHUNK];

	for (size_t i = 0; i < n; i++) {
		inodes[i] = v[i]->l.inode;
		uids[i] = v[i]->l.uid;
	}
	if (!t->pm) {
		/* without the helper nothing is known: fail closed */
		for (size_t i = 0; i < n; i++)
			out[i] = (struct proc_owner){ .inode = inodes[i],
						      .state = OWNER_UNREADABLE };
	} else {
		/* on failure every answer is OWNER_UNREADABLE: closed */
		t->pm_failing = procmap_lookup(t->pm, inodes, uids, n, out) < 0;
	}
	for (size_t i = 0; i < n; i++)
		owner_set(v[i], &out[i], now);
}

static void resolve(struct tracker *t, int64_t now)
{
	struct tsock **todo = xcalloc(t->ns + 1, sizeof(*todo));
	struct proc_owner *out = NULL;
	size_t n = 0;

	for (size_t i = 0; i < t->ns; i++)
		if (wants_lookup(&t->s[i], now))
			todo[n++] = &t->s[i];
	if (n)
		out = xmalloc((n < LOOKUP_CHUNK ? n : LOOKUP_CHUNK) * sizeof(*out));
	for (size_t i = 0; i < n; i += LOOKUP_CHUNK)
		lookup_chunk(t, todo + i, n - i < LOOKUP_CHUNK ? n - i : LOOKUP_CHUNK,
			     out, now);
	free(out);
	free(todo);
}

/* ---- scanning ---- */

static int tsock_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct tsock *)a)->l.inode;
	uint64_t y = ((const struct tsock *)b)->l.inode;

	return x < y ? -1 : x > y;
}

static void scan_free(struct tsock *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].exe);
	free(v);
}

/* the new scan, with what the old one knew about the sockets it still has */
static struct tsock *scan_merge(struct tracker *t, const struct listener *l, size_t n)
{
	struct tsock *v = xcalloc(n + 1, sizeof(*v));

	for (size_t i = 0; i < n; i++) {
		v[i].l = l[i];
		v[i].loopback = listener_is_loopback(&l[i]);
		v[i].st = OWNER_NOT_FOUND;
	}
	qsort(v, n, sizeof(*v), tsock_cmp);
	for (size_t i = 0; i < n && t->ns; i++) {
		struct tsock *old = bsearch(&v[i], t->s, t->ns, sizeof(*t->s), tsock_cmp);

		if (!old)
			continue;
		v[i].st = old->st;
		v[i].exe = old->exe;
		v[i].checked_ms = old->checked_ms;
		v[i].tries = old->tries;
		v[i].warned = old->warned;
		v[i].seen = old->seen;
		old->exe = NULL;
	}
	return v;
}

/*
 * A program that starts listening beyond loopback is asked about at once
 * (prompts.c decides whether it needs asking). What the first scan finds,
 * and whatever is found while nobody wants prompts, was there before:
 * those are asked about when a packet to them is blocked.
 */
static void new_listeners(struct tracker *t)
{
	struct prompts *p = prompts_current();
	bool raise = t->scans > 0 && prompts_wanted(p);
	char exe[4096 + 16];

	for (size_t i = 0; i < t->ns; i++) {
		struct tsock *s = &t->s[i];

		if (s->seen || s->loopback || s->st == OWNER_NOT_FOUND)
			continue;
		s->seen = true;
		if (!raise)
			continue;
		snprintf(exe, sizeof(exe), "%s%s", s->exe ? s->exe : "",
			 s->st == OWNER_DELETED ? " (deleted)" : "");
		prompts_listening(p, exe, s->l.uid, s->l.proto, s->l.port, s->l.family);
	}
}

static int scan(struct tracker *t)
{
	int64_t start = mono_us();
	struct listener *l = NULL;
	size_t n = 0;
	char err[256];
	struct tsock *v;

	t->scan_ms = start / 1000;
	if (listeners_scan(&l, &n, err, sizeof(err)) < 0) {
		log_warnx("listing listening sockets failed: %s", err);
		return -1;
	}
	v = scan_merge(t, l, n);
	free(l);
	scan_free(t->s, t->ns);
	t->s = v;
	t->ns = n;
	resolve(t, start / 1000);
	new_listeners(t);
	t->scan_us = mono_us() - start;
	t->scans++;
	return 0;
}

/* ---- bindings ---- */

static bool is_block(const struct rule *r)
{
	return r->action == RULE_DENY || r->action == RULE_REJECT;
}

static bool app_matches(const struct rule *r, const struct tsock *s)
{
	if (s->st == OWNER_OK)
		return !strcmp(s->exe, r->app);
	if (!is_block(r))
		return false;
	/* a deleted binary keeps its old path; an unknown owner may be anyone */
	if (s->st == OWNER_DELETED)
		return !strcmp(s->exe, r->app);
	return s->st == OWNER_UNREADABLE;
}

static bool rule_matches(struct tracker *t, const struct rule *r, const struct tsock *s)
{
	if (r->has_user && s->l.uid != r->uid)
		return false;
	if (r->has_group && !in_group(t, s->l.uid, r->gid))
		return false;
	return !r->app || app_matches(r, s);
}

static bool tracked_rule(const struct rule *r)
{
	return r->dir == RULE_IN && r->id && rule_needs_owner(r);
}

static void binding_add(struct owner_binding **v, size_t *n, size_t *cap,
			uint64_t id, const struct listener *l)
{
	struct owner_binding *b;
	size_t alen = addr_len(l->family);

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	b = &(*v)[(*n)++];
	memset(b, 0, sizeof(*b));
	b->rule_id = id;
	b->proto = l->proto;
	/* a :: socket without v6only receives IPv4 too */
	b->family = l->family == AF_INET6 && !l->v6only ? 0 : l->family;
	b->has_addr = !all_zero(l->addr, alen);
	if (b->has_addr)
		memcpy(b->addr, l->addr, alen);
	b->port = l->port;
}

static int binding_cmp(const void *a, const void *b)
{
	const struct owner_binding *x = a, *y = b;
	int d;

	if (x->rule_id != y->rule_id)
		return x->rule_id < y->rule_id ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->has_addr != y->has_addr)
		return x->has_addr ? 1 : -1;
	d = memcmp(x->addr, y->addr, sizeof(x->addr));
	if (d)
		return d;
	if (x->cgroup_level != y->cgroup_level)
		return x->cgroup_level < y->cgroup_level ? -1 : 1;
	if (x->cgroup_id != y->cgroup_id)
		return x->cgroup_id < y->cgroup_id ? -1 : 1;
	return (x->port > y->port) - (x->port < y->port);
}

/* sorted, without duplicates (SO_REUSEPORT groups, one socket per family) */
static size_t bindings_unique(struct owner_binding *v, size_t n)
{
	size_t j = 0;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), binding_cmp);
	for (size_t i = 1; i < n; i++)
		if (binding_cmp(&v[j], &v[i]))
			v[++j] = v[i];
	return j + 1;
}

static void unit_binding_add(struct tracker *t, struct owner_binding **v, size_t *n,
			     size_t *cap, const struct rule *r)
{
	struct owner_binding *b;
	unsigned level;
	uint64_t id;

	if (unit_cache_lookup(t->units, r->unit, &level, &id) != UNIT_FOUND)
		return;         /* not running: the rule matches nothing */
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	b = &(*v)[(*n)++];
	memset(b, 0, sizeof(*b));
	b->rule_id = r->id;
	b->cgroup_level = (uint8_t)level;
	b->cgroup_id = id;
}

static void compute(struct tracker *t, const struct ruleset *rs,
		    struct owner_binding **v, size_t *n)
{
	size_t cap = 0;

	*v = NULL;
	*n = 0;
	for (size_t i = 0; i < rs->nrules; i++) {
		const struct rule *r = rs->rules[i];

		if (r->id && r->unit)
			unit_binding_add(t, v, n, &cap, r);
		if (!tracked_rule(r))
			continue;
		for (size_t j = 0; j < t->ns; j++)
			if (!t->s[j].loopback && rule_matches(t, r, &t->s[j]))
				binding_add(v, n, &cap, r->id, &t->s[j].l);
	}
	unit_cache_sweep(t->units);
	*n = bindings_unique(*v, *n);
}

static bool has_tracked(const struct ruleset *rs)
{
	for (size_t i = 0; i < rs->nrules; i++)
		if (tracked_rule(rs->rules[i]) || (rs->rules[i]->id && rs->rules[i]->unit))
			return true;
	return false;
}

/* an app rule for python3 allows every Python script: say so once per rule */
static void warn_interpreters(struct tracker *t, const struct ruleset *rs)
{
	uint64_t *now = xcalloc(rs->nrules + 1, sizeof(*now));
	size_t n = 0;

	for (size_t i = 0; i < rs->nrules; i++) {
		const struct rule *r = rs->rules[i];
		bool known = false;

		if (!r->id || !r->app || !procmap_is_interpreter(r->app))
			continue;
		now[n++] = r->id;
		for (size_t j = 0; j < t->nwarned && !known; j++)
			known = t->warned[j] == r->id;
		if (!known && r->dir == RULE_IN)
			log_warnx("rule %" PRIu64 ": %s is an interpreter: the rule "
				  "covers every script it runs, not one program",
				  r->id, r->app);
	}
	free(t->warned);
	t->warned = now;
	t->nwarned = n;
}

/* the engine's binder: called for every rule set it compiles for the kernel */
static int tracker_bind(void *arg, const struct ruleset *rs,
			struct owner_binding **v, size_t *n)
{
	struct tracker *t = arg;
	int64_t now = mono_us() / 1000;

	t->recheck = true;
	warn_interpreters(t, rs);
	*v = NULL;
	*n = 0;
	if (!has_tracked(rs)) {
		unit_cache_sweep(t->units);     /* no unit rule: forget their places */
		return 0;
	}
	/* a change must see a listener that started a moment ago */
	if ((!t->scan_ms || now - t->scan_ms >= TRACKER_KICK_MS) && scan(t) < 0 &&
	    !t->scan_ms)
		return -1;
	compute(t, rs, v, n);
	return 0;
}

static bool bindings_same(const struct owner_binding *a, size_t na,
			  const struct owner_binding *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (binding_cmp(&a[i], &b[i]))
			return false;
	return true;
}

/* puts the bindings of the current rules in force if they changed */
static void sync_bindings(struct tracker *t)
{
	const struct owner_binding *cur;
	struct owner_binding *v;
	size_t n, ncur;
	char err[512];

	compute(t, engine_ruleset(t->eng), &v, &n);
	cur = engine_bindings(t->eng, &ncur);
	if (bindings_same(v, n, cur, ncur)) {
		free(v);
		return;
	}
	if (engine_rebind(t->eng, v, n, err, sizeof(err)) < 0) {
		if (!t->failing)
			log_warnx("cannot update the sockets of owner rules: %s", err);
		t->failing = true;
		return;
	}
	if (t->failing)
		log_info("the sockets of owner rules are up to date again");
	t->failing = false;
	log_debug("owner rules: %zu socket bindings (were %zu)", n, ncur);
}

/* ---- the loop's interface ---- */

struct tracker *tracker_new(struct engine *e)
{
	struct tracker *t = xcalloc(1, sizeof(*t));
	char err[256];

	t->eng = e;
	t->recheck = true;
	t->units = unit_cache_new();
	t->pm = procmap_spawn(err, sizeof(err));
	if (!t->pm) {
		log_warnx("PROGRAM LOOKUP UNAVAILABLE: %s; app rules cannot allow "
			  "anything, deny app rules block every listener", err);
		sb_printf(&t->problem, "program lookup unavailable: %s", err);
	}
	engine_set_binder(e, tracker_bind, t);
	return t;
}

void tracker_free(struct tracker *t)
{
	if (!t)
		return;
	engine_set_binder(t->eng, NULL, NULL);
	procmap_free(t->pm);
	unit_cache_free(t->units);
	scan_free(t->s, t->ns);
	names_clear(t);
	free(t->warned);
	sb_free(&t->problem);
	free(t);
}

int64_t tracker_deadline(struct tracker *t)
{
	if (t->recheck) {
		t->recheck = false;
		t->active = engine_enabled(t->eng) && has_tracked(engine_ruleset(t->eng));
	}
	/* prompts need new listeners seen: the idle cost is one dump a second */
	if (!t->active && !prompts_wanted(prompts_current()))
		return 0;
	return t->scan_ms ? t->scan_ms + TRACKER_POLL_MS : 1;
}

void tracker_tick(struct tracker *t, int64_t now_ms)
{
	int64_t due = tracker_deadline(t);

	if (!due || now_ms < due)
		return;
	if (scan(t) == 0)
		sync_bindings(t);
}

void tracker_kick(struct tracker *t, int64_t max_age_ms)
{
	int64_t now = mono_us() / 1000;

	if (t->scan_ms && now - t->scan_ms < max_age_ms)
		return;
	if (scan(t) == 0 && tracker_deadline(t))
		sync_bindings(t);
}

size_t tracker_unit_rules(struct tracker *t, uint64_t cgroup, uint64_t *ids, size_t max)
{
	const struct ruleset *rs = engine_ruleset(t->eng);
	size_t n = 0;

	for (size_t i = 0; i < rs->nrules && n < max; i++) {
		const struct rule *r = rs->rules[i];

		if (r->id && r->unit && cgroup && unit_cache_holds(t->units, r->unit, cgroup))
			ids[n++] = r->id;
	}
	return n;
}

/* ---- who receives a packet ---- */

static bool addr_hits(const struct listener *l, int family, const uint8_t *daddr)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (l->family == family)
		return !memcmp(l->addr, daddr, addr_len(family));
	return l->family == AF_INET6 && family == AF_INET &&
	       !memcmp(l->addr, mapped, sizeof(mapped)) && !memcmp(l->addr + 12, daddr, 4);
}

/* a socket bound to the packet's address wins over a wildcard one */
static const struct tsock *receiver(struct tracker *t, int family, uint8_t proto,
				    const uint8_t *daddr, uint16_t port)
{
	const struct tsock *any = NULL;

	for (size_t i = 0; i < t->ns; i++) {
		const struct listener *l = &t->s[i].l;

		if (l->proto != proto || l->port != port || t->s[i].loopback ||
		    !listener_accepts_family(l, family))
			continue;
		if (all_zero(l->addr, addr_len(l->family)))
			any = any ? any : &t->s[i];
		else if (addr_hits(l, family, daddr))
			return &t->s[i];
	}
	return any;
}

int tracker_owner_of(struct tracker *t, int family, uint8_t proto,
		     const uint8_t *daddr, uint16_t port, struct tracker_owner *o)
{
	const struct tsock *s = receiver(t, family, proto, daddr, port);

	o->exe[0] = '\0';
	o->uid = -1;
	if (!s)
		return 0;
	o->uid = s->l.uid;
	if (s->exe)
		snprintf(o->exe, sizeof(o->exe), "%s%s", s->exe,
			 s->st == OWNER_DELETED ? " (deleted)" : "");
	return 1;
}

void tracker_stats(struct tracker *t, struct tracker_stats *st)
{
	size_t n;

	engine_bindings(t->eng, &n);
	st->listeners = t->ns;
	st->bindings = n;
	st->scan_us = t->scan_us;
	st->scans = t->scans;
	st->problem = t->pm_failing && !t->problem.len ? "program lookup failing: the "
		      "/proc helper does not answer, so app rules allow nothing (see "
		      "fwd's log)" : sb_str(&t->problem);
	if (!*st->problem)
		st->problem = unit_cache_problem(t->units);
}

/* ---- the listener list of fwctl exposure (cmd_inspect.c) ---- */

int tracker_sockets(struct tracker *t, int64_t max_age_ms, struct listener **ls,
		    char ***exe, size_t *n)
{
	tracker_kick(t, max_age_ms);
	*ls = NULL;
	*exe = NULL;
	*n = 0;
	if (!t->scans)
		return -1;
	*ls = xcalloc(t->ns + 1, sizeof(**ls));
	*exe = xcalloc(t->ns + 1, sizeof(**exe));
	for (size_t i = 0; i < t->ns; i++) {
		const struct tsock *s = &t->s[i];
		struct strbuf sb = STRBUF_INIT;

		(*ls)[i] = s->l;
		if (s->exe)
			sb_printf(&sb, "%s%s", s->exe,
				  s->st == OWNER_DELETED ? " (deleted)" : "");
		(*exe)[i] = sb.len ? sb_steal(&sb) : xstrdup("");
		sb_free(&sb);
	}
	*n = t->ns;
	return 0;
}

void tracker_sockets_free(struct listener *ls, char **exe, size_t n)
{
	for (size_t i = 0; exe && i < n; i++)
		free(exe[i]);
	free(exe);
	free(ls);
}
