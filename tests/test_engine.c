/* test_engine.c: the run loop, its contract, and the M/M/1 verification
** (sim/README.md, Verification, item 3) on the bare engine.
**
** M/M/1 with arrival rate lambda = 0.8 and service rate mu = 1 (rho = 0.8):
** the number in system L = rho / (1 - rho) = 4, the mean sojourn
** W = 1 / (mu - lambda) = 5, the idle fraction P0 = 1 - rho = 0.2.
**
** Tolerance: R = 40 independent replications (replicate r of the stream
** tuple), each started empty, warmed up for 2000 time units (the relaxation
** time of this queue is 1 / (sqrt(mu) - sqrt(lambda))^2 ~ 90) and observed for
** T = 2e5 time units. Each replication yields one estimate of L, W and P0;
** the R estimates are iid and, being long-run averages, close to normal, so
** (mean - truth) / (s / sqrt(R)) follows Student's t with R - 1 = 39 degrees of
** freedom. We accept |mean - truth| <= 4 s / sqrt(R): P(|t_39| > 4) ~ 3e-4, so
** a correct engine fails one of the three checks with probability < 1e-3.
** (The warm-up bias left after 2000 >> 90 time units is negligible.) */
#include "cs_engine.h"
#include "cs_rng.h"

#include "check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { EV_ARRIVAL = 0, EV_DEPARTURE = 1 };

typedef struct mm1 {
  cs_pcg32 arr, svc; /* arrival and service streams */
  double lambda, mu;
  double *fifo;      /* arrival times of customers in system, a ring */
  size_t cap, head, n;
  double last, t0;   /* time of the last state change; start of observation */
  double area, idle; /* integral of n(t) and of [n(t) == 0] since t0 */
  double wsum;       /* sum of sojourns of customers departed since t0 */
  uint64_t ndep;
  int err;
} mm1;

static void mm1_advance(mm1 *m, double now) {
  double dt = now - m->last;
  m->area += (double)m->n * dt;
  if (m->n == 0) m->idle += dt;
  m->last = now;
}

static int on_arrival(cs_engine *e, const cs_event *ev, void *ud) {
  mm1 *m = ud;
  double now = cs_engine_now(e);
  mm1_advance(m, now);
  if (m->n == m->cap) { /* grow the ring, unrolling it */
    size_t cap = 2 * m->cap;
    double *f = malloc(cap * sizeof *f);
    if (!f) return CS_ENOMEM;
    for (size_t i = 0; i < m->n; i++) f[i] = m->fifo[(m->head + i) % m->cap];
    free(m->fifo);
    m->fifo = f;
    m->cap = cap;
    m->head = 0;
  }
  m->fifo[(m->head + m->n) % m->cap] = now;
  m->n++;
  cs_event next = {0};
  int rc = CS_OK;
  if (m->n == 1) {
    next.kind = EV_DEPARTURE;
    rc = cs_engine_schedule(e, now + cs_rng_exp(&m->svc, m->mu), 0, &next, NULL);
  }
  next.kind = EV_ARRIVAL;
  if (rc == CS_OK) rc = cs_engine_schedule(e, now + cs_rng_exp(&m->arr, m->lambda), 0, &next, NULL);
  return rc;
}

static int on_departure(cs_engine *e, const cs_event *ev, void *ud) {
  mm1 *m = ud;
  double now = cs_engine_now(e);
  if (m->n == 0) return m->err = CS_EINVAL; /* a departure from an empty queue */
  mm1_advance(m, now);
  double arrived = m->fifo[m->head];
  m->head = (m->head + 1) % m->cap;
  m->n--;
  m->wsum += now - arrived;
  m->ndep++;
  if (m->n > 0) {
    cs_event next = {0};
    next.kind = EV_DEPARTURE;
    return cs_engine_schedule(e, now + cs_rng_exp(&m->svc, m->mu), 0, &next, NULL);
  }
  return CS_OK;
}

