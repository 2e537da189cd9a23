/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench/packet helper: new TCP connections per second.
 *
 *   packet-conn server ADDR PORT THREADS
 *       accepts forever; writes one byte on each connection, then closes it
 *   packet-conn client ADDR PORT SECONDS WORKERS
 *       WORKERS threads connect, read that byte and close, as often as they
 *       can for SECONDS; prints "CONNECTIONS ERRORS ELAPSED_S PER_S"
 *
 * One connection is the whole life of a short request: handshake, one data
 * segment from the server, teardown. Reading the byte makes each connection
 * count only once the server application really accepted it, so a dropped
 * SYN or a dropped ACK cannot pass for a success.
 *
 * Teardown: the client closes with SO_LINGER {1, 0}, i.e. an RST. A normal
 * close would leave every client port in TIME_WAIT for 60 s; at thousands of
 * connections a second the 28,232 ephemeral ports of one source address are
 * gone within seconds and connect() fails with EADDRNOTAVAIL, so the figure
 * would measure port exhaustion, not the packet path. Spreading over more
 * source addresses only postpones that (28k ports per address per minute)
 * and needs tcp_tw_reuse or many addresses set up per configuration; the
 * RST frees the port at once and needs nothing. The RST also takes the
 * server's socket out of FIN_WAIT, so no TIME_WAIT piles up on either side.
 * Every configuration pays the same teardown, and for the stateful ones the
 * RST is one more inbound packet matched as established.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct conn_arg {
	struct sockaddr_in addr;
	int listen_fd;
	double deadline;
	unsigned long done;
	unsigned long errors;
};

static double conn_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int conn_parse_addr(struct sockaddr_in *a, const char *host, const char *port)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons((unsigned short)atoi(port));
	if (inet_pton(AF_INET, host, &a->sin_addr) != 1) {
		fprintf(stderr, "packet-conn: '%s' is not an IPv4 address\n", host);
		return -1;
	}
	return 0;
}

static void *conn_serve(void *p)
{
	struct conn_arg *arg = p;

	for (;;) {
		int fd = accept(arg->listen_fd, NULL, NULL);

		if (fd < 0)
			continue;       /* the peer reset it first, or EINTR */
		/* a client that reset first simply counts nothing */
		ssize_t n = write(fd, "x", 1);

		(void)n;
		close(fd);
	}
	return NULL;
}

static int conn_server(const char *host, const char *port, int threads)
{
	struct conn_arg arg = { .listen_fd = -1 };
	pthread_t tid;
	int one = 1;

	if (conn_parse_addr(&arg.addr, host, port) < 0)
		return 1;
	arg.listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(arg.listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(arg.listen_fd, (struct sockaddr *)&arg.addr, sizeof(arg.addr)) < 0 ||
	    listen(arg.listen_fd, 4096) < 0) {
		fprintf(stderr, "packet-conn: listen on %s:%s: %s\n", host, port, strerror(errno));
		return 1;
	}
	for (int i = 1; i < threads; i++)
		pthread_create(&tid, NULL, conn_serve, &arg);
	conn_serve(&arg);
	return 0;
}

/* one connection; 0 when the server's byte arrived */
static int conn_once(const struct sockaddr_in *addr)
{
	struct linger lin = { .l_onoff = 1, .l_linger = 0 };
	struct timeval tv = { .tv_sec = 2 };
	char c;
	int fd, rc = -1;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	/* a dropped packet must cost a bounded time, never hang a worker */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) == 0 &&
	    read(fd, &c, 1) == 1)
		rc = 0;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
	close(fd);
	return rc;
}

static void *conn_work(void *p)
{
	struct conn_arg *arg = p;

	while (conn_now() < arg->deadline) {
		if (conn_once(&arg->addr) == 0)
			arg->done++;
		else
			arg->errors++;
	}
	return NULL;
}

static int conn_client(const char *host, const char *port, double secs, int workers)
{
	struct conn_arg *args = calloc((size_t)workers, sizeof(*args));
	pthread_t *tids = calloc((size_t)workers, sizeof(*tids));
	unsigned long done = 0, errors = 0;
	double start;
	int rc = 1;

	if (!args || !tids)
		goto out;
	start = conn_now();
	for (int i = 0; i < workers; i++) {
		if (conn_parse_addr(&args[i].addr, host, port) < 0)
			goto out;
		args[i].deadline = start + secs;
		pthread_create(&tids[i], NULL, conn_work, &args[i]);
	}
	for (int i = 0; i < workers; i++) {
		pthread_join(tids[i], NULL);
		done += args[i].done;
		errors += args[i].errors;
	}
	secs = conn_now() - start;
	printf("%lu %lu %.3f %.1f\n", done, errors, secs, done / secs);
	rc = 0;
out:
	free(args);
	free(tids);
	return rc;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc == 5 && strcmp(argv[1], "server") == 0)
		return conn_server(argv[2], argv[3], atoi(argv[4]) > 0 ? atoi(argv[4]) : 1);
	if (argc == 6 && strcmp(argv[1], "client") == 0 && atof(argv[4]) > 0 && atoi(argv[5]) > 0)
		return conn_client(argv[2], argv[3], atof(argv[4]), atoi(argv[5]));
	fprintf(stderr, "usage: packet-conn server ADDR PORT THREADS\n"
		"       packet-conn client ADDR PORT SECONDS WORKERS\n");
	return 2;
}
