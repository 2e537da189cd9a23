/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "commands.h"
#include "droplog.h"
#include "log.h"
#include "privdrop.h"
#include "prompts.h"
#include "proto.h"
#include "sdnotify.h"
#include "server.h"
#include "strbuf.h"
#include "tracker.h"

#define READ_CHUNK      65536
#define READS_PER_EVENT 16
#define DRAIN_MS        2000
#define DRAIN_MAX       (4u << 20)

/* one control connection (OpenNTPD/OpenSMTPD control.c) */
struct client {
	int fd;
	struct auth_peer peer;          /* taken at accept */
	struct strbuf in, out;
	size_t out_off;                 /* bytes of out already sent */
	char **argv;                    /* a request line waiting for its body */
	int argc;
	size_t body_need;
	bool want_body;
	bool eof;                       /* the peer will send nothing more */
	bool closing;                   /* close once out is sent */
	bool draining;                  /* sent all, discarding input until EOF */
	bool dead;
	bool follow;                    /* `log follow`: events until it leaves */
	bool watch;                     /* `watch` (also follow): every event */
	int64_t follow_id;              /* the last event sent to it */
	size_t drained;
	int64_t active_ms;              /* last progress, monotonic */
};

struct server {
	struct engine *eng;
	struct tracker *trk;
	struct droplog *log;
	struct prompts *prompts;
	uint64_t status_sig;            /* what watchers last heard of the rules */
	char *path;
	bool bound;                     /* the socket file is ours to unlink */
	int lfd, sfd;
	struct client **c;
	size_t n;
	size_t body_reserved;
	int64_t accept_paused_until;
	int64_t watchdog_ms;            /* systemd's WatchdogSec/2, 0 = off */
	int64_t watchdog_due;
	bool quit;
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the listening socket ---- */

static int fill_sun(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path)) {
		log_warnx("socket path %s is too long (at most %zu bytes)", path,
			  sizeof(sun->sun_path) - 1);
		return -1;
	}
	strcpy(sun->sun_path, path);
	return 0;
}

/* 1 when something answers on path, 0 when nothing does, -1 on error */
static int socket_probe(const char *path)
{
	struct sockaddr_un sun;
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		log_warn("%s", path);
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		log_warnx("%s exists and is not a socket: remove it or choose another "
			  "--socket", path);
		return -1;
	}
	if (fill_sun(&sun, path) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	if (rc == 0 || errno == EAGAIN || errno == EINPROGRESS)
		rc = 1;                 /* a busy listener is still a listener */
	else if (errno == ECONNREFUSED)
		rc = 0;
	else
		log_warn("probing %s", path);
	close(fd);
	return rc;
}

static int listener_open(struct server *s)
{
	struct sockaddr_un sun;
	mode_t old;
	int rc;

	if (fill_sun(&sun, s->path) < 0)
		return -1;
	rc = socket_probe(s->path);
	if (rc != 0) {
		if (rc > 0)
			log_warnx("another fwd is running on %s", s->path);
		return -1;
	}
	if (engine_mkdir_parent(s->path, 0755) < 0) {
		log_warn("cannot create the directory of %s", s->path);
		return -1;
	}
	if (unlink(s->path) < 0 && errno != ENOENT) {
		log_warn("cannot remove the stale socket %s", s->path);
		return -1;
	}
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd < 0)
		return -1;
	/* everybody may connect: authorization is by peer credentials */
	old = umask(0111);
	rc = bind(s->lfd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc < 0 || listen(s->lfd, SERVER_BACKLOG) < 0) {
		log_warn("cannot listen on %s", s->path);
		return -1;
	}
	s->bound = true;
	log_info("listening on %s", s->path);
	return 0;
}

/* ---- clients ---- */

