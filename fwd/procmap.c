/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Socket inode -> process, from /proc. Two halves: the lookup (a walk of
 * /proc with a cache: procmap_walk.c), and a helper process that runs it
 * with only CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH, reached over a
 * SOCK_SEQPACKET socketpair with a fixed binary format: this file, the
 * helper and both ends of its exchange.
 */
#include <cap-ng.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "procmap_internal.h"
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