/* One replication: writes its estimates of L, W and P0. */
static int mm1_replicate(uint64_t seed, uint64_t rep, double warm, double span, double out[3]) {
  mm1 m;
  memset(&m, 0, sizeof m);
  m.lambda = 0.8;
  m.mu = 1.0;
  m.cap = 64;
  cs_stream_init(&m.arr, seed, rep, CS_ENT_NONE, 0, 1);
  cs_stream_init(&m.svc, seed, rep, CS_ENT_NONE, 0, 2);
  cs_engine *e = NULL;
  int rc = CS_ENOMEM;
  if (!(m.fifo = malloc(m.cap * sizeof *m.fifo))) goto done;
  if ((rc = cs_engine_new(NULL, 64, &e)) != CS_OK) goto done;
  if ((rc = cs_engine_on(e, EV_ARRIVAL, on_arrival, &m)) != CS_OK) goto done;
  if ((rc = cs_engine_on(e, EV_DEPARTURE, on_departure, &m)) != CS_OK) goto done;
  cs_event first = {0};
  first.kind = EV_ARRIVAL;
  if ((rc = cs_engine_schedule(e, cs_rng_exp(&m.arr, m.lambda), 0, &first, NULL)) != CS_OK)
    goto done;
  if ((rc = cs_engine_run(e, warm)) != CS_OK) goto done;
  mm1_advance(&m, warm); /* nothing changes between the last event and warm */
  m.t0 = warm;
  m.area = m.idle = m.wsum = 0.0;
  m.ndep = 0;
  if ((rc = cs_engine_run(e, warm + span)) != CS_OK) goto done;
  CHECK(cs_engine_now(e) == warm + span);
  mm1_advance(&m, warm + span);
  out[0] = m.area / span;
  out[1] = m.wsum / (double)m.ndep;
  out[2] = m.idle / span;
done:
  if (m.err) rc = m.err;
  cs_engine_free(e);
  free(m.fifo);
  return rc;
}

static void test_mm1(void) {
  enum { R = 40 };
  static const double truth[3] = {4.0, 5.0, 0.2};
  static const char *names[3] = {"L", "W", "P0"};
  double est[R][3], sum[3] = {0}, ss[3] = {0};
  for (int r = 0; r < R; r++) {
    int rc = mm1_replicate(20240601, (uint64_t)r, 2000.0, 2e5, est[r]);
    CHECK(rc == CS_OK);
    if (rc != CS_OK) return;
    for (int k = 0; k < 3; k++) sum[k] += est[r][k];
  }
  for (int k = 0; k < 3; k++) {
    double mean = sum[k] / R;
    for (int r = 0; r < R; r++) ss[k] += (est[r][k] - mean) * (est[r][k] - mean);
    double se = sqrt(ss[k] / (R - 1) / R);
    fprintf(stderr, "M/M/1 %-2s = %.4f +- %.4f (SE), want %.4f\n", names[k], mean, se, truth[k]);
    CHECK(se > 0.0);
    CHECK_NEAR(mean, truth[k], 4.0 * se);
  }
}

/* ---- the contract of the run loop ---- */

typedef struct trace {
  int32_t seen[64];  /* the a field of each processed event, in order */
  double when[64];
  int n;
  int stop_at;       /* call cs_engine_stop when processing a == stop_at */
  int fail_at;       /* return fail_rc when processing a == fail_at */
  int fail_rc;
  int spawn_at;      /* schedule a prio-0 event at now when processing a == spawn_at */
} trace;

static int on_trace(cs_engine *e, const cs_event *ev, void *ud) {
  trace *tr = ud;
  if (tr->n < 64) {
    tr->seen[tr->n] = ev->a;
    tr->when[tr->n] = cs_engine_now(e);
  }
  tr->n++;
  if (ev->a == tr->stop_at) cs_engine_stop(e);
  if (ev->a == tr->fail_at) return tr->fail_rc;
  if (ev->a == tr->spawn_at) {
    cs_event s = {0};
    s.kind = ev->kind;
    s.a = 1000 + ev->a;
    return cs_engine_schedule(e, cs_engine_now(e), 0, &s, NULL);
  }
  return CS_OK;
}

static cs_engine *new_traced(trace *tr) {
  memset(tr, 0, sizeof *tr);
  tr->stop_at = tr->fail_at = tr->spawn_at = -1;
  cs_engine *e = NULL;
  CHECK(cs_engine_new(NULL, 4, &e) == CS_OK);
  if (e) CHECK(cs_engine_on(e, 3, on_trace, tr) == CS_OK);
  return e;
}

static int sched(cs_engine *e, double t, uint8_t prio, int32_t a, cs_handle *h) {
  cs_event ev = {0};
  ev.kind = 3;
  ev.a = a;
  return cs_engine_schedule(e, t, prio, &ev, h);
}

