/* SPDX-License-Identifier: MIT */
/* A small printf for the test kernels, over the kernel's kputc. */
#include <stdarg.h>

#include "bm.h"

void kputs(const char *s)
{
	while (*s)
		kputc(*s++);
}

static void put_num(unsigned long long v, unsigned base, int width, char pad)
{
	char buf[24];
	int n = 0;
	do {
		buf[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (n < width--)
		kputc(pad);
	while (n)
		kputc(buf[--n]);
}

static unsigned long long arg_of(va_list *ap, int longs, bool is_signed, bool *neg)
{
	long long s;
	*neg = false;
	if (!is_signed)
		return longs ? va_arg(*ap, unsigned long long) : va_arg(*ap, unsigned);
	s = longs ? va_arg(*ap, long long) : va_arg(*ap, int);
	*neg = s < 0;
	return *neg ? 0ull - (unsigned long long)s : (unsigned long long)s;
}

/* %s %c %d %u %x, with an optional 0/width and l/ll (both 64-bit). */
void kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			kputc(*fmt);
			continue;
		}
		char pad = *++fmt == '0' ? '0' : ' ';
		int width = 0, longs = 0;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l' && ++longs)
			fmt++;
		bool neg;
		if (*fmt == 's') {
			kputs(va_arg(ap, const char *));
		} else if (*fmt == 'c') {
			kputc((char)va_arg(ap, int));
		} else if (*fmt == 'd' || *fmt == 'u' || *fmt == 'x') {
			unsigned long long v = arg_of(&ap, longs, *fmt == 'd', &neg);
			if (neg)
				kputc('-');
			put_num(v, *fmt == 'x' ? 16 : 10, width, pad);
		} else {
			kputc('%');
			if (!*fmt)
				break;
			kputc(*fmt);
		}
	}
	va_end(ap);
}

