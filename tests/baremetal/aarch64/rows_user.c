/* SPDX-License-Identifier: MIT */
/*
 * EL0 on a user table built by the core and activated through the glue
 * (TTBR0 with the table's ASID; the kernel table stays in TTBR1): loads,
 * stores and fetches with the AP[1], AP[2], UXN the core encoded, EL0 on
 * kernel pages, EL1 on user pages with PAN clear and set, EL1 fetches from
 * user pages (PXN), a 2 MiB user block, and pt_vmspace_unmap's TLBI by the ASID.
 */
#include "rows.h"

#define UCODE 0x0000000010000000ull   /* the user code page */
#define UDATA (UCODE + 0x10000)        /* user data pages follow */
#define UHUGE 0x0000000040000000ull   /* a 2 MiB user block */
#define ASID 5
#define MARK(n) (0x5eed0000c0de0000ull | (n))

struct user {
	struct pt_vmspace ut;
	struct pt_vmspace *k;        /* its kernel address space */
	unsigned long tables;
};

static bool map_page(struct pt_table *t, uint64_t va, pt_paddr_t pa, uint16_t flags, unsigned level)
{
	struct pt_item it = { pa, level, pt_prop_make(flags, PT_CACHE_WB), level == 1 };
	return row_map(t, va, &it) == PT_OK;
}

/* Run @op at @va at EL0 on the user table: 0 if it reached its SVC. */
static int user(struct user *u, unsigned op, uint64_t va, uint64_t val)
{
	probe_reset();
	user_result = 0;
	if (pt_vmspace_activate_asid(&u->ut, ASID) != PT_OK)
		return -1;
	int trapped = user_run(UCODE, op, va, val);
	return trapped;
}

static void check_user(struct rows *s, int trapped, unsigned ec, unsigned fsc, uint64_t va,
		       bool store)
{
	if (!fsc) {
		if (trapped || bm_fault.count != 1 || ESR_EC(bm_fault.esr) != EC_SVC) {
			kprintf("# ESR 0x%lx FAR 0x%lx\n", (unsigned long)bm_fault.esr,
				(unsigned long)bm_fault.far);
			row_bad(s, "EL0 did not reach its SVC");
		}
		return;
	}
	if (!trapped)
		row_bad(s, "EL0 reached its SVC");
	check_fault(s, ec, fsc, va, store);
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
	pt_paddr_t rx = marked_frame(diff_code_word(0x77));
	sync_icache();
	return map_page(&u->ut.table, UCODE, code, PT_RX | PT_USER, 1) &&
	       map_page(&u->ut.table, UDATA, marked_frame(MARK(1)), PT_RW | PT_USER, 1) &&
	       map_page(&u->ut.table, UDATA + 0x1000, marked_frame(MARK(2)), PT_R | PT_USER, 1) &&
	       map_page(&u->ut.table, UDATA + 0x2000, rx, PT_RX | PT_USER, 1) &&
	       map_page(&u->ut.table, UHUGE, BM_HUGE_PA + (4ull << 20), PT_RW | PT_USER, 2);
}

