/* SPDX-License-Identifier: MIT */
/*
 * U-mode on user tables built by the core and activated through the glue
 * (satp with the table's ASID): loads, stores and fetches with the U, R, W,
 * X bits the core encoded, A and D set by the hart, S-mode access to user
 * pages with and without SUM, superpages up to the root (Sv39 1 GiB, Sv48
 * 512 GiB) split by take and by protect, and pt_vmspace_unmap's fence by ASID.
 */
#include "rows.h"

#define UCODE 0x0000000010000000ull  /* the user code page */
#define UDATA (UCODE + 0x10000)       /* user data pages follow */
#define UHUGE 0x0000000040000000ull  /* a 2 MiB user leaf */
#define UROOT_SV39 (2ull << 30)       /* a root leaf: Sv39 1 GiB at 2 GiB, */
#define UROOT_SV48 (1ull << 39)       /* Sv48 512 GiB at 512 GiB */
#define ASID 5
#define MARK(n) (0x5eed0000c0de0000ull | (n))

struct user {
	struct pt_vmspace ut;
	struct pt_vmspace *k;        /* its kernel address space */
	unsigned long tables;
};

static bool map_page(struct pt_table *t, uint64_t va, pt_paddr_t pa, uint16_t flags)
{
	struct pt_item it = { pa, 1, pt_prop_make(flags, PT_CACHE_WB), true };
	return row_map(t, va, &it) == PT_OK;
}

static void on_user(struct user *u)
{
	if (pt_vmspace_activate_asid(&u->ut, ASID) != PT_OK) {
		kprintf("activation failed\n");
		bm_exit(BM_EXIT_FAIL);
	}
}

static void on_kernel(struct user *u)
{
	if (pt_vmspace_activate_asid(u->k, 0) != PT_OK) {
		kprintf("activation failed\n");
		bm_exit(BM_EXIT_FAIL);
	}
}

/* Run @op at @va in U-mode on the user table: 0 if it reached its ecall. */
static int user(struct user *u, unsigned op, uint64_t va, uint64_t val)
{
	probe_reset();
	user_result = 0;
	on_user(u);
	int trapped = user_run(UCODE, op, va, val);
	on_kernel(u);
	return trapped;
}

static bool user_open(struct rows *s, struct user *u)
{
	u->tables = bm_tables_in_use();
	u->k = s->kvs;
	if (pt_vmspace_create_user(&u->ut, s->kvs) != PT_OK)
		return false;
	pt_paddr_t code = bm_data_frame();
	uint8_t *dst = bm_virt(code);
	for (const char *p = user_stub; p < user_stub_end; p++)
		*dst++ = (uint8_t)*p;
	fence_i();
	return map_page(&u->ut.table, UCODE, code, PT_RX | PT_USER);
}

static void user_close(struct rows *s, struct user *u, const char *name)
{
	if (pt_vmspace_destroy(&u->ut) != PT_OK)
		row_bad(s, "pt_vmspace_destroy failed");
	bm_drain();
	if (bm_tables_in_use() != u->tables)
		row_bad(s, "the user table's frames were not all freed");
	row_end(s, name);
}

static uint64_t user_leaf(struct rows *s, struct user *u, uint64_t va, unsigned *level)
{
	on_user(u);
	uint64_t pte = raw_walk(s->levels, va, level);
	on_kernel(u);
	return pte;
}

#define OPEN(s, u, name)                                \
	do {                                            \
		if (!user_open(s, u)) {                 \
			row_bad(s, "user table setup failed"); \
			row_end(s, name);               \
			return;                         \
		}                                       \
	} while (0)

