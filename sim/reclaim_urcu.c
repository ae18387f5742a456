/* SPDX-License-Identifier: MIT */
/*
 * Reclamation on liburcu. A thread is registered with RCU the first time it
 * enters a read-side section or defers a free, and unregistered when it exits,
 * so callers never have to know about liburcu.
 */
#if defined(__SANITIZE_THREAD__)
#define PT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PT_TSAN 1
#endif
#endif

/*
 * liburcu's read-side primitives inline (its LGPL fast path) rather than two
 * library calls; except under ThreadSanitizer, which cannot see liburcu's
 * synchronisation: there the calls stay in the (uninstrumented) library and
 * the annotations below tell TSan what a grace period guarantees.
 */
#ifndef PT_TSAN
#define _LGPL_SOURCE
#endif
#include <pt/sim/reclaim_urcu.h>

#include <pthread.h>
#include <stddef.h>
#include <urcu/urcu-memb.h>

#ifdef PT_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
/* Every read-side section ends, and every defer is issued, before the
 * deferred calls that follow run; each deferred call before drain returns. */
static char grace_sync, drain_sync;
#define TSAN_RELEASE(a) __tsan_release(a)
#define TSAN_ACQUIRE(a) __tsan_acquire(a)
#else
#define TSAN_RELEASE(a) do { } while (0)
#define TSAN_ACQUIRE(a) do { } while (0)
#endif

static pthread_key_t exit_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
/*
 * Initial-exec TLS: libpt-sim and liburcu are loaded with the program, and
 * a PIC build would otherwise call __tls_get_addr (and save registers for
 * it) in every read-side section.
 */
static _Thread_local bool registered __attribute__((tls_model("initial-exec")));
#ifndef PT_TSAN
extern _Thread_local struct urcu_reader urcu_memb_reader __attribute__((tls_model("initial-exec")));
#endif

static void unregister_at_exit(void *unused)
{
	(void)unused;
	if (registered) {
		urcu_memb_unregister_thread();
		registered = false;
	}
}

static void make_key(void)
{
	pthread_key_create(&exit_key, unregister_at_exit);
}

/* Out of line: the read-side fast path then needs no stack frame. */
__attribute__((noinline)) static void register_thread(void)
{
	pthread_once(&key_once, make_key);
	urcu_memb_register_thread();
	registered = true;
	pthread_setspecific(exit_key, &registered);
}

static inline void ensure_registered(void)
{
	if (__builtin_expect(!registered, 0))
		register_thread();
}

/* A first section of the thread: out of line, so the common one needs no stack frame. */
__attribute__((noinline)) static void lock_registering(void)
{
	register_thread();
	urcu_memb_read_lock();
}

static void urcu_read_lock(void *ctx)
{
	(void)ctx;
	if (__builtin_expect(!registered, 0)) {
		lock_registering();
		return;
	}
	urcu_memb_read_lock();
}

static void urcu_read_unlock(void *ctx)
{
	(void)ctx;
	TSAN_RELEASE(&grace_sync);
	urcu_memb_read_unlock();
}

_Static_assert(sizeof(((struct pt_defer *)0)->priv) >= sizeof(struct rcu_head),
	       "struct pt_defer cannot hold an rcu_head");

static void run_deferred(struct rcu_head *head)
{
	struct pt_defer *d = (struct pt_defer *)((char *)head - offsetof(struct pt_defer, priv));
	TSAN_ACQUIRE(&grace_sync);
	d->fn(d);
	TSAN_RELEASE(&drain_sync);
}

static void urcu_defer(void *ctx, struct pt_defer *d)
{
	(void)ctx;
	ensure_registered();
	TSAN_RELEASE(&grace_sync);
	urcu_memb_call_rcu((struct rcu_head *)d->priv, run_deferred);
}

static void urcu_drain(void *ctx)
{
	(void)ctx;
	ensure_registered();
	/* A callback may defer again (a table freeing its children): drain twice. */
	urcu_memb_barrier();
	urcu_memb_barrier();
	TSAN_ACQUIRE(&drain_sync);
}

static const struct pt_reclaim_ops urcu_ops = {
	.read_lock = urcu_read_lock,
	.read_unlock = urcu_read_unlock,
	.defer = urcu_defer,
	.drain = urcu_drain,
};

struct pt_reclaim pt_sim_reclaim_urcu(void)
{
	struct pt_reclaim r = { &urcu_ops, NULL };
	return r;
}
