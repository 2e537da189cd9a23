/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_PROMPTS_H
#define FWD_PROMPTS_H
#endif
