/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_ENGINE_H
#define FWD_ENGINE_H
#endif
