/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * units.c: finding the cgroup v2 mount in mountinfo text, slice paths, and
 * resolving unit names on a tree of ordinary directories laid out as
 * systemd lays out cgroups. Expected values are written by hand; the ids
 * are compared with stat() of the directory the case names.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testlib.h"
#include "units.h"

static const char mountinfo[] =
	"22 1 0:21 / /proc rw,nosuid - proc proc rw\n"
	"25 24 0:23 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd\n"
	"26 24 0:24 /sub/tree /sys/fs/cgroup/uni\\040fied rw,nosuid shared:9 - cgroup2 "
	"cgroup2 rw,nsdelegate\n"
	"27 24 0:25 / /mnt/second rw - cgroup2 cgroup2 rw\n";

static void test_find_mount(void)
{
	char dir[256];
	unsigned depth = 99;

	CHECK(units_find_mount(mountinfo, dir, sizeof(dir), &depth) == 0, "found");
	CHECK_STR(dir, "/sys/fs/cgroup/uni fied", "mount point, \\040 unescaped");
	CHECK(depth == 2, "root /sub/tree is 2 deep, got %u", depth);
	CHECK(units_find_mount("22 1 0:21 / /proc rw - proc proc rw\n", dir,
			       sizeof(dir), &depth) == -1, "no cgroup2 line");
	CHECK(units_find_mount("", dir, sizeof(dir), &depth) == -1, "empty");
	CHECK(units_find_mount("garbage without separator cgroup2\n", dir,
			       sizeof(dir), &depth) == -1, "garbage");
	CHECK(units_find_mount("1 2 3 / /x rw - cgroup2x y z\n", dir, sizeof(dir),
			       &depth) == -1, "type must be exactly cgroup2");
	CHECK(units_find_mount("1 2 3 / /c rw - cgroup2 c rw", dir, sizeof(dir),
			       &depth) == 0 && strcmp(dir, "/c") == 0 && depth == 0,
	      "last line without newline, root /");
}

static const struct { const char *name, *path; } slices[] = {
	{ "system.slice", "system.slice" },
	{ "user-1000.slice", "user.slice/user-1000.slice" },
	{ "a-b-c.slice", "a.slice/a-b.slice/a-b-c.slice" },
	{ "a\\x2db.slice", "a\\x2db.slice" },
	{ "-.slice", NULL },
	{ "a--b.slice", NULL },
	{ "a-.slice", NULL },
	{ "sshd.service", NULL },
	{ ".slice", NULL },
};

static void test_slice_path(void)
{
	char buf[128], tiny[12];

	for (size_t i = 0; i < sizeof(slices) / sizeof(slices[0]); i++) {
		int rc = units_slice_path(slices[i].name, buf, sizeof(buf));

		if (slices[i].path)
			CHECK(rc == 0 && strcmp(buf, slices[i].path) == 0, "%s -> %s, got %s",
			      slices[i].name, slices[i].path, rc ? "error" : buf);
		else
			CHECK(rc == -1, "%s is refused", slices[i].name);
	}
	CHECK(units_slice_path("user-1000.slice", tiny, sizeof(tiny)) == -1,
	      "a path longer than the buffer is an error, not truncated");
}

static char root[] = "/tmp/fwd-test-units.XXXXXX";

static const char *const tree[] = {
	"init.scope",
	"system.slice",
	"system.slice/sshd.service",
	"system.slice/sshd.service/inner.slice",        /* inside a service: never searched */
	"system.slice/sshd.service/inner.slice/evil.service",
	"system.slice/getty@tty1.service",
	"user.slice",
	"user.slice/user-1000.slice",
	"user.slice/user-1000.slice/session-2.scope",
	"user.slice/user-1000.slice/user@1000.service",
	"user.slice/user-1000.slice/user@1000.service/app.slice",
	"user.slice/user-1000.slice/user@1000.service/app.slice/sshd.service",
	"a.slice",
	"a.slice/a-b.slice",
	"a.slice/a-b.slice/a-b-c.slice",
	"a.slice/a-b.slice/a-b-c.slice/a-b-c-d.slice",
	"a.slice/a-b.slice/a-b-c.slice/a-b-c-d.slice/deep.service",
	"a.slice/a-b.slice/a-b-c.slice/mid.service",
	"notaslice",
	"notaslice/hidden.service",
};

