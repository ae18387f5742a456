/* SPDX-License-Identifier: MIT */
/* Shared by the RISC-V walker tests: raw PTE bits, the two modes, index arithmetic. */
#ifndef TESTS_SIM_RISCV_RIG_H
#define TESTS_SIM_RISCV_RIG_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "harness.h"
#include <pt/sim/riscv_walk.h>

/* PTE bits and exception causes, written from the specification. */
#define PTE_V (1ull << 0)
#define PTE_R (1ull << 1)
#define PTE_W (1ull << 2)
#define PTE_X (1ull << 3)
#define PTE_U (1ull << 4)
#define PTE_G (1ull << 5)
#define PTE_A (1ull << 6)
#define PTE_D (1ull << 7)
#define PTE_RSW (3ull << 8)
#define PTE_PBMT(t) ((uint64_t)(t) << 61)
#define PTE_N (1ull << 63)
#define LEAF_ALL (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)

#define CAUSE_FETCH 12
#define CAUSE_LOAD 13
#define CAUSE_STORE 15

#define LOAD PT_SIM_RV_LOAD
#define STORE PT_SIM_RV_STORE
#define FETCH PT_SIM_RV_FETCH
#define ALLOW(a) (1u << (a))
#define ALLOW_ALL (ALLOW(LOAD) | ALLOW(STORE) | ALLOW(FETCH))

struct variant {
	const struct pt_format *fmt;
	unsigned levels;
	uint64_t lo_va, hi_va;   /* every VPN field nonzero; lower and upper half */
};

static struct variant sv39 __attribute__((unused)) = {
	&pt_format_riscv_sv39, 3, 0x0000001234567000ull, 0xffffffc09abcd000ull,
};
static struct variant sv48 __attribute__((unused)) = {
	&pt_format_riscv_sv48, 4, 0x0000123456789000ull, 0xffff812345678000ull,
};

static inline unsigned cause(enum pt_sim_rv_access a)
{
	static const unsigned causes[] = { [LOAD] = CAUSE_LOAD, [STORE] = CAUSE_STORE,
					   [FETCH] = CAUSE_FETCH };
	return causes[a];
}

/* Bytes mapped by a leaf at the spec's level @i. */
static inline uint64_t span(unsigned i)
{
	return 1ull << (12 + 9 * i);
}

static inline unsigned vpn(uint64_t va, unsigned i)
{
	return (unsigned)(va >> (12 + 9 * i)) & 511;
}

static inline uint64_t pte_make(pt_paddr_t pa, uint64_t bits)
{
	return (pa >> 12) << 10 | bits;
}

static inline pt_paddr_t pte_addr(uint64_t pte)
{
	return ((pte >> 10) & ((1ull << 44) - 1)) << 12;
}

/* A cmocka test run once per mode; the mode is its state. */
#define BOTH(fn) { #fn "_sv39", fn, NULL, NULL, &sv39 }, { #fn "_sv48", fn, NULL, NULL, &sv48 }

#endif
