/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * systemd units -> cgroup ids, for `unit` rules (units.h). Pure file system
 * reads under one directory fd, so the unit tests run it on a tree of
 * ordinary directories.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "strbuf.h"
#include "units.h"

/* a search never goes deeper than this, whatever max_level asks */
#define UNITS_SEARCH_DEPTH 8

/* mountinfo escapes blanks and backslashes as \ooo */
static void unescape(const char *s, size_t len, char *out, size_t outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 1 < outlen; i++) {
		if (s[i] == '\\' && i + 3 < len &&
		    s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
		    s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			out[o++] = (char)((s[i + 1] - '0') << 6 | (s[i + 2] - '0') << 3 |
					  (s[i + 3] - '0'));
			i += 3;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = 0;
}

static unsigned path_depth(const char *p)
{
	unsigned n = 0;
	bool in_part = false;

	for (; *p; p++) {
		if (*p != '/' && !in_part)
			n++;
		in_part = *p != '/';
	}
	return n;
}

/* the n-th blank-separated field of line[0..len), as pointer and length */
static bool field(const char *line, size_t len, unsigned n, const char **f, size_t *flen)
{
	size_t i = 0;

	for (unsigned k = 0; ; k++) {
		size_t start;

		while (i < len && line[i] == ' ')
			i++;
		start = i;
		while (i < len && line[i] != ' ')
			i++;
		if (start == i)
			return false;
		if (k == n) {
			*f = line + start;
			*flen = i - start;
			return true;
		}
	}
}

/* mount point and root of a mountinfo line whose type is cgroup2 */
static bool cgroup2_line(const char *line, size_t len, char *dir, size_t dirlen,
			 unsigned *depth)
{
	const char *sep = NULL, *f;
	size_t flen;
	char root[512];

	for (size_t i = 0; i + 2 < len && !sep; i++)
		if (line[i] == ' ' && line[i + 1] == '-' && line[i + 2] == ' ')
			sep = line + i + 3;
	if (!sep || !field(sep, len - (size_t)(sep - line), 0, &f, &flen) ||
	    flen != 7 || memcmp(f, "cgroup2", 7) != 0)
		return false;
	if (!field(line, len, 3, &f, &flen))
		return false;
	unescape(f, flen, root, sizeof(root));
	if (!field(line, len, 4, &f, &flen))
		return false;
	unescape(f, flen, dir, dirlen);
	*depth = path_depth(root);
	return true;
}

int units_find_mount(const char *mountinfo, char *dir, size_t dirlen, unsigned *depth)
{
	const char *p = mountinfo;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (cgroup2_line(p, len, dir, dirlen, depth))
			return 0;
		p = nl ? nl + 1 : NULL;
	}
	return -1;
}

int units_slice_path(const char *name, char *buf, size_t len)
{
	size_t n = strlen(name), base = n - 6, o = 0;

	if (n <= 6 || strcmp(name + base, ".slice") != 0 || name[0] == '-' ||
	    name[base - 1] == '-' || strstr(name, "--"))
		return -1;
	for (size_t i = 0; i <= base; i++) {
		int w;

		if (i < base && name[i] != '-')
			continue;
		w = snprintf(buf + o, len - o, "%s%.*s.slice", o ? "/" : "", (int)i, name);
		if (w < 0 || (size_t)w >= len - o)
			return -1;
		o += (size_t)w;
	}
	return 0;
}

