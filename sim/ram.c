/* SPDX-License-Identifier: MIT */
/*
 * Simulated physical RAM. The physical space is cut into 2 MiB chunks whose
 * host memory and frame metadata are allocated when first touched, so a
 * 1 TiB RAM costs only what is used. Freed frames are poisoned and parked in
 * a FIFO quarantine before reuse, so a stale pointer into one is noticed;
 * the FIFO is a list threaded through the free frames' state words.
 * A data frame is zeroed when allocated only if it may have been written
 * since it was last zero: every path that hands out a writable pointer or
 * writes marks the frame first, so allocating data frames nobody writes
 * sweeps no cache. Table frames are zeroed always.
 */
#include <pt/sim/ram.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_SHIFT 21
#define CHUNK_SIZE ((uint64_t)1 << CHUNK_SHIFT)
_Static_assert(CHUNK_SIZE == PT_RAM_GRANULE, "ram.h states the chunk size");
#define FRAMES_PER_CHUNK (CHUNK_SIZE >> PT_PAGE_SHIFT)
#define QUARANTINE 1024
#define MAGAZINE 32           /* frames a thread takes from the shared pool at once */
#define PARK 128              /* frames a thread frees before queueing them for reuse */
#define FRAME_BITS (CHUNK_SIZE - PT_PAGE_SIZE)  /* the bits of a frame's address in its chunk */
#define MAX_RAM PT_RAM_MAX_SIZE

/*
 * A frame's state in one 32-bit word, kept apart from the table metadata so
 * a run of frames shares cache lines (16 to a line): the kind in the low two
 * bits, the poisoned flag, then the reference count, or in a free frame the
 * frame number queued after it (0: none). One load and a compare with a
 * small constant tell a data frame holding its last reference.
 */
struct frame_meta {
	_Atomic uint32_t state;
};

#define STATE_POISONED 4u
#define REF_SHIFT 3
#define REF (1u << REF_SHIFT)
#define MAX_REFS (UINT32_MAX >> REF_SHIFT)
#define STATE(kind, refs) ((uint32_t)(refs) << REF_SHIFT | (kind))
#define LAST_REF STATE(PT_FRAME_DATA, 1)
#define REFS(s) ((uint32_t)(s) >> REF_SHIFT)
#define KIND(s) ((enum pt_frame_kind)((s) & 3))
#define NEXT(s) REFS(s)
_Static_assert((MAX_RAM >> PT_PAGE_SHIFT) - 1 <= MAX_REFS, "a frame number fits the count's bits");
_Static_assert(PT_FRAME_FREE < 4 && PT_FRAME_TABLE < 4 && PT_FRAME_DATA < 4, "kinds fit two bits");
_Static_assert(PT_FRAME_FREE == 0, "a free frame's state is its link, shifted");

struct chunk {
	unsigned char *mem;
	_Atomic uint64_t written[FRAMES_PER_CHUNK / 64];  /* frames that may be nonzero */
	struct frame_meta meta[FRAMES_PER_CHUNK];
	_Alignas(64) unsigned char table_meta[FRAMES_PER_CHUNK][PT_TABLE_META_SIZE];
};

struct pt_sim_ram {
	uint64_t size;
	uint64_t nr_chunks;
	_Atomic(struct chunk *) *chunks;
	pthread_mutex_t lock;
	uint64_t next_pfn;          /* bump allocator: never-used frames */
	uint64_t fifo_head;         /* frame number of the oldest freed frame */
	struct frame_meta *fifo_tail;  /* state of the newest (valid while fifo_len) */
	uint64_t fifo_len;
	_Atomic uint64_t alloc_count;
	_Atomic uint64_t fail_at;
	_Atomic uint64_t tables, data, peak_tables, host_bytes;
	bool no_poison;
	uint64_t id;                /* tells this RAM from an earlier one at the same address */
	uint64_t fast_id;           /* id while poisoning is off, else ~0 (nobody's parked.ram_id) */
};

