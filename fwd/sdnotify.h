/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_SDNOTIFY_H
#define FWD_SDNOTIFY_H
#endif
