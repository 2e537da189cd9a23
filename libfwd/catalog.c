/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The service catalog: NAME.service files of `description`, `tcp` and `udp`
 * lines (rules/services/README). Port lists use the grammar's own syntax
 * (lex_ports), so `service ssh` and `port 22` can never disagree on it.
 */
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "lexer.h"
#include "misspell.h"
#include "strbuf.h"

#define SERVICE_NAME_MAX 32
#define SERVICE_LINE_MAX 8192
#define SUFFIX ".service"

/* one file being read */
struct svc_file {
	const char *path;
	struct diag_list *diags;
	size_t nerr;
	int lineno, description_line;
	const char *src;
	struct service svc;
};

static const char *const svc_keywords[] = { "description", "tcp", "udp" };

void catalog_init(struct catalog *c)
{
	c->v = NULL;
	c->n = 0;
}

static void service_free(struct service *s)
{
	free(s->name);
	free(s->description);
	free(s->l4);
}

void catalog_free(struct catalog *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		service_free(&c->v[i]);
	free(c->v);
	catalog_init(c);
}

static int service_name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > SERVICE_NAME_MAX || s[0] == '-')
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

static void __attribute__((format(printf, 4, 5)))
svc_err(struct svc_file *f, int col, int len, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(&msg, fmt, ap);
	va_end(ap);
	diag_add(f->diags, f->path, f->lineno, col, len, f->src, "%s", sb_str(&msg));
	sb_free(&msg);
}

static int l4_cmp(const void *a, const void *b)
{
	const struct rule_l4 *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->port_lo != y->port_lo)
		return x->port_lo < y->port_lo ? -1 : 1;
	return x->port_hi < y->port_hi ? -1 : x->port_hi > y->port_hi;
}

/* sorted by proto and port, overlapping or touching ranges merged */
static void service_normalize(struct service *s)
{
	size_t i, out = 0;

	if (s->nl4 == 0)
		return;
	qsort(s->l4, s->nl4, sizeof(*s->l4), l4_cmp);
	for (i = 1; i < s->nl4; i++) {
		struct rule_l4 *cur = &s->l4[out];

		if (s->l4[i].proto == cur->proto &&
		    (unsigned)s->l4[i].port_lo <= (unsigned)cur->port_hi + 1) {
			if (s->l4[i].port_hi > cur->port_hi)
				cur->port_hi = s->l4[i].port_hi;
		} else {
			s->l4[++out] = s->l4[i];
		}
	}
	s->nl4 = out + 1;
}

static void svc_ports(struct svc_file *f, const struct token_list *tl, uint8_t proto)
{
	const struct token *v = &tl->v[1];
	struct port_range *pr;
	struct lex_error e;
	size_t n, i;

	if (lex_ports(v->text, &pr, &n, &e) < 0) {
		svc_err(f, v->col + (v->kind == TOK_STRING) + e.col - 1, e.len, "%s", e.msg);
		return;
	}
	if (tl->n > 2)
		svc_err(f, tl->v[2].col, tl->v[2].len, "unexpected text after the port list "
			"(a list has no spaces: %s 22,80)", tl->v[0].text);
	f->svc.l4 = xrealloc(f->svc.l4, (f->svc.nl4 + n) * sizeof(*f->svc.l4));
	memset(&f->svc.l4[f->svc.nl4], 0, n * sizeof(*f->svc.l4));
	for (i = 0; i < n; i++) {
		f->svc.l4[f->svc.nl4].proto = proto;
		f->svc.l4[f->svc.nl4].port_lo = pr[i].lo;
		f->svc.l4[f->svc.nl4++].port_hi = pr[i].hi;
	}
	free(pr);
}

