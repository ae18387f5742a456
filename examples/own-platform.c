/* SPDX-License-Identifier: MIT */
/*
 * libpt with a platform of your own and nothing else (pkg-config pt): a
 * single-threaded pool of table frames, reclamation that runs deferred frees
 * once no read-side section is open, no TLB. Maps an aligned 2 MiB range
 * (one 2 MiB leaf), reads an address in it back, unmaps and tears down, checking every result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pt/pt.h>

#define POOL_FRAMES 64
#define POOL_BASE 0x100000ull /* physical address of frame 0 */

struct pool {
	unsigned char (*frames)[PT_PAGE_SIZE];
	unsigned char meta[POOL_FRAMES][PT_TABLE_META_SIZE];
	bool used[POOL_FRAMES];
	unsigned in_use;
	unsigned readers;           /* open read-side sections */
	struct pt_defer *deferred;  /* chained through priv[0] */
};

static size_t frame_index(pt_paddr_t pa)
{
	return (size_t)((pa - POOL_BASE) / PT_PAGE_SIZE);
}

PT_MUST_CHECK static enum pt_err table_alloc(void *ctx, pt_paddr_t *pa)
{
	struct pool *p = ctx;
	for (size_t i = 0; i < POOL_FRAMES; i++) {
		if (p->used[i])
			continue;
		p->used[i] = true;
		p->in_use++;
		memset(p->frames[i], 0, PT_PAGE_SIZE);
		memset(p->meta[i], 0, PT_TABLE_META_SIZE);
		*pa = POOL_BASE + i * PT_PAGE_SIZE;
		return PT_OK;
	}
	return PT_ERR_NOMEM;
}

static void table_free(void *ctx, pt_paddr_t pa)
{
	struct pool *p = ctx;
	p->used[frame_index(pa)] = false;
	p->in_use--;
}

static void *table_meta(void *ctx, pt_paddr_t pa)
{
	return ((struct pool *)ctx)->meta[frame_index(pa)];
}

static void *phys_to_virt(void *ctx, pt_paddr_t pa)
{
	return ((struct pool *)ctx)->frames[frame_index(pa)];
}

/* Only untracked ranges are mapped here, so no data frame is ever referenced. */
static void frame_get(void *ctx, pt_paddr_t pa) { (void)ctx; (void)pa; }
static void frame_put(void *ctx, pt_paddr_t pa) { (void)ctx; (void)pa; }

static const struct pt_physmem_ops pool_mem = {
	.table_alloc = table_alloc, .table_free = table_free, .table_meta = table_meta,
	.phys_to_virt = phys_to_virt, .frame_get = frame_get, .frame_put = frame_put,
};

static void run_deferred(struct pool *p)
{
	while (p->deferred) {
		struct pt_defer *d = p->deferred;
		p->deferred = d->priv[0];
		d->fn(d);
	}
}

static void read_lock(void *ctx) { ((struct pool *)ctx)->readers++; }

static void read_unlock(void *ctx)
{
	struct pool *p = ctx;
	if (--p->readers == 0)
		run_deferred(p);
}

static void defer(void *ctx, struct pt_defer *d)
{
	struct pool *p = ctx;
	d->priv[0] = p->deferred;
	p->deferred = d;
	if (p->readers == 0)
		run_deferred(p);
}

static void drain(void *ctx) { run_deferred(ctx); }

static const struct pt_reclaim_ops pool_reclaim = {
	.read_lock = read_lock, .read_unlock = read_unlock, .defer = defer, .drain = drain,
};

static int check(enum pt_err err, const char *what)
{
	if (err == PT_OK)
		return 0;
	fprintf(stderr, "%s: %s\n", what, pt_strerror(err));
	return 1;
}

static int map_and_query(struct pt_table *t)
{
	struct pt_cursor_mut m;
	if (check(pt_cursor_mut_new(&m, t, 0x400000, 2 << 20), "pt_cursor_mut_new"))
		return 1;
	enum pt_err err = pt_cursor_map_range(&m, 0x40000000, 2 << 20,
					      pt_prop_make(PT_RW | PT_USER, PT_CACHE_WB));
	pt_cursor_mut_drop(&m);
	if (check(err, "pt_cursor_map_range"))
		return 1;

	struct pt_cursor c;
	if (check(pt_cursor_new(&c, t, 0x401000, PT_PAGE_SIZE), "pt_cursor_new"))
		return 1;
	struct pt_query q;
	err = pt_cursor_query(&c, &q);
	pt_cursor_drop(&c);
	if (check(err, "pt_cursor_query"))
		return 1;
	if (!q.mapped || q.va != 0x400000 || q.item.pa != 0x40000000 || q.len != 2 << 20) {
		fprintf(stderr, "0x401000: expected the 2 MiB leaf 0x400000 -> 0x40000000\n");
		return 1;
	}
	printf("0x401000 -> %#llx (%llu KiB page)\n", (unsigned long long)(q.item.pa + 0x1000),
	       (unsigned long long)(q.len >> 10));
	return 0;
}

int main(void)
{
	struct pool *p = calloc(1, sizeof *p);
	if (!p || !(p->frames = aligned_alloc(PT_PAGE_SIZE, POOL_FRAMES * PT_PAGE_SIZE))) {
		fprintf(stderr, "out of memory\n");
		free(p);
		return 1;
	}
	struct pt_env env = {
		.fmt = &pt_format_x86_64_4level,
		.mem = { &pool_mem, p },
		.reclaim = { &pool_reclaim, p },
	};
	uint32_t v = pt_version();
	printf("libpt %u.%u.%u, headers %s\n", (unsigned)(v >> 16), (unsigned)(v >> 8 & 0xff),
	       (unsigned)(v & 0xff), PT_VERSION_STRING);

	struct pt_table t;
	int failed = check(pt_table_create_empty(&t, &env), "pt_table_create_empty");
	if (!failed) {
		failed = map_and_query(&t);
		failed |= check(pt_table_destroy(&t), "pt_table_destroy");
	}
	pool_reclaim.drain(p);
	if (!failed && p->in_use != 0) {
		fprintf(stderr, "%u table frames left after teardown\n", p->in_use);
		failed = 1;
	}
	free(p->frames);
	free(p);
	return failed;
}