static void test_schedule_errors(void) {
  trace tr;
  cs_engine *e = new_traced(&tr);
  if (!e) return;
  cs_event ev = {0};
  ev.kind = 5; /* no handler */
  CHECK(cs_engine_schedule(e, 1.0, 0, &ev, NULL) == CS_EINVAL);
  CHECK(strlen(cs_errmsg(cs_engine_ctx(e))) > 0);
  ev.kind = CS_ENGINE_MAX_KINDS + 7;
  CHECK(cs_engine_schedule(e, 1.0, 0, &ev, NULL) == CS_EINVAL);
  CHECK(cs_engine_on(e, CS_ENGINE_MAX_KINDS, on_trace, &tr) == CS_EINVAL);
  CHECK(cs_engine_on(e, 4, NULL, &tr) == CS_EINVAL);
  CHECK(sched(e, NAN, 0, 1, NULL) == CS_EINVAL);
  CHECK(sched(e, INFINITY, 0, 1, NULL) == CS_EINVAL);
  CHECK(sched(e, 2.0, 0, 1, NULL) == CS_OK);
  CHECK(cs_engine_run(e, 5.0) == CS_OK);
  CHECK(cs_engine_now(e) == 5.0);
  cs_engine_ctx(e)->msg[0] = '\0';
  CHECK(sched(e, 4.999, 0, 2, NULL) == CS_EINVAL); /* before now */
  CHECK(strlen(cs_errmsg(cs_engine_ctx(e))) > 0);
  CHECK(sched(e, -1.0, 0, 2, NULL) == CS_EINVAL);
  CHECK(sched(e, 5.0, 0, 3, NULL) == CS_OK); /* at now is fine */
  CHECK(cs_engine_run(e, 5.0) == CS_OK);
  CHECK(tr.n == 2 && tr.seen[1] == 3);
  CHECK(cs_engine_events(e) == 2);
  cs_engine_free(e);
  cs_engine_free(NULL);
}

static void test_tie_order(void) {
  trace tr;
  cs_engine *e = new_traced(&tr);
  if (!e) return;
  /* Scheduled out of order; at t = 1 they must run by (prio, seq). */
  static const uint8_t prio[8] = {2, 0, 1, 0, 2, 1, 0, 255};
  for (int i = 0; i < 8; i++) CHECK(sched(e, 1.0, prio[i], i, NULL) == CS_OK);
  CHECK(sched(e, 0.5, 9, 100, NULL) == CS_OK);
  CHECK(sched(e, 2.0, 0, 200, NULL) == CS_OK);
  tr.spawn_at = 2; /* the first prio-1 event spawns a prio-0 event at now */
  CHECK(cs_engine_run(e, 10.0) == CS_OK);
  static const int32_t want[] = {100, 1, 3, 6, 2, 1002, 5, 0, 4, 7, 200};
  CHECK(tr.n == 11);
  for (int i = 0; i < 11 && i < tr.n; i++) CHECK(tr.seen[i] == want[i]);
  CHECK(cs_engine_now(e) == 10.0);
  cs_engine_free(e);
}

static void test_run_until(void) {
  trace tr;
  cs_engine *e = new_traced(&tr);
  if (!e) return;
  cs_handle h;
  CHECK(sched(e, 1.0, 0, 1, NULL) == CS_OK);
  CHECK(sched(e, 3.0, 0, 3, NULL) == CS_OK); /* exactly t_end: processed */
  CHECK(sched(e, 3.5, 0, 4, &h) == CS_OK);
  CHECK(sched(e, 7.0, 0, 7, NULL) == CS_OK);
  CHECK(cs_engine_run(e, 3.0) == CS_OK);
  CHECK(tr.n == 2 && cs_engine_now(e) == 3.0);
  CHECK(cs_engine_events(e) == 2);
  CHECK(cs_engine_run(e, 2.0) == CS_OK); /* an earlier t_end does nothing */
  CHECK(tr.n == 2 && cs_engine_now(e) == 3.0);
  cs_engine_cancel(e, h);
  cs_engine_cancel(e, h); /* stale: ignored */
  cs_engine_cancel(e, 0);
  CHECK(cs_engine_run(e, 6.5) == CS_OK);
  CHECK(tr.n == 2 && cs_engine_now(e) == 6.5);
  CHECK(cs_engine_run(e, 100.0) == CS_OK);
  CHECK(tr.n == 3 && tr.seen[2] == 7 && tr.when[2] == 7.0);
  CHECK(cs_engine_now(e) == 100.0);
  cs_engine_free(e);
}

