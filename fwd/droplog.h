/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_DROPLOG_H
#define FWD_DROPLOG_H
#endif
