/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_CATALOG_H
#define FWD_CATALOG_H

#include <stddef.h>

#include "diag.h"
#include "rule.h"

/*
 * The service catalog: one file per service, NAME.service, in a directory
 * such as $(datadir)/fwd/services; a later directory overrides an earlier
 * one file by file (/etc/fwd/services.d/ wins over the shipped one).
 * File format (see rules/services/README):
 *     # comment
 *     description Secure Shell remote login
 *     tcp 22
 *     udp 60000-61000
 * Service names: [a-z0-9][a-z0-9-]*, at most 32 bytes.
 */
struct service {
	char *name;
	char *description;
	struct rule_l4 *l4;     /* proto + port range entries, sorted */
	size_t nl4;
};

struct catalog {
	struct service *v;      /* sorted by name */
	size_t n;
};

void catalog_init(struct catalog *c);
/*
 * Loads every NAME.service of dir into c (replacing same-named entries).
 * A missing directory is not an error. Errors in files are appended to
 * diags (file:line:col); returns -1 when any file had an error.
 */
int catalog_load_dir(struct catalog *c, const char *dir, struct diag_list *diags);
const struct service *catalog_find(const struct catalog *c, const char *name);
/* up to max names closest to name by edit distance, for "did you mean" */
size_t catalog_suggest(const struct catalog *c, const char *name,
		       const char **out, size_t max);
void catalog_free(struct catalog *c);

#endif
