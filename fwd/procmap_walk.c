/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The lookup half of procmap: a walk of /proc for the processes holding
 * given socket inodes, with a cache of the holders found (procmap.c runs
 * it in the helper process).
 *
 * Every /proc/PID access after the first goes through a descriptor of the
 * /proc/PID directory: it stays bound to that process, so a pid reused
 * mid-walk fails with ESRCH instead of answering for a stranger.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "procmap_internal.h"
#include "strbuf.h"

#define PM_CACHE_AGE    8               /* calls an unasked entry survives */
#define PM_RECHECK_S    10              /* default of pm_recheck */
#define PM_CACHE_MAX    (2u * PROCMAP_MAX_INODES)
#define PM_DELETED      " (deleted)"

/*
 * A cached holder. On a hit the process is re-checked (same pid, same start
 * time) and its exe re-read (execve keeps both); the descriptor only every
 * pm_recheck seconds, as it costs a /proc readlink (~4 us) per socket. Until
 * then a holder that handed its socket to another process and closed its
 * own copy is still named: it chose who serves on its socket.
 */
struct pm_cent {
	uint64_t inode;
	pid_t pid;
	int fd;
	uint64_t start;
	int64_t checked;
	unsigned int used;      /* pm_gen of the last call that asked */
};

struct pm_walk {
	struct pm_want *w;
	size_t nw, left;        /* left: not done yet */
	int procfd;
	int64_t now;            /* CLOCK_MONOTONIC seconds */
	bool unreadable;        /* some fd directory could not be listed */
	size_t *hits;           /* wants matched in the current process */
	size_t nhits, chits;
	char exe[PROCMAP_EXE_MAX + 1];
};

static struct pm_cent *pm_cache;
static size_t pm_ncache;
static unsigned int pm_gen;
static unsigned int pm_recheck = PM_RECHECK_S;

/* ---- small /proc readers ---- */

/* "socket:[12345]" exactly */
static bool pm_socket_link(const char *s, size_t len, uint64_t *ino)
{
	static const char pfx[] = "socket:[";
	uint64_t v = 0;
	size_t i = sizeof(pfx) - 1;

	if (len < i + 2 || memcmp(s, pfx, i) != 0 || s[len - 1] != ']')
		return false;
	for (; i < len - 1; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*ino = v;
	return true;
}

static bool pm_parse_pid(const char *s, pid_t *pid)
{
	long v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 100000000)
			return false;
		v = v * 10 + (*s - '0');
	}
	*pid = (pid_t)v;
	return v > 0;
}

/* field 22 of /proc/PID/stat, counted after the last ')' of comm */
static int pm_read_start(int piddir, uint64_t *start)
{
	char buf[1024], *p, *end;
	ssize_t n;
	int fd = openat(piddir, "stat", O_RDONLY | O_CLOEXEC), field;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p)
		return -1;
	/* the first step finds the space before field 3, the last field 22's */
	for (field = 3; field <= 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p)
		return -1;
	errno = 0;
	*start = strtoull(p + 1, &end, 10);
	return errno || end == p + 1 ? -1 : 0;
}

/* -1: the process is gone; else *st and wk->exe are set */
static int pm_read_exe(struct pm_walk *wk, int piddir, enum owner_state *st)
{
	size_t dl = sizeof(PM_DELETED) - 1;
	ssize_t n;

	wk->exe[0] = '\0';
	n = readlinkat(piddir, "exe", wk->exe, PROCMAP_EXE_MAX);
	if (n < 0) {
		if (errno == ENOENT || errno == ESRCH)
			return -1;
		*st = OWNER_UNREADABLE;
		return 0;
	}
	if (n >= PROCMAP_EXE_MAX) {     /* cannot be reported whole */
		*st = OWNER_UNREADABLE;
		return 0;
	}
	wk->exe[n] = '\0';
	*st = OWNER_OK;
	/*
	 * The kernel appends " (deleted)" to an unlinked exe (an upgrade
	 * renamed a new file over it). A file really named so is reported
	 * deleted too: stat()ing user-chosen paths here could hang on FUSE.
	 */
	if ((size_t)n > dl && strcmp(wk->exe + n - dl, PM_DELETED) == 0) {
		wk->exe[n - dl] = '\0';
		*st = OWNER_DELETED;
	}
	return 0;
}