static void client_free(struct server *s, struct client *c)
{
	if (c->want_body)
		s->body_reserved -= c->body_need;
	proto_free_args(c->argv, c->argc);
	auth_peer_free(&c->peer);
	sb_free(&c->in);
	sb_free(&c->out);
	close(c->fd);
	free(c);
}

static size_t clients_of(const struct server *s, uid_t uid)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += s->c[i]->peer.uid == uid;
	return n;
}

/* a refusal at accept: one error line, best effort, then close */
static void refuse(int fd, const char *errname, const char *msg)
{
	struct strbuf sb = STRBUF_INIT;

	commands_error(&sb, EXIT_FAILED, errname, "%s", msg);
	if (send(fd, sb.buf, sb.len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug("refusal not sent: %s", strerror(errno));
	sb_free(&sb);
	close(fd);
}

static void accept_one(struct server *s, int fd)
{
	struct client *c = xcalloc(1, sizeof(*c));

	c->fd = fd;
	if (auth_peer_read(fd, &c->peer) < 0) {
		log_warn("SO_PEERCRED");
		free(c);
		close(fd);
		return;
	}
	/*
	 * The last SERVER_ADMIN_RESERVE slots are kept for root and the admin
	 * group: other users' idle connections must never lock an admin out.
	 */
	if (s->n >= SERVER_MAX_CLIENTS ||
	    (s->n >= SERVER_MAX_CLIENTS - SERVER_ADMIN_RESERVE && !auth_is_admin(&c->peer))) {
		log_warnx("refusing uid %u: %zu connections already", (unsigned)c->peer.uid,
			  s->n);
		refuse(fd, "EUSERS", "too many connections to fwd; try again later");
	} else if (clients_of(s, c->peer.uid) >= SERVER_MAX_PER_UID) {
		log_warnx("refusing uid %u: %d connections of this user already",
			  (unsigned)c->peer.uid, SERVER_MAX_PER_UID);
		refuse(fd, "EUSERS", "too many connections from this user; close some");
	} else {
		c->active_ms = mono_ms();
		s->c = xrealloc(s->c, (s->n + 1) * sizeof(*s->c));
		s->c[s->n++] = c;
		log_debug("client uid %u pid %d connected", (unsigned)c->peer.uid,
			  (int)c->peer.pid);
		return;
	}
	auth_peer_free(&c->peer);
	free(c);
}

static void server_accept(struct server *s)
{
	for (int i = 0; i < 64; i++) {
		int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0) {
			accept_one(s, fd);
			continue;
		}
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			/* without a free fd the listener stays readable: back off */
			log_warn("accept");
			s->accept_paused_until = mono_ms() + 1000;
		} else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
			log_warn("accept");
		}
		return;
	}
}

static int client_read(struct client *c)
{
	char buf[READ_CHUNK];

	for (int i = 0; i < READS_PER_EVENT; i++) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n > 0) {
			sb_add(&c->in, buf, (size_t)n);
			c->active_ms = mono_ms();
			if (!c->want_body && c->in.len > PROTO_MAX_LINE)
				return 0;
			continue;
		}
		if (n == 0) {
			c->eof = true;
			return 0;
		}
		if (errno == EINTR)
			continue;
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	}
	return 0;
}

