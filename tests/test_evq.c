/* test_evq.c: the event queue against a reference model.
**
** The reference is a plain array of every event ever pushed, each with its
** (time, prio, seq) key and a state (pending, popped, cancelled); the next
** event is found by a linear scan for the least key among pending ones. The
** queue must agree with it after every operation: which event pops, whether a
** pop is refused by tmax, whether a cancel succeeds, peek_time and size.
** Times come from a small set of values so that ties in time and in
** (time, prio) are the common case, not the exception. */
#include "cs_evq.h"
#include "cs_rng.h"

#include "check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { PENDING = 0, POPPED = 1, CANCELLED = 2 };

typedef struct ref_ev {
  double t;
  uint8_t prio;
  uint64_t seq; /* our own count of successful pushes: the queue's order */
  cs_handle h;
  int state;
} ref_ev;

typedef struct ref {
  ref_ev *ev;
  size_t n, cap, live;
} ref;

static int key_less(const ref_ev *a, const ref_ev *b) {
  if (a->t != b->t) return a->t < b->t;
  if (a->prio != b->prio) return a->prio < b->prio;
  return a->seq < b->seq;
}

/* Index of the first pending event, or -1. O(n) over pending events. */
static long ref_first(const ref *r, const long *pend, size_t npend) {
  long best = -1;
  for (size_t i = 0; i < npend; i++)
    if (best < 0 || key_less(&r->ev[pend[i]], &r->ev[best])) best = pend[i];
  return best;
}

/* The payload identifies the reference record: a = index, b/c/x derived. */
static cs_event payload(size_t idx, uint32_t kind) {
  cs_event ev;
  memset(&ev, 0, sizeof ev);
  ev.kind = kind;
  ev.a = (int32_t)idx;
  ev.b = -(int32_t)idx;
  ev.c = (int32_t)(idx * 7u);
  ev.x = 0.5 * (double)idx;
  return ev;
}

static int payload_ok(const cs_event *ev, size_t idx, double t) {
  cs_event want = payload(idx, (uint32_t)(idx % 64));
  return ev->a == want.a && ev->b == want.b && ev->c == want.c && ev->x == want.x &&
         ev->kind == want.kind && ev->t == t;
}

/* Times: 20 distinct values plus rare infinities and signed zeros. */
static double draw_time(cs_pcg32 *r) {
  uint32_t u = cs_pcg32_bounded(r, 1000);
  if (u == 0) return INFINITY;
  if (u == 1) return -0.0;
  if (u == 2) return 0.0;
  return 0.25 * (double)(u % 20);
}

static uint8_t draw_prio(cs_pcg32 *r) {
  static const uint8_t prios[] = {0, 0, 1, 2, 3, 255};
  return prios[cs_pcg32_bounded(r, 6)];
}

