/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LIBFWD_KEYWORDS_H
#define LIBFWD_KEYWORDS_H
#endif