static int client_flush(struct client *c)
{
	while (c->out_off < c->out.len) {
		ssize_t n = send(c->fd, c->out.buf + c->out_off, c->out.len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			c->out_off += (size_t)n;
			c->active_ms = mono_ms();
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else {
			return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
		}
	}
	/*
	 * A big reply (a list of 10,000 rules is 1-2 MB) leaves its buffer and
	 * the heap it grew: give both back, or glibc keeps them resident.
	 */
	if (c->out.cap > SERVER_TRIM_BYTES) {
		sb_free(&c->out);
		malloc_trim(0);
	}
	sb_reset(&c->out);
	c->out_off = 0;
	return 0;
}

/* an error that loses the framing: nothing after it can be trusted */
static void client_fatal(struct client *c, int code, const char *errname, const char *msg)
{
	commands_error(&c->out, code, errname, "%s", msg);
	c->closing = true;
	sb_reset(&c->in);
}

/* the size= argument: 1 found (*size), 0 none, -1 malformed */
static int find_size(char **argv, int argc, size_t *size)
{
	int found = 0;

	for (int i = 1; i < argc; i++) {
		const char *v = argv[i] + 5;
		char *end;
		unsigned long long n;

		if (strncmp(argv[i], "size=", 5))
			continue;
		if (found++ || *v < '0' || *v > '9')
			return -1;
		errno = 0;
		n = strtoull(v, &end, 10);
		if (errno || *end)
			return -1;
		*size = n > PROTO_MAX_BODY ? (size_t)PROTO_MAX_BODY + 1 : (size_t)n;
	}
	return found;
}

static bool may_follow(const struct server *s, uid_t uid)
{
	size_t all = 0, mine = 0;

	for (size_t i = 0; i < s->n; i++) {
		all += s->c[i]->follow;
		mine += s->c[i]->follow && s->c[i]->peer.uid == uid;
	}
	return all < SERVER_MAX_FOLLOWERS && mine < SERVER_MAX_FOLLOW_PER_UID;
}

static void client_run(struct server *s, struct client *c, char **argv, int argc,
		       bool has_body, const char *body, size_t len)
{
	struct commands_env env = { .eng = s->eng, .log = s->log, .trk = s->trk,
				    .may_follow = may_follow(s, c->peer.uid) };
	int64_t after;

	commands_run(&env, &c->peer, argc, argv, has_body, body, len, &c->out, &after);
	if (after >= 0) {
		c->follow = true;
		c->follow_id = after;
		/* the verb alone tells a watch from a log follow */
		c->watch = argc >= 2 && !strcmp(argv[1], "watch");
	}
	if (c->out.len > SERVER_MAX_OUTPUT) {
		log_warnx("closing uid %u pid %d: response of %zu bytes over the limit",
			  (unsigned)c->peer.uid, (int)c->peer.pid, c->out.len);
		c->dead = true;
	}
}

static void client_line(struct server *s, struct client *c, const char *line, size_t len)
{
	char err[256], **argv = NULL;
	size_t size = 0;
	int argc, rc;

	if (len && line[len - 1] == '\r')
		len--;
	argc = proto_split(line, len, &argv, err, sizeof(err));
	if (argc < 0) {
		char msg[300];

		snprintf(msg, sizeof(msg), "malformed request: %s", err);
		/* a body may follow whose length could not be read */
		if (memmem(line, len, "size=", 5))
			client_fatal(c, EXIT_USAGE, "EINVAL", msg);
		else
			commands_error(&c->out, EXIT_USAGE, "EINVAL", "%s", msg);
		return;
	}
	rc = find_size(argv, argc, &size);
	if (argc == 0) {
		commands_error(&c->out, EXIT_USAGE, "EINVAL",
			       "empty request: send '" PROTO_VERSION " VERB [ARG...]'");
	} else if (rc < 0) {
		client_fatal(c, EXIT_USAGE, "EINVAL", "bad size= argument");
	} else if (rc > 0 && size > PROTO_MAX_BODY) {
		client_fatal(c, EXIT_USAGE, "EFBIG", "body too large: at most 64 MiB");
	} else if (rc > 0 && s->body_reserved + size > SERVER_BODY_BUDGET) {
		client_fatal(c, EXIT_FAILED, "EBUSY", "fwd is busy receiving other large "
			     "requests; try again");
	} else if (rc > 0) {
		c->argv = argv;
		c->argc = argc;
		c->body_need = size;
		c->want_body = true;
		s->body_reserved += size;
		return;
	} else {
		client_run(s, c, argv, argc, false, NULL, 0);
	}
	proto_free_args(argv, argc);
}

/* serves at most one complete request from c->in; false when none is */
static bool client_step(struct server *s, struct client *c)
{
	size_t scan = c->in.len < PROTO_MAX_LINE + 1 ? c->in.len : PROTO_MAX_LINE + 1;
	char *nl;

	if (c->want_body) {
		if (c->in.len < c->body_need)
			return false;
		client_run(s, c, c->argv, c->argc, true, c->in.buf, c->body_need);
		sb_consume(&c->in, c->body_need);
		s->body_reserved -= c->body_need;
		proto_free_args(c->argv, c->argc);
		c->argv = NULL;
		c->argc = 0;
		c->want_body = false;
		return true;
	}
	nl = scan ? memchr(c->in.buf, '\n', scan) : NULL;
	if (!nl) {
		if (c->in.len <= PROTO_MAX_LINE)
			return false;
		client_fatal(c, EXIT_USAGE, "E2BIG", "request line longer than 64 KiB");
		return true;
	}
	client_line(s, c, c->in.buf, (size_t)(nl - c->in.buf));
	if (!c->closing)
		sb_consume(&c->in, (size_t)(nl - c->in.buf) + 1);
	return true;
}

/*
 * A lingering close: after the last error line, stop writing but keep
 * reading for a moment, so a client still sending the rest of an oversized
 * request gets no EPIPE and can read why it was cut off.
 */
static int client_linger(struct client *c)
{
	if (!c->draining) {
		shutdown(c->fd, SHUT_WR);
		c->draining = true;
		c->active_ms = mono_ms();
		return 0;
	}
	for (int i = 0; i < READS_PER_EVENT; i++) {
		char buf[READ_CHUNK];
		ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			return -1;
		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		c->drained += (size_t)n;
		if (c->drained > DRAIN_MAX)
			return -1;
	}
	return 0;
}

/* sends, serves buffered requests while nothing is pending; -1 closes */
static int client_work(struct server *s, struct client *c)
{
	for (;;) {
		if (client_flush(c) < 0)
			return -1;
		if (c->out.len)
			return 0;       /* wait until the client reads */
		if (c->dead)
			return -1;
		if (c->closing)
			return client_linger(c);
		if (c->follow) {
			/* its response never ends: anything it sends is ignored */
			sb_reset(&c->in);
			return c->eof ? -1 : 0;
		}
		if (!client_step(s, c))
			return c->eof ? -1 : 0;
	}
}

/* a follower waits for events, not for itself: no idle limit */
static bool mid_request(const struct client *c)
{
	return !c->follow && (c->in.len || c->want_body || c->out.len);
}

static void client_event(struct server *s, struct client *c, short revents)
{
	if (c->draining) {
		c->dead = client_linger(c) < 0;
		return;
	}
	if ((revents & (POLLIN | POLLHUP | POLLERR)) && !c->eof && !c->closing &&
	    client_read(c) < 0)
		c->dead = true;
	if (!c->dead && client_work(s, c) < 0)
		c->dead = true;
}

static void sweep(struct server *s)
{
	int64_t now = mono_ms();
	size_t j = 0;

	for (size_t i = 0; i < s->n; i++) {
		struct client *c = s->c[i];

		if (c->draining && now - c->active_ms >= DRAIN_MS)
			c->dead = true;
		if (!c->dead && mid_request(c) && now - c->active_ms >= SERVER_IDLE_MS) {
			log_warnx("closing uid %u pid %d: silent for 30 s in the middle of a "
				  "request", (unsigned)c->peer.uid, (int)c->peer.pid);
			c->dead = true;
		}
		if (c->dead)
			client_free(s, c);
		else
			s->c[j++] = c;
	}
	s->n = j;
}

/* ---- the event loop ---- */

/* t is the wait so far (-1: none); a deadline already past means now */
static int64_t earliest(int64_t t, int64_t d)
{
	if (d < 0)
		d = 0;
	return t < 0 || d < t ? d : t;
}

static int next_timeout(struct server *s)
{
	int64_t now = mono_ms(), t = -1, exp, due;

	for (size_t i = 0; i < s->n; i++)
		if (mid_request(s->c[i]) || s->c[i]->draining)
			t = earliest(t, s->c[i]->active_ms - now +
				     (s->c[i]->draining ? DRAIN_MS : SERVER_IDLE_MS));
	if (s->accept_paused_until > now)
		t = earliest(t, s->accept_paused_until - now);
	exp = engine_next_expiry(s->eng);
	if (exp)
		t = earliest(t, exp * 1000 - real_ms());
	if ((due = tracker_deadline(s->trk)))
		t = earliest(t, due - now);
	if ((due = droplog_deadline(s->log)))
		t = earliest(t, due - now);
	if ((due = prompts_deadline(s->prompts)))
		t = earliest(t, due - now);
	if (s->watchdog_ms)
		t = earliest(t, s->watchdog_due - now);
	if (t < 0)
		return -1;
	return t > INT_MAX ? INT_MAX : (int)t;
}

static void handle_signals(struct server *s)
{
	struct signalfd_siginfo si;

	while (read(s->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			log_info("SIGHUP: reloading the service catalog, the admin group, "
				 "users and groups");
			engine_reload(s->eng);
			auth_set_admin_group(engine_config(s->eng)->admin_group);
			tracker_reload(s->trk);
		} else {
			log_info("%s: stopping; the ruleset stays in the kernel",
				 si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
			s->quit = true;
		}
	}
}

/* new events for `log follow` clients that keep up */
static void feed_followers(struct server *s)
{
	int64_t newest = droplog_newest(s->log);
	char err[256];
	int got;

	for (size_t i = 0; i < s->n; i++) {
		struct client *c = s->c[i];

		if (!c->follow || c->dead || c->closing || c->follow_id >= newest ||
		    c->out.len >= SERVER_FOLLOW_BACKLOG)
			continue;
		/* sent in the next round, when poll says the client can take it */
		got = droplog_list_typed(s->log, SERVER_FOLLOW_BATCH, c->follow_id, "event",
					 c->watch ? "log" : NULL, &c->out, &c->follow_id,
					 err, sizeof(err));
		if (got < 0)
			client_fatal(c, EXIT_FAILED, "EIO", err);
		else if (got == 0)
			c->follow_id = newest;  /* nothing there after all: no spinning */
	}
}

/* ---- watch: prompts and changes for the clients that watch ---- */

static void on_prompt_event(void *arg, int64_t owner, const char *line, size_t len)
{
	struct server *s = arg;

	for (size_t i = 0; i < s->n; i++) {
		struct client *c = s->c[i];

		if (!c->watch || c->dead || c->closing ||
		    (owner >= 0 && !prompts_may_see(s->prompts, &c->peer, owner)))
			continue;
		/* a watcher that never reads is closed, not fed forever */
		if (c->out.len > SERVER_MAX_OUTPUT)
			c->dead = true;
		else
			sb_add(&c->out, line, len);
	}
}

/* changes a watcher should refetch status and the rules for: cheap to take */
static uint64_t status_signature(struct server *s)
{
	const struct ruleset *rs = engine_ruleset(s->eng);
	uint64_t sig = rs->nrules * 0x9e3779b97f4a7c15ull;

	sig ^= (uint64_t)engine_enabled(s->eng) << 1 | (uint64_t)rs->policy_in << 2 |
	       (uint64_t)rs->policy_out << 4;
	for (size_t i = 0; i < rs->nrules; i++)
		sig = sig * 31 + rs->rules[i]->id;
	return sig;
}

static void watch_round(struct server *s)
{
	uint64_t sig = status_signature(s);
	size_t watchers = 0;

	for (size_t i = 0; i < s->n; i++)
		watchers += s->c[i]->watch;
	prompts_set_watchers(s->prompts, watchers);
	prompts_tick(s->prompts);
	if (sig != s->status_sig) {
		struct strbuf sb = STRBUF_INIT;

		s->status_sig = sig;
		proto_begin(&sb, "event");
		proto_str(&sb, "type", "status");
		proto_end(&sb);
		on_prompt_event(s, -1, sb.buf, sb.len);
		sb_free(&sb);
	}
}

/* the work of listener tracking and the event log that is due */
static void background(struct server *s, const struct pollfd *nl)
{
	int64_t due;

	if (nl->revents & POLLIN)
		droplog_read(s->log);
	due = tracker_deadline(s->trk);
	if (due && mono_ms() >= due)
		tracker_tick(s->trk, mono_ms());
	due = droplog_deadline(s->log);
	if (due && mono_ms() >= due)
		droplog_flush(s->log);
	feed_followers(s);
	/* the loop itself is what systemd's watchdog vouches for */
	if (s->watchdog_ms && mono_ms() >= s->watchdog_due) {
		sdnotify("WATCHDOG=1");
		s->watchdog_due = mono_ms() + s->watchdog_ms;
	}
}

static void poll_round(struct server *s, struct pollfd *pfd)
{
	size_t n = 0, nclients = s->n;
	int64_t exp;

	pfd[n++] = (struct pollfd){ .fd = s->sfd, .events = POLLIN };
	pfd[n++] = (struct pollfd){ .fd = mono_ms() >= s->accept_paused_until ? s->lfd : -1,
				    .events = POLLIN };
	pfd[n++] = (struct pollfd){ .fd = droplog_fd(s->log), .events = POLLIN };
	for (size_t i = 0; i < nclients; i++) {
		struct client *c = s->c[i];
		short ev = c->out.len ? POLLOUT :
			   c->draining || !(c->eof || c->closing) ? POLLIN : 0;

		pfd[n++] = (struct pollfd){ .fd = c->fd, .events = ev };
	}
	if (poll(pfd, n, next_timeout(s)) < 0) {
		if (errno != EINTR)
			fatal("poll");
		return;
	}
	if (pfd[0].revents)
		handle_signals(s);
	background(s, &pfd[2]);
	for (size_t i = 0; i < nclients; i++)
		if (pfd[3 + i].revents)
			client_event(s, s->c[i], pfd[3 + i].revents);
	if (pfd[1].revents & POLLIN)
		server_accept(s);
	sweep(s);
	exp = engine_next_expiry(s->eng);
	if (exp && exp <= (int64_t)time(NULL))
		engine_expire(s->eng, time(NULL));
	/* last: answers, expiries and blocked packets of this round are told */
	watch_round(s);
}

static void server_loop(struct server *s)
{
	struct pollfd *pfd = xcalloc(SERVER_MAX_CLIENTS + 3, sizeof(*pfd));

	while (!s->quit)
		poll_round(s, pfd);
	free(pfd);
}

/* ---- start and stop ---- */

static int signals_open(struct server *s)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	s->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return s->sfd < 0 ? -1 : 0;
}

/*
 * Detaching: the parent waits on a pipe until the child has bound the
 * socket and committed the ruleset, so a starting script can rely on both,
 * and exits 1 when the child failed. The child alone opens the database
 * and the netlink socket: SQLite's locks do not survive a fork.
 */
static int daemon_fork(void)
{
	int p[2];
	pid_t pid;
	char b;

	if (pipe2(p, O_CLOEXEC) < 0 || (pid = fork()) < 0)
		fatal("cannot detach");
	if (pid > 0) {
		ssize_t n;

		close(p[1]);
		while ((n = read(p[0], &b, 1)) < 0 && errno == EINTR)
			;
		_exit(n == 1 ? 0 : 1);
	}
	close(p[0]);
	if (setsid() < 0)
		fatal("setsid");
	return p[1];
}

static void daemon_ready(int fd)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (chdir("/") < 0)
		log_warn("chdir /");
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	if (write(fd, "1", 1) != 1)
		log_warn("cannot tell the parent we are ready");
	close(fd);
}

