/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_DURATION_H
#define FWD_DURATION_H

#include <stddef.h>
#include <stdint.h>

/*
 * "30s", "10m", "1h", "2d" (a number and one unit; also combinations like
 * "1h30m"). Returns seconds > 0, or 0 and a message in err on bad input.
 */
uint64_t duration_parse(const char *s, char *err, size_t errlen);

/* the shortest exact text: 90 -> "90s", 3600 -> "1h", 5400 -> "90m" */
void duration_format(uint64_t seconds, char *buf, size_t len);

#endif
