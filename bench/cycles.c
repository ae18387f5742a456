/* SPDX-License-Identifier: MIT */
#include "cycles.h"

#include <string.h>

#include "fixture.h"
#include "ops.h"
#include "runner.h"

static const struct case_def cycles_case = {
	.name = "cycles_4k", .threads = 1, .level = 1, .pa_mode = PA_OFF_4K,
	.run = lp_map_range, .check = check_unmapped,
};

/* One map/unmap cycle; the table frames in use after the map and after the unmap. */
static const char *cycle(struct fixture *fx, uint64_t *mapped, uint64_t *unmapped)
{
	struct job *j = &fx->jobs[0];
	lp_map_range(j);
	*mapped = pt_sim_ram_stats(fx->ram).tables_in_use;
	lp_unmap(j);
	fx_drain(fx);
	*unmapped = pt_sim_ram_stats(fx->ram).tables_in_use;
	return j->fail;
}

/* The cycles themselves, on an open fixture with a table. */
static const char *cycles_loop(struct fixture *fx, struct cycles_result *cr)
{
	for (unsigned i = 0; i < cr->cycles; i++) {
		uint64_t mapped, unmapped;
		const char *why = cycle(fx, &mapped, &unmapped);
		if (why)
			return why;
		if (i == 0) {
			cr->tables_mapped = mapped;
			cr->tables_unmapped = unmapped;
		} else if (mapped > cr->tables_mapped || unmapped > cr->tables_unmapped) {
			return "table frames grew over map/unmap cycles";
		}
	}
	return check_unmapped(&fx->jobs[0]);
}

void run_cycles(const struct bench_opts *o, struct cycles_result *cr)
{
	struct fixture fx;
	memset(cr, 0, sizeof(*cr));
	cr->cycles = o->cycles;
	if (!fx_open(&fx, &cycles_case, o)) {
		cr->fail = "out of host memory";
		return;
	}
	cr->pages = fx.jobs[0].pages;
	cr->fail = fx_begin(&fx);
	uint64_t t0 = bench_now_ns(), c0 = bench_thread_cpu_ns();
	if (!cr->fail)
		cr->fail = cycles_loop(&fx, cr);
	cr->ns = bench_now_ns() - t0;
	cr->cpu_ns = bench_thread_cpu_ns() - c0;
	const char *why = fx_end(&fx);
	if (!cr->fail)
		cr->fail = why;
	fx_close(&fx);
	cr->peak_tables = fx.table_frames;
	cr->frames_left = fx.frames_left;
}
