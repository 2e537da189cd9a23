/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_SDNOTIFY_H
#define FWD_SDNOTIFY_H

/*
 * systemd's notify protocol without libsystemd: one datagram of KEY=VALUE
 * lines to $NOTIFY_SOCKET ("@" = abstract). Does nothing without the
 * variable. Returns 0, or -1 when sending failed.
 */
int sdnotify(const char *state);
/* e.g. sdnotifyf("STATUS=%zu rules", n) */
int sdnotifyf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The watchdog interval systemd asked for ($WATCHDOG_USEC, when
 * $WATCHDOG_PID is absent or ours), in milliseconds; 0 = no watchdog.
 */
long long sdnotify_watchdog_ms(void);

#endif
