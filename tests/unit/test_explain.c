/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "testlib.h"
int main(void) { TEST_DONE(); }