/*
 * Each thread takes frames from the shared pool a magazine at a time, so
 * threads mapping disjoint ranges do not meet on the allocator's lock for
 * every table. Frames left in a magazine are not in use; a thread that
 * moves to another RAM drops its magazine (those frames are simply never
 * handed out again).
 */
struct magazine {
	uint64_t ram_id;
	unsigned next, nr;          /* pfn[next .. nr) are still to hand out */
	uint64_t pfn[MAGAZINE];
};

static _Thread_local struct magazine magazine;

/*
 * Frees are batched the same way: a thread parks freed frames here, as a
 * list linked like the FIFO, and queues them for reuse a batch at a time
 * (and before it refills its magazine). Frames parked by a thread that
 * exits are never reused; they are free, so no count sees them. The chunk
 * of the frame last put is kept beside them, so puts in a row into one
 * chunk skip the chunk lookup. Whenever ram_id names a RAM, chunk is its
 * chunk at chunk_pa.
 */
struct parked {
	uint64_t ram_id;
	pt_paddr_t chunk_pa;
	struct chunk *chunk;
	unsigned nr;
	uint64_t first;             /* frame number of the oldest parked frame */
	struct frame_meta *last;    /* state of the newest (valid while nr) */
};

/* Initial-exec: a put would otherwise call __tls_get_addr (this file is PIC for libpt-sim.so). */
static _Thread_local struct parked parked __attribute__((tls_model("initial-exec")));
static _Atomic uint64_t next_ram_id = 1;

struct pt_sim_ram *pt_sim_ram_create(uint64_t size)
{
	if (size == 0 || size % CHUNK_SIZE || size > MAX_RAM)
		return NULL;
	struct pt_sim_ram *ram = calloc(1, sizeof(*ram));
	if (!ram)
		return NULL;
	ram->size = size;
	ram->nr_chunks = size >> CHUNK_SHIFT;
	ram->chunks = calloc(ram->nr_chunks, sizeof(*ram->chunks));
	if (!ram->chunks) {
		free(ram);
		return NULL;
	}
	pthread_mutex_init(&ram->lock, NULL);
	ram->id = atomic_fetch_add(&next_ram_id, 1);
	ram->fast_id = UINT64_MAX;
	ram->next_pfn = 1;      /* keep physical page 0 unused: a null PA is a bug */
	return ram;
}

void pt_sim_ram_destroy(struct pt_sim_ram *ram)
{
	if (!ram)
		return;
	for (uint64_t i = 0; i < ram->nr_chunks; i++) {
		struct chunk *c = atomic_load(&ram->chunks[i]);
		if (c) {
			free(c->mem);
			free(c);
		}
	}
	pthread_mutex_destroy(&ram->lock);
	free(ram->chunks);
	free(ram);
}

uint64_t pt_sim_ram_size(const struct pt_sim_ram *ram)
{
	return ram->size;
}

static struct chunk *chunk_peek(struct pt_sim_ram *ram, pt_paddr_t pa)
{
	if (pa >= ram->size)
		return NULL;
	return atomic_load_explicit(&ram->chunks[pa >> CHUNK_SHIFT], memory_order_acquire);
}

static struct chunk *chunk_touch(struct pt_sim_ram *ram, pt_paddr_t pa)
{
	if (pa >= ram->size)
		return NULL;
	struct chunk *c = chunk_peek(ram, pa);
	if (c)
		return c;
	struct chunk *fresh = calloc(1, sizeof(*fresh));
	void *mem = NULL;
	if (!fresh || posix_memalign(&mem, PT_PAGE_SIZE, CHUNK_SIZE)) {
		free(fresh);
		abort();        /* the host is out of memory: nothing sensible to simulate */
	}
	memset(mem, 0, CHUNK_SIZE);
	fresh->mem = mem;
	struct chunk *expected = NULL;
	if (!atomic_compare_exchange_strong(&ram->chunks[pa >> CHUNK_SHIFT], &expected, fresh)) {
		free(fresh->mem);
		free(fresh);
		return expected;
	}
	atomic_fetch_add(&ram->host_bytes, CHUNK_SIZE + sizeof(*fresh));
	return fresh;
}

