/* evq.c: the pending-event set (see cs_evq.h for the order and handles).
**
** Design: a 4-ary heap for the near future in front of a calendar of
** unsorted buckets for the rest (in the spirit of the ladder queue of Tang,
** Goh and Thng 2005, with a heap in place of its sorted bottom list).
**
** - Small queues are a plain heap ("heap mode", nbk == 0): every event goes
**   into it. When the heap reaches spread_at entries, everything in it is
**   spread over a calendar ("calendar mode").
** - The calendar covers [base, base + nbk * width) in nbk buckets of equal
**   width; an event's position is d(t) = (t - base) * (1 / width), a function
**   that never decreases as t grows (a rounded subtraction and a product
**   with a positive number are monotone; a product rather than a quotient
**   because a division's latency sits on every push's path). Events with
**   d < cur are in the heap; those with cur <= d < nbk are appended,
**   unsorted, to bucket floor(d); those with d >= nbk wait unsorted in the
**   top list. So every event in the heap is strictly earlier than every
**   event outside it, and the heap's root is the first event whenever the
**   heap is not empty.
** - When the heap runs empty, the next non-empty bucket is moved into it
**   (dropping cancelled entries and touching each event's slot, so that the
**   pops that follow find their slots in cache) and heapified; cur passes it.
**   When the buckets are exhausted, the top list is spread over a new
**   calendar: base its least finite time, spanning up to the median time of
**   a sample of 256 of its events (not the whole range: an exponential's
**   tail, or one event at the end of a run, would crowd nearly everything
**   into the first buckets), in (half its size) / BUCKET_MEAN buckets, at
**   most BUCKET_MAX.
**   Later events stay in top for the next calendar. If top holds fewer than
**   SPREAD_LOW events, or its range is empty (all times equal or infinite),
**   the queue falls back to heap mode, and spreads again only once the heap
**   has reached spread_min() events and doubled.
** - Under the hold pattern an event is appended to a bucket (or to top, and
**   then moved to a bucket by one of the next layouts), moved once into a
**   heap of tens to hundreds of entries that stays in cache, and popped: O(1)
**   amortized work and a few cache misses, instead of a sift through log4(n)
**   levels of which the deep ones miss the cache at n = 10^6. Cancelled
**   entries in buckets are dropped when the bucket is moved, without a sift.
** The order of events is fixed by the (time, prio, seq) key alone, so none of
** this changes which event pops when: the structure only decides how fast.
**
** Invariants:
** - heap[0..n) is a 4-ary min-heap under entry_less, except that when hole is
**   set heap[0] is an already-consumed entry waiting to be overwritten by the
**   next push into the heap or removed by the next pop.
** - in calendar mode, the heap holds exactly the entries with d < cur, bucket
**   b (cur <= b < nbk) those with floor(d) == b, top those with d >= nbk;
**   buckets below cur are empty. In heap mode all buckets and top are empty.
** - every entry (heap, bucket or top) owns its slot until the entry leaves
**   the queue, so slots[e.slot].order is valid for comparisons; a slot is
**   live while its event is pending and not cancelled.
** - live + dead == n - hole + nfar, where dead counts cancelled entries
**   anywhere and nfar the entries in buckets and top.
** - cap >= nslots: the heap has room for an entry per slot (cs_evq_push
**   grows it before it takes a new slot). Every entry owns a distinct slot,
**   so moving any entries into the heap (a refill, a new calendar, the
**   fall-back to heap mode) never allocates and cannot fail.
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

#include "evq_int.h"

#include <stdlib.h>
#include <string.h>

enum { HEAP_SKEW = 3 }; /* entries before heap[0] in heap_mem: 3 * 16 + 16 = 64 */