void rows_user(struct rows *s)
{
	static struct user u;
	if (!user_open(s, &u)) {
		row_bad(s, "could not build the user table");
		row_end(s, "user table");
		return;
	}
	int t = user(&u, OP_LOAD, UDATA + 8, 0);
	check_user(s, t, 0, 0, 0, false);
	if (user_result != 0)
		row_bad(s, "EL0 read another value");
	t = user(&u, OP_LOAD, UDATA, 0);
	if (user_result != MARK(1))
		row_bad(s, "EL0 read another value");
	row_end(s, "EL0 load from a user rw page (AP[1] set), TTBR0 with ASID 5");
	if ((read_ttbr0() >> 48) != ASID)
		row_bad(s, "TTBR0.ASID is not the table's");
	row_end(s, "activation wrote TTBR0 with the table's ASID");

	t = user(&u, OP_STORE, UDATA + 0x10, 0x5107e);
	check_user(s, t, 0, 0, 0, false);
	unsigned lv;
	if (pt_vmspace_activate_asid(&u.ut, ASID) != PT_OK)
		row_bad(s, "pt_vmspace_activate_asid failed");
	uint64_t d = raw_walk(UDATA, &lv);
	if ((d & X_AP_RO) || !(d & X_DBM) || !(d & X_AP_EL0))
		row_bad(s, "the user leaf is not AP[2] clear, DBM, AP[1] set");
	row_end(s, "EL0 store to a user rw page (DBM: HD clears AP[2])");

	t = user(&u, OP_STORE, UDATA + 0x1008, 1);
	check_user(s, t, EC_DABT_LOW, FSC_PERM(3), UDATA + 0x1008, true);
	row_end(s, "EL0 store to a user ro page faults (EC 0x24, permission, level 3, WnR)");

	t = user(&u, OP_FETCH, UDATA + 0x2000, 0);
	check_user(s, t, 0, 0, 0, false);
	if (user_result != 0x77)
		row_bad(s, "EL0 fetched another instruction");
	row_end(s, "EL0 fetch from a user rx page runs (UXN clear)");

	t = user(&u, OP_FETCH, UDATA, 0);
	check_user(s, t, EC_IABT_LOW, FSC_PERM(3), UDATA, false);
	row_end(s, "EL0 fetch from a user rw page faults (EC 0x20, permission, level 3: UXN)");

	t = user(&u, OP_LOAD, UDATA + 0x5000, 0);
	check_user(s, t, EC_DABT_LOW, FSC_TRANS(3), UDATA + 0x5000, false);
	row_end(s, "EL0 load from an unmapped user page faults (translation, level 3)");

	t = user(&u, OP_LOAD, UHUGE + 0x1234 * 8, 0);
	check_user(s, t, 0, 0, 0, false);
	row_end(s, "EL0 load from a 2 MiB user block");

	uint64_t kva = (uint64_t)(uintptr_t)&bm_fault;
	t = user(&u, OP_LOAD, kva, 0);
	check_user(s, t, EC_DABT_LOW, FSC_PERM(3), kva, false);
	row_end(s, "EL0 load from a kernel page faults (permission, level 3: AP[1] clear)");

	uint64_t ktext = (uint64_t)(uintptr_t)&probe_reset;
	t = user(&u, OP_FETCH, ktext, 0);
	check_user(s, t, EC_IABT_LOW, FSC_PERM(3), ktext, false);
	row_end(s, "EL0 fetch from kernel text faults (permission, level 3: UXN)");

	/* EL1 on the user table's pages (TTBR0 stays loaded until the next activation). */
	if (pt_vmspace_activate_asid(&u.ut, ASID) != PT_OK)
		row_bad(s, "pt_vmspace_activate_asid failed");
	expect_read(s, UDATA, MARK(1), "EL1 could not read the user page");
	row_end(s, "EL1 load from a user page, PAN clear");
	set_pan(true);
	uint64_t v;
	probe_reset();
	int f = probe_read(UDATA, &v);
	set_pan(false);
	if (!f)
		row_bad(s, "EL1 read a user page with PAN set");
	check_fault(s, EC_DABT_CUR, FSC_PERM(3), UDATA, false);
	row_end(s, "EL1 load from a user page, PAN set, faults (permission, level 3)");
	set_pan(true);
	probe_reset();
	f = probe_write(UDATA + 0x20, 1);
	set_pan(false);
	if (!f)
		row_bad(s, "EL1 wrote a user page with PAN set");
	check_fault(s, EC_DABT_CUR, FSC_PERM(3), UDATA + 0x20, true);
	row_end(s, "EL1 store to a user page, PAN set, faults (permission, level 3, WnR)");
	probe_reset();
	f = probe_exec(UDATA + 0x2000, &v);
	if (!f)
		row_bad(s, "EL1 ran user code");
	check_fault(s, EC_IABT_CUR, FSC_PERM(3), UDATA + 0x2000, false);
	row_end(s, "EL1 fetch from a user rx page faults (permission, level 3: PXN)");

	bm_tlbis = (struct bm_tlbis){ 0 };
	if (pt_vmspace_unmap(&u.ut, UDATA, 0x1000, NULL, NULL) != PT_OK)
		row_bad(s, "pt_vmspace_unmap failed");
	if (!bm_tlbis.n || bm_tlbis.xt >> 48 != ASID)
		row_bad(s, "the unmap's TLBI did not name ASID 5");
	t = user(&u, OP_LOAD, UDATA, 0);
	check_user(s, t, EC_DABT_LOW, FSC_TRANS(3), UDATA, false);
	row_end(s, "pt_vmspace_unmap: TLBI by ASID 5; EL0 load then faults (translation, level 3)");

	if (pt_vmspace_activate_asid(s->kvs, 0) != PT_OK)
		row_bad(s, "pt_vmspace_activate_asid failed");
	if ((read_ttbr0() & X_OA_MASK) != bm_a64.reserved_ttbr0)
		row_bad(s, "TTBR0 does not hold the reserved empty table");
	probe_reset();
	f = probe_read(UDATA + 0x1000, &v);
	if (!f)
		row_bad(s, "the user page still reads with the kernel table active");
	check_fault(s, EC_DABT_CUR, FSC_TRANS(0), UDATA + 0x1000, false);
	row_end(s, "kernel table active: TTBR0 is the empty table (translation, level 0)");
	if (pt_vmspace_destroy(&u.ut) != PT_OK)
		row_bad(s, "pt_vmspace_destroy failed");
	bm_drain();
	if (bm_tables_in_use() != u.tables)
		row_bad(s, "the user table's frames were not all freed");
	row_end(s, "user table destroyed: its table frames are back");
}
