/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_AUTH_H
#define FWD_AUTH_H
#endif