/* 100k random operations. pend[] lists pending reference indices (order is
** irrelevant); gone[] lists indices already popped or cancelled, whose
** handles are now stale. */
static void test_random_ops(uint64_t seed, size_t nops, size_t cap_hint) {
  cs_ctx ctx = {{0}};
  cs_evq *q = NULL;
  CHECK(cs_evq_new(&ctx, cap_hint, &q) == CS_OK);
  if (!q) return;
  cs_pcg32 r;
  cs_stream_init(&r, seed, 0, CS_ENT_NONE, 0, 1);
  ref rf = {calloc(nops, sizeof(ref_ev)), 0, nops, 0};
  long *pend = calloc(nops, sizeof *pend), *gone = calloc(nops, sizeof *gone);
  size_t npend = 0, ngone = 0, errors = 0, npops = 0, nrefused = 0, ncancel = 0, nstale = 0;
  int after_pop = 0; /* the last operation was a successful pop: the hole */
  size_t hole_pushes = 0;
  /* Phases change the mix so the queue both grows large and drains. */
  for (size_t op = 0; op < nops && errors < 20; op++) {
    int grow_phase = (op / 5000) % 2 == 0;
    uint32_t dice = cs_pcg32_bounded(&r, 100);
    int prev_after_pop = after_pop;
    after_pop = 0;
    if (dice < (grow_phase ? 45u : 25u)) { /* push */
      size_t idx = rf.n++;
      ref_ev *e = &rf.ev[idx];
      e->t = draw_time(&r);
      e->prio = draw_prio(&r);
      e->seq = idx;
      e->state = PENDING;
      cs_event ev = payload(idx, (uint32_t)(idx % 64));
      ev.t = -1.0; /* the queue must overwrite it */
      int rc = cs_evq_push(q, e->t, e->prio, &ev, &e->h);
      if (rc != CS_OK || e->h == 0) errors++;
      pend[npend++] = (long)idx;
      if (prev_after_pop) hole_pushes++;
    } else if (dice < 70) { /* pop, unbounded or with a tmax */
      double tmax = dice < 55 ? INFINITY : 0.25 * (double)cs_pcg32_bounded(&r, 22) - 0.25;
      long want = ref_first(&rf, pend, npend);
      cs_event ev;
      memset(&ev, 0xab, sizeof ev);
      int got = cs_evq_pop(q, tmax, &ev);
      if (want >= 0 && rf.ev[want].t <= tmax) {
        if (got != 1 || ev.a != want || !payload_ok(&ev, (size_t)want, rf.ev[want].t)) {
          errors++;
          fprintf(stderr, "op %zu: pop got %d a=%d, want %ld (t=%g prio=%u)\n", op, got,
                  got ? ev.a : -1, want, rf.ev[want].t, rf.ev[want].prio);
        }
        rf.ev[want].state = POPPED;
        for (size_t i = 0; i < npend; i++)
          if (pend[i] == want) {
            pend[i] = pend[--npend];
            break;
          }
        gone[ngone++] = want;
        after_pop = 1;
        npops++;
      } else {
        if (got != 0) {
          errors++;
          fprintf(stderr, "op %zu: pop returned an event (a=%d, t=%g) beyond tmax=%g\n", op,
                  ev.a, ev.t, tmax);
        }
        nrefused++;
      }
    } else if (dice < 85) { /* cancel a pending event */
      if (npend == 0) continue;
      size_t k = cs_pcg32_bounded(&r, (uint32_t)npend);
      long idx = pend[k];
      if (cs_evq_cancel(q, rf.ev[idx].h) != 1) errors++;
      rf.ev[idx].state = CANCELLED;
      pend[k] = pend[--npend];
      gone[ngone++] = idx;
      ncancel++;
    } else if (dice < 95) { /* cancel a stale handle (popped or cancelled) */
      if (ngone == 0) continue;
      long idx = gone[cs_pcg32_bounded(&r, (uint32_t)ngone)];
      if (cs_evq_cancel(q, rf.ev[idx].h) != 0) {
        errors++;
        fprintf(stderr, "op %zu: stale handle of event %ld cancelled something\n", op, idx);
      }
      nstale++;
    } else if (dice < 97) { /* handles that were never issued */
      cs_handle junk = ((cs_handle)cs_pcg32_next(&r) << 32) | cs_pcg32_next(&r);
      CHECK(cs_evq_cancel(q, 0) == 0);
      if (cs_evq_cancel(q, junk | 0xffffff00u) != 0) errors++; /* slot beyond any pool */
      CHECK(cs_evq_cancel(q, (cs_handle)0xfffffffeu << 32) == 0);   /* gen never reached */
    } else { /* peek */
      long want = ref_first(&rf, pend, npend);
      double t = cs_evq_peek_time(q);
      if (want < 0 ? t != INFINITY : t != rf.ev[want].t) errors++;
    }
    if (cs_evq_size(q) != npend) {
      errors++;
      fprintf(stderr, "op %zu: size %zu, want %zu\n", op, cs_evq_size(q), npend);
    }
  }
  CHECK(errors == 0);
  /* The mix must have exercised every path. */
  CHECK(npops > nops / 5 && nrefused > 100 && ncancel > 1000 && nstale > 1000);
  CHECK(hole_pushes > 1000);
  /* Drain: the rest pops in reference order. */
  size_t drain_err = 0;
  while (npend > 0) {
    long want = ref_first(&rf, pend, npend);
    cs_event ev;
    if (cs_evq_pop(q, INFINITY, &ev) != 1 || ev.a != want) drain_err++;
    for (size_t i = 0; i < npend; i++)
      if (pend[i] == want) {
        pend[i] = pend[--npend];
        break;
      }
  }
  cs_event ev;
  CHECK(drain_err == 0);
  CHECK(cs_evq_pop(q, INFINITY, &ev) == 0);
  CHECK(cs_evq_size(q) == 0);
  CHECK(cs_evq_peek_time(q) == INFINITY);
  free(pend);
  free(gone);
  free(rf.ev);
  cs_evq_free(q);
}

