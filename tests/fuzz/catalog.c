/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The service catalog parser on arbitrary bytes as one NAME.service file.
 * catalog.c reads files only (its line parser is static and takes a FILE),
 * so each input is written to a scratch directory and loaded from there,
 * twice into the same catalog to take the path that replaces a service.
 * A service loaded must be usable by the grammar: `allow in service NAME`
 * parses and expands to exactly the service's entries.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "fuzz.h"
#include "grammar.h"
#include "strbuf.h"

#define NAME "fuzz"

static void check_service(const struct catalog *c, const struct service *s)
{
	struct diag_list dl = { 0 };
	char text[64];
	struct rule *r;
	size_t i;

	FUZZ_CHECK(strcmp(s->name, NAME) == 0 && s->description, "name or description");
	FUZZ_CHECK(s->nl4 > 0, "a service without ports was loaded");
	for (i = 0; i < s->nl4; i++) {
		const struct rule_l4 *e = &s->l4[i];

		FUZZ_CHECK(e->proto == IPPROTO_TCP || e->proto == IPPROTO_UDP, "proto %u",
			   e->proto);
		FUZZ_CHECK(e->port_lo >= 1 && e->port_lo <= e->port_hi, "range %u-%u",
			   e->port_lo, e->port_hi);
		/* sorted, and overlapping or touching ranges merged */
		FUZZ_CHECK(i == 0 || e->proto > e[-1].proto ||
			   (e->proto == e[-1].proto && e->port_lo > e[-1].port_hi + 1),
			   "entries %zu and %zu not normalized", i - 1, i);
	}
	snprintf(text, sizeof(text), "allow in service %s", s->name);
	r = parse_rule_text(text, NULL, c, PARSER_NO_NAMES, &dl);
	FUZZ_CHECK(r != NULL, "%s refused with %zu diags", text, dl.n);
	FUZZ_CHECK(r->nl4 == s->nl4 && memcmp(r->l4, s->l4, s->nl4 * sizeof(*s->l4)) == 0,
		   "the rule does not expand to the service");
	rule_free(r);
	diag_list_free(&dl);
}

static void format_diags(const struct diag_list *dl)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < dl->n; i++)
		diag_format(&dl->v[i], &sb);
	sb_free(&sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag_list dl = { 0 };
	const char *hits[3];
	struct catalog c;
	int ret, ret2;

	fuzz_write_file(NAME ".service", data, size);
	catalog_init(&c);
	ret = catalog_load_dir(&c, fuzz_tmpdir(), &dl);
	FUZZ_CHECK((ret == 0) == (dl.n == 0), "returned %d with %zu diags", ret, dl.n);
	FUZZ_CHECK(c.n == (ret == 0 ? 1u : 0u), "%zu services after returning %d", c.n, ret);
	ret2 = catalog_load_dir(&c, fuzz_tmpdir(), &dl);
	FUZZ_CHECK(ret2 == ret && c.n == (ret == 0 ? 1u : 0u), "second load differs");
	if (c.n) {
		FUZZ_CHECK(catalog_find(&c, NAME) == &c.v[0], "catalog_find");
		check_service(&c, &c.v[0]);
	}
	catalog_suggest(&c, "fuz", hits, 3);
	format_diags(&dl);
	diag_list_free(&dl);
	catalog_free(&c);
	return 0;
}
