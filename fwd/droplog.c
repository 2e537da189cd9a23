/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The blocked-connection log: nflog events -> attributed log_events ->
 * the store, in batches.
 *
 * Never one transaction per packet: events wait in a buffer of at most
 * DROPLOG_BATCH and are written DROPLOG_FLUSH_MS after the first one, or
 * as soon as the buffer is full. The kernel rate-limits the drop path
 * already; rules marked `log` are not limited there, so the daemon also
 * keeps at most DROPLOG_MAX_PER_SEC events a second and counts the rest
 * as lost, like the nflog overflows it learns of by ENOBUFS. Memory stays
 * one buffer whatever arrives.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <linux/netfilter.h> /* after netinet/in.h: uapi vs libc */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "droplog.h"
#include "engine.h"
#include "log.h"
#include "nflog.h"
#include "plan.h"
#include "prompts.h"
#include "proto.h"
#include "store.h"
#include "tracker.h"

struct droplog {
	struct engine *eng;
	struct tracker *trk;
	struct nflog *nl;
	char problem[512];
	struct log_event buf[DROPLOG_BATCH];
	size_t n;
	int64_t since_ms;               /* monotonic: pending since, 0 = nothing */
	uint64_t nflog_lost_seen;
	uint64_t lost;                  /* not yet added to the store's counter */
	uint64_t lost_mem;              /* could not be stored at all */
	int64_t window_ms;              /* the rate limit's current second */
	uint32_t in_window;
	int64_t kicked;                 /* the freshest scan asked for in this read */
	bool failing;                   /* the last write failed: logged once */
	/* what the kernel's log rate limit held back: see count_unlogged */
	uint64_t policy_seen;           /* policy drops nflog brought us */
	uint64_t kernel_base, seen_base;
	int64_t unlogged_ms;            /* last comparison, monotonic; 0 = none yet */
	int64_t newest;
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void refresh_newest(struct droplog *d)
{
	struct store *s = engine_store(d->eng);
	struct log_event *v = NULL;
	size_t n = 0;

	if (s && store_log_list(s, 1, 0, &v, &n) == 0 && n)
		d->newest = v[0].id;
	store_log_free(v, n);
}

struct droplog *droplog_new(struct engine *e, struct tracker *t)
{
	struct droplog *d = xcalloc(1, sizeof(*d));
	uint16_t group = engine_config(e)->log_group;
	char err[256];

	d->eng = e;
	d->trk = t;
	d->nl = nflog_open(group, err, sizeof(err));
	if (!d->nl) {
		snprintf(d->problem, sizeof(d->problem), "blocked-connection log "
			 "unavailable: %s", err);
		log_warnx("NO BLOCKED-CONNECTION LOG: %s; fwd keeps filtering without it",
			  err);
	}
	refresh_newest(d);
	return d;
}

void droplog_free(struct droplog *d)
{
	if (!d)
		return;
	droplog_flush(d);
	nflog_close(d->nl);
	for (size_t i = 0; i < d->n; i++) {
		free(d->buf[i].app);
		free(d->buf[i].reason);
	}
	free(d);
}

int droplog_fd(const struct droplog *d)
{
	return d->nl ? nflog_fd(d->nl) : -1;
}

const char *droplog_problem(const struct droplog *d)
{
	return d->problem;
}

int64_t droplog_newest(const struct droplog *d)
{
	return d->newest;
}

/* ---- one event ---- */

/* direction and reason from the log prefix (plan.h) */
static void classify(const struct nflog_event *ev, char *dir, char *reason, size_t len)
{
	static const struct { const char *prefix; char dir; const char *reason; } known[] = {
		{ PLAN_PREFIX_DROP_IN, 'i', "policy drop" },
		{ PLAN_PREFIX_REJECT_IN, 'i', "policy reject" },
		{ PLAN_PREFIX_DROP_OUT, 'o', "policy drop" },
		{ PLAN_PREFIX_REJECT_OUT, 'o', "policy reject" },
	};
	size_t plen = strlen(PLAN_PREFIX_RULE), n = strlen(ev->prefix);

	*dir = ev->hook == NF_INET_LOCAL_OUT ? 'o' : 'i';
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(ev->prefix, known[i].prefix)) {
			*dir = known[i].dir;
			snprintf(reason, len, "%s", known[i].reason);
			return;
		}
	/* "fwd-rule-allow-in": the class of the rule that matched */
	if (!strncmp(ev->prefix, PLAN_PREFIX_RULE, plen) && n > plen + 3) {
		*dir = !strcmp(ev->prefix + n - 3, "-in") ? 'i' : 'o';
		snprintf(reason, len, "rule %.*s", (int)(n - plen - (*dir == 'i' ? 3 : 4)),
			 ev->prefix + plen);
		return;
	}
	snprintf(reason, len, "%s", ev->prefix);
}

