/* SPDX-License-Identifier: MIT */
/* Compiler hints the core uses on its hot paths; empty where unsupported. */
#ifndef PT_CORE_COMPILER_H
#define PT_CORE_COMPILER_H

#if defined(__GNUC__) || defined(__clang__)
/* Keep a slow path out of line so the fast path needs no stack frame. */
#define PT_NOINLINE __attribute__((noinline))
#define pt_likely(x) __builtin_expect(!!(x), 1)
#define pt_unlikely(x) __builtin_expect(!!(x), 0)
#else
#define PT_NOINLINE
#define pt_likely(x) (x)
#define pt_unlikely(x) (x)
#endif

/* An internal invariant: traps in debug builds, assumed in others. */
#ifndef NDEBUG
#define pt_assert(x) do { if (!(x)) __builtin_trap(); } while (0)
#else
#define pt_assert(x) ((void)0)
#endif

#endif
