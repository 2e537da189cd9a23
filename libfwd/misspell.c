/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Edit distance for "did you mean", after nftables' src/misspell.c. The
 * threshold grows with the word: one edit for short words, a third of the
 * length for longer ones, so "prot" finds "proto" but "x" finds nothing.
 */
#include <ctype.h>
#include <string.h>

#include "misspell.h"

static unsigned min3(unsigned a, unsigned b, unsigned c)
{
	unsigned m = a < b ? a : b;

	return m < c ? m : c;
}

static bool same(char a, char b)
{
	return tolower((unsigned char)a) == tolower((unsigned char)b);
}

unsigned misspell_distance(const char *a, const char *b)
{
	/* three rows: the transposition step looks two rows back */
	unsigned row[3][MISSPELL_MAX_LEN + 1];
	size_t la = strlen(a), lb = strlen(b), i, j;

	if (la > MISSPELL_MAX_LEN || lb > MISSPELL_MAX_LEN)
		return (unsigned)-1;
	for (j = 0; j <= lb; j++)
		row[0][j] = (unsigned)j;
	for (i = 1; i <= la; i++) {
		unsigned *cur = row[i % 3], *prev = row[(i - 1) % 3];
		unsigned *prev2 = row[(i + 1) % 3];

		cur[0] = (unsigned)i;
		for (j = 1; j <= lb; j++) {
			unsigned cost = !same(a[i - 1], b[j - 1]);

			cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
			if (i > 1 && j > 1 && same(a[i - 1], b[j - 2]) &&
			    same(a[i - 2], b[j - 1]) && prev2[j - 2] + 1 < cur[j])
				cur[j] = prev2[j - 2] + 1;
		}
	}
	return row[la % 3][lb];
}

void misspell_init(struct misspell *m, const char *typed, size_t max)
{
	size_t len = strlen(typed);

	memset(m, 0, sizeof(*m));
	m->typed = typed;
	m->max = max < MISSPELL_MAX_HITS ? max : MISSPELL_MAX_HITS;
	m->max_dist = len / 3 > 1 ? (unsigned)(len / 3) : 1;
}

static size_t common_prefix(const char *a, const char *b)
{
	size_t n = 0;

	while (a[n] && same(a[n], b[n]))
		n++;
	return n;
}

static size_t common_suffix(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), n = 0;

	while (n < la && n < lb && same(a[la - 1 - n], b[lb - 1 - n]))
		n++;
	return n;
}

struct misspell_rank {
	unsigned dist;
	size_t prefix, suffix;
};

static bool misspell_better(const struct misspell_rank *x, const struct misspell *m,
			    size_t i)
{
	if (x->dist != m->dist[i])
		return x->dist < m->dist[i];
	if (x->prefix != m->prefix[i])
		return x->prefix > m->prefix[i];
	return x->suffix > m->suffix[i];
}

void misspell_offer(struct misspell *m, const char *cand)
{
	size_t lt = strlen(m->typed), lc = strlen(cand), i, move;
	struct misspell_rank rank;
	unsigned d;

	/* the distance is at least the length difference: skip the work */
	if ((lt > lc ? lt - lc : lc - lt) > m->max_dist || m->max == 0)
		return;
	d = misspell_distance(m->typed, cand);
	/* SSH is 0 edits from ssh, but still worth a hint */
	if (d > m->max_dist || strcmp(m->typed, cand) == 0)
		return;
	rank.dist = d;
	rank.prefix = common_prefix(m->typed, cand);
	rank.suffix = common_suffix(m->typed, cand);
	for (i = m->n; i > 0 && misspell_better(&rank, m, i - 1); i--)
		;
	if (i >= m->max)
		return;
	if (m->n < m->max)
		m->n++;
	move = m->n - 1 - i;
	memmove(&m->hit[i + 1], &m->hit[i], move * sizeof(m->hit[0]));
	memmove(&m->dist[i + 1], &m->dist[i], move * sizeof(m->dist[0]));
	memmove(&m->prefix[i + 1], &m->prefix[i], move * sizeof(m->prefix[0]));
	memmove(&m->suffix[i + 1], &m->suffix[i], move * sizeof(m->suffix[0]));
	m->hit[i] = cand;
	m->dist[i] = d;
	m->prefix[i] = rank.prefix;
	m->suffix[i] = rank.suffix;
}

void misspell_hint_names(const char *const *names, size_t n, struct strbuf *sb)
{
	size_t i;

	if (n == 0)
		return;
	sb_puts(sb, " (did you mean ");
	for (i = 0; i < n; i++) {
		if (i > 0)
			sb_puts(sb, i + 1 == n ? " or " : ", ");
		sb_printf(sb, "'%s'", names[i]);
	}
	sb_puts(sb, "?)");
}

void misspell_hint(const struct misspell *m, struct strbuf *sb)
{
	misspell_hint_names(m->hit, m->n, sb);
}
