/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_CLIENT_H
#define FWD_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "proto.h"

/* The client side of the control protocol, shared by fwctl and fwtui. */

#define FWD_DEFAULT_SOCKET "/run/fwd/fwd.sock"

struct client;

/* --socket, else $FWD_SOCKET, else the default */
const char *client_socket_path(const char *opt);

/*
 * Connects. NULL on failure with a message in err that says which socket
 * was tried and what to do ("is fwd running? try systemctl start fwd").
 */
struct client *client_connect(const char *path, char *err, size_t errlen);
void client_close(struct client *c);
int client_fd(const struct client *c);

/*
 * Sends one request: argv[0] is the verb; body (may be NULL) is sent with
 * a size= argument appended. Returns 0, or -1 with err.
 */
int client_send(struct client *c, int argc, const char *const *argv,
		const char *body, size_t bodylen, char *err, size_t errlen);

/*
 * Reads the next response line (blocking). Returns 1 with m filled, 0 when
 * the daemon closed the connection, -1 on error (err). The caller frees m.
 */
int client_next(struct client *c, struct message *m, char *err, size_t errlen);

/*
 * Non-blocking variant for event loops (fwtui): reads what is available
 * and returns 1 when a whole line was parsed into m, 2 when more data is
 * needed, 0 on close, -1 on error.
 */
int client_poll_next(struct client *c, struct message *m, char *err, size_t errlen);

#endif
