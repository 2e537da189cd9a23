/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Dropping root after start-up, with libcap-ng. The order matters: the
 * bounding set and the securebits need CAP_SETPCAP, so they go first; the
 * uid switch needs CAP_SETUID/CAP_SETGID, which capng_change_id holds
 * only for the switch; the sets the daemon runs with are applied last and
 * then read back, because a drop that silently did less than asked is
 * worse than none.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cap-ng.h>

#include "log.h"
#include "privdrop.h"
#include "strbuf.h"

static int lookup_user(const char *user, uid_t *uid, gid_t *gid, char *err,
		       size_t errlen)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(user);
	if (!pw) {
		snprintf(err, errlen, "user '%s' (configure --with-fwd-user) does not "
			 "exist%s%s: create it (adduser --system %s)", user,
			 errno ? ": " : "", errno ? strerror(errno) : "", user);
		return -1;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errlen, "user '%s' is uid 0: give fwd an unprivileged "
			 "system account, or build without --with-fwd-user", user);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

/* nothing but CAP_NET_ADMIN in the permitted, effective and inheritable sets */
static bool caps_exact(void)
{
	for (unsigned int c = 0; c <= CAP_LAST_CAP; c++) {
		int want = c == CAP_NET_ADMIN;

		if (capng_have_capability(CAPNG_EFFECTIVE, c) != want ||
		    capng_have_capability(CAPNG_PERMITTED, c) != want ||
		    capng_have_capability(CAPNG_INHERITABLE, c) ||
		    capng_have_capability(CAPNG_AMBIENT, c))
			return false;
	}
	return true;
}

/* reads the process back: the drop must have done all it promised */
static int verify(uid_t uid, bool bounds, char *err, size_t errlen)
{
	if (capng_get_caps_process() < 0) {
		snprintf(err, errlen, "cannot read the capabilities back: %s",
			 strerror(errno));
		return -1;
	}
	if (!caps_exact()) {
		snprintf(err, errlen, "capabilities after the drop are not exactly "
			 "cap_net_admin");
		return -1;
	}
	if (bounds && capng_have_capabilities(CAPNG_SELECT_BOUNDS) != CAPNG_NONE) {
		snprintf(err, errlen, "the capability bounding set is not empty "
			 "after the drop");
		return -1;
	}
	if (getuid() != uid || geteuid() != uid ||
	    prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) {
		snprintf(err, errlen, "uid or no_new_privs not as set after the drop");
		return -1;
	}
	return 0;
}

/* what we start from must allow what we are asked to do */
static int precheck(bool switching, bool *setpcap, char *err, size_t errlen)
{
	/* libcap-ng may have met this process before the daemon forked */
	capng_setpid(getpid());
	if (capng_get_caps_process() < 0) {
		snprintf(err, errlen, "cannot read the process capabilities: %s",
			 strerror(errno));
		return -1;
	}
	if (!capng_have_capability(CAPNG_EFFECTIVE, CAP_NET_ADMIN)) {
		snprintf(err, errlen, "fwd does not hold CAP_NET_ADMIN, so it could "
			 "not manage its table after dropping privileges: start it "
			 "as root");
		return -1;
	}
	if (switching && (!capng_have_capability(CAPNG_EFFECTIVE, CAP_SETUID) ||
			  !capng_have_capability(CAPNG_EFFECTIVE, CAP_SETGID) ||
			  !capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP))) {
		snprintf(err, errlen, "switching user needs CAP_SETUID, CAP_SETGID "
			 "and CAP_SETPCAP at start (add them to the unit's "
			 "CapabilityBoundingSet=)");
		return -1;
	}
	*setpcap = capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP);
	return 0;
}

