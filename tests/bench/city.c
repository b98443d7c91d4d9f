/* city.c: benchmark of the model on synthetic cities. A k x k grid of
** neighbourhoods (roads to the right and below, 1 km), G gangs each holding
** its base and the base's neighbours, police units on every 10th STATE node,
** one year simulated with daily samples to a sink that discards them.
** Prints wall time, events and the cost per simulated day for each size, so
** the growth with neighbourhoods + roads can be read off.
**
**   cmake --build build --target cs_bench_city && build/cs_bench_city [--reps R]
**     [--max-k K] [--hash]
**
** --hash also prints, per run, an FNV-1a hash of every event record and every
** sample (all fields, bit for bit): a change meant only to make the model
** faster must leave these hashes as they were. The hashing runs in the sink,
** inside the timed run: take times without --hash.
*/
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cs_world.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* What the sink keeps: the events counted and, with --hash, an FNV-1a hash
** of everything it was given. */
typedef struct tally {
  uint64_t events, hash;
  int hashing, n_nodes, n_gangs;
} tally;

static void fnv(tally *t, const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) t->hash = (t->hash ^ b[i]) * 0x100000001b3ULL;
}

static int nop_sample(void *ud, const cs_sample *s) {
  tally *t = ud;
  if (!t->hashing) return CS_OK;
  fnv(t, &s->t, sizeof s->t);
  fnv(t, &s->index, sizeof s->index);
  for (int v = 0; v < s->n_vars; v++) {
    int d = s->vars[v].dim;
    size_t len = d == CS_DIM_CITY ? 1 : d == CS_DIM_NODE ? (size_t)t->n_nodes : (size_t)t->n_gangs;
    fnv(t, s->data[v], len * (s->vars[v].is_int ? sizeof(int64_t) : sizeof(double)));
  }
  return CS_OK;
}

static int nop_event(void *ud, const cs_event_rec *e) {
  tally *t = ud;
  t->events++;
  if (!t->hashing) return CS_OK;
  /* field by field: the struct's padding is not part of the result */
  fnv(t, &e->t, sizeof e->t);
  fnv(t, &e->kind, sizeof e->kind);
  fnv(t, &e->node, sizeof e->node);
  fnv(t, &e->actor, sizeof e->actor);
  fnv(t, &e->target, sizeof e->target);
  fnv(t, &e->deaths, sizeof e->deaths);
  fnv(t, &e->displaced, sizeof e->displaced);
  fnv(t, &e->observed, sizeof e->observed);
  fnv(t, &e->report_time, sizeof e->report_time);
  fnv(t, &e->observed_deaths, sizeof e->observed_deaths);
  return CS_OK;
}

/* --set NAME=VALUE, applied after the benchmark's own settings */
static const char *g_set[16];
static int g_n_set;

static cs_world *build(int k, int G) {
  cs_world *w = NULL;
  cs_ctx ctx = {{0}};
  if (cs_world_new(&ctx, &w) != CS_OK) return NULL;
  char id[32];
  int n = k * k;
  for (int j = 0; j < n; j++) {
    snprintf(id, sizeof id, "n%d", j);
    cs_node_decl d = {id, NULL, "", j % k, j / k, 15000 + (j * 7919) % 10000, 0.2 + 0.6 * ((j * 31) % 100) / 100.0,
                      0, CS_PARTY_STATE, (j % 25 == 0) ? 5000 : 0, 0.5};
    cs_world_add_node(w, &d, NULL);
  }
  for (int j = 0; j < n; j++) {
    if (j % k < k - 1) cs_world_add_road(w, j, j + 1, 1.0);
    if (j / k < k - 1) cs_world_add_road(w, j, j + k, 1.0);
  }
  for (int g = 0; g < G; g++) {
    int base = (int)(((long long)g * 2654435761LL) % n);
    snprintf(id, sizeof id, "g%d", g);
    cs_gang_decl d = {id, NULL, 300 + 50 * g, 0, -1, -1, base};
    cs_world_add_gang(w, &d, NULL);
    cs_world_set_owner(w, base, CS_PARTY_GANG(g));
    if (base % k < k - 1) cs_world_set_owner(w, base + 1, CS_PARTY_GANG(g));
    if (base / k < k - 1) cs_world_set_owner(w, base + k, CS_PARTY_GANG(g));
  }
  for (int j = 0, u = 0; j < n; j += 10) {
    snprintf(id, sizeof id, "u%d", u++);
    cs_unit_decl d = {id, CS_UNIT_POLICE, 60, -1, CS_POSTURE_GARRISON, j};
    cs_world_add_unit(w, &d, NULL);
  }
  cs_world_set_horizon(w, 365, 1);
  cs_world_param_set(w, "lambda0", 0.05);
  for (int i = 0; i < g_n_set; i++) {
    char name[64];
    const char *eq = strchr(g_set[i], '=');
    size_t len = eq ? (size_t)(eq - g_set[i]) : 0;
    if (!eq || len == 0 || len >= sizeof name) {
      fprintf(stderr, "cs_bench_city: --set takes NAME=VALUE, got '%s'\n", g_set[i]);
      cs_world_free(w);
      return NULL;
    }
    memcpy(name, g_set[i], len);
    name[len] = '\0';
    if (cs_world_param_set_text(w, name, eq + 1) != CS_OK) {
      fprintf(stderr, "cs_bench_city: --set %s: %s\n", g_set[i], cs_errmsg(cs_world_ctx(w)));
      cs_world_free(w);
      return NULL;
    }
  }
  if (cs_world_finalize(w) != CS_OK) {
    fprintf(stderr, "%s\n", cs_errmsg(cs_world_ctx(w)));
    cs_world_free(w);
    return NULL;
  }
  return w;
}