static struct frame_meta *meta_of(struct pt_sim_ram *ram, pt_paddr_t pa)
{
	struct chunk *c = chunk_peek(ram, pa);
	return c ? &c->meta[(pa >> PT_PAGE_SHIFT) % FRAMES_PER_CHUNK] : NULL;
}

/* The PT_TABLE_META_SIZE bytes of table metadata of the frame at @pa, NULL outside the RAM. */
static unsigned char *table_meta_of(struct pt_sim_ram *ram, pt_paddr_t pa)
{
	struct chunk *c = chunk_peek(ram, pa);
	return c ? c->table_meta[(pa >> PT_PAGE_SHIFT) % FRAMES_PER_CHUNK] : NULL;
}

/* The host memory of the frame holding @pa in chunk @c. */
static unsigned char *frame_in(struct chunk *c, pt_paddr_t pa)
{
	return c->mem + ((pa & (CHUNK_SIZE - 1)) & ~(PT_PAGE_SIZE - 1));
}

static struct frame_meta *meta_in(struct chunk *c, pt_paddr_t pa)
{
	return &c->meta[(pa >> PT_PAGE_SHIFT) % FRAMES_PER_CHUNK];
}

/* The word of @c's written bitmap holding the frame of @pa, and its bit there in *@bit. */
static _Atomic uint64_t *written_word(struct chunk *c, pt_paddr_t pa, uint64_t *bit)
{
	unsigned i = (unsigned)((pa >> PT_PAGE_SHIFT) % FRAMES_PER_CHUNK);
	*bit = (uint64_t)1 << (i % 64);
	return &c->written[i / 64];
}

/* Note that the frame holding @pa in @c may be written from now on. */
static void mark_written(struct chunk *c, pt_paddr_t pa)
{
	uint64_t bit;
	_Atomic uint64_t *w = written_word(c, pa, &bit);
	if (!(atomic_load_explicit(w, memory_order_relaxed) & bit))
		atomic_fetch_or_explicit(w, bit, memory_order_relaxed);
}

/* True if the frame holding @pa in @c may be nonzero; it counts as zero from now on. */
static bool take_written(struct chunk *c, pt_paddr_t pa)
{
	uint64_t bit;
	_Atomic uint64_t *w = written_word(c, pa, &bit);
	if (!(atomic_load_explicit(w, memory_order_relaxed) & bit))
		return false;
	atomic_fetch_and_explicit(w, ~bit, memory_order_relaxed);
	return true;
}

/* The frame holding @pa, for reading only: its written mark is left alone. */
static unsigned char *frame_for_read(struct pt_sim_ram *ram, pt_paddr_t pa)
{
	struct chunk *c = chunk_touch(ram, pa);
	return c ? frame_in(c, pa) : NULL;
}

void *pt_sim_ram_frame_ptr(struct pt_sim_ram *ram, pt_paddr_t pa)
{
	struct chunk *c = chunk_touch(ram, pa);
	if (!c)
		return NULL;
	mark_written(c, pa);
	return frame_in(c, pa);
}

/* Link @next_pfn behind the free frame whose state is @m, the last of its list. */
static void link_next(struct frame_meta *m, uint64_t next_pfn)
{
	uint32_t s = atomic_load_explicit(&m->state, memory_order_relaxed);
	atomic_store_explicit(&m->state, s | (uint32_t)next_pfn << REF_SHIFT, memory_order_relaxed);
}

/* Append the @nr free frames linked from frame number @first to the one whose state is @last. */
static void fifo_append(struct pt_sim_ram *ram, uint64_t first, struct frame_meta *last, uint64_t nr)
{
	if (ram->fifo_len)
		link_next(ram->fifo_tail, first);
	else
		ram->fifo_head = first;
	ram->fifo_tail = last;
	ram->fifo_len += nr;
}

