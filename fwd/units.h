/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_UNITS_H
#define FWD_UNITS_H

#include <stddef.h>
#include <stdint.h>

/*
 * systemd units as the kernel sees them: a cgroup v2 directory whose inode
 * is the id `socket cgroupv2 level N` compares, N being its depth below
 * the hierarchy's root. No systemd API: the layout is systemd's stable
 * naming (a slice "a-b.slice" lives at a.slice/a-b.slice, a service or
 * scope directly inside its slice), so this works without D-Bus and
 * inside the daemon's sandbox. Only slices are searched, never the inside
 * of a service: a delegated subtree (user@.service, containers) is
 * writable by its owner, who could otherwise name a cgroup "sshd.service"
 * and inherit sshd's exception.
 */

/*
 * The cgroup v2 mount in mountinfo text (/proc/self/mountinfo): its mount
 * point and the depth of the mounted root below the hierarchy's root (0
 * unless a subtree is bind-mounted). Returns 0, or -1 when there is none.
 */
int units_find_mount(const char *mountinfo, char *dir, size_t dirlen, unsigned *depth);

/* "a-b-c.slice" -> "a.slice/a-b.slice/a-b-c.slice"; -1 when it is no slice name */
int units_slice_path(const char *name, char *buf, size_t len);

struct unit_place {
	char path[512];         /* relative to the mount, "system.slice/x.service" */
	unsigned level;         /* depth below the hierarchy's root */
	uint64_t id;            /* the directory's inode: the cgroup id */
};

/*
 * Finds unit name below the mount open at rootfd (depth: of its root, as
 * units_find_mount gives it), searching slices breadth first down to
 * max_level. Returns 0 with *out filled, -1 when the unit has no cgroup
 * (not running) or lies deeper than max_level (out->level says how deep
 * when it was found, else 0).
 */
int units_resolve(int rootfd, unsigned depth, const char *name, unsigned max_level,
		  struct unit_place *out);

/* out still names a cgroup of the same id (cheaper than units_resolve) */
int units_still(int rootfd, const struct unit_place *out);

/*
 * 1 when cgroup id is p's cgroup or one below it (what `socket cgroupv2`
 * matches), else 0. Walks the subtree, at most UNITS_WALK_MAX directories.
 */
#define UNITS_WALK_MAX 4096
int units_subtree_has(int rootfd, const struct unit_place *p, uint64_t id);


/* ---- the daemon's view (unit_cache.c): the mount, found once, and places ---- */

struct unit_cache;

struct unit_cache *unit_cache_new(void);
void unit_cache_free(struct unit_cache *c);

enum unit_state { UNIT_FOUND, UNIT_NOT_RUNNING, UNIT_TOO_DEEP, UNIT_NO_CGROUPS };

/*
 * The cgroup of unit name now: level and id when UNIT_FOUND. A known place
 * is checked with one stat; a unit not seen is searched for (a few
 * readdirs of slices). Problems are logged once per unit.
 */
enum unit_state unit_cache_lookup(struct unit_cache *c, const char *name,
				  unsigned *level, uint64_t *id);
/* 1 when the known place of unit name holds cgroup id (no new lookup) */
int unit_cache_holds(struct unit_cache *c, const char *name, uint64_t id);
/* forgets places of units not looked up since the last call (a poll's end) */
void unit_cache_sweep(struct unit_cache *c);
/* "" or why no unit can be matched (no cgroup v2 mount) */
const char *unit_cache_problem(const struct unit_cache *c);

#endif
