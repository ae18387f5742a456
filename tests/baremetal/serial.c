/* SPDX-License-Identifier: MIT */
/* COM1 output (16550, 115200 8N1, polled) and the exit port; kprintf is common/kprintf.c. */
#include "bm.h"

#define COM1 0x3f8
#define DEBUG_EXIT 0xf4

void serial_init(void)
{
	outb(COM1 + 1, 0x00);   /* no interrupts */
	outb(COM1 + 3, 0x80);   /* DLAB */
	outb(COM1 + 0, 0x01);   /* divisor 1: 115200 */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03);   /* 8N1 */
	outb(COM1 + 2, 0xc7);   /* FIFO on, cleared */
	outb(COM1 + 4, 0x03);
}

void kputc(char c)
{
	if (c == '\n')
		kputc('\r');
	while (!(inb(COM1 + 5) & 0x20))
		;
	outb(COM1, (uint8_t)c);
}

_Noreturn void bm_exit(unsigned code)
{
	outb(DEBUG_EXIT, (uint8_t)code);
	for (;;)
		__asm__ volatile("cli; hlt");
}
