/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_SERVER_H
#define FWD_SERVER_H

#include "engine.h"

/* limits of the control socket (doc/protocol.md, SPEC.md) */
#define SERVER_MAX_CLIENTS      512
#define SERVER_ADMIN_RESERVE    32      /* of those, only for root and admins */
#define SERVER_MAX_PER_UID      64
#define SERVER_MAX_OUTPUT       (64u << 20)     /* unread response bytes */
/* a reply buffer grown past this is freed, and the heap trimmed, once sent */
#define SERVER_TRIM_BYTES (1u << 20)
#define SERVER_IDLE_MS          30000           /* silent mid-request */
#define SERVER_BODY_BUDGET      (256u << 20)    /* bodies of all clients */
#define SERVER_BACKLOG          128
/* `log follow` connections, in all and per uid */
#define SERVER_MAX_FOLLOWERS    64
#define SERVER_MAX_FOLLOW_PER_UID 4
/* a follower gets more events only while less than this is unsent */
#define SERVER_FOLLOW_BACKLOG   (64u << 10)
#define SERVER_FOLLOW_BATCH     256

/*
 * Runs the daemon: engine start-up, the control socket, detaching (unless
 * o->foreground) once the socket is bound and the ruleset committed, and
 * the event loop until SIGTERM/SIGINT. Returns the exit status.
 */
int server_main(const struct fwd_options *o);

#endif