/* Stale handles must not reach a slot that has been reused. */
static void test_stale_handles(void) {
  cs_evq *q = NULL;
  CHECK(cs_evq_new(NULL, 1, &q) == CS_OK);
  if (!q) return;
  cs_event a = payload(1, 1), b = payload(2, 2), c = payload(3, 3), ev;
  cs_handle ha, hb, hc;
  /* popped, then the slot reused during the hole */
  CHECK(cs_evq_push(q, 1.0, 0, &a, &ha) == CS_OK);
  CHECK(cs_evq_pop(q, INFINITY, &ev) == 1 && ev.a == 1);
  CHECK(cs_evq_push(q, 2.0, 0, &b, &hb) == CS_OK);
  CHECK(ha != hb);
  CHECK(cs_evq_cancel(q, ha) == 0);
  CHECK(cs_evq_size(q) == 1);
  /* cancelled, dropped at the top by a pop, then the slot reused */
  CHECK(cs_evq_push(q, 0.5, 0, &c, &hc) == CS_OK);
  CHECK(cs_evq_cancel(q, hc) == 1);
  CHECK(cs_evq_cancel(q, hc) == 0);
  CHECK(cs_evq_size(q) == 1);
  CHECK(cs_evq_peek_time(q) == 2.0);
  CHECK(cs_evq_push(q, 3.0, 0, &c, &hc) == CS_OK);
  CHECK(cs_evq_cancel(q, ha) == 0);
  CHECK(cs_evq_cancel(q, hb) == 1);
  CHECK(cs_evq_cancel(q, hb) == 0);
  CHECK(cs_evq_pop(q, INFINITY, &ev) == 1 && ev.a == 3 && ev.t == 3.0);
  CHECK(cs_evq_cancel(q, hc) == 0);
  CHECK(cs_evq_pop(q, INFINITY, &ev) == 0);
  CHECK(cs_evq_size(q) == 0);
  /* NaN is refused and changes nothing */
  CHECK(cs_evq_push(q, NAN, 0, &a, &ha) == CS_EINVAL);
  CHECK(cs_evq_size(q) == 0 && cs_evq_peek_time(q) == INFINITY);
  cs_evq_free(q);
  cs_evq_free(NULL);
}

