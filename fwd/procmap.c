/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Socket inode -> process, from /proc. Two halves: the lookup (a walk of
 * /proc with a cache), and a helper process that runs it with only
 * CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH, reached over a SOCK_SEQPACKET
 * socketpair with a fixed binary format.
 *
 * Every /proc/PID access after the first goes through a descriptor of the
 * /proc/PID directory: it stays bound to that process, so a pid reused
 * mid-walk fails with ESRCH instead of answering for a stranger.
 */
#include <cap-ng.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "procmap.h"
#include "log.h"
#include "strbuf.h"

/* the helper ends with _exit: ask LeakSanitizer explicitly */
#if defined(__SANITIZE_ADDRESS__)
#define PM_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PM_LSAN 1
#endif
#endif
#ifdef PM_LSAN
#include <sanitizer/lsan_interface.h>
#endif

#define PM_CACHE_AGE    8               /* calls an unasked entry survives */
#define PM_RECHECK_S    10              /* default of pm_recheck */
#define PM_CACHE_MAX    (2u * PROCMAP_MAX_INODES)
#define PM_DELETED      " (deleted)"

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

const char *procmap_state_name(enum owner_state s)
{
	switch (s) {
	case OWNER_OK: return "ok";
	case OWNER_DELETED: return "deleted";
	case OWNER_UNREADABLE: return "unreadable";
	case OWNER_NOT_FOUND: return "not-found";
	}
	return "?";
}

bool procmap_is_interpreter(const char *exe)
{
	static const char *const names[] = {
		"awk", "bash", "beam.smp", "bun", "busybox", "csh", "dash",
		"deno", "dotnet", "erl", "fish", "gawk", "guile", "java", "ksh",
		"lua", "luajit", "mawk", "mksh", "mono", "node", "nodejs", "perl",
		"php", "php-cgi", "php-fpm", "pwsh", "pypy", "python", "R",
		"Rscript", "ruby", "sh", "tclsh", "tcsh", "wish", "zsh",
	};
	/* loaders run any program: ld-linux-x86-64.so.2 ./prog */
	static const char *const prefixes[] = { "ld-linux", "ld-musl", "ld.so",
						"qemu-" };
	const char *base = strrchr(exe, '/');
	size_t len;

	base = base ? base + 1 : exe;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(base, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	/* python3.11, perl5.36.0, php-fpm8.2: drop the version */
	len = strlen(base);
	while (len > 0 && (isdigit((unsigned char)base[len - 1]) ||
			   base[len - 1] == '.'))
		len--;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == len && strncmp(base, names[i], len) == 0)
			return true;
	return false;
}

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