/* Heap mode spreads into a calendar when the heap holds spread_min()
** entries (or twice what it held after falling back to heap mode):
** SPREAD_MIN once the queue has seen a cancellation, SPREAD_MIN_HOLD before.
** A calendar's edge at small sizes is that it drops cancelled entries
** without a sift (see SPREAD_LOW); without cancellations a heap of a few
** thousand entries (64 KB of entries, their slots in L2) is faster: PHOLD
** took 0.65x the CPU time as a heap at 1,024 events, 0.87x at 2,048 and
** 0.83x at 4,096, and about the same at 10,240, where the calendar's wall
** time was better. The city, which cancels, took 1.13x the CPU time when
** it stayed a heap. SPREAD_MIN was 1,024 until 7 Dec 2026: the capital
** scenario of version 2 keeps 500-1,000 pending events, many of them
** cancelled (redrawn clocks), so it stayed a heap and its sift-downs through
** dead entries were 17% of the model thread's instructions; at 512 that
** thread ran 11% fewer (the city benchmark +0.07%, PHOLD untouched: it never
** cancels). Either way the order of events is the same. */
#define SPREAD_MIN ((size_t)1 << 9)
#define SPREAD_MIN_HOLD ((size_t)1 << 13)
/* A calendar, once there, is kept for as few as SPREAD_LOW events: it drops
** cancelled events without a sift, which pays at sizes where a heap without
** cancellations is faster (the city benchmark's queue, 600-2000 entries of
** which a third cancelled, took 6% fewer instructions in all than with
** SPREAD_LOW = SPREAD_MIN, which kept it a heap most of the time). */
#define SPREAD_LOW ((size_t)1 << 8)
/* Mean entries per bucket when a calendar is laid out (a fraction: most
** buckets start empty), and the most buckets. What sizes the heap is not
** the events a bucket holds when laid out but those pushed into the current
** bucket's time range after it was moved into the heap: in the city
** benchmark most pushes are arrivals and moves a fraction of a day ahead, so
** wide buckets left 32-256 entries in the heap. Measured on the city (100
** nodes, whole run): 3.26 G instructions with 16, 3.01 G with 1, 2.97 G with
** 0.5, 2.95 G with 0.25, 2.97 G with 0.125, 3.00 G with 0.0625. Every
** bucket's tail is written to at random: 8192 of them (512 KB of lines)
** still fit in a 1 MB L2; PHOLD with 10^6 events reaches that cap with any
** of these means (it needed 7 M more L2 misses per 4 M events with 31,000
** buckets than with 7,800). */
#define BUCKET_MEAN 0.25
#define BUCKET_MAX 8192
/* A calendar spans about this share of the events it is laid out for,
** estimated from SPAN_SAMPLE of them. */
#define SPAN_SHARE 0.5
#define SPAN_SAMPLE 256

/* The heap size from which heap mode spreads into a calendar. */
static size_t spread_min(const cs_evq *q) { return q->cancelled ? SPREAD_MIN : SPREAD_MIN_HOLD; }

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
  q->spread_at = spread_min(q);
  *out = q;
  return CS_OK;
}

