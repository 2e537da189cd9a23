/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWTUI_FWTUI_H
#define FWTUI_FWTUI_H
#endif
