/* SPDX-License-Identifier: MIT */
/* The one thing the kernel reads from the device tree: /chosen/bootargs (QEMU -append). */
#include "fdt.h"

#define FDT_MAGIC 0xd00dfeedu
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE 2u
#define FDT_PROP 3u
#define FDT_NOP 4u

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static unsigned str_len(const char *s)
{
	unsigned n = 0;
	while (s[n])
		n++;
	return n;
}

const char *fdt_bootargs(const void *fdt)
{
	const uint8_t *h = fdt;
	if (!h || be32(h) != FDT_MAGIC)
		return "";
	const uint8_t *p = h + be32(h + 8), *end = p + be32(h + 36);
	const char *strings = (const char *)h + be32(h + 12);
	int depth = 0;
	bool in_chosen = false;
	while (p < end) {
		uint32_t tok = be32(p);
		p += 4;
		if (tok == FDT_BEGIN_NODE) {
			const char *name = (const char *)p;
			depth++;
			if (depth == 2)
				in_chosen = str_eq(name, "chosen");
			p += (str_len(name) + 4) & ~3u;
		} else if (tok == FDT_END_NODE) {
			if (depth-- == 2)
				in_chosen = false;
		} else if (tok == FDT_PROP) {
			uint32_t len = be32(p), name = be32(p + 4);
			if (in_chosen && str_eq(strings + name, "bootargs"))
				return (const char *)p + 8;
			p += 8 + ((len + 3) & ~3u);
		} else if (tok != FDT_NOP) {
			break;
		}
	}
	return "";
}