static int place_stat(int rootfd, const char *path, unsigned level, struct unit_place *out)
{
	struct stat st;

	if (fstatat(rootfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
		return -1;
	if (snprintf(out->path, sizeof(out->path), "%s", path) >= (int)sizeof(out->path))
		return -1;
	out->level = level;
	out->id = (uint64_t)st.st_ino;
	return 0;
}

struct slice_queue {
	char **path;            /* relative to the mount; "" = its root */
	unsigned *level;
	size_t head, n, cap;
};

static void queue_push(struct slice_queue *q, const char *path, unsigned level)
{
	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 16;
		q->path = xrealloc(q->path, q->cap * sizeof(*q->path));
		q->level = xrealloc(q->level, q->cap * sizeof(*q->level));
	}
	q->path[q->n] = xstrdup(path);
	q->level[q->n++] = level;
}

static void queue_free(struct slice_queue *q)
{
	for (size_t i = 0; i < q->n; i++)
		free(q->path[i]);
	free(q->path);
	free(q->level);
}

static bool is_slice_dir(int dirfd, const struct dirent *de)
{
	size_t n = strlen(de->d_name);
	struct stat st;

	if (n <= 6 || strcmp(de->d_name + n - 6, ".slice") != 0)
		return false;
	if (de->d_type == DT_DIR)
		return true;
	return de->d_type == DT_UNKNOWN &&
	       fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISDIR(st.st_mode);
}

/* the slices inside q's entry i, queued one level deeper */
static void queue_children(struct slice_queue *q, int rootfd, size_t i)
{
	const char *dir = q->path[i];
	int fd = openat(rootfd, *dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct strbuf sb = STRBUF_INIT;
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d)))
		if (is_slice_dir(fd, de)) {
			sb_reset(&sb);
			sb_printf(&sb, "%s%s%s", dir, *dir ? "/" : "", de->d_name);
			queue_push(q, sb_str(&sb), q->level[i] + 1);
		}
	closedir(d);
	sb_free(&sb);
}

/* a service or scope: directly inside some slice, the shallowest wins */
static int search_slices(int rootfd, unsigned depth, const char *name,
			 struct unit_place *out)
{
	struct slice_queue q = { 0 };
	struct strbuf sb = STRBUF_INIT;
	int rc = -1;

	queue_push(&q, "", depth);
	for (; q.head < q.n && rc < 0; q.head++) {
		size_t i = q.head;

		sb_reset(&sb);
		sb_printf(&sb, "%s%s%s", q.path[i], *q.path[i] ? "/" : "", name);
		rc = place_stat(rootfd, sb_str(&sb), q.level[i] + 1, out);
		if (rc < 0 && q.level[i] + 1 < depth + UNITS_SEARCH_DEPTH)
			queue_children(&q, rootfd, i);
	}
	queue_free(&q);
	sb_free(&sb);
	return rc;
}

int units_resolve(int rootfd, unsigned depth, const char *name, unsigned max_level,
		  struct unit_place *out)
{
	char path[sizeof(out->path)];
	size_t n = strlen(name);
	int rc;

	memset(out, 0, sizeof(*out));
	if (n > 6 && strcmp(name + n - 6, ".slice") == 0)
		rc = units_slice_path(name, path, sizeof(path)) < 0 ? -1 :
		     place_stat(rootfd, path, depth + path_depth(path), out);
	else
		rc = search_slices(rootfd, depth, name, out);
	if (rc < 0) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	return out->level <= max_level ? 0 : -1;
}

int units_still(int rootfd, const struct unit_place *p)
{
	struct stat st;

	if (fstatat(rootfd, p->path, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
		return -1;
	return (uint64_t)st.st_ino == p->id ? 0 : -1;
}

/* depth-first below dirfd; *budget counts the directories still allowed */
static int walk_has(int dirfd, uint64_t id, unsigned *budget)
{
	struct dirent *de;
	int found = 0;
	DIR *d = fdopendir(dirfd);

	if (!d) {
		close(dirfd);
		return 0;
	}
	while (!found && *budget && (de = readdir(d))) {
		struct stat st;
		int sub;

		if (de->d_name[0] == '.' || (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN))
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		(*budget)--;
		if ((uint64_t)st.st_ino == id)
			found = 1;
		else if ((sub = openat(dirfd, de->d_name,
				       O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0)
			found = walk_has(sub, id, budget);
	}
	closedir(d);
	return found;
}

int units_subtree_has(int rootfd, const struct unit_place *p, uint64_t id)
{
	unsigned budget = UNITS_WALK_MAX;
	int fd;

	if (id == p->id)
		return 1;
	fd = openat(rootfd, p->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? 0 : walk_has(fd, id, &budget);
}
