/* SPDX-License-Identifier: MIT */
#include "meta.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "ptbench_build.h"
#include "ptbench_commit.h"

unsigned host_cores(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		return (unsigned)CPU_COUNT(&set);
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

double host_free_cores(void)
{
	double load[1];
	if (getloadavg(load, 1) != 1)
		return host_cores();
	double free_cores = host_cores() - load[0];
	return free_cores > 0 ? free_cores : 0;
}

/* The "model name" line of /proc/cpuinfo into @buf, or "unknown". */
static void cpu_model(char *buf, size_t size)
{
	char line[256];
	FILE *f = fopen("/proc/cpuinfo", "r");
	snprintf(buf, size, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		if (strncmp(line, "model name", 10) || !colon)
			continue;
		snprintf(buf, size, "%s", colon + 2);
		buf[strcspn(buf, "\n")] = 0;
		break;
	}
	fclose(f);
}

/* Now, as 2026-01-31T12:00:00Z. */
static void utc_now(char *buf, size_t size)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The command line as one JSON array. */
static void argv_json(FILE *f, const struct bench_opts *o)
{
	fputc('[', f);
	for (int i = 0; i < o->argc; i++) {
		if (i)
			fputc(',', f);
		json_str(f, o->argv[i]);
	}
	fputc(']', f);
}

void meta_json(FILE *f, const struct bench_opts *o)
{
	char cpu[128], when[32];
	double load[3] = { -1, -1, -1 };
	struct utsname un;
	bool have_load = getloadavg(load, 3) == 3;
	cpu_model(cpu, sizeof(cpu));
	utc_now(when, sizeof(when));
	if (uname(&un))
		strcpy(un.release, "unknown");
	fputc('{', f);
	json_key(f, "commit"); json_str(f, PTBENCH_COMMIT);
	fputs(",", f); json_key(f, "compiler"); json_str(f, PTBENCH_COMPILER);
	fputs(",", f); json_key(f, "cflags"); json_str(f, PTBENCH_CFLAGS);
	fputs(",", f); json_key(f, "buildtype"); json_str(f, PTBENCH_BUILDTYPE);
	fputs(",", f); json_key(f, "date"); json_str(f, when);
	fputs(",", f); json_key(f, "kernel"); json_str(f, un.release);
	fputs(",", f); json_key(f, "cpu_model"); json_str(f, cpu);
	fputs(",", f); json_key(f, "host_cores"); json_u64(f, host_cores());
	fputs(",", f); json_key(f, "load_average");
	fputc('[', f);
	for (unsigned i = 0; i < 3; i++) {
		if (i)
			fputc(',', f);
		json_num(f, load[i], have_load);
	}
	fputc(']', f);
	fputs(",", f); json_key(f, "free_cores"); json_num(f, host_free_cores(), true);
	fputs(",", f); json_key(f, "max_threads"); json_u64(f, BENCH_MAX_THREADS);
	fputs(",", f); json_key(f, "size"); json_u64(f, o->sweep ? o->sweep_min : o->size);
	fputs(",", f); json_key(f, "sweep");
	if (o->sweep)
		fprintf(f, "[%llu,%llu]", (unsigned long long)o->sweep_min,
			(unsigned long long)o->sweep_max);
	else
		fputs("null", f);
	fputs(",", f); json_key(f, "repeats"); json_u64(f, o->repeats);
	fputs(",", f); json_key(f, "warmup"); json_u64(f, o->warmup);
	fputs(",", f); json_key(f, "cycles"); json_u64(f, o->cycles);
	fputs(",", f); json_key(f, "urcu"); json_bool(f, o->urcu);
	fputs(",", f); json_key(f, "poison"); json_bool(f, o->poison);
	fputs(",", f); json_key(f, "smoke"); json_bool(f, o->smoke);
	fputs(",", f); json_key(f, "case"); json_str(f, o->only);
	fputs(",", f); json_key(f, "clocks");
	json_str(f, "wall: CLOCK_MONOTONIC around the timed region; cpu: CLOCK_THREAD_CPUTIME_ID "
		    "around each thread's job");
	fputs(",", f); json_key(f, "argv"); argv_json(f, o);
	fputc('}', f);
}

void meta_text(FILE *f, const struct bench_opts *o)
{
	double load[1] = { 0 };
	getloadavg(load, 1);
	fprintf(f, "ptbench %s (%s, %s, %s)\n", PTBENCH_COMMIT, PTBENCH_COMPILER, PTBENCH_CFLAGS,
		PTBENCH_BUILDTYPE);
	fprintf(f, "host: %u cores, load average %.2f, %.1f free; %u warm-up + %u repeats\n",
		host_cores(), load[0], host_free_cores(), o->warmup, o->repeats);
	if (host_free_cores() < BENCH_MAX_THREADS)
		fprintf(f, "WARNING: fewer free cores (%.1f) than the %u threads of the _t2 cases: "
			   "their wall times measure the host, read their CPU times and efficiency\n",
			host_free_cores(), BENCH_MAX_THREADS);
}
