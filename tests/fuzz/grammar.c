/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The rule grammar on arbitrary bytes, read as a rule file and as one
 * `fwctl add` argument. Every rule accepted must survive the trip through
 * its canonical text: rule_format, parsed again, gives the same rule and
 * the same text (what `fwctl export` then `fwctl apply` relies on).
 *
 * The service catalog is loaded once from $FWD_FUZZ_SERVICES, else from the
 * source tree's rules/services (FWD_FUZZ_SERVICES_DEFAULT, set by build.sh).
 * User and group names are not resolved (PARSER_NO_NAMES): NSS lookups are
 * slow and would make the result depend on the machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "fuzz.h"
#include "grammar.h"
#include "rule.h"
#include "strbuf.h"

#ifndef FWD_FUZZ_SERVICES_DEFAULT
#define FWD_FUZZ_SERVICES_DEFAULT "rules/services"
#endif

static struct catalog catalog;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("FWD_FUZZ_SERVICES");
	struct diag_list dl = { 0 };

	if (!dir || !*dir)
		dir = FWD_FUZZ_SERVICES_DEFAULT;
	catalog_init(&catalog);
	if (catalog_load_dir(&catalog, dir, &dl) < 0 || catalog.n == 0) {
		fprintf(stderr, "fuzz_grammar: no service catalog in %s (%zu errors); "
			"set FWD_FUZZ_SERVICES to the rules/services directory\n",
			dir, dl.n);
		exit(1);
	}
	diag_list_free(&dl);
	return 0;
}

/* the caret printer runs on every diag, with the columns the parser chose */
static void format_diags(const struct diag_list *dl)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < dl->n; i++) {
		const struct diag *d = &dl->v[i];

		FUZZ_CHECK(d->msg && d->file, "diag %zu without msg or file", i);
		/* the caret may sit just past the end ("needs a value"), not beyond */
		FUZZ_CHECK(!d->src || d->col <= 0 || (size_t)(d->col + d->len) <= strlen(d->src) + 2,
			   "caret %d+%d past a line of %zu bytes: %s", d->col, d->len,
			   strlen(d->src), d->msg);
		diag_format(d, &sb);
	}
	sb_free(&sb);
}

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* what the text must carry over: everything the parser fills in */
static void check_same_rule(const struct rule *a, const struct rule *b, const char *text)
{
	FUZZ_CHECK(a->action == b->action && a->dir == b->dir, "action/dir differ: %s", text);
	FUZZ_CHECK(a->action != RULE_LIMIT || memcmp(&a->rate, &b->rate, sizeof(a->rate)) == 0,
		   "rate differs: %s", text);
	FUZZ_CHECK(a->protos == b->protos, "protos %#x vs %#x: %s", a->protos, b->protos, text);
	FUZZ_CHECK(a->nports == b->nports && (!a->nports ||
		   memcmp(a->ports, b->ports, a->nports * sizeof(*a->ports)) == 0),
		   "ports differ: %s", text);
	FUZZ_CHECK(str_eq(a->service, b->service), "service differs: %s", text);
	FUZZ_CHECK(a->has_from == b->has_from && a->has_to == b->has_to &&
		   (!a->has_from || memcmp(&a->from, &b->from, sizeof(a->from)) == 0) &&
		   (!a->has_to || memcmp(&a->to, &b->to, sizeof(a->to)) == 0),
		   "addresses differ: %s", text);
	FUZZ_CHECK(str_eq(a->iface, b->iface) && str_eq(a->app, b->app),
		   "iface/app differ: %s", text);
	FUZZ_CHECK(a->has_user == b->has_user && (!a->has_user || a->uid == b->uid) &&
		   str_eq(a->user, b->user), "user differs: %s", text);
	FUZZ_CHECK(a->has_group == b->has_group && (!a->has_group || a->gid == b->gid) &&
		   str_eq(a->group, b->group), "group differs: %s", text);
	FUZZ_CHECK(a->duration == b->duration && a->log == b->log &&
		   str_eq(a->comment, b->comment), "options differ: %s", text);
	FUZZ_CHECK(a->nl4 == b->nl4 && (!a->nl4 ||
		   memcmp(a->l4, b->l4, a->nl4 * sizeof(*a->l4)) == 0),
		   "l4 expansion differs: %s", text);
}

/* `fwctl export` writes the remaining time; the longest must read back too */
static void check_export(const struct rule *r)
{
	struct diag_list dl = { 0 };
	char *text = rule_format(r, 31535999);
	struct rule *r2 = parse_rule_text(text, "<export>", &catalog, PARSER_NO_NAMES, &dl);

	FUZZ_CHECK(r2 && r2->duration == 31535999, "exported rule refused: [%s]", text);
	rule_free(r2);
	free(text);
	diag_list_free(&dl);
}

