/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_CONFIG_H
#define FWD_CONFIG_H
#endif
