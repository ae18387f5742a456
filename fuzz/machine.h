/* SPDX-License-Identifier: MIT */
/*
 * The machine fuzzer's world: a simulated x86-64 machine of 1-4 CPUs
 * (optionally with PCIDs), a kernel table and 1-3 user tables sharing its
 * half, and a per-page model of two small windows of every table: what each
 * page maps (frame or physical address) and its rights, plus the reference
 * count each tracked frame should have. Every operation is predicted on the
 * model; after it, the machine's TLBs must be coherent and the frame counts
 * right; every simulated access must agree with the model.
 */
#ifndef PT_FUZZ_MACHINE_H
#define PT_FUZZ_MACHINE_H

#include <pt/pt.h>

#include "input.h"
#include <pt/sim/reclaim_sync.h>
#include <pt/sim/tlb_sim.h>

#define FM_TABLES 4             /* the kernel (0) and up to three user tables */
#define FM_SMALL 64             /* 4 KiB pages around a 1 GiB boundary */
#define FM_HUGE 4               /* 2 MiB slots after them */
#define FM_PAGES (FM_SMALL + FM_HUGE * 512)
#define FM_FRAMES 2048
#define FM_MAX_OPS 64
#define FM_SMALL_VA 0x3fffe0000ull   /* 16 GiB - 128 KiB */
#define FM_HUGE_VA 0x80000000ull     /* 2 GiB */
#define FM_UNTRACKED_PA 0x100000000ull /* beyond the simulated RAM */

enum fm_kind { FM_NONE = 0, FM_TRACKED, FM_UNTRACKED };

struct fm_page {
	uint8_t kind;               /* enum fm_kind */
	uint16_t flags;             /* pt_flag rights: R W X USER GLOBAL */
	uint32_t frame;             /* FM_TRACKED: index in frames[] */
	pt_paddr_t pa;              /* FM_UNTRACKED */
};

struct fm_frame {
	pt_paddr_t pa;
	uint32_t refs;              /* mappings of it in live tables */
	uint64_t tag;               /* first quadword of its contents */
};

struct fm_table {
	struct pt_vmspace vs;        /* its table: vs.table */
	bool live;
	pt_asid_t asid;
	struct fm_page pages[FM_PAGES];
};

struct fm_world {
	struct pt_sim_machine *m;
	struct pt_sim_ram *ram;
	struct pt_sim_tlb stlb;
	struct pt_cpus cpus;
	struct pt_env env;
	struct pt_hooks hooks;      /* PT_FUZZ_FLUSH_OFF (pt/hooks.h) */
	struct pt_sync_reclaim reclaim;
	unsigned nr_cpus, nr_users;
	bool pcide;
	int on;                     /* CPU the thread is on */
	int active[4];              /* table each CPU runs (model) */
	struct fm_table tab[FM_TABLES];
	struct fm_frame frames[FM_FRAMES];
	unsigned nr_frames;
	unsigned op_no;
};

/* Build the world the header byte describes; the thread ends on CPU 0. */
void fm_init(struct fm_world *w, uint8_t hdr, uint8_t asids);
/* Move every CPU to the kernel table, destroy everything, check nothing is left. */
void fm_fini(struct fm_world *w);
/* Put the thread on CPU @cpu (mod the number of CPUs). */
struct pt_sim_cpu *fm_on(struct fm_world *w, unsigned cpu);
/* Virtual address of model page @idx of table @t. */
pt_vaddr_t fm_va(const struct fm_world *w, int t, unsigned idx);
/* A fresh tracked frame with one reference and a tag; its index. */
uint32_t fm_frame_new(struct fm_world *w);
/* Create user table @t with an address-space id from @b. */
void fm_user_create(struct fm_world *w, int t, uint8_t b);
/* Drop model page @idx of table @t (a tracked frame loses a reference). */
void fm_page_clear(struct fm_world *w, int t, unsigned idx);
/* Drain reclamation, then check coherence, poison, frame counts. */
void fm_check(struct fm_world *w, const char *what);
/* Abort if a CPU caches a stale translation to the frame @pa, or (@last: no
 * table maps it any more) any translation to it. */
void fm_check_uncached(struct fm_world *w, pt_paddr_t pa, bool last, const char *what);
/* Access model page @idx of the kernel (@kernel) or of the running user table
 * on CPU @cpu, and compare with the model. */
void fm_access(struct fm_world *w, unsigned cpu, bool kernel, unsigned idx,
	       enum pt_sim_access_kind kind, enum pt_sim_mode mode);
/* Abort unless @got == @want. */
void fm_expect(const struct fm_world *w, enum pt_err got, enum pt_err want, const char *what);

/* Run table operation @code (0-4: activate, map, unmap, protect, recreate). */
void fm_op_tables(struct fm_world *w, struct fz_in *in, uint8_t code);
/* Run one operation chosen by @code with arguments from @in, then check. */
void fm_op(struct fm_world *w, struct fz_in *in, uint8_t code);

#endif
