/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * systemd's readiness protocol by hand: one datagram to $NOTIFY_SOCKET.
 * Linking libsystemd for this would pull a large library into the process
 * that holds CAP_NET_ADMIN.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sdnotify.h"
#include "strbuf.h"

/* fills sa from $NOTIFY_SOCKET; returns the address length, 0 if unusable */
static socklen_t sdnotify_addr(const char *path, struct sockaddr_un *sa)
{
	size_t len = strlen(path);

	/* "/path" or "@abstract"; systemd's vsock: form is not for us */
	if ((path[0] != '/' && path[0] != '@') || len < 2 ||
	    len >= sizeof(sa->sun_path))
		return 0;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, path, len);
	/* an abstract name has a leading NUL and no terminating one */
	if (path[0] == '@')
		sa->sun_path[0] = '\0';
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
}

int sdnotify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	socklen_t salen;
	size_t len = strlen(state);
	ssize_t n;
	int fd, saved;

	if (!path || !*path)
		return 0;
	salen = sdnotify_addr(path, &sa);
	if (salen == 0) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	n = sendto(fd, state, len, MSG_NOSIGNAL, (struct sockaddr *)&sa, salen);
	saved = errno;
	close(fd);
	errno = saved;
	return n == (ssize_t)len ? 0 : -1;
}

int sdnotifyf(const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	ret = sdnotify(sb_str(&sb));
	sb_free(&sb);
	return ret;
}

long long sdnotify_watchdog_ms(void)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	char *end;
	unsigned long long v;

	if (!usec || !*usec)
		return 0;
	if (pid && *pid && strtoll(pid, NULL, 10) != (long long)getpid())
		return 0;
	errno = 0;
	v = strtoull(usec, &end, 10);
	if (errno || *end || v < 1000 || v > 3600ull * 1000000)
		return 0;
	return (long long)(v / 1000);
}
