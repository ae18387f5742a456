/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: tables on a simulated machine of 1-4 CPUs, optionally with
 * PCIDs. Activation, map, unmap, protect (user and kernel), fork and
 * copy-on-write faults, accesses and prefetches on any CPU; after every
 * operation the TLBs are coherent and the frame counts match the model, and
 * every access agrees with it.
 */
#include "machine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fm_world w;    /* ~300 KiB: not on the stack */
	struct fz_in in = { data, size };
	uint8_t hdr = in_u8(&in);
	fm_init(&w, hdr, in_u8(&in));
	for (unsigned i = 0; i < FM_MAX_OPS && in_more(&in); i++)
		fm_op(&w, &in, in_u8(&in));
	fm_fini(&w);
	return 0;
}
