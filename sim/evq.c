/* evq.c: the pending-event set (see cs_evq.h for the order and handles).
**
** Invariants:
** - heap[0..n) is a 4-ary min-heap under entry_less, except that when hole is
**   set heap[0] is an already-consumed entry waiting to be overwritten by the
**   next push or removed by the next pop.
** - every heap entry owns its slot until the entry leaves the heap, so
**   slots[e.slot].order is valid for comparisons; a slot is live while its
**   event is pending and not cancelled.
** - live + dead == n - hole, where dead counts cancelled entries in the heap.
** - heap + 1 is 64-byte aligned, so the four children 4i+1 .. 4i+4 of any
**   node share one cache line: a level of a sift-down costs one line.
**
** Performance (see tests/bench/README.md): comparisons read only the heap
** entry unless two times are exactly equal; a sift-down picks the least of
** four children without branches; heaps larger than the cache prefetch a
** level ahead and the next root's slot; arrays of 2 MB or more ask Linux for
** transparent huge pages. None of this changes the order or the results. */
#if defined(__linux__)
#define _DEFAULT_SOURCE /* madvise under -std=c17 */
#include <sys/mman.h>
#endif

#include "cs_evq.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__)
#define CS_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define CS_PREFETCH(p) __builtin_prefetch(p)
#else
#define CS_UNLIKELY(x) (x)
#define CS_PREFETCH(p) ((void)0)
#endif

enum { HEAP_SKEW = 3 }; /* entries before heap[0] in heap_mem: 3 * 16 + 16 = 64 */

/* Prefetching (a node's grandchildren in a sift-down, the next root's slot
** after a push) is done only in heaps at least this large (1 MB of entries):
** smaller heaps live in cache, where the instructions cost more than they
** save. */
#define PREFETCH_MIN_N ((size_t)1 << 16)

typedef struct entry {
  double t;
  uint32_t slot;
  uint32_t pad_;
} entry;

typedef struct slot {
  cs_event ev;
  uint64_t order; /* prio << 56 | insertion sequence */
  uint32_t gen;   /* bumped when the slot is freed; starts at 1 */
  uint32_t live;
} slot;

struct cs_evq {
  entry *heap;     /* heap_mem + HEAP_SKEW: see the alignment invariant */
  void *heap_mem;  /* what big_alloc returned */
  size_t n, cap;
  int hole;
  slot *slots;
  uint32_t *freelist;
  size_t nfree, nslots, slotcap;
  uint64_t seq;
  size_t live, dead;
};

/* aligned_alloc(align, bytes rounded up); blocks of 2 MB or more are aligned
** to 2 MB and advised as huge pages, which spares large queues a TLB miss on
** most accesses. Release with free(). */
static void *big_alloc(size_t align, size_t bytes) {
  const size_t huge = (size_t)2 << 20;
  if (bytes >= huge) align = huge;
  bytes = (bytes + align - 1) & ~(align - 1);
  void *m = aligned_alloc(align, bytes);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (m && align == huge) (void)madvise(m, bytes, MADV_HUGEPAGE); /* only advice */
#endif
  return m;
}

/* (Re)allocate the heap array with room for cap entries, aligned as the
** invariant requires, keeping the first n entries. */
static int heap_alloc(cs_evq *q, size_t cap) {
  void *mem = big_alloc(64, (cap + HEAP_SKEW) * sizeof(entry));
  if (!mem) return CS_ENOMEM;
  entry *h = (entry *)mem + HEAP_SKEW;
  if (q->n > 0) memcpy(h, q->heap, q->n * sizeof *h);
  free(q->heap_mem);
  q->heap_mem = mem;
  q->heap = h;
  q->cap = cap;
  return CS_OK;
}

