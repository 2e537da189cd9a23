/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwd.conf parsing (defaults, a full good file, every error with its exact
 * place and message, several errors at once leaving the config untouched)
 * and sd_notify against a real datagram socket, by path and abstract name.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"
#include "diag.h"
#include "sdnotify.h"
#include "strbuf.h"
#include "testlib.h"

static char tmpdir[] = "/tmp/fwd-test-config-XXXXXX";
static char *conf_path;

static void write_conf(const char *text)
{
	FILE *f = fopen(conf_path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		perror(conf_path);
}

/* the first line of diag_format's output */
static char *first_line(const struct diag *d)
{
	struct strbuf sb = STRBUF_INIT;
	char *nl;

	diag_format(d, &sb);
	nl = strchr(sb_str(&sb), '\n');
	if (nl)
		*nl = '\0';
	return sb_steal(&sb);
}

/* line n (1-based) of text, without its newline */
static char *nth_line(const char *text, int n)
{
	const char *p = text;

	while (--n > 0 && (p = strchr(p, '\n')))
		p++;
	if (!p)
		return xstrdup("");
	return xstrndup(p, strcspn(p, "\n"));
}

static bool config_is_default(const struct fwd_config *c)
{
	return c->admin_group && strcmp(c->admin_group, "fwadm") == 0 &&
	       c->user_prompts && c->prompt_timeout == 300 &&
	       c->log_max_events == 10000 && c->stop_leaves_rules &&
	       c->log_group == 7;
}

static void test_defaults(void)
{
	struct fwd_config c;
	struct diag_list dl = { 0 };
	char *missing;

	config_defaults(&c);
	CHECK(config_is_default(&c), "defaults");
	/* the default path may be absent; an explicit one may not */
	missing = xstrdup(conf_path);
	strcpy(missing + strlen(missing) - 4, "nope");
	CHECK(config_load(&c, missing, true, &dl) == 0 && dl.n == 0,
	      "missing_ok");
	CHECK(config_is_default(&c), "missing file changes nothing");
	CHECK(config_load(&c, missing, false, &dl) == -1 && dl.n == 1,
	      "missing, not ok: %zu diags", dl.n);
	if (dl.n == 1)
		CHECK(strstr(dl.v[0].msg, "cannot read") &&
		      strstr(dl.v[0].msg, "No such file"), "msg: %s", dl.v[0].msg);
	diag_list_free(&dl);
	free(missing);
	config_free(&c);
}

static void test_good(void)
{
	struct fwd_config c;
	struct diag_list dl = { 0 };

	write_conf("# fwd.conf\n"
		   "\n"
		   "admin-group   netadm\n"
		   "\tuser-prompts no   # servers: nobody to ask\n"
		   "prompt-timeout 2m\n"
		   "log-max-events 10000000\n"
		   "stop-leaves-rules yes\r\n"
		   "log-group 0\n"
		   "   # indented comment\n");
	config_defaults(&c);
	CHECK(config_load(&c, conf_path, false, &dl) == 0, "good file: %zu diags",
	      dl.n);
	CHECK(dl.n == 0, "no diags");
	CHECK_STR(c.admin_group, "netadm", "admin-group");
	CHECK(!c.user_prompts, "user-prompts no");
	CHECK(c.prompt_timeout == 120, "prompt-timeout %llu",
	      (unsigned long long)c.prompt_timeout);
	CHECK(c.log_max_events == 10000000, "log-max-events %u", c.log_max_events);
	CHECK(c.stop_leaves_rules, "stop-leaves-rules");
	CHECK(c.log_group == 0, "log-group %u", c.log_group);

	/* a second file only overrides what it names */
	write_conf("log-group 65535\nuser-prompts yes\n");
	CHECK(config_load(&c, conf_path, false, &dl) == 0, "partial file");
	CHECK(c.log_group == 65535 && c.user_prompts, "partial values");
	CHECK_STR(c.admin_group, "netadm", "admin-group kept");
	diag_list_free(&dl);
	config_free(&c);
}

struct err_case {
	const char *text;
	const char *want;       /* first line after the path */
	int col, len;
	/*
	 * NULL: want is the whole line. Otherwise want is a prefix and the
	 * rest, duration_parse's own words, must mention this.
	 */
	const char *rest_has;
};

static const struct err_case err_cases[] = {
	{ "admin-grup wheel\n",
	  ":1:1: error: unknown key 'admin-grup' (did you mean 'admin-group'?)",
	  1, 10, NULL },
	{ "user-prompts yes\nlog-grup 3\n",
	  ":2:1: error: unknown key 'log-grup' (did you mean 'log-group'?)",
	  1, 8, NULL },
	{ "colour blue\n",
	  ":1:1: error: unknown key 'colour'; known keys are admin-group,"
	  " log-group, log-max-events, prompt-timeout, stop-leaves-rules,"
	  " user-prompts", 1, 6, NULL },
	{ "# who may change rules\nadmin-group\n",
	  ":2:1: error: missing value for admin-group: expected a group name",
	  1, 11, NULL },
	{ "admin-group   # nobody\n",
	  ":1:1: error: missing value for admin-group: expected a group name",
	  1, 11, NULL },
	{ "admin-group wheel:x\n",
	  ":1:13: error: admin-group 'wheel:x' is not a valid group name",
	  13, 7, NULL },
	{ "user-prompts maybe\n",
	  ":1:14: error: user-prompts must be yes or no, not 'maybe'", 14, 5, NULL },
	{ "user-prompts Yes\n",
	  ":1:14: error: user-prompts must be yes or no, not 'Yes'", 14, 3, NULL },
	{ "prompt-timeout soon\n",
	  ":1:16: error: prompt-timeout: ", 16, 4, "'soon'" },
	{ "prompt-timeout 0s\n",
	  ":1:16: error: prompt-timeout: ", 16, 2, "'0s'" },
	{ "log-max-events 0\n",
	  ":1:16: error: log-max-events must be a number from 1 to 10000000,"
	  " not '0'", 16, 1, NULL },
	{ "log-max-events 10000001\n",
	  ":1:16: error: log-max-events must be a number from 1 to 10000000,"
	  " not '10000001'", 16, 8, NULL },
	{ "log-max-events 18446744073709551621\n",
	  ":1:16: error: log-max-events must be a number from 1 to 10000000,"
	  " not '18446744073709551621'", 16, 20, NULL },
	{ "log-max-events 1e6\n",
	  ":1:16: error: log-max-events must be a number from 1 to 10000000,"
	  " not '1e6'", 16, 3, NULL },
	{ "log-group 65536\n",
	  ":1:11: error: log-group must be a number from 0 to 65535, not '65536'",
	  11, 5, NULL },
	{ "log-group -1\n",
	  ":1:11: error: log-group must be a number from 0 to 65535, not '-1'",
	  11, 2, NULL },
	{ "user-prompts yes\nuser-prompts no\n",
	  ":2:1: error: duplicate key 'user-prompts' (already set on line 1)",
	  1, 12, NULL },
	{ "user-prompts yes no\n",
	  ":1:18: error: unexpected 'no': user-prompts takes one value",
	  18, 2, NULL },
	{ "stop-leaves-rules no\n",
	  ":1:19: error: stop-leaves-rules no is not supported: fwd never opens"
	  " the host when it stops", 19, 2, NULL },
	{ "stop-leaves-rules always\n",
	  ":1:19: error: stop-leaves-rules must be yes, not 'always'", 19, 6, NULL },
};

static void test_errors(void)
{
	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		const struct err_case *e = &err_cases[i];
		struct diag_list dl = { 0 };
		struct strbuf want = STRBUF_INIT;
		struct fwd_config c;
		char *got = NULL, *src;

		write_conf(e->text);
		config_defaults(&c);
		CHECK(config_load(&c, conf_path, false, &dl) == -1, "case %zu", i);
		CHECK(dl.n == 1, "case %zu: %zu diags", i, dl.n);
		CHECK(config_is_default(&c), "case %zu changed the config", i);
		sb_printf(&want, "%s%s", conf_path, e->want);
		if (dl.n >= 1) {
			got = first_line(&dl.v[0]);
			if (e->rest_has)
				CHECK(strncmp(got, sb_str(&want), want.len) == 0 &&
				      strstr(got + want.len, e->rest_has),
				      "case %zu\n  got:  %s\n  want: %s...", i,
				      got, sb_str(&want));
			else
				CHECK_STR(got, sb_str(&want), e->text);
			CHECK(dl.v[0].col == e->col && dl.v[0].len == e->len,
			      "case %zu: col %d len %d", i, dl.v[0].col, dl.v[0].len);
			src = nth_line(e->text, dl.v[0].line);
			CHECK_STR(dl.v[0].src, src, "source line");
			free(src);
		}
		free(got);
		sb_free(&want);
		diag_list_free(&dl);
		config_free(&c);
	}
}

