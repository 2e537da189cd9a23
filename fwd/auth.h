/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_AUTH_H
#define FWD_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Who is on the other end of a control connection. Taken once at accept:
 * SO_PEERCRED describes the process that connected, not whoever writes
 * later, so authorization is per connection (KERNEL.md).
 */
struct auth_peer {
	uid_t uid;
	gid_t gid;
	pid_t pid;
	gid_t *groups;          /* supplementary groups (SO_PEERGROUPS) */
	size_t ngroups;
};

/* fills p from a connected Unix socket; -1 with errno on failure */
int auth_peer_read(int fd, struct auth_peer *p);
void auth_peer_free(struct auth_peer *p);

/*
 * Resolves the admin group by name (at start and on SIGHUP). A group that
 * does not exist only means nobody but root is admin; that is logged.
 */
void auth_set_admin_group(const char *name);
const char *auth_admin_group(void);

/* root, or the admin group is the peer's primary or a supplementary group */
bool auth_is_admin(const struct auth_peer *p);

#endif
