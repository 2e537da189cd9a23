/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LIBFWD_MISSPELL_H
#define LIBFWD_MISSPELL_H
#endif
