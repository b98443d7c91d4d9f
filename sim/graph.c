/* graph.c: shortest road distances (Dijkstra with a binary heap). Ties are
** broken by node index, so results never depend on memory layout. */
#include "model_int.h"

#include <math.h>
#include <stdlib.h>

typedef struct hitem {
  double d;
  int j;
} hitem;

static int hless(hitem a, hitem b) { return a.d < b.d || (a.d == b.d && a.j < b.j); }

int cs__dijkstra(cs_world *w, int src, double *dist) {
  size_t cap = (size_t)w->n_roads * 2 + 2;
  hitem *h = malloc(cap * sizeof *h);
  if (!h) return cs_err(&w->ctx, CS_ENOMEM, "out of memory computing road distances");
  for (int j = 0; j < w->n; j++) dist[j] = INFINITY;
  size_t n = 0;
  dist[src] = 0;
  h[n++] = (hitem){0, src};
  while (n > 0) {
    hitem top = h[0];
    h[0] = h[--n];
    for (size_t i = 0;;) { /* sift down */
      size_t c = 2 * i + 1, best = i;
      if (c < n && hless(h[c], h[best])) best = c;
      if (c + 1 < n && hless(h[c + 1], h[best])) best = c + 1;
      if (best == i) break;
      hitem t = h[i]; h[i] = h[best]; h[best] = t;
      i = best;
    }
    if (top.d > dist[top.j]) continue;
    for (int k = w->adj_start[top.j]; k < w->adj_start[top.j + 1]; k++) {
      int v = w->adj_node[k];
      double nd = top.d + w->adj_km[k];
      if (nd < dist[v]) {
        dist[v] = nd;
        /* each edge relaxes at most once per direction: n < cap */
        size_t i = n++;
        h[i] = (hitem){nd, v};
        while (i > 0 && hless(h[i], h[(i - 1) / 2])) {
          hitem t = h[i]; h[i] = h[(i - 1) / 2]; h[(i - 1) / 2] = t;
          i = (i - 1) / 2;
        }
      }
    }
  }
  free(h);
  return CS_OK;
}
