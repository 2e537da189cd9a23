/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <string.h>

#include "duration.h"
#include "lexer.h"
#include "strbuf.h"

#define DURATION_MAX (365ull * 86400)

struct duration_unit {
	char c;
	uint64_t seconds;
};

/* largest first: duration_parse wants them in this order, format tries them so */
static const struct duration_unit units[] = {
	{ 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 },
};
#define NUNITS (sizeof(units) / sizeof(units[0]))

static uint64_t duration_fail(char *err, size_t errlen, const char *s,
			      const char *why)
{
	struct strbuf sb = STRBUF_INIT;

	sb_puts(&sb, "bad duration ");
	lex_quote(&sb, s);
	sb_puts(&sb, why);
	snprintf(err, errlen, "%s", sb_str(&sb));
	sb_free(&sb);
	return 0;
}

static int duration_unit_index(char c)
{
	size_t i;

	for (i = 0; i < NUNITS; i++)
		if (units[i].c == c)
			return (int)i;
	return -1;
}

uint64_t duration_parse(const char *s, char *err, size_t errlen)
{
	uint64_t total = 0, n;
	int last = -1, u;
	size_t i = 0;

	if (!*s)
		return duration_fail(err, errlen, s, " (write a number and a unit: 30s, 10m, 1h or 2d)");
	while (s[i]) {
		if (s[i] < '0' || s[i] > '9')
			return duration_fail(err, errlen, s, " (write a number and a unit: 30s, 10m, 1h or 2d)");
		for (n = 0; s[i] >= '0' && s[i] <= '9'; i++)
			if (n <= DURATION_MAX)
				n = n * 10 + (uint64_t)(s[i] - '0');
		if (!s[i])
			return duration_fail(err, errlen, s, " (the number needs a unit: s, m, h or d)");
		u = duration_unit_index(s[i++]);
		if (u < 0)
			return duration_fail(err, errlen, s, " (units are s, m, h and d)");
		if (u <= last)
			return duration_fail(err, errlen, s, " (write each unit once, largest first: 1h30m)");
		last = u;
		total += n > DURATION_MAX ? DURATION_MAX + 1 : n * units[u].seconds;
		if (total > DURATION_MAX)
			return duration_fail(err, errlen, s, " (at most 365d)");
	}
	if (total == 0)
		return duration_fail(err, errlen, s, " (it must be longer than 0s)");
	return total;
}

void duration_format(uint64_t seconds, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < NUNITS; i++)
		if (seconds && seconds % units[i].seconds == 0)
			break;
	snprintf(buf, len, "%llu%c", (unsigned long long)(seconds / units[i].seconds),
		 units[i].c);
}
