/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * UDP flood for tests/integration/t-load-flood.sh: as many datagrams as
 * the machine allows, to closed ports of ADDR (port BASE..BASE+SPREAD-1 in
 * turn, so fwd sees many distinct blocked "connections"), for SECONDS.
 * Compiled by the test: cc -O2 -o $T/flood tests/load/flood.c
 *
 *   flood ADDR BASE SPREAD SECONDS     prints "sent=N pps=N"
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct sockaddr_in to[BATCH];
	struct mmsghdr msgs[BATCH];
	struct iovec iov = { .iov_base = "flood", .iov_len = 5 };
	long sent = 0;
	int fd, base, spread, k = 0;
	double start, end;

	if (argc != 5) {
		fprintf(stderr, "usage: %s ADDR BASE SPREAD SECONDS\n", argv[0]);
		return 2;
	}
	base = atoi(argv[2]);
	spread = atoi(argv[3]) > 0 ? atoi(argv[3]) : 1;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BATCH; i++) {
		to[i].sin_family = AF_INET;
		if (inet_pton(AF_INET, argv[1], &to[i].sin_addr) != 1) {
			fprintf(stderr, "bad address %s\n", argv[1]);
			return 2;
		}
		msgs[i].msg_hdr.msg_name = &to[i];
		msgs[i].msg_hdr.msg_namelen = sizeof(to[i]);
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	start = now_s();
	end = start + atof(argv[4]);
	while (now_s() < end) {
		for (int i = 0; i < BATCH; i++)
			to[i].sin_port = htons((uint16_t)(base + (k++ % spread)));
		int n = sendmmsg(fd, msgs, BATCH, 0);
		if (n > 0)
			sent += n;
	}
	printf("sent=%ld pps=%ld\n", sent, (long)(sent / (now_s() - start)));
	close(fd);
	return 0;
}