/* every error of a file is reported, and nothing of it is applied */
static void test_many_errors(void)
{
	struct diag_list dl = { 0 };
	struct fwd_config c;
	static const int lines[] = { 2, 4, 5, 6 };

	write_conf("admin-group netadm\n"
		   "user-prompts perhaps\n"
		   "log-group 9\n"
		   "frobnicate 1\n"
		   "log-max-events\n"
		   "log-group 10\n");
	config_defaults(&c);
	CHECK(config_load(&c, conf_path, false, &dl) == -1, "many errors");
	CHECK(dl.n == 4, "%zu diags, want 4", dl.n);
	for (size_t i = 0; i < dl.n && i < 4; i++) {
		CHECK(dl.v[i].line == lines[i], "diag %zu on line %d, want %d",
		      i, dl.v[i].line, lines[i]);
		CHECK_STR(dl.v[i].file, conf_path, "diag file");
	}
	if (dl.n == 4) {
		CHECK_STR(dl.v[0].src, "user-prompts perhaps", "source line kept");
		CHECK(strstr(dl.v[3].msg, "already set on line 3") != NULL,
		      "duplicate: %s", dl.v[3].msg);
	}
	CHECK(config_is_default(&c), "good lines of a bad file are not applied");
	diag_list_free(&dl);
	config_free(&c);
}