static struct pm_want *pm_find(struct pm_want *w, size_t n, uint64_t inode)
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
static size_t pm_wants_build(const uint64_t *inodes, const uid_t *uids,
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

static void pm_wants_free(struct pm_want *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(w[i].exe);
	free(w);
}

/* resolves every want; -1 if /proc cannot be read at all */
static int pm_resolve(struct pm_want *w, size_t nw)
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

static void pm_fill(struct proc_owner *o, uint64_t inode,
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

/* ---- the helper process and its wire format ---- */

/*
 * A call is one request and one response, each one or more messages of at
 * most PM_MSG_MAX bytes (an AF_UNIX datagram must fit the send buffer):
 *   request:  pm_hdr, then count pm_req (entries first..first+count-1 of
 *             total); the helper answers once it has all total entries.
 *   response: pm_hdr, then count records in request order, each a pm_rec,
 *             exe_len bytes of path (no NUL) and zero padding to 8 bytes.
 * Native byte order and sizes fixed below: both ends are this file.
 * Anything unexpected ends the exchange: the helper exits, the daemon
 * kills it and fails closed.
 */
#define PM_MAGIC        0x66777031u     /* "fwp1" */
#define PM_REQUEST      1
#define PM_RESPONSE     2
#define PM_MSG_MAX      (64u * 1024)

struct pm_hdr {
	uint32_t magic;
	uint16_t type;
	uint16_t reserved;      /* 0 */
	uint32_t seq;           /* the daemon's call number, echoed */
	uint32_t total;         /* entries in the call: 1..PROCMAP_MAX_INODES */
	uint32_t first;         /* index of this message's first entry */
	uint32_t count;         /* entries in this message: >= 1 */
};

struct pm_req {
	uint64_t inode;
	uint32_t uid;           /* UINT32_MAX: no hint */
	uint32_t reserved;      /* 0 */
};

struct pm_rec {
	uint64_t inode;         /* equal to the request's at that index */
	int32_t pid;
	uint16_t state;         /* enum owner_state */
	uint16_t exe_len;       /* < PROCMAP_EXE_MAX; > 0 iff OK or DELETED */
};

_Static_assert(sizeof(struct pm_hdr) == 24, "pm_hdr layout");
_Static_assert(sizeof(struct pm_req) == 16, "pm_req layout");
_Static_assert(sizeof(struct pm_rec) == 16, "pm_rec layout");
_Static_assert(sizeof(uid_t) == sizeof(uint32_t), "uid_t is 32 bits");

#define PM_REQ_PER_MSG  ((PM_MSG_MAX - sizeof(struct pm_hdr)) / sizeof(struct pm_req))
#define PM_ALIGN8(x)    (((size_t)(x) + 7u) & ~(size_t)7u)

struct procmap {
	pid_t pid;              /* 0: no helper */
	int fd;
	uint32_t seq;
	uint8_t *buf;           /* PM_MSG_MAX */
};

/* the request being received by the helper */
struct pm_call {
	uint32_t seq, total;
	uint64_t *inodes;
	uid_t *uids;
};

/* one datagram; 0 on EOF; a datagram larger than PM_MSG_MAX is an error */
static ssize_t pm_recv(int fd, uint8_t *buf, int flags)
{
	struct iovec iov = { buf, PM_MSG_MAX };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	do
		n = recvmsg(fd, &mh, flags);
	while (n < 0 && errno == EINTR);
	if (n > 0 && (mh.msg_flags & MSG_TRUNC)) {
		errno = EMSGSIZE;
		return -1;
	}
	return n;
}

static int pm_send(int fd, const uint8_t *buf, size_t len, int flags)
{
	ssize_t n;

	do
		n = send(fd, buf, len, MSG_NOSIGNAL | flags);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len ? 0 : -1;
}

static void pm_put_hdr(uint8_t *buf, uint16_t type, uint32_t seq,
		       uint32_t total, uint32_t first, uint32_t count)
{
	struct pm_hdr h = { PM_MAGIC, type, 0, seq, total, first, count };

	memcpy(buf, &h, sizeof(h));
}

/* helper side: checks one request message; entries taken, or -1 */
static int pm_take_request(struct pm_call *c, uint32_t got,
			   const uint8_t *buf, size_t len)
{
	struct pm_hdr h;
	struct pm_req r;

	if (len < sizeof(h))
		return -1;
	memcpy(&h, buf, sizeof(h));
	if (h.magic != PM_MAGIC || h.type != PM_REQUEST || h.reserved)
		return -1;
	if (got == 0) {
		if (h.total == 0 || h.total > PROCMAP_MAX_INODES)
			return -1;
		c->seq = h.seq;
		c->total = h.total;
		c->inodes = xcalloc(h.total, sizeof(*c->inodes));
		c->uids = xcalloc(h.total, sizeof(*c->uids));
	} else if (h.seq != c->seq || h.total != c->total) {
		return -1;
	}
	if (h.first != got || h.count == 0 || h.count > c->total - got ||
	    h.count > PM_REQ_PER_MSG || len != sizeof(h) + h.count * sizeof(r))
		return -1;
	for (uint32_t i = 0; i < h.count; i++) {
		memcpy(&r, buf + sizeof(h) + i * sizeof(r), sizeof(r));
		if (r.reserved)
			return -1;
		c->inodes[got + i] = r.inode;
		c->uids[got + i] = r.uid;
	}
	return (int)h.count;
}

/* 1: a whole request in c; 0: EOF between requests; -1: anything else */
static int pm_read_request(int fd, uint8_t *buf, struct pm_call *c)
{
	uint32_t got = 0;
	ssize_t n;
	int k;

	do {
		n = pm_recv(fd, buf, 0);
		if (n <= 0)
			return n == 0 && got == 0 ? 0 : -1;
		k = pm_take_request(c, got, buf, (size_t)n);
		if (k < 0)
			return -1;
		got += (uint32_t)k;
	} while (got < c->total);
	return 1;
}

static size_t pm_put_rec(uint8_t *p, uint64_t inode, const struct pm_want *w)
{
	size_t el = w && w->exe ? strlen(w->exe) : 0;
	struct pm_rec r = {
		.inode = inode,
		.pid = w ? w->pid : 0,
		.state = w ? (uint16_t)w->state : OWNER_UNREADABLE,
		.exe_len = (uint16_t)el,
	};

	memcpy(p, &r, sizeof(r));
	memset(p + sizeof(r), 0, PM_ALIGN8(el));
	memcpy(p + sizeof(r), w && w->exe ? w->exe : "", el);
	return sizeof(r) + PM_ALIGN8(el);
}

static int pm_answer(int fd, uint8_t *buf, const struct pm_call *c)
{
	struct pm_want *w = NULL;
	size_t nw = pm_wants_build(c->inodes, c->uids, c->total, &w);
	bool ok = pm_resolve(w, nw) == 0;
	size_t len = sizeof(struct pm_hdr), el;
	uint32_t first = 0, count = 0;
	int rc = 0;

	for (uint32_t i = 0; i < c->total && rc == 0; i++) {
		const struct pm_want *x = ok ? pm_find(w, nw, c->inodes[i]) : NULL;

		el = x && x->exe ? strlen(x->exe) : 0;
		if (len + sizeof(struct pm_rec) + PM_ALIGN8(el) > PM_MSG_MAX) {
			pm_put_hdr(buf, PM_RESPONSE, c->seq, c->total, first, count);
			rc = pm_send(fd, buf, len, 0);
			first += count;
			count = 0;
			len = sizeof(struct pm_hdr);
		}
		len += pm_put_rec(buf + len, c->inodes[i], x);
		count++;
	}
	if (rc == 0) {
		pm_put_hdr(buf, PM_RESPONSE, c->seq, c->total, first, count);
		rc = pm_send(fd, buf, len, 0);
	}
	pm_wants_free(w, nw);
	return rc;
}

int procmap_serve(int fd)
{
	uint8_t *buf = xmalloc(PM_MSG_MAX);
	struct pm_call c;
	int rc;

	do {
		memset(&c, 0, sizeof(c));
		rc = pm_read_request(fd, buf, &c);
		if (rc > 0 && pm_answer(fd, buf, &c) < 0)
			rc = -1;
		free(c.inodes);
		free(c.uids);
	} while (rc > 0);
	free(buf);
	return rc;
}

/* daemon side: checks one response record; its size, or 0 if bad */
static size_t pm_take_rec(const uint8_t *p, size_t len, uint64_t inode,
			  struct proc_owner *o)
{
	struct pm_rec r;
	bool named;

	if (len < sizeof(r))
		return 0;
	memcpy(&r, p, sizeof(r));
	named = r.state == OWNER_OK || r.state == OWNER_DELETED;
	if (r.inode != inode || r.state > OWNER_NOT_FOUND || r.pid < 0 ||
	    r.exe_len >= PROCMAP_EXE_MAX || named != (r.exe_len > 0) ||
	    (named && r.pid == 0) || (r.state == OWNER_NOT_FOUND && r.pid) ||
	    PM_ALIGN8(r.exe_len) > len - sizeof(r) ||
	    memchr(p + sizeof(r), '\0', r.exe_len))
		return 0;
	o->inode = r.inode;
	o->pid = r.pid;
	o->state = (enum owner_state)r.state;
	memcpy(o->exe, p + sizeof(r), r.exe_len);
	o->exe[r.exe_len] = '\0';
	return sizeof(r) + PM_ALIGN8(r.exe_len);
}

int procmap_decode_response(const uint8_t *buf, size_t len, uint32_t seq,
			    const uint64_t *inodes, size_t n, size_t got,
			    struct proc_owner *out)
{
	size_t off = sizeof(struct pm_hdr), k;
	struct pm_hdr h;

	if (len < sizeof(h))
		return -1;
	memcpy(&h, buf, sizeof(h));
	if (h.magic != PM_MAGIC || h.type != PM_RESPONSE || h.reserved ||
	    h.seq != seq || h.total != n || h.first != got || h.count == 0 ||
	    h.count > n - got)
		return -1;
	for (uint32_t i = 0; i < h.count; i++) {
		k = pm_take_rec(buf + off, len - off, inodes[got + i],
				&out[got + i]);
		if (k == 0)
			return -1;
		off += k;
	}
	return off == len ? (int)h.count : -1;
}

static int pm_ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
	     (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : ms > PROCMAP_TIMEOUT_MS ? PROCMAP_TIMEOUT_MS : (int)ms;
}

static int pm_wait(int fd, short events, const struct timespec *deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int ms, r;

	for (;;) {
		ms = pm_ms_left(deadline);
		r = ms > 0 ? poll(&p, 1, ms) : 0;
		if (r > 0)
			return 0;       /* POLLHUP/POLLERR: the next call says */
		if (r == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (errno != EINTR)
			return -1;
	}
}

static int pm_send_request(struct procmap *pm, const uint64_t *inodes,
			   const uid_t *uids, size_t n,
			   const struct timespec *deadline)
{
	size_t first, count, i;
	struct pm_req r = { 0, 0, 0 };

	for (first = 0; first < n; first += count) {
		count = n - first < PM_REQ_PER_MSG ? n - first : PM_REQ_PER_MSG;
		pm_put_hdr(pm->buf, PM_REQUEST, pm->seq, (uint32_t)n,
			   (uint32_t)first, (uint32_t)count);
		for (i = 0; i < count; i++) {
			r.inode = inodes[first + i];
			r.uid = uids ? uids[first + i] : UINT32_MAX;
			memcpy(pm->buf + sizeof(struct pm_hdr) + i * sizeof(r),
			       &r, sizeof(r));
		}
		for (;;) {
			if (pm_wait(pm->fd, POLLOUT, deadline) < 0)
				return -1;
			if (pm_send(pm->fd, pm->buf, sizeof(struct pm_hdr) +
				    count * sizeof(r), MSG_DONTWAIT) == 0)
				break;
			if (errno != EAGAIN)
				return -1;
		}
	}
	return 0;
}

static int pm_exchange(struct procmap *pm, const uint64_t *inodes,
		       const uid_t *uids, size_t n, struct proc_owner *out)
{
	struct timespec deadline;
	size_t got = 0;
	ssize_t len;
	int k;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += PROCMAP_TIMEOUT_MS / 1000;
	deadline.tv_nsec += (PROCMAP_TIMEOUT_MS % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pm->seq++;
	if (pm_send_request(pm, inodes, uids, n, &deadline) < 0)
		return -1;
	while (got < n) {
		if (pm_wait(pm->fd, POLLIN, &deadline) < 0)
			return -1;
		len = pm_recv(pm->fd, pm->buf, MSG_DONTWAIT);
		if (len < 0 && errno == EAGAIN)
			continue;
		if (len == 0)
			errno = ECONNRESET;     /* the helper is gone */
		if (len <= 0)
			return -1;
		k = procmap_decode_response(pm->buf, (size_t)len, pm->seq,
					    inodes, n, got, out);
		if (k < 0) {
			errno = EBADMSG;
			return -1;
		}
		got += (size_t)k;
	}
	return 0;
}

/* ---- the helper's start and end ---- */

/* only the channel (as fd 3) and stderr, where the sanitizers report */
static int pm_helper_fds(int s)
{
	int null;

	if (s != 3) {
		if (dup2(s, 3) < 0)
			return -1;
		close(s);
	}
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0)
		return -1;
	if (null > 3)
		close(null);
	if (close_range(4, ~0U, 0) < 0)
		for (int fd = 4; fd < 65536; fd++)
			close(fd);
	return 0;
}

/*
 * Keep CAP_SYS_PTRACE (readlink of others' /proc/PID/exe and fd/N) and
 * CAP_DAC_READ_SEARCH (listing others' /proc/PID/fd) if we have them, and
 * nothing else, bounding set included when CAP_SETPCAP allows. The uid
 * stays: as uid 0 no unprivileged user can signal or ptrace the helper,
 * and no account has to exist for it.
 */
static int pm_helper_privs(void)
{
	bool ptrace, dac, setpcap;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    capng_get_caps_process() < 0)
		return -1;
	ptrace = capng_have_capability(CAPNG_PERMITTED, CAP_SYS_PTRACE);
	dac = capng_have_capability(CAPNG_PERMITTED, CAP_DAC_READ_SEARCH);
	setpcap = capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP);
	capng_clear(CAPNG_SELECT_BOTH);
	if (ptrace && capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
				   CAP_SYS_PTRACE) < 0)
		return -1;
	if (dac && capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
				CAP_DAC_READ_SEARCH) < 0)
		return -1;
	return capng_apply(setpcap ? CAPNG_SELECT_BOTH : CAPNG_SELECT_CAPS) < 0
	       ? -1 : 0;
}

