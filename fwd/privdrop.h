/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_PRIVDROP_H
#define FWD_PRIVDROP_H
#endif