static uint64_t fifo_pop_pfn(struct pt_sim_ram *ram)
{
	uint64_t pfn = ram->fifo_head;
	ram->fifo_head = NEXT(atomic_load_explicit(&meta_of(ram, pfn << PT_PAGE_SHIFT)->state,
						   memory_order_relaxed));
	ram->fifo_len--;
	return pfn;
}

/* Pick a frame: fresh ones first, reuse only past the quarantine. */
static bool pick_pfn(struct pt_sim_ram *ram, uint64_t *pfn)
{
	uint64_t total = ram->size >> PT_PAGE_SHIFT;
	if (ram->fifo_len > QUARANTINE || (ram->next_pfn >= total && ram->fifo_len)) {
		*pfn = fifo_pop_pfn(ram);
		return true;
	}
	if (ram->next_pfn >= total)
		return false;
	*pfn = ram->next_pfn++;
	return true;
}

/* Queue this thread's parked frees of @ram for reuse; the caller holds ram->lock. */
static void queue_parked(struct pt_sim_ram *ram)
{
	if (parked.ram_id != ram->id || !parked.nr)
		return;
	fifo_append(ram, parked.first, parked.last, parked.nr);
	parked.nr = 0;
}

/* A frame from this thread's magazine, refilled from the shared pool when empty. */
static bool take_pfn(struct pt_sim_ram *ram, uint64_t *pfn)
{
	struct magazine *mag = &magazine;
	if (mag->ram_id != ram->id) {
		mag->ram_id = ram->id;
		mag->next = mag->nr = 0;
	}
	if (mag->next == mag->nr) {
		mag->next = mag->nr = 0;
		pthread_mutex_lock(&ram->lock);
		queue_parked(ram);
		while (mag->nr < MAGAZINE && pick_pfn(ram, &mag->pfn[mag->nr]))
			mag->nr++;
		pthread_mutex_unlock(&ram->lock);
	}
	if (mag->next == mag->nr)
		return false;
	*pfn = mag->pfn[mag->next++];
	return true;
}

static void count_alloc(struct pt_sim_ram *ram, enum pt_frame_kind kind)
{
	if (kind == PT_FRAME_DATA) {
		atomic_fetch_add(&ram->data, 1);
		return;
	}
	uint64_t now = atomic_fetch_add(&ram->tables, 1) + 1;
	uint64_t peak = atomic_load(&ram->peak_tables);
	while (now > peak && !atomic_compare_exchange_weak(&ram->peak_tables, &peak, now))
		;
}

enum pt_err pt_sim_ram_alloc(struct pt_sim_ram *ram, enum pt_frame_kind kind, pt_paddr_t *pa)
{
	if (kind != PT_FRAME_TABLE && kind != PT_FRAME_DATA)
		return PT_ERR_INVAL;
	uint64_t n = atomic_fetch_add(&ram->alloc_count, 1) + 1;
	uint64_t fail_at = atomic_load(&ram->fail_at);
	if (fail_at && n == fail_at)
		return PT_ERR_NOMEM;

	uint64_t pfn;
	if (!take_pfn(ram, &pfn))
		return PT_ERR_NOMEM;

	pt_paddr_t frame = pfn << PT_PAGE_SHIFT;
	struct chunk *c = chunk_touch(ram, frame);
	/* Tables are zeroed always, as a kernel's table allocator must; the bound does too. */
	if (take_written(c, frame) || kind == PT_FRAME_TABLE)
		memset(frame_in(c, frame), 0, PT_PAGE_SIZE);
	memset(c->table_meta[(frame >> PT_PAGE_SHIFT) % FRAMES_PER_CHUNK], 0, PT_TABLE_META_SIZE);
	atomic_store(&meta_in(c, frame)->state, STATE(kind, kind == PT_FRAME_DATA));
	count_alloc(ram, kind);
	*pa = frame;
	return PT_OK;
}