/* the daemon's handlers would write to pipes the helper no longer has */
static void pm_helper_signals(void)
{
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++) {
		/* synchronous faults keep the sanitizers' handlers */
		if (sig == SIGKILL || sig == SIGSTOP || sig == SIGSEGV ||
		    sig == SIGBUS || sig == SIGFPE || sig == SIGILL)
			continue;
		signal(sig, sig == SIGPIPE ? SIG_IGN : SIG_DFL);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/*
 * _exit, never exit: the daemon's atexit handlers and stdio buffers were
 * copied by fork and are not the helper's to run or flush.
 */
static void __attribute__((noreturn)) pm_helper_main(int s, pid_t parent)
{
	int rc = 1;

	pm_helper_signals();
	/* die with the daemon; if it is already gone, getppid() changed */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == 0 && getppid() == parent &&
	    pm_helper_fds(s) == 0 && pm_helper_privs() == 0) {
		procmap_cache_clear();
		rc = procmap_serve(3) < 0;
		procmap_cache_clear();
	}
#ifdef PM_LSAN
	__lsan_do_leak_check();
#endif
	_exit(rc);
}

static int pm_start(struct procmap *pm, char *err, size_t errlen)
{
	pid_t parent = getpid(), pid;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(err, errlen, "cannot create the /proc helper's socket: %s",
			 strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "cannot fork the /proc helper: %s",
			 strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		pm_helper_main(sv[1], parent);
	}
	close(sv[1]);
	pm->pid = pid;
	pm->fd = sv[0];
	return 0;
}