static void row_asid(struct rows *s)
{
	static const char name[] = "activation: satp holds the mode, the ASID and the root";
	struct user u;
	unsigned level;
	OPEN(s, &u, name);
	on_user(&u);
	uint64_t satp = csr_satp();
	on_kernel(&u);
	uint64_t want = pt_riscv_satp(bm_rv.satp_mode, bm_rv.asids ? ASID : 0,
				      pt_table_root_paddr(&u.ut.table));
	if (satp != want || satp >> 60 != (s->levels == 4 ? 9u : 8u)) {
		kprintf("# satp 0x%lx, want 0x%lx\n", (unsigned long)satp, (unsigned long)want);
		row_bad(s, "satp differs");
	}
	uint64_t pte = user_leaf(s, &u, UCODE, &level);
	if (level != 1 || (pte & (X_U | X_R | X_X | X_V)) != (X_U | X_R | X_X | X_V) || (pte & X_G))
		row_bad(s, "the user code leaf lacks U R X or has G");
	user_close(s, &u, name);
}

static void row_load_store(struct rows *s)
{
	static const char name[] = "u-mode: load and store a user page, A and D set by the hart";
	struct user u;
	unsigned level;
	OPEN(s, &u, name);
	pt_paddr_t pa = marked_frame(MARK(1));
	if (!map_page(&u.ut.table, UDATA, pa, PT_RW | PT_USER))
		row_bad(s, "map failed");
	if (user(&u, OP_LOAD, UDATA, 0) || user_result != MARK(1))
		row_bad(s, "user load did not read the page");
	if (user_leaf(s, &u, UDATA, &level) & X_D)
		row_bad(s, "a load set D");
	if (user(&u, OP_STORE, UDATA, MARK(2)) || *(volatile uint64_t *)bm_virt(pa) != MARK(2))
		row_bad(s, "user store did not reach the frame");
	if ((user_leaf(s, &u, UDATA, &level) & (X_A | X_D)) != (X_A | X_D))
		row_bad(s, "the hart did not set A and D");
	user_close(s, &u, name);
}

static void row_denied(struct rows *s)
{
	static const char name[] = "u-mode: read-only, no-access, absent and kernel pages fault";
	struct user u;
	unsigned level;
	OPEN(s, &u, name);
	pt_paddr_t ro = marked_frame(MARK(3)), none = marked_frame(MARK(4));
	uint64_t va_ro = UDATA, va_none = UDATA + 0x1000, va_absent = UDATA + 0x2000;
	if (!map_page(&u.ut.table, va_ro, ro, PT_R | PT_USER) || !map_page(&u.ut.table, va_none, none, PT_USER))
		row_bad(s, "map failed");
	user(&u, OP_STORE, va_ro, 1);
	check_trap(s, EXC_STORE_PF, va_ro);
	user(&u, OP_LOAD, va_none, 0);
	check_trap(s, EXC_LOAD_PF, va_none);
	if (!user_leaf(s, &u, va_none, &level))
		row_bad(s, "the no-access page left no entry");
	user(&u, OP_LOAD, va_absent, 0);
	check_trap(s, EXC_LOAD_PF, va_absent);
	uint64_t kva = BM_DMAP + ro;
	user(&u, OP_LOAD, kva, 0);
	check_trap(s, EXC_LOAD_PF, kva);
	if (*(volatile uint64_t *)bm_virt(ro) != MARK(3))
		row_bad(s, "a denied store changed the frame");
	user_close(s, &u, name);
}

static void row_fetch(struct rows *s)
{
	static const char name[] = "u-mode: fetch runs on X, faults without X (scause 12)";
	struct user u;
	OPEN(s, &u, name);
	pt_paddr_t x = bm_data_frame(), nx = bm_data_frame();
	*(volatile uint64_t *)bm_virt(x) = *(volatile uint64_t *)bm_virt(nx) = diff_code_word(0x1234);
	fence_i();
	if (!map_page(&u.ut.table, UDATA, x, PT_RX | PT_USER) ||
	    !map_page(&u.ut.table, UDATA + 0x1000, nx, PT_RW | PT_USER))
		row_bad(s, "map failed");
	if (user(&u, OP_FETCH, UDATA, 0) || user_result != 0x1234000)
		row_bad(s, "user code on an X page did not run");
	user(&u, OP_FETCH, UDATA + 0x1000, 0);
	check_trap(s, EXC_FETCH_PF, UDATA + 0x1000);
	user_close(s, &u, name);
}

