/* SPDX-License-Identifier: MIT */
/* Simulated RAM: sparse backing, allocation, references, poisoning, failure injection. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

static void alloc_is_zeroed_and_counted(void **state)
{
	(void)state;
	struct pt_sim_ram *ram = pt_sim_ram_create(64 * MiB);
	pt_paddr_t t, d;
	assert_int_equal(pt_sim_ram_alloc(ram, PT_FRAME_TABLE, &t), PT_OK);
	assert_int_equal(pt_sim_ram_alloc(ram, PT_FRAME_DATA, &d), PT_OK);
	assert_int_not_equal(t, d);
	assert_int_equal(t & 0xfff, 0);
	uint64_t *p = pt_sim_ram_frame_ptr(ram, d);
	for (unsigned i = 0; i < 512; i++)
		assert_int_equal(p[i], 0);
	struct pt_sim_ram_stats s = pt_sim_ram_stats(ram);
	assert_int_equal(s.tables_in_use, 1);
	assert_int_equal(s.data_in_use, 1);
	assert_int_equal(pt_sim_ram_refcount(ram, d), 1);
	assert_int_equal(pt_sim_ram_kind(ram, t), PT_FRAME_TABLE);
	pt_sim_ram_free_table(ram, t);
	pt_sim_ram_put(ram, d);
	assert_int_equal(pt_sim_ram_stats(ram).frames_in_use, 0);
	pt_sim_ram_destroy(ram);
}

static void last_put_frees_and_poisons(void **state)
{
	(void)state;
	struct pt_sim_ram *ram = pt_sim_ram_create(64 * MiB);
	pt_paddr_t d;
	assert_int_equal(pt_sim_ram_alloc(ram, PT_FRAME_DATA, &d), PT_OK);
	pt_sim_ram_store64(ram, d + 8, 42);
	pt_sim_ram_get(ram, d);
	assert_int_equal(pt_sim_ram_refcount(ram, d), 2);
	pt_sim_ram_put(ram, d);
	assert_false(pt_sim_ram_is_poisoned(ram, d));
	assert_int_equal(pt_sim_ram_load64(ram, d + 8), 42);
	pt_sim_ram_put(ram, d);
	assert_true(pt_sim_ram_is_poisoned(ram, d));
	assert_int_equal(pt_sim_ram_load64(ram, d + 8), PT_RAM_POISON_QWORD);
	assert_int_equal(pt_sim_ram_kind(ram, d), PT_FRAME_FREE);
	pt_sim_ram_destroy(ram);
}

/* put_many is put on each frame: across chunks and batches, shared frames survive. */
static void put_many_is_put_on_each(bool poison)
{
	enum { N = 700 };           /* more than a chunk's 512 frames and more than a batch */
	struct pt_sim_ram *ram = pt_sim_ram_create(4 * MiB);
	pt_sim_ram_set_poison(ram, poison);
	static pt_paddr_t pa[N];
	for (unsigned i = 0; i < N; i++) {
		assert_int_equal(pt_sim_ram_alloc(ram, PT_FRAME_DATA, &pa[i]), PT_OK);
		if (i % 3 == 0)
			pt_sim_ram_get(ram, pa[i]);
	}
	pt_sim_ram_put_many(ram, pa, N);
	unsigned kept = 0;
	for (unsigned i = 0; i < N; i++) {
		bool shared = i % 3 == 0;
		kept += shared;
		assert_int_equal(pt_sim_ram_refcount(ram, pa[i]), shared ? 1 : 0);
		assert_int_equal(pt_sim_ram_kind(ram, pa[i]), shared ? PT_FRAME_DATA : PT_FRAME_FREE);
		assert_int_equal(pt_sim_ram_is_poisoned(ram, pa[i]), poison && !shared);
	}
	assert_int_equal(pt_sim_ram_stats(ram).data_in_use, kept);
	/* Every freed frame comes back once the fresh ones run out (frame 0 is never used). */
	pt_paddr_t again;
	unsigned n = 0;
	while (pt_sim_ram_alloc(ram, PT_FRAME_TABLE, &again) == PT_OK)
		n++;
	assert_int_equal(n, 1023 - kept);
	assert_int_equal(pt_sim_ram_kind(ram, pa[1]), PT_FRAME_TABLE);
	pt_sim_ram_destroy(ram);
}

