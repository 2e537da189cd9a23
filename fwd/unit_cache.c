/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's unit lookups: the cgroup v2 mount is found in
 * /proc/self/mountinfo when a unit rule first needs it (and again while it
 * is missing), and each unit's place is remembered, so a poll costs one
 * stat per unit rule while its unit keeps running.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compile.h"
#include "log.h"
#include "strbuf.h"
#include "units.h"

struct unit_entry {
	char *name;
	struct unit_place place;
	enum unit_state state;
	bool used;              /* looked up since the last sweep */
	bool warned;            /* its problem was logged */
};

struct unit_cache {
	int rootfd;             /* the cgroup v2 mount, -1 = not found yet */
	unsigned depth;
	bool warned;
	bool asked, active;     /* a unit was looked up since / before the last sweep */
	char problem[160];
	struct unit_entry *v;
	size_t n, cap;
};

struct unit_cache *unit_cache_new(void)
{
	struct unit_cache *c = xcalloc(1, sizeof(*c));

	c->rootfd = -1;
	return c;
}

void unit_cache_free(struct unit_cache *c)
{
	if (!c)
		return;
	if (c->rootfd >= 0)
		close(c->rootfd);
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].name);
	free(c->v);
	free(c);
}

static bool mount_open(struct unit_cache *c)
{
	struct strbuf info = STRBUF_INIT;
	char dir[4096];

	if (c->rootfd >= 0)
		return true;
	if (sb_read_file(&info, "/proc/self/mountinfo") == 0 &&
	    units_find_mount(sb_str(&info), dir, sizeof(dir), &c->depth) == 0)
		c->rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	sb_free(&info);
	if (c->rootfd >= 0) {
		c->problem[0] = 0;
		c->warned = false;
		return true;
	}
	snprintf(c->problem, sizeof(c->problem), "no cgroup v2 hierarchy is mounted: "
		 "unit rules match nothing");
	if (!c->warned)
		log_warnx("%s (mount cgroup2 at /sys/fs/cgroup)", c->problem);
	c->warned = true;
	return false;
}

static struct unit_entry *entry_get(struct unit_cache *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].name, name) == 0)
			return &c->v[i];
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 8;
		c->v = xrealloc(c->v, c->cap * sizeof(*c->v));
	}
	memset(&c->v[c->n], 0, sizeof(c->v[c->n]));
	c->v[c->n].name = xstrdup(name);
	c->v[c->n].state = UNIT_NOT_RUNNING;
	return &c->v[c->n++];
}

static void entry_refresh(struct unit_cache *c, struct unit_entry *e)
{
	enum unit_state was = e->state;

	if (e->state == UNIT_FOUND && units_still(c->rootfd, &e->place) == 0)
		return;
	if (units_resolve(c->rootfd, c->depth, e->name, PLAN_CGROUP_LEVELS, &e->place) == 0)
		e->state = UNIT_FOUND;
	else
		e->state = e->place.level ? UNIT_TOO_DEEP : UNIT_NOT_RUNNING;
	if (e->state == UNIT_TOO_DEEP && !e->warned)
		log_warnx("unit %s is at cgroup level %u (%s); fwd matches units down to "
			  "level %d, so its rules match nothing", e->name, e->place.level,
			  e->place.path, PLAN_CGROUP_LEVELS);
	e->warned = e->state == UNIT_TOO_DEEP;
	if (e->state != was)
		log_debug("unit %s: %s (cgroup %llu)", e->name,
			  e->state == UNIT_FOUND ? "running" : "no cgroup",
			  (unsigned long long)e->place.id);
}

enum unit_state unit_cache_lookup(struct unit_cache *c, const char *name,
				  unsigned *level, uint64_t *id)
{
	struct unit_entry *e;

	c->asked = true;
	if (!mount_open(c))
		return UNIT_NO_CGROUPS;
	e = entry_get(c, name);
	e->used = true;
	entry_refresh(c, e);
	*level = e->place.level;
	*id = e->place.id;
	return e->state;
}

int unit_cache_holds(struct unit_cache *c, const char *name, uint64_t id)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].state == UNIT_FOUND && strcmp(c->v[i].name, name) == 0)
			return units_subtree_has(c->rootfd, &c->v[i].place, id);
	return 0;
}

void unit_cache_sweep(struct unit_cache *c)
{
	size_t n = 0;

	c->active = c->asked;
	c->asked = false;
	for (size_t i = 0; i < c->n; i++) {
		if (!c->v[i].used) {
			free(c->v[i].name);
			continue;
		}
		c->v[i].used = false;
		c->v[n++] = c->v[i];
	}
	c->n = n;
}

/* a problem only while unit rules exist: the last sweep saw lookups */
const char *unit_cache_problem(const struct unit_cache *c)
{
	return c->active || c->asked ? c->problem : "";
}
