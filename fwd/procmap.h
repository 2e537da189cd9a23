/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_PROCMAP_H
#define FWD_PROCMAP_H
#endif
