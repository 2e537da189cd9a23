/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWCTL_OUTPUT_H
#define FWCTL_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "proto.h"

/*
 * One printer for text and --json (after iproute2's json_print): every call
 * says what to print in both modes, and the mode picks. Text goes out as it
 * comes (out_flush); JSON is one document, written by out_finish only when
 * the command succeeded, so a failed command leaves stdout empty.
 * Text from the daemon is printed with control bytes escaped.
 */
void out_init(bool json);
bool out_json(void);

/* JSON: an object (key NULL at the top or in an array); text: nothing */
void out_obj_begin(const char *key);
void out_obj_end(void);

/*
 * A list: JSON an array; text a table of ncols columns under headers (NULL:
 * no header line), aligned and printed at out_list_end.
 */
void out_list_begin(const char *key, const char *const *headers, size_t ncols);
void out_list_end(void);

/*
 * One element of a list: JSON an object of every field of m, the field
 * named first (may be NULL) first; text a table row of cells, or with cells
 * NULL a line of key=value pairs.
 */
void out_item(const struct message *m, const char *first, const char *const *cells);

/* every field of m into the current JSON object; text: nothing */
void out_fields(const struct message *m);

/* JSON: "key": value; text: "label: value" with the label padded to width */
void out_field(const struct field *f, const char *label, int width);

/* text: a line (fmt without the newline); JSON: nothing */
void out_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* a streamed message: one line now, JSON object or key=value pairs */
void out_event(const struct message *m);

/* drops what JSON holds so far (a command that changes its mind on shape) */
void out_reset(void);

/* text: write what is pending now; JSON: nothing */
void out_flush(void);

/* writes the JSON document when ok; -1 when stdout failed */
int out_finish(bool ok);

/* seconds as "9m59s", "2h", "1d3h" */
void out_duration(struct strbuf *sb, int64_t seconds);

#endif