__attribute__((noinline)) static uint32_t poison(struct pt_sim_ram *ram, pt_paddr_t frame)
{
	memset(pt_sim_ram_frame_ptr(ram, frame), PT_RAM_POISON_BYTE, PT_PAGE_SIZE);
	memset(table_meta_of(ram, frame), PT_RAM_POISON_BYTE, PT_TABLE_META_SIZE);
	return STATE_POISONED;
}

/* Mark a frame free, poisoned unless poisoning is off; the caller counts and parks it. */
static void retire(struct pt_sim_ram *ram, pt_paddr_t frame, struct frame_meta *m)
{
	uint32_t state = STATE(PT_FRAME_FREE, 0);
	if (!ram->no_poison)
		state |= poison(ram, frame);
	atomic_store_explicit(&m->state, state, memory_order_relaxed);
}

/* The chunk holding the frame at @pa; aborts if no frame starts there. */
static struct chunk *frame_chunk(struct pt_sim_ram *ram, pt_paddr_t pa)
{
	struct chunk *c = chunk_peek(ram, pa);
	if (!c || (pa & (PT_PAGE_SIZE - 1)))
		abort();        /* a wild address: a bug in the caller */
	return c;
}

/* frame_chunk, remembered as this thread's chunk last put into (and its parked frames' RAM). */
__attribute__((noinline)) static struct chunk *put_chunk(struct pt_sim_ram *ram, pt_paddr_t pa)
{
	struct chunk *c = frame_chunk(ram, pa);
	if (parked.ram_id != ram->id) {
		parked.ram_id = ram->id;
		parked.nr = 0;
	}
	parked.chunk = c;
	parked.chunk_pa = pa & ~(CHUNK_SIZE - 1);
	return c;
}

/* put_chunk, without the call when @pa is a frame of this thread's chunk last put into. */
static inline struct chunk *put_chunk_cached(struct pt_sim_ram *ram, pt_paddr_t pa)
{
	if (parked.ram_id == ram->id && !((pa ^ parked.chunk_pa) & ~FRAME_BITS))
		return parked.chunk;
	return put_chunk(ram, pa);
}

__attribute__((noinline)) static void queue_parked_locked(struct pt_sim_ram *ram)
{
	pthread_mutex_lock(&ram->lock);
	queue_parked(ram);
	pthread_mutex_unlock(&ram->lock);
}

/* Park the free frame at @frame, whose state @m links nothing yet. */
static inline void park(pt_paddr_t frame, struct frame_meta *m)
{
	if (parked.nr)
		link_next(parked.last, frame >> PT_PAGE_SHIFT);
	else
		parked.first = frame >> PT_PAGE_SHIFT;
	parked.last = m;
	parked.nr++;
}

/* Count, retire and park a frame of @kind whose last use ended; put_chunk saw it first. */
static void release(struct pt_sim_ram *ram, pt_paddr_t frame, struct frame_meta *m,
		    enum pt_frame_kind kind)
{
	atomic_fetch_sub(kind == PT_FRAME_DATA ? &ram->data : &ram->tables, 1);
	retire(ram, frame, m);
	park(frame, m);
	if (parked.nr == PARK)
		queue_parked_locked(ram);
}

/*
 * Count @nr freed data frames, linked from frame number @first to the one
 * whose state is @last, and queue them for reuse behind this thread's
 * parked frees.
 */
static void release_list(struct pt_sim_ram *ram, uint64_t first, struct frame_meta *last, uint32_t nr)
{
	atomic_fetch_sub(&ram->data, nr);
	pthread_mutex_lock(&ram->lock);
	queue_parked(ram);
	fifo_append(ram, first, last, nr);
	pthread_mutex_unlock(&ram->lock);
}

void pt_sim_ram_free_table(struct pt_sim_ram *ram, pt_paddr_t pa)
{
	struct frame_meta *m = meta_in(put_chunk_cached(ram, pa), pa);
	if (KIND(atomic_load(&m->state)) != PT_FRAME_TABLE)
		abort();        /* a double free or a wild address: a bug in the caller */
	release(ram, pa, m, PT_FRAME_TABLE);
}