/* The hole left by a pop: a push may land before, among or after the rest;
** a second pop, a cancel or a peek must each close it correctly. */
static void test_hole(void) {
  cs_evq *q = NULL;
  CHECK(cs_evq_new(NULL, 4, &q) == CS_OK);
  if (!q) return;
  cs_event ev;
  for (int i = 0; i < 10; i++) {
    cs_event e = payload((size_t)i, (uint32_t)i);
    CHECK(cs_evq_push(q, (double)(10 + i), 0, &e, NULL) == CS_OK);
  }
  CHECK(cs_evq_pop(q, INFINITY, &ev) == 1 && ev.a == 0); /* hole */
  cs_event early = payload(100, 36);
  CHECK(cs_evq_push(q, 1.0, 0, &early, NULL) == CS_OK); /* before the rest */
  CHECK(cs_evq_size(q) == 10);
  CHECK(cs_evq_pop(q, INFINITY, &ev) == 1 && ev.a == 100);
  CHECK(cs_evq_pop(q, INFINITY, &ev) == 1 && ev.a == 1); /* pop closes a hole */
  cs_handle h;
  cs_event late = payload(101, 37);
  CHECK(cs_evq_push(q, 100.0, 0, &late, &h) == CS_OK); /* after the rest */
  CHECK(cs_evq_pop(q, 11.5, &ev) == 0); /* 12 > 11.5: refused, nothing removed */
  CHECK(cs_evq_size(q) == 9);
  CHECK(cs_evq_pop(q, 12.0, &ev) == 1 && ev.a == 2); /* tmax is inclusive */
  CHECK(cs_evq_peek_time(q) == 13.0);                 /* peek closes a hole */
  CHECK(cs_evq_pop(q, INFINITY, &ev) == 1 && ev.a == 3);
  CHECK(cs_evq_cancel(q, h) == 1); /* cancel during a hole */
  CHECK(cs_evq_size(q) == 6);
  cs_event tie = payload(102, 38);
  CHECK(cs_evq_pop(q, INFINITY, &ev) == 1 && ev.a == 4);
  CHECK(cs_evq_push(q, 15.0, 0, &tie, NULL) == CS_OK); /* ties the next: goes after */
  CHECK(cs_evq_pop(q, INFINITY, &ev) == 1 && ev.a == 5);
  CHECK(cs_evq_pop(q, INFINITY, &ev) == 1 && ev.a == 102);
  for (int i = 6; i < 10; i++) CHECK(cs_evq_pop(q, INFINITY, &ev) == 1 && ev.a == i);
  CHECK(cs_evq_pop(q, INFINITY, &ev) == 0 && cs_evq_size(q) == 0);
  cs_evq_free(q);
}

/* Mass cancellation forces compaction (dead > live and > 64); the survivors
** keep their order and their handles, and the pool is reused afterwards. */
static void test_compaction(void) {
  enum { N = 20000 };
  cs_evq *q = NULL;
  CHECK(cs_evq_new(NULL, 16, &q) == CS_OK);
  if (!q) return;
  cs_pcg32 r;
  cs_stream_init(&r, 7, 0, CS_ENT_NONE, 0, 2);
  ref_ev *ev = calloc(N, sizeof *ev);
  long *keep = calloc(N, sizeof *keep);
  for (size_t i = 0; i < N; i++) {
    ev[i].t = (double)cs_pcg32_bounded(&r, 50);
    ev[i].prio = (uint8_t)cs_pcg32_bounded(&r, 3);
    ev[i].seq = i;
    cs_event e = payload(i, (uint32_t)(i % 64));
    CHECK(cs_evq_push(q, ev[i].t, ev[i].prio, &e, &ev[i].h) == CS_OK);
  }
  /* Pop a few so a hole is open when the cancellations start. */
  size_t nkeep = 0, bad = 0;
  cs_event got;
  for (int k = 0; k < 3; k++) {
    CHECK(cs_evq_pop(q, INFINITY, &got) == 1);
    ev[got.a].state = POPPED;
  }
  for (size_t i = 0; i < N; i++) {
    if (ev[i].state == POPPED) continue;
    if (cs_pcg32_bounded(&r, 10) != 0) {
      if (cs_evq_cancel(q, ev[i].h) != 1) bad++;
      ev[i].state = CANCELLED;
    } else {
      keep[nkeep++] = (long)i;
    }
  }
  CHECK(bad == 0);
  CHECK(cs_evq_size(q) == nkeep);
  /* Cancelled handles stay stale across compaction. */
  for (size_t i = 0; i < N; i++)
    if (ev[i].state != PENDING && cs_evq_cancel(q, ev[i].h) != 0) bad++;
  CHECK(bad == 0);
  /* Survivors' handles still work: cancel every 7th, then refill the pool. */
  size_t m = 0;
  for (size_t k = 0; k < nkeep; k++) {
    if (k % 7 == 0) {
      if (cs_evq_cancel(q, ev[keep[k]].h) != 1) bad++;
      ev[keep[k]].state = CANCELLED;
    } else {
      keep[m++] = keep[k];
    }
  }
  nkeep = m;
  CHECK(bad == 0);
  CHECK(cs_evq_size(q) == nkeep);
  /* Sort the survivors by key (insertion sort is fine at this size). */
  for (size_t i = 1; i < nkeep; i++) {
    long x = keep[i];
    size_t j = i;
    for (; j > 0 && key_less(&ev[x], &ev[keep[j - 1]]); j--) keep[j] = keep[j - 1];
    keep[j] = x;
  }
  for (size_t k = 0; k < nkeep; k++)
    if (cs_evq_pop(q, INFINITY, &got) != 1 || got.a != keep[k]) bad++;
  CHECK(bad == 0);
  CHECK(cs_evq_pop(q, INFINITY, &got) == 0 && cs_evq_size(q) == 0);
  /* The freed slots serve new pushes and old handles cannot touch them. */
  for (size_t i = 0; i < 1000; i++) {
    cs_event e = payload(i, (uint32_t)(i % 64));
    CHECK(cs_evq_push(q, (double)(1000 - i), 0, &e, NULL) == CS_OK);
  }
  for (size_t i = 0; i < N; i++)
    if (cs_evq_cancel(q, ev[i].h) != 0) bad++;
  CHECK(bad == 0);
  CHECK(cs_evq_size(q) == 1000);
  for (size_t i = 0; i < 1000; i++)
    if (cs_evq_pop(q, INFINITY, &got) != 1 || got.a != (int32_t)(999 - i)) bad++;
  CHECK(bad == 0);
  free(keep);
  free(ev);
  cs_evq_free(q);
}

