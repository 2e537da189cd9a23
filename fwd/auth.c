/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "auth.h"
#include "log.h"
#include "strbuf.h"

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59
#endif

static char *admin_name;
static bool admin_known;
static gid_t admin_gid;

void auth_set_admin_group(const char *name)
{
	struct group *gr;

	free(admin_name);
	admin_name = xstrdup(name ? name : "fwadm");
	errno = 0;
	gr = getgrnam(admin_name);
	if (!gr) {
		admin_known = false;
		log_warnx("admin group '%s' does not exist: only root may change the "
			  "firewall (create the group or set admin-group in fwd.conf)",
			  admin_name);
		return;
	}
	admin_known = true;
	admin_gid = gr->gr_gid;
	log_debug("admin group '%s' is gid %u", admin_name, (unsigned)admin_gid);
}

const char *auth_admin_group(void)
{
	return admin_name ? admin_name : "fwadm";
}

/* the supplementary groups; the kernel says how much room it needs */
static int read_groups(int fd, struct auth_peer *p)
{
	socklen_t len = 32 * sizeof(gid_t);
	gid_t *v = NULL;

	for (int tries = 0; tries < 4; tries++) {
		v = xrealloc(v, len ? len : sizeof(gid_t));
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, v, &len) == 0) {
			p->groups = v;
			p->ngroups = len / sizeof(gid_t);
			return 0;
		}
		if (errno != ERANGE)
			break;
	}
	free(v);
	return -1;
}

int auth_peer_read(int fd, struct auth_peer *p)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	memset(p, 0, sizeof(*p));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -1;
	p->uid = cred.uid;
	p->gid = cred.gid;
	p->pid = cred.pid;
	/*
	 * Without the supplementary groups a member of the admin group whose
	 * primary group differs is refused: the closed direction.
	 */
	if (read_groups(fd, p) < 0)
		log_warn("SO_PEERGROUPS of uid %u", (unsigned)p->uid);
	return 0;
}

void auth_peer_free(struct auth_peer *p)
{
	free(p->groups);
	p->groups = NULL;
	p->ngroups = 0;
}

bool auth_is_admin(const struct auth_peer *p)
{
	if (p->uid == 0)
		return true;
	if (!admin_known)
		return false;
	if (p->gid == admin_gid)
		return true;
	for (size_t i = 0; i < p->ngroups; i++)
		if (p->groups[i] == admin_gid)
			return true;
	return false;
}
