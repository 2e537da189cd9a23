/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwd.conf (fwd/config.c) on arbitrary bytes. config_load reads a path, so
 * each input is written to a scratch file first. What must hold: a file
 * with any error changes nothing (the config keeps its defaults), and a
 * file without one gives values inside the ranges fwd.conf(5) allows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "strbuf.h"

static bool same_config(const struct fwd_config *a, const struct fwd_config *b)
{
	return strcmp(a->admin_group, b->admin_group) == 0 &&
	       a->user_prompts == b->user_prompts &&
	       a->prompt_timeout == b->prompt_timeout &&
	       a->log_max_events == b->log_max_events &&
	       a->stop_leaves_rules == b->stop_leaves_rules &&
	       a->log_group == b->log_group;
}

static void check_values(const struct fwd_config *c)
{
	FUZZ_CHECK(c->admin_group && c->admin_group[0] != '-' &&
		   !strpbrk(c->admin_group, ":,/ \t\n"), "admin-group [%s]",
		   c->admin_group ? c->admin_group : "(null)");
	FUZZ_CHECK(c->prompt_timeout >= 1 && c->prompt_timeout <= 365ull * 86400,
		   "prompt-timeout %llu", (unsigned long long)c->prompt_timeout);
	FUZZ_CHECK(c->log_max_events >= 1 && c->log_max_events <= 10000000,
		   "log-max-events %u", c->log_max_events);
	FUZZ_CHECK(c->stop_leaves_rules, "stop-leaves-rules no was accepted");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fwd_config c, def;
	struct diag_list dl = { 0 };
	struct strbuf sb = STRBUF_INIT;
	const char *path = fuzz_write_file("fwd.conf", data, size);
	size_t i;
	int ret;

	config_defaults(&c);
	config_defaults(&def);
	ret = config_load(&c, path, false, &dl);
	FUZZ_CHECK((ret == 0) == (dl.n == 0), "returned %d with %zu diags", ret, dl.n);
	if (ret < 0)
		FUZZ_CHECK(same_config(&c, &def), "a refused file changed the config");
	check_values(&c);
	for (i = 0; i < dl.n; i++)
		diag_format(&dl.v[i], &sb);
	sb_free(&sb);
	diag_list_free(&dl);
	config_free(&c);
	config_free(&def);
	return 0;
}