/* A simulation-like hold pattern: pop one, push one later; many ties. A
** large population takes the queue's prefetching paths too. */
static void test_hold(int POP, int STEPS) {
  cs_evq *q = NULL;
  CHECK(cs_evq_new(NULL, 16, &q) == CS_OK);
  if (!q) return;
  cs_pcg32 r;
  cs_stream_init(&r, 11, 0, CS_ENT_NONE, 0, 3);
  size_t bad = 0;
  for (int i = 0; i < POP; i++) {
    cs_event e = payload((size_t)i, 0);
    e.b = 0; /* b: the prio, c: a per-(t, prio) counter to check FIFO */
    if (cs_evq_push(q, (double)cs_pcg32_bounded(&r, 4), 0, &e, NULL) != CS_OK) bad++;
  }
  double last_t = -1.0;
  int last_prio = -1;
  int32_t last_a = -1;
  for (int s = 0; s < STEPS; s++) {
    cs_event ev;
    if (cs_evq_pop(q, INFINITY, &ev) != 1) {
      bad++;
      break;
    }
    /* (t, prio) never decreases; at equal (t, prio), a (the push count
    ** stamped below) increases: FIFO among ties. */
    if (ev.t < last_t || (ev.t == last_t && (ev.b < last_prio ||
                                              (ev.b == last_prio && ev.a <= last_a))))
      bad++;
    last_t = ev.t;
    last_prio = ev.b;
    last_a = ev.a;
    cs_event e = payload((size_t)(POP + s), 0);
    e.b = (int32_t)cs_pcg32_bounded(&r, 3);
    /* same time a third of the time; a wide spread of later times otherwise */
    double t = cs_pcg32_bounded(&r, 3) == 0 ? ev.t : ev.t + cs_rng_exp(&r, 1.0);
    if (t == ev.t && e.b < ev.b) e.b = ev.b;          /* never before the current event */
    if (cs_evq_push(q, t, (uint8_t)e.b, &e, NULL) != CS_OK) bad++;
  }
  CHECK(bad == 0);
  CHECK(cs_evq_size(q) == (size_t)POP);
  cs_evq_free(q);
}

