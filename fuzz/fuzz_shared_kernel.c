/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: a kernel table and several user tables sharing its half,
 * shallow copies, kernel and user mappings through cursors, destruction in
 * any order (the rest of the input orders the final teardown).
 */
#include "world.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void table_op(struct fz_world *w, struct fz_in *in, uint8_t code)
{
	w->op_no++;
	switch (code % 3) {
	case 0: fz_op_create_user(w, in); break;
	case 1: fz_op_shallow_copy(w, in); break;
	default: fz_op_destroy(w, in); break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	struct fz_world w;
	fz_world_init(&w, fz_format(in_u8(&in)));
	for (unsigned i = 0; i < FZ_MAX_OPS && in_more(&in); i++) {
		uint8_t code = in_u8(&in);
		if (code >= 0xd0)
			table_op(&w, &in, code);
		else
			fz_cursor_op(&w, &in, code, in_u8(&in) % FZ_HANDLES);
	}
	fz_world_fini(&w, &in);
	return 0;
}
