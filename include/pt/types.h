/* SPDX-License-Identifier: MIT */
/* Address and level types shared by every libpt interface. */
#ifndef PT_TYPES_H
#define PT_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A virtual address. Never store a physical address in one. */
typedef uint64_t pt_vaddr_t;
/* A physical address. Never store a virtual address in one. */
typedef uint64_t pt_paddr_t;
/* A raw page-table entry, in whatever format the table uses. */
typedef uint64_t pt_pte_t;
/* A paging level, numbered from the leaf: level 1 holds 4 KiB entries. */
typedef unsigned int pt_level_t;

/* The most levels any supported format has (x86-64 LA57, RISC-V Sv57). */
#define PT_MAX_LEVELS 5

#define PT_PAGE_SHIFT 12
#define PT_PAGE_SIZE ((uint64_t)1 << PT_PAGE_SHIFT)

#endif
