/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the ptsim scenario parser and engine. Any input is a scenario;
 * it must neither crash nor leak, whatever it says (input errors, failed
 * commands and expectations are ordinary outcomes). RAM is capped so that a
 * scenario cannot ask for more host memory or time than a run can spare.
 */
#include <stdint.h>
#include <stdio.h>

#include "ptsim.h"

#define MAX_INPUT (1u << 20)
#define MAX_RAM (16ull << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	if (size == 0 || size > MAX_INPUT)
		return 0;
	if (!sink && !(sink = fopen("/dev/null", "w")))
		return 0;
	FILE *in = fmemopen((void *)data, size, "r");
	if (!in)
		return 0;
	struct sim s;
	ptsim_init(&s, sink, sink);
	s.ram_size = s.max_ram = MAX_RAM;
	ptsim_run(&s, in, "fuzz");
	fclose(in);
	return 0;
}