/* how fresh the listeners must be to attribute ev; 0: no need */
static int64_t scan_age(const struct nflog_event *ev, char dir, const char *reason)
{
	if (dir != 'i' || !ev->has_ports ||
	    (ev->proto != IPPROTO_TCP && ev->proto != IPPROTO_UDP))
		return 0;
	/* a blocked SYN may be the first to a new listener an owner rule allows */
	return strncmp(reason, "policy", 6) ? TRACKER_POLL_MS : TRACKER_KICK_MS;
}

/* inbound: the program and user of the listener the packet was meant for */
static void attribute(struct droplog *d, const struct nflog_event *ev,
		      struct log_event *le)
{
	struct tracker_owner o;

	if (le->dir == 'o') {
		le->uid = ev->has_uid ? (int64_t)ev->uid : -1;
		return;
	}
	if (!d->trk || !ev->has_ports)
		return;
	if (tracker_owner_of(d->trk, ev->family, ev->proto, ev->daddr, ev->dport, &o)) {
		le->uid = o.uid;
		if (o.exe[0])
			le->app = xstrdup(o.exe);
	}
}

static void convert(struct droplog *d, const struct nflog_event *ev,
		    struct log_event *le)
{
	const uint8_t *peer = ev->saddr;
	char reason[80];

	memset(le, 0, sizeof(*le));
	classify(ev, &le->dir, reason, sizeof(reason));
	le->time_ms = ev->time_ms;
	le->proto = ev->proto;
	le->uid = -1;
	le->count = 1;
	le->reason = xstrdup(reason);
	if (le->dir == 'o')
		peer = ev->daddr;
	if (!inet_ntop(ev->family, peer, le->peer, sizeof(le->peer)))
		snprintf(le->peer, sizeof(le->peer), "?");
	if (ev->has_ports) {
		le->peer_port = le->dir == 'o' ? ev->dport : ev->sport;
		le->local_port = le->dir == 'o' ? ev->sport : ev->dport;
	}
	attribute(d, ev, le);
}

/* the daemon's own limit: a `log` rule on a busy port is not rate-limited */
static bool within_rate(struct droplog *d)
{
	int64_t now = mono_ms();

	if (now - d->window_ms >= 1000) {
		d->window_ms = now;
		d->in_window = 0;
	}
	return d->in_window++ < DROPLOG_MAX_PER_SEC;
}

/* dropped by the policy on its way to a listener: its user may decide */
static void maybe_prompt(const struct nflog_event *ev, const struct log_event *le)
{
	if (le->dir != 'i' || le->uid < 0 || !ev->has_ports || !le->reason ||
	    strncmp(le->reason, "policy", 6) ||
	    (ev->proto != IPPROTO_TCP && ev->proto != IPPROTO_UDP))
		return;
	prompts_blocked(prompts_current(), le->app ? le->app : "", le->uid, ev->proto,
			ev->dport, ev->family, ev->saddr, le->time_ms);
}

static void on_event(void *arg, const struct nflog_event *ev)
{
	struct droplog *d = arg;
	char dir, reason[80];
	int64_t age;

	if (!d->since_ms)
		d->since_ms = mono_ms();
	if (!strncmp(ev->prefix, "fwd-drop-", 9) || !strncmp(ev->prefix, "fwd-reject-", 11))
		d->policy_seen++;
	if (!within_rate(d)) {
		d->lost++;
		return;
	}
	classify(ev, &dir, reason, sizeof(reason));
	age = scan_age(ev, dir, reason);
	/* once per read: a flood costs one scan per batch at most */
	if (age && d->trk && age < d->kicked) {
		tracker_kick(d->trk, age);
		d->kicked = age;
	}
	convert(d, ev, &d->buf[d->n++]);
	maybe_prompt(ev, &d->buf[d->n - 1]);
	if (d->n == DROPLOG_BATCH)
		droplog_flush(d);
}

void droplog_read(struct droplog *d)
{
	uint64_t lost;

	if (!d->nl)
		return;
	d->kicked = INT64_MAX;
	if (nflog_read(d->nl, on_event, d) < 0)
		log_warn("reading nflog");
	lost = nflog_lost(d->nl);
	if (lost != d->nflog_lost_seen && !d->since_ms)
		d->since_ms = mono_ms();
	d->lost += lost - d->nflog_lost_seen;
	d->nflog_lost_seen = lost;
}

/* ---- writing ---- */

int64_t droplog_deadline(const struct droplog *d)
{
	return d->since_ms ? d->since_ms + DROPLOG_FLUSH_MS : 0;
}

static void buf_clear(struct droplog *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->buf[i].app);
		free(d->buf[i].reason);
	}
	d->n = 0;
}