/* A hold pattern without cancellations, then with them: a queue that has
** never cancelled stays a heap longer than one that has (see spread_min in
** evq.c), so the first cancellation changes when it lays out a calendar,
** in the middle of a run. Whatever the structure, pops come out in
** (time, prio, push order), no cancelled event pops, and the size is
** exact. POP lies between the two sizes from which the queue spreads. */
static void test_hold_first_cancel(int POP, int STEPS) {
  cs_evq *q = NULL;
  CHECK(cs_evq_new(NULL, 16, &q) == CS_OK);
  if (!q) return;
  cs_pcg32 r;
  cs_stream_init(&r, 12, 0, CS_ENT_NONE, 0, 3);
  size_t bad = 0, live = (size_t)POP, ncancel = 0;
  cs_handle *h = calloc((size_t)(POP + STEPS), sizeof *h);
  char *cancelled = calloc((size_t)(POP + STEPS), 1); /* by push index (ev.a) */
  CHECK(h != NULL && cancelled != NULL);
  if (!h || !cancelled) {
    free(h);
    free(cancelled);
    cs_evq_free(q);
    return;
  }
  for (int i = 0; i < POP; i++) {
    cs_event e = payload((size_t)i, 0);
    e.b = 0;
    if (cs_evq_push(q, cs_rng_exp(&r, 1.0), 0, &e, &h[i]) != CS_OK) bad++;
  }
  double last_t = -1.0;
  int last_prio = -1;
  int32_t last_a = -1;
  for (int s = 0; s < STEPS; s++) {
    cs_event ev;
    if (cs_evq_pop(q, INFINITY, &ev) != 1) {
      bad++;
      break;
    }
    live--;
    if (ev.t < last_t || (ev.t == last_t && (ev.b < last_prio ||
                                              (ev.b == last_prio && ev.a <= last_a))))
      bad++;
    if (cancelled[ev.a]) bad++;
    last_t = ev.t;
    last_prio = ev.b;
    last_a = ev.a;
    cs_event e = payload((size_t)(POP + s), 0);
    e.b = (int32_t)cs_pcg32_bounded(&r, 3);
    double t = cs_pcg32_bounded(&r, 8) == 0 ? ev.t : ev.t + cs_rng_exp(&r, 1.0);
    if (t == ev.t && e.b < ev.b) e.b = ev.b;
    if (cs_evq_push(q, t, (uint8_t)e.b, &e, &h[POP + s]) != CS_OK) bad++;
    live++;
    /* In the second half, cancel a random earlier event now and then (its
    ** handle may be stale: it popped or was cancelled already). */
    if (s >= STEPS / 2 && cs_pcg32_bounded(&r, 4) == 0) {
      uint32_t k = cs_pcg32_bounded(&r, (uint32_t)(POP + s + 1));
      if (cs_evq_cancel(q, h[k]) == 1) {
        cancelled[k] = 1;
        live--;
        ncancel++;
      }
    }
    if (cs_evq_size(q) != live) bad++;
  }
  CHECK(bad == 0);
  CHECK(ncancel > 0);
  while (live > 0) { /* drain: still in order */
    cs_event ev;
    if (cs_evq_pop(q, INFINITY, &ev) != 1 || ev.t < last_t || cancelled[ev.a]) {
      bad++;
      break;
    }
    last_t = ev.t;
    live--;
  }
  CHECK(bad == 0);
  CHECK(cs_evq_size(q) == 0 && cs_evq_peek_time(q) == INFINITY);
  free(cancelled);
  free(h);
  cs_evq_free(q);
}

