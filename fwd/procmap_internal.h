/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What procmap's two files share: procmap_walk.c finds the holders of
 * socket inodes in /proc, procmap.c runs that walk in the helper process
 * and carries the questions and answers over the helper's socket.
 */
#ifndef FWD_PROCMAP_INTERNAL_H
#define FWD_PROCMAP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "procmap.h"

/* one unique inode of a request, and what we learned about it */
struct pm_want {
	uint64_t inode;
	uid_t uid;              /* (uid_t)-1: no hint */
	pid_t pid;              /* holder found (tentative until done) */
	int fd;                 /* its descriptor number */
	uint64_t start;         /* its start time, /proc/PID/stat field 22 */
	int64_t checked;        /* when fd was last seen holding it */
	enum owner_state state;
	bool done;
	char *exe;
};

/* unique wants sorted by inode; an inode asked twice with two uids: no hint */
size_t pm_wants_build(const uint64_t *inodes, const uid_t *uids, size_t n,
		      struct pm_want **out);
void pm_wants_free(struct pm_want *w, size_t n);
/* resolves every want; -1 if /proc cannot be read at all */
int pm_resolve(struct pm_want *w, size_t nw);
/* the want of inode in w (sorted), or NULL */
struct pm_want *pm_find(struct pm_want *w, size_t n, uint64_t inode);
/* the answer for inode from its want; w NULL: unreadable */
void pm_fill(struct proc_owner *o, uint64_t inode, const struct pm_want *w);

#endif
