/* SPDX-License-Identifier: MIT */
/*
 * Ring 3 on a user table built by the core: the CPU applies the U, W, NX and
 * present bits the core encoded to user-mode loads, stores and fetches, and
 * sets A and D for them. Each row maps what it needs, runs the user code
 * (user_run) and checks the result or the #PF error code and CR2.
 */
#include "scen.h"

#define UCODE 0x0000000010000000ull  /* the user code page */
#define UDATA (UCODE + 0x10000)       /* user data pages follow */
#define UHUGE 0x0000000040000000ull  /* a 2 MiB user leaf */
#define MARK(n) (0x5eed0000c0de0000ull | (n))

enum { OP_LOAD, OP_STORE, OP_FETCH };

struct ring3 {
	struct pt_table ut;
	unsigned long tables;
};

static pt_paddr_t frame_with(uint64_t mark)
{
	pt_paddr_t pa = bm_data_frame();
	*(volatile uint64_t *)bm_virt(pa) = mark;
	return pa;
}

static bool map_page(struct pt_table *t, uint64_t va, pt_paddr_t pa, uint16_t flags)
{
	struct pt_item it = { pa, 1, pt_prop_make(flags, PT_CACHE_WB), true };
	return scen_map(t, va, &it) == PT_OK;
}

/* Where the user code's ud2 for @op is: in the stub, or in the fetched page. */
static uint64_t ud2_at(unsigned op, uint64_t va)
{
	if (op == OP_FETCH)
		return va + 5;
	const char *ud = op == OP_LOAD ? user_stub_ud_load : user_stub_ud_store;
	return UCODE + (uint64_t)(ud - user_stub);
}

/* Run @op at @va in ring 3 on the user table; 0 done (at the expected ud2), else nonzero. */
static int user(struct ring3 *r, unsigned op, uint64_t va, uint64_t val)
{
	probe_reset();
	user_result = 0;
	user_ud_rip = 0;
	write_cr3(pt_table_root_paddr(&r->ut));
	int faulted = user_run(UCODE, 0, op, va, val);
	write_cr3(pt_table_root_paddr(r->ut.kernel));
	return faulted ? faulted : user_ud_rip != ud2_at(op, va);
}

static bool ring3_open(struct scen *s, struct ring3 *r)
{
	r->tables = bm_tables_in_use();
	if (pt_table_create_user(&r->ut, s->kt) != PT_OK)
		return false;
	pt_paddr_t code = bm_data_frame();
	uint8_t *dst = bm_virt(code);
	for (const char *p = user_stub; p < user_stub_end; p++)
		*dst++ = (uint8_t)*p;
	return map_page(&r->ut, UCODE, code, PT_RX | PT_USER);
}

static void ring3_close(struct scen *s, struct ring3 *r, const char *name)
{
	if (pt_table_destroy(&r->ut) != PT_OK)
		scen_bad(s, "pt_table_destroy failed");
	bm_drain();
	if (bm_tables_in_use() != r->tables)
		scen_bad(s, "the user table's frames were not all freed");
	scen_end(s, name);
}

/* The leaf for @va in the user table, by the kernel's own walk. */
static uint64_t user_leaf(struct scen *s, struct ring3 *r, uint64_t va)
{
	unsigned level;
	write_cr3(pt_table_root_paddr(&r->ut));
	uint64_t pte = raw_walk(s->levels, va, &level);
	write_cr3(pt_table_root_paddr(s->kt));
	return pte;
}

static void row_load_store(struct scen *s)
{
	struct ring3 r;
	if (!ring3_open(s, &r)) {
		scen_bad(s, "user table setup failed");
		scen_end(s, "ring 3: load and store a user page");
		return;
	}
	pt_paddr_t pa = frame_with(MARK(1));
	if (!map_page(&r.ut, UDATA, pa, PT_RW | PT_USER))
		scen_bad(s, "map failed");
	if (user(&r, OP_LOAD, UDATA, 0) || user_result != MARK(1))
		scen_bad(s, "user load did not read the page");
	check_fault(s, 0, 0, 0);
	if (user_leaf(s, &r, UDATA) & X_D)
		scen_bad(s, "a load set D");
	if (user(&r, OP_STORE, UDATA, MARK(2)) || *(volatile uint64_t *)bm_virt(pa) != MARK(2))
		scen_bad(s, "user store did not reach the frame");
	check_fault(s, 0, 0, 0);
	if ((user_leaf(s, &r, UDATA) & (X_A | X_D)) != (X_A | X_D))
		scen_bad(s, "the CPU did not set A and D");
	ring3_close(s, &r, "ring 3: load and store a user page, A and D set by the CPU");
}