/* the rest of the line after `description`, as written */
static void svc_description(struct svc_file *f, const struct token_list *tl)
{
	const struct token *first = &tl->v[1], *last = &tl->v[tl->n - 1];

	if (f->description_line) {
		svc_err(f, tl->v[0].col, tl->v[0].len, "duplicate 'description' (the first "
			"is on line %d)", f->description_line);
		return;
	}
	f->description_line = f->lineno;
	f->svc.description = xstrndup(f->src + first->col - 1,
				      (size_t)(last->col + last->len - first->col));
}

static void svc_unknown(struct svc_file *f, const struct token *t)
{
	struct strbuf sb = STRBUF_INIT;
	struct misspell m;
	size_t i;

	lex_quote(&sb, t->text);
	misspell_init(&m, t->text, 1);
	for (i = 0; i < 3; i++)
		misspell_offer(&m, svc_keywords[i]);
	if (m.n)
		misspell_hint(&m, &sb);
	else
		sb_puts(&sb, " (expected description, tcp or udp)");
	svc_err(f, t->col, t->len, "unknown keyword %s", sb_str(&sb));
	sb_free(&sb);
}

static void svc_line(struct svc_file *f, const char *line, size_t len)
{
	struct token_list tl = { NULL, 0, 0 };
	struct lex_error e;
	const struct token *k;

	if (lex_line(line, len, &tl, &e) < 0) {
		svc_err(f, e.col, e.len, "%s", e.msg);
		goto out;
	}
	if (tl.n == 0)
		goto out;
	k = &tl.v[0];
	if (k->kind != TOK_WORD || (strcmp(k->text, "description") && strcmp(k->text, "tcp") &&
				    strcmp(k->text, "udp"))) {
		svc_unknown(f, k);
	} else if (tl.n < 2) {
		svc_err(f, k->col, k->len, "'%s' needs a value: %s", k->text,
			k->text[0] == 'd' ? "a short text" : "a port, a range N-M or a list N,M");
	} else if (k->text[0] == 'd') {
		svc_description(f, &tl);
	} else {
		svc_ports(f, &tl, k->text[0] == 't' ? IPPROTO_TCP : IPPROTO_UDP);
	}
out:
	token_list_free(&tl);
}

static char *svc_src(const char *line, size_t len)
{
	char *s = xstrndup(line, len);
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\t')
			s[i] = '?';
	return s;
}

static void svc_read(struct svc_file *f, FILE *fp)
{
	char *line = NULL, *src;
	size_t cap = 0;
	ssize_t n;

	while ((n = getline(&line, &cap, fp)) >= 0) {
		size_t len = (size_t)n;

		f->lineno++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		src = svc_src(line, len > SERVICE_LINE_MAX ? 0 : len);
		f->src = src;
		if (len > SERVICE_LINE_MAX)
			svc_err(f, 0, 0, "line too long (%zu bytes, at most %d)", len,
				SERVICE_LINE_MAX);
		else
			svc_line(f, line, len);
		f->src = NULL;
		free(src);
	}
	if (ferror(fp))
		diag_add(f->diags, f->path, 0, 0, 0, NULL, "cannot read: %s", strerror(errno));
	free(line);
}

/* parses one file into f->svc; 0 when it had no error */
static int svc_load(struct svc_file *f)
{
	FILE *fp = fopen(f->path, "re");

	if (!fp) {
		diag_add(f->diags, f->path, 0, 0, 0, NULL, "cannot open: %s", strerror(errno));
		return -1;
	}
	svc_read(f, fp);
	fclose(fp);
	if (f->diags->n == f->nerr && f->svc.nl4 == 0)
		diag_add(f->diags, f->path, 0, 0, 0, NULL,
			 "no 'tcp' or 'udp' line: a service needs ports");
	if (!f->svc.description)
		f->svc.description = xstrdup("");
	service_normalize(&f->svc);
	return f->diags->n == f->nerr ? 0 : -1;
}