static void put_many_poisoned(void **state)
{
	(void)state;
	put_many_is_put_on_each(true);
}

static void put_many_unpoisoned(void **state)
{
	(void)state;
	put_many_is_put_on_each(false);
}

/* The frames a caller bug is made on: a freed data frame, a live one, a table. */
struct bug_frames {
	struct pt_sim_ram *ram;
	pt_paddr_t freed, live, table;
};

/* True if @bug, run in a child process, dies of SIGABRT. */
static bool aborts(void (*bug)(const struct bug_frames *), const struct bug_frames *b)
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit none = { 0, 0 };
		setrlimit(RLIMIT_CORE, &none);
		bug(b);
		_exit(0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

static void put_live(const struct bug_frames *b)
{
	pt_sim_ram_put(b->ram, b->live);
}
static void put_live_many(const struct bug_frames *b)
{
	pt_sim_ram_put_many(b->ram, &b->live, 1);
}
static void put_freed(const struct bug_frames *b)
{
	pt_sim_ram_put(b->ram, b->freed);
}
static void put_freed_many(const struct bug_frames *b)
{
	pt_sim_ram_put_many(b->ram, &b->freed, 1);
}
static void put_live_twice_many(const struct bug_frames *b)
{
	pt_paddr_t pa[3] = { b->live, b->live, b->live };
	pt_sim_ram_put_many(b->ram, pa, 3);
}
static void put_live_twice_in_a_row_many(const struct bug_frames *b)
{
	pt_paddr_t pa[2] = { b->live, b->live };
	pt_sim_ram_put_many(b->ram, pa, 2);
}
static void put_table(const struct bug_frames *b)
{
	pt_sim_ram_put(b->ram, b->table);
}
static void put_table_many(const struct bug_frames *b)
{
	pt_paddr_t pa[2] = { b->live, b->table };
	pt_sim_ram_put_many(b->ram, pa, 2);
}
static void put_misaligned(const struct bug_frames *b)
{
	pt_sim_ram_put(b->ram, b->live + 8);
}
static void put_misaligned_many(const struct bug_frames *b)
{
	pt_paddr_t pa[2] = { b->live, b->freed + 8 };
	pt_sim_ram_put_many(b->ram, pa, 2);
}
static void put_past_end(const struct bug_frames *b)
{
	pt_sim_ram_put(b->ram, 64 * MiB);
}
static void put_untouched(const struct bug_frames *b)
{
	pt_sim_ram_put(b->ram, 32 * MiB);
}
static void put_untouched_many(const struct bug_frames *b)
{
	pt_paddr_t pa[2] = { b->live, 32 * MiB };
	pt_sim_ram_put_many(b->ram, pa, 2);
}
static void get_freed(const struct bug_frames *b)
{
	pt_sim_ram_get(b->ram, b->freed);
}
static void get_table(const struct bug_frames *b)
{
	pt_sim_ram_get(b->ram, b->table);
}
static void free_live_as_table(const struct bug_frames *b)
{
	pt_sim_ram_free_table(b->ram, b->live);
}
static void free_table_twice(const struct bug_frames *b)
{
	pt_sim_ram_free_table(b->ram, b->table);
	pt_sim_ram_free_table(b->ram, b->table);
}

/*
 * Every caller bug the RAM catches aborts, whether the put finds the frame
 * in the chunk it last put into or not, poisoning on or off; a correct put
 * in the same state does not.
 */
static void caller_bugs_abort(bool poison)
{
	struct bug_frames b = { .ram = pt_sim_ram_create(64 * MiB) };
	pt_sim_ram_set_poison(b.ram, poison);
	assert_int_equal(pt_sim_ram_alloc(b.ram, PT_FRAME_DATA, &b.freed), PT_OK);
	assert_int_equal(pt_sim_ram_alloc(b.ram, PT_FRAME_DATA, &b.live), PT_OK);
	assert_int_equal(pt_sim_ram_alloc(b.ram, PT_FRAME_TABLE, &b.table), PT_OK);
	pt_sim_ram_put(b.ram, b.freed);     /* leaves the chunk of all three cached */

	assert_false(aborts(put_live, &b));
	assert_false(aborts(put_live_many, &b));
	void (*const bugs[])(const struct bug_frames *) = {
		put_freed, put_freed_many, put_live_twice_many, put_live_twice_in_a_row_many,
		put_table, put_table_many,
		put_misaligned, put_misaligned_many, put_past_end, put_untouched,
		put_untouched_many, get_freed, get_table, free_live_as_table, free_table_twice,
	};
	for (unsigned i = 0; i < sizeof(bugs) / sizeof(bugs[0]); i++) {
		if (!aborts(bugs[i], &b))
			fail_msg("caller bug %u did not abort (poison %d)", i, poison);
	}
	assert_int_equal(pt_sim_ram_refcount(b.ram, b.live), 1);
	pt_sim_ram_put(b.ram, b.live);
	pt_sim_ram_free_table(b.ram, b.table);
	assert_int_equal(pt_sim_ram_stats(b.ram).frames_in_use, 0);
	pt_sim_ram_destroy(b.ram);
}

static void caller_bugs_abort_poisoned(void **state)
{
	(void)state;
	caller_bugs_abort(true);
}

static void caller_bugs_abort_unpoisoned(void **state)
{
	(void)state;
	caller_bugs_abort(false);
}

static void freed_frames_wait_in_quarantine(void **state)
{
	(void)state;
	struct pt_sim_ram *ram = pt_sim_ram_create(64 * MiB);
	pt_paddr_t first, pa;
	assert_int_equal(pt_sim_ram_alloc(ram, PT_FRAME_TABLE, &first), PT_OK);
	pt_sim_ram_free_table(ram, first);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(pt_sim_ram_alloc(ram, PT_FRAME_TABLE, &pa), PT_OK);
		assert_int_not_equal(pa, first);
		pt_sim_ram_free_table(ram, pa);
	}
	pt_sim_ram_destroy(ram);
}