static int drop(const char *user, uid_t uid, gid_t gid, bool setpcap, char *err,
		size_t errlen)
{
	int rc;

	capng_clear(CAPNG_SELECT_ALL);
	if (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
			 CAP_NET_ADMIN) < 0) {
		snprintf(err, errlen, "libcap-ng refused cap_net_admin");
		return -1;
	}
	/*
	 * SECURE_NOROOT and SECURE_NO_SETUID_FIXUP, locked, plus no_new_privs:
	 * uid 0 is no longer special to execve or to setuid.
	 */
	if (setpcap && capng_lock() < 0) {
		snprintf(err, errlen, "cannot lock the securebits: %s", strerror(errno));
		return -1;
	}
	if (*user)
		rc = capng_change_id((int)uid, (int)gid, CAPNG_DROP_SUPP_GRP |
				     CAPNG_CLEAR_BOUNDING | CAPNG_CLEAR_AMBIENT);
	else
		rc = capng_apply(setpcap ? CAPNG_SELECT_ALL
				 : CAPNG_SELECT_CAPS | CAPNG_SELECT_AMBIENT);
	if (rc < 0) {
		snprintf(err, errlen, "dropping privileges failed (libcap-ng %s "
			 "returned %d): %s", *user ? "capng_change_id" : "capng_apply",
			 rc, strerror(errno));
		return -1;
	}
	return 0;
}

int privdrop_apply(const char *user, char *err, size_t errlen)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	bool setpcap = false;

	if (!user)
		user = "";
	if (*user && lookup_user(user, &uid, &gid, err, errlen) < 0)
		return -1;
	if (precheck(*user, &setpcap, err, errlen) < 0)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		snprintf(err, errlen, "cannot set no_new_privs: %s", strerror(errno));
		return -1;
	}
	if (drop(user, uid, gid, setpcap, err, errlen) < 0 ||
	    verify(uid, setpcap, err, errlen) < 0)
		return -1;
	if (!setpcap)
		log_warnx("no CAP_SETPCAP at start: the capability bounding set and the "
			  "securebits stay as they were");
	log_info("privileges dropped: uid %u, capabilities cap_net_admin only%s, "
		 "no_new_privs", (unsigned)uid,
		 setpcap ? ", empty bounding set, locked securebits" : "");
	return 0;
}

/* ---- the database for a switched user ---- */

/* path, owned by root and not the user: hand it over; absent is fine */
static int own_file(const char *path, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s is not a regular file", path);
		return -1;
	}
	if (st.st_uid == uid)
		return 0;
	if (fchownat(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW) < 0) {
		snprintf(err, errlen, "cannot give %s to uid %u: %s", path,
			 (unsigned)uid, strerror(errno));
		return -1;
	}
	return 0;
}

static int own_dir(const char *dir, const char *user, uid_t uid, gid_t gid,
		   char *err, size_t errlen)
{
	struct stat st;

	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a directory", dir);
		return -1;
	}
	if (st.st_uid == uid)
		return 0;
	/* a private directory of root's is the state directory made for us */
	if (st.st_uid != 0 || (st.st_mode & 077) || !strcmp(dir, "/")) {
		snprintf(err, errlen, "fwd runs as '%s' after start-up but cannot write "
			 "the database directory %s: chown %s %s", user, dir, user, dir);
		return -1;
	}
	if (fchownat(AT_FDCWD, dir, uid, gid, AT_SYMLINK_NOFOLLOW) < 0) {
		snprintf(err, errlen, "cannot give %s to '%s': %s", dir, user,
			 strerror(errno));
		return -1;
	}
	return 0;
}

int privdrop_own_state(const char *user, const char *db_path, char *err, size_t errlen)
{
	static const char *const suffix[] = { "", "-wal", "-shm" };
	struct strbuf sb = STRBUF_INIT;
	char *copy = xstrdup(db_path);
	uid_t uid;
	gid_t gid;
	int ret = -1;

	if (!user || !*user) {
		ret = 0;
		goto out;
	}
	if (lookup_user(user, &uid, &gid, err, errlen) < 0 ||
	    own_dir(dirname(copy), user, uid, gid, err, errlen) < 0)
		goto out;
	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		sb_reset(&sb);
		sb_printf(&sb, "%s%s", db_path, suffix[i]);
		if (own_file(sb_str(&sb), uid, gid, err, errlen) < 0)
			goto out;
	}
	ret = 0;
out:
	sb_free(&sb);
	free(copy);
	return ret;
}