int cs_evq_new(cs_ctx *ctx, size_t cap_hint, cs_evq **out) {
  cs_evq *q = calloc(1, sizeof *q);
  if (!q) return cs_err(ctx, CS_ENOMEM, "out of memory creating the event queue");
  if (cap_hint < 16) cap_hint = 16;
  q->slots = big_alloc(64, cap_hint * sizeof *q->slots);
  q->freelist = malloc(cap_hint * sizeof *q->freelist);
  if (heap_alloc(q, cap_hint) != CS_OK || !q->slots || !q->freelist) {
    cs_evq_free(q);
    return cs_err(ctx, CS_ENOMEM, "out of memory creating the event queue");
  }
  q->slotcap = cap_hint;
  *out = q;
  return CS_OK;
}

void cs_evq_free(cs_evq *q) {
  if (!q) return;
  free(q->heap_mem);
  free(q->slots);
  free(q->freelist);
  free(q);
}

static inline int entry_less(const cs_evq *q, entry a, entry b) {
  if (a.t != b.t) return a.t < b.t;
  return q->slots[a.slot].order < q->slots[b.slot].order;
}

/* The lesser of heap[i] and heap[j]. Times decide without touching the slots
** and compile to a conditional move; only an exact tie reads the order. */
static inline size_t least_of(const cs_evq *q, size_t i, size_t j) {
  double ti = q->heap[i].t, tj = q->heap[j].t;
  if (CS_UNLIKELY(ti == tj))
    return q->slots[q->heap[j].slot].order < q->slots[q->heap[i].slot].order ? j : i;
  size_t mask = (size_t)0 - (size_t)(tj < ti); /* all ones if j wins */
  return i ^ ((i ^ j) & mask);
}

static void sift_up(cs_evq *q, size_t i) {
  entry e = q->heap[i];
  while (i > 0) {
    size_t p = (i - 1) >> 2;
    if (!entry_less(q, e, q->heap[p])) break;
    q->heap[i] = q->heap[p];
    i = p;
  }
  q->heap[i] = e;
}

static void sift_down(cs_evq *q, size_t i) {
  entry e = q->heap[i];
  size_t n = q->n;
  int prefetch = n >= PREFETCH_MIN_N;
  for (;;) {
    size_t c = 4 * i + 1, best;
    if (prefetch && 16 * i + 20 < n) {
      /* The grandchildren 16i+5 .. 16i+20 are four whole lines; fetching
      ** them now overlaps the next level's miss with this one's. */
      const entry *g = &q->heap[16 * i + 5];
      CS_PREFETCH(g);
      CS_PREFETCH(g + 4);
      CS_PREFETCH(g + 8);
      CS_PREFETCH(g + 12);
    }
    if (c + 3 < n) { /* all four children: a branch-free tournament */
      best = least_of(q, least_of(q, c, c + 1), least_of(q, c + 2, c + 3));
    } else {
      if (c >= n) break;
      best = c;
      for (size_t k = c + 1; k < n; k++) best = least_of(q, best, k);
    }
    if (!entry_less(q, q->heap[best], e)) break;
    q->heap[i] = q->heap[best];
    i = best;
  }
  q->heap[i] = e;
}

static void free_slot(cs_evq *q, uint32_t s) {
  q->slots[s].live = 0;
  q->slots[s].gen++;
  if (q->slots[s].gen == 0) q->slots[s].gen = 1;
  q->freelist[q->nfree++] = s;
}

static void remove_root(cs_evq *q) {
  q->n--;
  if (q->n > 0) {
    q->heap[0] = q->heap[q->n];
    sift_down(q, 0);
  }
}

static void fill_hole(cs_evq *q) {
  if (q->hole) {
    q->hole = 0;
    remove_root(q);
  }
}

/* Drop every cancelled entry and rebuild the heap bottom-up: O(n). */
static void compact(cs_evq *q) {
  fill_hole(q);
  size_t k = 0;
  for (size_t i = 0; i < q->n; i++) {
    if (q->slots[q->heap[i].slot].live)
      q->heap[k++] = q->heap[i];
    else
      free_slot(q, q->heap[i].slot);
  }
  q->n = k;
  q->dead = 0;
  if (k > 1)
    for (size_t i = (k - 2) / 4 + 1; i-- > 0;) sift_down(q, i);
}

