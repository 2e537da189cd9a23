/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwd.conf(5): one `key value` per line, `#` comments. Like OpenNTPD's
 * parse.y, every error of the file is reported and then the whole file is
 * refused: the parse runs on a copy that replaces the caller's config only
 * when the file was clean.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "duration.h"
#include "misspell.h"
#include "strbuf.h"

/* key, value, and one more to report as extra */
#define CONF_MAX_TOKENS 3

struct conf_tok {
	const char *s;
	size_t len;
	int col;                /* 1-based */
};

struct conf_key {
	const char *name;
	const char *expect;     /* what a value looks like, for "missing value" */
	/* -1 with the message (no place) in msg when val is bad */
	int (*parse)(struct fwd_config *c, const char *val, struct strbuf *msg);
};

static int parse_number(const char *key, const char *val, uint64_t lo,
			uint64_t hi, uint64_t *out, struct strbuf *msg)
{
	uint64_t n = 0;
	const char *p;

	for (p = val; *p >= '0' && *p <= '9'; p++) {
		if (n > hi)
			break;          /* already out of range: stop before overflow */
		n = n * 10 + (uint64_t)(*p - '0');
	}
	if (p == val || *p || n < lo || n > hi) {
		sb_printf(msg, "%s must be a number from %llu to %llu, not '%s'",
			  key, (unsigned long long)lo, (unsigned long long)hi, val);
		return -1;
	}
	*out = n;
	return 0;
}

static int parse_yes_no(const char *key, const char *val, bool *out,
			struct strbuf *msg)
{
	if (strcmp(val, "yes") == 0 || strcmp(val, "no") == 0) {
		*out = val[0] == 'y';
		return 0;
	}
	sb_printf(msg, "%s must be yes or no, not '%s'", key, val);
	return -1;
}

/*
 * Whether the group exists is the daemon's question (it may be created
 * after this file is written); here only what /etc/group cannot hold.
 */
static int parse_admin_group(struct fwd_config *c, const char *val,
			     struct strbuf *msg)
{
	if (val[0] == '-' || strpbrk(val, ":,/") != NULL) {
		sb_printf(msg, "admin-group '%s' is not a valid group name", val);
		return -1;
	}
	free(c->admin_group);
	c->admin_group = xstrdup(val);
	return 0;
}

static int parse_user_prompts(struct fwd_config *c, const char *val,
			      struct strbuf *msg)
{
	return parse_yes_no("user-prompts", val, &c->user_prompts, msg);
}

static int parse_prompt_timeout(struct fwd_config *c, const char *val,
				struct strbuf *msg)
{
	char err[256] = "";
	uint64_t secs = duration_parse(val, err, sizeof(err));

	if (secs == 0) {
		if (err[0])
			sb_printf(msg, "prompt-timeout: %s", err);
		else
			sb_printf(msg, "prompt-timeout must be a duration like"
				  " 30s, 5m or 1h, not '%s'", val);
		return -1;
	}
	c->prompt_timeout = secs;
	return 0;
}

static int parse_log_max_events(struct fwd_config *c, const char *val,
				struct strbuf *msg)
{
	uint64_t n;

	if (parse_number("log-max-events", val, 1, 10000000, &n, msg) < 0)
		return -1;
	c->log_max_events = (uint32_t)n;
	return 0;
}

static int parse_stop_leaves_rules(struct fwd_config *c, const char *val,
				   struct strbuf *msg)
{
	if (strcmp(val, "no") == 0) {
		sb_puts(msg, "stop-leaves-rules no is not supported: fwd never"
			" opens the host when it stops");
		return -1;
	}
	if (strcmp(val, "yes") != 0) {
		sb_printf(msg, "stop-leaves-rules must be yes, not '%s'", val);
		return -1;
	}
	c->stop_leaves_rules = true;
	return 0;
}

static int parse_log_group(struct fwd_config *c, const char *val,
			   struct strbuf *msg)
{
	uint64_t n;

	if (parse_number("log-group", val, 0, 65535, &n, msg) < 0)
		return -1;
	c->log_group = (uint16_t)n;
	return 0;
}

/* sorted by name: the "known keys" list is printed in this order */
static const struct conf_key conf_keys[] = {
	{ "admin-group", "a group name", parse_admin_group },
	{ "log-group", "an nflog group number (0-65535)", parse_log_group },
	{ "log-max-events", "a number of events", parse_log_max_events },
	{ "prompt-timeout", "a duration like 5m", parse_prompt_timeout },
	{ "stop-leaves-rules", "yes", parse_stop_leaves_rules },
	{ "user-prompts", "yes or no", parse_user_prompts },
};
#define CONF_NKEYS (sizeof(conf_keys) / sizeof(conf_keys[0]))

void config_defaults(struct fwd_config *c)
{
	c->admin_group = xstrdup("fwadm");
	c->user_prompts = true;
	c->prompt_timeout = 300;
	c->log_max_events = 10000;
	c->stop_leaves_rules = true;
	c->log_group = 7;
}

void config_free(struct fwd_config *c)
{
	free(c->admin_group);
	c->admin_group = NULL;
}

