/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_COMMANDS_H
#define FWD_COMMANDS_H
#endif
