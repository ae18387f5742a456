/* SPDX-License-Identifier: MIT */
#ifndef BM_FDT_H
#define BM_FDT_H

#include <stdbool.h>
#include <stdint.h>

/* The /chosen bootargs string of the flattened device tree at @fdt, or "". */
const char *fdt_bootargs(const void *fdt);

#endif