void pt_sim_ram_get(struct pt_sim_ram *ram, pt_paddr_t pa)
{
	uint32_t old = atomic_fetch_add(&meta_in(frame_chunk(ram, pa), pa)->state, REF);
	if (KIND(old) != PT_FRAME_DATA || REFS(old) == 0 || REFS(old) == MAX_REFS)
		abort();        /* a frame not in use, or a count about to wrap: a bug in the caller */
}

/* Drop a reference that may not be the caller's alone; true if it was the last. */
__attribute__((noinline)) static bool drop_shared_ref(struct frame_meta *m)
{
	uint32_t old = atomic_fetch_sub(&m->state, REF);
	if (KIND(old) != PT_FRAME_DATA || REFS(old) == 0)
		abort();        /* a put without a reference: a double free or a wild address */
	return REFS(old) == 1;
}

/*
 * Drop a reference on a data frame; true if it was the last. A count of one
 * is the caller's own reference, which nobody else may take or drop, so the
 * release that follows rewrites the state without a locked read-modify-write.
 */
static inline bool drop_ref(struct frame_meta *m)
{
	return atomic_load_explicit(&m->state, memory_order_acquire) == LAST_REF ||
	       drop_shared_ref(m);
}

__attribute__((noinline)) static void put_slow(struct pt_sim_ram *ram, pt_paddr_t pa)
{
	struct frame_meta *m = meta_in(put_chunk(ram, pa), pa);
	if (drop_ref(m))
		release(ram, pa, m, PT_FRAME_DATA);
}

/*
 * The state of the frame at @frame if it lies in chunk @c at @base and
 * holds its last reference, else NULL. The caller, who holds that
 * reference, may then rewrite the state as it likes.
 */
static inline struct frame_meta *last_ref_in(struct chunk *c, pt_paddr_t base, pt_paddr_t frame)
{
	pt_paddr_t off = frame ^ base;
	if (off & ~FRAME_BITS)
		return NULL;
	struct frame_meta *m = &c->meta[off >> PT_PAGE_SHIFT];
	if (atomic_load_explicit(&m->state, memory_order_acquire) != LAST_REF)
		return NULL;
	return m;
}

/*
 * put_slow's common case without a call: poisoning off (fast_id), room to
 * park, the last reference in the chunk last put into. Inline in
 * pm_frame_put too, which the core calls.
 */
static inline void put(struct pt_sim_ram *ram, pt_paddr_t pa)
{
	struct frame_meta *m;
	if (parked.ram_id != ram->fast_id || parked.nr == PARK - 1 ||
	    !(m = last_ref_in(parked.chunk, parked.chunk_pa, pa))) {
		put_slow(ram, pa);
		return;
	}
	atomic_store_explicit(&m->state, STATE(PT_FRAME_FREE, 0), memory_order_relaxed);
	atomic_fetch_sub(&ram->data, 1);
	park(pa, m);
}

void pt_sim_ram_put(struct pt_sim_ram *ram, pt_paddr_t pa)
{
	put(ram, pa);
}

/*
 * pt_sim_ram_put on each of the @nr frames at @pa (0 < nr <= PARK),
 * poisoning off, queueing the freed ones at once. A freed frame's state is
 * written once, when the next freed frame is known: free, linking that one.
 * The first is linked from @anchor, which stands for the list's head.
 */
