/* SPDX-License-Identifier: MIT */
/*
 * The platform the core runs on in this kernel.
 *
 * Shared by the test kernels; each kernel's bm.h gives the layout (RAM at
 * BM_RAM_BASE, the direct map at BM_DMAP, BM_KPHYS for image addresses).
 *
 * Physical memory: one pool of 4 KiB frames, [end of image, BM_POOL_END),
 * handed out by a bump pointer and a free list threaded through the free
 * frames. Table and data frames come from the same pool; a frame's
 * metadata slot and reference count sit in arrays indexed by frame number.
 * phys_to_virt is the direct map (BM_DMAP + pa), present in the boot table
 * the core adopts. The boot table's own frames (below the pool) have slots
 * too, and are returned to the pool when the core frees them.
 *
 * Reclamation: one CPU, no interrupts enabled and no preemption, so no
 * walker can be inside a read-side section while defer is called from
 * outside one, and the grace period is trivially "when the current
 * operation has returned". read_lock/unlock are no-ops; defer queues the
 * object and drain runs the queue. Running deferred calls only at drain
 * (never inside defer) keeps the core's "free after the section closes"
 * order visible: a frame is never reused while the caller still holds a
 * cursor that may point at it.
 */
#include "bm.h"

#define NR_FRAMES (BM_RAM_SIZE >> PT_PAGE_SHIFT)
#define FRAME(pa) (((pa) - BM_RAM_BASE) >> PT_PAGE_SHIFT)

extern char __kernel_end[];

static uint8_t meta[NR_FRAMES][PT_TABLE_META_SIZE] __attribute__((aligned(64)));
static uint32_t refs[NR_FRAMES];
static pt_paddr_t pool_start, bump, free_list;
static unsigned long tables_live;
static struct pt_defer *deferred;

struct pt_env bm_env;

/* Contended node-lock waiting in a kernel: PAUSE (never taken on one CPU, but wired as a port would). */
static void bm_relax(unsigned spins)
{
	(void)spins;
#if defined(__x86_64__)
	__asm__ volatile("pause");
#elif defined(__riscv)
	__asm__ volatile(".4byte 0x0100000f"); /* Zihintpause PAUSE; a FENCE hint (no-op) elsewhere */
#endif
}

void *memset(void *d, int c, size_t n)
{
	unsigned char *p = d;
	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

void *memcpy(void *restrict d, const void *restrict s, size_t n)
{
	unsigned char *p = d;
	const unsigned char *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

void *bm_virt(pt_paddr_t pa)
{
	return (void *)(uintptr_t)(BM_DMAP + pa);
}

static pt_paddr_t frame_alloc(void)
{
	pt_paddr_t pa = free_list;
	if (pa) {
		free_list = *(pt_paddr_t *)bm_virt(pa);
	} else if (bump < BM_POOL_END) {
		pa = bump;
		bump += PT_PAGE_SIZE;
	} else {
		return 0;
	}
	memset(bm_virt(pa), 0, PT_PAGE_SIZE);
	return pa;
}

static void frame_free(pt_paddr_t pa)
{
	*(pt_paddr_t *)bm_virt(pa) = free_list;
	free_list = pa;
}

PT_MUST_CHECK static enum pt_err op_table_alloc(void *ctx, pt_paddr_t *pa)
{
	(void)ctx;
	*pa = frame_alloc();
	if (!*pa)
		return PT_ERR_NOMEM;
	memset(meta[FRAME(*pa)], 0, PT_TABLE_META_SIZE);
	tables_live++;
	return PT_OK;
}

static void op_table_free(void *ctx, pt_paddr_t pa)
{
	(void)ctx;
	tables_live--;
	frame_free(pa);
}

static bool in_ram(pt_paddr_t pa)
{
	return pa - BM_RAM_BASE < BM_RAM_SIZE;
}

/* Every RAM frame has a slot, boot-built tables too (pt_table_adopt_kernel). */
static void *op_table_meta(void *ctx, pt_paddr_t pa)
{
	(void)ctx;
	return in_ram(pa) ? meta[FRAME(pa)] : NULL;
}

static void *op_phys_to_virt(void *ctx, pt_paddr_t pa)
{
	(void)ctx;
	return in_ram(pa) ? bm_virt(pa) : NULL;
}

static void op_frame_get(void *ctx, pt_paddr_t pa)
{
	(void)ctx;
	refs[FRAME(pa)]++;
}

static void op_frame_put(void *ctx, pt_paddr_t pa)
{
	(void)ctx;
	if (--refs[FRAME(pa)] == 0)
		frame_free(pa);
}

static uint32_t op_frame_refcount(void *ctx, pt_paddr_t pa)
{
	(void)ctx;
	return refs[FRAME(pa)];
}

static void op_read_lock(void *ctx)
{
	(void)ctx;
}

static void op_defer(void *ctx, struct pt_defer *d)
{
	(void)ctx;
	d->priv[0] = deferred;
	deferred = d;
}

/* Deferred calls may defer more: run until the queue stays empty. */
static void op_drain(void *ctx)
{
	(void)ctx;
	while (deferred) {
		struct pt_defer *d = deferred;
		deferred = d->priv[0];
		d->fn(d);
	}
}

static const struct pt_physmem_ops physmem_ops = {
	.table_alloc = op_table_alloc,
	.table_free = op_table_free,
	.table_meta = op_table_meta,
	.phys_to_virt = op_phys_to_virt,
	.frame_get = op_frame_get,
	.frame_put = op_frame_put,
	.frame_refcount = op_frame_refcount,
};

static const struct pt_reclaim_ops reclaim_ops = {
	.read_lock = op_read_lock,
	.read_unlock = op_read_lock,
	.defer = op_defer,
	.drain = op_drain,
};

void platform_init(const struct pt_format *fmt)
{
	uint64_t end = BM_KPHYS((uint64_t)(uintptr_t)__kernel_end);
	bump = (end + (2ull << 20) - 1) & ~((2ull << 20) - 1);
	pool_start = bump;
	bm_env.fmt = fmt;
	bm_env.mem = (struct pt_physmem){ &physmem_ops, NULL };
	bm_env.reclaim = (struct pt_reclaim){ &reclaim_ops, NULL };
	bm_env.relax = bm_relax;
}

pt_paddr_t bm_data_frame(void)
{
	pt_paddr_t pa = frame_alloc();
	if (pa)
		refs[FRAME(pa)] = 1;
	return pa;
}

uint32_t bm_refcount(pt_paddr_t pa)
{
	return refs[FRAME(pa)];
}

static void count_boot_frame(void *ctx, pt_paddr_t pa, pt_level_t level, const pt_pte_t *ptes,
			     unsigned nr)
{
	(void)ctx, (void)level, (void)ptes, (void)nr;
	if (pa < pool_start)
		tables_live++;
}

/* The boot frames an adopted table holds are table frames from now on:
 * table_free will return them to the pool like the others. */
void bm_count_adopted(struct pt_table *kt)
{
	if (pt_table_for_each_node(kt, count_boot_frame, NULL) != PT_OK) {
		kprintf("pt_table_for_each_node failed\n");
		bm_exit(BM_EXIT_FAIL);
	}
}

unsigned long bm_tables_in_use(void)
{
	return tables_live;
}

void bm_drain(void)
{
	op_drain(NULL);
}