/* whitespace-separated tokens up to a `#` that starts one; returns the count */
static size_t conf_split(const char *line, struct conf_tok *tok, size_t max)
{
	const char *p = line;
	size_t n = 0;

	while (n < max) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			break;
		tok[n].s = p;
		tok[n].col = (int)(p - line) + 1;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		tok[n].len = (size_t)(p - tok[n].s);
		n++;
	}
	return n;
}

/* the state of one file being read */
struct conf_parse {
	struct fwd_config *c;
	const char *file;
	struct diag_list *diags;
	int seen[CONF_NKEYS];   /* line where each key was set, 0 = not yet */
	int errors;
};

static void conf_error(struct conf_parse *p, int line, const struct conf_tok *t,
		       const char *src, const char *msg)
{
	diag_add(p->diags, p->file, line, t->col, t->len ? (int)t->len : 1, src,
		 "%s", msg);
	p->errors++;
}

static const struct conf_key *conf_lookup(struct conf_parse *p, int line,
					  const struct conf_tok *t, const char *src)
{
	struct strbuf msg = STRBUF_INIT;
	char *key = xstrndup(t->s, t->len);
	const struct conf_key *k = NULL;
	struct misspell m;

	misspell_init(&m, key, 1);
	for (size_t i = 0; i < CONF_NKEYS && !k; i++) {
		if (strcmp(key, conf_keys[i].name) == 0)
			k = &conf_keys[i];
		misspell_offer(&m, conf_keys[i].name);
	}
	if (!k) {
		sb_printf(&msg, "unknown key '%s'", key);
		if (m.n) {
			misspell_hint(&m, &msg);
		} else {
			sb_puts(&msg, "; known keys are");
			for (size_t i = 0; i < CONF_NKEYS; i++)
				sb_printf(&msg, "%s %s", i ? "," : "", conf_keys[i].name);
		}
		conf_error(p, line, t, src, sb_str(&msg));
	}
	sb_free(&msg);
	free(key);
	return k;
}

static void conf_line(struct conf_parse *p, int line, const char *src)
{
	struct conf_tok tok[CONF_MAX_TOKENS];
	struct strbuf msg = STRBUF_INIT;
	size_t n = conf_split(src, tok, CONF_MAX_TOKENS);
	const struct conf_key *k;
	char *val;

	if (n == 0 || !(k = conf_lookup(p, line, &tok[0], src)))
		return;
	if (p->seen[k - conf_keys]) {
		sb_printf(&msg, "duplicate key '%s' (already set on line %d)",
			  k->name, p->seen[k - conf_keys]);
		conf_error(p, line, &tok[0], src, sb_str(&msg));
	} else if (n == 1) {
		sb_printf(&msg, "missing value for %s: expected %s", k->name,
			  k->expect);
		conf_error(p, line, &tok[0], src, sb_str(&msg));
	} else if (n > 2) {
		sb_printf(&msg, "unexpected '%.*s': %s takes one value",
			  (int)tok[2].len, tok[2].s, k->name);
		conf_error(p, line, &tok[2], src, sb_str(&msg));
	} else {
		val = xstrndup(tok[1].s, tok[1].len);
		if (k->parse(p->c, val, &msg) < 0)
			conf_error(p, line, &tok[1], src, sb_str(&msg));
		free(val);
	}
	/* a bad value still counts as set: a second line is a duplicate */
	if (!p->seen[k - conf_keys])
		p->seen[k - conf_keys] = line;
	sb_free(&msg);
}

static void conf_read(struct conf_parse *p, FILE *f)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t len;
	int line = 0;

	while ((len = getline(&buf, &cap, f)) >= 0) {
		line++;
		if (len > 0 && buf[len - 1] == '\n')
			buf[--len] = '\0';
		if (len > 0 && buf[len - 1] == '\r')
			buf[--len] = '\0';
		if (strlen(buf) != (size_t)len) {
			diag_add(p->diags, p->file, line, 1, 1, NULL, "contains"
				 " a NUL byte: is this a text file?");
			p->errors++;
			continue;
		}
		conf_line(p, line, buf);
	}
	if (ferror(f)) {
		diag_add(p->diags, p->file, 0, 0, 0, NULL, "read error: %s",
			 strerror(errno));
		p->errors++;
	}
	free(buf);
}

int config_load(struct fwd_config *c, const char *path, bool missing_ok,
		struct diag_list *diags)
{
	struct fwd_config copy = *c;
	struct conf_parse p = { .c = &copy, .file = path, .diags = diags };
	FILE *f = fopen(path, "re");

	if (!f) {
		if (errno == ENOENT && missing_ok)
			return 0;
		diag_add(diags, path, 0, 0, 0, NULL, "cannot read: %s",
			 strerror(errno));
		return -1;
	}
	copy.admin_group = c->admin_group ? xstrdup(c->admin_group) : NULL;
	conf_read(&p, f);
	fclose(f);
	if (p.errors) {
		config_free(&copy);
		return -1;
	}
	config_free(c);
	*c = copy;
	return 0;
}
