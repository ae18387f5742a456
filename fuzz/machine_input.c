/* SPDX-License-Identifier: MIT */
/* Argument decoding for the machine fuzzer: model pages, counts, tables. */
#include "machine_input.h"

unsigned fm_in_page(struct fz_in *in)
{
	uint8_t b = in_u8(in), c = in_u8(in);
	if (!(b & 1))
		return c % FM_SMALL;
	unsigned off = (c & 0x80) ? 511u - (c & 7u) : (c & 0x40) ? (c & 0x3fu) * 8u : c & 0x3fu;
	return FM_SMALL + ((b >> 1) & 3u) * 512u + off;
}

unsigned fm_in_count(struct fz_in *in, unsigned idx)
{
	uint8_t b = in_u8(in);
	unsigned n = (b & 0x80) ? ((b & 3u) + 1u) * 512u : (b & 0x3fu) + 1u;
	unsigned end = idx < FM_SMALL ? FM_SMALL : FM_PAGES;
	return n > end - idx ? end - idx : n;
}

int fm_in_user(const struct fm_world *w, struct fz_in *in)
{
	return 1 + (int)(in_u8(in) % w->nr_users);
}

int fm_in_table(const struct fm_world *w, struct fz_in *in)
{
	return (int)(in_u8(in) % (w->nr_users + 1));
}
