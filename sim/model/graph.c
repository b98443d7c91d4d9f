/* graph.c: road distances by Dijkstra with a binary heap, in two forms: the
** distances from one node to all (for gang reach), and a visit in order of
** distance that stops at a radius or when the visitor says so (for nearby
** sites, the nearest STATE node, a unit's route). The visit reuses a
** workspace in the world and resets only what it touched, so a search that
** stops early costs what it explored, not the size of the city.
** Ties are broken by node index: results never depend on memory layout. */
#include "model_int.h"

#include <math.h>
#include <stdlib.h>

typedef struct hitem {
  double d;
  int j;
} hitem;

static int hless(hitem a, hitem b) { return a.d < b.d || (a.d == b.d && a.j < b.j); }

static void hpush(hitem *h, size_t *n, hitem x) {
  size_t i = (*n)++;
  h[i] = x;
  while (i > 0 && hless(h[i], h[(i - 1) / 2])) {
    hitem t = h[i];
    h[i] = h[(i - 1) / 2];
    h[(i - 1) / 2] = t;
    i = (i - 1) / 2;
  }
}

static hitem hpop(hitem *h, size_t *n) {
  hitem top = h[0];
  h[0] = h[--*n];
  for (size_t i = 0;;) {
    size_t c = 2 * i + 1, best = i;
    if (c < *n && hless(h[c], h[best])) best = c;
    if (c + 1 < *n && hless(h[c + 1], h[best])) best = c + 1;
    if (best == i) break;
    hitem t = h[i];
    h[i] = h[best];
    h[best] = t;
    i = best;
  }
  return top;
}

static int workspace(cs_world *w) {
  if (w->dj_dist) return CS_OK;
  size_t cap = (size_t)w->n_roads * 2 + (size_t)w->n + 2; /* + n: cs__graph_lower's sources */
  w->dj_dist = malloc((size_t)w->n * sizeof *w->dj_dist);
  w->dj_touched = malloc((size_t)w->n * sizeof *w->dj_touched);
  w->dj_heap = malloc(cap * sizeof(hitem));
  if (!w->dj_dist || !w->dj_touched || !w->dj_heap)
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory computing road distances");
  for (int j = 0; j < w->n; j++) w->dj_dist[j] = INFINITY;
  return CS_OK;
}

int cs__graph_visit(cs_world *w, int src, double max_km, cs_visit_fn visit, void *ud) {
  int rc = workspace(w);
  if (rc != CS_OK) return rc;
  double *dist = w->dj_dist;
  hitem *h = w->dj_heap;
  size_t n = 0;
  int nt = 0;
  dist[src] = 0;
  w->dj_touched[nt++] = src;
  hpush(h, &n, (hitem){0, src});
  while (n > 0) {
    hitem top = hpop(h, &n);
    if (top.d > dist[top.j]) continue; /* a stale entry */
    if (top.d > max_km) break;
    if (visit && visit(ud, top.j, top.d)) break;
    for (int k = w->adj_start[top.j]; k < w->adj_start[top.j + 1]; k++) {
      int v = w->adj_node[k];
      double nd = top.d + w->adj_km[k];
      if (nd < dist[v]) {
        if (dist[v] == INFINITY) w->dj_touched[nt++] = v;
        dist[v] = nd;
        hpush(h, &n, (hitem){nd, v}); /* each edge relaxes at most once per direction */
      }
    }
  }
  for (int i = 0; i < nt; i++) dist[w->dj_touched[i]] = INFINITY;
  return CS_OK;
}

typedef struct all_ud {
  double *dist;
} all_ud;

static int record(void *ud, int j, double km) {
  ((all_ud *)ud)->dist[j] = km;
  return 0;
}

int cs__dijkstra(cs_world *w, int src, double *dist) {
  for (int j = 0; j < w->n; j++) dist[j] = INFINITY;
  all_ud u = {dist};
  return cs__graph_visit(w, src, INFINITY, record, &u);
}

int cs__graph_lower(cs_world *w, const int *src, int n_src, double *dist) {
  int rc = workspace(w);
  if (rc != CS_OK) return rc;
  hitem *h = w->dj_heap;
  size_t n = 0;
  for (int i = 0; i < n_src; i++)
    if (dist[src[i]] > 0) {
      dist[src[i]] = 0;
      hpush(h, &n, (hitem){0, src[i]});
    }
  while (n > 0) {
    hitem top = hpop(h, &n);
    if (top.d > dist[top.j]) continue; /* a stale entry */
    for (int k = w->adj_start[top.j]; k < w->adj_start[top.j + 1]; k++) {
      int v = w->adj_node[k];
      double nd = top.d + w->adj_km[k];
      if (nd < dist[v]) {
        dist[v] = nd;
        hpush(h, &n, (hitem){nd, v});
      }
    }
  }
  return CS_OK;
}

typedef struct route {
  int to;
  double km;
} route;

static int stop_at(void *ud, int k, double km) {
  route *r = ud;
  if (k != r->to) return 0;
  r->km = km;
  return 1;
}

int cs__road_km(cs_world *w, int from, int to, double *km) {
  route r = {to, INFINITY};
  int rc = cs__graph_visit(w, from, INFINITY, stop_at, &r);
  *km = r.km;
  return rc;
}
