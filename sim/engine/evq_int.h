/* evq_int.h: the event queue's data and its hot paths, for sim/engine only.
**
** Why this file: under the hold pattern every event is one pop and one push,
** and the engine's run loop and cs_engine_schedule called them through
** cs_evq_pop and cs_evq_push in evq.c, a call each plus the copies and checks
** around them: at 1,024 pending events about a fifth of the instructions
** outside the sift-down. cs_evq__pop and cs_evq__push below are those two
** functions, static inline, so that engine.c compiles them into its loop;
** evq.c's cs_evq_pop and cs_evq_push are the same code behind a call. What
** is rare (growing, the calendar's refills and layouts, sifts, dropping
** cancelled entries) stays out of line in evq.c, under cs_evq__ names.
**
** The layout and the invariants of the structure are described at the top
** of evq.c; nothing here may be used outside sim/engine. */
#ifndef CS_EVQ_INT_H
#define CS_EVQ_INT_H

#include "cs_evq.h"

#include <assert.h>
#include <math.h>
#include <stddef.h>

#if defined(__GNUC__)
#define CS_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define CS_PREFETCH(p) __builtin_prefetch(p)
#define CS_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define CS_UNLIKELY(x) (x)
#define CS_PREFETCH(p) ((void)0)
#define CS_ALWAYS_INLINE inline
#endif

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

/* An unsorted list of entries (a calendar bucket or the top list). Its
** storage is kept when it empties, for the next calendar. */
typedef struct elist {
  entry *e;
  size_t n, cap;
} elist;

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
  /* the calendar (see evq.c) */
  elist *bk;        /* buckets [0, nbk); bkcap allocated (with their storage) */
  size_t nbk, bkcap, cur;
  double base, inv_width; /* d(t) = (t - base) * inv_width */
  elist top;
  size_t nfar;      /* entries in buckets and top */
  size_t spread_at; /* heap mode: heap size that triggers a calendar */
  int cancelled;    /* a cancel has succeeded once: spread_min() is SPREAD_MIN */
};

/* Out of line, in evq.c. */
/* Room for one more slot, and in the heap for an entry per slot. */
int cs_evq__grow(cs_evq *q);
/* Room in l for one more entry. */
int cs_evq__elist_grow(elist *l);
/* Restore the heap order below heap[i], whose entry may be too late. */
void cs_evq__sift_down(cs_evq *q, size_t i);
/* Fill the hole (heap[0], consumed) with e: one sift-down. */
void cs_evq__replace_root(cs_evq *q, entry e);
/* Append e to the heap (no hole) and sift it up; may lay out a calendar. */
void cs_evq__insert(cs_evq *q, entry e);
/* settle() when heap[0] is not simply the first live event (a hole to
** close, a cancelled root, an empty heap to refill). */
int cs_evq__settle_slow(cs_evq *q);

/* The counts agree (the invariant live + dead == n - hole + nfar): O(1). */
#define ASSERT_COUNTS(q) assert((q)->live + (q)->dead == (q)->n - (size_t)(q)->hole + (q)->nfar)

static inline void free_slot(cs_evq *q, uint32_t s) {
  q->slots[s].live = 0;
  q->slots[s].gen++;
  if (q->slots[s].gen == 0) q->slots[s].gen = 1;
  q->freelist[q->nfree++] = s;
}

/* Where an event at t belongs: NULL for the heap, else its bucket or top.
** Conversions go through signed integers (the counts are far below 2^63):
** between double and size_t, x86-64 has no single instruction. */
static inline elist *route(cs_evq *q, double t) {
  if (q->nbk == 0) return NULL;
  double d = (t - q->base) * q->inv_width;
  if (d < (double)(ptrdiff_t)q->cur) return NULL;
  if (d < (double)(ptrdiff_t)q->nbk) return &q->bk[(ptrdiff_t)d];
  return &q->top;
}

/* Make heap[0] the first live event (closing the hole); 0 if none. The test
** up front is the common case under the hold pattern: the push after the
** last pop filled the hole. */
static inline int cs_evq__settle(cs_evq *q) {
  if (!q->hole && q->n > 0 && q->slots[q->heap[0].slot].live) return 1;
  return cs_evq__settle_slow(q);
}

/* cs_evq_push (see cs_evq.h), inline. */
static inline int cs_evq__push(cs_evq *q, double t, uint8_t prio, const cs_event *ev, cs_handle *h) {
  if (isnan(t)) return CS_EINVAL;
  /* A new slot: room for it, and the heap keeps room for an entry per slot
  ** (so for every pending event), so that a refill never allocates. */
  if (CS_UNLIKELY(q->nfree == 0) && cs_evq__grow(q) != CS_OK) return CS_ENOMEM;
  elist *l = route(q, t);
  if (l && CS_UNLIKELY(l->n == l->cap) && cs_evq__elist_grow(l) != CS_OK) return CS_ENOMEM;
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
  if (l) {
    l->e[l->n++] = e;
    q->nfar++;
  } else if (q->hole) { /* replace the consumed root: one sift-down */
    q->hole = 0;
    cs_evq__replace_root(q, e);
  } else {
    cs_evq__insert(q, e);
  }
  q->live++;
  ASSERT_COUNTS(q);
  if (h) *h = ((cs_handle)sl->gen << 32) | s;
  return CS_OK;
}

/* cs_evq_pop (see cs_evq.h), inline. The root is left as a hole for the
** next push. */
static inline int cs_evq__pop(cs_evq *q, double tmax, cs_event *ev) {
  if (!cs_evq__settle(q) || q->heap[0].t > tmax) return 0;
  uint32_t s = q->heap[0].slot;
  assert(q->slots[s].live && q->live > 0);
  *ev = q->slots[s].ev;
  free_slot(q, s);
  q->live--;
  q->hole = 1;
  ASSERT_COUNTS(q);
  return 1;
}

#endif
