/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_DROPLOG_H
#define FWD_DROPLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

/*
 * The blocked-connection log: packets the ruleset logs to fwd's nflog
 * group (blocked attempts, rate-limited in the kernel, and matches of
 * rules marked `log`), attributed to the listening program and user,
 * buffered and written to the store in batches.
 */
struct droplog;
struct engine;
struct tracker;

/* a batch is written at most this long after its first event ... */
#define DROPLOG_FLUSH_MS        200
/* ... or once it has this many events */
#define DROPLOG_BATCH           256
/* events recorded per second at most; the rest are counted as lost */
#define DROPLOG_MAX_PER_SEC     2560

/*
 * Binds the engine's log-group. Never fails: without nflog (the group is
 * taken, no CAP_NET_ADMIN) fwd runs without the log and droplog_problem
 * says why. t (may be NULL) attributes inbound packets to listeners.
 */
struct droplog *droplog_new(struct engine *e, struct tracker *t);
/* writes what is buffered, then closes */
void droplog_free(struct droplog *d);

/* for poll(): -1 when there is no nflog socket */
int droplog_fd(const struct droplog *d);
/* reads what nflog has (bounded), buffering events; flushes a full batch */
void droplog_read(struct droplog *d);
/* monotonic ms when droplog_flush has work, 0 when nothing is buffered */
int64_t droplog_deadline(const struct droplog *d);
void droplog_flush(struct droplog *d);

/* "" when the log works, else why it does not */
const char *droplog_problem(const struct droplog *d);

struct droplog_stats {
	uint64_t recorded;      /* events ever written to the log */
	uint64_t dropped;       /* trimmed away since (log-max-events) */
	uint64_t lost;          /* never written: nflog overflow, rate, errors */
};
void droplog_stats(struct droplog *d, struct droplog_stats *st);

/* the id of the newest stored event, 0 when none */
int64_t droplog_newest(const struct droplog *d);

/*
 * Appends the stored events as protocol lines of kind ("item" or
 * "event"), oldest first: after_id 0 the newest limit events, else the
 * first limit events after after_id. *last is set to the id of the last
 * one written (unchanged when none). Returns how many were written, or
 * -1 with err when the log is unreadable.
 */
int droplog_list(struct droplog *d, size_t limit, int64_t after_id,
		 const char *kind, struct strbuf *out, int64_t *last,
		 char *err, size_t errlen);
/* the same with type="TYPE" first on each line (watch: type "log") */
int droplog_list_typed(struct droplog *d, size_t limit, int64_t after_id,
		       const char *kind, const char *type, struct strbuf *out,
		       int64_t *last, char *err, size_t errlen);

#endif
