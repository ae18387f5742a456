/* SPDX-License-Identifier: MIT */
#include <pt/version.h>

uint32_t pt_version(void)
{
	return PT_VERSION;
}
