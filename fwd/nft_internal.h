/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_NFT_INTERNAL_H
#define FWD_NFT_INTERNAL_H
#endif