static int pm_open_pid(int procfd, pid_t pid)
{
	char name[16];

	snprintf(name, sizeof(name), "%d", (int)pid);
	return openat(procfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* ---- the walk ---- */

static int pm_want_cmp(const void *a, const void *b)
{
	const struct pm_want *x = a, *y = b;

	return x->inode < y->inode ? -1 : x->inode > y->inode;
}

struct pm_want *pm_find(struct pm_want *w, size_t n, uint64_t inode)
{
	struct pm_want key = { .inode = inode };

	return bsearch(&key, w, n, sizeof(*w), pm_want_cmp);
}

static void pm_hit(struct pm_walk *wk, struct pm_want *w, pid_t pid, int fd,
		   int64_t checked)
{
	if (wk->nhits == wk->chits) {
		wk->chits = wk->chits ? wk->chits * 2 : 16;
		wk->hits = xrealloc(wk->hits, wk->chits * sizeof(*wk->hits));
	}
	w->pid = pid;
	w->fd = fd;
	w->checked = checked;
	wk->hits[wk->nhits++] = (size_t)(w - wk->w);
}

/* makes the current process's hits final, or releases them if it is gone */
static void pm_settle(struct pm_walk *wk, int piddir, uint64_t start)
{
	enum owner_state st = OWNER_UNREADABLE;
	bool gone = pm_read_exe(wk, piddir, &st) < 0;

	for (size_t i = 0; i < wk->nhits; i++) {
		struct pm_want *w = &wk->w[wk->hits[i]];

		if (gone) {
			w->pid = 0;
			continue;
		}
		w->done = true;
		w->start = start;
		w->state = st;
		w->exe = st == OWNER_UNREADABLE ? NULL : xstrdup(wk->exe);
		wk->left--;
	}
	wk->nhits = 0;
}

static void pm_scan_fds(struct pm_walk *wk, int piddir, pid_t pid)
{
	int fdd = openat(piddir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	struct pm_want *w;
	char link[64];
	uint64_t ino;
	ssize_t n;
	DIR *d;

	if (fdd < 0) {
		if (errno == EACCES || errno == EPERM)
			wk->unreadable = true;
		return;
	}
	d = fdopendir(fdd);
	if (!d) {
		close(fdd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		n = readlinkat(fdd, de->d_name, link, sizeof(link));
		if (n <= 0 || (size_t)n >= sizeof(link) ||
		    !pm_socket_link(link, (size_t)n, &ino))
			continue;
		w = pm_find(wk->w, wk->nw, ino);
		/* pid 0: nobody lower (nor this process on another fd) has it */
		if (w && !w->done && w->pid == 0)
			pm_hit(wk, w, pid, atoi(de->d_name), wk->now);
	}
	closedir(d);
}

static void pm_visit(struct pm_walk *wk, pid_t pid)
{
	int piddir = pm_open_pid(wk->procfd, pid);
	uint64_t start;

	if (piddir < 0)
		return;                 /* vanished: normal */
	pm_scan_fds(wk, piddir, pid);
	if (wk->nhits && pm_read_start(piddir, &start) < 0)
		start = 0;
	if (wk->nhits)
		pm_settle(wk, piddir, start);
	close(piddir);
}

static int pm_cent_cmp(const void *a, const void *b)
{
	const struct pm_cent *x = a, *y = b;

	return x->inode < y->inode ? -1 : x->inode > y->inode;
}

static struct pm_cent *pm_cache_find(uint64_t inode)
{
	struct pm_cent key = { .inode = inode };

	if (!pm_ncache)
		return NULL;
	return bsearch(&key, pm_cache, pm_ncache, sizeof(key), pm_cent_cmp);
}

static int pm_cent_pid_cmp(const void *a, const void *b)
{
	const struct pm_cent *x = *(struct pm_cent *const *)a;
	const struct pm_cent *y = *(struct pm_cent *const *)b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static bool pm_fd_holds(int piddir, int fd, uint64_t inode)
{
	char path[32], link[64];
	uint64_t ino;
	ssize_t len;

	snprintf(path, sizeof(path), "fd/%d", fd);
	len = readlinkat(piddir, path, link, sizeof(link));
	return len > 0 && (size_t)len < sizeof(link) &&
	       pm_socket_link(link, (size_t)len, &ino) && ino == inode;
}

/* the cached holders of one pid: same process, maybe same descriptor */
static void pm_warm_pid(struct pm_walk *wk, struct pm_cent **c, size_t n)
{
	int piddir = pm_open_pid(wk->procfd, c[0]->pid);
	struct pm_want *w;
	uint64_t start;

	if (piddir < 0)
		return;
	if (pm_read_start(piddir, &start) == 0) {
		for (size_t i = 0; i < n; i++) {
			w = pm_find(wk->w, wk->nw, c[i]->inode);
			/* entries of an earlier process with this pid may linger */
			if (c[i]->start != start)
				continue;
			if (wk->now - c[i]->checked < (int64_t)pm_recheck)
				pm_hit(wk, w, c[i]->pid, c[i]->fd, c[i]->checked);
			else if (pm_fd_holds(piddir, c[i]->fd, c[i]->inode))
				pm_hit(wk, w, c[i]->pid, c[i]->fd, wk->now);
		}
		if (wk->nhits)
			pm_settle(wk, piddir, start);
	}
	close(piddir);
}

static void pm_warm(struct pm_walk *wk)
{
	struct pm_cent **c = xcalloc(wk->nw, sizeof(*c));
	size_t n = 0, i, j;

	for (i = 0; i < wk->nw; i++) {
		struct pm_cent *e = pm_cache_find(wk->w[i].inode);

		if (e) {
			e->used = pm_gen;
			c[n++] = e;
		}
	}
	qsort(c, n, sizeof(*c), pm_cent_pid_cmp);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && c[j]->pid == c[i]->pid; j++)
			;
		pm_warm_pid(wk, c + i, j - i);
	}
	free(c);
}

struct pm_proc {
	pid_t pid;
	bool likely;            /* owned by one of the wanted uids */
};

static int pm_proc_cmp(const void *a, const void *b)
{
	const struct pm_proc *x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static int pm_uid_cmp(const void *a, const void *b)
{
	uid_t x = *(const uid_t *)a, y = *(const uid_t *)b;

	return x < y ? -1 : x > y;
}

/* the uids of the wants not found yet, sorted; NULL: any process is likely */
static uid_t *pm_uid_set(const struct pm_walk *wk, size_t *n)
{
	uid_t *u = xcalloc(wk->nw + 1, sizeof(*u));
	size_t i, m = 0;

	for (i = 0; i < wk->nw; i++) {
		if (wk->w[i].done)
			continue;
		if (wk->w[i].uid == (uid_t)-1) {
			free(u);
			return NULL;
		}
		u[m++] = wk->w[i].uid;
	}
	qsort(u, m, sizeof(*u), pm_uid_cmp);
	*n = m;
	return u;
}

/*
 * /proc/PID is owned by the process's euid (root if not dumpable). A
 * process that bound as root and then dropped to another uid is still
 * found: the second pass visits everyone skipped by the first.
 */
static struct pm_proc *pm_list_procs(struct pm_walk *wk, DIR *proc, size_t *np)
{
	struct pm_proc *v = NULL;
	size_t n = 0, cap = 0;
	size_t nuids = 0;
	uid_t *uids = pm_uid_set(wk, &nuids);
	struct dirent *de;
	struct stat st;
	pid_t pid;

	while ((de = readdir(proc)) != NULL) {
		if (!pm_parse_pid(de->d_name, &pid))
			continue;
		/* without a uid hint everyone is likely: save the stat */
		if (uids && fstatat(wk->procfd, de->d_name, &st, 0) < 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n].pid = pid;
		v[n++].likely = !uids || bsearch(&st.st_uid, uids, nuids,
						 sizeof(*uids), pm_uid_cmp);
	}
	free(uids);
	qsort(v, n, sizeof(*v), pm_proc_cmp);
	*np = n;
	return v;
}

static void pm_cold(struct pm_walk *wk, DIR *proc)
{
	size_t n, i;
	struct pm_proc *v = pm_list_procs(wk, proc, &n);

	for (int pass = 0; pass < 2; pass++)
		for (i = 0; i < n && wk->left; i++)
			if (v[i].likely == (pass == 0))
				pm_visit(wk, v[i].pid);
	free(v);
}

/* keeps found holders and recently asked entries, sorted by inode */
static void pm_cache_update(const struct pm_walk *wk)
{
	struct pm_cent *v = xcalloc(wk->nw + pm_ncache + 1, sizeof(*v));
	size_t n = 0, i;

	for (i = 0; i < wk->nw; i++) {
		const struct pm_want *w = &wk->w[i];

		if (w->done && w->pid > 0)
			v[n++] = (struct pm_cent){ w->inode, w->pid, w->fd,
						   w->start, w->checked, pm_gen };
	}
	for (i = 0; i < pm_ncache && n < PM_CACHE_MAX; i++)
		if (pm_gen - pm_cache[i].used < PM_CACHE_AGE &&
		    !pm_find(wk->w, wk->nw, pm_cache[i].inode))
			v[n++] = pm_cache[i];
	qsort(v, n, sizeof(*v), pm_cent_cmp);
	free(pm_cache);
	pm_cache = v;
	pm_ncache = n;
}

void procmap_cache_recheck(unsigned int seconds)
{
	pm_recheck = seconds;
}

void procmap_cache_clear(void)
{
	free(pm_cache);
	pm_cache = NULL;
	pm_ncache = 0;
}

/* unique wants sorted by inode; an inode asked twice with two uids: no hint */
size_t pm_wants_build(const uint64_t *inodes, const uid_t *uids,
		      size_t n, struct pm_want **out)
{
	struct pm_want *w = xcalloc(n + 1, sizeof(*w));
	size_t i, m = 0;

	for (i = 0; i < n; i++) {
		w[i].inode = inodes[i];
		w[i].uid = uids ? uids[i] : (uid_t)-1;
	}
	qsort(w, n, sizeof(*w), pm_want_cmp);
	for (i = 0; i < n; i++) {
		if (m && w[m - 1].inode == w[i].inode) {
			if (w[m - 1].uid != w[i].uid)
				w[m - 1].uid = (uid_t)-1;
			continue;
		}
		w[m++] = w[i];
	}
	*out = w;
	return m;
}

void pm_wants_free(struct pm_want *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(w[i].exe);
	free(w);
}

/* resolves every want; -1 if /proc cannot be read at all */
int pm_resolve(struct pm_want *w, size_t nw)
{
	struct pm_walk wk = { .w = w, .nw = nw, .left = nw };
	DIR *proc = opendir("/proc");
	struct timespec ts;

	if (!proc)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	wk.now = ts.tv_sec;
	wk.procfd = dirfd(proc);
	pm_gen++;
	pm_warm(&wk);
	if (wk.left)
		pm_cold(&wk, proc);
	closedir(proc);
	/* not found, unless a process we could not read may hold it */
	for (size_t i = 0; i < nw; i++)
		if (!w[i].done) {
			w[i].pid = 0;
			w[i].state = wk.unreadable ? OWNER_UNREADABLE : OWNER_NOT_FOUND;
		}
	pm_cache_update(&wk);
	free(wk.hits);
	return 0;
}

void pm_fill(struct proc_owner *o, uint64_t inode,
	     const struct pm_want *w)
{
	o->inode = inode;
	o->pid = w ? w->pid : 0;
	o->state = w ? w->state : OWNER_UNREADABLE;
	o->exe[0] = '\0';
	if (w && w->exe)
		snprintf(o->exe, sizeof(o->exe), "%s", w->exe);
}

int procmap_lookup_local(const uint64_t *inodes, const uid_t *uids, size_t n,
			 struct proc_owner *out)
{
	struct pm_want *w = NULL;
	size_t nw = 0, i;
	int rc = -1;

	if (n <= PROCMAP_MAX_INODES) {
		nw = pm_wants_build(inodes, uids, n, &w);
		rc = pm_resolve(w, nw);
	}
	for (i = 0; i < n; i++)
		pm_fill(&out[i], inodes[i],
			rc == 0 ? pm_find(w, nw, inodes[i]) : NULL);
	pm_wants_free(w, nw);
	return rc;
}
