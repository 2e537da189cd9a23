/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "Did you mean": edit distance between what was typed and the words we
 * know, and a small collector of the closest candidates.
 */
#ifndef LIBFWD_MISSPELL_H
#define LIBFWD_MISSPELL_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

/* longer words are never compared: no keyword or service name is this long */
#define MISSPELL_MAX_LEN 64
#define MISSPELL_MAX_HITS 8

/*
 * Damerau-Levenshtein (optimal string alignment) distance, ignoring ASCII
 * case; big when a word is too long.
 */
unsigned misspell_distance(const char *a, const char *b);

/*
 * The closest candidates offered so far, best first. Ties go to the longer
 * common start ("prot" is "proto" cut short more likely than "port" with
 * two letters swapped), then the longer common end ("icmp6" is "icmpv6"),
 * then to the first offered.
 */
struct misspell {
	const char *typed;
	unsigned max_dist;
	size_t max, n;
	const char *hit[MISSPELL_MAX_HITS];
	unsigned dist[MISSPELL_MAX_HITS];
	size_t prefix[MISSPELL_MAX_HITS];       /* bytes in common at the start */
	size_t suffix[MISSPELL_MAX_HITS];       /* and at the end */
};

void misspell_init(struct misspell *m, const char *typed, size_t max);
/* keeps cand when it is within max(1, strlen(typed)/3) edits of typed */
void misspell_offer(struct misspell *m, const char *cand);
/* appends " (did you mean 'a', 'b' or 'c'?)" when there is any hit */
void misspell_hint(const struct misspell *m, struct strbuf *sb);
void misspell_hint_names(const char *const *names, size_t n, struct strbuf *sb);

#endif
