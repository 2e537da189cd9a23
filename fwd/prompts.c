/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Prompts: the desktop user decides.
 *
 * Raised from two places: the drop log (a packet to a program's listening
 * socket was dropped by the policy) and listener tracking (a program
 * started listening on a non-loopback TCP address). Both only when the
 * program has no rule of its own: no enabled `in` rule whose app is its
 * executable or whose user is its uid (group rules do not count). Any uid
 * is prompted; who sees a prompt is its user and the admins, so a root
 * daemon's prompt reaches the admins only.
 *
 * Bounded: PROMPTS_MAX pending, the oldest lapses when a new one needs the
 * room; repeated attempts only count up and mark the prompt for one
 * update event per round, so a flood costs nothing per packet beyond the
 * lookup of its key.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#include "addr.h"
#include "duration.h"
#include "engine.h"
#include "log.h"
#include "prompts.h"
#include "proto.h"
#include "store.h"
#include "tracker.h"

struct prompt {
	int64_t id;
	int64_t time_ms, last_ms;       /* unix ms */
	int64_t expires_ms;             /* unix ms */
	char *app;                      /* "" unknown */
	int64_t uid;
	uint8_t proto;
	uint16_t port;
	int family;
	char peer[64], peer_net[64];    /* "" when raised by listening */
	uint64_t attempts;
	bool dirty;                     /* an update event is due */
};

struct prompts {
	struct engine *eng;
	struct tracker *trk;
	struct prompt *v[PROMPTS_MAX];  /* oldest first */
	size_t n;
	int64_t next_id;
	size_t watchers;
	bool dirty;
	prompts_notify_fn notify;
	void *notify_arg;
};

static struct prompts *current;

static int64_t real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct prompts *prompts_current(void)
{
	return current;
}

void prompts_set_current(struct prompts *p)
{
	current = p;
}

struct prompts *prompts_new(struct engine *e, struct tracker *t)
{
	struct prompts *p = xcalloc(1, sizeof(*p));

	p->eng = e;
	p->trk = t;
	p->next_id = 1;
	return p;
}

static void prompt_free(struct prompt *pr)
{
	if (!pr)
		return;
	free(pr->app);
	free(pr);
}

void prompts_free(struct prompts *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		prompt_free(p->v[i]);
	if (current == p)
		current = NULL;
	free(p);
}

void prompts_set_notify(struct prompts *p, prompts_notify_fn fn, void *arg)
{
	p->notify = fn;
	p->notify_arg = arg;
}

bool prompts_wanted(const struct prompts *p)
{
	return p && (engine_config(p->eng)->user_prompts || p->watchers);
}

void prompts_set_watchers(struct prompts *p, size_t n)
{
	p->watchers = n;
}

/* ---- who sees what ---- */

bool prompts_may_see(const struct prompts *p, const struct auth_peer *peer, int64_t uid)
{
	(void)p;
	return auth_is_admin(peer) || (int64_t)peer->uid == uid;
}

bool prompts_may_answer(const struct prompts *p, const struct auth_peer *peer,
			int64_t uid)
{
	if (auth_is_admin(peer))
		return true;
	return engine_config(p->eng)->user_prompts && (int64_t)peer->uid == uid;
}

/* ---- events ---- */

static const char *proto_text(uint8_t proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}

static void put_prompt(struct prompts *p, struct strbuf *out, const char *kind,
		       const struct prompt *pr)
{
	proto_begin(out, kind);
	if (!strcmp(kind, "event"))
		proto_str(out, "type", "prompt");
	proto_int(out, "id", pr->id);
	proto_int(out, "time", pr->time_ms);
	proto_int(out, "last", pr->last_ms);
	proto_str(out, "app", pr->app);
	proto_str(out, "user", p->trk && pr->uid >= 0 ?
		  tracker_user_name(p->trk, (uid_t)pr->uid) : "");
	proto_int(out, "uid", pr->uid);
	proto_str(out, "proto", proto_text(pr->proto));
	proto_int(out, "port", pr->port);
	proto_str(out, "peer", pr->peer);
	proto_str(out, "peer_net", pr->peer_net);
	proto_str(out, "family", pr->family == AF_INET6 ? "ipv6" : "ipv4");
	proto_int(out, "attempts", (int64_t)pr->attempts);
	proto_int(out, "expires", pr->expires_ms);
	proto_end(out);
}