void cs_evq_free(cs_evq *q) {
  if (!q) return;
  free(q->heap_mem);
  free(q->slots);
  free(q->freelist);
  for (size_t b = 0; b < q->bkcap; b++) free(q->bk[b].e);
  free(q->bk);
  free(q->top.e);
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

/* A match of a sift-down's tournament: the lesser of (ti, i) and (tj, j)
** into (*t, *k), where ti and tj are heap[i].t and heap[j].t already in
** registers. The winner's time is selected (minsd) rather than loaded again
** from heap[winner]: a reload would put a load's latency after every match
** on the chain that leads to the next level's address, which made the
** sift-down twice as slow as a bare heap's. The index is selected with a
** mask: written as a conditional, gcc 12 makes some matches branches, which
** the least of four random times mispredicts half the time. */
static inline void match(const cs_evq *q, double ti, size_t i, double tj, size_t j, double *t, size_t *k) {
  if (CS_UNLIKELY(ti == tj)) { /* rare: the order decides; both times are equal */
    *k = q->slots[q->heap[j].slot].order < q->slots[q->heap[i].slot].order ? j : i;
    *t = ti;
    return;
  }
  int jw = tj < ti;
  size_t mask = (size_t)0 - (size_t)jw; /* all ones if j wins */
  *k = i ^ ((i ^ j) & mask);
  *t = jw ? tj : ti;
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

/* The sift-down, for a constant `prefetch` (inlined into the two variants
** below, so that heaps in cache do not test for it at every level). The
** test that ends the descent puts the common case first: a child strictly
** earlier than e, go down (one comparison); equal times are rare. */
static CS_ALWAYS_INLINE void sift_down_impl(cs_evq *q, size_t i, int prefetch) {
  entry *heap = q->heap;
  entry e = heap[i];
  size_t n = q->n;
  for (;;) {
    size_t c = 4 * i + 1, best;
    if (prefetch && 16 * i + 20 < n) {
      /* The grandchildren 16i+5 .. 16i+20 are four whole lines; fetching
      ** them now overlaps the next level's miss with this one's. */
      const entry *g = &heap[16 * i + 5];
      CS_PREFETCH(g);
      CS_PREFETCH(g + 4);
      CS_PREFETCH(g + 8);
      CS_PREFETCH(g + 12);
    }
    double tb;
    if (c + 3 < n) { /* all four children: a branch-free tournament */
      const entry *ch = &heap[c];
      double ta, td;
      size_t a, d;
      match(q, ch[0].t, c, ch[1].t, c + 1, &ta, &a);
      match(q, ch[2].t, c + 2, ch[3].t, c + 3, &td, &d);
      match(q, ta, a, td, d, &tb, &best);
    } else {
      if (c >= n) break;
      best = c;
      tb = heap[c].t;
      for (size_t k = c + 1; k < n; k++) match(q, tb, best, heap[k].t, k, &tb, &best);
    }
    if (!(tb < e.t) && (tb > e.t || !entry_less(q, heap[best], e))) break;
    heap[i] = heap[best];
    i = best;
  }
  heap[i] = e;
}

static void sift_down_prefetch(cs_evq *q, size_t i) { sift_down_impl(q, i, 1); }

void cs_evq__sift_down(cs_evq *q, size_t i) {
  if (CS_UNLIKELY(q->n >= PREFETCH_MIN_N)) sift_down_prefetch(q, i);
  else sift_down_impl(q, i, 0);
}
#define sift_down cs_evq__sift_down

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

/* Restore the heap order of heap[0..n) bottom-up: O(n). */
static void heapify(cs_evq *q) {
  if (q->n > 1)
    for (size_t i = (q->n - 2) / 4 + 1; i-- > 0;) sift_down(q, i);
}

/* Room for the heap to hold need entries. */
static int heap_reserve(cs_evq *q, size_t need) {
  if (need <= q->cap) return CS_OK;
  size_t cap = q->cap;
  while (cap < need) cap *= 2;
  return heap_alloc(q, cap);
}

int cs_evq__elist_grow(elist *l) {
  if (l->n < l->cap) return CS_OK;
  size_t cap = l->cap ? 2 * l->cap : 16;
  entry *e = realloc(l->e, cap * sizeof *e);
  if (!e) return CS_ENOMEM;
  l->e = e;
  l->cap = cap;
  return CS_OK;
}

/* Move the live entries of l into the heap (which must have room), freeing
** the cancelled ones; l is left empty. The caller restores the heap order. */
static void drain_into_heap(cs_evq *q, elist *l) {
  assert(q->n + l->n <= q->cap); /* cap >= nslots >= entries anywhere */
  for (size_t k = 0; k < l->n; k++) {
    uint32_t s = l->e[k].slot;
    CS_PREFETCH(&q->slots[s].ev); /* the pop reads ev; live may be on the next line */
    if (q->slots[s].live) {
      q->heap[q->n++] = l->e[k];
    } else {
      assert(q->dead > 0);
      free_slot(q, s);
      q->dead--;
    }
  }
  q->nfar -= l->n;
  l->n = 0;
}

/* Back to heap mode with every entry of top in the heap (heap and buckets
** are empty). Spread again once the heap has doubled. Cannot fail: the heap
** has room for every entry (cap >= nslots). */
static void to_heap_mode(cs_evq *q) {
  assert(q->n == 0 && !q->hole);
  q->nbk = q->cur = 0;
  drain_into_heap(q, &q->top);
  heapify(q);
  q->spread_at = 2 * q->n > spread_min(q) ? 2 * q->n : spread_min(q);
}

/* The k-th least of a[0..n) (k < n), reordering a: Hoare's selection with
** the middle element as pivot. Expected O(n). */
static double select_kth(double *a, size_t n, size_t k) {
  size_t l = 0, r = n - 1;
  while (l < r) {
    double pivot = a[l + (r - l) / 2];
    size_t i = l, j = r;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        double x = a[i];
        a[i++] = a[j];
        a[j] = x;
        if (j == 0) break;
        j--;
      }
    }
    if (k <= j) r = j;
    else if (k >= i) l = i;
    else break;
  }
  return a[k];
}

