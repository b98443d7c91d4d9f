/* phold.c: the PHOLD benchmark (Fujimoto 1990) on the sequential engine.
**
** N logical processes (LPs) share a fixed population of events. Processing an
** event at LP i schedules exactly one new event at now + lookahead + Exp(mean),
** addressed to a uniformly random LP with probability `remote` and to LP i
** otherwise, so the population never changes and every pop is followed by one
** push (the queue's "hold" pattern). Each LP draws from its own stream,
** cs_stream_init(&s, seed, 0, CS_ENT_BENCH, lp, 0), so a run is reproducible.
**
** For each population (10^3 .. 10^6 by default) the benchmark builds a fresh
** engine, seeds the events (event j starts at LP j mod N, at time
** lookahead + Exp(mean) from that LP's stream), runs a warm-up so the queue
** reaches its steady-state shape, then times runs of about --events events
** with clock_gettime(CLOCK_MONOTONIC) and prints events per second.
** Runs are bounded in simulated time: the event rate is pop / (lookahead +
** mean) per time unit, so a span of events * (lookahead + mean) / pop holds
** about the requested count; the exact count comes from cs_engine_events.
**
** The handler's draws (--rng): "full" (the default) uses the library's
** distributions as a model would: cs_rng_exp and cs_rng_bernoulli, each a
** 53-bit uniform from two 32-bit draws, a division in the exponential and a
** rejection loop with a modulo in cs_pcg32_bounded. "lean" does the model
** work of a bare PHOLD kernel and no more, so that the ratio to such a
** kernel measures the engines and not the handlers: one 32-bit draw per
** uniform, u = (x + 1) / 2^32 on (0, 1], a delay of lookahead - mean * log(u),
** remote if a second uniform is <= remote, then the LP multiply-shift
** (x * N) >> 32 (biased by less than N / 2^32). Same per-LP streams. The two
** modes draw different numbers, so their event sequences differ.
**
** Usage: cs_bench_phold [--lps N] [--remote P] [--lookahead L] [--mean M]
**                       [--events E] [--reps R] [--seed S] [--rng full|lean]
**                       [--pop P]...
** Defaults: 1000 LPs, remote 0.5, lookahead 0.1, mean 1, 5e6 events per
** timed run, 3 timed runs (median reported), seed 1, --rng full,
** populations 1e3..1e6. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c17 */
#include "cs_engine.h"
#include "cs_rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { EV_PHOLD = 0, MAX_POPS = 16, MAX_REPS = 64 };

typedef struct phold {
  cs_pcg32 *streams; /* one per LP, caller owns */
  uint32_t nlp;
  double remote;     /* probability that a new event goes to a random LP */
  double lookahead;  /* minimum delay */
  double rate;       /* 1 / mean of the exponential part of the delay */
  double mean;       /* mean of the exponential part of the delay */
} phold;

/* --rng full: the library's distributions. ev->t is the engine's now. */
static int on_phold(cs_engine *e, const cs_event *ev, void *ud) {
  phold *p = ud;
  cs_pcg32 *r = &p->streams[ev->a];
  cs_event next = *ev;
  double dt = p->lookahead + cs_rng_exp(r, p->rate);
  if (cs_rng_bernoulli(r, p->remote)) next.a = (int32_t)cs_pcg32_bounded(r, p->nlp);
  return cs_engine_schedule(e, ev->t + dt, 0, &next, NULL);
}

/* cs_pcg32_next, inline here as in a bare kernel (the library's is a call
** into rng.c); main checks that the two agree. */
static inline uint32_t pcg32_lean(cs_pcg32 *r) {
  uint64_t old = r->state;
  r->state = old * 6364136223846793005ULL + r->inc;
  uint32_t xs = (uint32_t)(((old >> 18u) ^ old) >> 27u), rot = (uint32_t)(old >> 59u);
  return (xs >> rot) | (xs << ((-rot) & 31u));
}

/* A uniform on (0, 1] from one 32-bit draw (never 0, so its log is finite). */
static inline double u01_lean(cs_pcg32 *r) {
  return ((double)pcg32_lean(r) + 1.0) * (1.0 / 4294967296.0);
}

/* --rng lean: a bare kernel's draws (see the file comment), 2 or 3 32-bit
** draws per event against full's 4 or 5. */
static int on_phold_lean(cs_engine *e, const cs_event *ev, void *ud) {
  phold *p = ud;
  cs_pcg32 *r = &p->streams[ev->a];
  cs_event next = *ev;
  double t = ev->t + p->lookahead - p->mean * log(u01_lean(r));
  if (u01_lean(r) <= p->remote) next.a = (int32_t)(((uint64_t)pcg32_lean(r) * p->nlp) >> 32);
  return cs_engine_schedule(e, t, 0, &next, NULL);
}