/* Large queues against a reference binary heap on (time, prio, seq): the
** calendar tier of the queue (see evq.c) is used only once the queue holds
** thousands of events. Phases: a hold pattern with continuous times, ties
** and cancellations; pops bounded by tmax; a burst of events all at one time
** (a calendar cannot be laid out: the queue falls back to a heap); mass
** cancellation (compaction with events in buckets); a drain to empty and a
** regrowth. Every pop, peek and size must agree with the reference. */
typedef struct bref {
  ref_ev *ev;    /* every event pushed, by push index */
  size_t nev;
  size_t *heap;  /* indices of pending or cancelled-but-not-yet-dropped events */
  size_t n;
} bref;

static void bref_swap(bref *b, size_t i, size_t j) {
  size_t x = b->heap[i];
  b->heap[i] = b->heap[j];
  b->heap[j] = x;
}

static void bref_push(bref *b, size_t idx) {
  size_t i = b->n++;
  b->heap[i] = idx;
  while (i > 0 && key_less(&b->ev[b->heap[i]], &b->ev[b->heap[(i - 1) / 2]])) {
    bref_swap(b, i, (i - 1) / 2);
    i = (i - 1) / 2;
  }
}

/* The first pending event (cancelled ones are dropped), or -1. */
static long bref_first(bref *b) {
  while (b->n > 0 && b->ev[b->heap[0]].state != PENDING) {
    b->heap[0] = b->heap[--b->n];
    for (size_t i = 0;;) {
      size_t l = 2 * i + 1, m = i;
      if (l < b->n && key_less(&b->ev[b->heap[l]], &b->ev[b->heap[m]])) m = l;
      if (l + 1 < b->n && key_less(&b->ev[b->heap[l + 1]], &b->ev[b->heap[m]])) m = l + 1;
      if (m == i) break;
      bref_swap(b, i, m);
      i = m;
    }
  }
  return b->n > 0 ? (long)b->heap[0] : -1;
}

