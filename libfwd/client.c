/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The client side of the control protocol: one connection, requests out,
 * response lines in through a buffer. fwctl reads blocking; fwtui polls the
 * descriptor itself and calls client_poll_next, which never waits.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "client.h"

/* a daemon too busy to accept within this long is reported, not waited for */
#define CONNECT_TIMEOUT_S 10

struct client {
	int fd;
	char *path;
	struct strbuf in;       /* received, not yet parsed */
};

static int errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

const char *client_socket_path(const char *opt)
{
	const char *env;

	if (opt && *opt)
		return opt;
	env = getenv("FWD_SOCKET");
	if (env && *env)
		return env;
	return FWD_DEFAULT_SOCKET;
}

static void set_send_timeout(int fd, int seconds)
{
	struct timeval tv = { .tv_sec = seconds };

	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

struct client *client_connect(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct client *c;
	int fd, e;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errf(err, errlen, "cannot connect to fwd at %s: the path is longer "
		     "than %zu bytes; use a shorter --socket or FWD_SOCKET",
		     path, sizeof(sun.sun_path) - 1);
		return NULL;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		errf(err, errlen, "cannot create a socket: %s", strerror(errno));
		return NULL;
	}
	/* a Unix connect waits while the backlog is full, for SO_SNDTIMEO */
	set_send_timeout(fd, CONNECT_TIMEOUT_S);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		e = errno;
		close(fd);
		errf(err, errlen, "cannot connect to fwd at %s: %s. Is fwd running? "
		     "Start it with 'systemctl start fwd', or point --socket / "
		     "FWD_SOCKET at its socket.", path,
		     e == EAGAIN ? "timed out, fwd is not accepting connections" :
		     strerror(e));
		return NULL;
	}
	set_send_timeout(fd, 0);
	c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	c->path = xstrdup(path);
	return c;
}

void client_close(struct client *c)
{
	if (!c)
		return;
	close(c->fd);
	free(c->path);
	sb_free(&c->in);
	free(c);
}

int client_fd(const struct client *c)
{
	return c->fd;
}

static int write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		/* a daemon that went away must be an error, not a SIGPIPE */
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* the request line, checked against the limits the daemon enforces */
static int build_request(struct strbuf *sb, int argc, const char *const *argv,
			 const char *body, size_t bodylen, char *err, size_t errlen)
{
	int i;

	if (argc < 1 || !argv[0] || !*argv[0])
		return errf(err, errlen, "no verb to send");
	if ((size_t)argc + 1 + (body != NULL) > PROTO_MAX_ARGS)
		return errf(err, errlen, "too many arguments: fwd takes at most %u "
			    "per request", PROTO_MAX_ARGS - 2);
	if (body && bodylen > PROTO_MAX_BODY)
		return errf(err, errlen, "the input is %zu bytes; fwd takes at most "
			    "%u MiB", bodylen, PROTO_MAX_BODY >> 20);
	sb_puts(sb, PROTO_VERSION);
	for (i = 0; i < argc; i++) {
		sb_putc(sb, ' ');
		proto_put_token(sb, argv[i]);
	}
	if (body)
		sb_printf(sb, " size=%zu", bodylen);
	if (sb->len + 1 > PROTO_MAX_LINE)
		return errf(err, errlen, "the request is %zu bytes long; fwd takes "
			    "lines of at most %u bytes", sb->len + 1, PROTO_MAX_LINE);
	sb_putc(sb, '\n');
	return 0;
}

int client_send(struct client *c, int argc, const char *const *argv,
		const char *body, size_t bodylen, char *err, size_t errlen)
{
	struct strbuf sb = STRBUF_INIT;
	int rc = -1;

	if (build_request(&sb, argc, argv, body, bodylen, err, errlen) < 0)
		goto out;
	if (write_all(c->fd, sb.buf, sb.len) < 0 ||
	    (body && write_all(c->fd, body, bodylen) < 0)) {
		errf(err, errlen, "cannot send to fwd at %s: %s", c->path,
		     strerror(errno));
		goto out;
	}
	rc = 0;
out:
	sb_free(&sb);
	return rc;
}

/* a whole line in the buffer: 1 and m filled, -1 when malformed, 0 if none */
static int take_line(struct client *c, struct message *m, char *err, size_t errlen)
{
	char perr[256];
	char *nl;
	size_t n;
	int rc;

	nl = c->in.len ? memchr(c->in.buf, '\n', c->in.len) : NULL;
	if (!nl) {
		if (c->in.len > PROTO_MAX_LINE)
			return errf(err, errlen, "fwd sent a line longer than %u "
				    "bytes", PROTO_MAX_LINE);
		return 0;
	}
	n = (size_t)(nl - c->in.buf);
	rc = proto_parse_message(c->in.buf, n, m, perr, sizeof(perr));
	sb_consume(&c->in, n + 1);
	if (rc < 0)
		return errf(err, errlen, "malformed response from fwd: %s", perr);
	return 1;
}

/* blocking read interrupted, or the caller made the descriptor non-blocking */
static bool wait_readable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (errno == EINTR)
		return true;
	if (errno != EAGAIN && errno != EWOULDBLOCK)
		return false;
	return poll(&pfd, 1, -1) >= 0 || errno == EINTR;
}

static int read_message(struct client *c, struct message *m, bool block,
			char *err, size_t errlen)
{
	char buf[16384];
	ssize_t r;
	int rc;

	for (;;) {
		rc = take_line(c, m, err, errlen);
		if (rc != 0)
			return rc;
		r = recv(c->fd, buf, sizeof(buf), block ? 0 : MSG_DONTWAIT);
		if (r < 0 && block && wait_readable(c->fd))
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return 2;
		if (r < 0)
			return errf(err, errlen, "cannot read from fwd at %s: %s",
				    c->path, strerror(errno));
		if (r == 0 && c->in.len)
			return errf(err, errlen, "fwd at %s closed the connection "
				    "in the middle of a line", c->path);
		if (r == 0)
			return 0;
		sb_add(&c->in, buf, (size_t)r);
	}
}

int client_next(struct client *c, struct message *m, char *err, size_t errlen)
{
	return read_message(c, m, true, err, errlen);
}

int client_poll_next(struct client *c, struct message *m, char *err, size_t errlen)
{
	return read_message(c, m, false, err, errlen);
}
