/* SPDX-License-Identifier: MIT */
/* The virt machine's 16550 (polled) and sifive_test exit, through the direct map. */
#include "bm.h"

#define LSR 5
#define LSR_THRE 0x20
#define TEST_FAIL 0x3333u    /* sifive_test: QEMU exits with the code in bits 31:16 */

void kputc(char c)
{
	volatile uint8_t *uart = (volatile uint8_t *)(uintptr_t)(BM_DMAP + BM_UART_PA);
	if (c == '\n')
		kputc('\r');
	while (!(uart[LSR] & LSR_THRE))
		;
	uart[0] = (uint8_t)c;
}

_Noreturn void bm_exit(unsigned code)
{
	volatile uint32_t *test = (volatile uint32_t *)(uintptr_t)(BM_DMAP + BM_TEST_PA);
	*test = code << 16 | TEST_FAIL;
	for (;;)
		__asm__ volatile("wfi");
}