static void test_calendar(uint64_t seed) {
  enum { MAXEV = 600000 };
  cs_evq *q = NULL;
  CHECK(cs_evq_new(NULL, 16, &q) == CS_OK);
  if (!q) return;
  cs_pcg32 r;
  cs_stream_init(&r, seed, 0, CS_ENT_NONE, 0, 4);
  bref b = {calloc(MAXEV, sizeof(ref_ev)), 0, calloc(MAXEV, sizeof(size_t)), 0};
  size_t *pend = calloc(MAXEV, sizeof *pend), npend = 0; /* pending, for cancels */
  size_t *where = calloc(MAXEV, sizeof *where);           /* index in pend */
  size_t bad = 0, nrefused = 0;
  double now = 0;
#define PUSH(T, PRIO)                                                        \
  do {                                                                       \
    size_t i_ = b.nev++;                                                     \
    ref_ev *e_ = &b.ev[i_];                                                  \
    e_->t = (T);                                                             \
    e_->prio = (PRIO);                                                       \
    e_->seq = i_;                                                            \
    e_->state = PENDING;                                                     \
    cs_event pe_ = payload(i_, (uint32_t)(i_ % 64));                         \
    if (cs_evq_push(q, e_->t, e_->prio, &pe_, &e_->h) != CS_OK) bad++;       \
    bref_push(&b, i_);                                                       \
    where[i_] = npend;                                                       \
    pend[npend++] = i_;                                                      \
  } while (0)
#define GONE(I)                                                              \
  do {                                                                       \
    size_t k_ = where[I];                                                    \
    pend[k_] = pend[--npend];                                                \
    where[pend[k_]] = k_;                                                    \
  } while (0)
  /* Pop one (bounded by tmax) from both and compare; returns 1 if popped. */
#define POP(TMAX, GOT)                                                       \
  do {                                                                       \
    double tmax_ = (TMAX);                                                   \
    long want_ = bref_first(&b);                                             \
    cs_event ev_;                                                            \
    int got_ = cs_evq_pop(q, tmax_, &ev_);                                   \
    (GOT) = 0;                                                               \
    if (want_ >= 0 && b.ev[want_].t <= tmax_) {                              \
      if (got_ != 1 || ev_.a != want_ || !payload_ok(&ev_, (size_t)want_, b.ev[want_].t)) bad++; \
      b.ev[want_].state = POPPED;                                            \
      GONE((size_t)want_);                                                   \
      if (b.ev[want_].t > now) now = b.ev[want_].t;                          \
      (GOT) = 1;                                                             \
    } else {                                                                 \
      if (got_ != 0) bad++;                                                  \
      nrefused++;                                                            \
    }                                                                        \
  } while (0)
  for (int i = 0; i < 3; i++) PUSH(-INFINITY, (uint8_t)(2 - i));
  for (int i = 0; i < 40000; i++) {
    uint32_t u = cs_pcg32_bounded(&r, 100);
    double t = u == 0 ? INFINITY : u < 10 ? (double)(u % 4) : 10.0 * cs_rng_exp(&r, 1.0);
    PUSH(t, (uint8_t)cs_pcg32_bounded(&r, 3));
  }
  for (int phase = 0; phase < 5 && bad == 0; phase++) {
    if (phase == 2) /* a burst at one time: no calendar can split it */
      for (int i = 0; i < 30000; i++) PUSH(now + 1.0, (uint8_t)cs_pcg32_bounded(&r, 3));
    if (phase == 3) { /* mass cancellation: compaction */
      for (size_t k = npend; k-- > 0;)
        if (cs_pcg32_bounded(&r, 10) != 0) {
          size_t i = pend[k];
          if (cs_evq_cancel(q, b.ev[i].h) != 1) bad++;
          b.ev[i].state = CANCELLED;
          GONE(i);
        }
    }
    if (phase == 4) { /* drain to empty, then grow again */
      int got = 1;
      while (npend > 0 && bad == 0) POP(INFINITY, got);
      (void)got;
      CHECK(cs_evq_size(q) == 0 && cs_evq_peek_time(q) == INFINITY);
      for (int i = 0; i < 20000; i++) PUSH(now + 5.0 * cs_rng_exp(&r, 1.0), (uint8_t)cs_pcg32_bounded(&r, 3));
    }
    for (int step = 0; step < 60000 && bad == 0; step++) {
      uint32_t dice = cs_pcg32_bounded(&r, 100);
      int got = 0;
      if (dice < 60) { /* hold: pop, then push at the same time or later */
        POP(INFINITY, got);
        if (got) {
          double t = cs_pcg32_bounded(&r, 4) == 0 ? now : now + cs_rng_exp(&r, 0.1);
          PUSH(t, (uint8_t)cs_pcg32_bounded(&r, 3));
        }
      } else if (dice < 65) {
        POP(now + cs_rng_exp(&r, 50.0), got);
      } else if (dice < 70) {
        POP(now, got); /* refused unless the first event is at now */
      } else if (dice < 80) {
        if (npend > 0) {
          size_t i = pend[cs_pcg32_bounded(&r, (uint32_t)npend)];
          if (cs_evq_cancel(q, b.ev[i].h) != 1) bad++;
          b.ev[i].state = CANCELLED;
          GONE(i);
        }
      } else if (dice < 85) {
        long want = bref_first(&b);
        if (cs_evq_peek_time(q) != (want < 0 ? INFINITY : b.ev[want].t)) bad++;
      } else {
        PUSH(now + cs_rng_exp(&r, 0.1), (uint8_t)cs_pcg32_bounded(&r, 3));
      }
      if (cs_evq_size(q) != npend) bad++;
    }
  }
#undef PUSH
#undef GONE
#undef POP
  CHECK(bad == 0);
  CHECK(nrefused > 1000);
  free(where);
  free(pend);
  free(b.heap);
  free(b.ev);
  cs_evq_free(q);
}

int main(void) {
  test_stale_handles();
  test_hole();
  test_compaction();
  test_hold(500, 200000);
  test_hold(100000, 300000);
  test_hold_first_cancel(5000, 200000);
  test_random_ops(1, 100000, 1);
  test_random_ops(2, 100000, 4096);
  test_calendar(5);
  test_calendar(6);
  return check_report();
}
