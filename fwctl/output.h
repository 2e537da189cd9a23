/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWCTL_OUTPUT_H
#define FWCTL_OUTPUT_H
#endif
