/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers of the file-reading harnesses (catalog, config). Their parsers take
 * a path, not a buffer, so every input goes through a file; /dev/shm keeps
 * that in memory where it exists.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

static char tmpdir[PATH_MAX];
static char path[PATH_MAX];
static char last_name[NAME_MAX + 1];

void fuzz_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: fuzz invariant broken: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static void fuzz_cleanup(void)
{
	if (last_name[0])
		unlink(path);
	if (tmpdir[0])
		rmdir(tmpdir);
}

const char *fuzz_tmpdir(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	if (tmpdir[0])
		return tmpdir;
	if (getenv("TMPDIR") && *getenv("TMPDIR"))
		base = getenv("TMPDIR");
	snprintf(tmpdir, sizeof(tmpdir), "%s/fwd-fuzz-XXXXXX", base);
	if (!mkdtemp(tmpdir)) {
		fprintf(stderr, "fuzz: cannot create %s: %s\n", tmpdir, strerror(errno));
		exit(1);
	}
	atexit(fuzz_cleanup);
	return tmpdir;
}

static void write_all(int fd, const uint8_t *data, size_t size)
{
	ssize_t n;

	while (size > 0) {
		n = write(fd, data, size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "fuzz: cannot write %s: %s\n", path, strerror(errno));
			exit(1);
		}
		data += n;
		size -= (size_t)n;
	}
}

const char *fuzz_write_file(const char *name, const uint8_t *data, size_t size)
{
	int fd;

	if (last_name[0] && strcmp(last_name, name) != 0)
		unlink(path);
	snprintf(last_name, sizeof(last_name), "%s", name);
	snprintf(path, sizeof(path), "%s/%s", fuzz_tmpdir(), name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "fuzz: cannot create %s: %s\n", path, strerror(errno));
		exit(1);
	}
	write_all(fd, data, size);
	close(fd);
	return path;
}