int main(int argc, char **argv) {
  int reps = 3, hashing = 0, max_k = 100;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc) reps = atoi(argv[++i]);
    else if (strcmp(argv[i], "--max-k") == 0 && i + 1 < argc) max_k = atoi(argv[++i]);
    else if (strcmp(argv[i], "--hash") == 0) hashing = 1;
    else if (strcmp(argv[i], "--set") == 0 && i + 1 < argc && g_n_set < 16) g_set[g_n_set++] = argv[++i];
    else {
      int help = strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0;
      fprintf(help ? stdout : stderr, "usage: cs_bench_city [--reps R] [--max-k K] [--hash] [--set NAME=VALUE ...]\n"
              "  cities of K x K neighbourhoods for K = 10, 32, 100 up to --max-k (default 100);\n"
              "  --set overrides a model parameter (up to 16), e.g. --set reach=spread\n");
      return help ? 0 : 2;
    }
  }
  if (reps < 1 || max_k < 10) {
    fprintf(stderr, "cs_bench_city: --reps must be >= 1 and --max-k >= 10\n");
    return 2;
  }
  int sizes[] = {10, 32, 100}; /* 100, 1,024 and 10,000 neighbourhoods */
  int n_sizes = max_k >= 100 ? 3 : max_k >= 32 ? 2 : 1;
  printf("%8s %6s %8s %10s %12s %10s %14s\n", "nodes", "gangs", "roads", "seconds", "events", "Mev/s",
         "us/day/(n+r)");
  for (int s = 0; s < n_sizes; s++) {
    int k = sizes[s], n = k * k, roads = 2 * k * (k - 1);
    double best = 1e30;
    uint64_t events = 0;
    for (int r = 0; r < reps; r++) {
      cs_world *w = build(k, 10);
      if (!w) return 1;
      tally tl = {0, 0xcbf29ce484222325ULL, hashing, cs_world_n_nodes(w), cs_world_n_gangs(w)};
      cs_sink sink = {&tl, NULL, nop_sample, nop_event, NULL};
      double t0 = now_s();
      int rc = cs_world_run(w, 1, (uint64_t)r, &sink);
      double dt = now_s() - t0;
      if (rc != CS_OK) {
        fprintf(stderr, "%s\n", cs_errmsg(cs_world_ctx(w)));
        return 1;
      }
      events = cs_world_events_processed(w);
      if (hashing)
        printf("hash nodes %d replicate %d: events %llu logged %llu fnv1a %016llx\n", n, r,
               (unsigned long long)events, (unsigned long long)tl.events, (unsigned long long)tl.hash);
      if (dt < best) best = dt;
      cs_world_free(w);
    }
    printf("%8d %6d %8d %10.3f %12llu %10.2f %14.4f\n", n, 10, roads, best, (unsigned long long)events,
           events / best / 1e6, best / 365 * 1e6 / (n + roads));
  }
  return 0;
}
