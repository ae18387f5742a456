/* SPDX-License-Identifier: MIT */
/*
 * The README's example as a whole program (pkg-config pt-sim): a kernel and
 * a user table on simulated RAM, 8 MiB mapped as 2 MiB pages, one address
 * translated back, then everything torn down and checked to be freed.
 */
#include <stdio.h>

#include <pt/pt.h>
#include <pt/sim/env.h>
#include <pt/sim/ram.h>

static int check(enum pt_err err, const char *what)
{
	if (err == PT_OK)
		return 0;
	fprintf(stderr, "%s: %s\n", what, pt_strerror(err));
	return 1;
}

static int map(struct pt_table *user)
{
	struct pt_cursor_mut m;
	if (check(pt_cursor_mut_new(&m, user, 0x400000, 8 << 20), "pt_cursor_mut_new"))
		return 1;                                               /* lock the range */
	enum pt_err err = pt_cursor_map_range(&m, 0x40000000, 8 << 20,
					      pt_prop_make(PT_RW | PT_USER, PT_CACHE_WB));
	pt_cursor_mut_drop(&m);                                         /* 2 MiB pages */
	return check(err, "pt_cursor_map_range");
}

static int translate(struct pt_table *user, pt_vaddr_t va, pt_paddr_t want)
{
	struct pt_cursor c;
	if (check(pt_cursor_new(&c, user, va & ~(PT_PAGE_SIZE - 1), PT_PAGE_SIZE), "pt_cursor_new"))
		return 1;
	struct pt_query q;
	enum pt_err err = pt_cursor_query(&c, &q);
	pt_cursor_drop(&c);
	if (check(err, "pt_cursor_query"))
		return 1;
	pt_paddr_t pa = q.item.pa + (va - q.va);
	if (!q.mapped || q.item.level != 2 || pa != want) {
		fprintf(stderr, "%#llx: expected %#llx in a 2 MiB page\n",
			(unsigned long long)va, (unsigned long long)want);
		return 1;
	}
	printf("%#llx -> %#llx (%llu MiB page)\n", (unsigned long long)va,
	       (unsigned long long)pa, (unsigned long long)(q.len >> 20));
	return 0;
}

int main(void)
{
	struct pt_sim_ram *ram = pt_sim_ram_create(4ull << 30);
	if (!ram) {
		fprintf(stderr, "pt_sim_ram_create: out of host memory\n");
		return 1;
	}
	struct pt_env env = pt_sim_env(&pt_format_x86_64_4level, ram);
	struct pt_table kernel, user;
	int failed = check(pt_table_create_kernel(&kernel, &env), "pt_table_create_kernel");
	if (!failed) {
		failed = check(pt_table_create_user(&user, &kernel), "pt_table_create_user");
		if (!failed) {
			failed = map(&user) || translate(&user, 0x623456, 0x40223456);
			failed |= check(pt_table_destroy(&user), "pt_table_destroy(user)");
		}
		failed |= check(pt_table_destroy(&kernel), "pt_table_destroy(kernel)");
	}
	env.reclaim.ops->drain(env.reclaim.ctx);   /* run the deferred frees */
	uint64_t left = pt_sim_ram_stats(ram).frames_in_use;
	if (left) {
		fprintf(stderr, "%llu frames left after teardown\n", (unsigned long long)left);
		failed = 1;
	}
	pt_sim_ram_destroy(ram);
	return failed;
}