/* index of name in c, or where it would go (*found = 0) */
static size_t catalog_index(const struct catalog *c, const char *name, int *found)
{
	size_t lo = 0, hi = c->n;

	*found = 0;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int cmp = strcmp(name, c->v[mid].name);

		if (cmp == 0) {
			*found = 1;
			return mid;
		}
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static void catalog_put(struct catalog *c, struct service *s)
{
	int found;
	size_t i = catalog_index(c, s->name, &found);

	if (found) {
		service_free(&c->v[i]);
		c->v[i] = *s;
		return;
	}
	c->v = xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
	memmove(&c->v[i + 1], &c->v[i], (c->n - i) * sizeof(*c->v));
	c->v[i] = *s;
	c->n++;
}

static int catalog_load_file(struct catalog *c, const char *dir, const char *fname,
			     struct diag_list *diags)
{
	size_t nlen = strlen(fname) - strlen(SUFFIX);
	struct svc_file f;
	char *path;
	int ret = -1;

	memset(&f, 0, sizeof(f));
	path = xmalloc(strlen(dir) + strlen(fname) + 2);
	sprintf(path, "%s/%s", dir, fname);
	f.path = path;
	f.diags = diags;
	f.nerr = diags->n;
	if (!service_name_ok(fname, nlen)) {
		diag_add(diags, path, 0, 0, 0, NULL, "bad service name '%.*s' (use a-z, 0-9 "
			 "and '-', at most %d bytes, not starting with '-')",
			 (int)(nlen > 40 ? 40 : nlen), fname, SERVICE_NAME_MAX);
		goto out;
	}
	f.svc.name = xstrndup(fname, nlen);
	if (svc_load(&f) < 0)
		goto out;
	catalog_put(c, &f.svc);
	memset(&f.svc, 0, sizeof(f.svc));
	ret = 0;
out:
	service_free(&f.svc);
	free(path);
	return ret;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_service_file(const char *name)
{
	size_t len = strlen(name), slen = strlen(SUFFIX);

	/* dot files are editor droppings (.#ssh.service), not services */
	return name[0] != '.' && len > slen && strcmp(name + len - slen, SUFFIX) == 0;
}

/* the NAME.service entries of dir, sorted so errors come in a stable order */
static char **catalog_list(DIR *d, size_t *n)
{
	struct dirent *de;
	char **v = NULL;

	*n = 0;
	while ((de = readdir(d))) {
		if (!is_service_file(de->d_name))
			continue;
		v = xrealloc(v, (*n + 1) * sizeof(*v));
		v[(*n)++] = xstrdup(de->d_name);
	}
	if (*n)
		qsort(v, *n, sizeof(*v), name_cmp);
	return v;
}

int catalog_load_dir(struct catalog *c, const char *dir, struct diag_list *diags)
{
	struct diag_list local = { NULL, 0, 0 };
	struct diag_list *dl = diags ? diags : &local;
	DIR *d = opendir(dir);
	char **names;
	size_t n, i;
	int ret = 0;

	if (!d) {
		if (errno == ENOENT)
			return 0;
		diag_add(dl, dir, 0, 0, 0, NULL, "cannot open the service directory: %s",
			 strerror(errno));
		ret = -1;
		goto out;
	}
	names = catalog_list(d, &n);
	closedir(d);
	for (i = 0; i < n; i++) {
		if (catalog_load_file(c, dir, names[i], dl) < 0)
			ret = -1;
		free(names[i]);
	}
	free(names);
out:
	diag_list_free(&local);
	return ret;
}

const struct service *catalog_find(const struct catalog *c, const char *name)
{
	int found;
	size_t i;

	if (!c || !c->n)
		return NULL;
	i = catalog_index(c, name, &found);
	return found ? &c->v[i] : NULL;
}

size_t catalog_suggest(const struct catalog *c, const char *name,
		       const char **out, size_t max)
{
	struct misspell m;
	size_t i;

	if (!c)
		return 0;
	misspell_init(&m, name, max);
	for (i = 0; i < c->n; i++)
		misspell_offer(&m, c->v[i].name);
	for (i = 0; i < m.n; i++)
		out[i] = m.hit[i];
	return m.n;
}