static int make_tree(void)
{
	char path[512];

	if (!mkdtemp(root))
		return -1;
	for (size_t i = 0; i < sizeof(tree) / sizeof(tree[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, tree[i]);
		if (mkdir(path, 0755) < 0)
			return -1;
	}
	return 0;
}

static void remove_tree(void)
{
	char path[512];

	for (size_t i = sizeof(tree) / sizeof(tree[0]); i-- > 0;) {
		snprintf(path, sizeof(path), "%s/%s", root, tree[i]);
		rmdir(path);
	}
	rmdir(root);
}

static uint64_t ino_of(const char *rel)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return stat(path, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

static const struct {
	const char *name;
	unsigned depth, max;
	int rc;
	const char *path;       /* the directory it must find, or NULL */
	unsigned level;
} cases[] = {
	{ "sshd.service", 0, 4, 0, "system.slice/sshd.service", 2 },
	{ "getty@tty1.service", 0, 4, 0, "system.slice/getty@tty1.service", 2 },
	{ "session-2.scope", 0, 4, 0, "user.slice/user-1000.slice/session-2.scope", 3 },
	{ "user@1000.service", 0, 4, 0, "user.slice/user-1000.slice/user@1000.service", 3 },
	{ "init.scope", 0, 4, 0, "init.scope", 1 },
	{ "user-1000.slice", 0, 4, 0, "user.slice/user-1000.slice", 2 },
	{ "system.slice", 0, 4, 0, "system.slice", 1 },
	{ "mid.service", 0, 4, 0, "a.slice/a-b.slice/a-b-c.slice/mid.service", 4 },
	{ "sshd.service", 3, 5, 0, "system.slice/sshd.service", 5 },   /* mounted 3 deep */
	/* too deep: found, level reported, refused */
	{ "deep.service", 0, 4, -1, "a.slice/a-b.slice/a-b-c.slice/a-b-c-d.slice/deep.service", 5 },
	{ "a-b-c-d.slice", 0, 3, -1, "a.slice/a-b.slice/a-b-c.slice/a-b-c-d.slice", 4 },
	/* never found: inside a service (delegated), outside slices, absent */
	{ "evil.service", 0, 8, -1, NULL, 0 },
	{ "app.slice", 0, 8, -1, NULL, 0 },
	{ "hidden.service", 0, 8, -1, NULL, 0 },
	{ "nope.service", 0, 4, -1, NULL, 0 },
	{ "nope.slice", 0, 4, -1, NULL, 0 },
	{ "x-y.slice", 0, 4, -1, NULL, 0 },
};

static void test_resolve(int fd)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct unit_place pl;
		int rc = units_resolve(fd, cases[i].depth, cases[i].name, cases[i].max, &pl);

		CHECK(rc == cases[i].rc, "%s: rc %d, want %d", cases[i].name, rc, cases[i].rc);
		CHECK(pl.level == cases[i].level, "%s: level %u, want %u", cases[i].name,
		      pl.level, cases[i].level);
		if (cases[i].rc == 0) {
			CHECK_STR(pl.path, cases[i].path, cases[i].name);
			CHECK(pl.id && pl.id == ino_of(cases[i].path), "%s: id is the inode",
			      cases[i].name);
		}
	}
}

/* a place stays valid until its directory is gone or replaced */
static void test_still(int fd)
{
	struct unit_place pl, again;
	char path[512];

	snprintf(path, sizeof(path), "%s/system.slice/getty@tty1.service", root);
	CHECK(units_resolve(fd, 0, "getty@tty1.service", 4, &pl) == 0, "resolved");
	CHECK(units_still(fd, &pl) == 0, "still there");
	CHECK(rmdir(path) == 0, "stop the unit");
	CHECK(units_still(fd, &pl) == -1, "gone");
	CHECK(units_resolve(fd, 0, "getty@tty1.service", 4, &again) == -1, "not running");
	CHECK(mkdir(path, 0755) == 0, "restart it");
	CHECK(units_resolve(fd, 0, "getty@tty1.service", 4, &again) == 0, "running again");
	/* a new directory may reuse the inode on tmpfs; then the id is equal too */
	CHECK(units_still(fd, &pl) == (again.id == pl.id ? 0 : -1),
	      "an old place names the new cgroup only if the id is the same");
}

int main(void)
{
	int fd;

	test_find_mount();
	test_slice_path();
	CHECK(make_tree() == 0, "cannot build the tree under %s", root);
	fd = open(root, O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0, "open %s", root);
	if (fd >= 0) {
		test_resolve(fd);
		test_still(fd);
		close(fd);
	}
	remove_tree();
	TEST_DONE();
}
