/* SPDX-License-Identifier: MIT */
/* The machine: configuration, RAM ownership, CPUs, and entering/leaving them. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include <pt/sim/ram.h>

#define DEFAULT_RAM (64ull << 20)
#define DEFAULT_MAXPHYADDR 46

static _Thread_local struct pt_sim_cpu *tl_cpu;

static void cpu_reset(struct pt_sim_cpu *cpu, const struct pt_sim_machine_config *cfg)
{
	memset(&cpu->r, 0, sizeof(cpu->r));
	cpu->r.cr0 = PT_SIM_CR0_PE | PT_SIM_CR0_WP | PT_SIM_CR0_PG;
	cpu->r.cr4 = PT_SIM_CR4_PAE | PT_SIM_CR4_PGE | (cfg->la57 ? PT_SIM_CR4_LA57 : 0);
	cpu->r.efer = PT_SIM_EFER_LME | PT_SIM_EFER_LMA | PT_SIM_EFER_NXE;
	cpu->r.pat = PT_SIM_PAT_DEFAULT;
	cpu->rng = (cfg->seed ^ 0x2545F4914F6CDD1Dull) * (cpu->idx + 1) | 1;
}

static bool cpu_init(struct pt_sim_machine *m, unsigned idx)
{
	struct pt_sim_cpu *cpu = &m->cpus[idx];
	cpu->m = m;
	cpu->idx = idx;
	cpu_reset(cpu, &m->cfg);
	cpu->pcid_root = calloc(PT_SIM_NR_PCIDS, sizeof(*cpu->pcid_root));
	if (!cpu->pcid_root || !pt_sim_cache_init(&cpu->cache)) {
		free(cpu->pcid_root);
		return false;
	}
	pthread_mutex_init(&cpu->lock, NULL);
	pthread_mutex_init(&cpu->ipi_lock, NULL);
	pthread_mutex_init(&cpu->qlock, NULL);
	atomic_init(&cpu->posted, 0);
	atomic_init(&cpu->done, 0);
	atomic_init(&cpu->entered, false);
	return true;
}

static void cpu_fini(struct pt_sim_cpu *cpu)
{
	pt_sim_ipi_fini(cpu);
	pt_sim_cache_fini(&cpu->cache);
	free(cpu->pcid_root);
	pthread_mutex_destroy(&cpu->lock);
	pthread_mutex_destroy(&cpu->ipi_lock);
	pthread_mutex_destroy(&cpu->qlock);
}

static bool config_fix(struct pt_sim_machine_config *c)
{
	if (c->nr_cpus == 0)
		c->nr_cpus = 1;
	if (c->maxphyaddr == 0)
		c->maxphyaddr = DEFAULT_MAXPHYADDR;
	if (!c->ram && c->ram_size == 0)
		c->ram_size = DEFAULT_RAM;
	return c->nr_cpus <= PT_MAX_CPUS && c->maxphyaddr >= 32 &&
	       c->maxphyaddr <= PT_SIM_ADDR_BITS_MAX;
}

static bool machine_init(struct pt_sim_machine *m, const struct pt_sim_machine_config *cfg)
{
	m->cfg = *cfg;
	if (!config_fix(&m->cfg))
		return false;
	m->ram = m->cfg.ram;
	if (!m->ram) {
		m->ram = pt_sim_ram_create(m->cfg.ram_size);
		m->own_ram = true;
		if (!m->ram)
			return false;
	}
	uint64_t below_m = (1ull << m->cfg.maxphyaddr) - 1;
	m->addr_mask = below_m & ~0xfffull;
	m->rsvd_addr = ((1ull << PT_SIM_ADDR_BITS_MAX) - 1) & ~below_m;
	atomic_init(&m->epoch, 0);
	pthread_mutex_init(&m->wait_lock, NULL);
	pthread_cond_init(&m->wait_cond, NULL);
	pthread_mutex_init(&m->snap_lock, NULL);
	return true;
}

struct pt_sim_machine *pt_sim_machine_create(const struct pt_sim_machine_config *cfg)
{
	struct pt_sim_machine_config zero;
	if (!cfg) {
		memset(&zero, 0, sizeof(zero));
		cfg = &zero;
	}
	struct pt_sim_machine *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	if (!machine_init(m, cfg)) {
		free(m);
		return NULL;
	}
	m->cpus = calloc(m->cfg.nr_cpus, sizeof(*m->cpus));
	for (unsigned i = 0; m->cpus && i < m->cfg.nr_cpus; i++) {
		if (!cpu_init(m, i)) {
			m->nr_cpus = i;
			pt_sim_machine_destroy(m);
			return NULL;
		}
		m->nr_cpus = i + 1;
	}
	if (!m->cpus) {
		pt_sim_machine_destroy(m);
		return NULL;
	}
	return m;
}

void pt_sim_machine_destroy(struct pt_sim_machine *m)
{
	if (!m)
		return;
	for (unsigned i = 0; i < m->nr_cpus; i++)
		cpu_fini(&m->cpus[i]);
	free(m->cpus);
	if (m->own_ram)
		pt_sim_ram_destroy(m->ram);
	pthread_mutex_destroy(&m->wait_lock);
	pthread_cond_destroy(&m->wait_cond);
	pthread_mutex_destroy(&m->snap_lock);
	free(m);
}

struct pt_sim_ram *pt_sim_machine_ram(struct pt_sim_machine *m)
{
	return m->ram;
}

unsigned pt_sim_machine_nr_cpus(const struct pt_sim_machine *m)
{
	return m->nr_cpus;
}

struct pt_sim_cpu *pt_sim_machine_cpu(struct pt_sim_machine *m, unsigned idx)
{
	return idx < m->nr_cpus ? &m->cpus[idx] : NULL;
}

struct pt_sim_machine *pt_sim_cpu_machine(struct pt_sim_cpu *cpu)
{
	return cpu->m;
}

struct pt_sim_cpu *pt_sim_cpu_enter(struct pt_sim_machine *m, unsigned idx)
{
	if (idx >= m->nr_cpus || tl_cpu)
		return NULL;
	struct pt_sim_cpu *cpu = &m->cpus[idx];
	bool expected = false;
	if (!atomic_compare_exchange_strong(&cpu->entered, &expected, true))
		return NULL;
	tl_cpu = cpu;
	/* A waiter may be running our handlers: wait for it, then run the rest. */
	pthread_mutex_lock(&cpu->ipi_lock);
	pthread_mutex_unlock(&cpu->ipi_lock);
	pt_sim_ipi_drain(cpu);
	return cpu;
}

void pt_sim_cpu_leave(struct pt_sim_cpu *cpu)
{
	if (tl_cpu == cpu)
		tl_cpu = NULL;
	atomic_store(&cpu->entered, false);
	pt_sim_machine_kick(cpu->m);
}

struct pt_sim_cpu *pt_sim_cpu_current(void)
{
	return tl_cpu;
}

void pt_sim_machine_set_walk_hook(struct pt_sim_machine *m, pt_sim_walk_hook_fn fn, void *arg)
{
	m->hook = fn;
	m->hook_arg = arg;
}
