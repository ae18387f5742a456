/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: cursor operations on one user table (beside its kernel
 * table), on the format the first byte picks, checked against the model.
 */
#include "world.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	struct fz_world w;
	fz_world_init(&w, fz_format(in_u8(&in)));
	for (unsigned i = 0; i < FZ_MAX_OPS && in_more(&in); i++)
		fz_cursor_op(&w, &in, in_u8(&in), 1);
	fz_world_fini(&w, &in);
	return 0;
}
