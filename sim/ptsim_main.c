/* SPDX-License-Identifier: MIT */
/* ptsim's command line: options, the scenario file, the exit status. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ptsim.h"

#ifndef PTSIM_VERSION
#define PTSIM_VERSION "unknown"
#endif

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "ptsim: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see ptsim --help)\n");
	return PTSIM_INPUT;
}

static FILE *open_scenario(const char *path)
{
	struct stat st;
	FILE *in = fopen(path, "r");
	if (!in) {
		fprintf(stderr, "ptsim: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(in), &st) == 0 && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "ptsim: %s: is a directory (expected a scenario file)\n", path);
		fclose(in);
		return NULL;
	}
	return in;
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	bool options = true;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (options && (!strcmp(a, "--help") || !strcmp(a, "-h"))) {
			ptsim_usage(stdout);
			return PTSIM_OK;
		}
		if (options && (!strcmp(a, "--version") || !strcmp(a, "-V"))) {
			printf("ptsim (libpt) %s\n", PTSIM_VERSION);
			return PTSIM_OK;
		}
		if (options && !strcmp(a, "--")) {
			options = false;
			continue;
		}
		if (options && a[0] == '-' && a[1])
			return usage_error("unknown option '%s'", a);
		if (path)
			return usage_error("one scenario file at most ('%s' is a second)", a);
		path = a;
	}
	FILE *in = stdin;
	if (path && strcmp(path, "-") && !(in = open_scenario(path)))
		return PTSIM_INPUT;
	struct sim s;
	ptsim_init(&s, stdout, stderr);
	int status = ptsim_run(&s, in, path ? path : "-");
	if (in != stdin)
		fclose(in);
	return status;
}