static void test_reschedule(void) {
  trace tr;
  cs_engine *e = new_traced(&tr);
  if (!e) return;
  cs_handle h;
  CHECK(sched(e, 5.0, 0, 5, &h) == CS_OK);
  CHECK(sched(e, 2.0, 0, 2, NULL) == CS_OK);
  cs_event ev = {.kind = 3, .a = 5};
  CHECK(cs_engine_reschedule(e, &h, 1.0, 0, &ev) == CS_OK); /* earlier */
  cs_handle old = h;
  CHECK(cs_engine_reschedule(e, &h, 3.0, 0, &ev) == CS_OK); /* then later */
  CHECK(h != old);
  cs_engine_cancel(e, old); /* the superseded handle is stale: no effect */
  CHECK(cs_engine_reschedule(e, &h, -1.0, 0, &ev) == CS_EINVAL);
  CHECK(cs_engine_run(e, 10.0) == CS_OK);
  CHECK(tr.n == 2 && tr.seen[0] == 2 && tr.seen[1] == 5 && tr.when[1] == 3.0); /* once, at 3 */
  cs_engine_free(e);
}

static void test_stop(void) {
  trace tr;
  cs_engine *e = new_traced(&tr);
  if (!e) return;
  for (int i = 1; i <= 5; i++) CHECK(sched(e, (double)i, 0, i, NULL) == CS_OK);
  tr.stop_at = 2;
  CHECK(cs_engine_run(e, 10.0) == CS_ESTOP);
  CHECK(tr.n == 2);                   /* stopped after the current event */
  CHECK(cs_engine_now(e) == 2.0);     /* the time of the event that stopped it */
  CHECK(cs_engine_events(e) == 2);
  cs_engine_free(e);

  /* A handler's error stops the run and is returned as is. */
  e = new_traced(&tr);
  if (!e) return;
  for (int i = 1; i <= 5; i++) CHECK(sched(e, (double)i, 0, i, NULL) == CS_OK);
  tr.fail_at = 3;
  tr.fail_rc = 42;
  CHECK(cs_engine_run(e, 10.0) == 42);
  CHECK(tr.n == 3 && cs_engine_now(e) == 3.0);
  tr.fail_rc = CS_EIO;
  tr.fail_at = 4;
  CHECK(cs_engine_run(e, 10.0) == CS_EIO); /* the rest is still pending */
  CHECK(tr.n == 4 && cs_engine_now(e) == 4.0);
  CHECK(cs_engine_run(e, 10.0) == CS_OK);
  CHECK(tr.n == 5 && cs_engine_now(e) == 10.0);
  cs_engine_free(e);
}

/* ---- the run loop pops in the queue's order ----
** The run loop and cs_engine_schedule use the queue's pop and push inlined
** from sim/engine/evq_int.h; cs_evq_pop and cs_evq_push are the same code
** behind a call. A hold model (each event schedules one more, times on a
** grid of 1/8 so that many tie, random priority classes, one event in 16
** also cancelling a random pending one) runs once on the engine and once on
** a bare cs_evq with the same stream; the sequences of (a, time) must agree.
** Populations on both sides of the calendar's thresholds. */

enum { SAME_KIND = 5 };

typedef struct same {
  cs_pcg32 rng;
  cs_handle *h;    /* pending handle of each a (0 when fired or cancelled) */
  int32_t next_a;  /* a of the next new event */
  int32_t *seq_a;  /* trace of processed a's */
  double *seq_t;
  size_t n, cap;
} same;

/* The model's step, shared by both runs: returns the new event's time and
** priority in *t, *prio and a cancel target (or -1). */
static int32_t same_step(same *m, double now, double *t, uint8_t *prio) {
  *t = now + (double)cs_pcg32_bounded(&m->rng, 17) / 8.0;
  *prio = (uint8_t)cs_pcg32_bounded(&m->rng, 3);
  if (cs_pcg32_bounded(&m->rng, 16) == 0) return (int32_t)cs_pcg32_bounded(&m->rng, (uint32_t)m->next_a);
  return -1;
}

static void same_record(same *m, int32_t a, double t) {
  if (m->n < m->cap) {
    m->seq_a[m->n] = a;
    m->seq_t[m->n] = t;
  }
  m->n++;
}