/* the helper exits on EOF; graceful waits up to 1 s before SIGKILL */
static void pm_stop(struct procmap *pm, bool graceful)
{
	struct timespec tick = { 0, 5 * 1000000L };
	int status;

	if (pm->fd >= 0)
		close(pm->fd);
	pm->fd = -1;
	if (pm->pid <= 0)
		return;
	for (int i = 0; graceful && i < 200; i++) {
		if (waitpid(pm->pid, &status, WNOHANG) != 0) {
			pm->pid = 0;    /* reaped, or someone else did */
			return;
		}
		nanosleep(&tick, NULL);
	}
	/* not reaped yet, so the pid cannot have been reused */
	kill(pm->pid, SIGKILL);
	while (waitpid(pm->pid, &status, 0) < 0 && errno == EINTR)
		;
	pm->pid = 0;
}

struct procmap *procmap_spawn(char *err, size_t errlen)
{
	struct procmap *pm = xcalloc(1, sizeof(*pm));

	pm->fd = -1;
	pm->buf = xmalloc(PM_MSG_MAX);
	if (pm_start(pm, err, errlen) < 0) {
		free(pm->buf);
		free(pm);
		return NULL;
	}
	return pm;
}

int procmap_lookup(struct procmap *pm, const uint64_t *inodes,
		   const uid_t *uids, size_t n, struct proc_owner *out)
{
	bool respawned = false;
	char err[256];

	if (n == 0)
		return 0;
	while (n <= PROCMAP_MAX_INODES) {
		if (pm->pid <= 0) {
			if (respawned)
				break;
			respawned = true;
			if (pm_start(pm, err, sizeof(err)) < 0) {
				log_warnx("%s", err);
				break;
			}
		}
		if (pm_exchange(pm, inodes, uids, n, out) == 0)
			return 0;
		log_warn("/proc helper (pid %d) failed%s", (int)pm->pid,
			 respawned ? "" : ", restarting it");
		pm_stop(pm, false);
	}
	for (size_t i = 0; i < n; i++)
		pm_fill(&out[i], inodes[i], NULL);
	return -1;
}

pid_t procmap_helper_pid(const struct procmap *pm)
{
	return pm ? pm->pid : 0;
}

void procmap_free(struct procmap *pm)
{
	if (!pm)
		return;
	pm_stop(pm, true);
	free(pm->buf);
	free(pm);
}
