/* SPDX-License-Identifier: MIT */
/* Translation checks on a sample of each job's pages. */
#include "ops.h"

#include "fixture.h"

#define SAMPLES 64

/* Page @k of SAMPLES spread over the job, the last one included. */
static uint64_t sample(const struct job *j, unsigned k)
{
	if (k == SAMPLES - 1)
		return j->pages - 1;
	return (uint64_t)k * j->pages / SAMPLES;
}

/* Check that each sampled page maps as it should, with W iff @writable. */
static const char *check_pages(struct job *j, bool writable)
{
	for (unsigned k = 0; k < SAMPLES; k++) {
		uint64_t i = sample(j, k);
		pt_paddr_t pa;
		struct pt_item leaf;
		if (!fx_translate(j->fx, job_page_va(j, i), &pa, &leaf))
			return "a page is not mapped";
		if (pa != job_page_pa(j, i))
			return "a page translates to the wrong physical address";
		if (leaf.level != j->level)
			return "a page is mapped at the wrong level";
		if (leaf.tracked != j->tracked)
			return "a page has the wrong tracked bit";
		if (!(leaf.prop.flags & PT_R) || !!(leaf.prop.flags & PT_W) != writable)
			return "a page has the wrong rights";
	}
	return NULL;
}

const char *check_mapped(struct job *j)
{
	return j->fail ? j->fail : check_pages(j, true);
}

const char *check_protected(struct job *j)
{
	return j->fail ? j->fail : check_pages(j, false);
}

const char *check_unmapped(struct job *j)
{
	if (j->fail)
		return j->fail;
	for (unsigned k = 0; k < SAMPLES; k++) {
		pt_paddr_t pa;
		struct pt_item leaf;
		if (fx_translate(j->fx, job_page_va(j, sample(j, k)), &pa, &leaf))
			return "a page is still mapped after unmap";
	}
	return NULL;
}

const char *check_scanned(struct job *j)
{
	if (!j->fail && j->counted != j->pages)
		return "the scan found a wrong number of leaves";
	return check_mapped(j);
}