static int on_same(cs_engine *e, const cs_event *ev, void *ud) {
  same *m = ud;
  same_record(m, ev->a, ev->t);
  m->h[ev->a] = 0;
  if (m->n == m->cap) cs_engine_stop(e); /* after this event's push */
  double t;
  uint8_t prio;
  int32_t victim = same_step(m, ev->t, &t, &prio);
  if (victim >= 0 && m->h[victim]) {
    cs_engine_cancel(e, m->h[victim]);
    m->h[victim] = 0;
  }
  cs_event next = {0};
  next.kind = SAME_KIND;
  next.a = m->next_a++;
  return cs_engine_schedule(e, t, prio, &next, &m->h[next.a]);
}

static void same_init(same *m, size_t cap, int32_t total) {
  memset(m, 0, sizeof *m);
  cs_stream_init(&m->rng, 7, 0, CS_ENT_NONE, 0, 0);
  m->h = calloc((size_t)total, sizeof *m->h);
  m->seq_a = malloc(cap * sizeof *m->seq_a);
  m->seq_t = malloc(cap * sizeof *m->seq_t);
  m->cap = cap;
}

static void same_free(same *m) {
  free(m->h);
  free(m->seq_a);
  free(m->seq_t);
}

static void test_same_order_as_queue(int32_t pop, size_t steps) {
  int32_t total = pop + (int32_t)steps + 1;
  same x, y;
  same_init(&x, steps, total);
  same_init(&y, steps, total);
  /* the engine */
  cs_engine *e = NULL;
  CHECK(cs_engine_new(NULL, 16, &e) == CS_OK);
  if (!e || !x.h || !y.h || !x.seq_a || !y.seq_a) goto done;
  CHECK(cs_engine_on(e, SAME_KIND, on_same, &x) == CS_OK);
  for (int32_t k = 0; k < pop; k++) {
    cs_event ev = {0};
    ev.kind = SAME_KIND;
    ev.a = x.next_a++;
    CHECK(cs_engine_schedule(e, (double)cs_pcg32_bounded(&x.rng, 64) / 8.0,
                             (uint8_t)cs_pcg32_bounded(&x.rng, 3), &ev, &x.h[ev.a]) == CS_OK);
  }
  CHECK(cs_engine_run(e, INFINITY) == CS_ESTOP);
  /* the bare queue, the same model */
  cs_evq *q = NULL;
  CHECK(cs_evq_new(NULL, 16, &q) == CS_OK);
  if (!q) goto done;
  for (int32_t k = 0; k < pop; k++) {
    cs_event ev = {0};
    ev.kind = SAME_KIND;
    ev.a = y.next_a++;
    CHECK(cs_evq_push(q, (double)cs_pcg32_bounded(&y.rng, 64) / 8.0,
                      (uint8_t)cs_pcg32_bounded(&y.rng, 3), &ev, &y.h[ev.a]) == CS_OK);
  }
  cs_event ev;
  while (y.n < x.n && cs_evq_pop(q, INFINITY, &ev)) {
    same_record(&y, ev.a, ev.t);
    y.h[ev.a] = 0;
    double t;
    uint8_t prio;
    int32_t victim = same_step(&y, ev.t, &t, &prio);
    if (victim >= 0 && y.h[victim]) {
      cs_evq_cancel(q, y.h[victim]);
      y.h[victim] = 0;
    }
    cs_event next = {0};
    next.kind = SAME_KIND;
    next.a = y.next_a++;
    CHECK(cs_evq_push(q, t, prio, &next, &y.h[next.a]) == CS_OK);
  }
  CHECK(x.n == steps && y.n == x.n);
  size_t diff = 0;
  for (size_t k = 0; k < x.n; k++) diff += x.seq_a[k] != y.seq_a[k] || x.seq_t[k] != y.seq_t[k];
  CHECK(diff == 0);
  cs_evq_free(q);
done:
  cs_engine_free(e);
  same_free(&x);
  same_free(&y);
}

/* cs_hex (common.c): lowercase, two digits a byte, NUL-terminated. */
static void test_hex(void) {
  static const unsigned char b[] = {0x00, 0x0f, 0xa5, 0xff, 0x10};
  char hex[11];
  memset(hex, '?', sizeof hex);
  cs_hex(b, sizeof b, hex);
  CHECK(strcmp(hex, "000fa5ff10") == 0);
  cs_hex(b, 0, hex);
  CHECK(hex[0] == '\0');
}

int main(void) {
  test_same_order_as_queue(100, 20000);
  test_same_order_as_queue(3000, 60000);
  test_same_order_as_queue(12000, 100000);
  test_schedule_errors();
  test_tie_order();
  test_run_until();
  test_reschedule();
  test_stop();
  test_hex();
  test_mm1();
  return check_report();
}