static void send_event(struct prompts *p, int64_t owner, struct strbuf *line)
{
	if (p->notify && line->len)
		p->notify(p->notify_arg, owner, line->buf, line->len);
}

static void notify_prompt(struct prompts *p, struct prompt *pr)
{
	struct strbuf sb = STRBUF_INIT;

	pr->dirty = false;
	put_prompt(p, &sb, "event", pr);
	send_event(p, pr->uid, &sb);
	sb_free(&sb);
}

static void notify_gone(struct prompts *p, const struct prompt *pr, const char *reason)
{
	struct strbuf sb = STRBUF_INIT;

	proto_begin(&sb, "event");
	proto_str(&sb, "type", "prompt-gone");
	proto_int(&sb, "id", pr->id);
	proto_str(&sb, "reason", reason);
	proto_end(&sb);
	send_event(p, pr->uid, &sb);
	sb_free(&sb);
}

static void remove_at(struct prompts *p, size_t i, const char *reason)
{
	struct prompt *pr = p->v[i];

	notify_gone(p, pr, reason);
	memmove(&p->v[i], &p->v[i + 1], (p->n - i - 1) * sizeof(p->v[0]));
	p->n--;
	prompt_free(pr);
}

static ssize_t find_id(const struct prompts *p, int64_t id)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i]->id == id)
			return (ssize_t)i;
	return -1;
}

/* ---- raising ---- */

static const char *bare_exe(const char *exe, char *buf, size_t len)
{
	static const char del[] = " (deleted)";
	size_t n = strlen(exe), d = sizeof(del) - 1;

	if (n > d && !strcmp(exe + n - d, del)) {
		snprintf(buf, len, "%.*s", (int)(n - d), exe);
		return buf;
	}
	return exe;
}

/* an enabled `in` rule about this program or its user */
static bool has_own_rule(struct prompts *p, const char *exe, int64_t uid)
{
	const struct ruleset *rs = engine_ruleset(p->eng);
	char buf[4096];
	const char *bare = bare_exe(exe, buf, sizeof(buf));

	for (size_t i = 0; i < rs->nrules; i++) {
		const struct rule *r = rs->rules[i];

		if (r->dir != RULE_IN || (!r->app && !r->has_user))
			continue;
		if (r->app && (!*bare || strcmp(r->app, bare)))
			continue;
		if (r->has_user && (int64_t)r->uid != uid)
			continue;
		return true;
	}
	return false;
}

/* a rule without owner, peer or interface allows every packet to the port */
static bool port_open(struct prompts *p, uint8_t proto, uint16_t port)
{
	const struct ruleset *rs = engine_ruleset(p->eng);

	for (size_t i = 0; i < rs->nrules; i++) {
		const struct rule *r = rs->rules[i];

		if (r->dir != RULE_IN || r->action != RULE_ALLOW || rule_needs_owner(r) || r->unit ||
		    r->has_from || r->has_to || r->iface)
			continue;
		if (!r->nl4)
			return true;
		for (size_t j = 0; j < r->nl4; j++)
			if (r->l4[j].proto == proto && (r->l4[j].port_lo == 0 ||
			    (port >= r->l4[j].port_lo && port <= r->l4[j].port_hi)))
				return true;
	}
	return false;
}

static struct prompt *find_key(struct prompts *p, const char *exe, int64_t uid)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i]->uid == uid && !strcmp(p->v[i]->app, exe))
			return p->v[i];
	return NULL;
}

static struct prompt *raise_new(struct prompts *p, const char *exe, int64_t uid,
				int64_t now)
{
	struct prompt *pr;

	if (p->n == PROMPTS_MAX)
		remove_at(p, 0, "expired");
	pr = xcalloc(1, sizeof(*pr));
	pr->id = p->next_id++;
	pr->app = xstrdup(exe);
	pr->uid = uid;
	pr->time_ms = pr->last_ms = now;
	pr->expires_ms = now + (int64_t)engine_config(p->eng)->prompt_timeout * 1000;
	p->v[p->n++] = pr;
	log_info("prompt %" PRId64 ": %s (uid %" PRId64 ") is blocked; asking its user",
		 pr->id, *exe ? exe : "a program", uid);
	return pr;
}