static void fail_nth_allocation(void **state)
{
	(void)state;
	struct pt_sim_ram *ram = pt_sim_ram_create(64 * MiB);
	pt_paddr_t pa[3];
	pt_sim_ram_fail_nth(ram, 3);
	assert_int_equal(pt_sim_ram_alloc(ram, PT_FRAME_TABLE, &pa[0]), PT_OK);
	assert_int_equal(pt_sim_ram_alloc(ram, PT_FRAME_DATA, &pa[1]), PT_OK);
	assert_int_equal(pt_sim_ram_alloc(ram, PT_FRAME_TABLE, &pa[2]), PT_ERR_NOMEM);
	assert_int_equal(pt_sim_ram_alloc(ram, PT_FRAME_TABLE, &pa[2]), PT_OK);
	assert_int_equal(pt_sim_ram_stats(ram).frames_in_use, 3);
	pt_sim_ram_free_table(ram, pa[0]);
	pt_sim_ram_put(ram, pa[1]);
	pt_sim_ram_free_table(ram, pa[2]);
	pt_sim_ram_destroy(ram);
}

static void exhaustion_reports_nomem(void **state)
{
	(void)state;
	struct pt_sim_ram *ram = pt_sim_ram_create(2 * MiB);
	pt_paddr_t pa;
	unsigned n = 0;
	while (pt_sim_ram_alloc(ram, PT_FRAME_DATA, &pa) == PT_OK)
		n++;
	assert_int_equal(n, 511);   /* frame 0 is never handed out */
	pt_sim_ram_destroy(ram);
}