/* a datagram socket at addr; returns the fd or -1 */
static int listen_dgram(const struct sockaddr_un *sa, socklen_t len)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (const struct sockaddr *)sa, len) < 0) {
		perror("bind");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void expect_datagram(int fd, const char *want, const char *ctx)
{
	char buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	CHECK(n >= 0, "%s: no datagram (%s)", ctx, strerror(errno));
	buf[n > 0 ? n : 0] = '\0';
	CHECK_STR(buf, want, ctx);
}

static void test_sdnotify_path(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *path;
	int fd;

	unsetenv("NOTIFY_SOCKET");
	CHECK(sdnotify("READY=1") == 0, "no NOTIFY_SOCKET: no-op");

	path = xstrdup(conf_path);
	strcpy(path + strlen(path) - 8, "notify");
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = listen_dgram(&sa, sizeof(sa));
	CHECK(fd >= 0, "bind %s", path);
	if (fd >= 0) {
		setenv("NOTIFY_SOCKET", path, 1);
		CHECK(sdnotify("READY=1") == 0, "sdnotify: %s", strerror(errno));
		expect_datagram(fd, "READY=1", "path socket");
		CHECK(sdnotifyf("STATUS=%zu rules", (size_t)12) == 0, "sdnotifyf");
		expect_datagram(fd, "STATUS=12 rules", "sdnotifyf");
		close(fd);
	}
	unlink(path);
	/* the socket is gone: sending fails, and says so */
	CHECK(sdnotify("STOPPING=1") == -1, "send to a removed socket");
	setenv("NOTIFY_SOCKET", "vsock:2:1234", 1);
	CHECK(sdnotify("READY=1") == -1, "unsupported address");
	unsetenv("NOTIFY_SOCKET");
	free(path);
}

static void test_sdnotify_abstract(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char name[64];
	socklen_t len;
	int fd;

	snprintf(name, sizeof(name), "@fwd-test-notify-%ld", (long)getpid());
	/* the kernel compares abstract names over exactly the length given */
	memcpy(sa.sun_path + 1, name + 1, strlen(name) - 1);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(name));
	fd = listen_dgram(&sa, len);
	CHECK(fd >= 0, "bind abstract %s", name);
	if (fd < 0)
		return;
	setenv("NOTIFY_SOCKET", name, 1);
	CHECK(sdnotify("READY=1\nSTATUS=up") == 0, "abstract: %s", strerror(errno));
	expect_datagram(fd, "READY=1\nSTATUS=up", "abstract socket");
	unsetenv("NOTIFY_SOCKET");
	close(fd);
}

int main(void)
{
	struct strbuf sb = STRBUF_INIT;

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	sb_printf(&sb, "%s/fwd.conf", tmpdir);
	conf_path = sb_steal(&sb);
	test_defaults();
	test_good();
	test_errors();
	test_many_errors();
	test_sdnotify_path();
	test_sdnotify_abstract();
	unlink(conf_path);
	if (rmdir(tmpdir) < 0)
		perror(tmpdir);
	free(conf_path);
	TEST_DONE();
}