static void write_failed(struct droplog *d, struct store *s, uint64_t events)
{
	d->lost_mem += events;
	if (!d->failing)
		log_warnx("cannot write the blocked-connection log: %s",
			  s ? store_errmsg(s) : "database unavailable");
	d->failing = true;
}

/*
 * The kernel logs policy drops through a rate limit so a flood cannot
 * swamp fwd; the drops above it never reach us. Once a second while events
 * flow, the policy drop counters are compared with the events nflog
 * delivered, and the difference counts as lost: the log says that it is
 * incomplete rather than looking quiet.
 */
static void count_unlogged(struct droplog *d)
{
	struct engine_status st;
	uint64_t kernel;

	if (d->unlogged_ms && mono_ms() - d->unlogged_ms < 1000)
		return;
	engine_status(d->eng, &st);
	kernel = st.drops_in + st.rejects_in + st.drops_out;
	if (d->unlogged_ms && kernel - d->kernel_base > d->policy_seen - d->seen_base &&
	    kernel >= d->kernel_base)
		d->lost += (kernel - d->kernel_base) - (d->policy_seen - d->seen_base);
	d->kernel_base = kernel;
	d->seen_base = d->policy_seen;
	d->unlogged_ms = mono_ms();
}

void droplog_flush(struct droplog *d)
{
	struct store *s = engine_store(d->eng);
	uint32_t max = engine_config(d->eng)->log_max_events;

	if (d->n && (!s || store_log_add(s, d->buf, d->n, max) < 0))
		write_failed(d, s, d->n);
	else if (d->n)
		d->failing = false;
	if (engine_enabled(d->eng))
		count_unlogged(d);
	if (d->lost && (!s || store_log_add_lost(s, d->lost) < 0))
		write_failed(d, s, d->lost);
	d->lost = 0;
	d->since_ms = 0;
	if (d->n)
		refresh_newest(d);
	buf_clear(d);
}

void droplog_stats(struct droplog *d, struct droplog_stats *st)
{
	struct store *s = engine_store(d->eng);

	memset(st, 0, sizeof(*st));
	if (s && store_log_stats(s, &st->recorded, &st->dropped, &st->lost) < 0)
		log_warnx("cannot read the log counters: %s", store_errmsg(s));
	st->lost += d->lost + d->lost_mem;
}

/* ---- reading, for the log verb and its followers ---- */

static const char *proto_name(uint8_t p, char *buf, size_t len)
{
	switch (p) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "icmpv6";
	}
	snprintf(buf, len, "%u", p);
	return buf;
}

static void put_event(struct droplog *d, struct strbuf *out, const char *kind,
		      const char *type, const struct log_event *e)
{
	char pbuf[8];

	proto_begin(out, kind);
	if (type)
		proto_str(out, "type", type);
	proto_int(out, "id", e->id);
	proto_int(out, "time", e->time_ms);
	proto_str(out, "dir", e->dir == 'o' ? "out" : "in");
	proto_str(out, "proto", proto_name(e->proto, pbuf, sizeof(pbuf)));
	proto_str(out, "peer", e->peer);
	proto_int(out, "peer_port", e->peer_port);
	proto_int(out, "port", e->local_port);
	proto_str(out, "app", e->app ? e->app : "");
	proto_str(out, "user", e->uid >= 0 && d->trk ?
		  tracker_user_name(d->trk, (uid_t)e->uid) : "");
	proto_int(out, "uid", e->uid);
	proto_str(out, "reason", e->reason ? e->reason : "");
	proto_int(out, "count", e->count ? e->count : 1);
	proto_end(out);
}

int droplog_list(struct droplog *d, size_t limit, int64_t after_id,
		 const char *kind, struct strbuf *out, int64_t *last,
		 char *err, size_t errlen)
{
	return droplog_list_typed(d, limit, after_id, kind, NULL, out, last, err, errlen);
}

int droplog_list_typed(struct droplog *d, size_t limit, int64_t after_id,
		       const char *kind, const char *type, struct strbuf *out,
		       int64_t *last, char *err, size_t errlen)
{
	struct store *s = engine_store(d->eng);
	struct log_event *v = NULL;
	size_t n = 0;

	if (!s) {
		snprintf(err, errlen, "the blocked-connection log is unavailable: the "
			 "database is unavailable (see fwctl status)");
		return -1;
	}
	if (store_log_list(s, limit, after_id, &v, &n) < 0) {
		snprintf(err, errlen, "cannot read the blocked-connection log: %s",
			 store_errmsg(s));
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		put_event(d, out, kind, type, &v[i]);
		*last = v[i].id;
	}
	store_log_free(v, n);
	return n > INT32_MAX ? INT32_MAX : (int)n;
}