static void row_denied(struct scen *s)
{
	struct ring3 r;
	if (!ring3_open(s, &r)) {
		scen_bad(s, "user table setup failed");
		scen_end(s, "ring 3: denied accesses");
		return;
	}
	pt_paddr_t ro = frame_with(MARK(3)), none = frame_with(MARK(4));
	uint64_t va_ro = UDATA, va_none = UDATA + 0x1000, va_absent = UDATA + 0x2000;
	if (!map_page(&r.ut, va_ro, ro, PT_R | PT_USER) ||
	    !map_page(&r.ut, va_none, none, PT_USER))
		scen_bad(s, "map failed");
	user(&r, OP_STORE, va_ro, 1);
	check_fault(s, 14, PF_P | PF_W | PF_U, va_ro);
	user(&r, OP_LOAD, va_none, 0);
	check_fault(s, 14, PF_U, va_none);
	if (!user_leaf(s, &r, va_none))
		scen_bad(s, "the no-access page left no entry (same fault as absent)");
	user(&r, OP_LOAD, va_absent, 0);
	check_fault(s, 14, PF_U, va_absent);
	uint64_t kva = BM_DMAP + ro;
	user(&r, OP_LOAD, kva, 0);
	check_fault(s, 14, PF_P | PF_U, kva);
	if (*(volatile uint64_t *)bm_virt(ro) != MARK(3))
		scen_bad(s, "a denied store changed the frame");
	ring3_close(s, &r, "ring 3: read-only, no-access, absent and kernel pages fault");
}

static void row_fetch(struct scen *s)
{
	/* mov $0x11223344, %eax; ud2 */
	static const uint8_t code[] = { 0xb8, 0x44, 0x33, 0x22, 0x11, 0x0f, 0x0b };
	struct ring3 r;
	if (!ring3_open(s, &r)) {
		scen_bad(s, "user table setup failed");
		scen_end(s, "ring 3: fetch");
		return;
	}
	pt_paddr_t x = bm_data_frame(), nx = bm_data_frame();
	for (unsigned i = 0; i < sizeof(code); i++)
		((uint8_t *)bm_virt(x))[i] = ((uint8_t *)bm_virt(nx))[i] = code[i];
	uint64_t va_x = UDATA, va_nx = UDATA + 0x1000;
	if (!map_page(&r.ut, va_x, x, PT_RX | PT_USER) || !map_page(&r.ut, va_nx, nx, PT_RW | PT_USER))
		scen_bad(s, "map failed");
	if (user(&r, OP_FETCH, va_x, 0) || (uint32_t)user_result != 0x11223344u)
		scen_bad(s, "user code on an executable page did not run");
	check_fault(s, 0, 0, 0);
	user(&r, OP_FETCH, va_nx, 0);
	check_fault(s, 14, PF_P | PF_U | PF_ID, va_nx);
	ring3_close(s, &r, "ring 3: fetch runs on X, faults on NX with I/D set");
}

static void row_huge(struct scen *s)
{
	struct ring3 r;
	if (!ring3_open(s, &r)) {
		scen_bad(s, "user table setup failed");
		scen_end(s, "ring 3: 2 MiB user leaf");
		return;
	}
	uint64_t off = 0x1ff008;
	*(volatile uint64_t *)bm_virt(BM_HUGE_PA + off) = MARK(5);
	struct pt_item it = { BM_HUGE_PA, 2, pt_prop_make(PT_R | PT_USER, PT_CACHE_WB), false };
	if (scen_map(&r.ut, UHUGE, &it) != PT_OK)
		scen_bad(s, "2 MiB map failed");
	unsigned level;
	write_cr3(pt_table_root_paddr(&r.ut));
	raw_walk(s->levels, UHUGE + off, &level);
	write_cr3(pt_table_root_paddr(s->kt));
	if (level != 2)
		scen_bad(s, "not a 2 MiB leaf");
	if (user(&r, OP_LOAD, UHUGE + off, 0) || user_result != MARK(5))
		scen_bad(s, "user load through the 2 MiB leaf failed");
	check_fault(s, 0, 0, 0);
	user(&r, OP_STORE, UHUGE + off, 1);
	check_fault(s, 14, PF_P | PF_W | PF_U, UHUGE + off);
	ring3_close(s, &r, "ring 3: 2 MiB read-only user leaf");
}

void scen_ring3(struct scen *s)
{
	row_load_store(s);
	row_denied(s);
	row_fetch(s);
	row_huge(s);
}