__attribute__((noinline)) static void put_block(struct pt_sim_ram *ram, const pt_paddr_t *pa,
						uint32_t nr)
{
	struct chunk *c = put_chunk(ram, pa[0]);
	pt_paddr_t base = pa[0] & ~(CHUNK_SIZE - 1);
	struct frame_meta anchor = { 0 }, *prev = &anchor;
	uint32_t kept = 0;
	/* A block's states are cold after a long map; one prefetch per line (16 states). */
	for (uint32_t i = 0; i < nr; i += 16)
		__builtin_prefetch(meta_in(c, pa[i]), 1);
	for (uint32_t i = 0; i < nr; i++) {
		pt_paddr_t frame = pa[i];
		struct frame_meta *m = last_ref_in(c, base, frame);
		if (__builtin_expect(!m || m == prev, 0)) {
			if (m)
				abort();        /* prev's state is still its last reference: a double put */
			c = put_chunk(ram, frame);
			base = frame & ~(CHUNK_SIZE - 1);
			m = meta_in(c, frame);
			if (!drop_ref(m)) {
				kept++;
				continue;
			}
		}
		/* The frame is page-aligned: one shift makes its number the count's bits. */
		atomic_store_explicit(&prev->state, (uint32_t)(frame >> (PT_PAGE_SHIFT - REF_SHIFT)),
				      memory_order_relaxed);
		prev = m;
	}
	if (prev == &anchor)
		return;
	atomic_store_explicit(&prev->state, STATE(PT_FRAME_FREE, 0), memory_order_relaxed);
	release_list(ram, NEXT(atomic_load_explicit(&anchor.state, memory_order_relaxed)), prev, nr - kept);
}

void pt_sim_ram_put_many(struct pt_sim_ram *ram, const pt_paddr_t *pa, uint32_t nr)
{
	if (!ram->no_poison) {
		for (uint32_t i = 0; i < nr; i++)
			pt_sim_ram_put(ram, pa[i]);
		return;
	}
	for (uint32_t i = 0; i < nr; i += PARK)
		put_block(ram, pa + i, nr - i < PARK ? nr - i : PARK);
}

uint32_t pt_sim_ram_refcount(struct pt_sim_ram *ram, pt_paddr_t pa)
{
	struct frame_meta *m = meta_of(ram, pa);
	uint32_t s = m ? atomic_load(&m->state) : 0;
	return KIND(s) == PT_FRAME_FREE ? 0 : REFS(s);
}

enum pt_frame_kind pt_sim_ram_kind(struct pt_sim_ram *ram, pt_paddr_t pa)
{
	struct frame_meta *m = meta_of(ram, pa);
	return m ? KIND(atomic_load(&m->state)) : PT_FRAME_FREE;
}

bool pt_sim_ram_is_poisoned(struct pt_sim_ram *ram, pt_paddr_t pa)
{
	struct frame_meta *m = meta_of(ram, pa);
	return m && (atomic_load(&m->state) & STATE_POISONED);
}

static _Atomic uint64_t *qword_in(unsigned char *frame, pt_paddr_t pa)
{
	return frame ? (_Atomic uint64_t *)(frame + (pa & (PT_PAGE_SIZE - 1) & ~7ull)) : NULL;
}

static _Atomic uint64_t *qword(struct pt_sim_ram *ram, pt_paddr_t pa)
{
	return qword_in(pt_sim_ram_frame_ptr(ram, pa), pa);
}

uint64_t pt_sim_ram_load64(struct pt_sim_ram *ram, pt_paddr_t pa)
{
	struct chunk *c = chunk_peek(ram, pa);
	if (!c)
		return 0;
	return atomic_load_explicit(qword_in(frame_in(c, pa), pa), memory_order_acquire);
}

void pt_sim_ram_store64(struct pt_sim_ram *ram, pt_paddr_t pa, uint64_t val)
{
	_Atomic uint64_t *q = qword(ram, pa);
	if (q)
		atomic_store_explicit(q, val, memory_order_release);
}

bool pt_sim_ram_cmpxchg64(struct pt_sim_ram *ram, pt_paddr_t pa, uint64_t *expected, uint64_t desired)
{
	_Atomic uint64_t *q = qword(ram, pa);
	return q && atomic_compare_exchange_strong(q, expected, desired);
}

