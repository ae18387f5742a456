/* SPDX-License-Identifier: MIT */
#include "input.h"

uint8_t in_u8(struct fz_in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

uint64_t in_u64(struct fz_in *in)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)in_u8(in) << (8 * i);
	return v;
}

bool in_more(const struct fz_in *in)
{
	return in->n != 0;
}

static const unsigned small[4] = { 0, 1, 2, 511 };

pt_vaddr_t in_va(struct fz_in *in, const struct mtree *m)
{
	const struct pt_format *f = m->f;
	uint8_t b = in_u8(in), c = in_u8(in);
	if (b == 0xff)
		return in_u64(in);
	uint64_t top = m_size(f, f->levels);
	uint64_t slots = m->va_size / top;
	uint64_t s = (b & 3) == 3 ? slots - 1 : (b & 3);
	pt_vaddr_t va = m->va_lo + s * top;
	va += small[(b >> 2) & 3] * m_size(f, 3) * (f->levels > 3);
	va += small[(b >> 4) & 3] * m_size(f, 2);
	va += (uint64_t)((c & 0x80) ? 511u - (c & 3u) : (c & 0x0fu)) * m_size(f, 1);
	if (b & 0x40)
		va += (uint64_t)small[(b >> 6) & 1] * m_size(f, 4) * (f->levels > 4);
	return va;
}

uint64_t in_len(struct fz_in *in, const struct pt_format *f)
{
	uint8_t b = in_u8(in);
	static const unsigned unit_level[4] = { 1, 2, 3, 4 };
	uint64_t len = (uint64_t)(((b >> 2) & 7) + 1) * m_size(f, unit_level[b >> 6]);
	switch (b & 3) {
	case 1:
		return len + PT_PAGE_SIZE;
	case 2:
		return len - PT_PAGE_SIZE;
	case 3:
		return (b & 0x20) ? in_u64(in) : len + 1;
	default:
		return len;
	}
}

pt_paddr_t in_pa(struct fz_in *in, const struct pt_format *f)
{
	uint8_t b = in_u8(in);
	if (b == 0xff)
		return in_u64(in);
	if (b == 0xfe)
		return ((uint64_t)1 << f->pa_bits) - m_size(f, 2);
	return (b & 7) * m_size(f, 3) + ((b >> 3) & 3) * m_size(f, 2) +
	       ((b >> 5) & 7) * m_size(f, 1);
}

static const uint16_t common_flags[8] = {
	PT_R, PT_RW, PT_RX, PT_RWX, PT_RW | PT_USER, PT_R | PT_USER, 0, PT_W,
};

struct pt_prop in_prop(struct fz_in *in)
{
	uint8_t b = in_u8(in), c = in_u8(in);
	uint16_t flags = common_flags[b & 7];
	if (b & 0x08)
		flags |= PT_ACCESSED | PT_DIRTY;
	if (b & 0x10)
		flags |= PT_GLOBAL;
	if (b & 0x20)
		flags |= PT_SW0 | PT_SW1;
	if ((b & 0xc0) == 0xc0)
		flags |= (uint16_t)(1u << (9 + (c & 7)));
	if ((b & 0xc0) == 0x40)
		flags |= PT_X;   /* with PT_USER: user-executable pages */
	return pt_prop_make(flags, (enum pt_cache)(c < 0xf0 ? c % PT_CACHE__COUNT : c & 0x0f));
}

struct pt_protect in_protect(struct fz_in *in)
{
	uint8_t b = in_u8(in), c = in_u8(in);
	struct pt_protect op = { 0, 0, -1 };
	op.clear = (uint16_t)(((b & 1) ? PT_W : 0) | ((b & 2) ? PT_X : 0) | ((b & 4) ? PT_R : 0));
	op.set = (uint16_t)(((b & 8) ? PT_W : 0) | ((b & 16) ? PT_ACCESSED | PT_DIRTY : 0) |
			    ((b & 32) ? PT_GLOBAL : 0) | ((b & 64) ? PT_SW0 | PT_R : 0));
	if (b & 0x80)
		op.set |= (uint16_t)(1u << (9 + (c & 7)));
	if (c >= 0x80)
		op.cache = (int8_t)(c >= 0xf8 ? (int)c - 256 : (c % 8) - 1);
	return op;
}

uint64_t in_fail_at(struct fz_in *in)
{
	uint8_t b = in_u8(in);
	return b >= 0xe0 ? (b & 7u) + 1u : 0;
}
