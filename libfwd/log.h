/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_LOG_H
#define FWD_LOG_H

#include <stdbool.h>

/*
 * One logging API (after OpenNTPD's log.c): stderr in the foreground, syslog
 * otherwise. log_warn appends strerror(errno); fatal logs and exits 1.
 */
void log_init(const char *ident, bool foreground, bool debug);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
