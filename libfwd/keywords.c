/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "grammar.h"
#include "keywords.h"
#include "misspell.h"

#define S KWC_START
#define C KWC_CLAUSE

/* sorted by name: keyword_lookup bisects it */
static const struct keyword keywords[] = {
	{ "accept",  KW_ACCEPT,  KWC_VERDICT },
	{ "allow",   KW_ALLOW,   S },
	{ "app",     KW_APP,     C },
	{ "burst",   KW_BURST,   KWC_BURST },
	{ "comment", KW_COMMENT, C },
	{ "deny",    KW_DENY,    S },
	{ "drop",    KW_DROP,    KWC_VERDICT },
	{ "for",     KW_FOR,     C },
	{ "from",    KW_FROM,    C },
	{ "group",   KW_GROUP,   C },
	{ "hour",    KW_HOUR,    KWC_UNIT },
	{ "icmp",    KW_ICMP,    KWC_PROTO },
	{ "icmpv6",  KW_ICMPV6,  KWC_PROTO },
	{ "iface",   KW_IFACE,   C },
	{ "in",      KW_IN,      KWC_DIR },
	{ "limit",   KW_LIMIT,   S },
	{ "log",     KW_LOG,     C },
	{ "minute",  KW_MINUTE,  KWC_UNIT },
	{ "out",     KW_OUT,     KWC_DIR },
	{ "policy",  KW_POLICY,  S },
	{ "port",    KW_PORT,    C },
	{ "proto",   KW_PROTO,   C },
	{ "reject",  KW_REJECT,  S | KWC_VERDICT },
	{ "second",  KW_SECOND,  KWC_UNIT },
	{ "service", KW_SERVICE, C },
	{ "tcp",     KW_TCP,     KWC_PROTO },
	{ "to",      KW_TO,      C },
	{ "udp",     KW_UDP,     KWC_PROTO },
	{ "unit",    KW_UNIT,    C },
	{ "user",    KW_USER,    C },
};

#undef S
#undef C

#define NKEYWORDS (sizeof(keywords) / sizeof(keywords[0]))

const struct keyword *keyword_lookup(const char *s, size_t len)
{
	size_t lo = 0, hi = NKEYWORDS;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const char *name = keywords[mid].name;
		int cmp = strncmp(s, name, len);

		if (cmp == 0 && name[len] != '\0')
			cmp = -1;       /* s is a proper prefix of name */
		if (cmp == 0)
			return &keywords[mid];
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const char *keyword_name(enum kw kw)
{
	size_t i;

	for (i = 0; i < NKEYWORDS; i++)
		if (keywords[i].kw == kw)
			return keywords[i].name;
	return "?";
}

int keyword_is(const char *s, unsigned classes)
{
	const struct keyword *k = keyword_lookup(s, strlen(s));

	return k && (k->classes & classes);
}

static void keyword_collect(struct misspell *m, unsigned classes)
{
	size_t i;

	for (i = 0; i < NKEYWORDS; i++)
		if (keywords[i].classes & classes)
			misspell_offer(m, keywords[i].name);
}

void keyword_hint(const char *word, unsigned classes, struct strbuf *sb)
{
	struct misspell m;

	misspell_init(&m, word, 1);
	keyword_collect(&m, classes);
	misspell_hint(&m, sb);
}

const char *keyword_suggest(const char *word, unsigned classes)
{
	struct misspell m;

	misspell_init(&m, word, 1);
	keyword_collect(&m, classes);
	return m.n ? m.hit[0] : NULL;
}

const char *grammar_suggest_keyword(const char *word)
{
	return keyword_suggest(word, ~0u);
}
