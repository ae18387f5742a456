/* SPDX-License-Identifier: MIT */
/* The library's version. meson.build's project() version is the source of
 * truth: `meson setup` fails unless these macros say the same, and pt.pc
 * carries it to pkg-config. */
#ifndef PT_VERSION_H
#define PT_VERSION_H

#include <stdint.h>

#define PT_VERSION_MAJOR 0
#define PT_VERSION_MINOR 1
#define PT_VERSION_PATCH 0
#define PT_VERSION_STRING "0.1.0"

/* One number per version, ordered as versions are: compare with `>=`. */
#define PT_VERSION_ENCODE(major, minor, patch) \
	(((uint32_t)(major) << 16) | ((uint32_t)(minor) << 8) | (uint32_t)(patch))
#define PT_VERSION PT_VERSION_ENCODE(PT_VERSION_MAJOR, PT_VERSION_MINOR, PT_VERSION_PATCH)

/* The version of the library linked at run time, as PT_VERSION_ENCODE makes
 * it; differs from PT_VERSION when the program was built against other headers. */
uint32_t pt_version(void);

#endif