static void set_peer(struct prompt *pr, int family, const uint8_t *saddr)
{
	struct addr_prefix net = { .family = family, .len = family == AF_INET ? 24 : 64 };
	size_t bytes = family == AF_INET ? 3 : 8;

	if (!inet_ntop(family, saddr, pr->peer, sizeof(pr->peer))) {
		pr->peer[0] = pr->peer_net[0] = '\0';
		return;
	}
	memcpy(net.addr, saddr, bytes);
	addr_format(&net, pr->peer_net, sizeof(pr->peer_net));
}

void prompts_blocked(struct prompts *p, const char *exe, int64_t uid, uint8_t proto,
		     uint16_t port, int family, const uint8_t *saddr, int64_t time_ms)
{
	struct prompt *pr;

	if (!p || uid < 0 || !engine_enabled(p->eng) || has_own_rule(p, exe, uid))
		return;
	pr = find_key(p, exe, uid);
	if (!pr)
		pr = raise_new(p, exe, uid, time_ms);
	pr->last_ms = time_ms > pr->last_ms ? time_ms : pr->last_ms;
	pr->attempts++;
	pr->proto = proto;
	pr->port = port;
	pr->family = family;
	set_peer(pr, family, saddr);
	pr->dirty = p->dirty = true;
}

void prompts_listening(struct prompts *p, const char *exe, uid_t uid, uint8_t proto,
		       uint16_t port, int family)
{
	struct prompt *pr;

	if (!p || proto != IPPROTO_TCP || !engine_enabled(p->eng) ||
	    has_own_rule(p, exe, uid) || port_open(p, proto, port) || find_key(p, exe, uid))
		return;
	pr = raise_new(p, exe, uid, real_ms());
	pr->proto = proto;
	pr->port = port;
	pr->family = family;
	pr->dirty = p->dirty = true;
}

/* ---- time ---- */

int64_t prompts_deadline(const struct prompts *p)
{
	int64_t first = 0, now_real = real_ms(), now_mono;
	struct timespec ts;

	if (!p)
		return 0;
	if (p->dirty)
		return 1;
	for (size_t i = 0; i < p->n; i++)
		if (!first || p->v[i]->expires_ms < first)
			first = p->v[i]->expires_ms;
	if (!first)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now_mono = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	return now_mono + (first > now_real ? first - now_real : 0) + 1;
}

void prompts_tick(struct prompts *p)
{
	int64_t now = real_ms();

	if (!p)
		return;
	for (size_t i = 0; i < p->n;) {
		if (p->v[i]->expires_ms <= now) {
			log_info("prompt %" PRId64 " expired unanswered; the program stays "
				 "blocked", p->v[i]->id);
			remove_at(p, i, "expired");
		} else {
			i++;
		}
	}
	if (!p->dirty)
		return;
	p->dirty = false;
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i]->dirty)
			notify_prompt(p, p->v[i]);
}

/* ---- the verbs' side ---- */

size_t prompts_list(struct prompts *p, const struct auth_peer *peer, struct strbuf *out)
{
	size_t n = 0;

	prompts_tick(p);
	for (size_t i = 0; i < p->n; i++) {
		if (!prompts_may_see(p, peer, p->v[i]->uid))
			continue;
		put_prompt(p, out, "item", p->v[i]);
		n++;
	}
	return n;
}

int64_t prompts_owner(const struct prompts *p, int64_t id)
{
	ssize_t i = find_id(p, id);

	if (i < 0 || p->v[i]->expires_ms <= real_ms())
		return -2;
	return p->v[i]->uid;
}

bool prompts_has_peer(const struct prompts *p, int64_t id)
{
	ssize_t i = find_id(p, id);

	return i >= 0 && p->v[i]->peer_net[0];
}

