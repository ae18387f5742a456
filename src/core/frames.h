/* SPDX-License-Identifier: MIT */
/* Handing tracked data frames back to the platform, a batch per call where it can. */
#ifndef PT_CORE_FRAMES_H
#define PT_CORE_FRAMES_H

#include <pt/physmem.h>

/* Drop one reference on each of @pa[0 .. nr): one frame_put_many call, or frame_put each. */
static inline void pt_put_frames(const struct pt_physmem *mem, const pt_paddr_t *pa, uint32_t nr)
{
	if (mem->ops->frame_put_many) {
		mem->ops->frame_put_many(mem->ctx, pa, nr);
		return;
	}
	for (uint32_t i = 0; i < nr; i++)
		mem->ops->frame_put(mem->ctx, pa[i]);
}

#endif
