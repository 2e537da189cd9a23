/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Load generator for fwd's control socket, used by tests/integration/t-load-*.sh.
 * Compiled by the test itself: cc -O2 -o $T/clients tests/load/clients.c
 *
 *   clients burst SOCKET N SECONDS   N connections at once, each sends
 *                                    "fwd1 status" and waits for ok/error
 *   clients idle SOCKET N SECONDS    N connections that send nothing
 *   clients slow SOCKET N SECONDS    N connections that send one byte a second
 *
 * Prints one line of counters: opened, answered (ok), refused (error line),
 * closed (EOF without a full answer), failed (connect errors), max_ms (the
 * slowest answer). Idle and slow clients report how many fwd still held
 * open at the end (alive).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAXC 4096

struct conn {
	int fd;
	size_t sent;
	char buf[4096];
	size_t len;
	int64_t t0;
	int done;               /* 1 answered, 2 refused, 3 closed */
};

static struct conn conns[MAXC];
static const char request[] = "fwd1 status\n";

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int open_one(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	/* blocking connect: a full backlog makes us wait, not fail */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

/* the answer so far: 1 ended with ok, 2 with error, 0 not yet */
static int answer_state(const struct conn *c)
{
	const char *p = c->buf;

	while (p < c->buf + c->len) {
		const char *nl = memchr(p, '\n', (size_t)(c->buf + c->len - p));
		if (!nl)
			break;
		if (!strncmp(p, "ok", 2))
			return 1;
		if (!strncmp(p, "error", 5))
			return 2;
		p = nl + 1;
	}
	return 0;
}

static void read_some(struct conn *c)
{
	ssize_t n = read(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);

	if (n > 0) {
		c->len += (size_t)n;
		c->done = answer_state(c);
		if (c->len >= sizeof(c->buf) - 1 && !c->done)
			c->len = 0;     /* long answer: keep only its tail */
	} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		c->done = 3;
	}
}

static int run(const char *mode, const char *path, int n, int secs)
{
	int opened = 0, failed = 0, answered = 0, refused = 0, closed = 0, alive = 0;
	int64_t start = now_ms(), end = start + secs * 1000LL, max_ms = 0, next_byte = start;
	int burst = !strcmp(mode, "burst"), slow = !strcmp(mode, "slow");

	for (int i = 0; i < n; i++) {
		conns[i].fd = open_one(path);
		conns[i].t0 = now_ms();
		if (conns[i].fd < 0) {
			failed++;
			conns[i].done = 3;
			continue;
		}
		opened++;
		if (burst && write(conns[i].fd, request, sizeof(request) - 1) > 0)
			conns[i].sent = sizeof(request) - 1;
	}
	for (;;) {
		struct pollfd pf[MAXC];
		int np = 0, t = now_ms() >= end ? 0 : 100;

		for (int i = 0; i < n; i++)
			if (!conns[i].done) {
				pf[np].fd = conns[i].fd;
				pf[np++].events = POLLIN;
			}
		if (!np || now_ms() >= end)
			break;
		poll(pf, (nfds_t)np, t);
		for (int i = 0, k = 0; i < n; i++) {
			if (conns[i].done)
				continue;
			if (pf[k++].revents) {
				read_some(&conns[i]);
				if (conns[i].done == 1 && now_ms() - conns[i].t0 > max_ms)
					max_ms = now_ms() - conns[i].t0;
			}
		}
		if (slow && now_ms() >= next_byte) {
			next_byte += 1000;
			for (int i = 0; i < n; i++)
				if (!conns[i].done && conns[i].sent < sizeof(request) - 1 &&
				    write(conns[i].fd, request + conns[i].sent, 1) == 1)
					conns[i].sent++;
		}
	}
	for (int i = 0; i < n; i++) {
		answered += conns[i].done == 1;
		refused += conns[i].done == 2;
		closed += conns[i].done == 3 && conns[i].fd >= 0;
		alive += conns[i].fd >= 0 && !conns[i].done;
	}
	printf("opened=%d answered=%d refused=%d closed=%d failed=%d alive=%d max_ms=%lld\n",
	       opened, answered, refused, closed, failed, alive, (long long)max_ms);
	return 0;
}

int main(int argc, char **argv)
{
	struct rlimit rl;
	int n;

	if (argc != 5) {
		fprintf(stderr, "usage: %s burst|idle|slow SOCKET N SECONDS\n", argv[0]);
		return 2;
	}
	/*
	 * fwd may refuse (an error line, then close) before our request is
	 * written: the write then fails with EPIPE, and the refusal is still
	 * there to read. SIGPIPE would kill the whole generator instead.
	 */
	signal(SIGPIPE, SIG_IGN);
	n = atoi(argv[3]);
	if (n < 1 || n > MAXC) {
		fprintf(stderr, "N must be 1..%d\n", MAXC);
		return 2;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)n + 16) {
		rl.rlim_cur = rl.rlim_max < (rlim_t)n + 16 ? rl.rlim_max : (rlim_t)n + 16;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	return run(argv[1], argv[2], n, atoi(argv[4]));
}