void prompts_close(struct prompts *p, int64_t id, const char *reason)
{
	ssize_t i = find_id(p, id);

	if (i >= 0)
		remove_at(p, (size_t)i, reason);
}

/* app PATH, or the user when the program is not known for sure */
static void put_subject(struct prompts *p, struct strbuf *sb, const struct prompt *pr,
			bool *exact)
{
	const char *name = p->trk ? tracker_user_name(p->trk, (uid_t)pr->uid) : "";

	*exact = *pr->app && !strstr(pr->app, " (deleted)");
	if (*exact) {
		sb_puts(sb, " app ");
		rule_put_quoted(sb, pr->app);
	} else if (*name) {
		sb_printf(sb, " user %s", name);
	} else {
		sb_printf(sb, " user %" PRId64, pr->uid);
	}
}

char *prompts_rule_text(struct prompts *p, const struct prompts_answer *a)
{
	struct strbuf sb = STRBUF_INIT;
	ssize_t i = find_id(p, a->id);
	const struct prompt *pr;
	char dur[32];
	bool exact;

	if (i < 0)
		return NULL;
	pr = p->v[i];
	sb_puts(&sb, a->verdict == PROMPTS_ALLOW ? "allow in" : "deny in");
	put_subject(p, &sb, pr, &exact);
	/* the whole program only when it is known which program that is */
	if (!a->scope_app || !exact)
		sb_printf(&sb, " proto %s port %u", proto_text(pr->proto), pr->port);
	if (!a->from_any && *pr->peer_net)
		sb_printf(&sb, " from %s", pr->peer_net);
	if (a->seconds) {
		duration_format(a->seconds, dur, sizeof(dur));
		sb_printf(&sb, " for %s", dur);
	}
	sb_printf(&sb, " comment \"prompt %" PRId64 "%s\"", pr->id,
		  a->boot ? ", " PROMPTS_BOOT_MARK : "");
	return sb_steal(&sb);
}

/* ---- rules until the next reboot ---- */

static void boot_id(char *buf, size_t len)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");

	buf[0] = '\0';
	if (f) {
		if (!fgets(buf, (int)len, f))
			buf[0] = '\0';
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
}

static bool boot_rule(const struct rule *r)
{
	size_t n = r->comment ? strlen(r->comment) : 0, m = strlen(PROMPTS_BOOT_MARK);

	return r->origin == ORIGIN_PROMPT && n >= m &&
	       !strcmp(r->comment + n - m, PROMPTS_BOOT_MARK);
}

/* the change without the rules of an earlier boot; how many went */
static size_t drop_boot_rules(struct ruleset *rs)
{
	size_t j = 0, n = rs->nrules;

	for (size_t i = 0; i < n; i++) {
		if (boot_rule(rs->rules[i]))
			rule_free(rs->rules[i]);
		else
			rs->rules[j++] = rs->rules[i];
	}
	rs->nrules = j;
	return n - j;
}

void prompts_boot_cleanup(struct prompts *p)
{
	struct store *s = engine_store(p->eng);
	struct engine_result res = { 0 };
	struct engine_change ch = { .enabled = engine_enabled(p->eng),
				    .summary = "rules answered until reboot end: a new boot",
				    .now = time(NULL) };
	char now[64], *old = NULL;
	size_t gone;

	boot_id(now, sizeof(now));
	if (!s || !*now || store_get(s, PROMPTS_BOOT_KEY, &old) < 0)
		goto out;
	if (old && strcmp(old, now)) {
		engine_copy_state(p->eng, &ch.next);
		gone = drop_boot_rules(&ch.next);
		if (!gone)
			ruleset_clear(&ch.next);
		else if (engine_apply_change(p->eng, &ch, &res) < 0)
			log_warnx("cannot remove the rules answered until reboot: %s", res.msg);
		else
			log_info("removed %zu rule%s answered until reboot", gone,
				 gone == 1 ? "" : "s");
	}
	if (!old || strcmp(old, now))
		if (store_set(s, PROMPTS_BOOT_KEY, now) < 0)
			log_warnx("cannot record the boot id: %s", store_errmsg(s));
out:
	engine_result_free(&res);
	free(old);
}
