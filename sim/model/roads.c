/* roads.c: the road graph as the model sees it: the CSR adjacency
** (adj_start, adj_node, adj_km), neighbours in road declaration order, and
** the check that the graph is connected. Split from world.c so that the
** graph has one owner before road closures change it during a run. The
** build allocates once; building again reuses the arrays and cannot fail. */
#include "model_int.h"

#include <stdlib.h>

int cs__roads_build(cs_world *w) {
  if (!w->adj_start) {
    w->adj_start = calloc((size_t)w->n + 1, sizeof *w->adj_start);
    w->adj_node = malloc((size_t)(2 * w->n_roads + 1) * sizeof *w->adj_node);
    w->adj_km = malloc((size_t)(2 * w->n_roads + 1) * sizeof *w->adj_km);
    if (!w->adj_start || !w->adj_node || !w->adj_km)
      return cs_err(&w->ctx, CS_ENOMEM, "out of memory building the road graph");
  }
  /* adj_start[j + 1] counts j's roads, then becomes a prefix sum; the
  ** fill below advances adj_start[j] itself, which then holds j's end, and a
  ** shift by one restores the starts (no scratch array: a rebuild cannot
  ** fail) */
  for (int j = 0; j <= w->n; j++) w->adj_start[j] = 0;
  for (int r = 0; r < w->n_roads; r++) {
    w->adj_start[w->road_a[r] + 1]++;
    w->adj_start[w->road_b[r] + 1]++;
  }
  for (int j = 0; j < w->n; j++) w->adj_start[j + 1] += w->adj_start[j];
  for (int r = 0; r < w->n_roads; r++) { /* neighbours in road declaration order */
    int a = w->road_a[r], b = w->road_b[r];
    int ka = w->adj_start[a]++, kb = w->adj_start[b]++;
    w->adj_node[ka] = b;
    w->adj_km[ka] = w->road_km[r];
    w->adj_node[kb] = a;
    w->adj_km[kb] = w->road_km[r];
  }
  for (int j = w->n; j > 0; j--) w->adj_start[j] = w->adj_start[j - 1];
  w->adj_start[0] = 0;
  return CS_OK;
}

/* A node the graph cannot reach from node 0 into *first (-1 if none),
** by depth-first search; CS_ENOMEM if the search cannot allocate. */
static int unreached(cs_world *w, int *first, int *missing) {
  *first = -1;
  *missing = 0;
  if (w->n <= 1) return CS_OK;
  int *seen = calloc((size_t)w->n, sizeof *seen), *stack = malloc((size_t)w->n * sizeof *stack);
  if (!seen || !stack) {
    free(seen);
    free(stack);
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory");
  }
  int top = 0, count = 1;
  seen[0] = 1;
  stack[top++] = 0;
  while (top > 0) {
    int j = stack[--top];
    for (int k = w->adj_start[j]; k < w->adj_start[j + 1]; k++)
      if (!seen[w->adj_node[k]]) {
        seen[w->adj_node[k]] = 1;
        count++;
        stack[top++] = w->adj_node[k];
      }
  }
  if (count < w->n) {
    int j = 0;
    while (seen[j]) j++;
    *first = j;
    *missing = w->n - count;
  }
  free(seen);
  free(stack);
  return CS_OK;
}

int cs__roads_check_connected(cs_world *w) {
  int first, missing, rc = unreached(w, &first, &missing);
  if (rc != CS_OK || first < 0) return rc;
  return cs_err(&w->ctx, CS_EINVAL,
                "the road graph is not connected: %d of %d nodes cannot be reached from '%s' (for example '%s')",
                missing, w->n, w->node_id[0], w->node_id[first]);
}