/* S-mode on user pages: loads and stores need SUM, fetches always fault. */
static void row_sum(struct rows *s)
{
	static const char name[] = "s-mode on a U page: faults without SUM, loads/stores with, never fetches";
	struct user u;
	OPEN(s, &u, name);
	pt_paddr_t pa = marked_frame(MARK(5));
	if (!map_page(&u.ut.table, UDATA, pa, PT_RWX | PT_USER))
		row_bad(s, "map failed");
	on_user(&u);
	probe_reset();
	probe_read(UDATA, &(uint64_t){ 0 });
	check_trap(s, EXC_LOAD_PF, UDATA);
	probe_reset();
	probe_write(UDATA, 1);
	check_trap(s, EXC_STORE_PF, UDATA);
	/* The fetch first, on a fresh translation: QEMU 7.2 lets an S-mode fetch
	 * hit a translation of a U page that an S-mode load with SUM cached. */
	*(volatile uint64_t *)bm_virt(pa) = diff_code_word(1);
	fence_i();
	sstatus_set(SSTATUS_SUM);
	sfence_vma_all();
	probe_reset();
	probe_exec(UDATA, &(uint64_t){ 0 });
	check_trap(s, EXC_FETCH_PF, UDATA);
	expect_read(s, UDATA, diff_code_word(1), "SUM: load of the user page failed");
	probe_reset();
	if (probe_write(UDATA + 8, MARK(6)) || *(volatile uint64_t *)bm_virt(pa + 8) != MARK(6))
		row_bad(s, "SUM: store to the user page failed");
	sstatus_clear(SSTATUS_SUM);
	on_kernel(&u);
	user_close(s, &u, name);
}

static void row_huge(struct rows *s)
{
	static const char name[] = "u-mode: 2 MiB read-only user leaf";
	struct user u;
	unsigned level;
	OPEN(s, &u, name);
	uint64_t off = 0x1ff008;
	*(volatile uint64_t *)bm_virt(BM_HUGE_PA + off) = MARK(7);
	struct pt_item it = { BM_HUGE_PA, 2, pt_prop_make(PT_R | PT_USER, PT_CACHE_WB), false };
	if (row_map(&u.ut.table, UHUGE, &it) != PT_OK)
		row_bad(s, "2 MiB map failed");
	user_leaf(s, &u, UHUGE + off, &level);
	if (level != 2)
		row_bad(s, "not a 2 MiB leaf");
	if (user(&u, OP_LOAD, UHUGE + off, 0) || user_result != MARK(7))
		row_bad(s, "user load through the 2 MiB leaf failed");
	user(&u, OP_STORE, UHUGE + off, 1);
	check_trap(s, EXC_STORE_PF, UHUGE + off);
	user_close(s, &u, name);
}