/* Write into frame @i of @pa by one of the paths that can (cycling by @i), or only read it. */
static void touch_frame(struct pt_sim_ram *ram, const pt_paddr_t *pa, unsigned i)
{
	uint64_t expected = 0, word = 0;
	unsigned char byte = 0xa5, buf[16];
	struct pt_physmem pm = pt_sim_ram_physmem(ram);
	switch (i % 6) {
	case 0: ((unsigned char *)pt_sim_ram_frame_ptr(ram, pa[i]))[4095] = 1; break;
	case 1: pt_sim_ram_store64(ram, pa[i] + 8, ~0ull); break;
	case 2: assert_true(pt_sim_ram_cmpxchg64(ram, pa[i] + 16, &expected, 7)); break;
	case 3: assert_true(pt_sim_ram_write(ram, pa[i] + 100, &byte, 1)); break;
	case 4: ((unsigned char *)pm.ops->phys_to_virt(pm.ctx, pa[i] + 2048))[0] = 3; break;
	default:
		word = pt_sim_ram_load64(ram, pa[i]);
		assert_true(pt_sim_ram_read(ram, pa[i] + 8, buf, sizeof(buf)));
		assert_int_equal(word, 0);
	}
}

/* With poisoning off, a frame written by any path is zeroed again when reused. */
static void reused_frames_are_zeroed(void **state)
{
	(void)state;
	struct pt_sim_ram *ram = pt_sim_ram_create(2 * MiB);
	pt_sim_ram_set_poison(ram, false);
	pt_paddr_t pa[511];
	for (unsigned round = 0; round < 2; round++) {
		for (unsigned i = 0; i < 511; i++) {
			assert_int_equal(pt_sim_ram_alloc(ram, i / 6 % 2 ? PT_FRAME_TABLE : PT_FRAME_DATA, &pa[i]), PT_OK);
			uint64_t words[512];   /* read, not frame_ptr: that would mark it written */
			assert_true(pt_sim_ram_read(ram, pa[i], words, sizeof(words)));
			for (unsigned k = 0; k < 512; k++)
				assert_int_equal(words[k], 0);
		}
		for (unsigned i = 0; i < 511; i++)
			touch_frame(ram, pa, i);
		for (unsigned i = 0; i < 511; i++) {
			if (i / 6 % 2)
				pt_sim_ram_free_table(ram, pa[i]);
			else
				pt_sim_ram_put(ram, pa[i]);
		}
	}
	pt_sim_ram_destroy(ram);
}

/*
 * Frames are reused oldest free first, whichever path freed them: put_many
 * (skipping frames someone else still holds), put, free_table.
 */
static void reuse_is_oldest_first(bool poison)
{
	struct pt_sim_ram *ram = pt_sim_ram_create(2 * MiB);
	pt_sim_ram_set_poison(ram, poison);
	pt_paddr_t pa[511], order[511], shared[511];
	unsigned nr_order = 0, nr_shared = 0;
	for (unsigned i = 0; i < 511; i++)
		assert_int_equal(pt_sim_ram_alloc(ram, i % 5 == 4 ? PT_FRAME_TABLE : PT_FRAME_DATA, &pa[i]), PT_OK);
	for (unsigned i = 0; i < 511; i += 5) {
		pt_paddr_t block[4], freed[4];
		unsigned nr = 0, nr_freed = 0;
		for (unsigned k = i; k < i + 4 && k < 511; k++) {
			unsigned j = (k * 10) % 511;         /* a permutation of the frames */
			if (pt_sim_ram_kind(ram, pa[j]) == PT_FRAME_TABLE) {
				pt_sim_ram_free_table(ram, pa[j]);
				order[nr_order++] = pa[j];
				continue;
			}
			if (j % 3 == 0) {
				pt_sim_ram_get(ram, pa[j]);
				shared[nr_shared++] = pa[j];
			} else {
				freed[nr_freed++] = pa[j];
			}
			block[nr++] = pa[j];
		}
		if (nr)
			pt_sim_ram_put_many(ram, block, nr);
		for (unsigned k = 0; k < nr_freed; k++)
			order[nr_order++] = freed[k];
		if (i + 4 < 511) {
			unsigned j = ((i + 4) * 10) % 511;
			if (pt_sim_ram_kind(ram, pa[j]) == PT_FRAME_TABLE)
				pt_sim_ram_free_table(ram, pa[j]);
			else
				pt_sim_ram_put(ram, pa[j]);
			order[nr_order++] = pa[j];
		}
	}
	for (unsigned i = 0; i < nr_shared; i++) {
		assert_int_equal(pt_sim_ram_refcount(ram, shared[i]), 1);
		pt_sim_ram_put(ram, shared[i]);
		order[nr_order++] = shared[i];
	}
	assert_int_equal(nr_order, 511);
	assert_int_equal(pt_sim_ram_stats(ram).frames_in_use, 0);
	for (unsigned i = 0; i < 511; i++) {
		pt_paddr_t got;
		assert_int_equal(pt_sim_ram_refcount(ram, order[i]), 0);
		assert_int_equal(pt_sim_ram_alloc(ram, PT_FRAME_DATA, &got), PT_OK);
		assert_int_equal(got, order[i]);
	}
	pt_paddr_t none;
	assert_int_equal(pt_sim_ram_alloc(ram, PT_FRAME_DATA, &none), PT_ERR_NOMEM);
	pt_sim_ram_destroy(ram);
}

