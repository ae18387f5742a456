/* SPDX-License-Identifier: MIT */
/* Writing JSON values: strings escaped, numbers or null. */
#ifndef PTBENCH_JSON_H
#define PTBENCH_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* "key": */
void json_key(FILE *f, const char *key);
/* @s as a JSON string, or null if @s is NULL. */
void json_str(FILE *f, const char *s);
/* @v as a JSON number if @valid, else null. */
void json_num(FILE *f, double v, bool valid);
/* @v as a JSON integer. */
void json_u64(FILE *f, uint64_t v);
/* true or false. */
void json_bool(FILE *f, bool v);

#endif
