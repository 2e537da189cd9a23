/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_NFLOG_H
#define FWD_NFLOG_H
#endif