static void reuse_is_oldest_first_poisoned(void **state)
{
	(void)state;
	reuse_is_oldest_first(true);
}

static void reuse_is_oldest_first_unpoisoned(void **state)
{
	(void)state;
	reuse_is_oldest_first(false);
}

static void terabyte_is_sparse(void **state)
{
	(void)state;
	struct pt_sim_ram *ram = pt_sim_ram_create(1ull << 40);
	assert_non_null(ram);
	pt_sim_ram_store64(ram, (1ull << 40) - 8, 0x1122334455667788ull);
	assert_int_equal(pt_sim_ram_load64(ram, (1ull << 40) - 8), 0x1122334455667788ull);
	assert_int_equal(pt_sim_ram_load64(ram, 1ull << 39), 0);
	assert_true(pt_sim_ram_stats(ram).host_bytes < 8 * MiB);
	assert_null(pt_sim_ram_frame_ptr(ram, 1ull << 40));
	pt_sim_ram_destroy(ram);
}

static void byte_copies_cross_frames(void **state)
{
	(void)state;
	struct pt_sim_ram *ram = pt_sim_ram_create(64 * MiB);
	char in[64], out[64];
	for (unsigned i = 0; i < sizeof(in); i++)
		in[i] = (char)i;
	assert_true(pt_sim_ram_write(ram, 0x2000 - 30, in, sizeof(in)));
	assert_true(pt_sim_ram_read(ram, 0x2000 - 30, out, sizeof(out)));
	assert_memory_equal(in, out, sizeof(in));
	assert_false(pt_sim_ram_read(ram, 64 * MiB - 8, out, 16));
	uint64_t expected = 0;
	assert_true(pt_sim_ram_cmpxchg64(ram, 0x3000, &expected, 5));
	assert_false(pt_sim_ram_cmpxchg64(ram, 0x3000, &expected, 6));
	assert_int_equal(expected, 5);
	pt_sim_ram_destroy(ram);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(alloc_is_zeroed_and_counted),
		cmocka_unit_test(last_put_frees_and_poisons),
		cmocka_unit_test(freed_frames_wait_in_quarantine),
		cmocka_unit_test(put_many_poisoned),
		cmocka_unit_test(put_many_unpoisoned),
		cmocka_unit_test(caller_bugs_abort_poisoned),
		cmocka_unit_test(caller_bugs_abort_unpoisoned),
		cmocka_unit_test(fail_nth_allocation),
		cmocka_unit_test(exhaustion_reports_nomem),
		cmocka_unit_test(reused_frames_are_zeroed),
		cmocka_unit_test(reuse_is_oldest_first_poisoned),
		cmocka_unit_test(reuse_is_oldest_first_unpoisoned),
		cmocka_unit_test(terabyte_is_sparse),
		cmocka_unit_test(byte_copies_cross_frames),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
