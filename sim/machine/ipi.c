/* SPDX-License-Identifier: MIT */
/*
 * Inter-processor interrupts between passive CPUs. Each CPU has a FIFO of
 * handlers; whoever owns the CPU for a moment (the thread on it, or a waiter
 * acting for a CPU no thread is on) drains it under ipi_lock. Waiters sleep on
 * one machine condition variable, woken by every post, completion and leave,
 * so nothing spins on a thread that may not run.
 */
#include <stdlib.h>

#include "internal.h"

void sim_machine_kick(struct sim_machine *m)
{
	pthread_mutex_lock(&m->wait_lock);
	m->gen++;
	pthread_cond_broadcast(&m->wait_cond);
	pthread_mutex_unlock(&m->wait_lock);
}

bool sim_cpu_post_ipi(struct sim_machine *m, unsigned target, sim_ipi_fn fn, void *arg)
{
	if (target >= m->nr_cpus || !fn)
		return false;
	struct sim_ipi *ipi = malloc(sizeof(*ipi));
	if (!ipi)
		return false;
	struct sim_cpu *cpu = &m->cpus[target];
	ipi->fn = fn;
	ipi->arg = arg;
	ipi->next = NULL;
	pthread_mutex_lock(&cpu->qlock);
	if (cpu->qtail)
		cpu->qtail->next = ipi;
	else
		cpu->qhead = ipi;
	cpu->qtail = ipi;
	atomic_fetch_add(&cpu->posted, 1);
	pthread_mutex_unlock(&cpu->qlock);
	sim_machine_kick(m);
	return true;
}

static struct sim_ipi *pop(struct sim_cpu *cpu)
{
	pthread_mutex_lock(&cpu->qlock);
	struct sim_ipi *ipi = cpu->qhead;
	if (ipi) {
		cpu->qhead = ipi->next;
		if (!cpu->qhead)
			cpu->qtail = NULL;
	}
	pthread_mutex_unlock(&cpu->qlock);
	return ipi;
}

void sim_ipi_drain(struct sim_cpu *cpu)
{
	if (pthread_mutex_trylock(&cpu->ipi_lock))
		return;         /* someone is already running this CPU's handlers */
	struct sim_ipi *ipi;
	bool handled = false;
	while ((ipi = pop(cpu))) {
		ipi->fn(cpu, ipi->arg);
		free(ipi);
		pthread_mutex_lock(&cpu->lock);
		cpu->cnt.ipis++;
		pthread_mutex_unlock(&cpu->lock);
		atomic_fetch_add(&cpu->done, 1);
		handled = true;
		sim_machine_kick(cpu->m);
	}
	pthread_mutex_unlock(&cpu->ipi_lock);
	/* A waiter whose trylock failed while we held the lock sleeps until a kick;
	 * it needs one only if something is left to do. Kicking when nothing
	 * changed would wake every waiter, who drain and kick again: a storm. */
	if (handled || atomic_load(&cpu->done) != atomic_load(&cpu->posted))
		sim_machine_kick(cpu->m);
}

void sim_cpu_handle_ipis(struct sim_cpu *cpu)
{
	sim_ipi_drain(cpu);
}

void sim_ipi_fini(struct sim_cpu *cpu)
{
	struct sim_ipi *ipi;
	while ((ipi = pop(cpu)))
		free(ipi);
}

/* One pass: drain what this thread may; true once every goal is met. */
static bool wait_pass(struct sim_machine *m, pt_cpumask_t cpus, const uint64_t *goal)
{
	struct sim_cpu *self = sim_cpu_current();
	bool all = true;

	if (self && self->m == m)
		sim_ipi_drain(self);
	for (unsigned i = 0; i < m->nr_cpus; i++) {
		if (!(cpus >> i & 1))
			continue;
		struct sim_cpu *cpu = &m->cpus[i];
		if (atomic_load(&cpu->done) >= goal[i])
			continue;
		if (!atomic_load(&cpu->entered) || cpu == self)
			sim_ipi_drain(cpu);
		if (atomic_load(&cpu->done) < goal[i])
			all = false;
	}
	return all;
}

void sim_machine_wait_ipis(struct sim_machine *m, pt_cpumask_t cpus)
{
	uint64_t goal[PT_MAX_CPUS] = { 0 };

	for (unsigned i = 0; i < m->nr_cpus; i++)
		if (cpus >> i & 1)
			goal[i] = atomic_load(&m->cpus[i].posted);
	for (;;) {
		pthread_mutex_lock(&m->wait_lock);
		uint64_t gen = m->gen;
		pthread_mutex_unlock(&m->wait_lock);
		if (wait_pass(m, cpus, goal))
			return;
		pthread_mutex_lock(&m->wait_lock);
		while (m->gen == gen)
			pthread_cond_wait(&m->wait_cond, &m->wait_lock);
		pthread_mutex_unlock(&m->wait_lock);
	}
}