static int grow(cs_evq *q) {
  if (q->n + 1 > q->cap && heap_alloc(q, q->cap * 2) != CS_OK) return CS_ENOMEM;
  if (q->nfree == 0 && q->nslots == q->slotcap) {
    if (q->slotcap >= UINT32_MAX / 2) return CS_ENOMEM;
    size_t cap = q->slotcap * 2;
    slot *s = big_alloc(64, cap * sizeof *s);
    if (!s) return CS_ENOMEM;
    memcpy(s, q->slots, q->nslots * sizeof *s);
    free(q->slots);
    q->slots = s;
    uint32_t *f = realloc(q->freelist, cap * sizeof *f);
    if (!f) return CS_ENOMEM;
    q->freelist = f;
    q->slotcap = cap;
  }
  return CS_OK;
}

int cs_evq_push(cs_evq *q, double t, uint8_t prio, const cs_event *ev, cs_handle *h) {
  if (isnan(t)) return CS_EINVAL;
  if (!q->hole && grow(q) != CS_OK) return CS_ENOMEM;
  if (q->hole && q->nfree == 0 && q->nslots == q->slotcap && grow(q) != CS_OK) return CS_ENOMEM;
  uint32_t s;
  if (q->nfree > 0) {
    s = q->freelist[--q->nfree];
  } else {
    s = (uint32_t)q->nslots++;
    q->slots[s].gen = 1;
  }
  slot *sl = &q->slots[s];
  sl->ev = *ev;
  sl->ev.t = t;
  sl->order = ((uint64_t)prio << 56) | (q->seq++ & 0x00ffffffffffffffULL);
  sl->live = 1;
  entry e = {t, s, 0};
  if (q->hole) { /* replace the consumed root: one sift-down */
    q->hole = 0;
    q->heap[0] = e;
    if (q->n >= PREFETCH_MIN_N) {
      /* The next pop reads the new root's slot: the least child's (or s,
      ** in cache already). A slot may straddle two lines: fetch both. */
      const char *p = (const char *)&q->slots[q->heap[least_of(q, least_of(q, 1, 2),
                                                                least_of(q, 3, 4))].slot];
      CS_PREFETCH(p);
      CS_PREFETCH(p + sizeof(slot) - 1);
    }
    sift_down(q, 0);
  } else {
    q->heap[q->n] = e;
    sift_up(q, q->n++);
  }
  q->live++;
  if (h) *h = ((cs_handle)sl->gen << 32) | s;
  return CS_OK;
}

int cs_evq_cancel(cs_evq *q, cs_handle h) {
  uint32_t s = (uint32_t)(h & 0xffffffffu), gen = (uint32_t)(h >> 32);
  if (h == 0 || s >= q->nslots) return 0;
  slot *sl = &q->slots[s];
  if (sl->gen != gen || !sl->live) return 0;
  sl->live = 0;
  q->live--;
  q->dead++;
  if (q->dead > 64 && q->dead > q->live) compact(q);
  return 1;
}

int cs_evq_pop(cs_evq *q, double tmax, cs_event *ev) {
  fill_hole(q);
  while (q->n > 0) {
    uint32_t s = q->heap[0].slot;
    if (!q->slots[s].live) {
      free_slot(q, s);
      remove_root(q);
      q->dead--;
      continue;
    }
    if (q->heap[0].t > tmax) return 0;
    *ev = q->slots[s].ev;
    free_slot(q, s);
    q->live--;
    q->hole = 1;
    return 1;
  }
  return 0;
}

double cs_evq_peek_time(cs_evq *q) {
  fill_hole(q);
  while (q->n > 0 && !q->slots[q->heap[0].slot].live) {
    free_slot(q, q->heap[0].slot);
    remove_root(q);
    q->dead--;
  }
  return q->n > 0 ? q->heap[0].t : INFINITY;
}

size_t cs_evq_size(const cs_evq *q) { return q->live; }