static char *absolute(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	char cwd[PATH_MAX];

	if (path[0] != '/' && getcwd(cwd, sizeof(cwd)))
		sb_printf(&sb, "%s/", cwd);
	sb_puts(&sb, path);
	return sb_steal(&sb);
}

static void notify_ready(struct server *s)
{
	struct engine_status st;

	engine_status(s->eng, &st);
	sdnotifyf("READY=1\nSTATUS=%s, policy in %s, %zu rules%s%s",
		  st.enabled ? "enabled" : "disabled", rule_policy_name(st.policy_in),
		  st.nrules, *st.problem ? "; PROBLEM: " : "", st.problem);
}

static void server_stop(struct server *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct client *c = s->c[i];

		/* best effort: a follower learns why its stream ends */
		if (c->follow) {
			commands_error(&c->out, EXIT_FAILED, "ESHUTDOWN", "fwd is stopping");
			client_flush(c);
		}
		client_free(s, c);
	}
	free(s->c);
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->bound && unlink(s->path) < 0)
		log_warn("unlink %s", s->path);
	if (s->sfd >= 0)
		close(s->sfd);
	droplog_free(s->log);
	prompts_set_current(NULL);
	prompts_free(s->prompts);
	tracker_free(s->trk);
	engine_free(s->eng);
	free(s->path);
}

