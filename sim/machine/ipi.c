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

void pt_sim_machine_kick(struct pt_sim_machine *m)
{
	pthread_mutex_lock(&m->wait_lock);
	m->gen++;
	pthread_cond_broadcast(&m->wait_cond);
	pthread_mutex_unlock(&m->wait_lock);
}

bool pt_sim_cpu_post_ipi(struct pt_sim_machine *m, unsigned target, pt_sim_ipi_fn fn, void *arg)
{
	if (target >= m->nr_cpus || !fn)
		return false;
	struct pt_sim_ipi *ipi = malloc(sizeof(*ipi));
	if (!ipi)
		return false;
	struct pt_sim_cpu *cpu = &m->cpus[target];
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
	pt_sim_machine_kick(m);
	return true;
}

static struct pt_sim_ipi *pop(struct pt_sim_cpu *cpu)
{
	pthread_mutex_lock(&cpu->qlock);
	struct pt_sim_ipi *ipi = cpu->qhead;
	if (ipi) {
		cpu->qhead = ipi->next;
		if (!cpu->qhead)
			cpu->qtail = NULL;
	}
	pthread_mutex_unlock(&cpu->qlock);
	return ipi;
}

void pt_sim_ipi_drain(struct pt_sim_cpu *cpu)
{
	if (pthread_mutex_trylock(&cpu->ipi_lock))
		return;         /* someone is already running this CPU's handlers */
	struct pt_sim_ipi *ipi;
	bool handled = false;
	while ((ipi = pop(cpu))) {
		ipi->fn(cpu, ipi->arg);
		free(ipi);
		pthread_mutex_lock(&cpu->lock);
		cpu->cnt.ipis++;
		pthread_mutex_unlock(&cpu->lock);
		atomic_fetch_add(&cpu->done, 1);
		handled = true;
		pt_sim_machine_kick(cpu->m);
	}
	pthread_mutex_unlock(&cpu->ipi_lock);
	/* A waiter whose trylock failed while we held the lock sleeps until a kick;
	 * it needs one only if something is left to do. Kicking when nothing
	 * changed would wake every waiter, who drain and kick again: a storm. */
	if (handled || atomic_load(&cpu->done) != atomic_load(&cpu->posted))
		pt_sim_machine_kick(cpu->m);
}

void pt_sim_cpu_handle_ipis(struct pt_sim_cpu *cpu)
{
	pt_sim_ipi_drain(cpu);
}

void pt_sim_ipi_fini(struct pt_sim_cpu *cpu)
{
	struct pt_sim_ipi *ipi;
	while ((ipi = pop(cpu)))
		free(ipi);
}

/* One pass: drain what this thread may; true once every goal is met. */
static bool wait_pass(struct pt_sim_machine *m, pt_cpumask_t cpus, const uint64_t *goal)
{
	struct pt_sim_cpu *self = pt_sim_cpu_current();
	bool all = true;

	if (self && self->m == m)
		pt_sim_ipi_drain(self);
	for (unsigned i = 0; i < m->nr_cpus; i++) {
		if (!(cpus >> i & 1))
			continue;
		struct pt_sim_cpu *cpu = &m->cpus[i];
		if (atomic_load(&cpu->done) >= goal[i])
			continue;
		if (!atomic_load(&cpu->entered) || cpu == self)
			pt_sim_ipi_drain(cpu);
		if (atomic_load(&cpu->done) < goal[i])
			all = false;
	}
	return all;
}

void pt_sim_machine_wait_ipis(struct pt_sim_machine *m, pt_cpumask_t cpus)
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
