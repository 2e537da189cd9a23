/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fwctl explain, exposure, services: printed generically until they get printers of their own */
#include "fwctl.h"

int inspect_main(struct fwctl *fw, int argc, char **argv)
{
	return generic_main(fw, argc, argv);
}
