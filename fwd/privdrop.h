/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_PRIVDROP_H
#define FWD_PRIVDROP_H

#include <stddef.h>

/*
 * Least privilege once start-up is done. fwd starts as root because the
 * work before readiness needs it: binding the control socket in /run/fwd,
 * opening (or creating, or moving aside) the database, the first commit,
 * binding the nflog group and forking the /proc helper with its own two
 * capabilities. Afterwards the daemon keeps exactly one capability:
 *
 *   CAP_NET_ADMIN  every nfnetlink message, reads included, is checked
 *                  against the *effective* set at send time (a socket
 *                  opened before the drop is no exception), and
 *                  SO_SNDBUFFORCE/SO_RCVBUFFORCE, which big batches and the
 *                  nflog socket need, are checked against it too.
 *
 * Everything else goes: permitted, effective, inheritable and ambient sets
 * hold CAP_NET_ADMIN only, the bounding set is emptied (when CAP_SETPCAP
 * allows), no_new_privs is set and the securebits are locked, so no
 * execve could ever give anything back.
 */

/*
 * Drops to the set above; with a non-empty user (configure --with-fwd-user)
 * also switches uid and gid to that account's and drops the supplementary
 * groups. Call once, after the last thing that needs root. Returns 0, or
 * -1 with a message in err: the caller should then exit (the ruleset stays
 * in the kernel), not run on with more privilege than it announced.
 */
int privdrop_apply(const char *user, char *err, size_t errlen);

/*
 * Only with a non-empty user, before privdrop_apply and after the database
 * is open: gives the user the database file, its -wal and -shm files and
 * its directory, so SQLite can still write after the switch. The directory
 * is changed only when it is root's and private (mode 0700, as systemd's
 * StateDirectory= makes it); any other directory must already be the
 * user's, so a --db in a shared directory never hands that directory over.
 * Returns 0 (also for an empty user), or -1 with a message in err.
 */
int privdrop_own_state(const char *user, const char *db_path, char *err, size_t errlen);

#endif