/* A leaf at @level reaching physical @target at va + @off (level-aligned base @pa). */
static void huge_leaf(struct rows *s, unsigned lvl, uint64_t va, pt_paddr_t pa, uint64_t off,
		      const char *name)
{
	struct user u;
	unsigned level;
	OPEN(s, &u, name);
	*(volatile uint64_t *)bm_virt(pa + off) = MARK(8 + lvl);
	struct pt_item it = { pa, lvl, pt_prop_make(PT_RW | PT_USER, PT_CACHE_WB), false };
	if (row_map(&u.ut.table, va, &it) != PT_OK)
		row_bad(s, "map failed");
	user_leaf(s, &u, va + off, &level);
	if (level != lvl)
		row_bad(s, "not a leaf at that level");
	if (user(&u, OP_LOAD, va + off, 0) || user_result != MARK(8 + lvl))
		row_bad(s, "user load through the leaf failed");
	if (user(&u, OP_STORE, va + off + 8, MARK(20)) ||
	    *(volatile uint64_t *)bm_virt(pa + off + 8) != MARK(20))
		row_bad(s, "user store through the leaf failed");
	if ((user_leaf(s, &u, va + off, &level) & (X_A | X_D)) != (X_A | X_D))
		row_bad(s, "A and D not set in the huge leaf");
	/* Split by take: the page goes, its neighbours stay (at 4 KiB now). */
	struct pt_frag f;
	if (row_take(&u.ut.table, va + (off & ~0xfffull), PT_PAGE_SIZE, &f) != PT_OK)
		row_bad(s, "take of one page failed");
	else
		pt_frag_release(&bm_env, &f);
	bm_flush(va + (off & ~0xfffull), PT_PAGE_SIZE);
	user(&u, OP_LOAD, va + off, 0);
	check_trap(s, EXC_LOAD_PF, va + off);
	if (user(&u, OP_LOAD, va + off + 0x1000, 0))
		row_bad(s, "the right neighbour of the taken page faults");
	user_leaf(s, &u, va + off + 0x1000, &level);
	if (level != 1)
		row_bad(s, "the neighbour is not a 4 KiB leaf after the split");
	/* Split by protect: one page made read-only, the next one stays writable. */
	struct pt_protect ro = { PT_W, 0, -1 };
	uint64_t far = va + (off & ~0xfffull) + 0x300000;
	if (pt_vmspace_protect(&u.ut, far, PT_PAGE_SIZE, ro) != PT_OK)
		row_bad(s, "protect failed");
	user(&u, OP_STORE, far, 1);
	check_trap(s, EXC_STORE_PF, far);
	if (user(&u, OP_STORE, far + 0x1000, 2))
		row_bad(s, "the page next to the protected one is not writable");
	user_close(s, &u, name);
}

static void row_superpages(struct rows *s)
{
	uint64_t off = BM_HUGE_PA + 0x10000 - BM_RAM_BASE;
	if (s->levels == 4) {
		huge_leaf(s, 3, 0x80000000ull, BM_RAM_BASE, off,
			  "u-mode: 1 GiB leaf (Sv48 level 3), split by take and protect");
		huge_leaf(s, 4, UROOT_SV48, 0, BM_HUGE_PA + 0x10000,
			  "u-mode: 512 GiB root leaf, split by take and protect");
	} else {
		huge_leaf(s, 3, UROOT_SV39, BM_RAM_BASE, off,
			  "u-mode: 1 GiB root leaf, split by take and protect");
		row_skip(s, "u-mode: 512 GiB root leaf", "Sv39 has no level 4");
	}
}

/* pt_vmspace_unmap of a page of an active user table: SFENCE.VMA va, ASID. */
static void row_vm_unmap(struct rows *s)
{
	static const char name[] = "pt_vmspace_unmap: the glue's SFENCE.VMA va, asid; the load faults";
	struct user u;
	OPEN(s, &u, name);
	pt_paddr_t pa = marked_frame(MARK(9));
	if (!map_page(&u.ut.table, UDATA, pa, PT_RW | PT_USER))
		row_bad(s, "map failed");
	if (user(&u, OP_LOAD, UDATA, 0) || user_result != MARK(9))
		row_bad(s, "first load failed");
	on_user(&u);
	bm_fences = (struct bm_fences){ 0 };
	if (pt_vmspace_unmap(&u.ut, UDATA, PT_PAGE_SIZE, NULL, NULL) != PT_OK)
		row_bad(s, "unmap failed");
	if (bm_fences.n != 1 || !bm_fences.has_va || bm_fences.va != UDATA ||
	    bm_fences.has_asid != bm_rv.asids || (bm_rv.asids && bm_fences.asid != ASID))
		row_bad(s, "not one SFENCE.VMA va, asid");
	on_kernel(&u);
	user(&u, OP_LOAD, UDATA, 0);
	check_trap(s, EXC_LOAD_PF, UDATA);
	bm_drain();
	user_close(s, &u, name);
}

void rows_user(struct rows *s)
{
	row_asid(s);
	row_load_store(s);
	row_denied(s);
	row_fetch(s);
	row_sum(s);
	row_huge(s);
	row_superpages(s);
	row_vm_unmap(s);
}