static bool copy(struct pt_sim_ram *ram, pt_paddr_t pa, void *buf, size_t len, bool write)
{
	unsigned char *b = buf;
	if (pa >= ram->size || len > ram->size - pa)
		return false;
	while (len) {
		size_t off = pa & (PT_PAGE_SIZE - 1);
		size_t n = PT_PAGE_SIZE - off < len ? PT_PAGE_SIZE - off : len;
		unsigned char *frame = write ? pt_sim_ram_frame_ptr(ram, pa) : frame_for_read(ram, pa);
		if (write)
			memcpy(frame + off, b, n);
		else
			memcpy(b, frame + off, n);
		pa += n;
		b += n;
		len -= n;
	}
	return true;
}

bool pt_sim_ram_read(struct pt_sim_ram *ram, pt_paddr_t pa, void *buf, size_t len)
{
	return copy(ram, pa, buf, len, false);
}

bool pt_sim_ram_write(struct pt_sim_ram *ram, pt_paddr_t pa, const void *buf, size_t len)
{
	return copy(ram, pa, (void *)buf, len, true);
}

void pt_sim_ram_set_poison(struct pt_sim_ram *ram, bool on)
{
	ram->no_poison = !on;
	ram->fast_id = on ? UINT64_MAX : ram->id;
}

void pt_sim_ram_fail_nth(struct pt_sim_ram *ram, uint64_t k)
{
	atomic_store(&ram->fail_at, k ? atomic_load(&ram->alloc_count) + k : 0);
}

uint64_t pt_sim_ram_alloc_count(struct pt_sim_ram *ram)
{
	return atomic_load(&ram->alloc_count);
}

struct pt_sim_ram_stats pt_sim_ram_stats(struct pt_sim_ram *ram)
{
	struct pt_sim_ram_stats s;
	s.tables_in_use = atomic_load(&ram->tables);
	s.data_in_use = atomic_load(&ram->data);
	s.frames_in_use = s.tables_in_use + s.data_in_use;
	s.peak_tables = atomic_load(&ram->peak_tables);
	s.host_bytes = atomic_load(&ram->host_bytes);
	return s;
}

/* The physical-memory interface. */

PT_MUST_CHECK static enum pt_err pm_table_alloc(void *ctx, pt_paddr_t *pa)
{
	return pt_sim_ram_alloc(ctx, PT_FRAME_TABLE, pa);
}

static void pm_table_free(void *ctx, pt_paddr_t pa)
{
	pt_sim_ram_free_table(ctx, pa);
}

/* NULL outside the RAM: adoption (pt/adopt.h) asks about frames it did not allocate. */
static void *pm_table_meta(void *ctx, pt_paddr_t pa)
{
	return table_meta_of(ctx, pa);
}

static void *pm_phys_to_virt(void *ctx, pt_paddr_t pa)
{
	unsigned char *frame = pt_sim_ram_frame_ptr(ctx, pa);
	return frame ? frame + (pa & (PT_PAGE_SIZE - 1)) : NULL;
}

static void pm_frame_get(void *ctx, pt_paddr_t pa)
{
	pt_sim_ram_get(ctx, pa);
}

static void pm_frame_put(void *ctx, pt_paddr_t pa)
{
	put(ctx, pa);
}

static void pm_frame_put_many(void *ctx, const pt_paddr_t *pa, uint32_t nr)
{
	pt_sim_ram_put_many(ctx, pa, nr);
}

static uint32_t pm_frame_refcount(void *ctx, pt_paddr_t pa)
{
	return pt_sim_ram_refcount(ctx, pa);
}

static const struct pt_physmem_ops ram_physmem_ops = {
	.table_alloc = pm_table_alloc,
	.table_free = pm_table_free,
	.table_meta = pm_table_meta,
	.phys_to_virt = pm_phys_to_virt,
	.frame_get = pm_frame_get,
	.frame_put = pm_frame_put,
	.frame_put_many = pm_frame_put_many,
	.frame_refcount = pm_frame_refcount,
};

struct pt_physmem pt_sim_ram_physmem(struct pt_sim_ram *ram)
{
	struct pt_physmem pm = { &ram_physmem_ops, ram };
	return pm;
}
