/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_SERVER_H
#define FWD_SERVER_H
#endif
