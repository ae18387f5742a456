/* SPDX-License-Identifier: MIT */
/*
 * Replay driver for builds without libFuzzer: runs the target on every file
 * named on the command line, descending into directories.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Run the target on one file; returns the number of inputs run. */
static unsigned run_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		perror(path);
		exit(2);
	}
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, got;
	do {
		if (len == cap && !(buf = realloc(buf, cap = cap * 2 + 4096)))
			abort();
		got = fread(buf + len, 1, cap - len, fp);
		len += got;
	} while (got);
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 1;
}

/* Run every regular file under @path. */
static unsigned run_path(const char *path)
{
	struct stat st;
	if (stat(path, &st)) {
		perror(path);
		exit(2);
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	DIR *d = opendir(path);
	struct dirent *e;
	unsigned n = 0;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		size_t sz = strlen(path) + strlen(e->d_name) + 2;
		char *sub = malloc(sz);
		if (!sub)
			abort();
		snprintf(sub, sz, "%s/%s", path, e->d_name);
		n += run_path(sub);
		free(sub);
	}
	if (d)
		closedir(d);
	return n;
}

int main(int argc, char **argv)
{
	unsigned n = 0;
	for (int i = 1; i < argc; i++)
		n += run_path(argv[i]);
	printf("replayed %u inputs\n", n);
	return 0;
}
