/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef LIBFWD_LEXER_H
#define LIBFWD_LEXER_H
#endif
