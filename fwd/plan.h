/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_PLAN_H
#define FWD_PLAN_H
#endif