static double now_sec(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Time one population; writes reps rates (events/s) into rates[]. */
static int bench_pop(phold *p, cs_handler fn, uint64_t seed, size_t pop, double events, int reps,
                     double *rates) {
  cs_ctx ctx = {{0}};
  cs_engine *e = NULL;
  int rc = cs_engine_new(&ctx, pop + 16, &e);
  if (rc != CS_OK) goto done;
  if ((rc = cs_engine_on(e, EV_PHOLD, fn, p)) != CS_OK) goto done;
  for (uint32_t i = 0; i < p->nlp; i++)
    cs_stream_init(&p->streams[i], seed, 0, CS_ENT_BENCH, i, 0);
  for (size_t j = 0; j < pop; j++) {
    cs_event ev = {0};
    ev.kind = EV_PHOLD;
    ev.a = (int32_t)(j % p->nlp);
    cs_pcg32 *r = &p->streams[ev.a];
    double t = fn == on_phold_lean ? p->lookahead - p->mean * log(u01_lean(r))
                                   : p->lookahead + cs_rng_exp(r, p->rate);
    if ((rc = cs_engine_schedule(e, t, 0, &ev, NULL)) != CS_OK) goto done;
  }
  /* Warm-up: every initial event is replaced several times (at least 3 pop
  ** events and 5 mean delays), and at least a tenth of a timed run. */
  double per_time = (double)pop / (p->lookahead + 1.0 / p->rate);
  double warm = events / 10.0 > 3.0 * (double)pop ? events / 10.0 : 3.0 * (double)pop;
  double t = warm / per_time;
  if (t < 5.0 * (p->lookahead + 1.0 / p->rate)) t = 5.0 * (p->lookahead + 1.0 / p->rate);
  if ((rc = cs_engine_run(e, t)) != CS_OK) goto done;
  for (int k = 0; k < reps; k++) {
    uint64_t n0 = cs_engine_events(e);
    t += events / per_time;
    double w0 = now_sec();
    if ((rc = cs_engine_run(e, t)) != CS_OK) goto done;
    double w1 = now_sec();
    rates[k] = (double)(cs_engine_events(e) - n0) / (w1 - w0);
  }
done:
  if (rc != CS_OK) fprintf(stderr, "cs_bench_phold: %s\n", cs_errmsg(e ? cs_engine_ctx(e) : &ctx));
  cs_engine_free(e);
  return rc;
}

static void usage(void) {
  fprintf(stderr,
          "usage: cs_bench_phold [--lps N] [--remote P] [--lookahead L] [--mean M]\n"
          "                      [--events E] [--reps R] [--seed S] [--rng full|lean]\n"
          "                      [--pop P]...\n");
}

int main(int argc, char **argv) {
  phold p = {NULL, 1000, 0.5, 0.1, 1.0, 1.0};
  cs_handler fn = on_phold;
  double mean = 1.0, events = 5e6;
  int reps = 3, npops = 0;
  uint64_t seed = 1;
  size_t pops[MAX_POPS];
  for (int i = 1; i < argc; i += 2) { /* every option takes a value */
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!v) { usage(); return 2; }
    if (!strcmp(argv[i], "--lps")) p.nlp = (uint32_t)strtoul(v, NULL, 10);
    else if (!strcmp(argv[i], "--remote")) p.remote = strtod(v, NULL);
    else if (!strcmp(argv[i], "--lookahead")) p.lookahead = strtod(v, NULL);
    else if (!strcmp(argv[i], "--mean")) mean = strtod(v, NULL);
    else if (!strcmp(argv[i], "--events")) events = strtod(v, NULL);
    else if (!strcmp(argv[i], "--reps")) reps = atoi(v);
    else if (!strcmp(argv[i], "--seed")) seed = strtoull(v, NULL, 10);
    else if (!strcmp(argv[i], "--rng") && !strcmp(v, "full")) fn = on_phold;
    else if (!strcmp(argv[i], "--rng") && !strcmp(v, "lean")) fn = on_phold_lean;
    else if (!strcmp(argv[i], "--pop") && npops < MAX_POPS) pops[npops++] = (size_t)strtod(v, NULL);
    else { usage(); return 2; }
  }
  if (p.nlp < 1 || p.nlp > INT32_MAX || !(mean > 0.0) || !(p.lookahead >= 0.0) ||
      !(p.remote >= 0.0 && p.remote <= 1.0) || !(events >= 1.0) || reps < 1 || reps > MAX_REPS) {
    usage();
    return 2;
  }
  cs_pcg32 a, b;
  cs_stream_init(&a, seed, 0, CS_ENT_BENCH, 0, 0);
  b = a;
  for (int k = 0; k < 1000; k++)
    if (pcg32_lean(&a) != cs_pcg32_next(&b)) {
      fprintf(stderr, "cs_bench_phold: the inline PCG step disagrees with cs_pcg32_next\n");
      return 1;
    }
  p.rate = 1.0 / mean;
  p.mean = mean;
  if (npops == 0)
    for (size_t pop = 1000; pop <= 1000000; pop *= 10) pops[npops++] = pop;
  p.streams = malloc(p.nlp * sizeof *p.streams);
  if (!p.streams) { fprintf(stderr, "cs_bench_phold: out of memory\n"); return 1; }

  printf("PHOLD on cs_engine: %u LPs, remote %g, lookahead %g, mean %g, seed %llu, rng %s,\n"
         "%d timed runs of ~%.3g events per population (median, min, max in Mev/s)\n",
         p.nlp, p.remote, p.lookahead, mean, (unsigned long long)seed,
         fn == on_phold_lean ? "lean" : "full", reps, events);
  printf("%12s %10s %10s %10s\n", "population", "median", "min", "max");
  int rc = 0;
  for (int k = 0; k < npops && rc == 0; k++) {
    double rates[MAX_REPS];
    if (bench_pop(&p, fn, seed, pops[k], events, reps, rates) != CS_OK) { rc = 1; break; }
    qsort(rates, (size_t)reps, sizeof rates[0], cmp_double);
    double med = reps % 2 ? rates[reps / 2] : 0.5 * (rates[reps / 2 - 1] + rates[reps / 2]);
    printf("%12zu %10.2f %10.2f %10.2f\n", pops[k], med / 1e6, rates[0] / 1e6, rates[reps - 1] / 1e6);
    fflush(stdout);
  }
  free(p.streams);
  return rc;
}
