/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWCTL_FWCTL_H
#define FWCTL_FWCTL_H
#endif