/* parse -> format -> parse -> format: same rule, same text */
static void check_round_trip(const struct rule *r)
{
	struct diag_list dl = { 0 };
	char *text = rule_format(r, r->duration), *again;
	struct rule *r2, *dup;

	r2 = parse_rule_text(text, "<format>", &catalog, PARSER_NO_NAMES, &dl);
	if (!r2) {
		struct strbuf sb = STRBUF_INIT;

		if (dl.n)
			diag_format(&dl.v[0], &sb);
		FUZZ_CHECK(0, "rule_format wrote a rule the parser refuses: [%s]\n%s",
			   text, sb_str(&sb));
	}
	again = rule_format(r2, r2->duration);
	FUZZ_CHECK(strcmp(text, again) == 0, "format not stable:\n[%s]\n[%s]", text, again);
	check_same_rule(r, r2, text);
	dup = rule_dup(r);
	free(again);
	again = rule_format(dup, dup->duration);
	FUZZ_CHECK(strcmp(text, again) == 0, "rule_dup changed the text:\n[%s]\n[%s]",
		   text, again);
	check_same_rule(r, dup, text);
	FUZZ_CHECK(rule_needs_owner(r) == rule_needs_owner(r2), "needs_owner differs: %s", text);
	if (r->duration)
		check_export(r);
	rule_free(dup);
	rule_free(r2);
	free(again);
	free(text);
	diag_list_free(&dl);
}

/* `fwctl export` of a whole ruleset, applied again, gives the same ruleset */
static void check_export_file(const struct ruleset *rs)
{
	struct parser *p = parser_new("<export>", &catalog, PARSER_NO_NAMES);
	struct strbuf sb = STRBUF_INIT;
	struct diag_list dl = { 0 };
	struct ruleset rs2;
	char *t;
	size_t i;

	if (rs->has_policy_in)
		sb_printf(&sb, "%s\n", rule_policy_line(RULE_IN, rs->policy_in));
	if (rs->has_policy_out)
		sb_printf(&sb, "%s\n", rule_policy_line(RULE_OUT, rs->policy_out));
	for (i = 0; i < rs->nrules; i++) {
		t = rule_format(rs->rules[i], rs->rules[i]->duration);
		sb_printf(&sb, "%s\n", t);
		free(t);
	}
	ruleset_init(&rs2);
	parser_feed(p, sb.buf ? sb.buf : "", sb.len);
	FUZZ_CHECK(parser_finish(p, &rs2, &dl) == 0, "export refused:\n%s", sb_str(&sb));
	FUZZ_CHECK(rs2.nrules == rs->nrules && rs2.policy_in == rs->policy_in &&
		   rs2.policy_out == rs->policy_out && rs2.has_policy_in == rs->has_policy_in &&
		   rs2.has_policy_out == rs->has_policy_out, "export reads back differently");
	for (i = 0; i < rs->nrules; i++)
		check_same_rule(rs->rules[i], rs2.rules[i], "<export>");
	ruleset_clear(&rs2);
	diag_list_free(&dl);
	sb_free(&sb);
}

static void fuzz_file(const uint8_t *data, size_t size)
{
	struct parser *p = parser_new("fuzz.rules", &catalog, PARSER_NO_NAMES);
	struct diag_list dl = { 0 };
	struct ruleset rs;
	size_t i;

	ruleset_init(&rs);
	parser_feed(p, (const char *)data, size);
	if (parser_finish(p, &rs, &dl) == 0) {
		FUZZ_CHECK(dl.n == 0, "success with %zu diags", dl.n);
		for (i = 0; i < rs.nrules; i++)
			check_round_trip(rs.rules[i]);
		check_export_file(&rs);
	} else {
		FUZZ_CHECK(dl.n > 0 && rs.nrules == 0, "failure with %zu diags, %zu rules",
			   dl.n, rs.nrules);
	}
	format_diags(&dl);
	diag_list_free(&dl);
	ruleset_clear(&rs);
}

/* the `fwctl add` path: one rule, no policy lines, text up to the first NUL */
static void fuzz_rule_text(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size);
	struct diag_list dl = { 0 };
	struct rule *r;

	r = parse_rule_text(text, NULL, &catalog, PARSER_NO_NAMES, &dl);
	FUZZ_CHECK(!r == (dl.n > 0), "rule %p with %zu diags", (void *)r, dl.n);
	if (r)
		check_round_trip(r);
	format_diags(&dl);
	rule_free(r);
	diag_list_free(&dl);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_file(data, size);
	fuzz_rule_text(data, size);
	return 0;
}