/* Lay out a new calendar for the entries of top (heap and buckets are
** empty). The least finite time goes to bucket 0, so the next refill makes
** progress. Storage for the buckets is reserved before anything moves: if
** it cannot be, the queue becomes a plain heap, which needs no allocation
** (cap >= nslots). So spread cannot fail, and afterwards the queue holds
** the same entries, in the heap or (calendar mode) with the heap non-empty. */
static void spread(cs_evq *q) {
  size_t m = q->top.n, k, b, low = 0;
  double lo = INFINITY, hi = -INFINITY;
  for (k = 0; k < m; k++) {
    double t = q->top.e[k].t;
    if (isfinite(t)) {
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
  }
  /* The calendar spans the earliest SPAN_SHARE of the events, estimated
  ** from a sample: with the whole range, a long tail of far-future events
  ** (an exponential's, or a run's end) would put most events in the first
  ** buckets. The rest wait in top for the next calendar. */
  double sample[SPAN_SAMPLE], span = hi;
  size_t ns = 0, stride = m / SPAN_SAMPLE + 1;
  for (k = 0; k < m; k += stride)
    if (isfinite(q->top.e[k].t)) sample[ns++] = q->top.e[k].t;
  if (ns > 0 && SPAN_SHARE < 1.0) {
    span = select_kth(sample, ns, (size_t)(SPAN_SHARE * (double)(ns - 1)));
    if (!(span > lo)) span = hi;
  }
  size_t nbk = (size_t)(SPAN_SHARE * (double)m / BUCKET_MEAN) + 1;
  if (nbk > BUCKET_MAX) nbk = BUCKET_MAX;
  double width = (span - lo) / (double)nbk;
  double inv = 1.0 / width;
  if (m < SPREAD_LOW || !(hi > lo) || !(width > 0) || !isfinite(width) || !(inv > 0) || !isfinite(inv)) {
    to_heap_mode(q);
    return;
  }
  if (nbk > q->bkcap) {
    elist *bk = realloc(q->bk, nbk * sizeof *bk);
    if (!bk) {
      to_heap_mode(q);
      return;
    }
    memset(bk + q->bkcap, 0, (nbk - q->bkcap) * sizeof *bk);
    q->bk = bk;
    q->bkcap = nbk;
  }
  /* Count per bucket in bk[].n, then reserve. d < 0 (a time of -inf) goes
  ** to the heap, d >= nbk stays in top. */
  for (k = 0; k < m; k++) {
    double d = (q->top.e[k].t - lo) * inv;
    if (d < 0) low++;
    else if (d < (double)(ptrdiff_t)nbk) q->bk[(ptrdiff_t)d].n++;
  }
  assert(q->n + low <= q->cap); /* cap >= nslots >= entries anywhere */
  int ok = 1;
  for (b = 0; b < nbk; b++) {
    elist *l = &q->bk[b];
    if (ok && l->n > l->cap) {
      size_t cap = l->cap ? l->cap : 16;
      while (cap < l->n) cap *= 2;
      entry *e = realloc(l->e, cap * sizeof *e);
      if (e) {
        l->e = e;
        l->cap = cap;
      } else {
        ok = 0;
      }
    }
    l->n = 0;
  }
  if (!ok) {
    to_heap_mode(q);
    return;
  }
  q->nbk = nbk;
  q->cur = 0;
  q->base = lo;
  q->inv_width = inv;
  size_t keep = 0;
  for (k = 0; k < m; k++) {
    entry e = q->top.e[k];
    double d = (e.t - lo) * inv;
    if (d < 0) {
      q->heap[q->n++] = e;
    } else if (d < (double)(ptrdiff_t)nbk) {
      elist *l = &q->bk[(ptrdiff_t)d];
      l->e[l->n++] = e;
    } else {
      q->top.e[keep++] = e;
    }
  }
  q->top.n = keep;
  q->nfar -= low;
  heapify(q);
  /* lo is finite and maps to d = 0: its entry went to the heap or bucket 0 */
  assert(q->n > 0 || q->bk[0].n > 0);
}

/* The heap is empty (no hole): move the next events into it, from the next
** non-empty bucket or, past the last bucket, from top through a new
** calendar (or back to heap mode). Returns 0 if the queue is empty. */
static int refill(cs_evq *q) {
  while (q->n == 0) {
    if (q->nfar == 0) {
      assert(q->live == 0 && q->dead == 0);
      q->nbk = q->cur = 0; /* empty: back to heap mode */
      q->spread_at = spread_min(q);
      return 0;
    }
    while (q->cur < q->nbk && q->bk[q->cur].n == 0) q->cur++;
    if (q->cur < q->nbk) {
      elist *l = &q->bk[q->cur++];
      /* Room was reserved: a bucket never holds more than the heap's cap
      ** (see cs_evq_push); the drain also touches the slots to be popped. */
      drain_into_heap(q, l);
      heapify(q);
    } else {
      /* Past the last bucket, so top holds all nfar > 0 entries: the new
      ** calendar (or heap) puts at least one of them in the heap or in a
      ** bucket, so the loop ends. */
      assert(q->top.n == q->nfar);
      spread(q);
    }
  }
  return 1;
}

/* Heap mode, heap at spread_at entries: move it all to top and spread. */
static void spread_heap(cs_evq *q) {
  fill_hole(q);
  elist *t = &q->top;
  if (t->cap < q->n) {
    entry *e = realloc(t->e, q->n * sizeof *e);
    if (!e) {
      q->spread_at *= 2; /* try again later; the heap works meanwhile */
      return;
    }
    t->e = e;
    t->cap = q->n;
  }
  memcpy(t->e, q->heap, q->n * sizeof *t->e);
  t->n = q->n;
  q->nfar += q->n;
  q->n = 0;
  spread(q);
}

static void compact_list(cs_evq *q, elist *l) {
  size_t k = 0;
  for (size_t i = 0; i < l->n; i++) {
    if (q->slots[l->e[i].slot].live)
      l->e[k++] = l->e[i];
    else
      free_slot(q, l->e[i].slot);
  }
  q->nfar -= l->n - k;
  l->n = k;
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
  for (size_t b = q->cur; b < q->nbk; b++) compact_list(q, &q->bk[b]);
  compact_list(q, &q->top);
  q->dead = 0;
  heapify(q);
}

/* Room for one more slot. */
static int slot_reserve(cs_evq *q) {
  if (q->nfree > 0 || q->nslots < q->slotcap) return CS_OK;
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
  return CS_OK;
}

int cs_evq__grow(cs_evq *q) {
  return slot_reserve(q) == CS_OK && heap_reserve(q, q->nslots + 1) == CS_OK ? CS_OK : CS_ENOMEM;
}

void cs_evq__replace_root(cs_evq *q, entry e) {
  q->heap[0] = e;
  if (q->n >= PREFETCH_MIN_N) {
    /* The next pop reads the new root's slot: the least child's (or e's,
    ** in cache already). A slot may straddle two lines: fetch both. */
    const char *p = (const char *)&q->slots[q->heap[least_of(q, least_of(q, 1, 2),
                                                              least_of(q, 3, 4))].slot];
    CS_PREFETCH(p);
    CS_PREFETCH(p + sizeof(slot) - 1);
  }
  sift_down(q, 0);
}

void cs_evq__insert(cs_evq *q, entry e) {
  q->heap[q->n] = e;
  sift_up(q, q->n++);
  if (CS_UNLIKELY(q->nbk == 0 && q->n >= q->spread_at)) spread_heap(q);
}

int cs_evq_push(cs_evq *q, double t, uint8_t prio, const cs_event *ev, cs_handle *h) {
  return cs_evq__push(q, t, prio, ev, h);
}

int cs_evq_cancel(cs_evq *q, cs_handle h) {
  uint32_t s = (uint32_t)(h & 0xffffffffu), gen = (uint32_t)(h >> 32);
  if (h == 0 || s >= q->nslots) return 0;
  slot *sl = &q->slots[s];
  if (sl->gen != gen || !sl->live) return 0;
  sl->live = 0;
  q->live--;
  q->dead++;
  if (CS_UNLIKELY(!q->cancelled)) { /* from now on, spread from SPREAD_MIN */
    q->cancelled = 1;
    if (q->spread_at == SPREAD_MIN_HOLD) q->spread_at = SPREAD_MIN;
  }
  if (q->dead > 64 && q->dead > q->live) compact(q);
  ASSERT_COUNTS(q);
  return 1;
}

int cs_evq__settle_slow(cs_evq *q) {
  fill_hole(q);
  for (;;) {
    if (q->n == 0 && !refill(q)) return 0;
    uint32_t s = q->heap[0].slot;
    if (q->slots[s].live) return 1;
    assert(q->dead > 0);
    free_slot(q, s);
    remove_root(q);
    q->dead--;
  }
}

int cs_evq_pop(cs_evq *q, double tmax, cs_event *ev) { return cs_evq__pop(q, tmax, ev); }

double cs_evq_peek_time(cs_evq *q) { return cs_evq__settle(q) ? q->heap[0].t : INFINITY; }

size_t cs_evq_size(const cs_evq *q) { return q->live; }
