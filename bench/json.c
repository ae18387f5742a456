/* SPDX-License-Identifier: MIT */
#include "json.h"

#include <math.h>

void json_key(FILE *f, const char *key)
{
	json_str(f, key);
	fputc(':', f);
}

void json_str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void json_num(FILE *f, double v, bool valid)
{
	if (!valid || isnan(v) || isinf(v))
		fputs("null", f);
	else
		fprintf(f, "%.9g", v);
}

void json_u64(FILE *f, uint64_t v)
{
	fprintf(f, "%llu", (unsigned long long)v);
}

void json_bool(FILE *f, bool v)
{
	fputs(v ? "true" : "false", f);
}
