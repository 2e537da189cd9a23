/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_TRACKER_H
#define FWD_TRACKER_H
#endif
