/* SPDX-License-Identifier: MIT */
/* The virt machine's PL011 (polled) through the direct map; exit by semihosting. */
#include "bm.h"

#define UARTFR 0x18
#define UARTFR_TXFF 0x20
#define SYS_EXIT 0x18
#define ADP_STOPPED_APPLICATION_EXIT 0x20026ull

void kputc(char c)
{
	volatile uint32_t *uart = (volatile uint32_t *)(uintptr_t)(BM_DMAP + BM_UART_PA);
	if (c == '\n')
		kputc('\r');
	while (uart[UARTFR / 4] & UARTFR_TXFF)
		;
	uart[0] = (uint8_t)c;
}

/* SYS_EXIT with a parameter block (AArch64): QEMU -semihosting exits with @code. */
_Noreturn void bm_exit(unsigned code)
{
	static volatile uint64_t block[2];
	block[0] = ADP_STOPPED_APPLICATION_EXIT;
	block[1] = code;
	register uint64_t x0 __asm__("x0") = SYS_EXIT;
	register uint64_t x1 __asm__("x1") = (uint64_t)(uintptr_t)block;
	__asm__ volatile("hlt #0xf000" : : "r"(x0), "r"(x1) : "memory");
	for (;;)
		__asm__ volatile("wfi");
}