/*
 * Everything that needs root is done by now: the /proc helper forked with
 * its own two capabilities, the database, netlink and nflog sockets are
 * open, the first ruleset is committed and the control socket is bound.
 */
static int drop_privileges(const struct fwd_options *o)
{
	char err[512];

	if (privdrop_own_state(FWD_USER, o->db_path, err, sizeof(err)) < 0 ||
	    privdrop_apply(FWD_USER, err, sizeof(err)) < 0) {
		log_warnx("%s", err);
		return -1;
	}
	return 0;
}

int server_main(const struct fwd_options *o)
{
	struct server s = { .lfd = -1, .sfd = -1 };
	int ready_fd = -1, rc = 1, probe;

	umask(077);
	if (!o->foreground)
		ready_fd = daemon_fork();
	if (signals_open(&s) < 0)
		fatal("signalfd");
	s.path = absolute(o->socket_path);
	s.eng = engine_new(o);
	if (!s.eng)
		goto out;
	auth_set_admin_group(engine_config(s.eng)->admin_group);
	/* never touch the kernel while another fwd serves this socket */
	probe = socket_probe(s.path);
	if (probe > 0)
		log_warnx("another fwd is running on %s", s.path);
	if (probe != 0)
		goto out;
	/* the /proc helper forks before the database and netlink are opened */
	s.trk = tracker_new(s.eng);
	if (engine_start(s.eng) < 0)
		goto out;
	s.prompts = prompts_new(s.eng, s.trk);
	prompts_set_notify(s.prompts, on_prompt_event, &s);
	prompts_set_current(s.prompts);
	prompts_boot_cleanup(s.prompts);
	s.status_sig = status_signature(&s);
	s.log = droplog_new(s.eng, s.trk);
	if (listener_open(&s) < 0)
		goto out;
	if (drop_privileges(o) < 0)
		goto out;       /* before READY=1; the table stays in the kernel */
	s.watchdog_ms = sdnotify_watchdog_ms() / 2;
	s.watchdog_due = mono_ms() + s.watchdog_ms;
	if (ready_fd >= 0)
		daemon_ready(ready_fd);
	log_init("fwd", o->foreground, o->debug);
	notify_ready(&s);
	server_loop(&s);
	sdnotify("STOPPING=1");
	rc = 0;
out:
	server_stop(&s);
	return rc;
}
