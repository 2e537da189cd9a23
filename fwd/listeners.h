/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_LISTENERS_H
#define FWD_LISTENERS_H
#endif
