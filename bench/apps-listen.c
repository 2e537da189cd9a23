/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bench/apps helper: listens on COUNT dual-stack TCP ports from PORT, prints
   the unix ms of the first listen(), then sleeps until killed */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	int port = atoi(argv[1]), n = argc > 2 ? atoi(argv[2]) : 1, zero = 0, one = 1;
	struct timespec ts;
	long long first = 0;
	for (int i = 0; i < n; i++) {
		int fd = socket(AF_INET6, SOCK_STREAM, 0);
		struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(port + i) };
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (void *)&a, sizeof(a)) < 0 || listen(fd, 16) < 0) { perror("bind/listen"); return 1; }
		if (i == 0) { clock_gettime(CLOCK_REALTIME, &ts); first = ts.tv_sec * 1000LL + ts.tv_nsec / 1000000; }
	}
	printf("%lld\n", first);
	fflush(stdout);
	for (;;) pause();
}
