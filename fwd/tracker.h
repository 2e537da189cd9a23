/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_TRACKER_H
#define FWD_TRACKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Listener tracking: which local program and user own each listening
 * socket (listeners.c for the sockets, the procmap helper for their
 * executables), and from that the owner bindings of the `in` rules with
 * app, user or group (compile.h). It is the engine's binder, so every
 * change is compiled with the sockets its rules match now; between
 * changes it polls once a second while such rules exist or prompts want
 * new listeners (prompts_wanted: `user-prompts yes`, the default, or a
 * `watch` open), never otherwise, and at once when a blocked packet may
 * have met a new listener. A socket seen for the first time beyond
 * loopback, after the first scan, is passed to prompts_listening.
 *
 * The idle cost of prompts: one inet_diag dump of the listening sockets a
 * second (about 0.1-0.3 ms for tens of sockets, listener_scan_us in
 * status); /proc is visited only for sockets not seen before.
 */
struct engine;
struct tracker;

/* how often the listeners are polled while owner rules need them */
#define TRACKER_POLL_MS         1000
/* a rescan asked for by a blocked packet waits at least this long after the last */
#define TRACKER_KICK_MS         100
/* a known socket's owner is looked up again this often (exec, deleted binary) */
#define TRACKER_REFRESH_MS      10000

/*
 * Spawns the /proc helper (call while privileged, before any thread) and
 * registers itself as e's binder. Never fails: without the helper every
 * owner is unknown (allow app matches nothing, deny app matches all
 * unknown owners) and tracker_problem says why.
 */
struct tracker *tracker_new(struct engine *e);
void tracker_free(struct tracker *t);

/* monotonic ms when tracker_tick has work, 0 when it has none */
int64_t tracker_deadline(struct tracker *t);
/* the poll: rescans when due and puts changed bindings in force */
void tracker_tick(struct tracker *t, int64_t now_ms);
/*
 * Rescans now unless the last scan is younger than max_age_ms. A blocked
 * inbound packet asks with TRACKER_KICK_MS, so a client's SYN retransmit
 * finds its listener allowed; attributing other logged packets asks with
 * TRACKER_POLL_MS (the scan is also all the log needs when no rule needs
 * owners and nothing polls).
 */
void tracker_kick(struct tracker *t, int64_t max_age_ms);

/* the owner of the socket a packet would reach, per the last scan */
struct tracker_owner {
	char exe[4096];         /* "" when unknown; " (deleted)" appended */
	int64_t uid;            /* -1 when no listener */
};
/* daddr: network order, 4 or 16 bytes by family; 1 when a listener is found */
int tracker_owner_of(struct tracker *t, int family, uint8_t proto,
		     const uint8_t *daddr, uint16_t port, struct tracker_owner *o);

/*
 * The ids of the enabled unit rules whose unit holds cgroup (a socket's,
 * from inet_diag), at most max. Exact: `fwctl exposure` uses it.
 */
size_t tracker_unit_rules(struct tracker *t, uint64_t cgroup, uint64_t *ids, size_t max);

/* the name of uid, "" when it has none; cached until tracker_reload */
const char *tracker_user_name(struct tracker *t, uid_t uid);
/* SIGHUP: users and groups are looked up again */
void tracker_reload(struct tracker *t);

struct tracker_stats {
	size_t listeners;       /* sockets in the last scan */
	size_t bindings;        /* owner bindings in force */
	int64_t scan_us;        /* duration of the last scan, owner lookups included */
	uint64_t scans;
	const char *problem;    /* "" when none */
};
void tracker_stats(struct tracker *t, struct tracker_stats *st);

/*
 * fwctl exposure: every socket of a scan at most max_age_ms old (rescans
 * otherwise), loopback ones included. *ls and *exe (the owner's executable,
 * "" unknown, " (deleted)" appended) are malloc'd arrays of *n entries;
 * free them with tracker_sockets_free. -1 when no scan was ever made.
 */
struct listener;
int tracker_sockets(struct tracker *t, int64_t max_age_ms, struct listener **ls,
		    char ***exe, size_t *n);
void tracker_sockets_free(struct listener *ls, char **exe, size_t n);

#endif
