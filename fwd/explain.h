/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_EXPLAIN_H
#define FWD_EXPLAIN_H
#endif
